"""Read what the detectors found, for the reviewer and to spot the image's own identifiers.

OCR is for *reading*, never for deciding what to paint: a region is never dropped because
tesseract could not read it (that cut recall from 85% to 60-76% when measured). tesserocr runs
tesseract in-process (one engine per process, created lazily; about 30x faster per crop than
pytesseract, which starts a process per call); pytesseract is the fallback.

In the standalone bundle (`sys.frozen`) only tesserocr is used, with the `eng.traineddata` the
bundle carries: the host's tesseract program, its data and TESSDATA_PREFIX are never consulted,
and a bundle whose engine cannot start says so instead of borrowing them.
"""

from __future__ import annotations

import os
import re
import sys
import threading

import cv2
import numpy as np

from radshare.core.model import Identifiers, TextRegion
from radshare.core.redact.pixels import to_grey_and_rgb

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata", "/usr/share/tessdata")
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

_engine = None
_engine_lock = threading.Lock()


class OcrUnavailable(RuntimeError):
    """The bundle's own OCR engine cannot start (a broken bundle: nothing is borrowed from the host)."""


def frozen() -> bool:
    """True inside the standalone bundle built by radshare.spec."""
    return bool(getattr(sys, "frozen", False))


def bundled_tessdata() -> str | None:
    """The bundle's tessdata folder (next to its resources), or None outside a bundle."""
    base = getattr(sys, "_MEIPASS", None)
    return os.path.join(base, "tessdata") if frozen() and base else None


def _tessdata() -> str | None:
    if frozen():
        path = bundled_tessdata()
        return path if path and os.path.isfile(os.path.join(path, "eng.traineddata")) else None
    env = os.environ.get("TESSDATA_PREFIX")
    for path in ([env] if env else []) + list(TESSDATA_DIRS):
        if path and os.path.isfile(os.path.join(path, "eng.traineddata")):
            return path
    return None


def _get_engine():
    """The per-process tesserocr engine, or None when tesserocr is unavailable (outside a bundle)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                import tesserocr

                path = _tessdata()
                if path is None and frozen():
                    raise OcrUnavailable("the bundle's English OCR data (tessdata/eng.traineddata) is missing")
                _engine = tesserocr.PyTessBaseAPI(path=path or "", lang="eng", psm=tesserocr.PSM.SINGLE_BLOCK)
            except OcrUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - no binding or no data: fall back to pytesseract
                if frozen():
                    raise OcrUnavailable(f"the bundle's OCR engine cannot start ({type(exc).__name__})") from None
                _engine = False
        return _engine or None


def engine_version() -> str:
    """'tesseract 5.x (tesserocr, in-process)' or '(pytesseract, program)': what OCR runs here."""
    if _get_engine() is not None:
        import tesserocr

        return f"tesseract {tesserocr.tesseract_version().split()[1]} (tesserocr, data in {_tessdata() or 'default'})"
    import pytesseract

    return f"tesseract {pytesseract.get_tesseract_version()} (pytesseract, program on PATH)"


def _read_crop(crop: np.ndarray) -> tuple[str, float]:
    """(text, mean word confidence 0..100) for one uint8 grey crop."""
    engine = _get_engine()
    if engine is not None:
        from PIL import Image as PILImage

        engine.SetImage(PILImage.fromarray(crop))
        text = engine.GetUTF8Text() or ""
        confs = engine.AllWordConfidences() or []
        return text.strip(), float(np.mean(confs)) if confs else 0.0
    import pytesseract

    text = pytesseract.image_to_string(crop, config="--psm 6")
    return text.strip(), 0.0


def _prepare(crop: np.ndarray) -> np.ndarray:
    """Upscale to ~40 px text height, dark text on white, with a margin: what tesseract reads best."""
    h, w = crop.shape
    scale = max(1.0, 40.0 / max(1, min(h, w)))
    crop = cv2.resize(crop, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_CUBIC)
    crop = cv2.normalize(crop, None, 0, 255, cv2.NORM_MINMAX)
    if np.median(crop) < 128:
        crop = 255 - crop
    return cv2.copyMakeBorder(crop, 10, 10, 10, 10, cv2.BORDER_REPLICATE)


def read_text(grey: np.ndarray, region: TextRegion) -> tuple[str, float]:
    """Read one region; vertical regions are read in both 90-degree turns, the surer one kept."""
    crop = grey[region.y : region.y + region.h, region.x : region.x + region.w]
    if crop.size == 0:
        return "", 0.0
    if crop.shape[0] > 1.5 * crop.shape[1]:
        readings = [_read_crop(_prepare(np.ascontiguousarray(np.rot90(crop, k)))) for k in (1, -1)]
        return max(readings, key=lambda r: r[1])
    return _read_crop(_prepare(crop))


def _alnum(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def date_variants(da: str) -> set[str]:
    """Digit/letter strings a DICOM date YYYYMMDD is commonly written as, punctuation removed."""
    if not re.fullmatch(r"\d{8}", da):
        return set()
    y, m, d = da[:4], da[4:6], da[6:]
    mon = MONTHS[int(m) - 1] if 1 <= int(m) <= 12 else ""
    forms = {y + m + d, d + m + y, m + d + y, d + m + y[2:], m + d + y[2:], y[2:] + m + d}
    if mon:
        forms |= {d + mon + y, d + mon + y[2:], mon + d + y}
    return forms


def matches_identifiers(text: str, identifiers: Identifiers | None) -> bool:
    """True when the read text contains a name part, an ID or a date of this image's patient."""
    if not identifiers or not text:
        return False
    flat = _alnum(text)
    words = set(re.findall(r"[A-Z0-9]+", text.upper()))
    for name in identifiers.names:
        part = _alnum(name)
        if len(part) >= 2 and (part in words or (len(part) >= 4 and part in flat)):
            return True
    for value in (*identifiers.ids, *identifiers.institutions, *identifiers.other):
        part = _alnum(value)
        if len(part) >= 3 and part in flat:
            return True
    for da in identifiers.dates:
        if any(form in flat for form in date_variants(da)):
            return True
    return False


def may_keep_as_label(text: str, identifiers: Identifiers | None) -> bool:
    """Whether OCR-read text may stay in the image as a teaching label ("L", "AP", "SUPINE"):
    only when the core free-text de-identifier would leave it unchanged. Text OCR could not read
    is left to the reviewer's eyes."""
    from radshare.core.deid.text import is_safe_text

    return not text.strip() or is_safe_text(" ".join(text.split()), identifiers)


def read_regions(frame: np.ndarray, regions: list[TextRegion], identifiers: Identifiers | None) -> list[TextRegion]:
    """Set `text`, `confidence` and `is_identifier` on each region (in place) and return them all.

    Regions are never dropped, whatever OCR makes of them. Face regions are not read.
    """
    grey, _ = to_grey_and_rgb(frame)
    for region in regions:
        if region.source == "face":
            continue
        text, confidence = read_text(grey, region)
        region.text, region.confidence = text, confidence / 100.0
        if matches_identifiers(text, identifiers):
            region.is_identifier = True
            region.keep = False  # an identifier is always redacted
    return regions


def find_words(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Word boxes from tesseract on the whole image (psm 11): the detector when onnxruntime is absent."""
    import pytesseract

    boxes = []
    for img in (grey, 255 - grey):
        data = pytesseract.image_to_data(img, config="--psm 11", output_type=pytesseract.Output.DICT)
        for x, y, w, h, word in zip(data["left"], data["top"], data["width"], data["height"], data["text"]):
            if word.strip() and 0 < h < grey.shape[0] // 2:
                boxes.append((int(x), int(y), int(w), int(h)))
    return boxes
