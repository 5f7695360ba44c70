"""With several workers, `radshare deid` loads the header path once before they fork, and hands
out the largest inputs first; neither changes what is written."""

from __future__ import annotations

import pytest

from radshare.cli import main
from radshare.core import batch, pipeline
from tests.fixtures.dicom_factory import make_image, to_bytes
from tests.fixtures.installation_key import use_fixed_key


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    use_fixed_key(tmp_path, monkeypatch)
    folder = tmp_path / "in"
    folder.mkdir()
    for name, size in (("a.dcm", 32), ("b.dcm", 256), ("c.dcm", 64)):
        (folder / name).write_bytes(to_bytes(make_image(rows=size, cols=size), "explicit-le"))
    return folder


def test_the_largest_inputs_go_first_after_one_warm_up(inputs, tmp_path, monkeypatch):
    calls = []
    real_warm, real_batch = pipeline.warm_header_path, batch.run_batch
    monkeypatch.setattr(pipeline, "warm_header_path", lambda settings: calls.append("warm") or real_warm(settings))

    def spy(units, work, **kwargs):
        calls.append([unit[0].path.name for unit in units])
        return real_batch(units, work, **kwargs)

    monkeypatch.setattr(batch, "run_batch", spy)
    assert main(["deid", str(inputs), "-o", str(tmp_path / "out"), "--text-redaction", "off", "--workers", "2", "-q"]) == 0
    assert calls == ["warm", ["b.dcm", "c.dcm", "a.dcm"]]
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 3


def test_a_warm_up_that_fails_costs_nothing_but_time(inputs, tmp_path, monkeypatch):
    def broken(settings):
        raise RuntimeError("the warm-up broke")

    monkeypatch.setattr(pipeline, "warm_header_path", broken)
    assert main(["deid", str(inputs), "-o", str(tmp_path / "out"), "--text-redaction", "off", "--workers", "2", "-q"]) == 0
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 3
