"""Finished details of the window: the light theme switched live keeps the image list readable
(measured on a screenshot), the log opens at its newest line, the status bar does not keep stale
news, and the text-label tool asks in a proper dialog."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from conftest import click, image_to_canvas, open_by_drop, press_key
from test_composer_dialog_fixes import contrast


def _when_modal_opens(qtbot, act) -> list:
    """Run `act(dialog)` on the next modal dialog, from the event loop its exec() runs."""
    seen: list = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, poll)
            return
        seen.append(dialog)
        act(dialog)

    QTimer.singleShot(0, poll)
    return seen


def _text_contrast(window) -> float:
    """The contrast of the image list's text against its background, on a screenshot of the list."""
    tree = window.series_panel.tree
    parent = tree.topLevelItem(0)
    shot = tree.viewport().grab().toImage()
    ratios = []
    for item in (parent.child(0), parent):
        rect = tree.visualItemRect(item)
        left = rect.left() + (tree.iconSize().width() + 8 if item is not parent else 0)
        colors = Counter(shot.pixelColor(x, y).rgb() for x in range(left, min(rect.right(), left + 120))
                         for y in range(rect.top(), rect.bottom()))
        background = QColor.fromRgb(colors.most_common(1)[0][0])
        ratios.append(max(contrast(QColor.fromRgb(c), background) for c in colors))
    return min(ratios)


def test_switching_to_the_light_theme_live_keeps_the_image_list_readable(qtbot, window, ct_dir):
    open_by_drop(qtbot, window, [ct_dir])
    window.series_panel.tree.setCurrentItem(None)  # measure unselected rows
    assert _text_contrast(window) >= 4.5  # dark theme

    def choose_light(dialog) -> None:
        dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
        dialog.accept()

    seen = _when_modal_opens(qtbot, choose_light)
    window.show_settings()
    assert seen and window.settings.theme == "light"
    qtbot.wait(50)
    window.series_panel.tree.setCurrentItem(None)
    assert _text_contrast(window) >= 4.5


def test_the_log_opens_at_its_newest_line(qtbot, window):
    for n in range(300):
        window.log_panel.info(f"line {n}")
    window.show_log()
    qtbot.waitUntil(lambda: window.log_dock.isVisible())
    bar = window.log_panel.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=2000)
    last = window.log_panel.view.cursorForPosition(window.log_panel.view.viewport().rect().bottomLeft())
    assert int(last.block().text().rsplit(" ", 1)[1]) >= 295  # the bottom of the view shows the last lines


def test_the_status_bar_returns_to_what_is_open_after_a_message(qtbot, window, ct_dir):
    window.status_label.timeout_ms = 150
    open_by_drop(qtbot, window, [ct_dir])
    assert window.status_label.text().startswith("Opened 2 images")
    qtbot.waitUntil(lambda: window.status_label.text() == "2 images open, 2 not reviewed for burned-in text.",
                    timeout=3000)
    window.reviewer.accept_all()
    window.status_label.setText("Marked reviewed.")
    qtbot.waitUntil(lambda: "1 not reviewed" in window.status_label.text(), timeout=3000)


def test_the_text_tool_asks_in_a_proper_dialog(qtbot, window, ct_file):
    from radshare.gui.dialogs.text_label_dialog import TextLabelDialog

    open_by_drop(qtbot, window, [ct_file])
    press_key(qtbot, window, "T")

    def type_label(dialog) -> None:
        if not isinstance(dialog, TextLabelDialog):  # close it, so that the test fails rather than hangs
            dialog.reject()
            return
        assert dialog.windowTitle() == "Text label" and dialog.width() >= 420
        ok = dialog.buttons.button(QDialogButtonBox.Ok)
        assert not ok.isEnabled()  # nothing typed yet
        qtbot.keyClicks(dialog.text, "Deep sulcus sign")
        assert ok.isEnabled()
        ok.click()

    seen = _when_modal_opens(qtbot, type_label)
    click(window.canvas, image_to_canvas(window, 200, 200))
    assert seen and isinstance(seen[0], TextLabelDialog)
    assert [(a.kind, a.text) for a in window.current.image.annotations] == [("text", "Deep sulcus sign")]
