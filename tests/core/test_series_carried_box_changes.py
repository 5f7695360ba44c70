"""A field that changes inside a box the layout carries costs no new detection, and text that grows
out of its box is still painted on every frame (issue 19, series21).

Held-out real series (benchmarks/series_text.py --held-out) showed the series path detecting most
frames of a 16-bit MR series whole: the frame counter changing in its place, and the fixed corner
block whose 8-bit grey moves with each slice's own range, flagged their frame on every frame,
although both lie inside boxes painted on every frame anyway; the bands around them covered most
of a 256-row frame. Here: 16-bit slices of smooth anatomy whose range changes from slice to slice,
a fixed name block and a counter "Im: k/12" at the bottom left, growing by a digit at its sixth frame.
"""

from __future__ import annotations

import cv2
import numpy as np

from radshare.core.redact.series import Stats, detect_series
from radshare.core.redact.settings import overridden

COUNT = 8


def _mask(text: str) -> np.ndarray:
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
    canvas = np.zeros((h + base + 4, w + 4), np.uint8)
    cv2.putText(canvas, text, (2, h + 2), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 255, 1, cv2.LINE_AA)
    return canvas / 255.0


def _series() -> tuple[np.ndarray, list[list[tuple[int, int, np.ndarray]]]]:
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:256, 0:256]
    frames, planted = [], []
    for k in range(COUNT):
        # the same head, its values scaled slice to slice (so its own 8-bit view holds still while
        # the overlay's moves), fine noise
        inside = ((yy - 140) / 70) ** 2 + ((xx - 128) / 70) ** 2 < 1  # clear of the overlay and the ring around it
        frame = np.where(inside, (300 + 120 * np.cos(xx / 7) * np.sin(yy / 9)) * (1 + 0.15 * k), 0) + rng.normal(0, 2, (256, 256))
        here = []
        for text, y in (("SZABO ANNA", 6), ("ID 4471920", 24), (f"Im: {k + 5}/{COUNT + 4}", 226)):
            mask = _mask(text)
            patch = frame[y : y + mask.shape[0], 6 : 6 + mask.shape[1]]
            patch[:] = patch * (1 - mask) + 700 * mask  # the window's edge, below most slices' own maximum
            here.append((6, y, mask > 0.5))
        frames.append(np.clip(np.rint(frame), 0, 4095).astype(np.uint16))
        planted.append(here)
    return np.stack(frames), planted


def _run(skip: bool) -> tuple[Stats, list[float]]:
    frames, planted = _series()
    stats = Stats()
    with overridden(series={"skip_carried": skip}):
        per_frame = detect_series(frames, stats=stats)
    shares = []
    for regions, here in zip(per_frame, planted):
        painted = np.zeros(frames.shape[1:], bool)
        for r in regions:
            painted[r.y : r.y + r.h, r.x : r.x + r.w] = True
        shares += [float(painted[y : y + ink.shape[0], x : x + ink.shape[1]][ink].mean()) for x, y, ink in here]
    return stats, shares


def test_changes_inside_carried_boxes_cost_no_whole_frame_detection() -> None:
    on, shares = _run(skip=True)
    off, _ = _run(skip=False)
    assert min(shares) >= 0.9, "every planted string (the counter too, after it grows) is painted on every frame"
    assert on.full < off.full, f"whole-frame detections: {on.full} with carried boxes skipped, {off.full} without"
    assert on.full <= COUNT // 2, on
