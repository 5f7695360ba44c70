"""Batch processes reuse freed large buffers: a file's pixel data costs no fresh pages each time.

Measured as the minor page faults of de-identifying the same large images in a fresh process, with
and without the tuning `radshare deid` applies before its workers start.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.fixtures.dicom_factory import make_image, to_bytes

PROBE = """
import resource, sys
from pathlib import Path
from radshare.core.heap import reuse_large_buffers
from radshare.core.pipeline import process_item, settings_for_installation
from radshare.core.sources import InputItem
if sys.argv[2] == "tuned":
    assert reuse_large_buffers()
settings = settings_for_installation(text_redaction="off")
files = sorted(Path(sys.argv[1]).glob("*.dcm"))
def run(out):
    for path in files:
        assert process_item(InputItem(path=path, display=path.name), Path(out), settings).status == "ok"
run(sys.argv[1] + "/warm-" + sys.argv[2])
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
run(sys.argv[1] + "/out-" + sys.argv[2])
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator is tuned on Linux only")
def test_freed_pixel_buffers_serve_the_next_file(tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    for index, (rows, cols) in enumerate([(1024, 1200), (512, 512), (1500, 1200), (800, 600)]):
        (tmp_path / f"{index}.dcm").write_bytes(to_bytes(make_image(rows=rows, cols=cols, seed=index)))

    def faults(mode: str) -> int:
        result = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path), mode], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return int(result.stdout)

    default, tuned = faults("default"), faults("tuned")
    assert tuned < default / 2, (default, tuned)
