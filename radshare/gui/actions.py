"""Every command of the window as a QAction with an icon and a keyboard shortcut, plus menus
and the toolbar built from them. Tools and presets come from data (tools.TOOLS, presets JSON).
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

import json
from types import SimpleNamespace

from radshare.core.resources import resource_path
from radshare.gui import icons
from radshare.gui.viewer.tools import TOOLS


def _action(window, key: str, text: str, icon: str | None, shortcut, slot, tip: str = "", checkable: bool = False) -> QAction:
    action = QAction(text, window)
    if icon:
        action.setIcon(icons.icon(icon))
    if shortcut:
        sequences = shortcut if isinstance(shortcut, list) else [shortcut]
        action.setShortcuts([QKeySequence(s) for s in sequences])
    shown = action.shortcut().toString(QKeySequence.NativeText)
    action.setToolTip(f"{tip or text} ({shown})" if shown else (tip or text))
    action.setStatusTip(tip or text)
    action.setCheckable(checkable)
    if slot is not None:
        (action.toggled if checkable else action.triggered).connect(slot)
    window.addAction(action)
    window.actions[key] = action
    return action


def build_actions(window) -> None:
    w = window
    a = _action
    a(w, "open", "&Open\u2026", "open", QKeySequence.Open, w.choose_files, "Open DICOM files, photos or zip archives")
    a(w, "open_folder", "Open &folder\u2026", "open", "Ctrl+Shift+O", w.choose_folder, "Open every image in a folder")
    a(w, "export", "&Export\u2026", "export", "Ctrl+E", w.exporter.show_dialog, "Export de-identified images")
    a(w, "post", "&Post\u2026", "post", "Ctrl+Shift+P", w.open_composer, "Post de-identified images")
    a(w, "settings", "&Settings\u2026", "settings", QKeySequence.Preferences if not QKeySequence(QKeySequence.Preferences).isEmpty() else "Ctrl+,", w.show_settings)
    a(w, "quit", "&Quit", None, QKeySequence.Quit, w.close)
    undo = w.undo_group.createUndoAction(w, "&Undo")
    undo.setIcon(icons.icon("undo"))
    undo.setShortcuts([QKeySequence.Undo])
    redo = w.undo_group.createRedoAction(w, "&Redo")
    redo.setIcon(icons.icon("redo"))
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    for key, action in (("undo", undo), ("redo", redo)):
        w.addAction(action)
        w.actions[key] = action
    a(w, "delete", "&Delete selected", "delete", [QKeySequence.Delete, "Backspace"], w.delete_selected)
    a(w, "zoom_in", "Zoom &in", "zoom-in", [QKeySequence.ZoomIn, "Ctrl+="], lambda: w.canvas.zoom_by(1.25))
    a(w, "zoom_out", "Zoom &out", "zoom-out", QKeySequence.ZoomOut, lambda: w.canvas.zoom_by(0.8))
    a(w, "zoom_fit", "&Fit to window", "zoom-fit", "Ctrl+0", w.canvas.fit)
    a(w, "zoom_actual", "&Actual size (1:1)", "zoom-actual", "Ctrl+1", w.canvas.actual_size)
    a(w, "invert", "&Invert", "invert", "I", w.toggle_invert)
    a(w, "rotate_cw", "Rotate &right", "rotate-cw", "]", lambda: w.rotate(90))
    a(w, "rotate_ccw", "Rotate &left", "rotate-ccw", "[", lambda: w.rotate(270))
    a(w, "flip_h", "Flip &horizontally", "flip-h", "Shift+H", lambda: w.flip("h"))
    a(w, "flip_v", "Flip &vertically", "flip-v", "Shift+V", lambda: w.flip("v"))
    a(w, "reset_view", "&Reset view", None, "Ctrl+Shift+R", w.reset_view, "Undo crop, rotation, flips and window")
    a(w, "next_frame", "&Next slice or frame", None, ["Down", "Right", "PgDown"], lambda: w.step_slice(1))
    a(w, "prev_frame", "&Previous slice or frame", None, ["Up", "Left", "PgUp"], lambda: w.step_slice(-1))
    a(w, "first_frame", "First slice or frame", None, "Home", lambda: w.go_frame(0))
    a(w, "last_frame", "Last slice or frame", None, "End", lambda: w.go_frame(-1))
    a(w, "play", "&Play cine", "play", "Space", w.toggle_cine, "Play the frames or the series' slices as a loop",
      checkable=True)
    a(w, "link_series", "&Link window and zoom across a series", None, "Ctrl+Shift+L", w.set_link_series,
      "Window/level, zoom and pan follow you from slice to slice of a series", checkable=True)
    a(w, "next_image", "Next image", None, "Ctrl+Right", lambda: w.step_image(1))
    a(w, "prev_image", "Previous image", None, "Ctrl+Left", lambda: w.step_image(-1))
    a(w, "show_regions", "Show text &boxes", None, "Shift+B", w.set_show_regions, checkable=True)
    a(w, "preview", "Pre&view export", "preview", "P", w.set_preview,
      "Show the image as it will be exported: text boxes painted out", checkable=True)
    w.actions["show_regions"].setChecked(True)
    a(w, "detect", "&Detect burned-in text", "detect", "Ctrl+D", w.reviewer.detect, "Find text in the pixels")
    a(w, "mark_reviewed", "&Mark reviewed", "shield", "Ctrl+Return", w.reviewer.accept_all)
    a(w, "accept_region", "&Accept box", "accept", "Y", w.reviewer.accept_current, "Accept the selected text box (it will be painted out)")
    a(w, "next_unreviewed", "&Next unreviewed image", "next", "N", w.reviewer.next_unreviewed)
    a(w, "about", "&About RadShare", "about", None, w.show_about)
    a(w, "shortcuts", "&Keyboard shortcuts", None, "F1", w.show_shortcuts)
    a(w, "toggle_log", "Show &log", "log", "Ctrl+L", w.show_log)
    group = QActionGroup(w)
    group.setExclusive(True)
    for info in TOOLS:
        action = _action(w, f"tool_{info.id}", info.label, info.icon, info.shortcut, None, info.tip, checkable=True)
        action.triggered.connect(lambda _=False, t=info.id: w.set_tool(t))
        group.addAction(action)
    w.tool_group = group
    presets = []
    for preset in window_presets():
        action = _action(w, f"preset_{preset.id}", f"{preset.label} (W {preset.width:.0f} L {preset.center:.0f})",
                         None, preset.shortcut, None)
        action.triggered.connect(lambda _=False, p=preset: w.apply_window(p.center, p.width))
        presets.append(action)
    _action(w, "preset_file", "File window", None, "0", w.apply_file_window, "The window stored in the file")
    _action(w, "preset_auto", "Automatic window", None, "9", w.apply_auto_window, "Spans the image's values")
    w.preset_actions = presets


def window_presets() -> list[SimpleNamespace]:
    """The presets file render.py reads too (read here directly so that building the menus does
    not load numpy and OpenCV before the window is on screen)."""
    data = json.loads(resource_path("presets", "window.json").read_text(encoding="utf-8"))
    return [SimpleNamespace(id=p["id"], label=p["label"], center=float(p["center"]), width=float(p["width"]),
                            shortcut=p.get("shortcut", "")) for p in data["presets"]]


def build_menus(window) -> None:
    w, act = window, window.actions
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    for key in ("open", "open_folder", None, "export", "post", None, "settings", None, "quit"):
        if key is None:
            file_menu.addSeparator()
        elif key in act:
            file_menu.addAction(act[key])
    edit = bar.addMenu("&Edit")
    for key in ("undo", "redo", None, "delete"):
        edit.addSeparator() if key is None else edit.addAction(act[key])
    view = bar.addMenu("&View")
    for key in ("zoom_in", "zoom_out", "zoom_fit", "zoom_actual", None, "invert", "rotate_cw", "rotate_ccw",
                "flip_h", "flip_v", "reset_view", None):
        view.addSeparator() if key is None else view.addAction(act[key])
    window_menu = QMenu("&Window / level", w)
    window_menu.addAction(act["preset_file"])
    window_menu.addAction(act["preset_auto"])
    window_menu.addSeparator()
    for action in w.preset_actions:
        window_menu.addAction(action)
    view.addMenu(window_menu)
    frames = QMenu("&Slices and frames", w)
    for key in ("next_frame", "prev_frame", "first_frame", "last_frame", "play", None, "link_series", None,
                "next_image", "prev_image"):
        frames.addSeparator() if key is None else frames.addAction(act[key])
    view.addMenu(frames)
    view.addSeparator()
    view.addAction(act["show_regions"])
    view.addAction(act["preview"])
    view.addAction(act["toggle_log"])
    tools = bar.addMenu("&Tools")
    for info in TOOLS:
        tools.addAction(act[f"tool_{info.id}"])
        if info.id in ("crop", "ruler"):
            tools.addSeparator()
    review = bar.addMenu("&Review")
    for key in ("detect", "accept_region", "mark_reviewed", "next_unreviewed"):
        review.addAction(act[key])
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(act["shortcuts"])
    help_menu.addAction(act["about"])


def build_toolbar(window) -> QToolBar:
    w, act = window, window.actions
    bar = QToolBar("Main toolbar", w)
    bar.setObjectName("main-toolbar")
    bar.setMovable(False)
    bar.setIconSize(icons.ICON_SIZE)
    groups = [
        ["open", "export", "post"],
        [f"tool_{t}" for t in ("select", "pan", "window", "crop")],
        [f"tool_{t}" for t in ("arrow", "line", "ellipse", "rect", "text", "freehand", "marker", "ruler")],
        ["tool_region", "detect", "next_unreviewed", "preview"],
        ["undo", "redo"],
        ["zoom_fit", "zoom_actual", "invert", "rotate_ccw", "rotate_cw", "flip_h", "flip_v"],
    ]
    for i, group in enumerate(groups):
        if i:
            bar.addSeparator()
        for key in group:
            if key in act:
                bar.addAction(act[key])
    w.addToolBar(bar)
    return bar
