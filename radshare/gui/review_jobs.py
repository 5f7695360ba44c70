"""Background text detection for the review: what the review worker runs (core calls only, no Qt).

An image is detected when it is opened, together with the other images of its series that are
not detected yet, through core's one search entry (core.redact.search): slices of one series
share a layout, so the first two are detected in full and the rest verified, in every view. Results come back image by
image (a generator: the Worker sends each through `yielded`), each with its own region objects,
read by OCR and matched to that image's identifiers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from radshare.core.model import Image, TextRegion


def detect_images(
    images: list[Image],
    mode: str = "auto",
    progress: Callable[..., None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Iterator[tuple[int, list[TextRegion]]]:
    """(index into `images`, regions) for each image, in order, as each is done.

    Single-frame images of one size are scanned as one series (core search.search_series); a
    multi-frame image (a cine) is scanned frame by frame inside itself (search.search_frames).
    Both search every view the image has (as stored, and as displayed in its own window). A
    cancel stops a cine between its frames (closing the window must not wait for a whole cine)
    and yields nothing for the image cut short.
    """
    from radshare.core.redact import _read
    from radshare.core.redact.search import Slice, search_frames, search_series
    from radshare.gui import services

    total = len(images)
    singles = [i for i, image in enumerate(images) if image.frame_count == 1]
    shapes = {images[i].frames.shape[1:] for i in singles}
    series_frames = [i for i in singles if len(shapes) == 1] if len(singles) > 1 else []
    done = 0

    def finish(index: int, regions: list[TextRegion]) -> tuple[int, list[TextRegion]]:
        nonlocal done
        image = images[index]
        regions = [replace(r) for r in regions]  # an image's regions are its own objects
        readable = [r for r in regions if r.source not in ("template", "ultrasound", "face")]
        if readable and mode != "templates-only":
            _read(image.frames, readable, services.identifiers_of(image))
        done += 1
        if progress is not None:
            progress(done, total)
        return index, regions

    if series_frames:
        slices = [Slice(images[i].frames[0], images[i].dataset, services.detection_context(images[i])) for i in series_frames]
        for index, regions in zip(series_frames, search_series(slices, mode)):
            if cancel is not None and cancel():
                return
            yield finish(index, regions)
    for index, image in enumerate(images):
        if index in series_frames:
            continue
        if cancel is not None and cancel():
            return
        regions = search_frames(image.frames, image.dataset, services.detection_context(image), mode, cancel=cancel)
        if cancel is not None and cancel():
            return  # a search cut short is no result: the image stays not detected
        yield finish(index, regions)
