"""Stack navigation as on every PACS: a series' slices in Instance Number / position order, the
wheel and arrow keys step through them (Ctrl+wheel zooms), a slice bar says where you are,
window/level and zoom follow you through a linked series, and dropped files are shown."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from conftest import drop, open_by_drop, press_key
from dicomfactory import write_ct

SERIES = "1.2.826.0.1.3680043.8.498.555"


def _slice(path: Path, instance: int, z: float | None = None, series: str = SERIES) -> Path:
    write_ct(path, size=64, instance=instance, series_uid=series, text=False)
    if z is not None:
        ds = pydicom.dcmread(path)
        ds.ImagePositionPatient = [0.0, 0.0, z]
        ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
        ds.save_as(path)
    return path


@pytest.fixture
def series_dir(tmp_path) -> Path:
    """Five slices whose file names run against their instance numbers (MR #2 before MR #1)."""
    folder = tmp_path / "series"
    folder.mkdir()
    for name, instance in (("a.dcm", 5), ("b.dcm", 3), ("c.dcm", 1), ("d.dcm", 4), ("e.dcm", 2)):
        _slice(folder / name, instance)
    return folder


def _instances(window) -> list[int]:
    return [s.image.instance_number for s in window.stacks.stack(window.current)]


def _listed(window) -> list[int]:
    parent = window.series_panel.tree.topLevelItem(0)
    return [parent.child(i).data(0, Qt.UserRole).image.instance_number for i in range(parent.childCount())]


def _wheel(window, clicks: int, modifiers=Qt.NoModifier) -> None:
    pos = QPointF(window.canvas.rect().center())
    event = QWheelEvent(pos, QPointF(window.canvas.mapToGlobal(pos.toPoint())), QPoint(), QPoint(0, -120 * clicks),
                        Qt.NoButton, modifiers, Qt.NoScrollPhase, False)
    QApplication.sendEvent(window.canvas, event)


def test_slices_are_listed_and_stepped_in_instance_order_not_file_order(qtbot, window, series_dir):
    open_by_drop(qtbot, window, [series_dir])
    assert _listed(window) == [1, 2, 3, 4, 5]
    assert _instances(window) == [1, 2, 3, 4, 5]
    assert [s.image.instance_number for s in window.states] == [1, 2, 3, 4, 5]
    assert window.current.image.instance_number == 1  # the series opens at its first slice


def test_without_instance_numbers_slices_follow_their_position_along_the_normal(qtbot, window, tmp_path):
    folder = tmp_path / "positions"
    folder.mkdir()
    for name, z in (("1.dcm", 30.0), ("2.dcm", -10.0), ("3.dcm", 10.0)):
        path = _slice(folder / name, 0, z)
        ds = pydicom.dcmread(path)
        del ds.InstanceNumber
        ds.save_as(path)
    open_by_drop(qtbot, window, [folder])
    positions = [float(s.image.dataset.ImagePositionPatient[2]) for s in window.stacks.stack(window.current)]
    assert positions == [-10.0, 10.0, 30.0]


def test_wheel_and_arrow_keys_step_through_the_series_and_ctrl_wheel_zooms(qtbot, window, series_dir):
    open_by_drop(qtbot, window, [series_dir])
    assert window.frame_bar.isVisible() and window.frame_label.text() == "Slice 1 / 5"
    _wheel(window, 1)
    assert window.current.image.instance_number == 2
    assert window.frame_label.text() == "Slice 2 / 5" and window.frame_slider.value() == 1
    assert window.canvas.position_text == "Slice 2 / 5"
    press_key(qtbot, window, Qt.Key_Down)
    assert window.current.image.instance_number == 3
    press_key(qtbot, window, Qt.Key_Up)
    press_key(qtbot, window, Qt.Key_Up)
    press_key(qtbot, window, Qt.Key_Up)  # held at the first slice, not wrapped
    assert window.current.image.instance_number == 1
    press_key(qtbot, window, Qt.Key_End)
    assert window.current.image.instance_number == 5
    window.frame_slider.setValue(2)
    assert window.current.image.instance_number == 3
    zoom, shown = window.canvas.zoom, window.current
    _wheel(window, -1, Qt.ControlModifier)
    assert window.current is shown and window.canvas.zoom > zoom * 1.1
    selected = window.series_panel.tree.currentItem().data(0, Qt.UserRole)
    assert selected is window.current  # the list follows the slice


def test_the_what_if_table_follows_the_slice_once_stepping_pauses(qtbot, window, series_dir):
    open_by_drop(qtbot, window, [series_dir])
    _wheel(window, 1)
    _wheel(window, 1)

    def shown_uid() -> str:
        return next((r.original for r in window.deid_panel.rows if r.name.split()[-1] == "SOPInstanceUID"), None)  # None while the what-if is worked out

    qtbot.waitUntil(lambda: shown_uid() == str(window.current.image.dataset.SOPInstanceUID), timeout=3000)


def test_window_level_zoom_and_pan_follow_through_a_linked_series_and_not_when_unlinked(qtbot, window, series_dir):
    open_by_drop(qtbot, window, [series_dir])
    assert window.actions["link_series"].isChecked()
    window.current.set_window(300, 1500)
    window.canvas.zoom_by(2.0)
    zoom, pan = window.canvas.zoom, QPointF(window.canvas.pan)
    _wheel(window, 2)
    assert window.current.image.instance_number == 3
    assert (window.current.view.center, window.current.view.width) == (300, 1500)
    assert window.canvas.zoom == pytest.approx(zoom) and window.canvas.pan == pan
    window.actions["link_series"].trigger()
    assert not window.settings.link_series
    _wheel(window, 1)
    assert (window.current.view.center, window.current.view.width) == (40, 400)  # its own, from the file
    assert window.canvas.fitted


def test_cine_plays_through_a_series_of_single_frames(qtbot, window, series_dir):
    open_by_drop(qtbot, window, [series_dir])
    assert window.actions["play"].isEnabled()
    seen = set()
    press_key(qtbot, window, Qt.Key_Space)
    qtbot.waitUntil(lambda: seen.add(window.current.image.instance_number) or len(seen) >= 4, timeout=5000)
    press_key(qtbot, window, Qt.Key_Space)
    assert not window.cine_timer.isActive()


def test_dropped_files_are_selected_and_shown(qtbot, window, series_dir, tmp_path):
    open_by_drop(qtbot, window, [series_dir])
    _wheel(window, 2)
    extra = write_ct(tmp_path / "late.dcm", size=96, instance=1, series_uid="1.2.826.0.1.3680043.8.498.556")
    open_by_drop(qtbot, window, [extra])
    assert window.current.image.origin == str(extra)
    assert window.series_panel.tree.currentItem().data(0, Qt.UserRole) is window.current
    assert not window.frame_bar.isVisible()  # a series of one
