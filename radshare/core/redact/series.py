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
  they persist (same value, same place) in the frame before or after. On its own frame alone a
  window must also beat what the series makes by chance (measured between the layout frames:
  none on CT noise, several on 8-bit speckle), CHANCE_MARGIN times over.

A frame failing a test is looked at again by the full detector on full-width bands around the
failing cells (full width, so the network sees them at the frame's own scale), or whole when the
bands would cover more than FULL_SHARE of it. What a band finds joins the layout and the band's
pixels become the reference there, so text that appears and stays is detected once. Boxes only
join, never leave: a frame is painted wherever an earlier frame of the run had text (fail
closed). Frames of another size start a new layout. The pixels compared are the stored values,
so the tests hold for lossless data; lossy frames (JPEG) fail the quiet and box tests more often
and then simply get more full detection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from radshare.core.model import TextRegion
from radshare.core.redact.boxes import merge_boxes
from radshare.core.redact.detect import DetectContext, detect_text, detector_name
from radshare.core.redact.pixels import to_grey_and_rgb
from radshare.core.redact.templates import template_regions

LAYOUT_FRAMES = 2  # frames fully detected before verification starts (the quiet cells need two)
CELL = 16  # px: side of the cells changes are judged in
BAND_MARGIN = 32  # px above and below flagged cells that a band re-detection also covers
FULL_SHARE = 0.5  # bands covering more of the frame than this: detect the whole frame instead
RUN = 3  # px: runs of one value counted as stroke pixels
RUN_SPREAD = 1  # stored values a run may vary by and still be one value
INK_KERNEL = 7  # px: strokes thinner than this stand off a top-hat/black-hat of this size...
INK_STEP = 8  # ...by at least this many grey levels
NOVEL_INK = 4  # stroke pixels of one value in a 2x2-cell window that may be a new glyph...
CHANCE_MARGIN = 1.5  # ...or, on one frame alone, this many times the most the layout frames showed by chance

Box = tuple[int, int, int, int]


def _runs(raw: np.ndarray, length: int) -> np.ndarray:
    """Pixels inside a run of `length` px (along a row or a column) of one stored value."""
    masks = []
    for shape in ((1, length), (length, 1)):
        kernel = np.ones(shape, np.uint8)
        masks.append(cv2.dilate(raw, kernel) - cv2.erode(raw, kernel) <= RUN_SPREAD)
    return masks[0] | masks[1]


def _thin(grey: np.ndarray) -> np.ndarray:
    """Pixels of bright or dark structures thinner than INK_KERNEL standing INK_STEP off their ground."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (INK_KERNEL, INK_KERNEL))
    bright = cv2.morphologyEx(grey, cv2.MORPH_TOPHAT, kernel)
    dark = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, kernel)
    return (bright >= INK_STEP) | (dark >= INK_STEP)


@dataclass
class _Frame:
    """One frame as the checks see it: stored values (2-D), 8-bit grey, stroke-pixel maps."""

    raw: np.ndarray
    grey: np.ndarray
    ink: np.ndarray  # thin and in a RUN px run of one value

    @classmethod
    def of(cls, frame: np.ndarray) -> "_Frame":
        grey, _ = to_grey_and_rgb(frame)
        raw = frame if frame.ndim == 2 else grey  # colour: the brightest channel, as the detector sees it
        if raw.dtype not in (np.uint8, np.uint16, np.int16, np.float32):
            raw = raw.astype(np.float32)
        return cls(raw, grey, _thin(grey) & _runs(grey, RUN))


def _cells_any(mask: np.ndarray) -> np.ndarray:
    """Per CELL x CELL cell: True when any pixel of `mask` in it is True."""
    rows, cols = mask.shape
    cr, cc = -(-rows // CELL), -(-cols // CELL)
    padded = np.zeros((cr * CELL, cc * CELL), bool)
    padded[:rows, :cols] = mask
    return padded.reshape(cr, CELL, cc, CELL).any(axis=(1, 3))


def _one_value_counts(grey: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per 2x2-cell window (indexed by its top-left cell): the most pixels of `mask` sharing one grey value."""
    rows, cols = grey.shape
    cr, cc = -(-rows // CELL), -(-cols // CELL)
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return np.zeros((cr, cc), np.int64)
    cell = (ys // CELL) * cc + xs // CELL
    counts = np.bincount(cell * 256 + grey[ys, xs], minlength=cr * cc * 256).reshape(cr, cc, 256)
    window = counts.copy()
    window[:-1] += counts[1:]
    window[:, :-1] += window[:, 1:].copy()
    return window.max(axis=2)


def _one_value_cells(grey: np.ndarray, mask: np.ndarray, least: float) -> np.ndarray:
    """Per cell: True when, in a 2x2-cell window holding it, one grey value holds `least` pixels of `mask`."""
    hot = _one_value_counts(grey, mask) >= least
    flagged = hot.copy()
    # a hot window flags its four cells
    flagged |= hot
    flagged[1:] |= hot[:-1]
    flagged[:, 1:] |= hot[:, :-1]
    flagged[1:, 1:] |= hot[:-1, :-1]
    return flagged


def _touches(box: tuple[int, int, int, int, str], cells: np.ndarray) -> bool:
    """True when `box` overlaps a True cell of `cells`, or one beside it."""
    x, y, w, h = box[:4]
    return bool(cells[max(0, y // CELL - 1) : (y + h - 1) // CELL + 2, max(0, x // CELL - 1) : (x + w - 1) // CELL + 2].any())


def _bands(rows_flagged: np.ndarray, rows: int) -> list[tuple[int, int]]:
    """Row ranges (y0, y1) covering the flagged cell rows, BAND_MARGIN px beyond, overlaps merged."""
    bands: list[list[int]] = []
    for r in np.nonzero(rows_flagged)[0]:
        y0, y1 = max(0, int(r) * CELL - BAND_MARGIN), min(rows, (int(r) + 1) * CELL + BAND_MARGIN)
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
    chance: float  # stroke pixels of one value a window showed by chance between the layout frames
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
            found = self._detect(current.grey)
            self._seen.append(current)
            self._found = self._merged(self._found + found)
            if len(self._seen) >= LAYOUT_FRAMES:
                first, last = self._seen[0], self._seen[-1]
                self._layout = _Layout(last, ~_cells_any(first.raw != last.raw), _chance(first, last, self._found), self._found)
                self._seen, self._found = [], []
            self._previous = current
            return [TextRegion(x, y, w, h, frame=None, source=s) for x, y, w, h, s in self._merged(found)]
        quiet_changed, flagged = self._flagged(layout, current, self._previous, following)
        rows = current.raw.shape[0]
        bands = _bands(flagged.any(axis=1), rows)
        if sum(b - a for a, b in bands) > FULL_SHARE * rows:
            found = self._detect(current.grey)
            layout.reference = current
            self._objects.clear()
        else:
            found = []
            for y0, y1 in bands:
                # only boxes at flagged cells: the rest of the band passed its checks, and the
                # detector's chance boxes on anatomy would otherwise pile up frame after frame
                found += [(x, y + y0, w, h, s) for x, y, w, h, s in self._detect(current.grey[y0:y1], band=True)
                          if _touches((x, y + y0, w, h, s), flagged)]
                _take_band(layout, current, y0, y1)
                for key in [k for k in self._objects if k[1] < y1 and y0 < k[1] + k[3]]:
                    del self._objects[key]  # looked at again: read again
        layout.boxes = self._merged(layout.boxes + found)
        # a quiet cell that changed with no text in it is anatomy or noise after all: from now on
        # the stroke tests judge it, like every other changing cell
        text_cells = np.zeros_like(flagged)
        for box in found:
            x, y, w, h = box[:4]
            text_cells[y // CELL : (y + h - 1) // CELL + 1, x // CELL : (x + w - 1) // CELL + 1] = True
        layout.quiet &= ~(quiet_changed & ~text_cells)
        self._previous = current
        return [self._objects.setdefault(box, TextRegion(*box[:4], frame=None, source=box[4])) for box in layout.boxes]

    def _flagged(
        self, layout: _Layout, current: _Frame, previous: _Frame | None, following: _Frame | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(quiet cells that changed, all cells that may hold text the layout does not account for)."""
        changed = current.raw != layout.reference.raw
        quiet_changed = _cells_any(changed) & layout.quiet
        # new ink changes what the detector sees, not only the stored noise under it
        moved = cv2.absdiff(current.grey, layout.reference.grey) >= INK_STEP // 2
        novel = current.ink & moved
        persistent = np.zeros_like(novel)
        for other in (previous, following):
            if other is not None and other.raw.shape == current.raw.shape:
                persistent |= other.ink & (other.raw == current.raw)
        flagged = quiet_changed | _one_value_cells(current.grey, novel & persistent, NOVEL_INK)
        flagged |= _one_value_cells(current.grey, novel, max(NOVEL_INK, CHANCE_MARGIN * layout.chance))
        return quiet_changed, flagged

    def _detect(self, grey: np.ndarray, band: bool = False) -> list[tuple[int, int, int, int, str]]:
        if band:
            self.stats.bands += 1
            self.stats.band_rows += grey.shape[0]
        else:
            self.stats.full += 1
        return [(r.x, r.y, r.w, r.h, r.source) for r in detect_text(grey, None, self.mode)]

    @staticmethod
    def _merged(boxes: list[tuple[int, int, int, int, str]]) -> list[tuple[int, int, int, int, str]]:
        """Boxes with overlapping ones merged (never smaller), in a stable order."""
        if not boxes:
            return []
        rows = max(y + h for _, y, _, h, _ in boxes)
        cols = max(x + w for x, _, w, _, _ in boxes)
        return sorted(merge_boxes(boxes, 0, rows, cols))


def _chance(first: _Frame, last: _Frame, boxes: list[tuple[int, int, int, int, str]]) -> float:
    """The most stroke pixels of one value that a window of `last` shows where it differs from
    `first`, away from the text found on them: how often this series makes stroke-like runs by
    chance (0 on CT noise, several on 8-bit speckle)."""
    moved = cv2.absdiff(last.grey, first.grey) >= INK_STEP // 2
    counts = _one_value_counts(last.grey, last.ink & moved)
    text = np.zeros(counts.shape, bool)
    for box in boxes:
        text |= _touch_map(box, counts.shape)
    return float(counts[~text].max()) if (~text).any() else 0.0


def _touch_map(box: tuple[int, int, int, int, str], shape: tuple[int, int]) -> np.ndarray:
    x, y, w, h = box[:4]
    out = np.zeros(shape, bool)
    out[max(0, y // CELL - 1) : (y + h - 1) // CELL + 2, max(0, x // CELL - 1) : (x + w - 1) // CELL + 2] = True
    return out


def view(frame: np.ndarray) -> _Frame:
    """A frame prepared for SeriesScanner.scan (computed once per frame)."""
    return _Frame.of(frame)


def _take_band(layout: _Layout, current: _Frame, y0: int, y1: int) -> None:
    """The band's pixels, checked in full just now, become the reference there."""
    ref = layout.reference
    ref = layout.reference = _Frame(ref.raw.copy(), ref.grey.copy(), ref.ink.copy())
    for name in ("raw", "grey", "ink"):
        getattr(ref, name)[y0:y1] = getattr(current, name)[y0:y1]


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
