"""`radshare deid --text-redaction off` loads no GUI, no text detector, no HTTP client and no
Pillow colour management: every such import cost each short run start-up time (a third of a run
on 80 files). Checked in a fresh interpreter, after a real run over every transfer syntax the
header path writes itself (explicit, implicit, deflated, RLE) and one it passes through (JPEG 2000).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.dicom_factory import make_image, to_bytes
from tests.fixtures.installation_key import write_fixed_key

REPO = Path(__file__).resolve().parents[2]

# Loaded only when something really uses them. requests and Pillow's colour management stay as
# lazy module objects (pydicom imports them and never calls them on this path): their own
# imports (urllib3, Pillow's LittleCMS binding) tell whether they really loaded.
NOT_ON_THE_HEADER_PATH = (
    "PySide6", "cv2", "onnxruntime", "tesserocr", "pytesseract", "keyring",
    "urllib3", "requests.sessions", "PIL._imagingcms", "ssl", "http.client", "radshare.gui",
    "radshare.uploaders", "radshare.core.redact.detect",
)

RUN = """
import json, sys
from radshare.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_a_header_only_run_imports_none_of_the_heavy_parts(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for syntax in ("explicit-le", "implicit-le", "deflate", "rle", "jpeg2000-lossless"):
        (folder / f"{syntax}.dcm").write_bytes(to_bytes(make_image(rows=64, cols=64), syntax))
    env = dict(os.environ, RADSHARE_KEY_FILE=str(write_fixed_key(tmp_path)), PYTHONPATH=str(REPO))
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        done = subprocess.run(
            [sys.executable, "-c", RUN, "deid", str(folder), "-o", str(out), "--text-redaction", "off", "-q", "--workers", workers],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        result = json.loads(done.stdout.splitlines()[-1])
        assert result["code"] == 0 and len(list(out.rglob("*.dcm"))) == 5
        loaded = [name for name in result["modules"] if name.startswith(NOT_ON_THE_HEADER_PATH)]
        assert loaded == [], f"imported on the header path with {workers} worker(s): {loaded}"
