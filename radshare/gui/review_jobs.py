"""Background text detection for the review: what the review worker runs (core calls only, no Qt).

An image is detected when it is opened, together with the other images of its series that are
not detected yet, through the series path (core.redact.series): slices of one series share a
layout, so the first two are detected in full and the rest verified. Results come back image by
image (a generator: the Worker sends each through `yielded`), each with its own region objects,
read by OCR and matched to that image's identifiers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from radshare.core.model import Image, TextRegion


def detect_images(
    images: list[Image],
    mode: str = "auto",
    progress: Callable[..., None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Iterator[tuple[int, list[TextRegion]]]:
    """(index into `images`, regions) for each image, in order, as each is done.

    Single-frame images of one size are scanned as one series; a multi-frame image (a cine) is
    scanned frame by frame inside itself. Stops between images when cancelled.
    """
    from radshare.core.redact import _read, display_regions, frame_regions
    from radshare.core.redact.series import iter_series
    from radshare.core.redact.templates import template_regions
    from radshare.gui import services

    total = len(images)
    singles = [i for i, image in enumerate(images) if image.frame_count == 1]
    shapes = {images[i].frames.shape[1:] for i in singles}
    series_frames = [i for i in singles if len(shapes) == 1] if len(singles) > 1 else []
    done = 0

    def finish(index: int, regions: list[TextRegion], shown: list[TextRegion] | None = None) -> tuple[int, list[TextRegion]]:
        nonlocal done
        image = images[index]
        if shown is None and image.dataset is not None:  # also as the user sees it, in its own window
            shown = display_regions(image.dataset, image.frames, mode)
        regions = [replace(r) for r in list(regions) + (shown or [])]  # an image's regions are its own objects
        readable = [r for r in regions if r.source not in ("template", "ultrasound", "face")]
        if readable and mode != "templates-only":
            _read(image.frames, readable, services.identifiers_of(image))
        done += 1
        if progress is not None:
            progress(done, total)
        return index, regions

    if series_frames:
        scan = iter_series([images[i].frames[0] for i in series_frames], None, mode)
        shown = _displayed_series([images[i] for i in series_frames], mode)
        for index, regions in zip(series_frames, scan):
            if cancel is not None and cancel():
                return
            image = images[index]
            context = services.detection_context(image)
            templates = template_regions(context, image.frames.shape[1], image.frames.shape[2]) if context else []
            yield finish(index, list(templates) + regions, next(shown))
    for index, image in enumerate(images):
        if index in series_frames:
            continue
        if cancel is not None and cancel():
            return
        yield finish(index, frame_regions(image.frames, services.detection_context(image), mode))


class _Displayed(Sequence):
    """The series' frames as displayed in their own windows, made one by one as the scan asks
    (a frame whose window shows what its stored range does is given as stored, 8-bit)."""

    def __init__(self, images: list[Image]):
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        from radshare.core.redact.pixels import to_uint8
        from radshare.core.redact.window import display_frames

        image = self.images[index]
        view = display_frames(image.dataset, image.frames) if image.dataset is not None else None
        return to_uint8(image.frames[0]) if view is None else view[0]


def _displayed_series(images: list[Image], mode: str) -> Iterator[list[TextRegion]]:
    """Regions found on a series as displayed, through the series path (detected once per layout,
    as the stored frames are), one list per image; empty lists when the first image's window shows
    what its stored range does (core redact.display_regions decides the same way)."""
    from radshare.core.redact.series import iter_series
    from radshare.core.redact.window import display_frames

    first = images[0]
    if mode != "auto" or first.dataset is None or display_frames(first.dataset, first.frames[:1]) is None:
        return iter([] for _ in images)
    return iter_series(_Displayed(images), None, mode)
