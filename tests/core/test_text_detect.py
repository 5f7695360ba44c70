"""Text detection on generated images: planted text is found, calipers/rulers/arrows are not."""

from __future__ import annotations


import numpy as np
import pytest

from radshare.core.redact import DetectContext, detect_frames, detect_text, detector_name
from tests.fixtures.textimages import coverage, make_sample, marks_painted, painted_mask



@pytest.mark.parametrize("seed", [11, 12, 13])
def test_normal_contrast_text_is_covered_on_each_background(seed):
    sample = make_sample(seed, n_texts=5, n_marks=0, background=["us", "cr", "ct"][seed % 3], low_contrast=False, vertical=False)
    mask = painted_mask(sample.image.shape, detect_text(sample.image))
    covered = [coverage(mask, t.box) >= 0.9 for t in sample.texts]
    assert sum(covered) >= len(covered) - 1, covered


def test_vertical_text_is_covered():
    sample = make_sample(21, n_texts=4, n_marks=0, background="ct", vertical=True, low_contrast=False)
    mask = painted_mask(sample.image.shape, detect_text(sample.image))
    assert sum(coverage(mask, t.box) >= 0.9 for t in sample.texts) >= len(sample.texts) - 1


def test_sixteen_bit_and_rgb_frames_are_normalised():
    sample = make_sample(31, n_texts=3, n_marks=0, background="ct", low_contrast=False, vertical=False)
    sixteen = sample.image.astype(np.uint16) * 16
    rgb = np.repeat(sample.image[..., None], 3, axis=2)
    for frame in (sixteen, rgb):
        mask = painted_mask(frame.shape, detect_text(frame))
        assert sum(coverage(mask, t.box) >= 0.9 for t in sample.texts) >= len(sample.texts) - 1


def test_calipers_rulers_and_arrows_are_mostly_left_alone():
    """Benchmark-like images (text and markings together). Target is <= 10% (benchmark measures
    about 7% today); this guards against regressions, not the target itself. On images with
    markings and no text at all the DB model is more trigger-happy (about 30%): known gap."""
    hits, total = marks_painted(detect_text, (41, 42, 43, 44, 45))
    assert total >= 15
    assert hits / total <= 0.2, (hits, total)


def test_multi_frame_text_is_found_on_every_frame_even_when_it_moves():
    base = make_sample(51, n_texts=2, n_marks=0, background="ct", low_contrast=False, vertical=False)
    moved = make_sample(52, n_texts=2, n_marks=0, background="ct", low_contrast=False, vertical=False)
    frames = np.stack([base.image, base.image, moved.image, moved.image])
    regions = detect_frames(frames)
    for index, sample in ((0, base), (1, base), (2, moved), (3, moved)):
        mask = painted_mask(frames.shape[1:], regions, frame=index)
        assert all(coverage(mask, t.box) >= 0.9 for t in sample.texts), index


def test_templates_only_and_off_modes():
    frame = np.zeros((100, 300), np.uint8)
    context = DetectContext(manufacturer="RadShare Test Device Inc", model="Template Probe X")
    regions = detect_text(frame, context, mode="templates-only")
    assert [(r.x, r.y, r.w, r.h, r.source) for r in regions] == [(0, 0, 200, 20, "template")]
    assert detect_text(frame, context, mode="off") == []
    assert detector_name("off") == "off"
    with pytest.raises(ValueError):
        detector_name("bogus")


def test_ultrasound_rule_paints_outside_the_regions():
    frame = np.zeros((200, 300), np.uint8)
    context = DetectContext(modality="US", ultrasound_regions=[(50, 40, 250, 180)])
    regions = detect_text(frame, context, mode="templates-only")
    mask = painted_mask(frame.shape, regions)
    assert mask[:40].all() and mask[180:].all() and mask[:, :50].all() and mask[:, 250:].all()
    assert not mask[40:180, 50:250].any()
