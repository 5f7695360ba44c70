"""The commands an IT admin and a new user run first: selftest, and the demo on a headless machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.leakscan import scan_tree

RADSHARE = [sys.executable, "-m", "radshare"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["RADSHARE_KEY_FILE"] = str(tmp_path / "key")
    return env


def test_selftest_prints_a_table_and_passes_on_a_working_install(tmp_path):
    result = subprocess.run([*RADSHARE, "selftest"], capture_output=True, text=True, env=_env(tmp_path), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for check in ("DICOM codecs", "De-identification", "OCR", "Text detector", "Qt", "Keyring"):
        assert check in result.stdout
    assert "RadShare is usable." in result.stdout
    assert "tesseract 5" in result.stdout


def test_demo_without_a_display_deidentifies_the_sample_and_says_what_was_removed(tmp_path):
    folder = tmp_path / "demo"
    result = subprocess.run([*RADSHARE, "demo", "--folder", str(folder)], capture_output=True, text=True, env=_env(tmp_path), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No display found" in result.stdout
    assert "PatientName" in result.stdout and "replaced" in result.stdout
    assert "burned-in text regions painted out" in result.stderr
    out = folder / "de-identified"
    assert len([p for p in out.rglob("*") if p.is_file()]) == 6  # 4 CT, 1 US, 1 photo
    assert scan_tree(out, ["DOE", "JANE", "4471093", "19700314", "ExamplePhone"]) == []
    import pydicom
    import pytesseract

    ultrasound = [p for p in out.rglob("*.dcm") if "-US-" in str(p.parent)]
    assert len(ultrasound) == 1
    ds = pydicom.dcmread(ultrasound[0])
    assert ds.BurnedInAnnotation == "NO"
    assert "Clean Pixel Data Option" in list(ds.DeidentificationMethod)
    read = pytesseract.image_to_string(ds.pixel_array).upper()
    for burned in ("DOE", "JANE", "4471093", "1970", "EXAMPLE"):
        assert burned not in read
