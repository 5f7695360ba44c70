"""Work-arounds for PySide6 behaviour that would otherwise crash the app.

PySide6 hooks every import to look for `from __feature__ import ...`, reading the module's
source with `inspect.getsource`. Run from a worker thread (our core modules import pydicom,
codecs and OCR lazily), that hook corrupts memory and the app dies with "deallocating None".
RadShare never uses `__feature__`, so the source check is switched off, and the modules the
workers need are imported once on the UI thread as well.
"""

from __future__ import annotations

import importlib
import sys

WORKER_MODULES = (
    "pydicom", "pydicom.pixels", "pydicom.data", "numpy", "PIL.Image", "cv2",
    "radshare.core.sources", "radshare.core.deid.photo", "radshare.core.render",
    "radshare.core.export.images", "radshare.core.pipeline", "radshare.core.deid.header",
    "radshare.core.deid.identifiers", "radshare.core.deid.profile", "radshare.core.deid.pseudonyms",
    "radshare.core.deid.clean", "radshare.core.deid.rlestream",
    "radshare.core.deid.keys", "radshare.core.deid.text", "radshare.core.redact",
    "radshare.core.redact.detect", "radshare.core.redact.ocr", "radshare.core.redact.apply",
    "radshare.core.export.cine",
)
_done: set[str] = set()


def disable_feature_source_check() -> None:
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and hasattr(feature, "_mod_uses_pyside"):
        feature._mod_uses_pyside = lambda *_args, **_kwargs: False


def preload(modules: tuple[str, ...] = WORKER_MODULES) -> None:
    """Import the modules workers use, on the calling (UI) thread; missing ones are skipped."""
    disable_feature_source_check()
    for name in modules:
        if name in _done:
            continue
        _done.add(name)
        try:
            importlib.import_module(name)
        except Exception:  # a part this installation lacks; the feature that needs it says so
            pass
