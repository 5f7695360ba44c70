"""The status bar's message: what just happened, for a while, then what is true now.

A message set with `setText` stays `timeout_ms`, then gives way to `idle_text()` (the open
images and what still needs review), so the bar never keeps saying "Exported 3 files" an hour
later. While work runs (`busy()`), its progress message stays.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget


class StatusLine(QLabel):
    def __init__(self, idle_text: Callable[[], str], busy: Callable[[], bool], parent: QWidget | None = None,
                 timeout_ms: int = 8000):
        super().__init__(parent)
        self.idle_text = idle_text
        self.busy = busy
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(timeout_ms)
        self.timer.timeout.connect(self._expire)

    @property
    def timeout_ms(self) -> int:
        return self.timer.interval()

    @timeout_ms.setter
    def timeout_ms(self, value: int) -> None:
        self.timer.setInterval(value)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self.timer.start()

    def _expire(self) -> None:
        if self.busy():
            self.timer.start()
            return
        super().setText(self.idle_text())
