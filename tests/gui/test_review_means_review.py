"""Review means review: detection runs by itself, Mark reviewed waits for it, the gates ask for
"detected and reviewed", and a long series is cleared from a strip of its images."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer

from conftest import open_by_drop, press_key, wait_detected
from dicomfactory import TEXT_BOX
from radshare.gui import services

pytestmark = pytest.mark.skipif(not services.detection_available(), reason="no text detector in this installation")


@pytest.fixture
def held_detection(monkeypatch):
    """Detection that waits for `release.set()` before it starts: the test sees the image before
    its boxes, whatever the machine's speed."""
    from radshare.gui import review_jobs

    release = threading.Event()
    real = review_jobs.detect_images

    def held(images, mode="auto", progress=None, cancel=None):
        while not release.wait(0.02):
            if cancel is not None and cancel():
                return
        yield from real(images, mode, progress=progress, cancel=cancel)

    monkeypatch.setattr(review_jobs, "detect_images", held)
    yield release
    release.set()


def _overlaps_text(region) -> bool:
    x, y, w, h = TEXT_BOX
    return region.x < x + w and x < region.x + region.w and region.y < y + h and y < region.y + region.h


def test_detection_runs_by_itself_when_an_image_opens_and_the_window_stays_responsive(qtbot, window, ct_file, held_detection):
    open_by_drop(qtbot, window, [ct_file])
    state = window.current
    assert state.detecting and not state.detected
    ticks = []
    timer = QTimer(window)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    with qtbot.waitSignal(window.reviewer.image_detected, timeout=60000) as blocker:
        held_detection.set()
    timer.stop()
    assert blocker.args[0] is state and state.detected
    assert any(_overlaps_text(r) for r in state.image.regions), "the burned-in name was not found"
    assert len(ticks) >= 3  # the event loop kept running while the detector worked
    assert "box" in window.review_panel.status.text()


def test_mark_reviewed_waits_until_detection_has_finished(qtbot, window, ct_file, held_detection):
    open_by_drop(qtbot, window, [ct_file])
    state = window.current
    panel = window.review_panel
    assert not panel.accept_all.isEnabled()
    assert not window.actions["mark_reviewed"].isEnabled()
    press_key(qtbot, window, Qt.Key_Return, Qt.ControlModifier)  # the shortcut does nothing either
    window.reviewer.accept_all()  # nor a direct call
    assert state.image.review == "not reviewed"
    held_detection.set()
    wait_detected(qtbot, window)
    assert panel.accept_all.isEnabled() and window.actions["mark_reviewed"].isEnabled()
    qtbot.mouseClick(panel.accept_all, Qt.LeftButton)
    assert state.image.review == "reviewed" and state.review_done


def test_the_export_gate_asks_for_detected_and_reviewed(qtbot, window, ct_file, held_detection):
    from radshare.gui.viewer import commands

    open_by_drop(qtbot, window, [ct_file])
    state = window.current
    state.undo_stack.push(commands.SetReview(state, "reviewed"))  # any way of marking it, before detection
    assert state.image.review == "not reviewed" and not state.review_done
    assert window.exporter.unreviewed([state]) == 1
    dialog = window.exporter.dialog()
    qtbot.addWidget(dialog)
    dialog.folder.setText("/tmp/unused")
    dialog._update()
    assert dialog.confirm.isVisible() or not dialog.confirm.isHidden()
    assert not dialog.export_button.isEnabled()  # only the explicit confirmation lets it out
    held_detection.set()
    wait_detected(qtbot, window)
    qtbot.mouseClick(window.review_panel.accept_all, Qt.LeftButton)
    assert window.exporter.unreviewed([state]) == 0
    dialog = window.exporter.dialog()
    qtbot.addWidget(dialog)
    dialog.folder.setText("/tmp/unused")
    dialog._update()
    assert dialog.export_button.isEnabled()


def test_the_post_gate_sees_no_review_before_detection(qtbot, window, ct_file, held_detection):
    from radshare.gui.composer import render_source

    open_by_drop(qtbot, window, [ct_file])
    state = window.current
    state.image.review = "reviewed"  # even set behind the window's back...
    state.changed()  # ...the next change puts it right
    assert not render_source(state.image, None, 0).text_review_done
    held_detection.set()
    wait_detected(qtbot, window)
    qtbot.mouseClick(window.review_panel.accept_all, Qt.LeftButton)
    assert render_source(state.image, None, 0).text_review_done


def test_a_series_is_cleared_from_its_strip_with_accept_all_boxes_in_this_series(qtbot, window, ct_dir, held_detection):
    open_by_drop(qtbot, window, [ct_dir])
    panel = window.review_panel
    assert len(window.states) == 2
    assert panel.strip.marks() == ["detecting", "detecting"]
    assert not panel.accept_series.isEnabled()
    held_detection.set()
    wait_detected(qtbot, window)
    qtbot.waitUntil(lambda: panel.strip.marks() == ["to review", "to review"], timeout=5000)
    assert panel.accept_series.isEnabled() and "(2)" in panel.accept_series.text()
    qtbot.mouseClick(panel.accept_series, Qt.LeftButton)
    assert all(s.review_done for s in window.states)
    assert panel.strip.marks() == ["reviewed", "reviewed"]
    assert "2 of 2 reviewed" in panel.series_label.text()
    second = panel.strip.item(1)
    rect = panel.strip.visualItemRect(second)
    qtbot.mouseClick(panel.strip.viewport(), Qt.LeftButton, pos=rect.center())
    assert window.current is window.states[1]
    press_key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)  # undo on that image: it needs review again
    assert not window.current.review_done


def test_cancelling_detection_leaves_the_images_unreviewable_until_asked_again(qtbot, window, ct_file, held_detection):
    open_by_drop(qtbot, window, [ct_file])
    with qtbot.waitSignal(window.reviewer.detection_finished, timeout=10000):
        qtbot.mouseClick(window.review_panel.cancel, Qt.LeftButton, pos=QPoint(4, 4))
    state = window.current
    assert not state.detected and not window.review_panel.accept_all.isEnabled()
    assert window.reviewer.worker is None  # it did not start again by itself
    held_detection.set()
    with qtbot.waitSignal(window.reviewer.image_detected, timeout=60000):
        qtbot.mouseClick(window.review_panel.detect, Qt.LeftButton)
    assert state.detected and window.review_panel.accept_all.isEnabled()


def test_undo_cannot_take_the_detected_boxes_away(qtbot, window, ct_file):
    open_by_drop(qtbot, window, [ct_file])
    wait_detected(qtbot, window)
    state = window.current
    found = list(state.image.regions)
    assert found
    press_key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert state.image.regions == found


def test_a_review_from_an_earlier_session_stands_again_once_detection_confirms_it(
        qtbot, window, ct_file, settings, tmp_path, held_detection):
    from radshare.gui.main_window import MainWindow

    held_detection.set()
    open_by_drop(qtbot, window, [ct_file])
    wait_detected(qtbot, window)
    qtbot.mouseClick(window.review_panel.accept_all, Qt.LeftButton)
    assert window.current.review_done
    window.close()  # the review is saved beside the session
    again = MainWindow(settings, session_dir=tmp_path / "session")
    qtbot.addWidget(again)
    again.show()
    held_detection.clear()
    try:
        open_by_drop(qtbot, again, [ct_file])
        state = again.current
        assert state.image.review == "not reviewed" and again.exporter.unreviewed([state]) == 1  # not yet
        held_detection.set()
        wait_detected(qtbot, again)
        assert state.image.review == "reviewed" and state.review_done
    finally:
        again.close()


def test_a_cancel_stops_a_cine_between_its_frames_and_leaves_it_not_detected(qtbot, window, multiframe_file, monkeypatch):
    """Closing the window cancels and waits: a cine's search must stop at its next frame, not run
    on through every frame after the window has gone (a worker outliving its window)."""
    from radshare.core.redact import series

    scanned = []
    real_scan = series.SeriesScanner.scan

    def scan_then_cancel(self, *args, **kwargs):  # the real scan, counted; the first one cancels
        scanned.append(1)
        if window.reviewer.worker is not None:
            window.reviewer.worker.request_cancel()
        return real_scan(self, *args, **kwargs)

    monkeypatch.setattr(series.SeriesScanner, "scan", scan_then_cancel)
    with qtbot.waitSignal(window.reviewer.detection_finished, timeout=60000):
        open_by_drop(qtbot, window, [multiframe_file])
    assert window.current.image.frame_count == 12
    assert 1 <= len(scanned) <= 2  # stopped after the frame it was on, not 12 frames in each view
    assert not window.current.detected
