"""core/deid has one entry point: clean_dataset runs every cleaner, and the what-if lists each one.

Files that need each cleaner (bytes after the frames, RLE bytes after the runs, an ICC profile
naming the patient, an overlay embedded in the bits above High Bit) are cleaned by the pipeline
exactly as clean_dataset says; describe_dataset foretells the same counts without changing the
data set.
"""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from PIL import ImageCms
from pydicom.encaps import encapsulate, generate_fragments

from radshare.core import pipeline
from radshare.core.deid import clean
from tests.fixtures.dicom_factory import make_image, to_bytes
from tests.fixtures.pipeline import deidentify_bytes

TOKEN = b"DOE^JANE-MRN-4711"


def _saved(ds: pydicom.Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _after_the_frames() -> bytes:
    ds = make_image(rows=16, cols=16, bits=16)
    ds.PixelData = ds.PixelData + b"after the frames: " + TOKEN + b"\x00"
    return _saved(ds)


def _rle_after_the_runs() -> bytes:
    ds = pydicom.dcmread(io.BytesIO(to_bytes(make_image(rows=16, cols=16, bits=16), "rle")))
    frames = list(generate_fragments(ds.PixelData))[1:]
    ds.PixelData = encapsulate([(f + TOKEN)[: len(f + TOKEN) // 2 * 2] for f in frames])
    ds["PixelData"].is_undefined_length = True
    return _saved(ds)


def _icc_naming_the_patient() -> bytes:
    ds = make_image(rows=16, cols=16, bits=8, photometric="RGB")
    ds.ICCProfile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes() + "DOE JANE".encode("utf-16-be")
    return to_bytes(ds)


def _overlay_in_high_bits() -> bytes:
    ds = make_image(rows=16, cols=16, bits=16, stored=12)
    pixels = ds.pixel_array | np.uint16(0x8000)
    ds.PixelData = pixels.astype("<u2").tobytes()
    return to_bytes(ds)


CASES = {
    "bytes after the frames": (_after_the_frames, "frames", "1 removed"),
    "RLE bytes after the runs": (_rle_after_the_runs, "codestream", "encoded again, the same pixel values"),
    "ICC profile naming the patient": (_icc_naming_the_patient, "bulk data", "1 removed"),
    "overlay in the bits above High Bit": (_overlay_in_high_bits, "pixel bits", "1 removed"),
}


def _settings(tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    settings = pipeline.settings_for_installation(text_redaction="off")
    return pipeline.profile_for(settings), pipeline.pseudonymizer_for(settings)


@pytest.mark.parametrize("case", list(CASES))
def test_the_what_if_lists_every_cleaner_and_foretells_what_it_does(case, tmp_path, monkeypatch):
    build, cleaner, result = CASES[case]
    profile, pseudo = _settings(tmp_path, monkeypatch)
    data = build()
    ds = pydicom.dcmread(io.BytesIO(data))
    plan = clean.describe_dataset(ds, profile, pseudo)
    assert _saved(ds) == _saved(pydicom.dcmread(io.BytesIO(data)))  # the what-if changed nothing
    lines = {p.reason.split(":")[0]: p for p in plan if p.reason.split(":")[0] in {c.name for c in clean.CLEANERS}}
    assert set(lines) == {c.name for c in clean.CLEANERS if c.applies(profile)}
    assert lines[cleaner].action == "cleaned" and lines[cleaner].new_value == result
    assert all(p.action == "kept" for name, p in lines.items() if name != cleaner)
    assert any(p.keyword == "PatientName" for p in plan)  # the header's own lines come first, as before
    cleaned = clean.clean_dataset(pydicom.dcmread(io.BytesIO(data)), profile, pseudo)
    assert {name: removed for name, removed in cleaned.steps.items() if removed} == (
        {} if result.startswith("encoded") else {cleaner: 1})


@pytest.mark.parametrize("case", list(CASES))
def test_the_pipeline_cleans_through_clean_dataset_once(case, tmp_path, monkeypatch):
    calls = []
    real = clean.clean_dataset

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(clean, "clean_dataset", counted)
    report = deidentify_bytes(tmp_path, monkeypatch, CASES[case][0]())
    assert report.status == "ok", report.error
    assert len(calls) == 1
    output = open(report.outputs[0], "rb").read()
    assert TOKEN not in output and b"D\x00O\x00E" not in output


def test_a_frame_that_cannot_be_checked_is_named_in_the_what_if(tmp_path, monkeypatch):
    profile, pseudo = _settings(tmp_path, monkeypatch)
    ds = pydicom.dcmread(io.BytesIO(to_bytes(make_image(rows=16, cols=16, bits=16), "rle")))
    frames = list(generate_fragments(ds.PixelData))[1:]
    ds.PixelData = encapsulate(frames + [b"report of " + TOKEN])
    ds["PixelData"].is_undefined_length = True
    plan = clean.describe_dataset(pydicom.dcmread(io.BytesIO(_saved(ds))), profile, pseudo)
    refused = [p for p in plan if p.reason.startswith("codestream:")]
    assert refused[0].action == "removed" and "nothing was written" in refused[0].reason
