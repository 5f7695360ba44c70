"""Outputs are written in 1 MB calls (fsutil.WRITE_CHUNK), and still arrive whole or not at all."""

from __future__ import annotations

import os

import pytest

from radshare.core import fsutil
from radshare.core.fsutil import atomic_write_bytes


def test_a_file_of_several_pieces_arrives_whole(tmp_path):
    data = os.urandom(3 * fsutil.WRITE_CHUNK + 12345)  # three full pieces and a short one
    target = tmp_path / "a" / "out.dcm"
    atomic_write_bytes(target, data)
    assert target.read_bytes() == data
    assert [p.name for p in target.parent.iterdir()] == ["out.dcm"]


def test_a_write_that_fails_midway_leaves_nothing(tmp_path, monkeypatch):
    calls = []

    def failing(handle, data):
        calls.append(len(data))
        handle.write(memoryview(data)[: fsutil.WRITE_CHUNK])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil, "_write_all", failing)
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "out.dcm", os.urandom(2 * fsutil.WRITE_CHUNK))
    assert calls and list(tmp_path.iterdir()) == []
