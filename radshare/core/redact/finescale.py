"""Big frames searched again at a finer scale, where their text is the size DB reads best.

Why: the main pass shrinks every frame to the network's 512 px (learned.db_long_side). Devices
scale burned-in text with the matrix, so on a 1024 px MR or a 2048 px photo the same 8-20 px
text (per 1024 px) is 3-10 px at the network, and one-pixel strokes fall between the pixels the
shrinking samples: DB found such lines in pieces or not at all, and no second look reaches them
(those enlarge only faint boxes, and small ones). At long_side px the frame's text is back at its
1024 px size. The pass's boxes join DB's own and are checked and read like them.

Frames between the two sizes (a 640x480 ultrasound, photo or screenshot) are shrunk by the main
pass too, up to 2x, and get no finer pass: 9 px text on a 640 px photo is 7 px at the network,
and DB found none of three such lines there, all of them at the frame's own size
(`native_boxes`, in every view of the frame: grey, luminance and chroma).
"""

from __future__ import annotations

import numpy as np

from radshare.core.redact import dbnet
from radshare.core.redact.settings import current as settings

Box = tuple[int, int, int, int]


def fine_boxes(lc: np.ndarray) -> list[Box]:
    """DB's boxes on `lc` (a frame's local contrast) at fine_scale.long_side px, for frames whose
    long side is fine_scale.min_side px or more; none for smaller frames or with the pass off."""
    rows, cols = lc.shape[:2]
    if not settings().fine_scale.enabled or max(rows, cols) < settings().fine_scale.min_side:
        return []
    return [b[:4] for b in dbnet.detect(lc, settings().fine_scale.long_side)]


def native_boxes(lc: np.ndarray) -> list[Box]:
    """DB's boxes on `lc` (one view's local contrast) at the frame's own size, for frames longer
    than learned.db_long_side and shorter than fine_scale.min_side; none for others or with
    fine_scale.native off."""
    rows, cols = lc.shape[:2]
    if not settings().fine_scale.native or not settings().learned.db_long_side < max(rows, cols) < settings().fine_scale.min_side:
        return []
    return [b[:4] for b in dbnet.detect_native(lc)]
