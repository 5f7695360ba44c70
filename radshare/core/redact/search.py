"""Search one data set's frames for burned-in text, in every view of them: the one entry every path uses.

deid, export, posting and the app's Detect (one image, or a series) all ask the same question,
"where is text on these frames?", and each used to assemble the answer itself: the stored view,
the display view, tiles of big frames, the series path. A path that forgot a view let text
through. Here the answer is assembled once:

- the frames **as stored** (min..max to 8 bits), which anyone can re-window;
- the frames **as displayed** in their own window or VOI LUT, where that shows what the stored
  range hides (window.py; 1-bit frames stretched), without the passes whose finds the window's
  stretch makes strong to the others (display_view.passes_off);
- frames over the memory budget in pieces (core/pieces.py), in both views;
- the device templates the header names (templates.py);
- the frames of a multi-frame image through the series path (series.py), or each in full.

`search_series` does the same for the single-frame slices of one series (files scanned as one):
each view is scanned by its own series scanner, so a series costs one layout per view, and a
slice without a display view of its own is searched once, as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np

from radshare.core.budgets import DETECTION_TILE_PIXELS
from radshare.core.model import TextRegion
from radshare.core.redact.detect import DetectContext, detect_frames, detect_text, detector_name
from radshare.core.pieces import frame_passes, over_budget
from radshare.core.redact.settings import current as settings
from radshare.core.redact.settings import in_this_thread
from radshare.core.redact.templates import template_regions
from radshare.core.redact.window import display_frames

Progress = Callable[[int, int], None] | None
Cancel = Callable[[], bool] | None


@dataclass
class Slice:
    """One single-frame image of a series: its frame (rows, cols[, 3]) as stored, its data set
    (None for a photo: no window, no display view) and its header's device context."""

    frame: np.ndarray
    dataset: object = None
    context: DetectContext | None = None


def views(dataset, frames: np.ndarray, mode: str = "auto") -> list[np.ndarray]:
    """The views of `frames` the detector searches: as stored, and as displayed in the data set's
    own window where that differs enough to be searched too (window.display_frames)."""
    shown = display_frames(dataset, frames) if dataset is not None and mode == "auto" else None
    return [frames] if shown is None else [frames, shown]


def search_frames(
    frames: np.ndarray,
    dataset=None,
    context: DetectContext | None = None,
    mode: str = "auto",
    *,
    series: bool = True,
    budget: int = DETECTION_TILE_PIXELS,
    progress: Progress = None,
    cancel: Cancel = None,
) -> list[TextRegion]:
    """Regions for every frame of (n, rows, cols[, 3]) `frames` in every view: the templates of
    `context`, then what the detector finds on each view (see the module's docstring). Regions on
    every frame come with frame=None, the rest once per frame. `series` picks how a multi-frame
    image is scanned (series path, or full detection on every frame); frames over `budget` pixels
    are searched in pieces. A cancelled search returns what was found so far."""
    detector_name(mode)
    if mode == "off" or frames.shape[0] == 0:
        return []
    regions = list(template_regions(context, frames.shape[1], frames.shape[2]))
    if mode == "templates-only":
        return regions
    every = views(dataset, frames, mode)
    total = len(every) * frames.shape[0]
    for k, view in enumerate(every):
        if cancel is not None and cancel():
            break
        step = None if progress is None else (lambda done, _n, k=k: progress(k * frames.shape[0] + done, total))
        with _passes_for(displayed=k > 0):
            regions += _search_view(view, mode, series, budget, step, cancel)
    return regions


def _passes_for(displayed: bool) -> AbstractContextManager:
    """The settings a view is searched with: the displayed view without display_view.passes_off
    (the window has already stretched faint in-window text strong; see the settings file)."""
    off = settings().display_view.passes_off if displayed else ()
    return in_this_thread(passes={name: False for name in off}) if off else nullcontext()


def _search_view(frames: np.ndarray, mode: str, series: bool, budget: int, progress: Progress, cancel: Cancel) -> list[TextRegion]:
    """Regions the detector finds on one view of the frames (no templates: the caller adds them once)."""
    from radshare.core.redact.series import detect_series, per_frame_regions

    if over_budget(frames, budget):
        return [r for found in frame_passes(frames, mode, budget, detect_frames) for r in found]
    if series:
        return per_frame_regions(detect_series(frames, None, mode, progress, cancel))
    per_frame = []
    for frame in frames:
        per_frame.append(detect_text(frame, None, mode))
        if progress is not None:
            progress(len(per_frame), frames.shape[0])
        if cancel is not None and cancel():
            break
    return per_frame_regions(per_frame)


def search_series(slices: Sequence[Slice], mode: str = "auto", budget: int = DETECTION_TILE_PIXELS) -> Iterator[list[TextRegion]]:
    """Regions (frame=None) for each of `slices` (one series, in order), slice by slice, in every
    view: each view scanned by its own series scanner (detected once per layout, every later
    slice verified), the templates of each slice's context added. A slice whose window shows
    what its stored range does is searched as stored only; a slice over `budget` pixels is
    searched on its own, in pieces."""
    from radshare.core.redact.series import SeriesScanner, view

    detector_name(mode)
    scanners = (SeriesScanner(mode), SeriesScanner(mode))  # as stored, as displayed

    def prepared(index: int):
        """(stored, displayed or None) as the scanners see them, or None past the end or over budget."""
        if index >= len(slices) or mode not in ("auto", "tesseract") or over_budget(slices[index].frame[None], budget):
            return None
        one = slices[index]
        shown = views(one.dataset, one.frame[None], mode)
        return view(one.frame), (view(shown[1][0]) if len(shown) > 1 else None)

    following = prepared(0)
    for index, one in enumerate(slices):
        current, following = following, prepared(index + 1)
        regions = list(template_regions(one.context, one.frame.shape[0], one.frame.shape[1])) if mode != "off" else []
        if current is None:  # off, templates-only, or over the budget: searched on its own
            if mode not in ("off", "templates-only"):
                regions = search_frames(one.frame[None], one.dataset, one.context, mode, budget=budget)
            yield regions
            continue
        for k, (scanner, mine, next_one) in enumerate(zip(scanners, current, following or (None, None))):
            if mine is not None:
                with _passes_for(displayed=k > 0):
                    regions += scanner.scan(mine, next_one)
        yield regions
