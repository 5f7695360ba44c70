"""A radiologist drops files, views them, draws an arrow, undoes it and changes the window."""

from __future__ import annotations

import zipfile

import numpy as np
from PySide6.QtCore import Qt

from conftest import drag, image_to_canvas, open_by_drop, press_key, wait_detected


def test_window_title_starts_with_radshare_and_shows_the_drop_invitation(window):
    assert window.windowTitle().startswith("RadShare")
    assert window.current is None
    pixels = window.canvas.grab().toImage()
    assert not pixels.isNull()
    from radshare.gui.viewer.canvas import EMPTY_TITLE

    assert EMPTY_TITLE == "Drop DICOM files, folders or photos here"


def test_dropping_good_and_bad_files_opens_the_good_and_logs_the_bad(qtbot, window, ct_file, tmp_path):
    bad = tmp_path / "broken.dcm"
    bad.write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00garbage")
    opened, failed = open_by_drop(qtbot, window, [ct_file, bad])
    assert (opened, failed) == (1, 1)
    assert window.current is not None and window.current.image.rows == 512
    assert any("broken.dcm" in p for p in window.log_panel.problems)
    assert window.log_dock.isVisible()
    assert not any("DOE" in p for p in window.log_panel.problems)


def test_a_folder_and_a_zip_open_and_group_into_series(qtbot, window, ct_dir, multiframe_file, tmp_path):
    archive = tmp_path / "cine.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(multiframe_file, "inner/cine.dcm")
    opened, failed = open_by_drop(qtbot, window, [ct_dir, archive])
    assert (opened, failed) == (3, 0)
    assert window.series_panel.tree.topLevelItemCount() == 2
    sizes = sorted(window.series_panel.tree.topLevelItem(i).childCount() for i in range(2))
    assert sizes == [1, 2]


def test_arrow_drawn_with_the_mouse_is_undone_and_redone(qtbot, window, ct_file):
    open_by_drop(qtbot, window, [ct_file])
    press_key(qtbot, window, Qt.Key_V)  # select tool first, so the shortcut really switches
    press_key(qtbot, window, Qt.Key_A)
    assert window.actions["tool_arrow"].isChecked()
    state = window.current
    start, end = image_to_canvas(window, 100, 300), image_to_canvas(window, 250, 200)
    drag(window.canvas, start, end)
    assert [a.kind for a in state.image.annotations] == ["arrow"]
    tip = state.image.annotations[0].points[-1]
    assert abs(tip[0] - 250) < 2 and abs(tip[1] - 200) < 2
    press_key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert state.image.annotations == []
    press_key(qtbot, window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert [a.kind for a in state.image.annotations] == ["arrow"]


def test_every_drawing_tool_has_a_shortcut_and_makes_its_annotation(qtbot, window, ct_file, monkeypatch):
    from radshare.gui.viewer import tools

    monkeypatch.setattr(tools, "ask_label_text", lambda canvas: "Nodule")
    open_by_drop(qtbot, window, [ct_file])
    state = window.current
    keys = {"arrow": Qt.Key_A, "line": Qt.Key_L, "ellipse": Qt.Key_E, "rect": Qt.Key_R, "freehand": Qt.Key_F,
            "ruler": Qt.Key_D, "text": Qt.Key_T, "marker": Qt.Key_M}
    for n, (kind, key) in enumerate(keys.items()):
        press_key(qtbot, window, key)
        y = 120 + n * 30
        a, b = image_to_canvas(window, 120, y), image_to_canvas(window, 300, y + 20)
        drag(window.canvas, a, b)
        assert state.image.annotations[-1].kind == kind
    assert state.image.annotations[-2].text == "Nodule"
    assert state.undo_stack.count() == len(keys)
    ruler = next(a for a in state.image.annotations if a.kind == "ruler")
    from radshare.core.render import ruler_length_text

    assert ruler_length_text(ruler.points[0], ruler.points[-1], state.image.pixel_spacing).endswith("mm")


def test_select_tool_moves_an_annotation_and_delete_removes_it(qtbot, window, ct_file):
    open_by_drop(qtbot, window, [ct_file])
    state = window.current
    press_key(qtbot, window, Qt.Key_R)
    drag(window.canvas, image_to_canvas(window, 100, 100), image_to_canvas(window, 200, 180))
    press_key(qtbot, window, Qt.Key_V)
    drag(window.canvas, image_to_canvas(window, 100, 140), image_to_canvas(window, 130, 160))
    rect = state.image.annotations[0]
    assert abs(rect.points[0][0] - 130) < 2 and abs(rect.points[0][1] - 120) < 2
    press_key(qtbot, window, Qt.Key_Delete)
    assert state.image.annotations == []
    press_key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert len(state.image.annotations) == 1


def test_dragging_with_the_window_tool_changes_width_and_level(qtbot, window, ct_file):
    open_by_drop(qtbot, window, [ct_file])
    state = window.current
    before = state.view
    assert (before.center, before.width) == (40.0, 400.0)  # the file's own VOI
    press_key(qtbot, window, Qt.Key_W)
    drag(window.canvas, (200, 200), (300, 260))
    after = state.view
    assert after.width > before.width and after.center > before.center
    # right button adjusts the window in any tool
    press_key(qtbot, window, Qt.Key_A)
    drag(window.canvas, (200, 200), (150, 200), button=Qt.RightButton)
    assert state.view.width < after.width
    assert state.image.annotations == []
    press_key(qtbot, window, Qt.Key_1)  # CT lung preset
    assert (state.view.center, state.view.width) == (-600.0, 1500.0)


def test_invert_rotate_flip_crop_change_what_is_shown(qtbot, window, ct_file):
    open_by_drop(qtbot, window, [ct_file])
    state = window.current
    press_key(qtbot, window, Qt.Key_I)
    assert state.view.invert
    press_key(qtbot, window, Qt.Key_BracketRight)
    assert state.view.rotation == 90
    press_key(qtbot, window, Qt.Key_H, Qt.ShiftModifier)
    assert state.view.flip_h
    press_key(qtbot, window, Qt.Key_C)
    drag(window.canvas, image_to_canvas(window, 50, 60), image_to_canvas(window, 300, 400))
    x, y, w, h = state.view.crop
    assert abs(x - 50) <= 2 and abs(y - 60) <= 2 and abs(w - 250) <= 3 and abs(h - 340) <= 3
    press_key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert state.view.crop is None and state.view.flip_h


def test_frames_scroll_with_keys_wheel_slider_and_cine(qtbot, window, multiframe_file):
    open_by_drop(qtbot, window, [multiframe_file])
    state = window.current
    assert window.frame_bar.isVisible()
    press_key(qtbot, window, Qt.Key_Right)
    assert state.frame == 1
    press_key(qtbot, window, Qt.Key_End)
    assert state.frame == 11
    window.frame_slider.setValue(5)
    assert state.frame == 5
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    pos = QPointF(window.canvas.rect().center())
    wheel = QWheelEvent(pos, QPointF(window.canvas.mapToGlobal(pos.toPoint())), QPoint(), QPoint(0, -120),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(window.canvas, wheel)
    assert state.frame == 6
    press_key(qtbot, window, Qt.Key_Space)
    qtbot.waitUntil(lambda: state.frame not in (6,), timeout=3000)
    press_key(qtbot, window, Qt.Key_Space)
    assert not window.cine_timer.isActive()


def test_annotations_are_saved_as_a_sidecar_and_come_back_on_reopen(qtbot, window, ct_file, settings, tmp_path):
    open_by_drop(qtbot, window, [ct_file])
    press_key(qtbot, window, Qt.Key_M)
    drag(window.canvas, image_to_canvas(window, 200, 200), image_to_canvas(window, 200, 200))
    assert [a.kind for a in window.current.image.annotations] == ["marker"]
    sidecars = list((tmp_path / "session").glob("*.json"))
    assert len(sidecars) == 1 and b"DOE" not in sidecars[0].read_bytes()
    window.close()
    from radshare.gui.main_window import MainWindow

    again = MainWindow(settings, session_dir=tmp_path / "session")
    qtbot.addWidget(again)
    again.show()
    open_by_drop(qtbot, again, [ct_file])
    assert [a.kind for a in again.current.image.annotations] == ["marker"]
    again.close()


def test_what_if_panel_lists_original_values_and_their_fate(qtbot, window, ct_file):
    open_by_drop(qtbot, window, [ct_file])
    qtbot.waitUntil(lambda: bool(window.deid_panel.rows), timeout=20000)  # worked out off the UI thread
    rows = window.deid_panel.rows
    by_keyword = {r.name.split()[-1]: r for r in rows}
    assert by_keyword["PatientName"].original == "DOE^JANE"
    assert by_keyword["PatientName"].action in ("removed", "replaced", "emptied")
    assert any(r.group == "Private tags" and r.action == "removed" for r in rows)
    assert "DOE" not in by_keyword["PatientName"].result


def test_post_is_in_the_file_menu(window):
    """Always offered: when this installation cannot open the composer, Post says why
    (test_unavailable_parts_say_why.py)."""
    assert "post" in window.actions
    assert any(a.text() == "&Post\u2026" for a in window.menuBar().actions()[0].menu().actions())


def test_closing_while_loading_cancels_cleanly(qtbot, window, tmp_path):
    from dicomfactory import write_ct

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(12):
        write_ct(folder / f"{i}.dcm", size=128, instance=i)
    worker = window.open_paths([str(folder)])
    window.close()
    assert worker.wait(10)
    assert not window.workers.busy


def test_restyling_the_selected_annotation_is_one_undo_step(qtbot, window, ct_file):
    open_by_drop(qtbot, window, [ct_file])
    state = window.current
    press_key(qtbot, window, Qt.Key_L)
    drag(window.canvas, image_to_canvas(window, 100, 100), image_to_canvas(window, 300, 100))
    red = window.properties_panel.swatch_buttons[1]
    qtbot.mouseClick(red, Qt.LeftButton)
    assert state.image.annotations[0].color == "#FF3B30"
    window.properties_panel.width.setValue(7.5)
    window.properties_panel.width.editingFinished.emit()
    assert state.image.annotations[0].width == 7.5
    press_key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    press_key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert state.image.annotations[0].color == "#FFD400" and state.image.annotations[0].width == 3.0
    assert window.canvas.style["color"] == "#FF3B30"  # the next annotation keeps the chosen style


def test_a_text_region_is_moved_resized_set_to_blur_and_deleted(qtbot, window, ct_file):
    open_by_drop(qtbot, window, [ct_file])
    state = window.current
    wait_detected(qtbot, window)
    state.image.regions = []  # only the box drawn here
    state.changed()
    press_key(qtbot, window, Qt.Key_B)
    drag(window.canvas, image_to_canvas(window, 20, 20), image_to_canvas(window, 120, 60))
    press_key(qtbot, window, Qt.Key_V)
    drag(window.canvas, image_to_canvas(window, 60, 40), image_to_canvas(window, 80, 50))  # move
    region = state.image.regions[0]
    assert (region.x, region.y, region.w, region.h) == (40, 30, 100, 40)
    drag(window.canvas, image_to_canvas(window, 140, 70), image_to_canvas(window, 200, 90))  # resize corner
    region = state.image.regions[0]
    assert (region.x, region.y, region.w, region.h) == (40, 30, 160, 60)
    panel = window.review_panel
    assert panel.current_region() is region
    panel.fill.setCurrentIndex(1)
    panel.fill.activated.emit(1)
    assert state.image.regions[0].fill == "blur"
    qtbot.mouseClick(panel.delete, Qt.LeftButton)
    assert state.image.regions == []
    press_key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert state.image.regions[0].fill == "blur"
