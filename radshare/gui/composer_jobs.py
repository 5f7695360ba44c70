"""The composer's work in the thread pool: render, fit, fetch limits, publish. No widget is touched.

Each function is what `radshare post` does through the same core and uploader modules; the
composer runs them through `gui/workers.Op`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from radshare.core.model import Image
from radshare.gui.ledger_jobs import publish_recorded
from radshare.uploaders.base import (
    Cancel, Limits, Post, PreparedImage, Progress, PublishResult, UploaderProtocol, close_uploader,
)

if TYPE_CHECKING:
    from radshare.core.render import View
    from radshare.uploaders.compose import SourceImage

#: One image to prepare: (row, image, view, frame, the source already rendered or None).
PrepareJob = tuple[int, Image, "View | None", int, "SourceImage | None"]
#: What `prepare_rows` answers: the limits it fitted to, the sources and the prepared images by row.
Prepared = tuple[Limits, dict[int, "SourceImage"], dict[int, PreparedImage]]


def render_source(image: Image, view: View | None, frame: int) -> SourceImage:
    """De-identified RGB pixels of one image as the reader set it up, plus what the gate needs.

    Made by `core.shareable.make_shareable`, as every export is; when it cannot paint the regions
    or read the identifiers it raises, and the image cannot be posted.
    """
    from radshare.core.shareable import Review, make_shareable
    from radshare.uploaders.compose import SourceImage

    made = make_shareable(image, Review.of(image), view, image.annotations, frame=frame)
    return SourceImage(rgb=made.rgb, identifiers=made.identifiers, text_review_done=made.text_review_done,
                       deidentified=True)


def prepare_rows(jobs: list[PrepareJob], limits: Limits, progress: Progress | None = None,
                 cancel: Cancel | None = None) -> Prepared:
    """Render (where no source is known yet) and fit each job's image to `limits`.

    Returns the limits (so a late answer for other limits can be recognized), the sources and the
    prepared images by row: the bytes the preview shows and the post sends, made by core's
    fitting (`uploaders.compose.prepare_images`).
    """
    from radshare.uploaders.compose import prepare_images

    sources: dict[int, SourceImage] = {}
    prepared: dict[int, PreparedImage] = {}
    for done, (row, image, view, frame, source) in enumerate(jobs):
        if cancel is not None and cancel():
            break
        if progress is not None:
            progress(done, len(jobs), "Preparing")
        source = source if source is not None else render_source(image, view, frame)
        sources[row] = source
        images, _ = prepare_images([source], limits, alt_texts=[""])
        ext = "jpg" if images[0].format == "jpeg" else "png"
        prepared[row] = dataclasses.replace(images[0], filename=f"image-{row + 1}.{ext}")
    return limits, sources, prepared


def fetch_limits(uploader: UploaderProtocol, progress: Progress | None = None, cancel: Cancel | None = None) -> Limits:
    """The server's own limits (for targets that declare `features.live_limits`); closes the uploader."""
    try:
        return uploader.fetch_limits()  # type: ignore[attr-defined]
    finally:
        close_uploader(uploader)


def publish_and_close(uploader: UploaderProtocol, post: Post, record: dict[str, str],
                      images: list[tuple[Image, int]], progress: Progress | None = None,
                      cancel: Cancel | None = None) -> PublishResult:
    """Publish and record the post (`ledger_jobs.publish_recorded`), then close the uploader."""
    try:
        return publish_recorded(uploader, post, record, images, progress=progress, cancel=cancel)
    finally:
        close_uploader(uploader)


def offline_problems(cls: type[UploaderProtocol], settings: dict[str, str], limits: Limits, post: Post) -> list[str]:
    """The target's own offline checks (`validate`) against `limits`, with an uploader that holds
    no secret (closed after); a plugin whose `validate` fails is named, never a crash."""
    try:
        uploader = cls(settings, "unused-for-offline-checks")  # type: ignore[call-arg]
        try:
            uploader.limits = limits  # type: ignore[misc]
            return list(uploader.validate(post))
        finally:
            close_uploader(uploader)
    except Exception as exc:  # a plugin's validate must not break the dialog
        return [f"{cls.display_name}: {type(exc).__name__}"]
