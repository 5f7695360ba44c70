"""Every image is scanned, so the detector must leave anatomy alone: the offenders the issue found
(the demo's CT, a speckled ultrasound cine, colour Doppler and cardiac regions, XA, camera
photos) and pydicom's own text-free test images get no box over their anatomy.

Since every box must be read by the learned recogniser (verify.read_as_text), they get no box at
all, or one: with it off, 17 of these tests fail."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from radshare.core.redact.detect import detect_frames, detect_text
from radshare.core.sample import _ct_slice
from tests.fixtures.anatomy import KINDS, make_anatomy, us
from tests.fixtures.textimages import coverage, painted_mask


def painted_share(image: np.ndarray, regions) -> float:
    return float(painted_mask(image.shape, regions).mean())


def largest_share(image: np.ndarray, regions) -> float:
    return max((r.w * r.h / (image.shape[0] * image.shape[1]) for r in regions), default=0.0)


@pytest.mark.parametrize("index", range(4))
def test_demo_ct_slices_get_no_box_over_the_body(index):
    """Detect proposed one 224x167 box over the whole body of the demo's CT #2; accepted, it blanked it."""
    pixels = _ct_slice(index, "1.2.3", "1.2.4").pixel_array
    assert not detect_text(pixels)


@pytest.mark.parametrize("kind", KINDS)
def test_text_free_image_of_every_modality_keeps_its_anatomy(kind):
    """At most one box and under 0.5% painted (seed 0 of the benchmark's kinds).

    Before the anatomy checks: up to 80.7% painted (the whole chest), 26-53% on CT, knee and hand;
    before the recogniser: chest 5.1%, PET 3.6%, up to 13 boxes (NM)."""
    image = make_anatomy(kind, 0)
    regions = detect_text(image)
    assert len(regions) <= 1, [r.as_box() for r in regions]
    assert painted_share(image, regions) <= 0.005


def test_text_free_images_of_every_modality_average_under_a_tenth_of_a_box():
    """Seeds 1 and 2 of every kind (32 images): the issue's target is 0.05 false boxes per text-free
    image; 2 boxes are pinned (0.06; 0.04 and 0.02 on the benchmark's seeds 7 and 31)."""
    counts = {(kind, seed): len(detect_text(make_anatomy(kind, seed))) for kind in KINDS for seed in (1, 2)}
    assert sum(counts.values()) <= 2, {k: v for k, v in counts.items() if v}


def test_colour_regions_and_xa_are_not_blacked_out():
    """Colour Doppler, colour cardiac and an XA angiogram: the issue saw a bar over the heart, a block
    of the angiogram and the whole Doppler region painted."""
    for kind in ("us-doppler", "us-cardiac-colour", "xa"):
        for seed in (1, 2):
            image = make_anatomy(kind, seed)
            regions = detect_text(image)
            assert largest_share(image, regions) <= 0.10, (kind, seed)
            assert painted_share(image, regions) <= 0.03, (kind, seed)


def test_camera_photos_get_almost_no_boxes():
    """Text-free camera photos drew 66-70 scattered boxes; now at most a couple."""
    counts = [len(detect_text(make_anatomy("photo", seed))) for seed in range(3)]
    assert sum(counts) <= 3, counts


def test_ultrasound_cine_boxes_are_its_label_not_its_speckle():
    """A 10-frame cine of changing speckle with one burned-in label: 18 of 20 proposed boxes were
    speckle inside the sector. The label is covered on every frame, and no box is in the sector: the
    recogniser reads speckle as nothing (52 boxes before it, 89 before the anatomy checks)."""
    rng = random.Random(5)
    frames = []
    for i in range(10):
        frame = us(rng, np.random.default_rng(100 + i), (480, 640))
        cv2.putText(frame, "HALVORSEN MRN 00412345", (12, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.55, 235, 1, cv2.LINE_AA)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    stack = np.stack(frames)
    regions = detect_frames(stack)
    label = (10, 8, 230, 20)
    for index in range(10):
        assert coverage(painted_mask(stack.shape[1:], regions, index), label) >= 0.9
    in_sector = {r.as_box() for r in regions if r.y > 60 and coverage(painted_mask(stack.shape[1:], [r]), label) == 0}
    assert not in_sector, in_sector


# pydicom's own test images, installed with it (so the tests run offline); all hold no text.
# Painted before the anatomy checks -> before the recogniser -> now: CT_small 42.7% (one box of 32%)
# -> 7.6% -> 0, MR_small 48.3% -> 3.8% -> 0, examples_overlay 11.6% -> 6.8% -> 0, JPEG2000 0.4% -> 0.
# The worst offenders of the real-world set, pinned; benchmarks/text_redaction.py --realworld
# measures the wider set.
OFFLINE_TEXT_FREE = ("CT_small.dcm", "MR_small.dcm", "examples_overlay.dcm", "JPEG2000.dcm")


@pytest.mark.parametrize("name", OFFLINE_TEXT_FREE)
def test_pydicom_text_free_test_images_get_no_box(name):
    from pydicom.data import get_testdata_file

    from radshare.core.redact.apply import decode_frames
    from radshare.core.sources import read_dicom

    path = get_testdata_file(name)
    with open(path, "rb") as handle:
        frames, _ = decode_frames(read_dicom(handle.read(), name))
    assert not detect_text(frames[0])
