"""GUI test fixtures: an offscreen Qt, isolated settings and key, and user-like input helpers."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, QSettings, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from dicomfactory import write_ct  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_key(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path_factory.getbasetemp() / "installation.key"))


@pytest.fixture(autouse=True)
def _no_work_outlives_its_test(qapp):
    """Each test ends with its workers ended, as the app's own close does (MainWindow.closeEvent
    waits for them): a worker still running would deliver into the next test's widgets."""
    yield
    from PySide6.QtCore import QThreadPool

    from radshare.gui import workers

    for pool in (QThreadPool.globalInstance(), workers._DIALOG_POOL):
        if pool is not None:
            assert pool.waitForDone(30000), "a worker of this test was still running 30 s after it ended"


@pytest.fixture
def settings(tmp_path):
    from radshare.gui.settings import AppSettings

    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))


@pytest.fixture
def window(qtbot, tmp_path, settings):
    from radshare.gui.main_window import MainWindow
    from radshare.gui.theme import apply_theme

    apply_theme(QApplication.instance(), "dark")
    win = MainWindow(settings, session_dir=tmp_path / "session")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    win.close()


@pytest.fixture(scope="session")
def ct_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ct")
    write_ct(folder / "slice1.dcm", instance=1)
    write_ct(folder / "slice2.dcm", instance=2)
    return folder


@pytest.fixture(scope="session")
def ct_file(ct_dir) -> Path:
    return ct_dir / "slice1.dcm"


@pytest.fixture(scope="session")
def multiframe_file(tmp_path_factory) -> Path:
    return write_ct(tmp_path_factory.mktemp("mf") / "cine.dcm", size=128, frames=12, series_uid="1.2.826.0.1.3680043.8.498.77")


def drop(window, paths: list[Path]) -> None:
    """A real drag-and-drop: QDragEnterEvent then QDropEvent carrying file URLs."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(window.canvas.mapTo(window, window.canvas.rect().center()))
    with warnings.catch_warnings():  # PySide marks the QPoint constructor deprecated; Qt has no other
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted(), "the window refused the drag"
    event = QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window, event)


def open_by_drop(qtbot, window, paths: list[Path], timeout: int = 20000):
    with qtbot.waitSignal(window.images_loaded, timeout=timeout) as blocker:
        drop(window, paths)
    return blocker.args


def wait_detected(qtbot, window, timeout: int = 60000) -> None:
    """Until text detection, which starts by itself when images open, has finished on every open image."""
    qtbot.waitUntil(lambda: window.states and all(s.detected for s in window.states), timeout=timeout)


def _mouse(widget, kind, pos: QPointF, button, buttons):
    global_pos = QPointF(widget.mapToGlobal(pos.toPoint()))
    event = QMouseEvent(kind, pos, global_pos, button, buttons, Qt.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(widget, start: tuple[float, float], end: tuple[float, float], button=Qt.LeftButton, steps: int = 6) -> None:
    """Press at `start`, move in steps with the button held, release at `end` (widget pixels)."""
    a, b = QPointF(*start), QPointF(*end)
    _mouse(widget, QEvent.MouseButtonPress, a, button, button)
    for i in range(1, steps + 1):
        p = a + (b - a) * (i / steps)
        _mouse(widget, QEvent.MouseMove, p, Qt.NoButton, button)
    _mouse(widget, QEvent.MouseButtonRelease, b, button, Qt.NoButton)


def click(widget, pos: tuple[float, float], button=Qt.LeftButton) -> None:
    p = QPointF(*pos)
    _mouse(widget, QEvent.MouseButtonPress, p, button, button)
    _mouse(widget, QEvent.MouseButtonRelease, p, button, Qt.NoButton)


def image_to_canvas(window, x: float, y: float) -> tuple[float, float]:
    p = window.canvas.to_widget((x, y))
    return (p.x(), p.y())


def press_key(qtbot, window, key, modifier=Qt.NoModifier) -> None:
    """A key press as a user makes it: shortcuts resolve against the active window."""
    if not window.isActiveWindow():  # e.g. a dialog just closed
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, key, modifier)
