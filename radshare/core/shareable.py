"""One way to make a shareable image: the reviewed text painted out, the view and annotations rendered.

Every path on which an image leaves RadShare as pixels goes through here: the composer, the
window's export (PNG/JPEG, DICOM, cine), `radshare post` (`pipeline.shareable_image`) and case
sets (`export/casework.py`). So they cannot disagree about what is painted out or drawn in.

Nothing here falls back. When the text regions cannot be painted, the identifiers cannot be
collected or a text cannot be scrubbed, the call raises and the caller writes or posts nothing:
a cleaning step that cannot run never lets the uncleaned pixels or text through.

The review gate: `Review` carries the reviewer's regions, the review state
(`model.Image.review`) and the explicit confirmation to share without review;
`Review.require` refuses an image whose burned-in text was neither reviewed nor confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from radshare.core import render
from radshare.core.errors import RadShareError
from radshare.core.model import Annotation, Identifiers, Image, TextRegion

if TYPE_CHECKING:
    from radshare.core.pipeline import Settings

ReviewState = Literal["not reviewed", "reviewed", "no text found"]
#: States in which detection ran and a person reviewed what it found (or it found nothing).
REVIEW_DONE: tuple[str, ...] = ("reviewed", "no text found")


class NotReviewed(RadShareError):
    """An image whose burned-in text was not reviewed, and sharing it unreviewed was not confirmed."""


@dataclass(frozen=True)
class Review:
    """What the reviewer decided about an image's burned-in text.

    `regions` are painted out unless marked `keep`; `state` is the image's review state;
    `unreviewed_confirmed` is the sharer's explicit confirmation to share it without review.
    """

    regions: tuple[TextRegion, ...] = ()
    state: ReviewState = "not reviewed"
    unreviewed_confirmed: bool = False

    @classmethod
    def of(cls, image: Image, unreviewed_confirmed: bool = False) -> "Review":
        return cls(tuple(image.regions), image.review, unreviewed_confirmed)

    @property
    def done(self) -> bool:
        return self.state in REVIEW_DONE

    @property
    def painted(self) -> list[TextRegion]:
        return [r for r in self.regions if not r.keep]

    def require(self, label: str) -> None:
        """Raise `NotReviewed` unless the review is done or sharing without it was confirmed."""
        if not self.done and not self.unreviewed_confirmed:
            raise NotReviewed(f"{label}: its burned-in text was not reviewed; review it, or confirm "
                              "sharing it without review")


@dataclass
class ShareableImage:
    """De-identified, text-redacted, rendered RGB pixels and what the PHI gate needs about them."""

    rgb: np.ndarray  # (rows, cols, 3) uint8, as the reader set the image up
    identifiers: Identifiers  # the original's, for checking texts only; never sent
    text_review_done: bool  # detection ran and was reviewed (or found nothing)
    kind: str  # "dicom" | "photo"
    text_regions: int = 0  # regions painted out

    def __repr__(self) -> str:  # identifiers must not reach logs or test output
        return f"ShareableImage({self.kind}, {self.rgb.shape}, text_review_done={self.text_review_done})"


def identifiers_of(image: Image) -> Identifiers:
    """What identifies the image's patient: its original header's identifiers and what its input's
    file and folder names say. Raises when they cannot be read, and nothing is then shared."""
    from radshare.core.deid.identifiers import image_identifiers

    return image_identifiers(image)


def default_view(image: Image, frame: int = 0) -> render.View:
    center, width = render.default_window(image, frame)
    return render.View(center=center, width=width)


def has_geometry(view: render.View | None) -> bool:
    """True when the view crops, rotates or flips the pixels."""
    return view is not None and bool(view.crop or view.rotation or view.flip_h or view.flip_v)


def painted_frames(image: Image, review: Review) -> np.ndarray:
    """The image's frames with every region not kept painted out (a new array when any is)."""
    painted = review.painted
    if not painted:
        return image.frames
    from radshare.core.redact.apply import apply_regions

    return apply_regions(image.frames, painted, image.photometric)


def make_shareable(
    image: Image,
    review: Review,
    view: render.View | None = None,
    annotations: Sequence[Annotation] = (),
    *,
    frame: int = 0,
    identifiers: Identifiers | None = None,
    zoom: float = 1.0,
) -> ShareableImage:
    """One frame of `image` as it may be shared: regions painted, `view` and `annotations` rendered.

    `view` defaults to the file's window (or the frame's percentile window). Annotation labels
    are scrubbed with `identifiers`, by default those of the image's own header: pass the
    original's when `image` already holds a de-identified header. `zoom` resamples the output
    (`render.output_zoom`), annotations drawn at that resolution.
    """
    frame = min(max(0, frame), image.frame_count - 1)
    identifiers = identifiers_of(image) if identifiers is None else identifiers
    view = view or default_view(image, frame)
    rgb = render.render_frame(image, frame, view, list(annotations), frames=painted_frames(image, review),
                              zoom=zoom, identifiers=identifiers)
    return ShareableImage(rgb, identifiers, review.done, image.kind, len(review.painted))


def shareable_frames(
    image: Image,
    review: Review,
    view: render.View | None = None,
    annotations: Sequence[Annotation] = (),
    *,
    frames: Iterable[int] | None = None,
    identifiers: Identifiers | None = None,
    zoom: float = 1.0,
) -> Iterator[np.ndarray]:
    """Every frame (or those in `frames`) rendered as `make_shareable` renders one; painted once."""
    identifiers = identifiers_of(image) if identifiers is None else identifiers
    view = view or default_view(image)
    painted = painted_frames(image, review)
    for index in range(image.frame_count) if frames is None else frames:
        yield render.render_frame(image, index, view, list(annotations), frames=painted, zoom=zoom,
                                  identifiers=identifiers)


def shareable_dicom(
    image: Image,
    review: Review,
    settings: Settings,
    view: render.View | None = None,
    annotations: Sequence[Annotation] = (),
) -> bytes:
    """The image as de-identified DICOM with the reviewed regions painted out.

    With annotations, or a view that crops, rotates or flips, every frame is rendered as shared
    and the pixels become RGB (see `pipeline.deidentified_image_dicom`).
    """
    from radshare.core import pipeline

    burned = None
    if annotations or has_geometry(view):
        burned = np.stack(list(shareable_frames(image, review, view, annotations)))
    return pipeline.deidentified_image_dicom(image, settings, regions=list(review.regions), burned_frames=burned)


def scrub_caption(text: str, identifiers: Identifiers) -> str:
    """Alt text or a caption through the one free-text de-identifier: the image's identifiers,
    ID/date patterns and every word the vocabulary does not know replaced. Its errors propagate."""
    from radshare.core.deid.text import deidentify_text

    return deidentify_text(text, identifiers).text
