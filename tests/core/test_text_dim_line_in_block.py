"""A dim line in a block with a bright one: a device's corner block on an MR writes one line at the
largest value and the next a few tens of grey levels over the dark ground. A box holding both is
stretched by its brightest ink, so the dim line stays a few levels off its ground and is read as
nothing; the recogniser now also reads such a crop line by line with the bright rows blanked
(`recognise._dim_lines`, `[dim_lines]`). The rescue is shown failing with the pass off, and the
view is shown not to appear where the rest of the crop is noise (no dim line to read)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from radshare.core.redact import recognise
from radshare.core.redact.settings import overridden
from tests.fixtures.textimages import FONT_DIR

BRIGHT, DIM = "F/18Y 60KG", "Acc 28248721"


def _line(img: np.ndarray, text: str, y: int, value: float | None, dim: float = 28) -> tuple[int, int, int, int]:
    """`text` in 12 px bold condensed type without anti-aliasing at (12, y) in `value` (or `dim`
    grey levels over the ground's median under it); its ink box."""
    face = ImageFont.truetype(str(FONT_DIR / "DejaVuSansCondensed-Bold.ttf"), size=12)
    canvas = Image.new("L", (160, 18), 0)
    draw = ImageDraw.Draw(canvas)
    draw.fontmode = "1"
    draw.text((2, 2), text, fill=255, font=face)
    mask = np.asarray(canvas, np.float32) / 255
    patch = img[y : y + mask.shape[0], 12 : 12 + mask.shape[1]]
    ink = value if value is not None else float(np.median(patch)) + dim
    img[y : y + mask.shape[0], 12 : 12 + mask.shape[1]] = patch * (1 - mask) + ink * mask
    ys, xs = np.nonzero(mask)
    return (12 + int(xs.min()), y + int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))


def _frame(seed: int, dim_line: bool = True) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A dark 256 px MR-like frame (noise of sigma 3 around grey 4, a bright disc of anatomy) with
    a corner block: BRIGHT in 255, under it DIM 28 levels over the ground; (frame, the block's box)."""
    rng = np.random.default_rng(seed)
    img = np.clip(rng.normal(4, 3, (256, 256)), 0, 255)
    yy, xx = np.mgrid[0:256, 0:256]
    disc = (yy - 110) ** 2 + (xx - 140) ** 2 < 90**2
    img[disc] += 90 + rng.normal(0, 8, int(disc.sum()))
    top = _line(img, BRIGHT, 205, 255.0)
    bottom = _line(img, DIM, top[1] + top[3] + 4, None) if dim_line else top
    x0, x1 = min(top[0], bottom[0]), max(top[0] + top[2], bottom[0] + bottom[2])
    return np.clip(img, 0, 255).astype(np.uint8), (x0, top[1], x1 - x0, bottom[1] + bottom[3] - top[1])


def test_the_dim_line_of_a_block_is_read():
    """Ten sure characters: only the dim line holds that many (the bright one has nine)."""
    for seed in range(3):
        image, block = _frame(seed)
        assert recognise.reads_glyphs(image, block, 10, 0.8)


def test_without_dim_lines_the_dim_line_is_not_read():
    """The test above can fail: stretched by the bright line, the dim one is read as nothing."""
    image, block = _frame(0)
    with overridden(dim_lines={"enabled": False}):
        assert not recognise.reads_glyphs(image, block, 10, 0.8)


def test_no_dim_view_where_the_rest_is_noise():
    """A bright line on noise with no dim line beside it: the rest, stretched to full range, is
    noise over most of its rows, so no view is made of it (it would only be read as noise)."""
    rng = np.random.default_rng(5)
    image = np.clip(rng.normal(60, 12, (64, 200)), 0, 255)
    box = _line(image, BRIGHT, 20, 255.0)
    image = image.astype(np.uint8)
    x, y, w, h = box
    crop = recognise._crop(image, (x, y - 8, w, h + 16))
    assert list(recognise._dim_lines(crop)) == []


def test_a_single_bright_line_gives_no_dim_view():
    image, box = _frame(1, dim_line=False)
    assert list(recognise._dim_lines(recognise._crop(image, box))) == []
