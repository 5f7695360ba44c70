"""`radshare deid` on a series scans its slices together, and still loses nothing and repeats itself.

A series' slices go to one worker in chunks (core/seriesgroups.py), so the text detector runs
once per layout. Every input must still end as an output or a named error, outputs must be the
same bytes on every run and after a resume, and the same as full detection on every slice
wherever the two find the same boxes.
"""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from pydicom.uid import generate_uid

from radshare.cli import main
from radshare.core.redact.detect import detect_text
from radshare.core.redact.series import detect_series
from tests.fixtures.dicom_factory import to_bytes
from tests.fixtures.installation_key import write_fixed_key
from tests.fixtures.seriesimages import ct_dataset, ct_series, painted_share

COUNT = 8
EXTRA = {5: [("SMITH JOHN", 12, 200, 250)]}


@pytest.fixture(scope="module", autouse=True)
def _key(tmp_path_factory):
    key = write_fixed_key(tmp_path_factory.mktemp("key"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RADSHARE_KEY_FILE", str(key))
        yield


@pytest.fixture(scope="module")
def series_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ct")
    images = ct_series(COUNT, seed=4, extra=EXTRA)
    study, uid = generate_uid(), generate_uid()
    for i, frame in enumerate(images.frames):
        (folder / f"IM{i:03d}.dcm").write_bytes(to_bytes(ct_dataset(frame, i, study, uid)))
    (folder / "IM099.dcm").write_bytes(to_bytes(ct_dataset(images.frames[0], 99, study, uid))[:2000])  # cut short
    return folder, images


@pytest.fixture(scope="module")
def first_run(series_dir, tmp_path_factory):
    """One run of the series path over the folder (the cut-short slice included): (OUT, exit code)."""
    out = tmp_path_factory.mktemp("runs") / "first"
    return out, _deid(series_dir[0], out)


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.dcm"))}


def _deid(source: Path, out: Path, *extra: str) -> int:
    return main(["deid", str(source), "-o", str(out), "--workers", "2", "-q", "--report", str(out) + ".json", *extra])


def test_every_slice_ends_as_an_output_or_a_named_error(series_dir, first_run):
    import json

    _, images = series_dir
    out, code = first_run
    assert code == 1  # the cut-short slice fails, named; the rest succeed
    report = json.loads(Path(str(out) + ".json").read_text())
    status = {Path(f["input"]).name: (f["status"], f["error"]) for f in report["files"]}
    assert len(status) == COUNT + 1
    assert status["IM099.dcm"][0] == "error" and status["IM099.dcm"][1]
    assert all(status[f"IM{i:03d}.dcm"][0] == "ok" for i in range(COUNT))
    frames = [pydicom.dcmread(p).pixel_array for p in sorted(out.rglob("*.dcm"))]
    for planted in images.planted:
        for index in planted.frames:
            assert painted_share(images.frames[index], frames[index], planted.box) >= 0.9, (planted.text, index)


def test_outputs_repeat_byte_for_byte_and_after_a_resume(series_dir, first_run, tmp_path):
    source, _ = series_dir
    _deid(source, tmp_path / "b")
    first = _outputs(first_run[0])
    assert first == _outputs(tmp_path / "b")
    for name in list(first)[2:5]:  # a run stopped part-way, then resumed
        (tmp_path / "b" / name).unlink()
    _deid(source, tmp_path / "b")
    assert first == _outputs(tmp_path / "b")


def test_outputs_equal_full_detection_on_every_slice_where_the_boxes_agree(series_dir, first_run, tmp_path):
    source, images = series_dir
    _deid(source, tmp_path / "every", "--every-frame")
    series_out, every_out = _outputs(first_run[0]), _outputs(tmp_path / "every")
    assert list(series_out) == list(every_out)
    by_series = detect_series(images.frames)
    agree = [i for i, frame in enumerate(images.frames)
             if {r.as_box() for r in by_series[i]} == {r.as_box() for r in detect_text(frame)}]
    assert len(agree) >= 2  # the layout frames at least: detected in full both ways
    names = list(series_out)  # output names start with the instance number, so they sort as the slices
    for i in agree:
        assert series_out[names[i]] == every_out[names[i]], f"slice {i}"


def test_a_series_chunk_is_really_scanned_as_a_whole(series_dir, tmp_path, monkeypatch):
    """The shared scan falls back to per-slice detection on any fault, so a broken series path
    would pass every test above while losing all its speed: here the full detector must run on
    fewer slices than the chunk holds, and every slice must get what the scan found."""
    from radshare.core import seriesgroups
    from radshare.core.pipeline import Settings
    from radshare.core.redact import series
    from radshare.core.sources import InputItem

    source, _ = series_dir
    items = [InputItem(path=p, display=str(p)) for p in sorted(source.glob("IM0[0-9][0-9].dcm")) if p.name != "IM099.dcm"]
    settings = Settings(key=b"k" * 32)
    calls = []
    real = series.detect_text
    monkeypatch.setattr(series, "detect_text", lambda *a, **k: calls.append(1) or real(*a, **k))
    found = seriesgroups._scan(items, tmp_path / "out", settings)
    assert sorted(found) == list(range(len(items)))
    assert 0 < len(calls) < len(items)
