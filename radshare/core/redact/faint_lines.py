"""Faint small lines no pass proposed, kept where the recogniser reads them.

Why: 8-12 px text a few noise sigmas off textured ground (speckle, CR film grain, a sector's
edge) breaks into specks in the 3-sigma ink maps, and DB does not see it even enlarged; the one
pass that looks below that threshold (classical.repeated_value_proposals) keeps only lines drawn
in one repeated grey, which noise added over the text, or anti-aliasing of 8 px glyphs, leaves no
more. Yet the same lines group into a line of glyphs in the smoothed ink map (a little lower than
the repeated-value pass asks) or in the raw ink map at 1.5 sigma, and the recogniser reads them
given such a box. Those maps also group noise into lines, so a candidate is kept only when the
recogniser reads it with the confirming rule (verify.reads_characters: three sure characters,
unsmoothed), the rule that confirms no anatomy on the benchmark's text-free images.

Only candidates no found box or proposal covers are read (elsewhere the other passes have had
their look), glyph-high and line-shaped, faint (nothing strong in them), and at most
`faint_linesettings().faint_lines.max_looks` per frame, longest first (time).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from radshare.core.redact import classical
from radshare.core.redact.settings import current as settings

Box = tuple[int, int, int, int]


def candidates(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray, taken: list[Box]) -> list[Box]:
    """Lines of glyphs, either polarity, in the smoothed ink map at `faint_lines.smooth_z` and in
    the raw ink map at `faint_lines.raw_z` noise sigmas (and `raw_min` grey levels), glyph-high,
    line-shaped, faint, and less than `faint_lines.covered` covered by the `taken` boxes;
    the longest `faint_lines.max_looks` of them (a line of several glyphs is read surely, two
    specks of noise side by side are the shortest candidates)."""
    rows, cols = grey.shape[:2]
    covered = np.zeros((rows, cols), bool)
    for x, y, w, h in taken:
        covered[max(0, y) : y + h, max(0, x) : x + w] = True
    z = classical._smoothed_z(grey, diff)
    raw = np.maximum(settings().faint_lines.raw_min, settings().faint_lines.raw_z * sigma)
    strong = np.abs(diff) > settings().repeated_value.smooth_strong
    found: dict[Box, None] = {}
    for sign in (1, -1):
        for ink in (sign * z > settings().faint_lines.smooth_z, sign * diff > raw):
            for x, y, w, h in classical._line_proposals(ink):
                if not settings().faint_lines.min_height <= h <= settings().faint_lines.max_height or w < settings().faint_lines.min_aspect * h:
                    continue
                part = (slice(y, y + h), slice(x, x + w))
                if strong[part].mean() > settings().repeated_value.smooth_strong_share or covered[part].mean() >= settings().faint_lines.covered:
                    continue
                found[(x, y, w, h)] = None
    return sorted(found, key=lambda b: -b[2])[: settings().faint_lines.max_looks]


def read_lines(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray, taken: list[Box],
               reads: Callable[[Box], bool]) -> list[Box]:
    """The candidates (see `candidates`) that `reads` confirms (verify.reads_characters)."""
    if not settings().faint_lines.enabled:
        return []
    return [b for b in candidates(grey, diff, sigma, taken) if reads(b)]
