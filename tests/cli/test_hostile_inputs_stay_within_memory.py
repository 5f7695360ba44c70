"""No input of 10 MB or less on disk makes `radshare deid` grow past 1.5 GB on one worker.

The real command runs, in a child process, on small files that inflate or decode to a gigabyte
and more: a zip member, a deflated data set, a WebP and a PNG that declare hundreds of megapixels,
compressed CT and ultrasound frames that declare a gigabyte of pixels. Its peak resident memory
(ru_maxrss of the child) must stay under 1.5 GB, and every input must end as a named result. An
address-space limit keeps a regression from taking the machine with it (it then fails here).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures import hostile
from tests.fixtures.installation_key import use_fixed_key

ROOT = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 1536
SAFETY_LIMIT = 4 * 1024**3  # address space: above the target, below what would hurt the machine


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    use_fixed_key(tmp_path, monkeypatch)


def _deid_peak(inputs: list[Path], tmp_path: Path) -> tuple[int, dict, str, float]:
    """(return code, report, stderr, peak MB) of one `radshare deid --workers 1` in a fresh child."""
    report = tmp_path / "report.json"
    wrapper = (
        "import json, resource, subprocess, sys\n"
        f"limit = {SAFETY_LIMIT}\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True,\n"
        "                      preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))\n"
        "print(json.dumps({'rc': done.returncode, 'stderr': done.stderr,\n"
        "                  'peak_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n"
    )
    argv = [sys.executable, "-c", wrapper, sys.executable, "-m", "radshare", "deid", *map(str, inputs),
            "-o", str(tmp_path / "out"), "--report", str(report), "--workers", "1"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["rc"], json.loads(report.read_text()), result["stderr"], result["peak_kb"] / 1024


def test_bombs_are_refused_by_their_budgets_within_the_memory_target(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    inputs = {
        "zip": hostile.zip_bomb(folder),
        "deflate": hostile.deflated_dicom_bomb(folder),
        "webp": hostile.webp_bomb(folder),
        "png": hostile.png_bomb(folder),
        "ct": hostile.multiframe_bomb(folder, "CT"),
        "us": hostile.multiframe_bomb(folder, "US"),
    }
    assert all(path.stat().st_size <= 10 * 1024**2 for path in inputs.values())
    rc, report, stderr, peak = _deid_peak(list(inputs.values()), tmp_path)
    by_input = {Path(entry["input"].split("!")[0]).name: entry for entry in report["files"]}
    assert peak < PEAK_LIMIT_MB, f"peak resident memory {peak:.0f} MB"
    assert rc == 1 and "Traceback" not in stderr
    reasons = {name: by_input[path.name]["error"] or "" for name, path in inputs.items()}
    assert "zip member declares 1.0 GB, over the 256 MB budget" in reasons["zip"]
    assert "deflated data set inflates past the 256 MB budget" in reasons["deflate"]
    assert "268 MP, over the 50 megapixel budget" in reasons["webp"]
    assert "196 MP, over the 50 megapixel budget" in reasons["png"]
    # every image is scanned for burned-in text, so a CT declaring a gigabyte is refused like the US
    for name in ("ct", "us"):
        assert "over the 128 MB budget for text redaction" in reasons[name], name
    for name in ("zip", "deflate", "webp", "png", "ct", "us"):
        assert f"radshare: error: {inputs[name]}" in stderr, name
