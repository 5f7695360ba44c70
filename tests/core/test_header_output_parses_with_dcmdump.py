"""De-identified outputs are valid DICOM to an independent reader (dcmtk's dcmdump)."""

from __future__ import annotations

import shutil
import subprocess

import pydicom
import pytest
from pydicom.data import get_testdata_file

from radshare.core.deid.header import deidentify_dataset
from radshare.core.deid.profile import load_profile
from radshare.core.deid.pseudonyms import Pseudonymizer
from tests.fixtures.planted import build_planted_dataset

pytestmark = pytest.mark.skipif(shutil.which("dcmdump") is None, reason="dcmtk's dcmdump is not installed")
PSEUDO = Pseudonymizer(b"dcmdump-test-key-of-32-bytes-ok!")


def _dcmdump(path) -> subprocess.CompletedProcess:
    return subprocess.run(["dcmdump", "-E", str(path)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", ["basic", "teaching", "research"])
def test_planted_outputs_parse_without_errors(tmp_path, name):
    ds, _ = build_planted_dataset()
    deidentify_dataset(ds, load_profile(name), PSEUDO)
    out = tmp_path / "out.dcm"
    ds.save_as(out, enforce_file_format=True)
    result = _dcmdump(out)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "E: " not in result.stderr
    assert "(0012,0062) CS [YES]" in result.stdout
    assert "RADSHARE_0_1" in result.stdout


@pytest.mark.parametrize("sample", ["CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "rtplan.dcm", "image_dfl.dcm"])
def test_pydicom_samples_parse_after_deidentification_with_transfer_syntax_kept(tmp_path, sample):
    path = get_testdata_file(sample)
    ds = pydicom.dcmread(path)
    syntax = ds.file_meta.TransferSyntaxUID
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    out = tmp_path / "out.dcm"
    ds.save_as(out, enforce_file_format=True)
    result = _dcmdump(out)
    assert result.returncode == 0, result.stderr[-2000:]
    reread = pydicom.dcmread(out)
    assert reread.file_meta.TransferSyntaxUID == syntax
    assert reread.file_meta.MediaStorageSOPInstanceUID == reread.SOPInstanceUID
