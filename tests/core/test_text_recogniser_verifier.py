"""The learned recogniser (redact/recognise.py) reads every found box before it is painted: anatomy
reads as nothing and is left alone, faint small text reads and is painted, and when the recogniser
cannot run every box is kept (fail closed)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from radshare.core.redact import recognise, verify
from radshare.core.redact.detect import detect_text, detector_name
from radshare.core.redact.settings import current as settings
from radshare.core.redact.settings import overridden
from radshare.core.redact.pixels import to_uint8
from tests.fixtures.anatomy import make_anatomy
from tests.fixtures.textimages import coverage, painted_mask

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def plant(image: np.ndarray, text: str, xy: tuple[int, int], size: int, delta: int, vertical: bool = False):
    """`text` drawn `delta` grey levels off the ground at `xy`, `size` px font; returns (image, ink box)."""
    font = ImageFont.truetype(FONT, size)
    left, top, right, bottom = font.getbbox(text)
    mask = Image.new("L", (right + 2, bottom + 2), 0)
    ImageDraw.Draw(mask).text((0, 0), text, fill=255, font=font)
    ink = np.asarray(mask, np.float32) / 255.0
    if vertical:
        ink = np.rot90(ink)
    ys, xs = np.nonzero(ink > 0.3)
    ink = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    x, y = xy
    out = image.astype(np.float32)
    patch = out[y : y + ink.shape[0], x : x + ink.shape[1]]
    patch += delta * ink
    return np.clip(out, 0, 255).astype(np.uint8), (x, y, ink.shape[1], ink.shape[0])


# Faint (12-40 grey levels) 8-11 px labels on the anatomy the recogniser is there to leave alone:
# every one is found and painted with the recogniser on (tesseract read none of them surely).
FAINT = [
    ("mr-brain", "ID 4471203", (30, 470), 10, 35, False),
    ("mr-brain", "SER 4 IMG 17", (490, 200), 9, 35, True),
    ("ct-body", "DOB 1961-03-14", (300, 20), 9, 30, False),
    ("ct-head", "OKAFOR B", (380, 30), 8, 40, False),
    ("us-sector", "KVIST HELGA", (20, 480), 11, 40, False),
    ("mr-knee", "ACC 88213", (470, 150), 10, 35, True),
    ("pet", "2019-11-02", (400, 480), 8, 30, False),
    ("dx-hand", "MRN 5531", (30, 30), 9, -30, False),
    ("mg", "L CC 44", (300, 40), 10, 30, False),
    ("xa", "ID 77124", (30, 470), 9, 35, False),
    # 18 grey levels on noise: read as "HAN 5" and "LCC44" unsure, then surely once smoothed
    # (recognise._blurred); lost without the smoothed second read
    ("dx-hand", "MRN 5531", (30, 30), 9, -18, False),
    ("mg", "L CC 44", (300, 40), 10, 18, False),
    ("ct-body", "DOB 1961-03-14", (300, 20), 9, 12, False),
]


@pytest.mark.parametrize("kind,text,xy,size,delta,vertical", FAINT)
def test_faint_small_text_on_anatomy_is_read_and_painted(kind, text, xy, size, delta, vertical):
    image, box = plant(to_uint8(make_anatomy(kind, 0)), text, xy, size, delta, vertical)
    regions = detect_text(image)
    assert coverage(painted_mask(image.shape, regions), box) >= 0.9, (kind, text)


def test_recogniser_reads_faint_8px_text_and_not_anatomy():
    """The model itself: two or more sure characters in a faint 8 px label, none in gyri, hot spots or speckle."""
    ground = np.full((40, 160), 60, np.uint8)
    label, box = plant(ground, "MRN 20931", (10, 14), 8, 25)
    tuning = settings().recognition
    assert recognise.reads_glyphs(label, box, tuning.read_min_chars, tuning.read_confidence)
    for kind, box in (("mr-brain", (200, 200, 60, 14)), ("nm", (180, 220, 40, 20)), ("us-sector", (240, 300, 50, 12))):
        anatomy = to_uint8(make_anatomy(kind, 0))
        assert not recognise.reads_glyphs(anatomy, box, tuning.read_min_chars, tuning.read_confidence), kind


def test_recogniser_that_cannot_load_keeps_every_box(monkeypatch, caplog):
    """Fail closed: with the model missing, the boxes are those of a run without the recogniser,
    a warning says so, and the report's detector name no longer claims it."""
    image = to_uint8(make_anatomy("nm", 0))
    with overridden(passes={"recognise": False}):
        unread = detect_text(image)
    assert unread, "this image must give boxes the recogniser would drop"
    assert not detect_text(image)
    monkeypatch.setattr(recognise, "MODEL_FILE", ("models", "no-such-model.onnx"))
    monkeypatch.setattr(recognise, "_session", None)
    monkeypatch.setattr(verify, "_warnings_given", set())
    with caplog.at_level("WARNING"):
        kept = detect_text(image)
    assert [r.as_box() for r in kept] == [r.as_box() for r in unread]
    assert "recogniser cannot load" in caplog.text
    assert "ppocr-rec" not in detector_name("auto")


def test_a_box_over_a_block_of_lines_is_read_line_by_line():
    """The model reads one line: a box over three stacked lines (as over an ultrasound's device
    settings, deid-data's GREYSCALE_IMAGE.dcm) read as nothing whole and was dropped, leaving
    them unpainted; its lines are read one by one (recognise._lines)."""
    font = ImageFont.truetype(FONT, 13)
    block = Image.new("L", (130, 80), 0)
    draw = ImageDraw.Draw(block)
    for row, line in enumerate(("Dyn R 58", "P Med", "Res")):
        draw.text((6, 6 + 22 * row), line, fill=230, font=font)
    tuning = settings().recognition
    assert recognise.reads_glyphs(np.asarray(block), (0, 0, 130, 80), tuning.read_min_chars, tuning.read_confidence)
