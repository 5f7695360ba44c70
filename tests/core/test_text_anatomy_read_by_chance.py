"""A box's crop is stretched to full contrast before the recogniser reads it, so a box over texture
or noise (rib ends at a chest wall, a bone shaft, a hot spot's flank) now and then reads as two to
four sure characters by chance. Such a reading does not survive moving the box by a pixel; glyphs
do. A reading of fewer than `recognition.steady_below` sure characters counts only when the box
still reads moved (recognition.steady_moves, steady_min_reads). These text-free frames (seeds the
benchmark does not use) each drew such a box; with the rule off (steady_below 0) they are painted
again, and short labels, which always read as few characters, are still painted with it on."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from radshare.core.redact import recognise
from radshare.core.redact.detect import detect_text
from radshare.core.redact.pixels import to_uint8
from radshare.core.redact.settings import overridden
from tests.fixtures.anatomy import make_anatomy
from tests.fixtures.textimages import coverage, painted_mask

# (kind, anatomy seed): what the recogniser read, surely in part, in the box it accepted there before the rule
READ_BY_CHANCE = [
    ("cr-chest", 1009000),  # rib ends along the lateral wall, read turned as 133112 (5.95% of the frame painted)
    ("cr-chest", 1018083),  # the same, as 331111111 (5.98%)
    ("dx-hand", 1014046),  # a bone shaft's noise, as 1888850
    ("nm", 1016063),  # ground beside a hot spot, as 64
]
RULE_OFF = {"recognition": {"steady_below": 0}}


@pytest.mark.parametrize("kind,seed", READ_BY_CHANCE)
def test_anatomy_read_by_chance_is_not_painted(kind, seed):
    assert not detect_text(make_anatomy(kind, seed))


def test_the_same_images_are_painted_without_the_rule():
    """The guard above is seen failing: without the rule these images get their box back."""
    with overridden(**RULE_OFF):
        painted = sum(bool(detect_text(make_anatomy(kind, seed))) for kind, seed in READ_BY_CHANCE)
    assert painted == len(READ_BY_CHANCE)


def _labelled(kind: str, seed: int, labels: list[tuple[tuple[int, int], str, int, int]]):
    """The anatomy image with short vertical labels (read turned, as tall boxes are) drawn `delta`
    grey levels above their ground, top to bottom."""
    canvas = Image.fromarray(to_uint8(make_anatomy(kind, seed)))
    boxes = []
    for (x, y), text, size, delta in labels:
        font = ImageFont.truetype("DejaVuSans.ttf", size)
        left, top, right, bottom = font.getbbox(text)
        glyphs = Image.new("L", (right + 2, bottom + 2), 0)
        ImageDraw.Draw(glyphs).text((0, 0), text, fill=255, font=font)
        glyphs = glyphs.rotate(-90, expand=True)
        ink = np.asarray(glyphs) > 127
        rows, cols = np.nonzero(ink)
        pixels = np.array(canvas)
        region = pixels[y : y + ink.shape[0], x : x + ink.shape[1]]
        region[ink] = min(255, int(np.median(region)) + delta)
        canvas = Image.fromarray(pixels)
        boxes.append((text, (x + cols.min(), y + rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1)))
    return np.asarray(canvas), boxes


SHORT_LABELS = [  # (kind, seed, [(xy, text, px, grey levels over the ground)])
    ("ct-body", 7, [((30, 30), "2D", 12, 120), ((470, 60), "CFM", 11, 90), ((40, 400), "LAT", 11, 100)]),
    ("mr-brain", 13, [((20, 200), "T2", 12, 110), ((480, 380), "SAG", 11, 90)]),
]


@pytest.mark.parametrize("kind,seed,labels", SHORT_LABELS)
def test_short_labels_still_painted(kind, seed, labels):
    """Two and three letter vertical labels always read as fewer sure characters than steady_below,
    so each is read moved by a pixel too, and reads there as well."""
    pixels, boxes = _labelled(kind, seed, labels)
    mask = painted_mask(pixels.shape, detect_text(pixels))
    for text, box in boxes:
        assert coverage(mask, box) >= 0.9, text


def test_short_labels_lost_if_every_weak_reading_were_dropped():
    """The test above guards the rule's strictness: asking more moved reads than there are moves
    (every weak reading of a tall box dropped) loses labels."""
    lost = 0
    with overridden(recognition={"steady_min_reads": 5}):
        for kind, seed, labels in SHORT_LABELS:
            pixels, boxes = _labelled(kind, seed, labels)
            mask = painted_mask(pixels.shape, detect_text(pixels))
            lost += sum(coverage(mask, box) < 0.9 for _, box in boxes)
    assert lost >= 1


def test_a_strong_reading_is_not_read_moved(monkeypatch):
    """Only weak readings cost the extra reads: a box read as steady_below sure characters or more is
    taken at once."""
    calls = []
    monkeypatch.setattr(recognise, "_steady", lambda *a: calls.append(a) or False)
    canvas = Image.new("L", (200, 40), 30)
    ImageDraw.Draw(canvas).text((8, 8), "ID 4821 7736", fill=230, font=ImageFont.truetype("DejaVuSans.ttf", 18))
    grey = np.asarray(canvas)
    assert recognise.reads_glyphs(grey, (6, 6, 150, 26), 2, 0.8)
    assert not calls
