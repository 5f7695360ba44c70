"""A worker that dies (as under the out-of-memory killer) never ends a batch; a killed parent
leaves no workers behind; a zip is opened once, whatever the number of its members."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from radshare.core import batch, sources

ROOT = Path(__file__).resolve().parents[2]


def _die_on_seven(item: int) -> str:
    if item == 7:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01)
    return f"done {item}"


def test_a_killed_worker_is_replaced_and_only_its_item_is_reported():
    results = list(batch.run_batch(range(20), _die_on_seven, workers=2, crashed=lambda item, why: f"crashed {item}: {why}"))
    assert sorted(results, key=lambda r: int(r.split()[1].rstrip(":"))) == [
        f"done {i}" if i != 7 else f"crashed 7: {batch.WORKER_DIED}" for i in range(20)
    ]


def test_without_a_crash_handler_a_dead_worker_still_raises():
    from concurrent.futures.process import BrokenProcessPool

    with pytest.raises(BrokenProcessPool):
        list(batch.run_batch(range(10), _die_on_seven, workers=2))


def test_a_killed_parent_takes_its_workers_with_it(tmp_path):
    script = (
        "import time\n"
        "from radshare.core import batch\n"
        "def slow(item):\n"
        "    time.sleep(60)\n"
        "    return item\n"
        "if __name__ == '__main__':\n"
        "    list(batch.run_batch(range(4), slow, workers=2))\n"
    )
    path = tmp_path / "parent.py"
    path.write_text(script)
    parent = subprocess.Popen([sys.executable, str(path)], env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        deadline = time.monotonic() + 60
        workers: list[psutil.Process] = []
        while time.monotonic() < deadline and len(workers) < 2:
            workers = psutil.Process(parent.pid).children()
            time.sleep(0.2)
        assert len(workers) == 2, "the pool did not start"
        time.sleep(1.0)  # the initializer has run
        parent.kill()
        parent.wait(timeout=30)
        gone, alive = psutil.wait_procs(workers, timeout=20)
        assert alive == [], "workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        for worker in workers:  # only when the test failed: never leave them running
            try:
                worker.kill()
            except psutil.NoSuchProcess:
                pass


def test_a_zip_is_opened_once_for_all_its_members(tmp_path, monkeypatch):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for number in range(2000):
            z.writestr(f"{number:04d}.dcm", b"x" * 16)
    opened = []
    real_init = zipfile.ZipFile.__init__

    def counting(self, file, *args, **kwargs):
        opened.append(file)
        real_init(self, file, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", counting)
    items = list(sources.iter_inputs([archive]))
    start = time.perf_counter()
    assert all(item.read_bytes() == b"x" * 16 for item in items)
    seconds = time.perf_counter() - start
    assert len(items) == 2000
    assert len(opened) == 2, opened  # once to list, once to read every member
    assert seconds < 10
