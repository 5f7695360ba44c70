"""Take the README/docs screenshots of RadShare's main flows from a real window, in both themes.

Run under Xvfb with the real platform plugin:
    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python docs/screenshots/make_screenshots.py docs/screenshots
Dark theme shots are NAME.png, light theme shots NAME-light.png (RADSHARE_THEME=dark or light
takes one theme only). Synthetic data only: a fake patient DOE^JANE with her name burned into a
CT-like phantom.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pydicom

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "gui"))
os.environ.setdefault("RADSHARE_KEY_FILE", str(Path(tempfile.mkdtemp()) / "key"))

from dicomfactory import write_ct  # noqa: E402


def phantom(path: Path) -> Path:
    """A chest-CT-like slice with soft noise, vessels and ribs, for nicer pictures."""
    write_ct(path)
    ds = pydicom.dcmread(path)
    hu = ds.pixel_array.astype(np.float32) - 1024
    rng = np.random.default_rng(7)
    size = hu.shape[0]
    yy, xx = np.mgrid[0:size, 0:size]
    lungs = (hu > -900) & (hu < -700)
    vessels = cv2.GaussianBlur(rng.normal(0, 1, hu.shape).astype(np.float32), (0, 0), 3) > 0.55
    hu[lungs & vessels] = -300
    for k in range(7):  # ribs
        angle = np.radians(200 + k * 20)
        cx, cy = size / 2 + np.cos(angle) * size * 0.38, size / 2 + np.sin(angle) * size * 0.3
        cv2.ellipse(hu, (int(cx), int(cy)), (9, 5), np.degrees(angle) + 90, 0, 360, 700, -1)
        cx2 = size - cx
        cv2.ellipse(hu, (int(cx2), int(cy)), (9, 5), -np.degrees(angle) - 90, 0, 360, 700, -1)
    cv2.circle(hu, (size // 2 - 20, size // 2 + 10), 30, 180, -1)  # heart / mediastinum
    cv2.circle(hu, (size // 2 + 10, size // 2 - 40), 14, 250, -1)  # aorta
    cv2.circle(hu, (int(size * 0.66), int(size * 0.38)), 11, 30, -1)  # the teaching finding: a nodule
    text = ds.pixel_array > 2500
    hu = cv2.GaussianBlur(hu, (0, 0), 1.1) + rng.normal(0, 14, hu.shape).astype(np.float32)
    hu[text] = 2000
    ds.PixelData = (np.clip(hu, -1024, 3000) + 1024).astype(np.int16).tobytes()
    ds.save_as(path)
    return path


def main(out_dir: Path, theme: str) -> int:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from radshare.core.model import Annotation
    from radshare.gui.app import create_app
    from radshare.gui.main_window import MainWindow
    from radshare.gui.window_dialogs import canvas_color
    from radshare.gui.settings import AppSettings
    from radshare.gui.theme import apply_theme
    from radshare.gui.viewer import commands

    app = create_app()
    work = Path(tempfile.mkdtemp())
    data = work / "case"
    data.mkdir()
    phantom(data / "ct-key-slice.dcm")
    for number in (2, 3, 4, 5):  # the rest of the series, so the slice bar shows
        write_ct(data / f"ct-{number}.dcm", instance=number)
    write_ct(data / "cine.dcm", size=256, frames=24, series_uid="1.2.826.0.1.3680043.8.498.9")
    suffix = "" if theme == "dark" else f"-{theme}"
    table = apply_theme(app, theme)
    settings = AppSettings(QSettings(str(work / "s.ini"), QSettings.IniFormat))
    window = MainWindow(settings, session_dir=work / "session")
    window.canvas.background = canvas_color(table)
    window.resize(1500, 920)
    window.show()

    def pump(ms: int = 300) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    loop = QEventLoop()
    window.images_loaded.connect(lambda *_: loop.quit())
    window.open_paths([str(data)])
    loop.exec()
    state = next(s for s in window.states if s.image.frame_count == 1 and s.image.instance_number == 1)
    window.show_state(state)
    window.log_dock.hide()
    pump()
    window.canvas.fit()

    def shot(name: str, widget=None) -> None:
        pump(400)
        screen = QApplication.primaryScreen()
        target = widget or window
        if os.environ.get("QT_QPA_PLATFORM") == "xcb":
            geo = target.frameGeometry()
            pix = screen.grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height())
        else:
            pix = target.grab()
        path = out_dir / name.replace(".png", f"{suffix}.png")
        pix.save(str(path))
        print("wrote", path)

    # 1. main window: CT with teaching annotations
    yellow = "#FFD400"
    for ann in (
        Annotation("arrow", [(415, 140), (352, 184)], color=yellow, width=4),
        Annotation("text", [(378, 112)], color=yellow, text="RUL nodule", font_size=20),
        Annotation("ruler", [(327, 214), (349, 214)], color="#34C759", width=2, font_size=14),
        Annotation("marker", [(230, 300)], color="#0A84FF", font_size=16),
        Annotation("ellipse", [(200, 270), (262, 330)], color="#0A84FF", width=2.5),
    ):
        state.undo_stack.push(commands.AddItem(state, "annotations", ann, "Add"))
    # the real detector and OCR, in the worker, as a user's click on "Detect text" runs them
    finished = QEventLoop()
    window.reviewer.detection_finished.connect(lambda *_: finished.quit())
    window.reviewer.detect()
    finished.exec()
    window.canvas.select("annotations", state.image.annotations[0])
    window.side_tabs.setCurrentWidget(window.properties_panel)
    window.properties_panel.show_alt_text("Axial chest CT, lung window: a 15 mm nodule in the right upper lobe.", True)
    window.apply_window(-600, 1500)
    window.actions["tool_select"].trigger()
    shot("main-window.png")

    # 2. text review
    window.side_tabs.setCurrentWidget(window.review_panel)
    window.canvas.select("regions", state.image.regions[0])
    window.actions["tool_region"].trigger()
    window.reviewer.refresh()
    shot("text-review.png")

    # 3. de-identification what-if
    window.side_tabs.setCurrentWidget(window.deid_panel)
    window.deid_panel.show_kept.setChecked(False)
    shot("deidentification.png")

    # 4. export dialog over the window, PHI gate showing
    window.actions["export"].trigger()
    dialog = window.exporter.open_dialog
    dialog.folder.setText(str(Path.home() / "RadShare exports"))
    pump()
    dialog.size.setCurrentIndex(dialog.size.findData("1080"))
    pump()
    shot("export-dialog.png", None)
    dialog.reject()

    # 5. the composer, before any account: the preview of the bytes that would be sent
    from radshare.gui.composer import ComposerDialog

    composer = ComposerDialog([state.image], window)
    composer.caption.setPlainText("Solitary pulmonary nodule in the right upper lobe\n\nWhat is your next step?")
    composer.hashtags.setText("#RadEd #FOAMrad")
    composer.show()
    ready = QEventLoop()
    QTimer.singleShot(30000, ready.quit)
    composer.prepared_changed.connect(ready.quit)
    if not composer.ready():
        ready.exec()
    shot("composer.png", composer)
    composer.reject()

    # 6. the case-set dialog with two case folders
    from radshare.gui.caseset_dialog import CaseSetDialog

    cases = work / "cases"
    for name in ("chest_nodule", "pneumothorax"):
        folder = cases / name
        folder.mkdir(parents=True)
        write_ct(folder / "IM0001.dcm", size=128)
        (folder / "case.md").write_text("# Teaching case\n\nFindings: see the images.\n")
    caseset = CaseSetDialog(window, settings)
    caseset.add_folders([cases])
    caseset.output.setText(str(Path.home() / "Teaching set 2026"))
    caseset.show()
    shot("caseset-export.png", caseset)
    caseset.reject()
    window.close()
    return 0


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    target.mkdir(parents=True, exist_ok=True)
    chosen = os.environ.get("RADSHARE_THEME")
    for name in ([chosen] if chosen else ["dark", "light"]):
        main(target, name)
    raise SystemExit(0)
