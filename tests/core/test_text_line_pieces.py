"""A line found in pieces and read in one is painted whole: the pieces beside the read box, and
the gaps between them (string_ends.join_line_pieces).

Why: painted regions are merged tightly (boxes.merge_tight), so a line is painted only where a
box lies. A line over colour Doppler or anatomy is often found in pieces and read only in one;
before, the bounding-rectangle merge covered the rest by chance. The behaviour test fails with
whole_lines.join_pieces switched off through the settings override (seen failing).
"""

from __future__ import annotations

from radshare.core.redact.detect import detect_text
from radshare.core.redact.settings import overridden
from radshare.core.redact.string_ends import join_line_pieces
from tests.fixtures.legibility import still_legible
from tests.fixtures.textimages import coverage, painted_mask
from tests.fixtures.textimages2 import make_sample2

JOIN_OFF = {"whole_lines": {"join_pieces": False}}


def _covers(bridges, box) -> bool:
    x, y, w, h = box
    return any(bx <= x and by <= y and bx + bw >= x + w and by + bh >= y + h for bx, by, bw, bh in bridges)


def test_a_piece_of_like_height_in_the_rows_of_a_read_box_is_joined_over_the_gap():
    read = [(200, 100, 60, 16)]
    piece = (140, 102, 30, 12)  # 30 px (about 2 line heights) left of it, in its rows
    bridges = join_line_pieces(read, [piece])
    assert _covers(bridges, piece) and _covers(bridges, (170, 102, 30, 12))  # the piece and the gap


def test_pieces_join_on_along_the_line_and_read_pieces_join_over_their_gap():
    read = [(300, 50, 80, 14)]
    pieces = [(250, 51, 30, 12), (200, 50, 30, 13)]  # a chain leftwards, each within a few heights
    assert all(_covers(join_line_pieces(read, pieces), p) for p in pieces)
    two_read = [(100, 200, 60, 14), (190, 201, 40, 13)]
    assert _covers(join_line_pieces(two_read, []), (160, 201, 30, 13))


def test_no_join_without_a_read_box_or_off_the_line():
    assert join_line_pieces([], [(10, 10, 40, 12), (60, 10, 40, 12)]) == []  # text-free: nothing read
    read = [(200, 100, 60, 16)]
    assert join_line_pieces(read, [(140, 130, 30, 12)]) == []  # the line below
    assert join_line_pieces(read, [(100, 100, 30, 14)]) == []  # 70 px away: over 3.5 line heights
    assert join_line_pieces(read, [(140, 90, 30, 40)]) == []  # a block far taller than the line
    assert join_line_pieces(read, [(150, 80, 12, 40)]) == []  # a tall piece: not an upright line


def test_a_date_over_colour_doppler_found_in_two_pieces_is_painted_whole():
    """Second generator sample (seed 31, image 82): a cyan mono date over Doppler, found as
    "DOB 11-JUL" and "953", its middle crossed by the colour; painted tightly, the middle was
    left unpainted (coverage 0.84)."""
    sample = make_sample2(31 * 100019 + 82, (512, 512))
    text = next(t for t in sample.texts if t.text == "DOB 11-JUL-1953")
    with overridden(painting={"merge_added": 0.25}):
        mask = painted_mask(sample.image.shape, detect_text(sample.image))
    assert coverage(mask, text.box) >= 0.99
    with overridden(painting={"merge_added": 0.25}, **JOIN_OFF):  # the guard's companion
        assert coverage(painted_mask(sample.image.shape, detect_text(sample.image)), text.box) < 0.9
