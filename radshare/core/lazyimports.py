"""pydicom without the libraries only its pixel and download helpers use, for short header-only runs.

`import pydicom` loads its pixel machinery, which imports Pillow's colour management (with
Pillow's image module and EXIF tables) and, through its test-data downloader, `requests`: about
60 ms of the ~0.25 s a `radshare deid` process spends before its first file, for code a header-only
run never calls. `import_pydicom_lightly()` imports pydicom with those modules loaded lazily
(Python's own `importlib.util.LazyLoader`): the module objects exist, pydicom sees them as
available, and the first attribute read loads each one in full. Nothing behaves differently;
only when the cost is paid moves. Call it before anything imports pydicom; afterwards it does
nothing.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

# Imported by pydicom at import time, used by it only to decode pixels or download test data
# (urllib.request brings http.client, ssl and email with it).
DEFERRED = frozenset({"PIL", "PIL.ImageCms", "requests", "tqdm", "urllib.request"})


class _DeferringFinder(importlib.abc.MetaPathFinder):
    """Finds the DEFERRED modules through the other finders and hands them a lazy loader."""

    def find_spec(self, name, path=None, target=None):
        if name not in DEFERRED:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is None or not hasattr(spec.loader, "exec_module"):
                    return spec  # a namespace package or an old-style loader: loaded as usual
                spec.loader = importlib.util.LazyLoader(spec.loader)
                return spec
        return None


def import_pydicom_lightly() -> None:
    """Import pydicom with DEFERRED loaded only when first used (see the module's docstring)."""
    if "pydicom" in sys.modules:
        return
    finder = _DeferringFinder()
    sys.meta_path.insert(0, finder)
    try:
        import pydicom  # noqa: F401
    finally:
        sys.meta_path.remove(finder)
