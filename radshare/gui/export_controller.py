"""Export from the window: the dialog, the PHI gate, and the export worker with progress."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal

from typing import TYPE_CHECKING

from radshare.gui.workers import Op, Worker

if TYPE_CHECKING:
    from radshare.gui.document import ImageState
    from radshare.gui.export_job import ExportOptions


class ExportController(QObject):
    export_finished = Signal(object)  # list[Path] written (empty when cancelled or failed)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.worker: Worker | None = None
        self.last_written: list[Path] = []
        self.open_dialog = None

    def scope_states(self, scope: str) -> list[ImageState]:
        w = self.window
        if w.current is None:
            return []
        if scope == "current":
            return [w.current]
        if scope == "series":
            key = w.current.image.series_key
            return [s for s in w.states if s.image.series_key == key]
        return list(w.states)

    @staticmethod
    def unreviewed(states: list[ImageState]) -> int:
        """Images not yet detected and reviewed: the gate asks for the explicit confirmation."""
        return sum(1 for s in states if not s.review_done)

    def dialog(self):
        from radshare.gui.dialogs.export_dialog import ExportDialog

        w = self.window
        counts = {}
        for scope in ("current", "series", "all"):
            states = self.scope_states(scope)
            counts[scope] = (len(states), self.unreviewed(states), sum(1 for s in states if s.image.alt_text.strip()))
        folder = w.settings.export_folder or str(Path(
            QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation) or Path.home()) / "RadShare exports")
        multi = w.current is not None and w.current.image.frame_count > 1
        native = None
        if w.current is not None:
            from radshare.core.render import crop_box

            view, image = w.current.view, w.current.image
            _, _, width, height = crop_box(view, image.rows, image.columns)
            native = (height, width) if view.rotation % 180 else (width, height)
        return ExportDialog(w, fmt=w.settings.export_format, folder=folder, burn=w.settings.burn_annotations,
                            counts=counts, multi_frame=multi, size=w.settings.export_size, native=native)

    def show_dialog(self) -> None:
        """Open the dialog window-modally (not blocking the event loop); Export starts the worker."""
        if self.window.current is None or self.worker is not None:
            return
        dialog = self.dialog()
        dialog.accepted.connect(lambda d=dialog: self.run_from_dialog(d))
        dialog.finished.connect(lambda _r: setattr(self, "open_dialog", None))
        self.open_dialog = dialog
        dialog.open()

    def run_from_dialog(self, dialog) -> Worker:
        w = self.window
        w.settings.export_format = dialog.fmt
        w.settings.export_folder = str(dialog.out_dir)
        w.settings.burn_annotations = dialog.burn.isChecked()
        w.settings.export_size = dialog.size_key
        from radshare.gui.export_job import ExportOptions

        options = ExportOptions(fmt=dialog.fmt, out_dir=dialog.out_dir, profile=w.settings.profile,
                                burn_annotations=dialog.burn.isChecked(), quality=dialog.quality.value(),
                                size=dialog.size_key, unreviewed_confirmed=dialog.confirm.isChecked())
        return self.start(self.scope_states(dialog.scope_key), options)

    def start(self, states: list[ImageState], options: ExportOptions) -> Worker:
        from radshare.gui.export_job import ExportItem, export_items

        items = [ExportItem(image=s.image, view=s.view, frame=s.frame, annotations=list(s.image.annotations),
                            regions=list(s.image.regions), alt_text=s.image.alt_text,
                            review=s.image.review if s.review_done else "not reviewed")
                 for s in states]
        if options.fmt in ("gif", "mp4") and len(items) > 1 and any(i.image.frame_count > 1 for i in items):
            items = [i for i in items if i.image.frame_count > 1]  # one loop per multi-frame image
        w = self.window
        worker = (Op(export_items, items, options, success=self._on_result)
                  .with_progress(lambda d, t, _w: w._show_progress(d, t, "Exporting"))
                  .failure(self._on_error).on_finished(self._on_finished).worker())
        self.worker = worker
        self.last_written = []
        w._show_progress(0, len(items), "Exporting")
        w.workers.start(worker)
        return worker

    def _on_result(self, written) -> None:
        self.last_written = list(written)
        n = len(written)
        folder = written[0].parent if written else ""
        text = f"Exported {n} file{'s' if n != 1 else ''} to {folder}."
        self.window.status_label.setText(text)
        self.window.log_panel.info(text)

    def _on_error(self, text: str) -> None:
        self.window.log_panel.problem(f"Export failed: {text}")
        self.window.status_label.setText("Export failed (see the log).")

    def _on_finished(self) -> None:
        cancelled = self.worker is not None and self.worker.cancelled
        self.worker = None
        self.window._hide_progress()
        if cancelled:
            self.window.status_label.setText("Export cancelled.")
        self.export_finished.emit(self.last_written)
