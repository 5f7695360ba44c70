"""How fast the desktop app starts and shows a dropped image, beside same-run baselines.

Prints:
* cold start to window shown: a fresh `python` process that builds RadShare's main window and
  returns once Qt has exposed it (median of N runs), beside two baselines measured the same way
  in the same run: `import PySide6.QtWidgets` alone, and a bare QMainWindow shown. Ratios to
  those baselines survive a noisy, shared machine better than seconds do.
* drop-to-display: a real QDropEvent on the window until the canvas has painted the first frame,
  for a 512x512 CT slice and a 100-frame 512x512 multi-frame (offscreen platform).

Run: .venv/bin/python benchmarks/gui_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "gui"))

CHILD = {
    "import": "import PySide6.QtWidgets",
    "bare": (
        "from PySide6.QtWidgets import QApplication, QMainWindow\n"
        "app = QApplication([])\n"
        "w = QMainWindow(); w.setWindowTitle('bare'); w.resize(1400, 880); w.show()\n"
        "while not w.windowHandle() or not w.windowHandle().isExposed(): app.processEvents()\n"
        "app.processEvents()\n"
    ),
    "radshare": (
        "from radshare.gui.app import create_app\n"
        "app = create_app()\n"
        "from radshare.gui.main_window import MainWindow\n"
        "from radshare.gui.settings import AppSettings\n"
        "from radshare.gui.theme import apply_theme\n"
        "from PySide6.QtCore import QSettings\n"
        "import tempfile, os\n"
        "d = tempfile.mkdtemp()\n"
        "apply_theme(app, 'dark')\n"
        "w = MainWindow(AppSettings(QSettings(os.path.join(d, 's.ini'), QSettings.IniFormat)), session_dir=d)\n"
        "w.show()\n"
        "while not w.windowHandle() or not w.windowHandle().isExposed(): app.processEvents()\n"
        "app.processEvents()\n"
    ),
}


def time_child(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def cold_start(runs: int) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="0")
    env["RADSHARE_KEY_FILE"] = str(Path(tempfile.mkdtemp()) / "key")
    for code in CHILD.values():  # warm the OS file cache once; "cold" means a new process
        time_child(code, env)
    results: dict[str, list[float]] = {name: [] for name in CHILD}
    for _ in range(runs):
        for name, code in CHILD.items():  # interleaved, so drift hits all three alike
            results[name].append(time_child(code, env))
    return {name: statistics.median(values) for name, values in results.items()}


def drop_to_display(runs: int) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("RADSHARE_KEY_FILE", str(Path(tempfile.mkdtemp()) / "key"))
    from PySide6.QtCore import QEventLoop, QMimeData, QPointF, QSettings, Qt, QTimer, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    from dicomfactory import write_ct
    from radshare.gui.app import create_app
    from radshare.gui.main_window import MainWindow
    from radshare.gui.settings import AppSettings

    app = create_app()
    folder = Path(tempfile.mkdtemp())
    files = {
        "512x512 CT slice": write_ct(folder / "slice.dcm", size=512),
        "100-frame 512x512 multi-frame": write_ct(folder / "multi.dcm", size=512, frames=100,
                                                   series_uid="1.2.826.0.1.3680043.8.498.55"),
    }
    results: dict[str, float] = {}
    first: dict[str, float] = {}
    for label, path in files.items():
        times = []
        for run in range(runs + 1):  # the first run warms imports; it is not counted
            session = Path(tempfile.mkdtemp())
            window = MainWindow(AppSettings(QSettings(str(session / "s.ini"), QSettings.IniFormat)), session_dir=session)
            window.show()
            while not window.windowHandle() or not window.windowHandle().isExposed():
                app.processEvents()
            app.processEvents()
            loop = QEventLoop()
            shown: list[float] = []

            def on_rendered() -> None:
                if window.current is not None and not shown:
                    shown.append(time.perf_counter())
                    loop.quit()

            window.canvas.rendered.connect(on_rendered)
            mime = QMimeData()
            mime.setUrls([QUrl.fromLocalFile(str(path))])
            pos = QPointF(window.canvas.geometry().center())
            start = time.perf_counter()
            QApplication.sendEvent(window, QDragEnterEvent(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
            QApplication.sendEvent(window, QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
            QTimer.singleShot(60000, loop.quit)
            if not shown:
                loop.exec()
            if shown and run == 0 and label not in first:
                first[label] = shown[0] - start
            if run and shown:
                times.append(shown[0] - start)
            window.workers.cancel_all()
            window.close()
            window.deleteLater()
            app.processEvents()
        results[label] = statistics.median(times)
    results["first drop in a fresh process (loads the readers too)"] = next(iter(first.values()))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    print(f"RadShare GUI benchmark: median of {args.runs} runs each, offscreen Qt, {os.cpu_count()} CPUs")
    starts = cold_start(args.runs)
    base_import, base_bare, radshare = starts["import"], starts["bare"], starts["radshare"]
    print("\ncold start to window shown (new process each run)")
    print(f"  baseline: python -c 'import PySide6.QtWidgets'   {base_import * 1000:7.0f} ms")
    print(f"  baseline: bare QMainWindow shown                {base_bare * 1000:7.0f} ms")
    print(f"  RadShare main window shown                      {radshare * 1000:7.0f} ms"
          f"   ({radshare / base_bare:.2f}x bare window, +{(radshare - base_bare) * 1000:.0f} ms)")
    print("\ndrop-to-display (QDropEvent until the canvas painted the image)")
    for label, seconds in drop_to_display(args.runs).items():
        print(f"  {label:54s} {seconds * 1000:7.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
