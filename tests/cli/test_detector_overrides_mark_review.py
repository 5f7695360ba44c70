"""Changed detector settings never pass silently: an override (RADSHARE_DETECTOR_OVERRIDES, which
tests and benchmarks use to switch a pass off) marks every scanned image for review, and settings
that cannot be read stop the run before any file is written."""

from __future__ import annotations

import json
import shutil

import pytest
from pydicom.data import get_testdata_file

from radshare.cli import main
from radshare.core.redact.settings import OVERRIDES_ENV


@pytest.fixture(autouse=True)
def _key(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path_factory.mktemp("key") / "radshare.key"))


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(get_testdata_file("CT_small.dcm"), folder / "ct.dcm")
    return folder


def _needs_review(report) -> list[bool]:
    return [entry["needs_text_review"] for entry in json.loads(report.read_text())["files"]]


def test_packaged_settings_need_no_review_mark(inputs, tmp_path, monkeypatch):
    monkeypatch.delenv(OVERRIDES_ENV, raising=False)
    report = tmp_path / "report.json"
    assert main(["deid", str(inputs), "-o", str(tmp_path / "out"), "--report", str(report), "--quiet"]) == 0
    assert _needs_review(report) == [False]


def test_an_override_marks_every_image_for_review(inputs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(OVERRIDES_ENV, json.dumps({"passes": {"verify": False}}))
    report = tmp_path / "report.json"
    assert main(["deid", str(inputs), "-o", str(tmp_path / "out"), "--report", str(report)]) == 0
    assert _needs_review(report) == [True]
    said = capsys.readouterr()
    assert "passes.verify" in said.out + said.err


def test_unreadable_settings_stop_the_run_before_any_file(inputs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(OVERRIDES_ENV, json.dumps({"passes": {"no_such_pass": False}}))
    out = tmp_path / "out"
    assert main(["deid", str(inputs), "-o", str(out)]) == 2
    assert "no_such_pass" in capsys.readouterr().err
    assert not any(out.rglob("*.dcm"))
