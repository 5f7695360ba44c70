"""From de-identified images to a `Post` a plugin can send, plus what the PHI gate needs.

Shared by `radshare post` and the GUI composer so both prepare and gate posts the same way:
core fits each image to the target's limits (`radshare.core.prepare`), the texts are attached,
and a `GateImage` records each image's provenance for `gate.check_post`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from radshare.core.model import Identifiers
from radshare.core.prepare import FittedImage, fit_to_limits
from radshare.uploaders.base import Limits, Post, PreparedImage
from radshare.uploaders.gate import GateImage


@dataclass
class SourceImage:
    """De-identified pixels and their provenance: what a `ShareableImage` from core gives.

    `deidentified` is True only for pixels that came out of RadShare's de-identification
    (`radshare.core.shareable.make_shareable`, also behind `pipeline.shareable_image`).
    """

    rgb: np.ndarray
    identifiers: Identifiers
    text_review_done: bool
    deidentified: bool = True

    @classmethod
    def from_shareable(cls, shareable: Any) -> "SourceImage":
        return cls(
            rgb=shareable.rgb,
            identifiers=shareable.identifiers,
            text_review_done=bool(shareable.text_review_done),
            deidentified=True,
        )

    def __repr__(self) -> str:
        return f"SourceImage({self.rgb.shape}, text_review_done={self.text_review_done})"


def prepare_images(
    sources: Sequence[SourceImage],
    limits: Limits,
    alt_texts: Sequence[str],
    captions: Sequence[str] = (),
    prefer: str | None = None,
) -> tuple[list[PreparedImage], list[FittedImage]]:
    """Fit every source to `limits` and attach its alt text (and optional per-image caption).

    `alt_texts` holds one text for all images or one per image.
    """
    prepared: list[PreparedImage] = []
    fitted_all: list[FittedImage] = []
    for index, source in enumerate(sources):
        fitted = fit_to_limits(source.rgb, limits, prefer=prefer)  # type: ignore[arg-type]
        ext = "jpg" if fitted.format == "jpeg" else "png"
        prepared.append(
            PreparedImage(
                data=fitted.data,
                format=fitted.format,
                width=fitted.width,
                height=fitted.height,
                alt_text=_pick(alt_texts, index),
                caption=_pick(captions, index),
                filename=f"image-{index + 1}.{ext}",
            )
        )
        fitted_all.append(fitted)
    return prepared, fitted_all


def build_post(
    sources: Sequence[SourceImage],
    limits: Limits,
    *,
    alt_texts: Sequence[str],
    caption: str = "",
    title: str = "",
    captions: Sequence[str] = (),
    draft: bool = False,
    visibility: str | None = None,
    content_warning: str = "",
    options: dict[str, str] | None = None,
    prefer: str | None = None,
) -> tuple[Post, list[GateImage]]:
    """A ready `Post` and the matching `GateImage`s (same order) for `gate.check_post`."""
    images, _ = prepare_images(sources, limits, alt_texts, captions, prefer=prefer)
    post = Post(
        images=images,
        caption=caption,
        title=title,
        draft=draft,
        visibility=visibility,
        content_warning=content_warning,
        options=dict(options or {}),
    )
    gates = [GateImage(s.deidentified, s.text_review_done, s.identifiers) for s in sources]
    return post, gates


def _pick(values: Sequence[str], index: int) -> str:
    if not values:
        return ""
    if len(values) == 1:
        return values[0]
    return values[index] if index < len(values) else ""
