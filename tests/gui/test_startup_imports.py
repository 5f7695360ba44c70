"""The window appears before the heavy readers load: building it imports no numpy, OpenCV or pydicom."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = """
import sys, tempfile
from radshare.gui.app import create_app
app = create_app()
from radshare.gui.main_window import MainWindow
from radshare.gui.theme import apply_theme
apply_theme(app, "dark")
w = MainWindow(session_dir=tempfile.mkdtemp())
w.show()
app.processEvents()
print(sorted(m for m in ("numpy", "cv2", "pydicom", "PIL.Image") if m in sys.modules))
"""


def test_showing_the_window_loads_no_image_libraries(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
