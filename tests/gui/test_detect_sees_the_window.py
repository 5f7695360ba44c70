"""The app's Detect looks at a DICOM image as the review shows it, in its own window: a name burned
at the window's top (white on screen) is proposed even where the stored range shows it less than
a grey level off the brain (a marker at the largest stored value widens that range)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from radshare.core.redact.settings import overridden
from radshare.core.sources import image_from_dataset
from tests.fixtures.dicom_factory import make_image

LINES = {(60, 50): "KOWALCZYK", (60, 74): "ID 4417093"}


def _brain_ct():
    ds = make_image(rows=256, cols=256, bits=16, stored=16)
    yy, xx = np.mgrid[0:256, 0:256]
    hu = np.where(((xx - 128) / 125) ** 2 + ((yy - 128) / 120) ** 2 < 1, 30.0, -1000.0)
    hu += np.random.default_rng(2).normal(0, 6, hu.shape)
    for origin, text in LINES.items():
        cv2.putText(hu, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.6, 80.0, 2, cv2.LINE_8)
    hu[8:24, 228:244] = 65535 - 1024  # the device's marker at the largest stored value
    ds.PixelData = np.clip(np.rint(hu) + 1024, 0, 65535).astype(np.uint16).tobytes()
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.WindowCenter, ds.WindowWidth = 40, 80
    return ds


def _covered(regions) -> float:
    mask = np.zeros((256, 256), bool)
    for r in regions:
        mask[r.y : r.y + r.h, r.x : r.x + r.w] = True
    return float(mask[36:78, 60:180].mean())  # the two lines' band


@pytest.mark.parametrize("display_view", [True, False])
def test_detect_proposes_text_at_the_window_edge(display_view):
    from radshare.gui.review_jobs import detect_images

    image = image_from_dataset(_brain_ct(), "ct.dcm")
    with overridden(display_view={"enabled": display_view}):
        regions = [r for _, found in detect_images([image]) for r in found]
    if display_view:
        assert _covered(regions) > 0.8
    else:  # the stored range alone: the reason the display view exists
        assert _covered(regions) < 0.2
