"""Faint small lines no pass proposed, kept where the recogniser reads them.

Why: 8-12 px text a few noise sigmas off textured ground (speckle, CR film grain, a sector's
edge) breaks into specks in the 3-sigma ink maps, and DB does not see it even enlarged; the one
pass that looks below that threshold (classical.repeated_value_proposals) keeps only lines drawn
in one repeated grey, which noise added over the text, or anti-aliasing of 8 px glyphs, leaves no
more. Yet the same lines group into a line of glyphs in the ink map at 1.5 sigma (what line
growth calls ink), and the recogniser reads them given such a box (the smoothed map the
repeated-value pass uses, at a lower threshold, added no line on the cases below, at a third of
the candidates' time). Where small text crosses a bright structure or a change of ground (a rib, a
bone edge, a sector's edge) its glyphs join the structure in every map measured against a 15 px
median background; a top-hat (black-hat) narrower than the glyphs keeps only thin strokes,
whatever the ground's level, and separates them again (the probe's 8 px serif phone number on a
CR's rib). A candidate is a line of glyphs in a map, or one component shaped like a line (8 px
glyphs touch into one blob). Those maps also group noise into lines, so a candidate is kept only when the
recogniser reads it with the confirming rule (verify.reads_characters: three sure characters,
unsmoothed), the rule that confirms no anatomy on the benchmark's text-free images.

Only candidates no found box or proposal covers are read (elsewhere the other passes have had
their look), glyph-high and line-shaped, faint (nothing strong in them; top-hat candidates may be
strong), and at most
`faint_linesettings().faint_lines.max_looks` per frame, longest first (time).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from radshare.core.redact import classical
from radshare.core.redact.settings import current as settings

Box = tuple[int, int, int, int]


def candidates(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray, taken: list[Box]) -> list[Box]:
    """Lines of glyphs (or line-shaped blobs of touching glyphs), either polarity, in the ink map
    at `faint_lines.raw_z` noise sigmas (and `raw_min` grey levels) and in the top-hat maps
    (`_hat_maps`), glyph-high, line-shaped, faint (but for the top-hat's: small
    text at full contrast joined to a rib is lost to the other passes too), and less than `faint_lines.covered` covered by the `taken` boxes;
    the longest `faint_lines.max_looks` of them (a line of several glyphs is read surely, two
    specks of noise side by side are the shortest candidates)."""
    rows, cols = grey.shape[:2]
    covered = np.zeros((rows, cols), bool)
    for x, y, w, h in taken:
        covered[max(0, y) : y + h, max(0, x) : x + w] = True
    raw = np.maximum(settings().faint_lines.raw_min, settings().faint_lines.raw_z * sigma)
    strong = np.abs(diff) > settings().repeated_value.smooth_strong
    hats = _hat_maps(grey)
    found: dict[Box, None] = {}
    low, high, aspect = settings().faint_lines.min_height, settings().faint_lines.max_height, settings().faint_lines.min_aspect  # once,
    strong_share, covered_share = settings().repeated_value.smooth_strong_share, settings().faint_lines.covered  # not per line
    for sign, hat in zip((1, -1), hats):
        for ink, faint in ((sign * diff > raw, True), (hat, False)):
            components = classical._components(ink.astype(np.uint8))  # labelled once for both tests
            for x, y, w, h in classical._line_proposals(None, components) + _line_blobs(components):
                if not low <= h <= high or w < aspect * h:
                    continue
                part = (slice(y, y + h), slice(x, x + w))
                if (faint and strong[part].mean() > strong_share) or covered[part].mean() >= covered_share:
                    continue
                found[(x, y, w, h)] = None
    return sorted(found, key=lambda b: -b[2])[: settings().faint_lines.max_looks]


def _line_blobs(components) -> list[Box]:
    """Single ink components (classical._components of a map) shaped like a line of touching
    glyphs: the glyphs of 8 px text touch one another into one blob, which the line-of-glyphs
    tests reject as neither a glyph nor a word (its bottom row is all ink). Such a blob is
    glyph-high and line-shaped (as `candidates` asks), fills a share of its box
    (`classical.small_word_fill`; a rib's thin arc fills less) and its middle row crosses ink
    about once per glyph (`faint_lines.blob_crossings` per height of its length; an arc or an
    edge crosses it once or twice)."""
    comps, labels = components
    found = []
    low, high, aspect = settings().faint_lines.min_height, settings().faint_lines.max_height, settings().faint_lines.min_aspect  # once,
    fill, crossings = settings().classical.small_word_fill, settings().faint_lines.blob_crossings  # not per component
    for x, y, w, h, area, label in comps:
        if not low <= h <= high or w < aspect * h or area < fill * w * h:
            continue
        row = labels[y + h // 2, x : x + w] == label
        if np.count_nonzero(np.diff(row.astype(np.int8))) >= crossings * w / h:
            found.append((x, y, w, h))
    return found


def _hat_maps(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bright and dark thin strokes: the white and black top-hats (`faint_lines.hat_kernel` px
    square) standing `faint_lines.hat_z` times their own local noise (classical.local_noise) and
    `faint_lines.raw_min` grey levels off."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (settings().faint_lines.hat_kernel,) * 2)
    maps = []
    for op in (cv2.MORPH_TOPHAT, cv2.MORPH_BLACKHAT):
        hat = cv2.morphologyEx(grey, op, kernel)
        noise = classical.local_noise(hat)
        maps.append(hat > np.maximum(settings().faint_lines.raw_min, settings().faint_lines.hat_z * noise))
    return maps[0], maps[1]


def read_lines(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray, taken: list[Box],
               reads: Callable[[Box], bool]) -> list[Box]:
    """The candidates (see `candidates`) that `reads` confirms (verify.reads_characters)."""
    if not settings().faint_lines.enabled:
        return []
    return [b for b in candidates(grey, diff, sigma, taken) if reads(b)]
