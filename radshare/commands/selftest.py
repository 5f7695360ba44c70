"""`radshare selftest`: proves an installation works (IT admins run it after deploying)."""

from __future__ import annotations

import argparse
import io
import sys
from typing import Callable


def add_parser(subparsers) -> None:
    subparsers.add_parser(
        "selftest",
        help="check OCR, codecs, the text detector, Qt and the keyring",
        description="Run quick checks of every part RadShare needs and print a table; exit 0 when usable.",
    )


def _check_codecs() -> str:
    from pydicom.pixels.decoders import JPEG2000LosslessDecoder, JPEGBaseline8BitDecoder, JPEGLSLosslessDecoder, RLELosslessDecoder

    missing = [d.UID.name for d in (JPEGBaseline8BitDecoder, JPEGLSLosslessDecoder, JPEG2000LosslessDecoder, RLELosslessDecoder) if not d.is_available]
    if missing:
        raise RuntimeError("missing decoders: " + ", ".join(missing))
    return "JPEG, JPEG-LS, JPEG 2000, RLE"


def _check_ocr() -> str:
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from radshare.core.model import TextRegion
    from radshare.core.redact.ocr import read_text

    image = Image.new("L", (260, 60), 0)
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    except OSError:
        font = ImageFont.load_default(size=28)
    ImageDraw.Draw(image).text((10, 12), "RADSHARE", fill=255, font=font)
    text, _ = read_text(np.asarray(image), TextRegion(x=0, y=0, w=260, h=60))
    if "RADSHARE" not in text.upper().replace(" ", ""):
        raise RuntimeError("tesseract did not read a test word")
    return f"tesseract {_tesseract_version()}"


def _tesseract_version() -> str:
    try:
        import tesserocr

        return tesserocr.tesseract_version().split()[1]
    except ImportError:
        import pytesseract

        return str(pytesseract.get_tesseract_version())


def _check_detector() -> str:
    import numpy as np

    from radshare.core.redact.detect import detect_text, detector_name

    frame = np.zeros((128, 256), dtype=np.uint8)
    import cv2

    cv2.putText(frame, "TEST 123", (10, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    if not detect_text(frame):
        raise RuntimeError("the text detector found nothing in a test image")
    return detector_name("auto")


# PySide6 releases that break the desktop app, with why. 6.12.0's Signal.emit() returns True
# without a reference of its own: every emit from Python takes one from True, and the app aborts
# on quit after real work ("bool_dealloc: deallocating True or False"). pyproject excludes them.
BROKEN_PYSIDE = {
    "6.12.0": "its Signal.emit() loses a reference to True on every call and the app aborts on quit",
}


class BrokenInstall(RuntimeError):
    """A part that is installed but known to crash: the installation is not usable as it is."""


def _check_qt() -> str:
    """Whether the desktop app's toolkit loads here, and is not a release known to crash it.
    Looked up by name: only radshare.gui imports Qt, and the command-line tools must keep
    working where it is missing."""
    import importlib

    try:
        qt_core = importlib.import_module("PySide6.QtCore")
        importlib.import_module("PySide6.QtWidgets")
        pyside = importlib.import_module("PySide6")
    except ImportError as exc:
        raise RuntimeError(f"the desktop app's Qt libraries cannot load ({exc})") from None
    version = str(pyside.__version__)
    problem = BROKEN_PYSIDE.get(version)
    if problem is None and lost_true_refs(_signal_emitter(qt_core)):
        problem = "its Signal.emit() loses a reference to True on every call and the app would abort on quit"
    if problem:
        raise BrokenInstall(f"PySide6 {version} is installed: {problem}; "
                            "install another release: pip install 'PySide6-Essentials>=6.6,!=6.12.0'")
    return f"Qt {qt_core.qVersion()} (PySide6 {version})"


def _signal_emitter(qt_core) -> Callable[[], object]:
    class Probe(qt_core.QObject):
        ping = qt_core.Signal()

    probe = Probe()
    return lambda: probe.ping.emit()  # the closure keeps the QObject alive


def lost_true_refs(call: Callable[[], object], times: int = 64) -> int:
    """How many references to True `times` calls of `call` took without owning them. What was
    lost is given back, so that the probe itself cannot crash this process at exit."""
    import ctypes

    call()  # a first call may create caches that hold True
    before = sys.getrefcount(True)
    for _ in range(times):
        call()
    lost = max(0, before - sys.getrefcount(True))
    for _ in range(lost):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost


def _check_keyring() -> str:
    from radshare.uploaders.accounts import keyring_status

    status = keyring_status()
    if not status.usable:
        raise RuntimeError(status.warning or f"no usable keyring backend ({status.backend})")
    if not status.secure:
        raise Warning(f"{status.backend}: not the system's secure store; accounts' secrets would be kept in a file")
    return status.backend


def _check_deid() -> str:
    import pydicom

    from radshare.core.pipeline import deidentify_dicom, dicom_bytes, settings_for_installation
    from radshare.core.sample import _ct_slice

    settings = settings_for_installation(text_redaction="off")
    ds = _ct_slice(0, "1.2.3", "1.2.3.4")
    data = dicom_bytes(deidentify_dicom(ds, settings).dataset)
    if b"DOE" in data.upper() or b"4471093" in data:
        raise RuntimeError("the sample's identifiers survived de-identification")
    pydicom.dcmread(io.BytesIO(data))
    return "sample de-identified, no identifier left"


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("DICOM codecs", _check_codecs),
    ("De-identification", _check_deid),
    ("OCR", _check_ocr),
    ("Text detector", _check_detector),
    ("Qt", _check_qt),
    ("Keyring", _check_keyring),
]
REQUIRED = {"DICOM codecs", "De-identification", "OCR", "Text detector"}


def run(args: argparse.Namespace) -> int:
    failed_required = False
    width = max(len(name) for name, _ in CHECKS)
    for name, check in CHECKS:
        try:
            status, detail = "ok", check()
        except Warning as exc:  # usable, with a caveat the admin should know
            status, detail = "warn", str(exc)
        except Exception as exc:  # every failure is reported, never raised
            status, detail = "FAIL", str(exc) or exc.__class__.__name__
            failed_required |= name in REQUIRED or isinstance(exc, BrokenInstall)
        print(f"{name:<{width}}  {status:<4}  {detail}")
    print("RadShare is usable." if not failed_required else "RadShare is NOT usable here: see the failures above.")
    return 1 if failed_required else 0
