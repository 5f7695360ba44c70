"""Export a teaching case set from the desktop: pick case folders, options, run, see the summary.

The work is `radshare.core.export.caseset.export_caseset`, run in the one worker adaptor
(workers.Op), never on the UI thread. Its progress (the whole set and the current case) and
its failure lines reach the dialog through a small signal bridge, queued onto the UI thread.
Cancelling, or closing the dialog while an export runs, asks the core to stop; the core removes
every half-written case, and the dialog closes once the worker has finished.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QGroupBox,
    QHBoxLayout, QLabel, QLineEdit, QListView, QListWidget, QListWidgetItem, QProgressBar, QPushButton, QSizePolicy,
    QTreeView, QVBoxLayout, QWidget,
)

from radshare.gui import icons
from radshare.gui.dialogs.settings_dialog import TEXT_MODES
from radshare.gui.settings import AppSettings
from radshare.gui.workers import Op, Worker, WorkerPool

CINE_CHOICES = ((None, "None"), ("mp4", "MP4 video"), ("gif", "Animated GIF"))
SHORTCUT = "Ctrl+Shift+E"
# What the export worker imports lazily; imported on the UI thread first (see qtcompat).
WORKER_IMPORTS = (
    "radshare.core.export.caseset", "radshare.core.export.manifest", "radshare.core.export.casebook",
    "radshare.core.batch", "radshare.core.notes", "radshare.core.annotations_io", "radshare.core.audit",
    "radshare.core.fsutil", "radshare.core.deid.keys", "concurrent.futures.process", "concurrent.futures.thread",
    "multiprocessing.popen_fork", "imageio_ffmpeg", "PIL.GifImagePlugin", "platformdirs", "keyring",
    "tomllib", "yaml", "zipfile", "csv", "html",
)


def run_caseset_export(case_dirs: list[Path], out: Path, profile: str, text_redaction: str, options, workers: int,
                       *, progress, cancel, on_error, keep: list | None = None):
    """The worker's job: this installation's settings (keyring) and the export itself. No Qt.

    The result is also put in `keep`: the worker adaptor sends no result once cancelled, and a
    cancelled export's result still says which cases were completed.
    """
    from radshare.core.export.caseset import export_caseset
    from radshare.core.pipeline import settings_for_installation

    settings = settings_for_installation(profile=profile, text_redaction=text_redaction)
    result = export_caseset(case_dirs, out, settings, options, workers=workers, executor="local",
                            progress=progress, cancel=cancel, on_error=on_error)
    try:  # into the sharing ledger, as `radshare export` does; the files stay whatever happens
        from radshare.core.sharing import record_caseset_export

        record_caseset_export(out, result)
    except Exception as exc:  # noqa: BLE001 - reported, never fatal to a finished export
        if on_error is not None:
            on_error(f"the export was not recorded in the sharing ledger ({type(exc).__name__})")
    if keep is not None:
        keep.append(result)
    return result


class _Bridge(QObject):
    """Carries the core's callbacks (called on worker threads) to the UI thread, queued."""

    progress = Signal(object)  # ExportProgress: counts and case numbers only
    failure = Signal(str)  # one failed file or case: input name and reason


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _is_case_set(folder: Path) -> bool:
    """A folder an earlier export wrote: its manifest beside its Case-NNNN folders."""
    return (folder / "manifest.json").is_file()


def _holds_other_files(folder: Path) -> bool:
    """Whether `folder` exists with something in it that is not an earlier case set."""
    try:
        return folder.is_dir() and any(True for _ in folder.iterdir()) and not _is_case_set(folder)
    except OSError:
        return False


class CaseSetDialog(QDialog):
    """Pick case folders and options, export the set in a worker, show progress and a summary."""

    export_finished = Signal(object)  # CaseSetResult, or None when the export stopped with an error
    state_changed = Signal(str)  # idle | running | cancelling

    def __init__(self, parent: QWidget | None = None, settings: AppSettings | None = None):
        super().__init__(parent)
        self.app_settings = settings or getattr(parent, "settings", None) or AppSettings()
        self.pool: WorkerPool = getattr(parent, "workers", None) or WorkerPool()
        self.worker: Worker | None = None
        self.result = None
        self.state = "idle"
        self._close_when_done = False
        self._kept: list = []
        self._roots: list[Path] = []  # folders the user added (a case, or a parent of cases)
        self._out: Path | None = None
        self.bridge = _Bridge(self)
        self.bridge.progress.connect(self._on_progress)
        self.bridge.failure.connect(self._on_failure)
        self.setWindowTitle("Export case set")
        self.setWindowIcon(icons.icon("caseset"))
        self.setAcceptDrops(True)
        self._case_total = 0
        self._build()
        self._restore()
        self._update()
        # One size from start to summary: every part that comes and goes keeps its place, so the
        # window does not grow as progress, problems and the summary appear, nor buttons move.
        self.setFixedSize(self.sizeHint().expandedTo(QSize(640, 0)))

    # --- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self._build_cases(layout)
        self._build_options(layout)
        self._build_progress(layout)
        self._build_buttons(layout)
        for widget in (self.problem, self.failures_label, self.failures, self.summary, self.open_button,
                       self.cancel_button):
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)

    def _build_cases(self, layout: QVBoxLayout) -> None:
        """The heading, the list of case folders and the buttons to add and remove them."""
        heading = QLabel("Export a teaching case set")
        heading.setObjectName("heading")
        layout.addWidget(heading)
        hint = QLabel("One folder per case (DICOM, photos, notes). Add case folders, or a folder that holds "
                      "case folders; untick the cases to leave out. Folders can be dropped here too.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)

        self.cases = QListWidget()
        self.cases.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.cases.setFixedHeight(110)
        self.cases.itemChanged.connect(lambda _item: self._update())
        layout.addWidget(self.cases, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton(icons.icon("open"), "Add folders\u2026")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._browse_inputs)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self._remove_selected)
        self.case_count = QLabel()
        self.case_count.setObjectName("hint")
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(self.case_count)
        layout.addLayout(row)

    def _build_options(self, layout: QVBoxLayout) -> None:
        """Output folder, cine and workers, DICOM and zip, text redaction; the reason Export is not possible."""
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight)
        out_row = QHBoxLayout()
        self.output = QLineEdit()
        self.output.setPlaceholderText("An empty folder outside the case folders")
        self.output.textChanged.connect(lambda _text: self._update())
        self.out_button = QPushButton("Browse\u2026")
        self.out_button.setAutoDefault(False)
        self.out_button.clicked.connect(self._browse_output)
        out_row.addWidget(self.output, 1)
        out_row.addWidget(self.out_button)
        form.addRow("Output folder", out_row)
        self.cine = QComboBox()
        for key, label in CINE_CHOICES:
            self.cine.addItem(label, key)
        self.workers = QComboBox()  # a combo, not a spin box: the theme's spin box arrows do not show
        cores = max(1, os.cpu_count() or 1)
        for n in range(cores, 0, -1):
            self.workers.addItem(f"{n} (all cores)" if n == cores else str(n), n)
        cine_row = QHBoxLayout()
        cine_row.addWidget(self.cine)
        cine_row.addSpacing(16)
        cine_row.addWidget(QLabel("Workers"))
        cine_row.addWidget(self.workers)
        cine_row.addStretch(1)
        form.addRow("Cine loops", cine_row)
        self.dicom = QCheckBox("Include de-identified DICOM")
        self.zip_archive = QCheckBox("Also a zip archive (beside the folder)")
        include_row = QHBoxLayout()
        include_row.addWidget(self.dicom)
        include_row.addSpacing(16)
        include_row.addWidget(self.zip_archive)
        include_row.addStretch(1)
        form.addRow("", include_row)
        self.text_mode = QComboBox()
        for key, label in TEXT_MODES:
            self.text_mode.addItem(label, key)
        self.text_mode.currentIndexChanged.connect(lambda _i: self._update())
        form.addRow("Burned-in text", self.text_mode)
        for combo in (self.cine, self.text_mode, self.workers):
            combo.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
            combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.options_box = QWidget()
        self.options_box.setLayout(form)
        layout.addWidget(self.options_box)
        self.problem = QLabel()  # why Export is not possible yet, or a caution
        self.problem.setObjectName("warning")
        self.problem.setWordWrap(True)
        self.problem.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.problem.setFixedHeight(self.problem.fontMetrics().lineSpacing() * 2 + 6)
        layout.addWidget(self.problem)

    def _build_progress(self, layout: QVBoxLayout) -> None:
        """The set's and the current case's progress, the summary and the failed files and cases."""
        self.progress_box = QGroupBox("Progress")
        box = QVBoxLayout(self.progress_box)
        grid = QFormLayout()
        self.set_bar = QProgressBar()
        self.set_bar.setTextVisible(True)
        grid.addRow("Set", self.set_bar)
        self.case_label = QLabel("\u2014")
        self.case_bar = QProgressBar()
        self.case_bar.setTextVisible(True)
        grid.addRow(self.case_label, self.case_bar)
        box.addLayout(grid)
        self.status = QLabel("Not started.")
        self.status.setObjectName("hint")
        box.addWidget(self.status)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.summary.setFixedHeight(self.summary.fontMetrics().lineSpacing() * 3 + 6)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        box.addWidget(self.summary)
        self.summary.hide()
        self.failures_label = QLabel("Problems")
        self.failures_label.setObjectName("danger")
        self.failures = QListWidget()
        self.failures.setFixedHeight(52)
        self.failures.setWordWrap(True)
        box.addWidget(self.failures_label)
        box.addWidget(self.failures)
        self.failures_label.hide()
        self.failures.hide()
        layout.addWidget(self.progress_box)

    def _build_buttons(self, layout: QVBoxLayout) -> None:
        buttons = QHBoxLayout()
        self.open_button = QPushButton(icons.icon("open"), "Open output folder")
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_output)
        self.open_button.hide()
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.cancel_button.hide()
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        self.export_button = QPushButton(icons.icon("export"), "Export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)

    # --- remembered choices ----------------------------------------------------------------
    @property
    def _qs(self) -> QSettings:
        return self.app_settings.qsettings

    def _restore(self) -> None:
        qs = self._qs
        self._input_folder = str(qs.value("caseset/input_folder", "") or "")
        self.output.setText(str(qs.value("caseset/output", "") or ""))
        self.cine.setCurrentIndex(max(0, self.cine.findData(qs.value("caseset/cine", "") or None)))
        self.dicom.setChecked(str(qs.value("caseset/dicom", "false")) == "true")
        self.zip_archive.setChecked(str(qs.value("caseset/zip", "false")) == "true")
        mode = str(qs.value("caseset/text_redaction", "") or self.app_settings.text_redaction)
        self.text_mode.setCurrentIndex(max(0, self.text_mode.findData(mode)))
        try:
            workers = int(qs.value("caseset/workers", 0) or 0)
        except (TypeError, ValueError):
            workers = 0
        self.workers.setCurrentIndex(max(0, self.workers.findData(workers)))  # not found: all cores

    def _remember(self) -> None:
        qs = self._qs
        if self._roots:
            qs.setValue("caseset/input_folder", str(self._roots[-1].parent))
        qs.setValue("caseset/output", self.output.text().strip())
        qs.setValue("caseset/cine", self.cine.currentData() or "")
        qs.setValue("caseset/dicom", "true" if self.dicom.isChecked() else "false")
        qs.setValue("caseset/zip", "true" if self.zip_archive.isChecked() else "false")
        qs.setValue("caseset/text_redaction", self.text_mode.currentData())
        qs.setValue("caseset/workers", self.workers.currentData())
        qs.sync()

    # --- choosing cases ------------------------------------------------------------------
    def _browse_inputs(self) -> None:
        """A folder chooser that accepts several folders at once (Qt's own dialog allows it)."""
        chooser = QFileDialog(self, "Add case folders, or a folder of case folders", self._input_folder)
        chooser.setFileMode(QFileDialog.Directory)
        chooser.setOption(QFileDialog.ShowDirsOnly, True)
        chooser.setOption(QFileDialog.DontUseNativeDialog, True)
        for view in chooser.findChildren(QListView) + chooser.findChildren(QTreeView):
            view.setSelectionMode(QAbstractItemView.ExtendedSelection)
        if chooser.exec():
            self.add_folders([Path(p) for p in chooser.selectedFiles()])

    def add_folders(self, folders: list[Path]) -> int:
        """Add each folder (a case, or a parent of cases) and list the cases found; returns how many."""
        from radshare.core.errors import InputError
        from radshare.core.export.caseset import discover_cases

        known = {self.cases.item(i).data(Qt.UserRole) for i in range(self.cases.count())}
        added = 0
        unreadable: list[str] = []
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            for folder in folders:
                folder = Path(folder)
                try:
                    found = discover_cases([folder])
                except (InputError, OSError) as exc:
                    unreadable.append(str(exc) if isinstance(exc, InputError)
                                      else f"A folder cannot be read ({exc.__class__.__name__}).")
                    continue
                if folder.resolve() not in self._roots:
                    self._roots.append(folder.resolve())
                for case in found:
                    key = str(case.resolve())
                    if key in known:
                        continue
                    known.add(key)
                    item = QListWidgetItem(icons.icon("series"), case.name)
                    item.setToolTip(key)
                    item.setData(Qt.UserRole, key)
                    item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                    item.setCheckState(Qt.Checked)
                    self.cases.addItem(item)
                    added += 1
        finally:
            QApplication.restoreOverrideCursor()
        if self._roots:
            self._input_folder = str(self._roots[-1].parent)
        self._update()
        if unreadable:  # shown until the next change
            self._show_problem(" ".join(unreadable))
        return added

    def _remove_selected(self) -> None:
        for item in self.cases.selectedItems():
            self.cases.takeItem(self.cases.row(item))
        self._update()

    def checked_cases(self) -> list[Path]:
        return [Path(self.cases.item(i).data(Qt.UserRole)) for i in range(self.cases.count())
                if self.cases.item(i).checkState() == Qt.Checked]

    def _browse_output(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export the case set to", self.output.text().strip())
        if chosen:
            self.output.setText(chosen)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if self.state != "running" and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        folders = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        folders = [f for f in folders if f.is_dir()]
        if folders:
            event.acceptProposedAction()
            self.add_folders(folders)

    # --- checks --------------------------------------------------------------------------
    def output_folder(self) -> Path | None:
        text = self.output.text().strip()
        return Path(text).expanduser().resolve() if text else None

    def why_not_ready(self) -> str:
        """Why Export cannot start now ('' when it can)."""
        cases = self.checked_cases()
        if not cases:
            return "Add at least one case folder." if self.cases.count() == 0 else "Tick at least one case."
        out = self.output_folder()
        if out is None:
            return "Choose an output folder."
        for folder in [*self._roots, *cases]:
            if _inside(out, folder):
                return "The output folder is inside a case folder: choose one outside the inputs."
        for case in cases:
            if _inside(case, out):
                return "A case folder is inside the output folder: choose another output folder."
        if out.exists() and not out.is_dir():
            return "The output path is a file, not a folder."
        if _holds_other_files(out):
            return ("The output folder is not empty: choose an empty folder, or a case set exported "
                    "before (it is completed, not overwritten).")
        return ""

    def _show_problem(self, text: str) -> None:
        self.problem.setObjectName("warning")
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def _update(self) -> None:
        checked, total = len(self.checked_cases()), self.cases.count()
        self.case_count.setText(f"{checked} of {total} case{'s' if total != 1 else ''} selected")
        self.remove_button.setEnabled(total > 0 and self.state != "running")
        why = self.why_not_ready()
        if not why and self.text_mode.currentData() == "off":
            why_caution = ("Burned-in text detection is off: names or IDs written in the pixels will not be "
                           "found. Check every image before sharing.")
        else:
            why_caution = ""
        out = self.output_folder()
        if not why and not why_caution and out is not None and _is_case_set(out):
            why_caution = "This folder holds a case set exported before: cases already complete are kept."
        idle = self.state == "idle"
        self._show_problem((why if total or self.output.text().strip() else "") or why_caution)
        self.export_button.setEnabled(idle and not why)
        for widget in (self.cases, self.add_button, self.options_box):
            widget.setEnabled(idle)

    def _set_state(self, state: str) -> None:
        self.state = state
        running = state in ("running", "cancelling")
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(state == "running")
        self.close_button.setText("Close")
        self._update()
        self.state_changed.emit(state)

    # --- running -------------------------------------------------------------------------
    def start_export(self) -> Worker | None:
        if self.state in ("running", "cancelling") or self.why_not_ready():
            return None
        from radshare.core.export.caseset import ExportOptions
        from radshare.gui.qtcompat import preload

        self._remember()
        preload(WORKER_IMPORTS)
        cases, out = self.checked_cases(), self.output_folder()
        self._out = out
        self._case_total = len(cases)
        options = ExportOptions(cine=self.cine.currentData(), dicom=self.dicom.isChecked(),
                                zip_archive=self.zip_archive.isChecked())
        self.result = None
        self._kept: list = []
        self.failures.clear()
        self.failures.hide()
        self.failures_label.hide()
        self.summary.hide()
        self.open_button.hide()
        self.set_bar.setRange(0, 0)
        self.set_bar.setFormat("Reading headers\u2026")
        self.case_label.setText("\u2014")
        self.case_bar.setRange(0, 1)
        self.case_bar.setValue(0)
        self.case_bar.setFormat("")
        self.status.setText(f"Reading {len(cases)} case folder{'s' if len(cases) != 1 else ''}\u2026")
        worker = (Op(run_caseset_export, cases, out, self.app_settings.profile, self.text_mode.currentData(),
                     options, self.workers.currentData(), progress=self.bridge.progress.emit,
                     on_error=self.bridge.failure.emit, keep=self._kept, success=self._on_result, cancellable=True)
                  .failure(self._on_error).on_finished(self._on_finished).worker())
        self.worker = worker
        self._set_state("running")
        self.pool.start(worker)
        return worker

    def cancel_export(self) -> None:
        """Ask the export to stop; the core removes any case it had not finished."""
        if self.worker is None or self.state != "running":
            return
        self.worker.request_cancel()
        self.status.setText("Cancelling: finishing the case being written, removing unfinished ones\u2026")
        self._set_state("cancelling")

    def _on_progress(self, p) -> None:
        if self.worker is None or self.worker.cancelled:
            return
        if p.files_total <= 0:
            self.set_bar.setRange(0, max(1, p.cases_total))
            self.set_bar.setValue(min(p.cases_done, p.cases_total))
            self.set_bar.setFormat("Reading headers\u2026")
        else:
            self.set_bar.setRange(0, p.files_total)
            self.set_bar.setValue(p.files_done)
            self.set_bar.setFormat(f"{p.cases_done} of {p.cases_total} cases \u00b7 {p.files_done} of {p.files_total} files")
        if p.case_id and p.case_files_total:
            self.case_label.setText(p.case_id)
            self.case_bar.setRange(0, p.case_files_total)
            self.case_bar.setValue(p.case_files_done)
            self.case_bar.setFormat(f"{p.case_files_done} of {p.case_files_total} files")
        self.status.setText(f"{p.cases_done} of {p.cases_total} cases complete.")

    def _on_failure(self, line: str) -> None:
        self.failures_label.show()
        self.failures.show()
        item = QListWidgetItem(icons.icon("status-todo"), line)
        item.setToolTip(line)
        self.failures.addItem(item)
        self.failures.scrollToBottom()

    def _on_result(self, result) -> None:
        self.result = result

    def _on_error(self, text: str) -> None:
        self._on_failure(f"The export stopped: {text}")

    def _on_finished(self) -> None:
        self.worker = None
        if self.result is None and self._kept:  # cancelled: the adaptor sent no result
            self.result = self._kept[0]
        self._show_summary(self.result)
        self._set_state("idle")
        self.export_finished.emit(self.result)
        if self._close_when_done:
            self._close_when_done = False
            super().reject()

    def _show_summary(self, result) -> None:
        self.summary.show()
        if result is None:
            cancelled = self.state == "cancelling"
            self.summary.setObjectName("warning" if cancelled else "danger")
            self.summary.setText("Export cancelled. No unfinished case was left in the output folder." if cancelled
                                 else "The export stopped; see the problem above. No unfinished case was left.")
            self._restyle(self.summary)
            return
        # Counted from the disk: a cancel drops cases that were queued for their last step, even
        # when the core had already marked them done.
        counts = Counter(c.status for c in result.cases if c.status == "error" or self._on_disk(c.case_id))
        done, earlier = counts.get("ok", 0), counts.get("skipped", 0)
        partial, failed = counts.get("partial", 0), counts.get("error", 0)
        parts = [f"{done} case{'s' if done != 1 else ''} exported"]
        if earlier:
            parts.append(f"{earlier} already complete from an earlier run")
        if partial:
            parts.append(f"{partial} exported without the files that failed (Export again redoes "
                         f"{'them' if partial != 1 else 'it'})")
        parts.append(f"{failed} failed")
        text = ", ".join(parts) + "."
        total = max(self._case_total, len(result.cases))
        written = done + earlier + partial
        cancelled = result.cancelled and written < total  # a cancel that came after the last case is none
        if cancelled:
            text = "Cancelled. " + text + " No unfinished case was left in the output folder."
        review = sum(c.needs_text_review for c in result.cases)
        if review:
            text += (f" {review} image{'s' if review != 1 else ''} may show text that no redaction checked: "
                     "look at them before sharing.")
        if result.zip_path is not None:
            text += f" Archive: {result.zip_path.name} beside the output folder."
        self.summary.setObjectName("ok" if not (failed or partial or cancelled or review) else "warning")
        self.summary.setText(text)
        self._restyle(self.summary)
        self.set_bar.setRange(0, max(1, total))
        self.set_bar.setValue(written)
        self.set_bar.setFormat(f"{written} of {total} case{'s' if total != 1 else ''} written")
        if cancelled:
            self.status.setText("Cancelled.")
        elif result.cancelled:
            self.status.setText("Finished: every case was written before the cancel took effect.")
        else:
            self.status.setText("Finished.")
        self.open_button.setVisible(self._out is not None and self._out.is_dir())

    def _on_disk(self, case_id: str) -> bool:
        return self._out is None or (self._out / case_id).is_dir()

    @staticmethod
    def _restyle(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def open_output(self) -> bool:
        if self._out is None:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._out)))

    # --- closing -------------------------------------------------------------------------
    def reject(self) -> None:
        """Esc, Close and the window's close box: mid-export, cancel first and close when stopped."""
        if self.worker is not None:
            self._close_when_done = True
            self.cancel_export()
            return
        super().reject()

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.worker is not None:
            self.reject()
            event.ignore()
            return
        super().closeEvent(event)


# --- the window's action ---------------------------------------------------------------------


def install_action(window) -> QAction:
    """File ▸ Export case set… (after Export…), registered in `window.actions` like the others."""
    action = QAction(icons.icon("caseset"), "Export &case set\u2026", window)
    action.setShortcut(QKeySequence(SHORTCUT))
    shown = action.shortcut().toString(QKeySequence.NativeText)
    action.setToolTip(f"Export a teaching case set from case folders ({shown})")
    action.setStatusTip("Export a teaching case set from case folders")
    action.triggered.connect(lambda: show_dialog(window))
    window.addAction(action)
    window.actions["export_caseset"] = action
    export = window.actions.get("export")
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is None or export not in menu.actions():
            continue
        entries = menu.actions()
        after = entries.index(export) + 1
        menu.insertAction(entries[after] if after < len(entries) else None, action)
        break
    return action


def show_dialog(window) -> CaseSetDialog:
    """Raise the open dialog, or open a new one (non-modal: the window stays usable)."""
    dialog = getattr(window, "caseset_dialog", None)
    if dialog is None:
        dialog = CaseSetDialog(window)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(window, "caseset_dialog", None))
        window.caseset_dialog = dialog
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
