"""A CT or MR whose Burned In Annotation is absent or NO is still scanned: the name drawn into its
pixels is painted by `radshare deid` and by `radshare export`, and tesseract can no longer read it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
from PIL import Image as PILImage

from radshare.cli import main
from tests.fixtures.dicom_factory import make_image
from tests.fixtures.legibility import legible_tokens

# What the issue found left in an exported case (invented values, drawn in the pixels only).
PLANTED = ["OPKALAR", "2014.09.21", "NP5554039"]
TOKENS = ["OPKALAR", "20140921", "NP5554039"]
SOP = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4"}


@pytest.fixture(autouse=True)
def _key(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path_factory.mktemp("key") / "radshare.key"))


def _anatomy(modality: str, size: int = 320) -> np.ndarray:
    """A body section with bright bone (CT, signed HU) or bright fat (MR, unsigned), and noise."""
    yy, xx = np.mgrid[0:size, 0:size]
    rng = np.random.default_rng(3)
    body = ((xx - size / 2) / (size * 0.4)) ** 2 + ((yy - size / 2) / (size * 0.3)) ** 2 < 1
    bone = ((xx - size / 2) / 20) ** 2 + ((yy - size * 0.68) / 16) ** 2 < 1
    if modality == "CT":
        img = np.full((size, size), -1000.0)
        img[body], img[bone] = 40.0, 900.0
        return img + rng.normal(0, 15, img.shape)
    img = np.zeros((size, size))
    img[body], img[bone] = 300.0, 700.0
    return img + rng.normal(0, 10, img.shape).clip(0)


def _write(path: Path, modality: str, burned: str | None) -> None:
    signed = modality == "CT"
    ds = make_image(rows=320, cols=320, modality=modality, sop_class=SOP[modality], signed=signed, stored=12)
    pixels = _anatomy(modality)
    top = 2047 if signed else 4095
    for row, text in zip((22, 44, 300), PLANTED):
        cv2.putText(pixels, text, (8, row), cv2.FONT_HERSHEY_SIMPLEX, 0.6, top, 2, cv2.LINE_AA)
    ds.PixelData = np.clip(pixels, -2048 if signed else 0, top).astype(np.int16 if signed else np.uint16).tobytes()
    if burned is not None:
        ds.BurnedInAnnotation = burned
    elif "BurnedInAnnotation" in ds:
        del ds.BurnedInAnnotation
    ds.save_as(path, enforce_file_format=True)


def legible(grey: np.ndarray) -> list[str]:
    return legible_tokens(grey, TOKENS)


def _as_grey(pixels: np.ndarray) -> np.ndarray:
    f = pixels.astype(np.float64)
    return np.clip((f - f.min()) * 255 / max(f.max() - f.min(), 1), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("in")
    case = root / "case1"
    case.mkdir()
    _write(case / "ct.dcm", "CT", "NO")
    _write(case / "mr.dcm", "MR", None)
    return root


def test_the_planted_text_is_legible_in_the_originals(originals):
    for path in sorted((originals / "case1").iterdir()):
        assert legible(_as_grey(pydicom.dcmread(path).pixel_array)) == TOKENS, path.name


def test_deid_paints_text_on_ct_and_mr_that_say_no_or_nothing(originals, tmp_path):
    out = tmp_path / "out"
    assert main(["deid", str(originals), "-o", str(out), "--workers", "1", "-q"]) == 0
    written = sorted(out.rglob("*.dcm"))
    assert len(written) == 2
    for path in written:
        ds = pydicom.dcmread(path)
        assert legible(_as_grey(ds.pixel_array)) == [], ds.Modality
        assert ds.BurnedInAnnotation == "NO"


def test_export_case_set_png_has_no_legible_planted_text(originals, tmp_path):
    out = tmp_path / "set"
    assert main(["export", str(originals), "-o", str(out), "--workers", "1", "-q"]) == 0
    pngs = sorted(out.rglob("images/*.png"))
    assert len(pngs) == 2
    for path in pngs:
        grey = np.asarray(PILImage.open(path).convert("L"))
        assert legible(grey) == [], path.name
