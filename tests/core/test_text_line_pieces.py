"""A line found in pieces and read in one is painted whole: the pieces beside the read box, and
the gaps between them (string_ends.join_line_pieces).

Why: painted regions are merged tightly (boxes.merge_tight), so a line is painted only where a
box lies. A line over colour Doppler or anatomy is often found in pieces and read only in one;
before, the bounding-rectangle merge covered the rest by chance. The behaviour test fails with
whole_lines.join_pieces switched off through the settings override (seen failing).
"""

from __future__ import annotations

import numpy as np

from radshare.core.redact.boxes import without_columns_of_lines
from radshare.core.redact.detect import detect_text
from radshare.core.redact.settings import overridden
from radshare.core.redact.string_ends import join_line_pieces
from tests.core.test_text_recall_hard_kinds import _burn, _grey_ground, _mask, _painted
from tests.fixtures.legibility import still_legible
from tests.fixtures.textimages import coverage, painted_mask
from tests.fixtures.textimages2 import make_sample2

JOIN_OFF = {"whole_lines": {"join_pieces": False}}
DIFF, SIGMA = np.zeros((512, 512)), np.ones((512, 512))  # no ink: a read box's ink height is its own height


def _covers(bridges, box) -> bool:
    x, y, w, h = box
    return any(bx <= x and by <= y and bx + bw >= x + w and by + bh >= y + h for bx, by, bw, bh in bridges)


def test_a_piece_of_like_height_in_the_rows_of_a_read_box_is_joined_over_the_gap():
    read = [(200, 100, 60, 16)]
    piece = (140, 102, 30, 12)  # 30 px (about 2 line heights) left of it, in its rows
    bridges = join_line_pieces(DIFF, SIGMA, read, [piece])
    assert _covers(bridges, piece) and _covers(bridges, (170, 102, 30, 12))  # the piece and the gap


def test_pieces_join_on_along_the_line_and_read_pieces_join_over_their_gap():
    read = [(300, 50, 80, 14)]
    pieces = [(250, 51, 30, 12), (200, 50, 30, 13)]  # a chain leftwards, each within a few heights
    assert all(_covers(join_line_pieces(DIFF, SIGMA, read, pieces), p) for p in pieces)
    two_read = [(100, 200, 60, 14), (190, 201, 40, 13)]
    assert _covers(join_line_pieces(DIFF, SIGMA, two_read, []), (160, 201, 30, 13))


def test_two_fields_either_side_of_a_vertical_label_are_not_bridged():
    line, label, other = (100, 100, 60, 14), (175, 60, 14, 100), (200, 100, 60, 14)
    assert _covers(join_line_pieces(DIFF, SIGMA, [line, other], []), (160, 100, 40, 14))  # the companion
    assert not _covers(join_line_pieces(DIFF, SIGMA, [line, label, other], []), (160, 100, 40, 14))


def test_no_join_without_a_read_box_or_off_the_line():
    assert join_line_pieces(DIFF, SIGMA, [], [(10, 10, 40, 12), (60, 10, 40, 12)]) == []  # text-free: nothing read
    read = [(200, 100, 60, 16)]
    assert join_line_pieces(DIFF, SIGMA, read, [(140, 130, 30, 12)]) == []  # the line below
    assert join_line_pieces(DIFF, SIGMA, read, [(100, 100, 30, 14)]) == []  # 70 px away: over 3.5 line heights
    assert join_line_pieces(DIFF, SIGMA, read, [(140, 90, 30, 40)]) == []  # a block far taller than the line
    assert join_line_pieces(DIFF, SIGMA, read, [(150, 80, 12, 40)]) == []  # a tall piece: not an upright line


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


def test_a_tall_box_two_found_lines_cross_is_not_painted_apart():
    lines = [(10, 10, 120, 14), (10, 30, 150, 14), (10, 50, 100, 14)]
    column = (12, 8, 20, 60)  # the lines' first letters, stacked
    label = (200, 10, 14, 90)  # a vertical label beside the block: no line crosses it
    assert without_columns_of_lines([column, label, *lines], lines, 1) == [label, *lines]
    assert without_columns_of_lines([(12, 8, 20, 20)], lines, 1) == [(12, 8, 20, 20)]  # one line crosses it


def _left_aligned_block() -> tuple[np.ndarray, list[tuple[str, tuple[int, int, int, int]]]]:
    """Four left-aligned 12 px mono lines in one grey over a 256 px CT."""
    img = _grey_ground("ct-body", 3, 256)
    texts, y = [], 20
    for text in ("6 SEP 1968", "Ex 81994 Se 10", "2022/06/07 10:52", "F/24Y 40KG"):
        mask = _mask(text, "dejavu/DejaVuSansMono.ttf", 12)
        texts.append((text, _burn(img, mask, 12, y, 200.0)))
        y += mask.shape[0] + 14
    return np.clip(np.rint(img), 0, 255).astype(np.uint8), texts


def test_glyphs_stacked_across_the_lines_of_a_block_are_not_painted_as_a_column():
    image, texts = _left_aligned_block()
    with overridden(painting={"merge_added": -1.0, "column_crossings": 1}):  # every box as found (padded); the rule is off by default
        boxes = [r.as_box() for r in detect_text(image)]
    assert not [b for b in boxes if b[3] > b[2] and boxes_crossing(b, texts) >= 2]
    with overridden(painting={"merge_added": 0.25, "column_crossings": 1}):
        regions = detect_text(image)
    mask, painted = painted_mask(image.shape, regions), _painted(image, regions)
    for text, box in texts:
        assert coverage(mask, box) == 1.0 and still_legible(painted, box, text, 12) == 0
    with overridden(painting={"merge_added": -1.0, "column_crossings": 1000000000}):  # the guard's companion
        boxes = [r.as_box() for r in detect_text(image)]
    assert [b for b in boxes if b[3] > b[2] and boxes_crossing(b, texts) >= 2]


def boxes_crossing(box, texts) -> int:
    """How many planted lines a tall `box` reaches into (rows and columns)."""
    x, y, w, h = box
    return sum(min(x + w, tx + tw) > max(x, tx) and min(y + h, ty + th) > max(y, ty) for _, (tx, ty, tw, th) in texts)


def test_a_dim_line_over_doppler_found_only_at_its_last_glyph_is_painted_whole_and_unreadable():
    """Second generator sample (seed 13, image 56): a dim grey "Se:1 Im:242" over colour Doppler;
    only its last glyph was read (grown down its column into a tall box), and its other pieces,
    too short to be read surely, were painted by no one: 3 characters stayed legible."""
    sample = make_sample2(13 * 100019 + 56, (512, 512))
    text = next(t for t in sample.texts if t.text == "Se:1 Im:242")
    regions = detect_text(sample.image)
    mask = painted_mask(sample.image.shape, regions)
    assert coverage(mask, text.box) >= 0.99
    assert still_legible(_painted(sample.image, regions), text.box, text.text, text.height) == 0
    with overridden(whole_lines={"join_tall_ends": False}):  # the guard's companion
        assert coverage(painted_mask(sample.image.shape, detect_text(sample.image)), text.box) < 0.9
