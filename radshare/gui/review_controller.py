"""Burned-in text review: runs detection in a worker and turns panel clicks into undo commands."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from radshare.gui import services
from radshare.gui.document import ImageState
from radshare.gui.viewer import commands
from radshare.gui.workers import Worker


class ReviewController(QObject):
    detection_finished = Signal(object)  # the ImageState whose detection ended

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.panel = window.review_panel
        self.worker: Worker | None = None
        self.worker_state: ImageState | None = None
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

    @property
    def state(self) -> ImageState | None:
        return self.window.current

    def remaining(self) -> int:
        return sum(1 for s in self.window.states if s.image.review == "not reviewed" and s is not self.state)

    def refresh(self) -> None:
        selected = self.window.canvas.selected("regions")
        if self.panel.state is not self.state:
            self.panel.set_state(self.state, self.remaining())
        else:
            self.panel.refresh(self.remaining(), selected)
        self.panel.set_busy(self.worker is not None and self.worker_state is self.state)

    # --- detection -----------------------------------------------------------------------
    def detect(self) -> None:
        state = self.state
        if state is None or self.worker is not None:
            return
        mode = self.window.settings.text_redaction
        if mode == "off":
            mode = "auto"  # the user asked for it explicitly
        worker = Worker(services.detect_text, state.image, mode)
        worker.signals.progress.connect(lambda d, t, _w: self.panel.set_progress(d, t))
        worker.signals.result.connect(lambda regions, s=state: self._on_detected(s, regions))
        worker.signals.error.connect(self._on_error)
        worker.signals.finished.connect(self._on_finished)
        self.worker, self.worker_state = worker, state
        state.detecting = True
        self.panel.set_busy(True)
        self.window.status_label.setText("Looking for burned-in text\u2026")
        self.window.workers.start(worker)

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.request_cancel()

    def _on_detected(self, state: ImageState, regions) -> None:
        state.undo_stack.push(commands.SetDetected(state, list(regions)))
        if not state.image.regions:
            state.undo_stack.push(commands.SetReview(state, "no text found", "No burned-in text found"))
        found = len(regions)
        identifiers = sum(1 for r in regions if r.is_identifier)
        text = f"Found {found} text box{'es' if found != 1 else ''}"
        if identifiers:
            text += f", {identifiers} matching the patient's data"
        self.window.status_label.setText(text + ".")
        self.window.log_panel.info(text + ".")

    def _on_error(self, text: str) -> None:
        self.window.log_panel.problem(f"Text detection failed: {text}")
        self.window.status_label.setText("Text detection failed (see the log).")

    def _on_finished(self) -> None:
        state = self.worker_state
        if state is not None:
            state.detecting = False
        self.worker, self.worker_state = None, None
        self.refresh()
        self.detection_finished.emit(state)

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
        if state is None:
            return
        state.undo_stack.push(commands.SetReview(state, "reviewed", "Mark text reviewed"))

    def next_unreviewed(self) -> None:
        states = self.window.states
        if not states:
            return
        start = states.index(self.state) + 1 if self.state in states else 0
        for offset in range(len(states)):
            candidate = states[(start + offset) % len(states)]
            if candidate.image.review == "not reviewed" and candidate is not self.state:
                self.window.show_state(candidate)
                return
        self.window.status_label.setText("Every open image has been reviewed.")

    def _select_next_unaccepted(self, state: ImageState) -> None:
        for region in state.image.regions:
            if id(region) not in state.accepted and not region.keep:
                self.window.canvas.select("regions", region)
                return
        self.window.canvas.select(None, None)
