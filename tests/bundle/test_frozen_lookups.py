"""What the bundle relies on, checked in-process without building it: how code finds its data when
frozen, the static list of built-in uploaders, and selftest's failing lines."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from radshare.commands import selftest_codecs
from radshare.core import resources
from radshare.core.model import TextRegion
from radshare.core.redact import ocr
from radshare.uploaders.registry import BUILTINS

REPO = Path(__file__).resolve().parents[2]
TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")


@pytest.fixture
def frozen_at(monkeypatch, tmp_path):
    """Pretend to run inside a bundle unpacked at tmp_path (sys.frozen, sys._MEIPASS)."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setattr(ocr, "_engine", None)
    yield tmp_path
    ocr._engine = None  # the next test's engine is made afresh from the real paths


def _word() -> np.ndarray:
    image = Image.new("L", (260, 60), 0)
    ImageDraw.Draw(image).text((10, 12), "RADSHARE", fill=255, font=ImageFont.load_default(size=28))
    return np.asarray(image)


def test_frozen_ocr_reads_with_the_bundles_data_and_ignores_the_hosts(frozen_at, monkeypatch):
    (frozen_at / "tessdata").mkdir()
    shutil.copy(TESSDATA / "eng.traineddata", frozen_at / "tessdata")
    monkeypatch.setenv("TESSDATA_PREFIX", "/nonexistent")  # a bundle never consults it
    text, _ = ocr.read_text(_word(), TextRegion(x=0, y=0, w=260, h=60))
    assert "RADSHARE" in text.replace(" ", "")
    assert ocr._tessdata() == str(frozen_at / "tessdata")


def test_frozen_ocr_without_its_data_fails_instead_of_borrowing_the_hosts(frozen_at, monkeypatch):
    monkeypatch.setenv("TESSDATA_PREFIX", str(TESSDATA))  # valid on the host: must still not be used
    with pytest.raises(ocr.OcrUnavailable, match="eng.traineddata"):
        ocr.read_text(_word(), TextRegion(x=0, y=0, w=260, h=60))


def test_frozen_resources_come_from_the_bundle(frozen_at):
    (frozen_at / "resources").mkdir()
    assert resources.resources_dir() == frozen_at / "resources"


def test_the_static_list_of_built_in_uploaders_matches_pyproject():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]["radshare.uploaders"]
    assert BUILTINS == declared


def test_codec_check_names_a_sample_decoded_wrongly_and_a_missing_one(tmp_path):
    for sample in selftest_codecs.samples_dir().glob("*.dcm"):
        shutil.copy(sample, tmp_path)
    import pydicom

    ds = pydicom.dcmread(tmp_path / "explicit-le.dcm")
    ds.PixelData = bytes(len(ds.PixelData))
    ds.save_as(tmp_path / "explicit-le.dcm")
    (tmp_path / "rle.dcm").unlink()
    results = {r.name: r for r in selftest_codecs.check_all(tmp_path)}
    assert "decodes it wrongly" in results["explicit-le"].detail and not results["explicit-le"].ok
    assert results["rle"].detail == "sample missing from this installation"
    assert all(r.ok for name, r in results.items() if name not in ("explicit-le", "rle"))


def test_selftest_says_which_part_fails_in_one_line_and_exits_1(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "RADSHARE_KEY_FILE": str(tmp_path / "key"),
           "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "radshare", "selftest", "--output", str(blocked / "out")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    failing = [line for line in done.stdout.splitlines() if "FAIL" in line]
    assert len(failing) == 1 and failing[0].startswith("Output folder") and "cannot be created" in failing[0]
    assert "RadShare is NOT usable here" in done.stdout
