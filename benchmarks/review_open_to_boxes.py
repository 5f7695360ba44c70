"""From opening an image in the app to its text boxes shown, beside the detector alone on the same pixels.

Prints, median of --runs (offscreen platform, a fresh window each run):
* one 512x512 CT slice with a burned-in name: open (drop) -> boxes on screen, and
  detect_text on its frame alone (the same-run baseline: what the app adds is loading,
  rendering, OCR of the boxes and signalling);
* a 30-slice series: open -> the first slice's boxes, and -> every slice detected (the
  series path inside the app), beside detect_text on every slice.

Run: .venv/bin/python benchmarks/review_open_to_boxes.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["OMP_THREAD_LIMIT"] = "1"
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "gui"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slices", type=int, default=30)
    args = parser.parse_args()

    import numpy as np
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from dicomfactory import write_ct
    from radshare.core.redact.detect import detect_text
    from radshare.core.sources import load_paths
    from radshare.gui.main_window import MainWindow
    from radshare.gui.settings import AppSettings

    app = QApplication.instance() or QApplication([])
    work = Path(tempfile.mkdtemp(prefix="open-boxes-"))
    os.environ.setdefault("RADSHARE_KEY_FILE", str(work / "installation.key"))
    single = work / "one" / "slice.dcm"
    single.parent.mkdir()
    write_ct(single, instance=1)
    series = work / "series"
    series.mkdir()
    for i in range(args.slices):
        write_ct(series / f"slice{i:03d}.dcm", instance=i + 1)

    def wait(condition, timeout: float = 300.0) -> None:
        end = time.perf_counter() + timeout
        while not condition():
            app.processEvents()
            if time.perf_counter() > end:
                raise SystemExit("timed out")
            time.sleep(0.002)

    def open_and_time(path: Path) -> tuple[float, float]:
        window = MainWindow(AppSettings(QSettings(str(work / f"s{time.time_ns()}.ini"), QSettings.IniFormat)),
                            session_dir=work / f"session{time.time_ns()}")
        window.show()
        start = time.perf_counter()
        window.open_paths([str(path)])
        wait(lambda: window.current is not None and window.current.detected)
        app.processEvents()  # the boxes painted
        first = time.perf_counter() - start
        wait(lambda: window.loading is None and window.states and all(s.detected for s in window.states))
        every = time.perf_counter() - start
        window.close()
        return first, every

    frames = [image.frames[0] for image in load_paths([str(series)]) if not isinstance(image, Exception)]
    detect_text(frames[0])  # the detector's model loaded once, as in the app
    baseline_one, baseline_all, one, first, every = [], [], [], [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        detect_text(frames[0])
        baseline_one.append(time.perf_counter() - start)
        one.append(open_and_time(single)[0])
        start = time.perf_counter()
        for frame in frames:
            detect_text(frame)
        baseline_all.append(time.perf_counter() - start)
        f, e = open_and_time(series)
        first.append(f)
        every.append(e)
    ms = lambda values: 1000 * statistics.median(values)  # noqa: E731
    print(f"one CT slice: open -> boxes shown {ms(one):6.0f} ms   (detect_text alone {ms(baseline_one):5.0f} ms)")
    print(f"{len(frames)}-slice series: open -> first boxes {ms(first):6.0f} ms, -> every slice detected "
          f"{ms(every):6.0f} ms   (detect_text on every slice {ms(baseline_all):6.0f} ms)")
    del np


if __name__ == "__main__":
    main()
