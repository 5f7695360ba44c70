"""Property-based fuzzing of broken files: never a crash, always a clear error or a clean output."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radshare.core.pipeline import Settings, process_item
from radshare.core.sources import InputItem
from tests.fixtures.dicom_factory import make_image, to_bytes

GOOD = to_bytes(make_image(rows=16, cols=16))
SETTINGS = Settings(profile="basic", text_redaction="off", key=b"k" * 32)


def _run(data: bytes, tmp: Path):
    source = tmp / "input.dcm"
    source.write_bytes(data)
    out = tmp / "out"
    report = process_item(InputItem(str(source), source), out, SETTINGS)
    assert report.status in ("ok", "error", "skipped")
    if report.status == "error":
        assert report.error and len(report.error) > 8
        assert not report.outputs
        assert not [p for p in out.rglob("*") if p.is_file()] if out.exists() else True
    if report.status == "ok":
        written = Path(report.outputs[0]).read_bytes()
        pydicom.dcmread(io.BytesIO(written))
        assert b"DOE^JANE" not in written and b"PID-314159" not in written
    return report


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), min_size=1, max_size=12),
    cut=st.one_of(st.none(), st.integers(0, len(GOOD))),
)
def test_mutated_headers_end_as_a_report_never_an_exception(edits, cut, tmp_path_factory):
    data = bytearray(GOOD)
    header_end = GOOD.find(b"\xe0\x7f\x10\x00")  # (7FE0,0010) Pixel Data: mutate what comes before
    for position, value in edits:
        data[position % max(header_end, 1)] = value
    if cut is not None:
        data = data[:cut]
    _run(bytes(data), tmp_path_factory.mktemp("fuzz"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.binary(min_size=0, max_size=600), preamble=st.booleans())
def test_random_bytes_are_refused_or_skipped_never_written(payload, preamble, tmp_path_factory):
    data = (b"\x00" * 128 + b"DICM" if preamble else b"") + payload
    report = _run(data, tmp_path_factory.mktemp("noise"))
    assert report.status in ("error", "skipped", "ok")
    if report.status == "ok":  # only possible when the noise happens to be a valid data set
        pytest.skip("random bytes formed a valid data set")
