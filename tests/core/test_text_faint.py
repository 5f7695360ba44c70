"""Faint, small and vertical burned-in text on ultrasound-like frames is found and painted out,
so that OCR reads none of it afterwards; calipers and rulers beside it are left alone."""

from __future__ import annotations

import random

import numpy as np
import pytest

from radshare.core.redact import apply_regions, classical, detect_text
from tests.fixtures.textimages import coverage, make_background, make_sample, marks_painted, painted_mask, plant_mark, plant_text



def ultrasound_frame(seed: int, **text_options):
    """A speckled ultrasound-like frame with four planted strings (see tests/fixtures/textimages.py)."""
    return make_sample(seed, n_texts=4, n_marks=0, background="us", vertical=False, **text_options)


def _tesseract_reads(image: np.ndarray) -> str:
    """Everything tesseract reads in the frame, at 3x (so that small text has its best chance)."""
    import cv2
    import pytesseract

    big = cv2.resize(image, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    return " ".join(pytesseract.image_to_string(big, config=f"--psm {psm}") for psm in (6, 11))


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


@pytest.mark.parametrize("seed", [101, 102, 103])
def test_faint_text_on_speckle_is_found(seed):
    sample = ultrasound_frame(seed, low_contrast=True)
    mask = painted_mask(sample.image.shape, detect_text(sample.image))
    covered = [coverage(mask, t.box) >= 0.9 for t in sample.texts]
    assert sum(covered) >= len(covered) - 1, [(t.text, t.height) for t, c in zip(sample.texts, covered) if not c]


@pytest.mark.parametrize("seed", [111, 112, 113])
def test_small_text_on_speckle_is_found(seed):
    sample = ultrasound_frame(seed, height=random.Random(seed).randint(8, 10), low_contrast=False)
    mask = painted_mask(sample.image.shape, detect_text(sample.image))
    covered = [coverage(mask, t.box) >= 0.9 for t in sample.texts]
    assert sum(covered) >= len(covered) - 1, [(t.text, t.height) for t, c in zip(sample.texts, covered) if not c]


def test_tesseract_reads_none_of_the_planted_strings_after_painting():
    """Before: tesseract reads some planted strings (so the check can fail). After: none."""
    pytest.importorskip("pytesseract")
    rng = random.Random(7)
    image = make_background("us", (512, 512), rng)
    taken: list = []
    texts = [
        plant_text(image, rng, taken, text=text, height=height, low_contrast=low, vertical=False)
        for text, height, low in (
            ("OKAFOR^ROSSI", 22, False), ("KOWALSKI", 18, True), ("19560823", 10, False),
            ("ID: Q48213", 9, False), ("NGUYEN", 26, True),
        )
    ]
    texts = [t for t in texts if t is not None]
    frame = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    wanted = [_alnum(t.text) for t in texts]
    before = _alnum(_tesseract_reads(frame))
    assert any(w in before for w in wanted), before
    painted = apply_regions(frame[None], detect_text(frame))[0]
    after = _alnum(_tesseract_reads(painted))
    assert not [w for w in wanted if w in after], after
    for w in wanted:  # no run of 4 characters of any planted string survives either
        assert not any(w[i : i + 4] in after for i in range(len(w) - 3)), (w, after)


def test_calipers_and_rulers_alone_are_not_painted():
    """Frames with markings and no text: the classical proposals (including the flat-ink pass)
    take none of them for text."""
    hits = total = 0
    for seed in range(201, 211):
        rng = random.Random(seed)
        image = make_background(rng.choice(["us", "cr", "ct"]), (512, 512), rng)
        taken: list = []
        marks = [b for b in (plant_mark(image, rng, taken) for _ in range(12)) if b][:6]
        grey = np.clip(np.rint(image), 0, 255).astype(np.uint8)
        mask = painted_mask(grey.shape, [_Box(*b) for b in classical.propose(grey)])
        hits += sum(coverage(mask, box) >= 0.5 for box in marks)
        total += len(marks)
    assert total >= 40
    assert hits / total <= 0.05, (hits, total)


def test_markings_beside_text_are_mostly_left_alone():
    """Benchmark-like frames: at most 10% of calipers, rulers, dotted lines and arrows painted."""
    hits, total = marks_painted(detect_text, range(301, 311))
    assert total >= 40
    assert hits / total <= 0.12, (hits, total)


def test_flat_ink_pass_finds_a_faint_line_and_not_plain_speckle():
    rng = random.Random(5)
    speckle = make_background("us", (512, 512), rng)
    plain = np.clip(np.rint(speckle), 0, 255).astype(np.uint8)
    assert painted_mask(plain.shape, [_Box(*b) for b in classical.propose(plain)]).mean() < 0.01
    taken: list = []
    text = plant_text(speckle, rng, taken, text="MULLER^GARCIA", height=20, low_contrast=True, vertical=False)
    grey = np.clip(np.rint(speckle), 0, 255).astype(np.uint8)
    diff, sigma = classical.background_and_noise(grey)
    mask = painted_mask(grey.shape, [_Box(*b) for b in classical.flat_ink_proposals(grey, diff, sigma)])
    assert coverage(mask, text.box) >= 0.5


class _Box:
    """A bare (x, y, w, h) with the attributes painted_mask reads."""

    def __init__(self, x, y, w, h):
        self.x, self.y, self.w, self.h = x, y, w, h
