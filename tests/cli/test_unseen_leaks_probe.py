"""The independent leak probe (benchmarks/unseen_leaks.py) on a small corpus of its own: values
planted in header tags, free text, 3-deep sequences, private tags, file meta, preamble, trailing
padding, overlays, icons, file and folder names, photo EXIF/XMP/IPTC/PNG text and case notes
never reach an output of `radshare deid`, `export` or `post`.

Text redaction is off here (the pixel channel has its own tests and the full probe measures it),
which also proves the probe can see: every burned-in text must then be reported as leaked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_planted_value_leaves_outside_the_pixels(tmp_path):
    summary_file = tmp_path / "summary.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "unseen_leaks.py"), "--count", "8", "--cases", "1",
         "--workers", "1", "--text-redaction", "off", "--json", str(summary_file), "--keep", str(tmp_path / "run")],
        env=env, capture_output=True, text=True, timeout=600)
    assert summary_file.exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    summary = json.loads(summary_file.read_text())

    # the probe sees: with redaction off, every burned-in text is reported
    assert summary["pixels"]["planted"] == 24
    assert summary["pixels"]["leaked"] == 24

    channels = ("header tag", "free text", "hidden DICOM places", "file/folder name", "photo metadata",
                "case set (notes, manifest, index.html, names)", "post to folder account",
                "broken inputs (named error, no output)")
    for channel in channels:
        assert summary[channel]["planted"] > 0, channel
    leaked = {c: summary[c]["leaked"] for c in channels if summary[c]["leaked"]}
    assert not leaked, proc.stdout[proc.stdout.find("== leaks"):][:3000]
    assert [a for a in summary["attacker"] if not a.startswith("--report inside OUT: exit 2")] == []
