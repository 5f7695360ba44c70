"""A deflated data set is inflated once, within its budget: not counted first and inflated again."""

from __future__ import annotations

import pytest

from radshare.core import budgets, part10
from radshare.core.budgets import OverBudget
from radshare.core.sources import read_dicom
from tests.fixtures.dicom_factory import make_image, to_bytes


def _deflated() -> bytes:
    return to_bytes(make_image(rows=256, cols=256), "deflate")


def test_the_usual_deflated_file_is_inflated_once(monkeypatch):
    inflated = []
    inflaters = [budgets.zlib]
    try:
        from isal import isal_zlib

        inflaters.append(isal_zlib)
    except ImportError:
        pass
    for module in inflaters:
        real = module.decompressobj
        monkeypatch.setattr(module, "decompressobj", lambda *a, real=real: inflated.append(a) or real(*a))
    ds = read_dicom(_deflated(), "a.dcm")
    assert ds.Rows == 256 and len(ds.PixelData) == 256 * 256 * 2
    assert len(inflated) == 1


def test_over_its_budget_it_is_refused_naming_the_file(monkeypatch):
    monkeypatch.setattr(part10, "INFLATED_BYTES", 64 * 1024)
    with pytest.raises(OverBudget, match=r"^a\.dcm: the deflated data set inflates past the 0 MB budget"):
        read_dicom(_deflated(), "a.dcm")


def test_a_stream_cut_short_is_named_as_damage_not_read_in_part():
    data = _deflated()
    with pytest.raises(Exception, match="cannot be parsed"):
        read_dicom(data[: len(data) - 5000], "a.dcm")


def _raw_deflate(data: bytes) -> bytes:
    import zlib

    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def test_a_bomb_is_counted_past_its_first_pass_not_kept():
    """Refused at the budget while holding little more than the first pass (the bomb in the
    hostile-input benchmark peaked at 355 MB when its output was kept up to the 256 MB budget)."""
    import tracemalloc

    bomb = _raw_deflate(bytes(200 * budgets.MIB))  # 200 KB that inflate to 200 MB
    tracemalloc.start()
    try:
        with pytest.raises(OverBudget, match="inflates past the 64 MB budget"):
            budgets.inflate_within(bomb, 64 * budgets.MIB, "bomb")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * budgets.MIB, f"held {peak / budgets.MIB:.0f} MB"  # the first pass keeps 16 MB


def test_a_stream_past_the_first_pass_but_within_budget_is_inflated_whole():
    data = bytes(40 * budgets.MIB) + b"end"  # a ratio no image has: counted, then inflated again
    stream = _raw_deflate(data)
    assert budgets.inflate_within(stream, 64 * budgets.MIB, "x") == data
    assert budgets.inflate_within(stream[:-20], 64 * budgets.MIB, "x") is None  # cut short while counting
