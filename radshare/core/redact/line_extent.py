"""A line box longer than its line, read again at the extent of its ink.

Why: a box proposed or grown past the end of its line (a faint line's growth running on over
speckle, a band of one grey reaching beyond its glyphs) holds a stretch of ground beside the
glyphs. The recogniser reads that ground as unsure characters and reads the glyphs less surely
too, so the box as a whole is not read and nothing is painted: a 10 px serif date on ultrasound
speckle, in a band box 18 px too long at its left end, read as one sure character; at its ink's
extent as "150" and more, all sure. The extent is where the ink stands off the ground (the
band's median), averaged over a glyph height along the line: glyphs stand out there, ground
beside them does not, whatever the font or contrast. The trimmed box must pass the rule for a
line nothing else found (whole_lines.confirm_min_chars at confirm_confidence, unsmoothed), as
the trimmed tall boxes of column_pieces.py do: it is a new box, and anatomy cut short is
read as readily as anatomy whole.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from radshare.core.redact.settings import current as settings

Box = tuple[int, int, int, int]


def trimmed(grey: np.ndarray, box: Box) -> Box | None:
    """`box` cut along its line to the stretch where its ink stands at least `line_extent.share`
    of its peak off the ground, or None when the box is not line-shaped (`line_extent.min_aspect`),
    holds no ink either way, or the cut would take off less than `line_extent.min_cut` of its length."""
    x, y, w, h = box[:4]
    turned = h > w
    if turned:
        grey, (x, y, w, h) = grey.T, (y, x, h, w)
    if w < settings().line_extent.min_aspect * h or h < 3 or grey.ndim != 2:
        return None
    band = grey[max(0, y - h) : y + 2 * h, x : x + w]  # the line and a line's height of ground either side
    off = grey[y : y + h, x : x + w].astype(np.float32) - float(np.median(band))
    bright, dark = np.clip(off, 0, None).sum(), np.clip(-off, 0, None).sum()
    if max(bright, dark) <= 0:
        return None
    ink = np.clip(off if bright >= dark else -off, 0, None).mean(axis=0)  # per position along the line
    smooth = np.convolve(ink, np.ones(h, np.float32) / h, mode="same")
    kept = np.flatnonzero(smooth >= settings().line_extent.share * smooth.max())
    a, b = int(kept[0]), int(kept[-1]) + 1
    if b - a > (1 - settings().line_extent.min_cut) * w:
        return None
    return (y, x + a, h, b - a) if turned else (x + a, y, b - a, h)


def read_trimmed(grey: np.ndarray, unread: list[Box], reads: Callable[[Box], bool]) -> dict[Box, Box]:
    """{box: its trimmed box} for the `unread` boxes (the recogniser read nothing sure in them)
    whose trimmed box (see `trimmed`) `reads` confirms; the `line_extent.max_looks` longest cuts
    only (each reading costs about 10 ms)."""
    cuts = [(box, cut) for box in unread if (cut := trimmed(grey, box)) is not None]
    cuts.sort(key=lambda pair: -(max(pair[0][2], pair[0][3]) - max(pair[1][2], pair[1][3])))
    return {box: cut for box, cut in cuts[: settings().line_extent.max_looks] if reads(cut)}
