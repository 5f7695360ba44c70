"""Keeps the composer's chosen images prepared for the target's current limits, in the background.

Each image is rendered once (`composer_jobs.render_source`: core's shareable image) and fitted
again whenever the limits change (another account, or the server's own limits arriving). An
answer for limits that have changed meanwhile is not used. When an image cannot be prepared the
failure is kept and no new round starts by itself: an image that cannot be cleaned is never
retried in a loop, and never posted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, TypeVar

from PySide6.QtCore import QObject, Signal

from radshare.core.model import Image
from radshare.gui.composer_jobs import Prepared, PrepareJob, prepare_rows
from radshare.gui.workers import Op, Worker, WorkerPool
from radshare.uploaders.base import Limits, PreparedImage

if TYPE_CHECKING:
    from radshare.core.render import View
    from radshare.uploaders.compose import SourceImage

#: RadShare's own modules the composer's work imports, loaded on the UI thread first (gui/qtcompat.py).
WORKER_IMPORTS = ("radshare.core.prepare", "radshare.uploaders.compose", "radshare.uploaders.gate",
                  "sqlite3", "radshare.core.ledger", "radshare.core.sharing", "radshare.gui.ledger_jobs")

T = TypeVar("T")


def run_op(pool: WorkerPool, op: Op[T], finished: Callable[[], None] | None = None) -> Worker:
    """Start `op` in `pool` once the modules its work needs are loaded; `finished` runs after it either way."""
    from radshare.gui.qtcompat import preload

    preload(WORKER_IMPORTS)
    if finished is not None:
        op.on_finished(finished)
    return pool.start(op.worker())


class Preparation(QObject):
    """The rendered sources and the prepared bytes by list row, for the limits they were fitted to."""

    fitted = Signal()  # an answer arrived: sources, and prepared bytes when still for these limits
    settled = Signal()  # a round ended without failure (the chosen images may all be ready now)
    failed = Signal(str)  # an image could not be prepared (the reason, never a patient value)

    def __init__(self, pool: WorkerPool, images: list[Image], chosen: Callable[[], list[int]],
                 views: Callable[[], dict[int, tuple[View | None, int]]], parent: QObject | None = None):
        super().__init__(parent)
        self.pool, self.images, self.chosen, self.views = pool, images, chosen, views
        self.sources: dict[int, SourceImage] = {}  # row -> rendered once
        self.prepared: dict[int, PreparedImage] = {}  # row -> fitted to `fit_limits`
        self.fit_limits: Limits | None = None
        self.preparing = False
        self.failure = ""

    def ready(self, limits: Limits | None) -> bool:
        """True when every chosen image is prepared for `limits`."""
        return (limits is not None and self.fit_limits is limits
                and all(row in self.prepared for row in self.chosen()))

    def start(self, limits: Limits) -> Literal["started", "busy", "idle"]:
        """Prepare the chosen images not yet prepared for `limits` ("idle": nothing to do)."""
        if self.fit_limits is not limits:
            self.prepared = {}
            self.fit_limits = limits
        if self.preparing:
            return "busy"  # `_on_finished` starts the next round
        rows = [r for r in self.chosen() if r not in self.prepared]
        if not rows:
            return "idle"
        views = self.views()
        jobs: list[PrepareJob] = [(r, self.images[r], views[r][0], views[r][1], self.sources.get(r)) for r in rows]
        self.preparing = True
        op = Op(prepare_rows, jobs, limits, success=self._on_answer, cancellable=True).failure(self._on_failure)
        run_op(self.pool, op, self._on_finished)
        return "started"

    def keep_for(self, limits: Limits) -> None:
        """New limits that fit the same bytes (only text limits changed): keep what is prepared."""
        self.fit_limits = limits

    def _on_answer(self, answer: Prepared) -> None:
        limits, sources, prepared = answer
        self.sources.update(sources)
        if limits == self.fit_limits:  # not an answer for limits that have changed since
            self.prepared.update(prepared)
        self.fitted.emit()

    def _on_failure(self, text: str) -> None:
        self.failure = text
        self.failed.emit(text)

    def _on_finished(self) -> None:
        self.preparing = False
        if not self.failure:
            self.settled.emit()
