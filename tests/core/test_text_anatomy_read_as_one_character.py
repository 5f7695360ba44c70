"""Anatomy the recogniser reads as text mostly reads as one character over and over (a rib's edge
as 1111, gyri as DD, a bone shaft as 22) or as dashes and dots (--): a reading of two or more sure characters
must hold two different ones, a letter or digit among them, before a box is painted
(recognition.two_different). These images of the benchmark's text-free kinds (seeds the benchmark
does not use) each drew one such box; with the rule off (two_different off) they are painted again."""

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

# (kind, anatomy seed): what the recogniser read in the box it accepted there before the rule
READ_AS_ONE_CHARACTER = [
    ("cr-chest", 1013036),  # --
    ("us-doppler", 1013036),  # 22
    ("us-cardiac-colour", 1013038),  # 11
]


def test_a_reading_needs_two_different_letters_or_digits():
    assert not recognise._accepted([("1", 0.95), ("1", 0.9), ("1", 0.99)], 2, 0.8)
    assert not recognise._accepted([("-", 0.97), ("-", 0.9), (".", 0.9)], 2, 0.8)
    assert recognise._accepted([("1", 0.99), ("0", 0.78), (":", 0.85)], 2, 0.8)  # a faint "ID:" read as 10:
    assert recognise._accepted([("5", 0.9), ("8", 0.85)], 2, 0.8)
    assert recognise._accepted([("1", 0.9), ("3", 0.9), ("1", 0.9), ("1", 0.9)], 3, 0.9)
    assert not recognise._accepted([("5", 0.9), ("8", 0.5)], 2, 0.8)  # one sure character only
    assert recognise._accepted([("T", 0.9)], 1, 0.8)  # one character beside a read box: one is enough
    with overridden(recognition={"two_different": False}):
        assert recognise._accepted([("1", 0.95), ("1", 0.9)], 2, 0.8)


@pytest.mark.parametrize("kind,seed", READ_AS_ONE_CHARACTER)
def test_anatomy_read_as_one_repeated_character_is_not_painted(kind, seed):
    assert not detect_text(make_anatomy(kind, seed))


def test_the_same_images_are_painted_without_the_rule():
    """The guard above is seen failing: without the rule these images get their box back (the
    steady-reading rule, which drops them too, off as well: each rule alone keeps them unpainted)."""
    with overridden(recognition={"two_different": False, "steady_below": 0}):
        painted = sum(bool(detect_text(make_anatomy(kind, seed))) for kind, seed in READ_AS_ONE_CHARACTER)
    assert painted == len(READ_AS_ONE_CHARACTER)


def test_text_of_repeated_digits_is_still_painted():
    """A line whose digits repeat (an ID 1111 2222, a time 11:15) holds two different characters
    somewhere in it and is painted whole."""
    image = make_anatomy("ct-body", 7)
    canvas = Image.fromarray(to_uint8(image))
    font = ImageFont.truetype("DejaVuSans.ttf", 14)
    draw = ImageDraw.Draw(canvas)
    lines = [((20, 20), "ID 1111 2222"), ((20, 470), "11:15 AA")]
    for xy, text in lines:
        draw.text(xy, text, fill=255, font=font)
    pixels = np.asarray(canvas)
    mask = painted_mask(pixels.shape, detect_text(pixels))
    for xy, text in lines:
        left, top, right, bottom = draw.textbbox(xy, text, font=font)
        assert coverage(mask, (left, top, right - left, bottom - top)) >= 0.9, text
