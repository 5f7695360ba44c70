"""The one adaptor between core functions and Qt's thread pool.

A core function that takes `progress` and `cancel` keyword arguments runs in a QRunnable; its
progress calls, yielded items (when it returns an iterator), result and error come back to the
UI thread as queued signals. Rule, as in Anki's taskman: the function must never touch a widget.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class WorkerSignals(QObject):
    progress = Signal(int, int, str)  # done, total, what (never a patient value)
    yielded = Signal(object)
    result = Signal(object)
    error = Signal(str)
    finished = Signal()  # always last, after result/error, also when cancelled


class Worker(QRunnable):
    """Runs `fn(*args, progress=..., cancel=..., **kwargs)` off the UI thread.

    `cancel` is a callable returning True once `request_cancel()` was called; the function is
    expected to check it between steps. When `fn` returns an iterator it is drained here and
    each item is sent through `yielded` (so the first image appears before the last is read).
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, pass_progress: bool = True, **kwargs: Any):
        super().__init__()
        self.setAutoDelete(False)
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.pass_progress = pass_progress
        self.signals = WorkerSignals()
        self._cancelled = threading.Event()
        self._done = threading.Event()

    # -- control (UI thread) --
    def request_cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    # -- worker thread --
    def _progress(self, done: int, total: int, what: str = "") -> None:
        if not self.cancelled:
            self.signals.progress.emit(int(done), int(total), str(what))

    def run(self) -> None:
        try:
            kwargs = dict(self.kwargs)
            if self.pass_progress:
                kwargs.setdefault("progress", self._progress)
                kwargs.setdefault("cancel", lambda: self._cancelled.is_set())
            value = self.fn(*self.args, **kwargs)
            if isinstance(value, Iterator):
                items = []
                for item in value:
                    if self.cancelled:
                        break
                    self.signals.yielded.emit(item)
                    items.append(item)
                value = items
            if not self.cancelled:
                self.signals.result.emit(value)
        except Exception as exc:  # shown to the user; the traceback names code, not patients
            if not self.cancelled:
                self.signals.error.emit(_describe(exc))
            traceback.print_exc()
        finally:
            self._done.set()
            self.signals.finished.emit()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return text if text else type(exc).__name__


class WorkerPool:
    """Keeps the running workers so the window can cancel and wait for them when it closes."""

    def __init__(self, pool: QThreadPool | None = None):
        self.pool = pool or QThreadPool.globalInstance()
        self.active: list[Worker] = []

    def start(self, worker: Worker) -> Worker:
        from radshare.gui.qtcompat import preload

        preload()  # import on this thread what the worker will need (see qtcompat)
        self.active.append(worker)
        worker.signals.finished.connect(lambda w=worker: self._forget(w))
        self.pool.start(worker)
        return worker

    def _forget(self, worker: Worker) -> None:
        if worker in self.active:
            self.active.remove(worker)

    @property
    def busy(self) -> bool:
        return any(not w.done for w in self.active)

    def cancel_all(self, wait_ms: int = 5000) -> bool:
        """Ask every worker to stop and wait for them; True when all stopped in time."""
        for worker in list(self.active):
            worker.request_cancel()
        return self.pool.waitForDone(wait_ms)


_DIALOG_POOL: QThreadPool | None = None


def dialog_pool() -> QThreadPool:
    """The pool the sharing dialogs run network steps in, kept for the whole session: closing a
    dialog never waits for the main window's work, and a step still running then ends quietly."""
    global _DIALOG_POOL
    if _DIALOG_POOL is None:
        _DIALOG_POOL = QThreadPool()
        _DIALOG_POOL.setMaxThreadCount(2)
    return _DIALOG_POOL
