"""Pieces of one vertical label joined along its columns, so the recogniser reads them as one.

Why: a vertical label crossing a bright ring, a dark ellipse or a stretch of texture is found in
pieces: one piece read as text (and painted), the rest proposed only in pieces too short to hold
the three sure characters asked of a line nothing else found (a 3x pixel-font "Se:7 Im:157"
over MR gyri: "Im:157" read, "Se:7" proposed in one grey and dropped, a third of the label left
legible). A piece standing in the columns of a tall box already read as text, a short gap along
them, is most likely the rest of that label: the two are read again as one box, by the same rule,
and kept together when that reads. A piece with no read tall box in its columns is left as it was,
so a text-free frame (which has next to no read boxes) gains nothing here.
"""

from __future__ import annotations

from collections.abc import Callable

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


def joined(pieces: list[Box], read: list[Box], reads: Callable[[Box], bool]) -> list[Box]:
    """For each of `pieces` (not confirmed alone), its union with the tall `read` boxes in its
    columns (see same_column), where `reads` confirms the union."""
    tall = [b for b in read if b[3] >= settings().vertical_labels.tall_ratio * b[2]]
    out = []
    for piece in pieces:
        mates = [b for b in tall if same_column(piece, b)]
        if mates:
            union = union_box([piece, *mates])
            if union not in out and reads(union):
                out.append(union)
    return out
