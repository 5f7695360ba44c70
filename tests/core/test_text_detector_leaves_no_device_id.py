"""The text detector's runtime (onnxruntime) leaves nothing in the user's home: by default it
writes a persistent device id and a usage database under ~/.cache/Microsoft/DeveloperTools, a
tracking identifier on every clinical workstation RadShare runs on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_running_the_detector_writes_nothing_under_home(tmp_path):
    pytest.importorskip("onnxruntime")
    code = (
        "import numpy as np, cv2\n"
        "from radshare.core.redact import dbnet\n"
        "from radshare.core.redact.detect import detect_text\n"
        "assert dbnet.available()\n"
        "frame = np.zeros((128, 256), np.uint8)\n"
        "cv2.putText(frame, 'TEST 123', (10, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)\n"
        "assert detect_text(frame)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / ".cache"), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == []
