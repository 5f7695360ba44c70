"""Is a found box text, or anatomy? Checks every box passes before it is painted.

Every image of every modality is scanned, so the detectors meet far more anatomy than text.
After contrast normalisation an organ edge is as crisp as a stroke, and DB called a whole CT
body (the demo's CT: one 224x167 box), a chest's ribs, a hand or a colour-Doppler region one
line of text. No burned-in line is that thick: a box thicker across its line than a few glyph
heights, or covering a tenth of the frame, is anatomy (`within_line_size`) unless tesseract reads
a word in it surely. The classical pass's strong proposals must also be confirmed by DB or by
tesseract (detect._confirmed, using `reads_as_text`), as there it mostly finds calcifications,
hot spots and rib ends.

Measured (benchmarks/text_redaction.py --count 100, seed 7, checks off -> on): text-free images
of 16 kinds, pixels painted 20.5% -> 1.5% mean and 80.8% -> 12.6% max, boxes over a tenth of an
image 22 -> 0, false boxes per image 5.65 -> 4.3; recall 100% -> 99.8% (first generator) and
97.5% -> 96.2% (second); 31 real-world text-free images, painted 11.9% -> 1.7% mean.
"""

from __future__ import annotations

import numpy as np

LINE_MAX_SHARE = 0.094  # of the frame's short side: no burned-in line's box is thicker across (48 px at 512:
                        # benchmark text is 8-28 px, padded and grown)
LINE_MIN_SIDE = 16  # px, on small frames (a 64 px MR crop had one 15x34 box over its anatomy)
AREA_MAX_SHARE = 0.10  # a single box over a tenth of the frame is a block of anatomy, not one label
OCR_CONFIDENCE = 60.0  # tesseract's mean word confidence (0-100) that makes a box legible text
OCR_MIN_CHARS = 2  # letters or digits it must read there
LARGE_MIN_CHARS = 3  # a box larger than a line is kept when tesseract reads this many letters or digits...
LARGE_CONFIDENCE = 80.0  # ...this surely (the demo CT's body read as "Oe" at 6, a chest as "es" at 63; "red" at 96)


def max_side(rows: int, cols: int) -> int:
    """The thickest a text line's box may be across its line on a rows x cols frame."""
    return max(LINE_MIN_SIDE, int(LINE_MAX_SHARE * min(rows, cols)))


def within_line_size(box: tuple[int, int, int, int], rows: int, cols: int) -> bool:
    """True when `box` is no thicker than a line of text and covers at most AREA_MAX_SHARE of the frame."""
    _, _, w, h = box[:4]
    return min(w, h) <= max_side(rows, cols) and w * h <= AREA_MAX_SHARE * rows * cols


def line_sized(grey: np.ndarray, boxes: list) -> list:
    """The boxes that pass `within_line_size`, and larger ones in which tesseract reads a word
    surely (large text: a screenshot's labels, 70 px letters on a test image)."""
    rows, cols = grey.shape[:2]
    return [b for b in boxes if within_line_size(b, rows, cols) or reads_as_text(grey, b, LARGE_MIN_CHARS, LARGE_CONFIDENCE)]


def reads_as_text(grey: np.ndarray, box: tuple[int, int, int, int], min_chars: int = 0, confidence: float = 0.0) -> bool:
    """Tesseract reads OCR_MIN_CHARS letters or digits in the box with OCR_CONFIDENCE: text the
    network did not confirm (bold or touching glyphs) is kept. Never used to drop a box DB found."""
    from radshare.core.model import TextRegion
    from radshare.core.redact.ocr import read_text

    read, sure = read_text(grey, TextRegion(*box[:4]))
    return sum(ch.isalnum() for ch in read) >= (min_chars or OCR_MIN_CHARS) and sure >= (confidence or OCR_CONFIDENCE)
