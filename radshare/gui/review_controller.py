"""Burned-in text review: runs detection in a worker and turns panel clicks into undo commands."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from radshare.gui import services
from radshare.gui.document import ImageState
from radshare.gui.viewer import commands
from radshare.gui.workers import Op, Worker


class ReviewController(QObject):
    """Detection runs by itself: when an image is shown, it and the undetected images of its
    series are detected in one background job (the series path, so a long series is verified
    rather than detected slice by slice), current image first; then any other undetected image.
    Results arrive image by image; `image_detected` fires for each, `detection_finished` when a
    job ends. Mark reviewed stays disabled on an image until its detection has finished."""

    detection_finished = Signal(object)  # the ImageState shown when the job started (None: none)
    image_detected = Signal(object)  # an ImageState whose detection just finished

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.panel = window.review_panel
        self.worker: Worker | None = None
        self.worker_state: ImageState | None = None
        self.job: list[ImageState] = []
        self._paused_at: int | None = None  # image count when the user cancelled: no new job until more open
        p = self.panel
        p.detect_requested.connect(self.detect)
        p.cancel_requested.connect(self.cancel)
        p.region_selected.connect(lambda r: window.canvas.select("regions", r))
        p.accept_requested.connect(self.accept)
        p.delete_requested.connect(self.delete)
        p.fill_requested.connect(self.set_fill)
        p.keep_requested.connect(self.set_keep)
        p.accept_all_requested.connect(self.accept_all)
        p.next_requested.connect(self.next_unreviewed)
        p.accept_series_requested.connect(self.accept_series)
        p.series_image_selected.connect(window.show_state)

    @property
    def state(self) -> ImageState | None:
        return self.window.current

    def remaining(self) -> int:
        return sum(1 for s in self.window.states if not s.review_done and s is not self.state)

    def series_states(self, state: ImageState | None = None) -> list[ImageState]:
        state = state or self.state
        if state is None:
            return []
        return [s for s in self.window.states if s.image.series_key == state.image.series_key]

    def refresh(self) -> None:
        selected = self.window.canvas.selected("regions")
        if self.panel.state is not self.state:
            self.panel.set_state(self.state, self.remaining())
        else:
            self.panel.refresh(self.remaining(), selected)
        self.panel.set_busy(self.worker is not None and self.state in self.job)
        self.panel.show_series(self.series_states(), self.state)
        action = self.window.actions.get("mark_reviewed") if hasattr(self.window, "actions") else None
        if action is not None:
            action.setEnabled(self.state is not None and self.state.detected)
        self.auto_detect()

    # --- detection -----------------------------------------------------------------------
    def _mode(self, explicit: bool = False) -> str | None:
        mode = self.window.settings.text_redaction
        if mode == "off":
            return "auto" if explicit else None  # off is the user's opt-out, unless asked here
        return mode

    def auto_detect(self) -> None:
        """Start the next job when none runs: the current image's series, else any undetected image."""
        if self.worker is not None or getattr(self.window, "_closing", False) or self._mode() is None:
            return
        if self._paused_at is not None and self._paused_at == len(self.window.states):
            return
        self._paused_at = None
        if not services.detection_available():
            return
        current = self.state
        todo = [s for s in self.series_states(current) if not s.detected] if current is not None else []
        if todo:
            start = todo.index(current) if current in todo else 0
            todo = todo[start:] + todo[:start]  # the current image first, then on through the series
        else:
            todo = [s for s in self.window.states if not s.detected][:1]
            if todo:
                todo = [s for s in self.series_states(todo[0]) if not s.detected]
        if todo:
            self._start(todo, self._mode())

    def detect(self) -> None:
        """Detect the current image again (the Detect button), whatever ran before."""
        state = self.state
        if state is None or self.worker is not None:
            return
        status = services.detection_status()
        if not status.ok:  # the shortcut too: say why instead of running a detector that is not there
            self.window.status_label.setText(status.reason)
            return
        self._paused_at = None
        self._start([state], self._mode(explicit=True))

    def _start(self, states: list[ImageState], mode: str) -> None:
        from radshare.gui.review_jobs import detect_images

        job = list(states)
        worker = (Op(detect_images, [s.image for s in states], mode)
                  .with_progress(lambda d, t, _w: self.panel.set_progress(d, t))
                  .on_item(lambda item: self._on_detected(job[item[0]], item[1]))
                  .failure(self._on_error).on_finished(self._on_finished).worker())
        self.worker, self.worker_state, self.job = worker, self.state, list(states)
        for state in states:
            state.detecting = True
        self.panel.set_busy(self.state in states)
        self.window.status_label.setText("Looking for burned-in text\u2026")
        self.window.workers.start(worker)

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.request_cancel()
            self._paused_at = len(self.window.states)

    def _on_detected(self, state: ImageState, regions) -> None:
        if state.finish_detection(regions):
            # applied, not pushed: undoing detection would leave an image "detected" without its boxes
            commands.SetDetected(state, list(regions)).redo()
        found = len(regions)
        identifiers = sum(1 for r in regions if r.is_identifier)
        if state is self.state:
            text = f"Found {found} text box{'es' if found != 1 else ''}"
            if identifiers:
                text += f", {identifiers} matching the patient's data"
            self.window.status_label.setText(text + ".")
            self.window.log_panel.info(text + ".")
            self.refresh()
        else:
            self.panel.show_series(self.series_states(), self.state)
        self.window.series_panel.refresh(state)
        self.image_detected.emit(state)

    def _on_error(self, text: str) -> None:
        self.window.log_panel.problem(f"Text detection failed: {text}")
        self.window.status_label.setText("Text detection failed (see the log).")

    def _on_finished(self) -> None:
        state = self.worker_state
        for job_state in self.job:
            job_state.detecting = False
        cancelled = self.worker is not None and self.worker.cancelled
        self.worker, self.worker_state, self.job = None, None, []
        self.detection_finished.emit(state)
        if cancelled:
            self.window.status_label.setText("Text detection cancelled.")
            self.panel.set_busy(False)
            return
        self.refresh()  # and the next job, if any image is still undetected

    # --- edits ---------------------------------------------------------------------------
    def _current_region(self):
        return self.window.canvas.selected("regions") or self.panel.current_region()

    def accept_current(self) -> None:
        region = self._current_region()
        if region is not None:
            self.accept(region)

    def accept(self, region) -> None:
        state = self.state
        if state is not None:
            state.undo_stack.push(commands.AcceptRegions(state, [region], "Accept text box"))
            self._select_next_unaccepted(state)

    def delete(self, region) -> None:
        state = self.state
        if state is not None:
            state.undo_stack.push(commands.RemoveItem(state, "regions", region, "Delete text box"))

    def set_fill(self, region, fill: str) -> None:
        state = self.state
        if state is not None and region.fill != fill:
            new = replace(region, fill=fill)
            state.undo_stack.push(commands.ReplaceItem(state, "regions", region, new, "Change fill", accept=True))
            self.window.canvas.select("regions", new)

    def set_keep(self, region, keep: bool) -> None:
        state = self.state
        if state is not None and keep and not self._may_keep(state, region):
            self.window.statusBar().showMessage(
                "This text is not a known teaching label (a name, a date or an unknown word?): it stays painted out.", 8000)
            self.panel.keep.setChecked(False)
            return
        if state is not None and region.keep != keep:
            new = replace(region, keep=keep)
            state.undo_stack.push(commands.ReplaceItem(state, "regions", region, new,
                                                       "Keep text" if keep else "Paint out text", accept=True))
            self.window.canvas.select("regions", new)

    @staticmethod
    def _may_keep(state: ImageState, region) -> bool:
        from radshare.core.redact.ocr import may_keep_as_label

        return may_keep_as_label(region.text or "", services.identifiers_of(state.image))

    def accept_all(self) -> None:
        state = self.state
        if state is None or not state.detected:  # review means review: detection first
            return
        state.undo_stack.push(commands.SetReview(state, "reviewed", "Mark text reviewed"))

    def accept_series(self) -> None:
        """Every detected, unreviewed image of the current series: its boxes accepted, marked reviewed."""
        for state in self.series_states():
            if state.detected and not state.review_done:
                state.undo_stack.push(commands.SetReview(state, "reviewed", "Accept all boxes in this series"))
        self.refresh()

    def next_unreviewed(self) -> None:
        states = self.window.states
        if not states:
            return
        start = states.index(self.state) + 1 if self.state in states else 0
        for offset in range(len(states)):
            candidate = states[(start + offset) % len(states)]
            if not candidate.review_done and candidate is not self.state:
                self.window.show_state(candidate)
                return
        self.window.status_label.setText("Every open image has been reviewed.")

    def _select_next_unaccepted(self, state: ImageState) -> None:
        for region in state.image.regions:
            if id(region) not in state.accepted and not region.keep:
                self.window.canvas.select("regions", region)
                return
        self.window.canvas.select(None, None)
