"""`radshare deid` paints burned-in text in every pixel format the reader accepts, and reads the
frame as the user sees it: a name burned at the edge of the file's display window (white in the
window, a few grey levels off the ground in the stored range) is painted too.

Each file holds an invented name, ID and date drawn into its pixels; after `radshare deid`,
tesseract (every page mode, both polarities, 1x and 2x) reads none of them in the output, shown
in its own window and in its whole stored range.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest

from radshare.cli import main
from tests.fixtures.dicom_factory import dcmtk_available, make_image, to_bytes
from tests.fixtures.legibility import normalise, read_fast

PLANTED = ["KOWALCZYK", "ID 4417093", "1961.03.08"]
TOKENS = ["KOWALCZYK", "4417093", "19610308"]
SIZE = 256
US_PALETTE = "1.2.840.10008.5.1.4.1.1.6.1"


@pytest.fixture(autouse=True)
def _key(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path_factory.mktemp("key") / "radshare.key"))


def _body(low: float, tissue: float, bone: float, noise: float, seed: int = 5) -> np.ndarray:
    """A body section: `low` outside, `tissue` inside, a `bone` ring and spine, noise."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    rng = np.random.default_rng(seed)
    img = np.full((SIZE, SIZE), float(low))
    body = ((xx - SIZE / 2) / (SIZE * 0.49)) ** 2 + ((yy - SIZE / 2) / (SIZE * 0.47)) ** 2 < 1
    ring = np.abs(((xx - SIZE / 2) / (SIZE * 0.22)) ** 2 + ((yy - SIZE / 2) / (SIZE * 0.16)) ** 2 - 1) < 0.1
    img[body] = tissue
    img[ring & body] = bone
    return img + rng.normal(0, noise, img.shape)


def _burn(img: np.ndarray, value, rows=(50, 74, 220)) -> np.ndarray:
    """The planted lines drawn in `value` (a grey or an RGB triple), aliased as overlays are."""
    for row, text in zip(rows, PLANTED):
        cv2.putText(img, text, (60, row), cv2.FONT_HERSHEY_SIMPLEX, 0.6, value, 2, cv2.LINE_8)
    return img


def _grey_file(photometric: str, bits: int, stored: int, signed: bool, ground, ink: float, frames: int = 1):
    ds = make_image(rows=SIZE, cols=SIZE, bits=bits, stored=stored, signed=signed, photometric=photometric, frames=frames)
    top = 2 ** (stored - (1 if signed else 0)) - 1
    low = -(top + 1) if signed else 0
    dtype = {8: np.uint8, 16: np.int16 if signed else np.uint16}[bits]
    stack = [_burn(_body(*ground, seed=5 + k), ink) for k in range(frames)]
    pixels = np.clip(np.stack(stack) if frames > 1 else stack[0], low, top).astype(dtype)
    ds.PixelData = pixels.tobytes()
    return ds


def _rgb_file(photometric: str = "RGB"):
    ds = make_image(rows=SIZE, cols=SIZE, bits=8, stored=8, photometric="RGB", modality="US", sop_class="1.2.840.10008.5.1.4.1.1.6.1")
    grey = np.clip(_body(0, 90, 170, 12), 0, 255)
    rgb = np.stack([grey, grey * 0.8, grey * 0.6], axis=-1)
    ds.PixelData = np.clip(_burn(rgb, (255, 255, 0)), 0, 255).astype(np.uint8).tobytes()
    return ds


def _palette_file():
    ds = make_image(rows=SIZE, cols=SIZE, bits=8, stored=8, modality="US", sop_class=US_PALETTE)
    ds.PhotometricInterpretation = "PALETTE COLOR"
    index = np.clip(_burn(_body(0, 100, 180, 10), 255), 0, 255).astype(np.uint8)
    ds.PixelData = index.tobytes()
    ramp = np.arange(256)
    for channel, table in (("Red", ramp), ("Green", ramp), ("Blue", ramp // 2)):  # a warm grey scale
        setattr(ds, f"{channel}PaletteColorLookupTableDescriptor", [256, 0, 8])
        setattr(ds, f"{channel}PaletteColorLookupTableData", table.astype("<u1").tobytes())
    return ds


def _windowed_ct():
    """16-bit head CT (HU = stored - 1024) shown in a brain window (40/80): the text is burned at the
    window's top (80 HU, white in the window) over brain (30 HU, mid grey), and the device's marker
    square at the largest stored value (65535) makes the stored range so wide that min..max shows
    the text less than one grey level off the brain: found only as the user sees the frame."""
    ds = make_image(rows=SIZE, cols=SIZE, bits=16, stored=16)
    hu = _burn(_body(-1000, 30, 1900, 6), 80.0)
    hu[8:24, 228:244] = 65535 - 1024  # the marker
    ds.PixelData = np.clip(np.rint(hu) + 1024, 0, 65535).astype(np.uint16).tobytes()
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
    ds.WindowCenter, ds.WindowWidth = 40, 80
    return ds


def _max_value_ct():
    """16-bit CT in a soft-tissue window (40/400) with the text at the largest stored value, far
    outside the window: the window clips it to white, the stored range shows it white too."""
    ds = make_image(rows=SIZE, cols=SIZE, bits=16, stored=16)
    hu = _burn(_body(-1000, 40, 900, 10), 65535.0 - 1024)
    ds.PixelData = np.clip(np.rint(hu) + 1024, 0, 65535).astype(np.uint16).tobytes()
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
    ds.WindowCenter, ds.WindowWidth = 40, 400
    return ds


def _one_bit_file():
    """1-bit pixels (a mask stored as an image): the text is 1 on 0, as a viewer shows it white."""
    from pydicom.pixels import pack_bits

    ds = make_image(rows=SIZE, cols=SIZE, bits=8, stored=8, modality="OT", sop_class="1.2.840.10008.5.1.4.1.1.7")
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 1, 1, 0
    mask = (_body(0, 0, 1, 0) > 0.5).astype(np.uint8)  # the ring
    ds.PixelData = pack_bits(_burn(mask, 1))
    return ds


def _files() -> dict[str, bytes]:
    files = {
        "monochrome1-12bit": to_bytes(_grey_file("MONOCHROME1", 16, 12, False, (3900, 2200, 600, 30), 100.0)),
        "signed-16bit": to_bytes(_grey_file("MONOCHROME2", 16, 16, True, (-1000, 40, 900, 15), 32767.0)),
        "12-in-16-rle": to_bytes(_grey_file("MONOCHROME2", 16, 12, False, (0, 1200, 2600, 30), 4095.0), "rle"),
        "8bit-multiframe": to_bytes(_grey_file("MONOCHROME2", 8, 8, False, (0, 90, 170, 8), 255.0, frames=3)),
        "rgb": to_bytes(_rgb_file()),
        "palette": to_bytes(_palette_file()),
        "window-edge-ct": to_bytes(_windowed_ct()),
        "one-bit": to_bytes(_one_bit_file()),
        "max-value-outside-window": to_bytes(_max_value_ct()),
    }
    if dcmtk_available():  # dcmtk writes RGB as YBR_FULL_422 in JPEG baseline
        files["ybr-full-422-jpeg"] = to_bytes(_rgb_file(), "jpeg-baseline")
    return files


def _views(ds) -> list[np.ndarray]:
    """8-bit views of every frame: as displayed in its window (when it has one), and min..max."""
    arr = ds.pixel_array
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        arr = pydicom.pixels.apply_color_lut(arr, ds)
    frames = arr if int(ds.get("NumberOfFrames", 1) or 1) > 1 else arr[None]
    views = []
    for frame in frames:
        grey = frame.max(axis=-1) if frame.ndim == 3 else frame
        if "WindowCenter" in ds and frame.ndim == 2:
            shown = pydicom.pixels.apply_voi_lut(pydicom.pixels.apply_modality_lut(frame, ds), ds)
            views.append(_stretch(shown))
        views.append(_stretch(grey))
    return views


def _stretch(values: np.ndarray) -> np.ndarray:
    f = values.astype(np.float64)
    return np.clip((f - f.min()) * 255 / max(f.max() - f.min(), 1), 0, 255).astype(np.uint8)


def _legible(ds) -> set[str]:
    """The tokens tesseract reads in the bands the lines were drawn in (read whole, the body's
    ring confuses its page layout), on any frame, in any view, at 1x and 2x, both polarities."""
    read = "|".join(read_fast(np.ascontiguousarray(view[top:bottom, 40:236]), scales=(1, 2))
                    for view in _views(ds) for top, bottom in ((30, 84), (200, 230)))
    return {token for token in TOKENS if normalise(token) in read}


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("formats")
    for name, data in _files().items():
        (root / f"{name}.dcm").write_bytes(data)
    return root


@pytest.fixture(scope="module")
def outputs(originals, tmp_path_factory) -> dict[str, pydicom.Dataset]:
    out = tmp_path_factory.mktemp("out")
    report = tmp_path_factory.mktemp("report") / "report.json"
    assert main(["deid", str(originals), "-o", str(out), "--report", str(report), "--workers", "1"]) == 0
    import json

    files = json.loads(report.read_text())["files"]
    return {Path(f["input"]).stem: pydicom.dcmread(f["outputs"][0]) for f in files}


def test_the_planted_text_is_legible_in_every_original(originals):
    for path in sorted(originals.iterdir()):
        ds = pydicom.dcmread(path)
        assert _legible(ds) == set(TOKENS), path.name


def test_deid_leaves_no_legible_identifier_in_any_format(outputs):
    assert set(outputs) >= {"monochrome1-12bit", "signed-16bit", "12-in-16-rle", "8bit-multiframe", "rgb", "palette", "one-bit"}
    left = {name: sorted(_legible(ds)) for name, ds in outputs.items()}
    assert all(not tokens for tokens in left.values()), left


def test_text_at_the_window_edge_is_painted(outputs):
    """The stored range shows this text faint; the window shows it white, and so must the detector."""
    ds = outputs["window-edge-ct"]
    assert not _legible(ds)
    assert ds.BurnedInAnnotation == "NO"


@pytest.fixture(scope="module")
def ct_series(tmp_path_factory) -> Path:
    """One case: three slices of one series, each with the text at the window's top (the series
    is scanned across its files as one, in deid and in export)."""
    root = tmp_path_factory.mktemp("series")
    case = root / "case1"
    case.mkdir()
    series_uid = pydicom.uid.generate_uid()
    for k in range(3):
        ds = _windowed_ct()
        ds.SeriesInstanceUID, ds.InstanceNumber = series_uid, k + 1
        (case / f"slice{k}.dcm").write_bytes(to_bytes(ds))
    return root


def _read_png(path: Path) -> set[str]:
    from PIL import Image as PILImage

    grey = np.asarray(PILImage.open(path).convert("L"))
    scale = grey.shape[0] / SIZE
    bands = [(int(30 * scale), int(84 * scale)), (int(200 * scale), int(230 * scale))]
    left, right = int(40 * scale), int(236 * scale)
    read = "|".join(read_fast(np.ascontiguousarray(grey[top:bottom, left:right]), scales=(1, 2)) for top, bottom in bands)
    return {token for token in TOKENS if normalise(token) in read}


def test_a_series_at_the_window_edge_is_painted_by_deid(ct_series, tmp_path):
    out = tmp_path / "deid"
    assert main(["deid", str(ct_series), "-o", str(out), "--workers", "1", "-q"]) == 0
    written = sorted(out.rglob("*.dcm"))
    assert len(written) == 3
    assert all(not _legible(pydicom.dcmread(path)) for path in written)


def test_a_series_at_the_window_edge_is_painted_by_export(ct_series, tmp_path):
    cases = tmp_path / "set"
    assert main(["export", str(ct_series), "-o", str(cases), "--workers", "1", "-q"]) == 0
    pngs = sorted(cases.rglob("images/*.png"))
    assert pngs
    assert all(not _read_png(path) for path in pngs), [sorted(_read_png(p)) for p in pngs]
