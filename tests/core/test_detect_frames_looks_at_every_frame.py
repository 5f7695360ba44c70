"""`detect_frames` (the app's Detect and large images searched in tiles) looks at every frame:
a label that appears on one frame of an otherwise still cine changes the frame's overall grey
too little to count as a change, and used to be passed over."""

from __future__ import annotations

import cv2
import numpy as np

from radshare.core.redact.detect import detect_frames


def _cine() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    rng = np.random.default_rng(3)
    base = np.clip(rng.normal(60, 6, (256, 256)), 0, 255).astype(np.uint8)
    cv2.circle(base, (128, 140), 70, 120, -1)
    frames = np.stack([base.copy() for _ in range(4)])
    cv2.putText(frames[2], "SMITH 0421", (20, 230), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 230, 1)
    return frames, (20, 214, 120, 22)


def _covers(region, box) -> bool:
    x, y, w, h = box
    return region.x <= x + 5 and region.y <= y + 5 and region.x + region.w >= x + w - 10 and region.y + region.h >= y + h - 5


def test_a_label_on_one_quiet_frame_is_found_on_that_frame():
    frames, box = _cine()
    assert float(np.abs(frames[2].astype(int) - frames[1].astype(int)).mean()) < 2.0  # too small a change to notice globally
    regions = detect_frames(frames)
    assert any(r.frame in (2, None) and _covers(r, box) for r in regions), [(r.x, r.y, r.w, r.h, r.frame) for r in regions]
