"""The one adaptor between core functions and Qt's thread pool.

A core function that takes `progress` and `cancel` keyword arguments runs in a QRunnable; its
progress calls, yielded items (when it returns an iterator), result and error come back to the
UI thread as queued signals. Rule, as in Anki's taskman: the function must never touch a widget.

The rest of the GUI starts work only through `Op` below, whose handlers are typed; `Worker` and
its `object`-typed signals are this module's detail (tests/gui/test_no_untyped_signals.py).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class WorkerSignals(QObject):
    """Carried from the pool thread to the UI thread; connected only by `Op` and `WorkerPool`."""

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


# ---------------------------------------------------------------------------------------------
# A typed operation, in the spirit of Anki's QueryOp


T = TypeVar("T")
I = TypeVar("I")


def _while_alive(owner: QObject, handler: Callable[..., None]) -> Callable[..., None]:
    import shiboken6

    def deliver(*values: Any) -> None:
        if shiboken6.isValid(owner):
            handler(*values)

    return deliver


class Op(Generic[T]):
    """Run `op` off the UI thread and hand its typed result to `success` on the UI thread.

        Op(detect_text, image, mode, success=self._on_regions).failure(self._on_error)
            .with_progress(self._on_progress).run_in_background(self.workers)

    With `owner`, the result is dropped once that widget is gone (a window closed while the
    operation ran): a late result must not touch deleted widgets.

    `op` receives `progress(done, total, what)` and `cancel()` keyword arguments only when
    `with_progress` was called or `cancellable=True`; like every worker function it must never
    touch a widget. `failure` gets the error's text (never a patient value: core errors name
    files and reasons); without one, errors are left to the worker's `error` signal. When `op`
    returns an iterator, `on_item` gets each item as it comes (and `success` the list of all);
    `on_finished` runs last, after success or failure, also when cancelled. The returned Worker
    can be cancelled and waited for as any other.
    """

    def __init__(self, op: Callable[..., T], *args: Any, success: Callable[[T], None] | None = None,
                 cancellable: bool = False, owner: QObject | None = None, **kwargs: Any):
        self._op, self._args, self._kwargs = op, args, kwargs
        self._owner = owner
        self._success = None if success is None else self._guard(success)
        self._failure: Callable[[str], None] | None = None
        self._progress: Callable[[int, int, str], None] | None = None
        self._item: Callable[[Any], None] | None = None
        self._finished: Callable[[], None] | None = None
        self._cancellable = cancellable

    def _guard(self, handler: Callable[..., None]) -> Callable[..., None]:
        return handler if self._owner is None else _while_alive(self._owner, handler)

    def failure(self, handler: Callable[[str], None]) -> "Op[T]":
        self._failure = self._guard(handler)
        return self

    def with_progress(self, handler: Callable[[int, int, str], None]) -> "Op[T]":
        self._progress = self._guard(handler)
        return self

    def on_item(self, handler: Callable[[I], None]) -> "Op[T]":
        """Deliver each item of an iterator-returning `op` on the UI thread as it is produced."""
        self._item = self._guard(handler)
        return self

    def on_finished(self, handler: Callable[[], None]) -> "Op[T]":
        """Run `handler` once the operation has ended, whatever the outcome (cancelled included)."""
        self._finished = self._guard(handler)
        return self

    def worker(self) -> Worker:
        """The Worker this operation runs in, connected, not started."""
        worker = Worker(self._op, *self._args, pass_progress=self._cancellable or self._progress is not None, **self._kwargs)
        if self._success is not None:
            worker.signals.result.connect(self._success)
        if self._failure is not None:
            worker.signals.error.connect(self._failure)
        if self._progress is not None:
            worker.signals.progress.connect(self._progress)
        if self._item is not None:
            worker.signals.yielded.connect(self._item)
        if self._finished is not None:
            worker.signals.finished.connect(self._finished)
        return worker

    def run_in_background(self, pool: "WorkerPool | QThreadPool | None" = None) -> Worker:
        """Start it in `pool` (a WorkerPool keeps it for cancel-all; default: the global pool).

        The Worker is kept alive until it has finished whatever the caller does with the returned
        reference: a QRunnable freed while a pool thread runs it crashes the process."""
        worker = self.worker()
        if isinstance(pool, WorkerPool):
            return pool.start(worker)
        from radshare.gui.qtcompat import disable_feature_source_check

        disable_feature_source_check()  # the worker may import: PySide's import hook must be off (qtcompat)
        _RUNNING.add(worker)
        worker.signals.finished.connect(lambda w=worker: _RUNNING.discard(w))
        (pool or QThreadPool.globalInstance()).start(worker)
        return worker


_RUNNING: set[Worker] = set()  # operations started outside a WorkerPool, held until they finish
