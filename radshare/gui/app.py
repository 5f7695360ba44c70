"""Start the desktop app: `radshare [FILES...]` lands here through cli.py."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QApplication

from radshare import __version__


def create_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    QCoreApplication.setOrganizationName("RadShare")
    QCoreApplication.setApplicationName("RadShare")
    QCoreApplication.setApplicationVersion(__version__)
    app.setApplicationDisplayName("RadShare")
    return app


def run_app(files: list[str]) -> int:
    """Show the main window, open `files` (after the window is up), run until it closes."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract threads would fight the UI thread
    app = create_app()
    from radshare.gui import icons
    from radshare.gui.main_window import MainWindow
    from radshare.gui.window_dialogs import canvas_color
    from radshare.gui.settings import AppSettings
    from radshare.gui.theme import apply_theme

    settings = AppSettings()
    table = apply_theme(app, settings.theme)
    app.setWindowIcon(icons.icon("app"))
    window = MainWindow(settings)
    window.canvas.background = canvas_color(table)
    window.show()
    if files:
        QTimer.singleShot(0, lambda: window.open_paths(files))
    else:  # warm the readers while the user reaches for files, so the first drop shows at once
        from radshare.gui.qtcompat import preload

        QTimer.singleShot(150, preload)
    _close_on_signals(window)
    return int(app.exec())


def _close_on_signals(window) -> None:
    """Ctrl+C in the terminal or SIGTERM at logout close the window the normal way (work is
    cancelled, annotations saved). A short timer lets Python run its signal handlers."""
    import signal

    def close(*_args) -> None:
        QTimer.singleShot(0, window.close)

    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), close)
    ticker = QTimer(window)
    ticker.timeout.connect(lambda: None)
    ticker.start(250)
