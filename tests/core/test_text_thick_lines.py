"""20-24 px text on a small frame makes a box thicker than a line may be, and it is still painted.

On 256-320 px frames `verify.line_sized` allows a line box 24-30 px thick (verification.line_max_share),
while a thin 20-24 px Hershey line or vertical label makes a 28-33 px box. Such a box was kept
only when tesseract read it surely, and tesseract reads thin Hershey strokes poorly: 5 of the 6
pixel leaks left on the unseen-data probe (benchmarks/unseen_leaks.py). The learned recogniser now
reads it too (verify.reads_large). A thick box over text-free anatomy is still dropped: the
recogniser may keep boxes at most recognition.thick_max_share of the short side thick.
"""

from __future__ import annotations

import numpy as np
import pytest

from radshare.core.redact.detect import detect_text
from tests.core.test_text_recall_hard_kinds import _burn, _grey_ground, _hershey, _painted
from tests.fixtures.anatomy import make_anatomy
from tests.fixtures.legibility import still_legible
from tests.fixtures.textimages import coverage, painted_mask


def _planted(kind: str, size: int, text: str, px: int, vertical: bool) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    img = _grey_ground(kind, 3, size)
    mask = _hershey(text, px)
    if vertical:
        mask = np.rot90(mask)
    x, y = (size - mask.shape[1] - 4, 30) if vertical else (4, size - mask.shape[0] - 6)
    box = _burn(img, mask, x, y, 255)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8), box


@pytest.mark.parametrize(
    "kind, size, text, px, vertical",
    [
        ("mr-brain", 256, "NP5554039", 24, False),  # 0% painted before reads_large
        ("ct-body", 256, "2014.09.21", 20, True),  # 44% painted before; tesseract reads 4 characters unpainted
        ("cr-chest", 256, "03/25/1932", 20, True),  # 0% painted before
    ],
)
def test_a_thin_20_to_24px_hershey_line_on_a_small_frame_is_painted(kind, size, text, px, vertical):
    image, box = _planted(kind, size, text, px, vertical)
    regions = detect_text(image)
    assert coverage(painted_mask(image.shape, regions), box) >= 0.9
    assert still_legible(_painted(image, regions), box, text, px) == 0


def test_the_vertical_label_is_legible_unpainted():
    """The legibility check above can fail: tesseract reads the vertical date before painting."""
    image, box = _planted("ct-body", 256, "2014.09.21", 20, True)
    assert still_legible(image, box, "2014.09.21", 20) >= 3


def test_a_thick_box_over_text_free_anatomy_on_a_small_frame_stays_unpainted():
    """A 320 px NM frame where the recogniser reads three sure characters in a 68 px thick box
    over hot spots (0.21 of the short side): over recognition.thick_max_share, it is not kept."""
    assert detect_text(make_anatomy("nm", 1329, (320, 320))) == []
