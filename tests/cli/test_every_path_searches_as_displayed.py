"""Every path that searches pixels for text searches them as the user sees them too: `radshare
deid` (one file and a series across files), `radshare export`, posting (`pipeline.shareable_image`,
what `radshare post` and the composer share) and the app's Detect (one image, and a series).

The frames are a head CT in a brain window (40/80) with a name and an ID burned at the window's
top (80 HU: white on screen) over brain (30 HU), and the device's marker at the largest stored
value, which widens the stored range so far that min..max shows the text less than a grey level
off the brain: only a search of the displayed frame finds it. A path that searched the stored
frame alone leaves the text white on screen, and its case here fails.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest

from radshare.cli import main
from radshare.core.redact.settings import overridden
from tests.fixtures.dicom_factory import make_image, to_bytes

SIZE = 256
LINES = {(56, 52): "KOWALCZYK", (56, 80): "ID 4417093"}
TEXT_HU, BRAIN_HU = 80, 30


@pytest.fixture(autouse=True)
def _key(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path_factory.mktemp("key") / "radshare.key"))


def _text_mask() -> np.ndarray:
    mask = np.zeros((SIZE, SIZE), np.uint8)
    for origin, text in LINES.items():
        cv2.putText(mask, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.6, 1, 2, cv2.LINE_8)
    return mask.astype(bool)


def _slice(seed: int, series_uid: str | None = None, number: int = 1) -> pydicom.Dataset:
    ds = make_image(rows=SIZE, cols=SIZE, bits=16, stored=16, series_uid=series_uid)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    hu = np.where(((xx - 128) / 125) ** 2 + ((yy - 128) / 120) ** 2 < 1, float(BRAIN_HU), -1000.0)
    hu += np.random.default_rng(seed).normal(0, 6, hu.shape)
    hu[_text_mask()] = TEXT_HU
    hu[8:24, 228:244] = 65535 - 1024  # the marker at the largest stored value
    ds.PixelData = np.clip(np.rint(hu) + 1024, 0, 65535).astype(np.uint16).tobytes()
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
    ds.WindowCenter, ds.WindowWidth = 40, 80
    ds.InstanceNumber = number
    return ds


def _left_in_stored(ds: pydicom.Dataset) -> float:
    """Share of the text's pixels still at the text's value (within 10 HU) in a written file."""
    hu = ds.pixel_array.astype(np.float64) * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
    return float((hu[_text_mask()] >= TEXT_HU - 10).mean())


def _left_on_screen(rgb: np.ndarray) -> float:
    """Share of the text's pixels still white in a rendered image."""
    return float((rgb[..., :3].min(axis=-1)[_text_mask()] >= 240).mean())


def _left_by_regions(regions) -> float:
    """Share of the text's pixels no region proposed for painting covers."""
    covered = np.zeros((SIZE, SIZE), bool)
    for r in regions:
        covered[r.y : r.y + r.h, r.x : r.x + r.w] = True
    return float((~covered[_text_mask()]).mean())


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("displayed")
    one = root / "one"
    one.mkdir()
    (one / "ct.dcm").write_bytes(to_bytes(_slice(3)))
    series = root / "series" / "case1"
    series.mkdir(parents=True)
    uid = pydicom.uid.generate_uid()
    for k in range(3):
        (series / f"slice{k}.dcm").write_bytes(to_bytes(_slice(10 + k, uid, k + 1)))
    return {"one": one, "series": root / "series"}


def _deid(source: Path, out: Path) -> list[float]:
    assert main(["deid", str(source), "-o", str(out), "--workers", "1", "-q"]) == 0
    return [_left_in_stored(pydicom.dcmread(p)) for p in sorted(out.rglob("*.dcm"))]


def _export(source: Path, out: Path) -> list[float]:
    assert main(["export", str(source), "-o", str(out), "--dicom", "--workers", "1", "-q"]) == 0
    return [_left_in_stored(pydicom.dcmread(p)) for p in sorted(out.rglob("dicom/**/*.dcm"))]


def _post(source: Path) -> list[float]:
    from radshare.core.pipeline import settings_for_installation, shareable_image

    settings = settings_for_installation()
    return [_left_on_screen(shareable_image(path, settings).rgb) for path in sorted(source.rglob("*.dcm"))]


def _app(source: Path) -> list[float]:
    """The review's Detect (what the app runs when images are opened): one call for the folder's
    images, so the slices of a series go through the series path."""
    from radshare.core.sources import image_from_dataset
    from radshare.gui.review_jobs import detect_images

    images = [image_from_dataset(pydicom.dcmread(p), str(p)) for p in sorted(source.rglob("*.dcm"))]
    return [_left_by_regions(found) for _, found in detect_images(images)]


def _app_detect_button(source: Path) -> list[float]:
    """services.detect_text: Detect on the image being reviewed."""
    from radshare.core.sources import image_from_dataset
    from radshare.gui.services import detect_text

    return [_left_by_regions(detect_text(image_from_dataset(pydicom.dcmread(p), str(p)))) for p in sorted(source.rglob("*.dcm"))]


PATHS = {
    "deid one file": lambda files, tmp: _deid(files["one"], tmp / "out"),
    "deid a series": lambda files, tmp: _deid(files["series"], tmp / "out"),
    "export a series": lambda files, tmp: _export(files["series"], tmp / "out"),
    "post one file": lambda files, tmp: _post(files["one"]),
    "app, one image": lambda files, tmp: _app(files["one"]),
    "app, a series": lambda files, tmp: _app(files["series"]),
    "app, Detect": lambda files, tmp: _app_detect_button(files["one"]),
}


@pytest.mark.parametrize("path", list(PATHS))
def test_text_only_the_window_shows_is_painted_on_every_path(path, files, tmp_path):
    left = PATHS[path](files, tmp_path)
    assert left and max(left) < 0.1, left


def test_the_stored_frame_alone_hides_that_text(files):
    """The reason for the cases above: with the display view switched off, the text stays."""
    with overridden(display_view={"enabled": False}):
        left = _app_detect_button(files["one"])
    assert min(left) > 0.5, left
