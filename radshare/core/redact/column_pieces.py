"""Vertical labels found but not read: pieces of one label joined along its columns, and a box wider
than its label read at the label's columns, so the recogniser reads them as what they are.

Why: a vertical label crossing a bright ring, a dark ellipse or a stretch of texture is found in
pieces: one piece read as text (and painted), the rest proposed only in pieces too short to hold
the three sure characters asked of a line nothing else found (a 3x pixel-font "Se:7 Im:157"
over MR gyri: "Im:157" read, "Se:7" proposed in one grey and dropped, a third of the label left
legible). A piece standing in the columns of a tall box already read as text, a short gap along
them, is most likely the rest of that label: the two are read again as one box, by the same rule,
and kept together when that reads and what the piece adds holds a sure character of its own. A
piece with no read tall box in its columns is left as it was, so a text-free frame (which has next
to no read boxes) gains nothing here. The box wider than its label: see `trimmed`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from radshare.core.redact.boxes import union_box
from radshare.core.redact.settings import current as settings

Box = tuple[int, int, int, int]


def same_column(piece: Box, label: Box) -> bool:
    """True when `piece`, at most column_join_width times as wide as the tall box `label` (not a line
    across it), shares half of the narrower one's columns with it and lies at most column_join_gap
    times the wider one's width from it along them."""
    if piece[2] > settings().vertical_text.column_join_width * label[2]:
        return False
    shared = min(piece[0] + piece[2], label[0] + label[2]) - max(piece[0], label[0])
    gap = max(piece[1], label[1]) - min(piece[1] + piece[3], label[1] + label[3])
    return shared >= 0.5 * min(piece[2], label[2]) and gap <= settings().vertical_text.column_join_gap * max(piece[2], label[2])


def joined(pieces: list[Box], read: list[Box], reads: Callable[[Box], bool], reads_one: Callable[[Box], bool]) -> list[Box]:
    """For each tall one of `pieces` (not confirmed alone), its union with the tall `read` boxes in
    its columns (see same_column), where `reads` confirms the union and `reads_one` finds a sure
    character in what the piece adds to them (the piece and the gap up to them): the union of a
    read label and anything below it reads as text because the label does, and joined on that
    alone a marking or a line crossing the column was painted with the label."""
    tall = [b for b in read if b[3] >= settings().vertical_labels.tall_ratio * b[2]]
    out = []
    for piece in pieces:
        if piece[3] < settings().vertical_labels.tall_ratio * piece[2]:
            continue
        mates = [b for b in tall if same_column(piece, b)]
        if not mates:
            continue
        union = union_box([piece, *mates])
        added = _added(union, union_box(mates))
        if union not in out and added is not None and reads_one(added) and reads(union):
            out.append(union)
    return out


def _added(union: Box, mates: Box) -> Box | None:
    """The part of `union` above or below the `mates` box (full width), or None when it adds only one end's few rows to neither."""
    x, y, w, h = union
    above, below = mates[1] - y, y + h - (mates[1] + mates[3])
    if above > 0 and below <= 0:
        return (x, y, w, above)
    if below > 0 and above <= 0:
        return (x, mates[1] + mates[3], w, below)
    return union if above > 0 and below > 0 else None


def trimmed(grey: np.ndarray, box: Box) -> Box | None:
    """A tall `box` narrowed to the columns that hold its most common grey (the label's own, when
    the box holds a label drawn in one grey, as overlays are), or None when that grey does not
    look like a label's strokes in it (trim_ink_shares: too little of the box, or nearly all of it
    as on a saturated bone) or the trim would take off less than trim_min_cut of its width.

    Why: a box found or grown wider than its label across its line takes in the ground beside it,
    and over texture (MR gyri) the recogniser reads the texture's edges as strokes: a Hershey
    "Se:4 Im:5" in a 19 px wide box read as nothing sure, in its 14 px of glyph columns as
    "Se:4Im:5" (4 characters at 0.8 or more)."""
    x, y, w, h = box
    if h < settings().vertical_labels.tall_ratio * w or w < 4:
        return None
    crop = grey[y : y + h, x : x + w]
    if crop.dtype != np.uint8 or crop.ndim != 2:
        return None
    found = label_grey(crop)
    if found is None:
        return None
    per_column = found[1].mean(axis=0)
    columns = np.flatnonzero(per_column >= settings().vertical_text.trim_column_share * per_column.max())
    x0, x1 = int(columns[0]), int(columns[-1]) + 1
    if x1 - x0 > (1 - settings().vertical_text.trim_min_cut) * w:
        return None
    return (x + x0, y, x1 - x0, h)


def label_grey(crop: np.ndarray) -> tuple[int, np.ndarray] | None:
    """A uint8 crop's most common grey and where it lies (within 1 level), or None when it covers
    too little or too much of the crop to be a label's strokes (trim_ink_shares)."""
    value = int(np.argmax(np.bincount(crop.ravel(), minlength=256)))
    ink = np.abs(crop.astype(np.int16) - value) <= 1
    low, high = settings().vertical_text.trim_ink_shares
    return (value, ink) if low <= ink.mean() <= high else None


def read_trimmed(grey: np.ndarray, unread: list[Box], reads: Callable[[Box], bool]) -> dict[Box, Box]:
    """{box: its trimmed box} for the tall `unread` boxes (the recogniser read nothing sure in them)
    whose trimmed box (see trimmed) `reads` confirms."""
    out = {}
    for box in unread:
        narrow = trimmed(grey, box)
        if narrow is not None and reads(narrow):
            out[box] = narrow
    return out
