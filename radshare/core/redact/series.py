"""Burned-in text on every frame of a series or cine, for about the cost of detecting it once.

Overlays (names, IDs, dates, scanner labels) stay in the same place on every slice of a series
and every frame of a cine, while the anatomy beside and under them changes. So the full
detector (detect.detect_text) runs on the first LAYOUT_FRAMES frames, and every later frame is
verified against what was found there (the layout) with tests that cost about a millisecond:

- **quiet cells**: CELL px squares that did not change between the layout frames (black
  surround, padding, the overlay's own corner) must hold the very same pixels again; a timer or
  a new label there changes them;
- **new ink anywhere else** (over the anatomy too): pixels whose grey changed since the reference
  and that look like part of a glyph stroke (one value along a RUN px run, thinner than
  INK_KERNEL px across), counted per grey value in each 2x2-cell window: overlay glyphs are drawn
  in one value, so a window where one value holds NOVEL_INK such pixels may hold new text when
  they persist (same value, same place) in the frame before or after. On its own frame alone,
  the strokes must stand STRONG_Z times the ground's spread off it, and where the series makes
  such strokes by chance at all (measured per window between the layout frames, the most within
  CHANCE_REACH windows around: never on CT noise, a few on 8-bit speckle, many where ribs move)
  their value must be one of their own in the window (INK_SHARE of the window's pixels at it are
  such strokes, or NEW_VALUE: the window held no pixel at it on the reference; not the dark of a
  vessel) and their count must beat that chance CHANCE_MARGIN times over;
- **beyond the reference's range**: pixels off their ground at a grey BEYOND_MARGIN beyond the
  least and most the reference held in and around their cell, BEYOND_INK of them in a window
  (and CHANCE_MARGIN times what chance made there): faint anti-aliased text over noise, whose
  strokes are seldom one value, is still brighter or darker than the anatomy under it was.

A frame failing a test is looked at again by the full detector on full-width bands around the
failing cells (full width, so the network sees them at the frame's own scale), or whole when the
bands would cover more than FULL_SHARE of it. What a band finds joins the layout and the band's
pixels become the reference there, so text that appears and stays is detected once. Boxes only
join, never leave: a frame is painted wherever an earlier frame of the run had text (fail
closed). Frames of another size start a new layout. The quiet test compares stored values, so
lossy frames (JPEG) fail it more often and simply get more bands; the stroke tests count values
in 4-level bins, which anti-aliased glyphs pass, but heavy compression blurs strokes out of one
value (the range test still sees them). benchmarks/series_text.py measures text that appears on
one frame only over moving anatomy against full detection on that frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from radshare.core.model import TextRegion
from radshare.core.redact.boxes import merge_tight
from radshare.core.redact.detect import DetectContext, detect_text, detector_name
from radshare.core.redact.pixels import to_grey_and_rgb
from radshare.core.redact.settings import current as settings
from radshare.core.redact.templates import template_regions


def _runs(raw: np.ndarray, length: int) -> np.ndarray:
    """Pixels inside a run of `length` px (along a row or a column) of one stored value."""
    masks = []
    for shape in ((1, length), (length, 1)):
        kernel = np.ones(shape, np.uint8)
        masks.append(cv2.dilate(raw, kernel) - cv2.erode(raw, kernel) <= settings().series.run_spread)
    return masks[0] | masks[1]


def _off_ground(grey: np.ndarray) -> np.ndarray:
    """Per pixel, how far a bright or dark structure thinner than INK_KERNEL stands off its
    ground (the larger of top-hat and black-hat)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (settings().series.ink_kernel, settings().series.ink_kernel))
    return np.maximum(cv2.morphologyEx(grey, cv2.MORPH_TOPHAT, kernel), cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, kernel))


def _cell_spread(grey: np.ndarray) -> np.ndarray:
    """Per cell, the standard deviation of its grey values."""
    rows, cols = grey.shape
    cr, cc = -(-rows // settings().series.cell), -(-cols // settings().series.cell)
    f = grey.astype(np.float32)
    mean = cv2.resize(f, (cc, cr), interpolation=cv2.INTER_AREA)
    return np.sqrt(np.maximum(cv2.resize(f * f, (cc, cr), interpolation=cv2.INTER_AREA) - mean * mean, 0))


@dataclass
class _Frame:
    """One frame as the checks see it: stored values, 8-bit grey, stroke-pixel maps."""

    raw: np.ndarray  # as stored: (rows, cols) or (rows, cols, 3)
    grey: np.ndarray
    off: np.ndarray  # see _off_ground
    runs: np.ndarray  # in a RUN px run of one value
    spread: np.ndarray  # per cell, see _cell_spread
    colour: np.ndarray | None = None  # uint8 RGB of a colour frame: the detector looks at its luminance too
    _range: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)  # see range

    @classmethod
    def of(cls, frame: np.ndarray) -> "_Frame":
        grey, rgb = to_grey_and_rgb(frame)
        colour = rgb if frame.ndim == 3 else None
        return cls(frame, grey, _off_ground(grey), _runs(grey, settings().series.run), _cell_spread(grey), colour)

    @property
    def seen(self) -> np.ndarray:
        """What the detector is given: the 8-bit grey, or the RGB of a colour frame."""
        return self.grey if self.colour is None else self.colour

    @property
    def range(self) -> tuple[np.ndarray, np.ndarray]:
        """Per pixel: the least and most grey in and around its cell, BEYOND_MARGIN further out
        (uint8, clipped: nothing is below 0 or above 255). Computed once: a reference serves many frames."""
        if self._range is None:
            cell, margin = settings().series.cell, settings().series.beyond_margin
            rows, cols = self.grey.shape
            kernel = np.ones((3, 3), np.uint8)
            low = cv2.erode(_per_cell(self.grey, np.min), kernel).astype(np.int16) - margin
            high = cv2.dilate(_per_cell(self.grey, np.max), kernel).astype(np.int16) + margin
            self._range = tuple(np.clip(np.repeat(np.repeat(v, cell, axis=0), cell, axis=1)[:rows, :cols], 0, 255).astype(np.uint8)
                                for v in (low, high))
        return self._range

    @property
    def ink(self) -> np.ndarray:
        """Stroke pixels: thin, INK_STEP off their ground, in a run of one value."""
        return self.runs & (self.off >= settings().series.ink_step)

    def strong(self, spread: np.ndarray) -> np.ndarray:
        """Stroke pixels standing STRONG_Z times `spread` (per cell: the ground's grey spread,
        the least seen there, so not raised by the text itself) off their ground as well: a dark
        vessel's grains are strokes by the first test, not by this one."""
        rows, cols = self.grey.shape
        step = np.maximum(settings().series.ink_step, settings().series.strong_z * spread)
        step = np.repeat(np.repeat(step, settings().series.cell, axis=0), settings().series.cell, axis=1)[:rows, :cols]
        return self.runs & (self.off >= step)


def _differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pixel: any stored value (any channel) differs. NaN differs from itself: fail closed."""
    different = a != b
    return different.any(axis=2) if different.ndim == 3 else different


def _cells_any(mask: np.ndarray) -> np.ndarray:
    """Per CELL x CELL cell: True when any pixel of `mask` in it is True."""
    return _per_cell(mask, np.any)


def _per_cell(values: np.ndarray, reduce: Callable[..., np.ndarray]) -> np.ndarray:
    """Per CELL x CELL cell: `reduce` (np.min, np.max, np.sum, np.any) of `values` in it (the edge
    cells padded with their own values, or with 0/False for sums and any)."""
    rows, cols = values.shape
    cell = settings().series.cell
    cr, cc = -(-rows // cell), -(-cols // cell)
    pad = np.pad(values, ((0, cr * cell - rows), (0, cc * cell - cols)), mode="constant" if reduce in (np.sum, np.any) else "edge")
    return reduce(pad.reshape(cr, cell, cc, cell), axis=(1, 3))


def _carried(boxes: list[tuple[int, int, int, int, str]], new_ink: np.ndarray) -> np.ndarray:
    """Per pixel: inside a box the layout carries (painted on every frame of the run whatever it
    holds) whose ring (CARRIED_RING px around it) shows no new ink (`new_ink`: stroke-like pixels
    that moved since the reference). What changes there needs no new look: a frame counter or
    clock in its place, or the grey a 12/16-bit frame's own range gives a fixed overlay, flagged
    their frame every time, and the bands around them grew into whole-frame detection. Text that
    moves or grows out of its box puts ink in the ring: that box is judged as before."""
    out = np.zeros(new_ink.shape, bool)
    ring = settings().series.carried_ring
    rows, cols = new_ink.shape
    for x, y, w, h, _ in boxes:
        x0, y0, x1, y1 = max(0, x - ring), max(0, y - ring), min(cols, x + w + ring), min(rows, y + h + ring)
        inner = new_ink[max(0, y) : y + h, max(0, x) : x + w].sum()
        if new_ink[y0:y1, x0:x1].sum() == inner:  # nothing new around it
            out[max(0, y) : y + h, max(0, x) : x + w] = True
    return out


def _beyond(current: _Frame, before: _Frame, skip: np.ndarray | None = None) -> np.ndarray:
    """Per 2x2-cell window: pixels of `current` standing off their ground (INK_STEP) at a grey
    beyond what `before` held in and around their cell (by more than BEYOND_MARGIN levels). Faint
    anti-aliased text over noise is seldom in one-value runs (the stroke tests), but it is
    brighter (or darker) than anything the anatomy there had."""
    low, high = before.range
    out = ((current.grey < low) | (current.grey > high)) & (current.off >= settings().series.ink_step)
    if skip is not None:
        out &= ~skip
    cells = _per_cell(out.astype(np.int32), np.sum)
    window = cells.copy()
    window[:-1] += cells[1:]
    window[:, :-1] += window[:, 1:].copy()
    return window


def _one_value_counts(grey: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Per 2x2-cell window (indexed by its top-left cell) and grey value (in VALUE_STEP bins, a
    bin and the next together): the pixels of `mask` (None: all pixels) at about that value, as
    a (cell rows, cell columns, bins) array. About: anti-aliased glyphs hold their core a few
    levels apart."""
    rows, cols = grey.shape
    cr, cc = -(-rows // settings().series.cell), -(-cols // settings().series.cell)
    if mask is None:
        ys, xs = np.indices((rows, cols)).reshape(2, -1)
    else:
        ys, xs = np.nonzero(mask)
    cell = (ys // settings().series.cell) * cc + xs // settings().series.cell
    bins = 256 // settings().series.value_step
    counts = np.bincount(cell * bins + grey[ys, xs] // settings().series.value_step, minlength=cr * cc * bins).reshape(cr, cc, bins)
    counts[:, :, :-1] += counts[:, :, 1:].copy()
    window = counts.copy()
    window[:-1] += counts[1:]
    window[:, :-1] += window[:, 1:].copy()
    return window


def _spread(hot: np.ndarray) -> np.ndarray:
    """Per cell: True when a hot 2x2-cell window holds it."""
    flagged = hot.copy()
    flagged[1:] |= hot[:-1]
    flagged[:, 1:] |= hot[:, :-1]
    flagged[1:, 1:] |= hot[:-1, :-1]
    return flagged


def _touches(box: tuple[int, int, int, int, str], cells: np.ndarray) -> bool:
    """True when `box` overlaps a True cell of `cells`, or one beside it."""
    x, y, w, h = box[:4]
    return bool(cells[max(0, y // settings().series.cell - 1) : (y + h - 1) // settings().series.cell + 2, max(0, x // settings().series.cell - 1) : (x + w - 1) // settings().series.cell + 2].any())


def _bands(rows_flagged: np.ndarray, rows: int) -> list[tuple[int, int]]:
    """Row ranges (y0, y1) covering the flagged cell rows, BAND_MARGIN px beyond, overlaps merged."""
    bands: list[list[int]] = []
    for r in np.nonzero(rows_flagged)[0]:
        y0, y1 = max(0, int(r) * settings().series.cell - settings().series.band_margin), min(rows, (int(r) + 1) * settings().series.cell + settings().series.band_margin)
        if bands and y0 <= bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], y1)
        else:
            bands.append([y0, y1])
    return [(a, b) for a, b in bands]


@dataclass
class Stats:
    """What the series path did, for the report and the benchmark."""

    frames: int = 0
    full: int = 0  # frames detected whole
    bands: int = 0  # band re-detections
    band_rows: int = 0  # rows looked at again in bands


@dataclass
class _Layout:
    reference: _Frame
    quiet: np.ndarray  # per cell: unchanged between the layout frames
    chance: tuple[np.ndarray, np.ndarray]  # per window: stroke pixels of one value it showed by chance between the layout frames (distinct, all)
    ground: np.ndarray  # per cell, the least grey spread any frame so far had there (text raises it)
    beyond: np.ndarray  # per window: pixels _beyond found by chance between the layout frames (the most around it)
    boxes: list[tuple[int, int, int, int, str]] = field(default_factory=list)


class SeriesScanner:
    """Text regions for the frames of one series, in order. Not thread-safe: one per series."""

    def __init__(self, mode: str = "auto") -> None:
        detector_name(mode)  # validates the mode
        self.mode = mode
        self.stats = Stats()
        self._layout: _Layout | None = None
        self._seen: list[_Frame] = []  # layout frames detected so far
        self._found: list[tuple[int, int, int, int, str]] = []  # what they held
        self._previous: _Frame | None = None
        self._objects: dict[tuple, TextRegion] = {}  # one TextRegion per carried box (what OCR read on it holds)

    def scan(self, current: _Frame, following: _Frame | None = None) -> list[TextRegion]:
        """Regions (frame=None) for `current` (see `view`); `following` is the next frame, if any."""
        self.stats.frames += 1
        layout = self._layout
        if layout is not None and layout.reference.raw.shape != current.raw.shape:
            layout = self._layout = None  # another size: another layout
            self._seen, self._found = [], []
        if layout is None:
            found = self._detect(current.seen)
            self._seen.append(current)
            self._found = self._merged(self._found + found)
            if len(self._seen) >= settings().series.layout_frames:
                first, last = self._seen[0], self._seen[-1]
                self._layout = _Layout(last, ~_cells_any(_differs(first.raw, last.raw)), _chance(first, last, self._found),
                                      np.minimum(first.spread, last.spread), _chance_beyond(first, last, self._found), self._found)
                self._seen, self._found = [], []
            self._previous = current
            return [TextRegion(x, y, w, h, frame=None, source=s) for x, y, w, h, s in self._merged(found)]
        quiet_changed, flagged = self._flagged(layout, current, self._previous, following)
        rows = current.raw.shape[0]
        bands = _bands(flagged.any(axis=1), rows)
        found_whole = sum(b - a for a, b in bands) > settings().series.full_share * rows
        if found_whole:
            layout.reference = current
            self._objects.clear()
        found, here_only = (self._detect(current.seen), []) if found_whole else ([], [])
        if bands and not found_whole:
            for y0, y1 in bands:
                # boxes at flagged cells join the layout; the rest of the band passed its checks,
                # so what the detector found there is painted on this frame only (carried on, the
                # detector's chance boxes on anatomy would pile up frame after frame)
                mine = []
                for x, y, w, h, s in self._detect(current.seen[y0:y1], band=True):
                    box = (x, y + y0, w, h, s)
                    (found if _touches(box, flagged) else mine).append(box)
                _take_band(layout, current, y0, y1, mine)
                here_only += mine
                for key in [k for k in self._objects if k[1] < y1 and y0 < k[1] + k[3]]:
                    del self._objects[key]  # looked at again: read again
        layout.boxes = self._merged(layout.boxes + found)
        # a quiet cell that changed with no text in it is anatomy or noise after all: from now on
        # the stroke tests judge it, like every other changing cell
        text_cells = np.zeros_like(flagged)
        for box in found:
            x, y, w, h = box[:4]
            text_cells[y // settings().series.cell : (y + h - 1) // settings().series.cell + 1, x // settings().series.cell : (x + w - 1) // settings().series.cell + 1] = True
        layout.quiet &= ~(quiet_changed & ~text_cells)
        self._previous = current
        carried = [self._objects.setdefault(box, TextRegion(*box[:4], frame=None, source=box[4])) for box in layout.boxes]
        return carried + [TextRegion(x, y, w, h, frame=None, source=s) for x, y, w, h, s in here_only]

    def _flagged(
        self, layout: _Layout, current: _Frame, previous: _Frame | None, following: _Frame | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(quiet cells that changed, all cells that may hold text the layout does not account for)."""
        changed = _differs(current.raw, layout.reference.raw)
        # new ink changes what the detector sees, not only the stored noise under it
        moved = cv2.absdiff(current.grey, layout.reference.grey) >= settings().series.ink_step // 2
        carried = None
        if settings().series.skip_carried:
            carried = _carried(layout.boxes, moved & (current.off >= settings().series.ink_step))
            changed &= ~carried
            moved &= ~carried
        quiet_changed = _cells_any(changed) & layout.quiet
        novel = current.ink & moved
        persistent = np.zeros_like(novel)
        for other in (previous, following):
            if other is not None and other.raw.shape == current.raw.shape:
                persistent |= other.ink & ~_differs(other.raw, current.raw)
        persisting = _one_value_counts(current.grey, novel & persistent).max(axis=2) >= settings().series.novel_ink
        strong = current.strong(layout.ground) & moved
        np.minimum(layout.ground, current.spread, out=layout.ground)
        counts = _one_value_counts(current.grey, strong)
        distinct, everything = layout.chance
        if not settings().series.local_chance:  # one bar for the whole frame: the most any window showed
            distinct, everything = np.full_like(distinct, distinct.max()), np.full_like(everything, everything.max())
        # where the layout frames made no stroke by chance, every one counts; elsewhere a window
        # must beat what chance made there (and next to it), with strokes of a value of their own
        none = everything == 0
        alone = none & (counts.max(axis=2) >= settings().series.novel_ink)
        least = np.where(none, np.inf, np.maximum(settings().series.novel_ink, settings().series.chance_margin * distinct))
        alone |= _distinct_counts(current, counts, least, layout.reference) >= least
        if settings().series.beyond_ink:
            beyond = layout.beyond if settings().series.local_chance else np.full_like(layout.beyond, layout.beyond.max())
            alone |= _beyond(current, layout.reference, carried) >= np.maximum(settings().series.beyond_ink, settings().series.chance_margin * beyond)
        flagged = quiet_changed | _spread(persisting | alone)
        return quiet_changed, flagged

    def _detect(self, seen: np.ndarray, band: bool = False) -> list[tuple[int, int, int, int, str]]:
        if band:
            self.stats.bands += 1
            self.stats.band_rows += seen.shape[0]
        else:
            self.stats.full += 1
        return [(r.x, r.y, r.w, r.h, r.source) for r in detect_text(seen, None, self.mode)]

    @staticmethod
    def _merged(boxes: list[tuple[int, int, int, int, str]]) -> list[tuple[int, int, int, int, str]]:
        """Regions of several looks with a region inside another folded into it, in a stable order.

        Only a region inside another is folded: detect_text has already merged what is one
        region (boxes.merge_tight), and merging its regions again would take each for wholly
        covered and let an L of them grow into the rectangle the tight merge refused (held-out
        seed 7 at merge_added 0.25: 24 -> 31% of one photo's anatomy)."""
        if not boxes:
            return []
        rows = max(y + h for _, y, _, h, _ in boxes)
        cols = max(x + w for x, _, w, _, _ in boxes)
        return sorted(merge_tight(boxes, 0, rows, cols, 0.0))


def _distinct_counts(frame: _Frame, counts: np.ndarray, least: np.ndarray | float = 0, before: _Frame | None = None) -> np.ndarray:
    """Per window: the most stroke pixels of one grey value (`counts`, from _one_value_counts)
    that make up INK_SHARE of all the window's pixels at that value. Overlay ink is a value of
    its own in its window; dark speckle and the inside of a vessel hold chance runs at values
    most of their pixels share. Windows with fewer than `least` (per window, or one figure) such
    pixels of any value are not weighed (reported as 0): counting every pixel of a frame by value
    was most of the cost of a cine frame. With `before` (the reference) and NEW_VALUE, a value the
    window did not hold `before` counts as its own too: faint anti-aliased text over noise keeps
    most of its pixels out of one-value runs, so its strokes are a small share of its value's
    pixels, but the anatomy under it had none at that value."""
    best = counts.max(axis=2)
    out = np.zeros_like(best)
    cell = settings().series.cell

    def window_rows(c: int) -> slice:  # the pixels of the 2x2-cell window starting at cell c (rows or columns)
        return slice(c * cell, (c + 2) * cell)

    bins = 256 // settings().series.value_step
    for cy, cx in zip(*np.nonzero(best >= np.maximum(least, 1))):
        window = frame.grey[window_rows(cy), window_rows(cx)]
        every = np.bincount(window.ravel() // settings().series.value_step, minlength=bins)
        every[:-1] += every[1:].copy()  # a bin and the next together, as _one_value_counts counts
        if before is not None and settings().series.new_value:
            was = np.bincount(before.grey[window_rows(cy), window_rows(cx)].ravel() // settings().series.value_step, minlength=bins)
            was[:-1] += was[1:].copy()
            every[was == 0] = 0
        own = counts[cy, cx] >= settings().series.ink_share * every
        out[cy, cx] = counts[cy, cx][own].max(initial=0)
    return out


def _chance(first: _Frame, last: _Frame, boxes: list[tuple[int, int, int, int, str]]) -> tuple[np.ndarray, np.ndarray]:
    """How often this series makes stroke-like runs by chance, per window: the strong stroke
    pixels of about one value that `last` shows where it differs from `first` (distinct ones
    only: see _distinct_counts; and all), see _around. None at all on CT noise; a few on 8-bit
    speckle; most on a changing bright edge."""
    moved = cv2.absdiff(last.grey, first.grey) >= settings().series.ink_step // 2
    strong = last.strong(np.minimum(first.spread, last.spread)) & moved
    counts = _one_value_counts(last.grey, strong)
    return _around(_distinct_counts(last, counts), boxes), _around(counts.max(axis=2), boxes)


def _around(chance: np.ndarray, boxes: list[tuple[int, int, int, int, str]]) -> np.ndarray:
    """Per window: the most of `chance` within CHANCE_REACH windows (chance moves with the
    anatomy); windows at the text found on the layout frames take the most seen anywhere else
    (their own count is the text)."""
    chance = chance.astype(np.float32)
    text = np.zeros(chance.shape, bool)
    for box in boxes:
        text |= _touch_map(box, chance.shape)
    chance[text] = chance[~text].max() if not text.all() else 0
    reach = 2 * settings().series.chance_reach + 1
    return cv2.dilate(chance, np.ones((reach, reach), np.uint8))


def _chance_beyond(first: _Frame, last: _Frame, boxes: list[tuple[int, int, int, int, str]]) -> np.ndarray:
    """Per window: what _beyond finds by chance from `first` to `last` (see _around). None on CT
    noise; many where a bright edge moves (ribs)."""
    return _around(_beyond(last, first), boxes)


def _touch_map(box: tuple[int, int, int, int, str], shape: tuple[int, int]) -> np.ndarray:
    x, y, w, h = box[:4]
    out = np.zeros(shape, bool)
    out[max(0, y // settings().series.cell - 1) : (y + h - 1) // settings().series.cell + 2, max(0, x // settings().series.cell - 1) : (x + w - 1) // settings().series.cell + 2] = True
    return out


def view(frame: np.ndarray) -> _Frame:
    """A frame prepared for SeriesScanner.scan (computed once per frame)."""
    return _Frame.of(frame)


def _take_band(layout: _Layout, current: _Frame, y0: int, y1: int, keep: list[tuple[int, int, int, int, str]]) -> None:
    """The band's pixels, checked in full just now, become the reference there, except inside the
    `keep` boxes (painted on this frame only): text there, should it stay, then shows as new on
    the next frame again, persists, and joins the layout."""
    old = layout.reference
    ref = layout.reference = _Frame(old.raw.copy(), old.grey.copy(), old.off.copy(), old.runs.copy(), old.spread)
    for name in ("raw", "grey", "off", "runs"):
        getattr(ref, name)[y0:y1] = getattr(current, name)[y0:y1]
        for x, y, w, h, _ in keep:
            getattr(ref, name)[y : y + h, x : x + w] = getattr(old, name)[y : y + h, x : x + w]


def iter_series(
    frames: Sequence[np.ndarray] | np.ndarray,
    context: DetectContext | None = None,
    mode: str = "auto",
    stats: Stats | None = None,
) -> Iterator[list[TextRegion]]:
    """Regions (frame=None) for each of `frames` (one series or cine, in order), frame by frame,
    every frame checked: fully detected, or verified against the layout and re-detected where it
    differs. A box carried unchanged from frame to frame is the same TextRegion object on each of
    them, so what OCR reads on it once holds for all (see redact._read). Template regions (device
    templates, the ultrasound rule) are added to every frame."""
    detector_name(mode)
    count = len(frames)
    if mode == "off":
        yield from ([] for _ in range(count))
        return
    if mode == "templates-only":
        yield from (list(template_regions(context, f.shape[0], f.shape[1])) for f in frames)
        return
    scanner = SeriesScanner(mode)
    following = view(frames[0]) if count else None
    for i in range(count):
        current = following
        following = view(frames[i + 1]) if i + 1 < count else None
        templates = template_regions(context, current.raw.shape[0], current.raw.shape[1])
        regions = scanner.scan(current, following)
        if stats is not None:
            stats.__dict__.update(scanner.stats.__dict__)
        yield list(templates) + regions


def detect_series(
    frames: Sequence[np.ndarray] | np.ndarray,
    context: DetectContext | None = None,
    mode: str = "auto",
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    stats: Stats | None = None,
) -> list[list[TextRegion]]:
    """iter_series as a list. A cancelled run returns the frames done so far (fewer lists than frames)."""
    out: list[list[TextRegion]] = []
    for regions in iter_series(frames, context, mode, stats):
        out.append(regions)
        if progress is not None:
            progress(len(out), len(frames))
        if cancel is not None and cancel():
            break
    return out


def per_frame_regions(per_frame: list[list[TextRegion]]) -> list[TextRegion]:
    """One region list for a multi-frame image: regions on every frame once with frame=None, the
    rest once per frame they are on."""
    if not per_frame:
        return []
    keys = [{(r.x, r.y, r.w, r.h, r.source) for r in regions} for regions in per_frame]
    common = set.intersection(*keys)
    out = [TextRegion(x, y, w, h, frame=None, source=s) for x, y, w, h, s in sorted(common)]
    for index, regions in enumerate(per_frame):
        for key in sorted(keys[index] - common):
            out.append(TextRegion(*key[:4], frame=index, source=key[4]))
    return out
