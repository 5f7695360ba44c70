"""A non-modal log of what happened: files that could not be opened, exports, detection runs.

Messages name files and reasons only; the app never puts a header value here.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget


class LogPanel(QWidget):
    problem_logged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(5000)
        layout.addWidget(self.view)
        row = QHBoxLayout()
        row.addStretch(1)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.view.clear)
        row.addWidget(clear)
        layout.addLayout(row)
        self.problems: list[str] = []

    def scroll_to_newest(self) -> None:
        """Show the last lines (also once the dock has its size: a hidden log has none)."""
        def scroll() -> None:
            bar = self.view.verticalScrollBar()
            bar.setValue(bar.maximum())

        scroll()
        QTimer.singleShot(0, scroll)

    def info(self, text: str) -> None:
        self.view.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")

    def problem(self, text: str) -> None:
        self.problems.append(text)
        self.view.appendPlainText(f"{time.strftime('%H:%M:%S')}  \u26a0 {text}")
        self.problem_logged.emit()
