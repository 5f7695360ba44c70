"""RadShare's main window: open, view, review, annotate, export.

Layout: toolbar; the canvas with a frame bar beneath it; the series tree on the left; the
de-identification what-if, text review and annotation panels on the right; a log at the bottom
that opens by itself when a file cannot be read. Loading, detection and export run in workers
(workers.py); closing the window cancels them and waits.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDockWidget, QFileDialog, QHBoxLayout, QLabel, QMainWindow, QProgressBar, QPushButton,
    QSlider, QTabWidget, QToolButton, QVBoxLayout, QWidget,
)
from PySide6.QtGui import QUndoGroup

from typing import TYPE_CHECKING

from radshare.core.errors import InputError
from radshare.gui.lazy import lazy
from radshare.gui import caseset_dialog, icons, services
from radshare.gui.actions import build_actions, build_menus, build_toolbar
from radshare.gui.document import ImageState
from radshare.gui.export_controller import ExportController
from radshare.gui.panels.deid_panel import DeidPanel
from radshare.gui.panels.log_panel import LogPanel
from radshare.gui.panels.properties_panel import PropertiesPanel
from radshare.gui.panels.review_panel import ReviewPanel
from radshare.gui.panels import shared_panel
from radshare.gui.panels.series_panel import SeriesPanel
from radshare.gui.review_controller import ReviewController
from radshare.gui.settings import AppSettings
from radshare.gui.stack import Stacks
from radshare.gui.status_line import StatusLine
from radshare.gui.view_actions import ViewActions
from radshare.gui.window_dialogs import DialogActions
from radshare.gui.viewer import commands
from radshare.gui.viewer.canvas import Canvas
from radshare.gui.viewer.tools import size_factor
from radshare.gui.workers import Op, Worker, WorkerPool, dialog_pool

if TYPE_CHECKING:
    from radshare.core.model import Image

annotations_io = lazy("radshare.core.annotations_io")
render = lazy("radshare.core.render")
keystore = lazy("radshare.core.keystore")
model = lazy("radshare.core.model")
TITLE = "RadShare"


def _what_if(image, profile: str) -> tuple[list, str | None]:
    """The what-if rows, or the message to show instead (never fatal: export still de-identifies)."""
    try:
        return services.describe_image(image, profile), None
    except ImportError:
        return [], "The de-identification preview is not available in this installation."
    except Exception as exc:  # noqa: BLE001 - the type only: a message could hold a patient value
        return [], f"The preview could not be built: {type(exc).__name__}."


def default_session_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or str(Path.home() / ".radshare")
    return Path(base) / "annotations"


class MainWindow(ViewActions, DialogActions, QMainWindow):
    images_loaded = Signal(int, int)  # opened, failed (after a load finishes)
    image_shown = Signal()  # the first frame of the current image reached the screen

    def __init__(self, settings: AppSettings | None = None, session_dir: Path | None = None):
        super().__init__()
        self.settings = settings or AppSettings()
        self.session_dir = Path(session_dir) if session_dir else default_session_dir()
        self.setWindowTitle(TITLE)
        self.setWindowIcon(icons.icon("app"))
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.workers = WorkerPool()
        self.states: list[ImageState] = []  # in the image list's order: series by series, slice order
        self.stacks = Stacks()
        self.current: ImageState | None = None
        self.undo_group = QUndoGroup(self)
        self.actions: dict = {}
        self.loading: Worker | None = None
        self._load_counts = [0, 0]
        self._closing = False
        self._pending_show = False
        self._auto_shown: ImageState | None = None  # shown because it was opened, not chosen

        self.canvas = Canvas()
        self.canvas.rendered.connect(self._on_rendered)
        self.canvas.selection_changed.connect(self._on_selection_changed)
        self.canvas.cursor_moved.connect(lambda text: self.cursor_label.setText(text))
        self.canvas.frame_changed.connect(self._on_frame_changed)
        self.canvas.slice_requested.connect(self.step_slice)
        self.setCentralWidget(self._build_center())

        self.series_panel = SeriesPanel()
        self.series_panel.image_selected.connect(self.show_state)
        self.deid_panel = DeidPanel()
        self.deid_panel.vocabulary_changed.connect(lambda _word: self._refresh_deid())
        self.review_panel = ReviewPanel()
        self.properties_panel = PropertiesPanel()
        self.properties_panel.style_changed.connect(self._on_style_changed)
        self.properties_panel.alt_text_changed.connect(self._on_alt_text)
        self.log_panel = LogPanel()
        self.log_panel.problem_logged.connect(self.show_log)
        self.reviewer = ReviewController(self)
        self.exporter = ExportController(self)
        self._build_docks()
        build_actions(self)
        build_menus(self)
        caseset_dialog.install_action(self)  # File > Export case set...
        shared_panel.install(self)  # View > Shared posts (the sharing ledger)
        self.toolbar = build_toolbar(self)
        self._build_status_bar()
        self.cine_timer = QTimer(self)
        self.cine_timer.setInterval(100)
        self.cine_timer.timeout.connect(lambda: self.step_slice(1, wrap=True))
        self._deid_timer = QTimer(self)  # the what-if table waits until slice stepping pauses
        self._deid_timer.setSingleShot(True)
        self._deid_timer.setInterval(150)
        self._deid_timer.timeout.connect(self._refresh_deid)
        self.actions["tool_arrow"].setChecked(True)
        self.actions["link_series"].setChecked(self.settings.link_series)
        self.set_tool("arrow")
        self._update_enabled()
        self.resize(1400, 880)

    def refresh_icons(self) -> None:
        super().refresh_icons()
        self.actions["export_caseset"].setIcon(icons.icon("caseset"))

    # --- layout --------------------------------------------------------------------------
    def _build_center(self) -> QWidget:
        center = QWidget()
        layout = QVBoxLayout(center)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        self.frame_bar = QWidget()
        bar = QHBoxLayout(self.frame_bar)
        bar.setContentsMargins(10, 4, 10, 4)
        self.play_button = QToolButton()
        self.play_button.setIcon(icons.icon("play"))
        self.play_button.setToolTip("Play cine (Space)")
        self.play_button.clicked.connect(lambda: self.actions["play"].toggle())
        self.frame_slider = QSlider(Qt.Horizontal)
        self.frame_slider.valueChanged.connect(self.go_frame)
        self.frame_label = QLabel()
        self.frame_label.setMinimumWidth(90)
        bar.addWidget(self.play_button)
        bar.addWidget(self.frame_slider, 1)
        bar.addWidget(self.frame_label)
        layout.addWidget(self.frame_bar)
        self.frame_bar.hide()
        return center

    def _dock(self, title: str, widget: QWidget, area, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.series_dock = self._dock("Images", self.series_panel, Qt.LeftDockWidgetArea, "series")
        self.series_dock.setMinimumWidth(220)
        self.side_tabs = QTabWidget()
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.addTab(self.review_panel, icons.icon("detect"), "Text review")
        self.side_tabs.addTab(self.deid_panel, icons.icon("shield"), "De-identification")
        self.side_tabs.addTab(self.properties_panel, icons.icon("arrow"), "Annotation")
        self.side_dock = self._dock("Inspector", self.side_tabs, Qt.RightDockWidgetArea, "inspector")
        self.side_dock.setMinimumWidth(470)
        self.log_dock = self._dock("Log", self.log_panel, Qt.BottomDockWidgetArea, "log")
        self.log_dock.hide()

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.status_label = StatusLine(self.idle_status, lambda: self.workers.busy)
        self.status_label.setText("Ready.")
        self.cursor_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_work)
        status.addWidget(self.status_label, 1)
        status.addPermanentWidget(self.cursor_label)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        self.keystore_label = QLabel()  # shown when secrets are not kept in a system keyring
        self.keystore_label.setObjectName("keystoreWarning")
        self.keystore_label.hide()
        status.addPermanentWidget(self.keystore_label)
        # The keyring may be slow to answer: asked off the UI thread.
        self._keystore_check = Op(keystore.store_warning, success=self._on_keystore_warning,
                                  owner=self.keystore_label).run_in_background(dialog_pool())

    def _on_keystore_warning(self, warning: str | None) -> None:
        """The one secrets policy's warning (core/keystore.py), where the user sees it."""
        if warning:
            self.keystore_label.setText("Secrets are not in a system keyring")
            self.keystore_label.setToolTip(warning)
            self.keystore_label.show()

    def idle_status(self) -> str:
        """What the status bar says when nothing is happening: what is open and still to review."""
        if not self.states:
            return "Ready. Drop images here or choose File \u203a Open."
        count = len(self.states)
        todo = sum(1 for s in self.states if s.image.review == "not reviewed")
        text = f"{count} image{'s' if count != 1 else ''} open"
        return text + (f", {todo} not reviewed for burned-in text." if todo else ", all reviewed.")

    def _update_enabled(self) -> None:
        has = self.current is not None
        for key in ("export", "post", "delete", "zoom_in", "zoom_out", "zoom_fit", "zoom_actual", "invert",
                    "rotate_cw", "rotate_ccw", "flip_h", "flip_v", "reset_view", "detect", "mark_reviewed",
                    "accept_region", "next_unreviewed", "play", "preset_file", "preset_auto"):
            if key in self.actions:
                self.actions[key].setEnabled(has)
        for action in getattr(self, "preset_actions", []):
            action.setEnabled(has and self.current.image.modality == "CT" if has else False)
        multi = has and (self.current.image.frame_count > 1 or len(self.stacks.stack(self.current)) > 1)
        self.actions["play"].setEnabled(bool(multi))
        self.frame_bar.setVisible(bool(multi))

    # --- opening -------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
            self.canvas.set_drop_hint(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802
        self.canvas.set_drop_hint(False)

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        self.canvas.set_drop_hint(False)
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Open images", self.settings.open_folder,
            "Images (*.dcm *.dicom *.ima *.zip *.jpg *.jpeg *.png *.heic *.tif *.tiff *.webp);;All files (*)")
        if files:
            self.settings.open_folder = str(Path(files[0]).parent)
            self.open_paths(files)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open folder", self.settings.open_folder)
        if folder:
            self.settings.open_folder = folder
            self.open_paths([folder])

    def open_paths(self, paths: list[str]) -> Worker:
        """Load in a worker; images appear one by one, unreadable files go to the log."""
        self._load_counts = [0, 0]
        self._pending_show = True  # what was just opened or dropped is selected and shown
        op = (Op(services.load_paths, [str(p) for p in paths], cancellable=True)
              .on_item(self._on_loaded)
              .with_progress(lambda done, total, _w: self._show_progress(done, total, "Opening"))
              .failure(lambda text: self.log_panel.problem(f"Opening stopped: {text}"))
              .on_finished(self._on_load_finished))
        self.loading = worker = op.worker()
        self._show_progress(0, 0, "Opening")
        self.workers.start(worker)
        return worker

    def _on_loaded(self, item) -> None:
        if isinstance(item, model.Image):
            self.add_image(item)
            self._load_counts[0] += 1
        elif isinstance(item, (InputError, Exception)):
            self._load_counts[1] += 1
            self.log_panel.problem(str(item))

    def _on_load_finished(self) -> None:
        opened, failed = self._load_counts
        self._hide_progress()
        parts = [f"Opened {opened} image{'s' if opened != 1 else ''}"]
        if failed:
            parts.append(f"{failed} could not be opened (see the log)")
        self.status_label.setText(", ".join(parts) + ".")
        self.log_panel.info(", ".join(parts) + ".")
        self.loading = None
        shown = self._auto_shown
        if shown is not None and self.current is shown:  # not moved since: start at the first slice
            self.show_state(self.stacks.stack(shown)[0])
        self._auto_shown = None
        self._update_frame_bar()
        self._update_enabled()
        self.reviewer.refresh()
        self.images_loaded.emit(opened, failed)

    def add_image(self, image: Image) -> ImageState:
        try:
            sidecar = annotations_io.read_sidecar(annotations_io.sidecar_path(self.session_dir, image))
        except ValueError:
            sidecar = None
            self.log_panel.problem("Saved annotations for one image were damaged and were not restored.")
        if sidecar is not None:
            sidecar.apply_to(image)
        state = ImageState(image, self)
        state.edited.connect(lambda s=state: self._on_state_edited(s))
        state.view_changed.connect(lambda s=state: self._on_view_changed(s))
        self.undo_group.addStack(state.undo_stack)
        index = self.stacks.add(state)
        self.states = self.stacks.ordered()
        self.series_panel.add(state, self._series_label(image), index)
        if self._pending_show or self.current is None:
            self._pending_show = False
            self.show_state(state)
            self._auto_shown = state
        else:
            self.reviewer.refresh()
            if self.stacks.same_series(state, self.current):
                self._update_frame_bar()
        return state

    def _series_label(self, image: Image) -> str:
        if image.kind == "photo":
            return "Photos"
        ds = image.dataset
        number = ds.get("SeriesNumber", "") if ds is not None else ""
        description = str(ds.get("SeriesDescription", "")) if ds is not None else ""
        label = f"{image.modality or 'DICOM'} series"
        if number not in ("", None):
            label += f" {number}"
        if description:
            label += f" \u00b7 {description}"
        return label

    # --- current image -------------------------------------------------------------------
    def show_state(self, state: ImageState, stepping: bool = False) -> None:
        """Make `state` the current image. `stepping` (wheel, keys, cine through a series) keeps
        cine running and builds the de-identification preview once the reader pauses."""
        if state is self.current:
            return
        if not stepping:
            self.stop_cine()
        previous, self.current = self.current, state
        linked = self.actions["link_series"].isChecked() and self.stacks.same_series(previous, state)
        if linked:  # window/level and zoom/pan follow the reader through the series
            state.set_view(replace(state.view, center=previous.view.center, width=previous.view.width,
                                   invert=previous.view.invert))
        self.undo_group.setActiveStack(state.undo_stack)
        self.canvas.set_state(state, keep_zoom=linked)
        self.series_panel.select(state)
        self._update_frame_bar()
        self._update_enabled()
        self.reviewer.refresh()
        self.properties_panel.show_alt_text(state.image.alt_text, True)
        if stepping:
            self._deid_timer.start()
        else:
            self._deid_timer.stop()
            self._refresh_deid()
        self._on_selection_changed()

    def step_image(self, delta: int) -> None:
        if self.current is None or not self.states:
            return
        index = (self.states.index(self.current) + delta) % len(self.states)
        self.show_state(self.states[index])

    def step_slice(self, delta: int, wrap: bool = False) -> None:
        """The wheel, the arrow keys and cine: frames of a multi-frame image, else the slices of
        the current image's series (held at the ends unless `wrap`)."""
        state = self.current
        if state is None:
            return
        if state.image.frame_count > 1:
            self.canvas.step_frame(delta, wrap=wrap)
            return
        self.show_state(self.stacks.step(state, delta, wrap), stepping=True)

    def _refresh_deid(self) -> None:
        """The what-if, worked out off the UI thread: it runs every cleaner on a copy (decoding RLE
        frames of a 3k-pixel image takes a good part of a second)."""
        state = self.current
        if state is None:
            self.deid_panel.show_message("Open an image to see what de-identification removes.")
            return
        self.deid_panel.show_message("Working out what de-identification removes\u2026")
        self._deid_preview = Op(_what_if, state.image, self.settings.profile, owner=self.deid_panel.tree,
                                success=lambda outcome, s=state: self._on_what_if(s, outcome)).run_in_background(dialog_pool())

    def _on_what_if(self, state: ImageState, outcome: tuple[list, str | None]) -> None:
        if state is not self.current:
            return  # another image is shown by now: its own preview is on the way
        rows, problem = outcome
        if problem:
            self.deid_panel.show_message(problem)
        else:
            self.deid_panel.show_rows(rows, state.image.kind)

    def _on_rendered(self) -> None:
        self.image_shown.emit()

    def _on_state_edited(self, state: ImageState) -> None:
        self.save_sidecar(state)
        self.series_panel.refresh(state)
        if state is self.current:
            self.reviewer.refresh()
            self.canvas.update()

    def _on_view_changed(self, state: ImageState) -> None:
        if state is self.current:
            self._update_frame_bar()

    def save_sidecar(self, state: ImageState) -> None:
        sidecar = annotations_io.Sidecar.of(state.image)
        if state.restored_review is not None:  # detection has not confirmed it yet: keep it for next time
            sidecar.review = state.restored_review
        try:
            annotations_io.write_sidecar(annotations_io.sidecar_path(self.session_dir, state.image), sidecar)
        except OSError as exc:
            self.log_panel.problem(f"Annotations could not be saved ({exc.strerror or type(exc).__name__}).")

    # --- editing -------------------------------------------------------------------------
    def delete_selected(self) -> None:
        state = self.current
        if state is None or self.canvas.selection is None:
            return
        which, item = self.canvas.selection
        text = "Delete redaction box" if which == "regions" else f"Delete {item.kind}"
        state.undo_stack.push(commands.RemoveItem(state, which, item, text))
        self.canvas.select(None, None)

    def _on_selection_changed(self) -> None:
        ann = self.canvas.selected("annotations")
        style = self.canvas.style
        if ann is not None:  # shown in the style's units (see tools.size_factor)
            factor = size_factor(self.current.image)
            self.properties_panel.show_style(ann.color, round(ann.width / factor, 1), round(ann.font_size / factor, 1),
                                             ann.text if ann.kind in ("text", "marker") else None, ann.kind)
        else:
            self.properties_panel.show_style(style["color"], style["width"], style["font_size"], None, None)
        region = self.canvas.selected("regions")
        if region is not None:
            self.review_panel.select_region(region)

    def _on_style_changed(self, key: str, value) -> None:
        if key != "text":
            self.canvas.style[key] = value
        ann = self.canvas.selected("annotations")
        state = self.current
        if ann is None or state is None:
            return
        if key == "text" and ann.kind not in ("text", "marker"):
            return
        if key in ("width", "font_size"):
            value = round(float(value) * size_factor(state.image), 2)
        new = replace(ann, **{key: value})
        if new != ann:
            state.undo_stack.push(commands.ReplaceItem(state, "annotations", ann, new, f"Change {key.replace('_', ' ')}"))
            self.canvas.select("annotations", new)

    def _on_alt_text(self, text: str) -> None:
        if self.current is not None and self.current.image.alt_text != text:
            self.current.image.alt_text = text
            self.save_sidecar(self.current)

    # --- work ----------------------------------------------------------------------------
    def _show_progress(self, done: int, total: int, what: str) -> None:
        self.progress.show()
        self.cancel_button.show()
        self.progress.setRange(0, total if total > 0 else 0)
        if total > 0:
            self.progress.setValue(done)
        self.status_label.setText(f"{what}\u2026 {done} of {total}" if total else f"{what}\u2026")

    def _hide_progress(self) -> None:
        if not self.workers.busy or self._closing:
            self.progress.hide()
            self.cancel_button.hide()

    def cancel_work(self) -> None:
        for worker in list(self.workers.active):
            worker.request_cancel()
        self.status_label.setText("Cancelling\u2026")

    # --- closing -------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802
        self._closing = True
        self.stop_cine()
        self.workers.cancel_all(wait_ms=10000)
        for state in self.states:
            self.save_sidecar(state)
        self.settings.sync()
        event.accept()

