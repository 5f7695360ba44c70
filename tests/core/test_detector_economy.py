"""Work the detector skips where the answer is already known ([economy] settings) paints the same
boxes, with fewer runs of the recogniser.

Two economies: the recogniser keeps a frame's readings by view, so a crop read by one pass and
again by a later one is read once (recognise.read); and a beyond-ground line lying wholly inside a
box already read as text is not read again (beyond_ground.unread). Each test compares the boxes
and counts the model's runs with the economy on and switched off through the settings override.
"""

from __future__ import annotations

import numpy as np
import pytest

from radshare.core.redact import beyond_ground, recognise
from radshare.core.redact.detect import detect_text
from radshare.core.redact.settings import overridden
from tests.fixtures.textimages2 import make_sample2

NO_CACHE = {"economy": {"reading_cache": 0}}
READ_INSIDE = {"economy": {"skip_read_inside": False}}


@pytest.fixture(scope="module")
def overlay_lines() -> np.ndarray:
    """Second generator seed 7 image 4 (512 px colour): overlay lines in one grey, which the
    beyond-ground pass proposes again after DB found them and the recogniser read them; a colour
    frame, whose boxes are read in its brightest channel and its luminance (the same crop where
    the ground is grey)."""
    return make_sample2(7 * 100019 + 4, (512, 512)).image


def _boxes_and_runs(image: np.ndarray, monkeypatch, **changes) -> tuple[list, int]:
    """The boxes detect_text finds under `changes`, and how often the recogniser's model ran."""
    runs = []
    decoded = recognise._decoded
    monkeypatch.setattr(recognise, "_decoded", lambda view: runs.append(1) or decoded(view))  # a spy: counts, changes nothing
    with overridden(**changes):
        boxes = [r.as_box() for r in detect_text(image)]
    monkeypatch.setattr(recognise, "_decoded", decoded)
    return boxes, len(runs)


@pytest.mark.parametrize("economy_off", [NO_CACHE, READ_INSIDE], ids=["a crop read twice is read once", "beyond-ground lines inside a read box are not read"])
def test_skipped_work_runs_the_model_less_and_paints_the_same(overlay_lines, monkeypatch, economy_off):
    kept, runs = _boxes_and_runs(overlay_lines, monkeypatch)
    unkept, runs_unkept = _boxes_and_runs(overlay_lines, monkeypatch, **economy_off)
    assert kept == unkept
    assert runs < runs_unkept


def test_a_kept_reading_is_the_models_answer_for_those_pixels():
    view = np.full((20, 90), 255, np.uint8)
    view[6:14, 10:80:6] = 0
    first = recognise.read(view)
    assert recognise.read(view.copy()) == first
    with overridden(**NO_CACHE):
        assert recognise.read(view) == first


def test_only_lines_wholly_inside_a_read_box_are_left_unread():
    lines = [(10, 10, 40, 12), (100, 10, 40, 12), (200, 10, 40, 12)]
    read = [(5, 8, 60, 16), (120, 8, 60, 16)]  # holds the first whole, half of the second
    assert beyond_ground.unread(lines, read) == lines[1:]
    with overridden(**READ_INSIDE):
        assert beyond_ground.unread(lines, read) == lines
