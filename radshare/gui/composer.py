"""The composer: post open images to a sharing account (Mastodon, Bluesky, blog, forum, folder).

`ComposerDialog(images, parent)` lets the sharer pick which of the given images to post, write a
caption and hashtags, give every image its alt text (required), choose the account and, as the
target allows, visibility, content warning, a draft or a scheduled time. Live counters compare the
texts and the image count with the target's limits. The preview shows exactly the bytes that will
be sent: core renders each image (window, geometry, annotations, painted-out text regions) and
fits it to the target's limits (`uploaders.compose.prepare_images`); posting sends those same
`PreparedImage`s. Nothing is sent before the PHI gate passes, which includes the sharer's
confirmation of the right to share and the basis for sharing (patient consent, institutional
policy, anonymous image; remembered per account with the confirmation), which the sharing ledger
records with the post. Rendering, fitting and posting run in the thread pool; the
dialog never blocks, and Cancel stops between network steps. The link to the post is shown at
the end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDateTimeEdit, QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QListWidget, QListWidgetItem, QPlainTextEdit, QProgressBar, QPushButton, QSplitter, QVBoxLayout, QWidget,
)

from radshare.core.model import Image
from radshare.gui.ledger_jobs import publish_recorded, remembered_basis
from radshare.gui.workers import Worker, WorkerPool, dialog_pool
from radshare.uploaders.base import (
    Cancel, Features, Limits, Post, PreparedImage, Progress, PublishResult, UploaderProtocol, close_uploader,
    secret_field_of,
)

if TYPE_CHECKING:
    from radshare.core.render import View
    from radshare.uploaders.accounts import Account, AccountStore
    from radshare.uploaders.compose import SourceImage
    from radshare.uploaders.gate import GateImage
    from radshare.uploaders.registry import Registry

#: One image to prepare: (row, image, view, frame, the source already rendered or None).
PrepareJob = tuple[int, Image, "View | None", int, "SourceImage | None"]

WORKER_IMPORTS = ("radshare.core.prepare", "radshare.uploaders.compose", "radshare.uploaders.gate",
                  "sqlite3", "radshare.core.ledger", "radshare.core.sharing",
                  "radshare.uploaders.mastodon", "radshare.uploaders.bluesky", "mastodon", "atproto", "requests")


# --------------------------------------------------------------------------------------------
# Work done in the pool (no widgets touched)
# --------------------------------------------------------------------------------------------


def render_source(image: Image, view: View | None, frame: int) -> SourceImage:
    """De-identified RGB pixels of one image as the reader set it up, plus what the gate needs.

    Made by `core.shareable.make_shareable`, as every export is; when it cannot paint the regions
    or read the identifiers it raises, and the image cannot be posted.
    """
    from radshare.core.shareable import Review, make_shareable
    from radshare.uploaders.compose import SourceImage

    made = make_shareable(image, Review.of(image), view, image.annotations, frame=frame)
    return SourceImage(rgb=made.rgb, identifiers=made.identifiers, text_review_done=made.text_review_done,
                       deidentified=True)


def prepare_rows(jobs: list[PrepareJob], limits: Limits, progress: Progress | None = None,
                 cancel: Cancel | None = None) -> tuple[Limits, dict[int, SourceImage], dict[int, PreparedImage]]:
    """Render (where no source is known yet) and fit each job's image to `limits`.

    `jobs` holds (row, image, view, frame, known source or None). Returns the limits (so a late
    answer for other limits can be recognized), the sources and the prepared images by row: the
    bytes the preview shows and the post sends, made by core's fitting
    (`uploaders.compose.prepare_images`).
    """
    from radshare.uploaders.compose import prepare_images

    sources: dict[int, SourceImage] = {}
    prepared: dict[int, PreparedImage] = {}
    for done, (row, image, view, frame, source) in enumerate(jobs):
        if cancel is not None and cancel():
            break
        if progress is not None:
            progress(done, len(jobs), "Preparing")
        source = source if source is not None else render_source(image, view, frame)
        sources[row] = source
        images, _ = prepare_images([source], limits, alt_texts=[""])
        ext = "jpg" if images[0].format == "jpeg" else "png"
        prepared[row] = dataclasses.replace(images[0], filename=f"image-{row + 1}.{ext}")
    return limits, sources, prepared


def _offered(images: list[Image], parent: QWidget | None) -> tuple[list[Image], set[int]]:
    """The images to offer: those given (the first `INITIALLY_CHECKED` checked) plus the other open
    ones (unchecked) when the parent window holds them, up to `MAX_OFFERED` in all."""
    states = getattr(parent, "states", None) or []
    others = [s.image for s in states if all(s.image is not im for im in images)]
    offered = (images + others)[:MAX_OFFERED]
    return offered, set(range(min(len(images), INITIALLY_CHECKED)))


def publish_and_close(uploader: UploaderProtocol, post: Post, record: dict[str, str],
                      images: list[tuple[Image, int]], progress: Progress | None = None, cancel: Cancel | None = None) -> PublishResult:
    """Publish and record the post (`ledger_jobs.publish_recorded`), then close the uploader."""
    try:
        return publish_recorded(uploader, post, record, images, progress=progress, cancel=cancel)
    finally:
        close_uploader(uploader)


DRAFT = "draft"  # the visibility choice that saves a draft

#: At most this many open images are offered, and the first few given are checked at first
#: (social targets take 4 per post; the sharer can check more for a blog or a folder).
MAX_OFFERED = 40
INITIALLY_CHECKED = 4


def fetch_limits(uploader: UploaderProtocol, progress: Progress | None = None, cancel: Cancel | None = None) -> Limits:
    """The server's own limits (for targets that declare `features.live_limits`); closes the uploader."""
    try:
        return uploader.fetch_limits()  # type: ignore[attr-defined]
    finally:
        close_uploader(uploader)


def renumber(problem: str, rows: list[int]) -> str:
    """A problem about "image N" (N counted among the chosen images, as the gate and the target
    count them) named as the list names it: "Image 6" stays image 6 even when it is the 2nd chosen."""
    import re

    def listed(match: "re.Match[str]") -> str:
        number = int(match.group(2))
        return f"{match.group(1)}{rows[number - 1] + 1 if 0 < number <= len(rows) else number}"

    return re.sub(r"\b(image )(\d+)\b", listed, problem)


def merge_problems(problems: list[str]) -> list[str]:
    """"image 1: X", "image 2: X" -> "images 1, 2: X" (the same reason once, not per image)."""
    import re

    merged: dict[str, list[str]] = {}
    order: list[str] = []
    for problem in problems:
        match = re.match(r"^image (\d+)(:? )(.*)$", problem)
        key = f"{match.group(2)}{match.group(3)}" if match else problem
        if key not in merged:
            merged[key] = []
            order.append(key)
        if match:
            merged[key].append(match.group(1))
    out = []
    for key in order:
        numbers = sorted(merged[key], key=int)
        if not numbers:
            out.append(key)
        elif len(numbers) == 1:
            out.append(f"image {numbers[0]}{key}")
        else:
            out.append(f"images {', '.join(numbers)}{key.replace(' has ', ' have ', 1)}")
    return out


# --------------------------------------------------------------------------------------------
# The dialog
# --------------------------------------------------------------------------------------------


class ComposerDialog(QDialog):
    """Compose and send one post. `images` are the open images offered (all checked at first).

    What the dialog offers for a target comes only from the target's declared `Features` and
    `Limits` (see `radshare.uploaders.base`), so a third-party uploader offers the same.
    """

    posted = Signal(object)  # PublishResult
    prepared_changed = Signal()

    def __init__(self, images: list[Image], parent: QWidget | None = None, *, store: AccountStore | None = None,
                 registry: Registry | None = None):
        super().__init__(parent)
        from radshare.uploaders.accounts import AccountStore
        from radshare.uploaders.registry import registry as default_registry

        self.setWindowTitle("Post to an account — RadShare")
        self.resize(1060, 720)
        self.images, checked = _offered(list(images), parent)
        self.store = store or AccountStore()
        self.registry = registry or default_registry()
        self.pool = WorkerPool(dialog_pool())
        self.sources: dict[int, SourceImage] = {}  # row -> rendered once
        self.prepared: dict[int, PreparedImage] = {}  # row -> fitted to `self.limits`
        self._fit_limits: Limits | None = None  # the limits `prepared` was made for
        self._preparing = False
        self.limits: Limits | None = None
        self.preview_limits = Limits(formats=("png",))  # before any account: the rendered pixels, lossless
        self.result: PublishResult | None = None
        self._scheduled = False
        self.post_worker: Worker | None = None
        self._alt: list[str] = [im.alt_text for im in self.images]
        self._draft_in_visibility = False
        self._build(checked)
        self._load_accounts()

    # ------------------------------------------------------------------------------ layout
    def _build(self, checked: set[int]) -> None:
        outer = QVBoxLayout(self)
        split = QSplitter(Qt.Horizontal)
        outer.addWidget(split, 1)
        split.addWidget(self._build_images(checked))
        right = QWidget()
        right_column = QVBoxLayout(right)
        form = QFormLayout()
        right_column.addLayout(form)
        right_column.addStretch(1)  # the fields stay together at the top, whatever the height
        self._build_account(form)
        self._build_texts(form)
        self._build_target_options(form)
        self._build_consent(form)
        split.addWidget(right)
        split.setSizes([420, 640])
        outer.addLayout(self._build_bottom())
        self._connect_refresh()
        if self.images:
            self.image_list.setCurrentRow(0)
        self.review_confirm.setVisible(any(im.review == "not reviewed" for im in self.images))

    def _build_images(self, checked: set[int]) -> QWidget:
        """The left side: the offered images (checkable), the preview and what is sent."""
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addWidget(QLabel("Images to post (from what is open):"))
        self.image_list = QListWidget()
        for number, image in enumerate(self.images, 1):
            item = QListWidgetItem(f"Image {number}  ({image.modality or image.kind}, {image.columns}×{image.rows})")
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if number - 1 in checked else Qt.Unchecked)
            self.image_list.addItem(item)
        self.image_list.currentRowChanged.connect(self._on_image_selected)
        self.image_list.itemChanged.connect(self._on_item_changed)
        lv.addWidget(self.image_list, 1)
        self.preview = QLabel("Preparing the preview…")
        self.preview.setAlignment(Qt.AlignCenter)
        self.preview.setMinimumSize(360, 300)
        self.preview.setStyleSheet("QLabel { background: #111; color: #bbb; }")
        lv.addWidget(self.preview, 2)
        self.preview_info = QLabel("")
        self.preview_info.setWordWrap(True)
        lv.addWidget(self.preview_info)
        return left

    def _build_account(self, form: QFormLayout) -> None:
        row = QHBoxLayout()
        self.account = QComboBox()
        self.account.currentIndexChanged.connect(self._on_account_changed)
        row.addWidget(self.account, 1)
        self.accounts_button = QPushButton("Accounts…")
        self.accounts_button.clicked.connect(self._open_accounts)
        row.addWidget(self.accounts_button)
        form.addRow("Post to:", row)
        self.target_note = QLabel("")
        self.target_note.setWordWrap(True)
        self.target_note.setStyleSheet("color: #c89b3c;")
        form.addRow("", self.target_note)

    def _build_texts(self, form: QFormLayout) -> None:
        """Title, caption, hashtags and the current image's alt text, with their counters."""
        self.title = QLineEdit()
        self.title.setPlaceholderText("The caption's first line, unless you give one")
        self.title_label = QLabel("Title:")
        form.addRow(self.title_label, self.title)
        self.caption = QPlainTextEdit()
        self.caption.setPlaceholderText("What should people learn from this case?")
        self.caption.setFixedHeight(96)
        form.addRow("Caption:", self.caption)
        self.hashtags = QLineEdit()
        self.hashtags.setPlaceholderText("#RadEd #FOAMrad")
        form.addRow("Hashtags:", self.hashtags)
        self.caption_count = QLabel("")
        form.addRow("", self.caption_count)
        self.alt_label = QLabel("Alt text (image 1, required):")
        self.alt = QPlainTextEdit()
        self.alt.setPlaceholderText("Describe the image for people who cannot see it (modality, view, finding).")
        self.alt.setFixedHeight(80)
        self.alt.textChanged.connect(self._on_alt_edited)
        form.addRow(self.alt_label, self.alt)
        self.alt_count = QLabel("")
        form.addRow("", self.alt_count)

    def _build_target_options(self, form: QFormLayout) -> None:
        """Visibility, content warning, sensitive media, draft and schedule: shown as the target declares."""
        self.visibility = QComboBox()
        self.visibility_label = QLabel("Who can see it:")
        form.addRow(self.visibility_label, self.visibility)
        self.content_warning = QLineEdit()
        self.content_warning.setPlaceholderText("e.g. medical image")
        self.cw_label = QLabel("Content warning:")
        form.addRow(self.cw_label, self.content_warning)
        self.sensitive = QCheckBox("Mark the images as sensitive (hidden until clicked)")
        form.addRow("", self.sensitive)
        self.draft = QCheckBox("Save as a draft")
        form.addRow("", self.draft)
        srow = QHBoxLayout()
        srow.setContentsMargins(0, 0, 0, 0)
        self.schedule = QCheckBox("Schedule for")
        self.schedule_at = QDateTimeEdit(QDateTime.currentDateTime().addSecs(15 * 60))
        self.schedule_at.setCalendarPopup(True)
        self.schedule_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        srow.addWidget(self.schedule)
        srow.addWidget(self.schedule_at, 1)
        self.schedule_row = QWidget()
        self.schedule_row.setLayout(srow)
        form.addRow("", self.schedule_row)

    def _build_consent(self, form: QFormLayout) -> None:
        """The right to share, the basis for sharing (recorded in the ledger) and the review confirmation."""
        from radshare.core.sharing import BASES

        consent = QGroupBox("Before sharing")
        cv = QVBoxLayout(consent)
        self.right_to_share = QCheckBox("I have the right to share these images (patient consent or my "
                                        "institution's policy allows it)")
        self.remember = QCheckBox("Remember this confirmation and the basis for this account")
        self.review_confirm = QCheckBox("Post images whose burned-in text was not reviewed by a person")
        self.basis = QComboBox()  # recorded in the sharing ledger with the post
        self.basis.addItem("Choose…", None)
        for name, label in BASES.items():
            self.basis.addItem(label, name)
        self.basis.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.basis.setMinimumContentsLength(18)
        self.basis_ref = QLineEdit()
        self.basis_ref.setPlaceholderText("Consent form no. (optional)")
        self.basis_ref.setToolTip("A form number such as CF-2024-0193: digits after an optional form code, never a name")
        self.basis_ref.setMinimumWidth(190)
        basis_row = QHBoxLayout()
        basis_row.addWidget(QLabel("Basis for sharing:"))
        basis_row.addWidget(self.basis, 1)
        basis_row.addWidget(self.basis_ref, 1)
        cv.addWidget(self.right_to_share)
        cv.addLayout(basis_row)
        for box in (self.remember, self.review_confirm):
            cv.addWidget(box)
        form.addRow(consent)
        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #d9534f;")
        form.addRow(self.problems)

    def _build_bottom(self) -> QHBoxLayout:
        """Progress, status, the link to the post, Post and Cancel."""
        bottom = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.link = QLabel("")
        self.link.setOpenExternalLinks(True)
        self.link.setTextInteractionFlags(Qt.TextBrowserInteraction)
        self.post_button = QPushButton("Post")
        self.post_button.setDefault(True)
        self.post_button.clicked.connect(self.start_post)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._on_cancel)
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.link, 2)
        bottom.addWidget(self.post_button)
        bottom.addWidget(self.cancel_button)
        return bottom

    def _connect_refresh(self) -> None:
        for signal in (self.caption.textChanged, self.hashtags.textChanged, self.title.textChanged,
                       self.content_warning.textChanged, self.right_to_share.toggled, self.review_confirm.toggled,
                       self.draft.toggled, self.schedule.toggled, self.visibility.currentIndexChanged,
                       self.schedule_at.dateTimeChanged, self.basis.currentIndexChanged, self.basis_ref.textChanged):
            signal.connect(self._refresh)

    # ---------------------------------------------------------------------------- accounts
    def _load_accounts(self) -> None:
        current = self.account.currentData()
        self.account.blockSignals(True)
        self.account.clear()
        try:
            accounts = self.store.list()
        except Exception as exc:
            accounts = []
            self.status.setText(str(exc))
        for account in accounts:
            if account.target in self.registry:
                cls = self.registry.get(account.target)
                self.account.addItem(f"{account.name} — {cls.display_name}", account.name)
        if self.account.count() == 0:
            self.account.addItem("No account yet: add one with Accounts…", None)
        index = self.account.findData(current) if current else 0
        self.account.setCurrentIndex(max(0, index))
        self.account.blockSignals(False)
        self._on_account_changed()

    def _open_accounts(self) -> None:
        from radshare.gui.accounts_dialog import AccountsDialog

        AccountsDialog(self, store=self.store, registry=self.registry).exec()
        self._load_accounts()

    def current_account(self) -> Account | None:
        name = self.account.currentData()
        return self.store.get(name) if name else None

    def current_class(self) -> type[UploaderProtocol] | None:
        account = self.current_account()
        return self.registry.get(account.target) if account is not None else None

    def _uploader(self) -> UploaderProtocol:
        """An uploader for the current account; whoever starts work with it closes it (`close_uploader`)."""
        account = self.current_account()
        assert account is not None
        cls = self.registry.get(account.target)
        secret = self.store.secret(account.name) if secret_field_of(cls) else None
        return cls(dict(account.settings), secret)

    def _on_account_changed(self, *_args: object) -> None:
        cls = self.current_class()
        account = self.current_account()
        features = cls.features if cls else Features()
        self.limits = cls.limits if cls else self.preview_limits
        self._show_features(features, account)
        self._show_remembered(account)
        if cls is not None and features.live_limits:
            self._start_worker(Worker(fetch_limits, self._uploader()), self._on_limits, quiet=True)
        self._start_fit()

    def _show_features(self, features: Features, account: Account | None) -> None:
        """Show what the target declares it can do, and nothing else."""
        has_vis = bool(features.visibility)
        # one control decides who sees it: where a target has both, "Draft" is one of the choices
        self._draft_in_visibility = has_vis and features.drafts
        self.visibility.blockSignals(True)
        self.visibility.clear()
        if has_vis:
            if self._draft_in_visibility:
                self.visibility.addItem("Draft (only you can see it)", DRAFT)
            settings = account.settings if account else {}
            default = settings.get(features.visibility_setting) if features.visibility_setting else None
            first = DRAFT if self._draft_in_visibility else features.visibility[0]
            for name in features.visibility:
                self.visibility.addItem(features.visibility_label(name), name)
            self.visibility.setCurrentIndex(max(0, self.visibility.findData(default or first)))
        self.visibility.blockSignals(False)
        for widget in (self.visibility, self.visibility_label):
            widget.setVisible(has_vis)
        for widget in (self.content_warning, self.cw_label):
            widget.setVisible(features.content_warning)
        for widget in (self.title, self.title_label):
            widget.setVisible(features.title)
        self.draft.setVisible(features.drafts and not self._draft_in_visibility)
        self.schedule_row.setVisible(features.schedule_minimum is not None)
        self.sensitive.setVisible(features.sensitive_media)
        note = features.draft_note if not features.drafts else ""
        self.target_note.setText(note)
        self.target_note.setVisible(bool(note))

    def _show_remembered(self, account: Account | None) -> None:
        """The right-to-share confirmation and the basis remembered for the account."""
        self.remember.setChecked(bool(account and account.remember_right_to_share))
        if account and account.remember_right_to_share:
            self.right_to_share.setChecked(True)
        basis = remembered_basis(account.name) if account else None
        if basis:
            self.basis.setCurrentIndex(max(0, self.basis.findData(basis)))

    def _on_limits(self, limits: Limits | None) -> None:
        """The server's own limits arrived (Mastodon's /api/v2/instance): re-fit when they differ."""
        if limits is None or limits == self.limits or self.limits is None:
            return
        refit = (limits.max_bytes, limits.max_pixels, limits.max_dimension, limits.formats) != (
            self.limits.max_bytes, self.limits.max_pixels, self.limits.max_dimension, self.limits.formats)
        self.limits = limits
        if refit:
            self._start_fit()
        else:
            self._fit_limits = limits  # the same fit: keep the prepared bytes
        self._refresh()

    # ------------------------------------------------------------------------ preparation
    def _views(self) -> dict[int, tuple[View | None, int]]:
        states = getattr(self.parent(), "states", None) or []
        by_id = {id(s.image): s for s in states}
        out: dict[int, tuple[View | None, int]] = {}
        for row, image in enumerate(self.images):
            state = by_id.get(id(image))
            out[row] = (state.view, state.frame) if state is not None else (None, 0)
        return out

    def ready(self) -> bool:
        """True when every chosen image is prepared for the current limits."""
        return (self.limits is not None and self._fit_limits is self.limits
                and all(row in self.prepared for row in self.chosen()))

    def _on_item_changed(self, _item: QListWidgetItem) -> None:
        self._start_fit()
        self._refresh()

    def _start_fit(self) -> None:
        """Prepare the chosen images that are not yet prepared for the current limits."""
        if self.limits is None:
            self._refresh()
            return
        if self._fit_limits is not self.limits:
            self.prepared = {}
            self._fit_limits = self.limits
        if self._preparing:
            return  # `_on_prepare_finished` starts the next round
        rows = [r for r in self.chosen() if r not in self.prepared]
        if not rows:
            self._refresh()
            return
        views = self._views()
        jobs = [(r, self.images[r], views[r][0], views[r][1], self.sources.get(r)) for r in rows]
        self._preparing = True
        self.preview_info.setText("Preparing the bytes to send…")
        worker = Worker(prepare_rows, jobs, self.limits)
        worker.signals.error.connect(self._on_prepare_error)
        worker.signals.finished.connect(self._on_prepare_finished)
        self._start_worker(worker, self._on_fitted, quiet=True)

    def _on_fitted(self, answer: tuple[Limits, dict[int, SourceImage], dict[int, PreparedImage]]) -> None:
        limits, sources, prepared = answer
        self.sources.update(sources)
        if limits == self._fit_limits:  # not an answer for limits that have changed since
            self.prepared.update(prepared)
        if self.ready():
            self._show_preview()
        self._refresh()

    def _on_prepare_error(self, text: str) -> None:
        self.status.setText(f"Could not prepare the images: {text}")

    def _on_prepare_finished(self) -> None:
        self._preparing = False
        if self.status.text().startswith("Could not prepare"):
            return
        if any(r not in self.prepared for r in self.chosen()):
            self._start_fit()  # limits or choice changed meanwhile
        if self.ready():
            self._show_preview()
            self.prepared_changed.emit()
        self._refresh()

    def _start_worker(self, worker: Worker, on_result: Callable[..., None], quiet: bool = False) -> Worker:
        from radshare.gui.qtcompat import preload

        preload(WORKER_IMPORTS)
        worker.signals.result.connect(on_result)
        if not quiet:
            worker.signals.error.connect(lambda text: self.status.setText(f"Could not prepare the images: {text}"))
        self.pool.start(worker)
        return worker

    # ------------------------------------------------------------------------------ preview
    def _on_image_selected(self, row: int) -> None:
        if row < 0:
            return
        self.alt.blockSignals(True)
        self.alt.setPlainText(self._alt[row])
        self.alt.blockSignals(False)
        self.alt_label.setText(f"Alt text (image {row + 1}, required):")
        self._show_preview()
        self._refresh()

    def _on_alt_edited(self) -> None:
        row = self.image_list.currentRow()
        if row >= 0:
            self._alt[row] = self.alt.toPlainText()
            self.images[row].alt_text = self._alt[row]
        self._refresh()

    def set_alt_text(self, row: int, text: str) -> None:
        self.image_list.setCurrentRow(row)
        self.alt.setPlainText(text)

    def _show_preview(self) -> None:
        row = self.image_list.currentRow()
        if row < 0 or row not in self.prepared:
            self.preview.setText("Not chosen for this post." if row >= 0 and row not in self.chosen() else "Preparing…")
            self.preview_info.setText("")
            return
        image = self.prepared[row]
        qimage = QImage.fromData(image.data)  # decode exactly the bytes that will be sent
        pixmap = QPixmap.fromImage(qimage).scaled(self.preview.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation)
        self.preview.setPixmap(pixmap)
        cap = f" of {self.limits.max_bytes:,} allowed" if self.limits and self.limits.max_bytes else ""
        self.preview_info.setText(
            f"Sent as {image.format.upper()}, {image.width}×{image.height} pixels, {image.size:,} bytes{cap}. "
            "Re-encoded from the de-identified pixels: no metadata.")

    # ----------------------------------------------------------------------------- checks
    def chosen(self) -> list[int]:
        return [i for i in range(self.image_list.count()) if self.image_list.item(i).checkState() == Qt.Checked]

    def title_text(self) -> str:
        """The title typed, else the caption's first line (as the placeholder shows)."""
        typed = self.title.text().strip()
        return typed or next((line.strip() for line in self.caption.toPlainText().splitlines() if line.strip()), "")

    def full_caption(self) -> str:
        caption = self.caption.toPlainText().strip()
        tags = " ".join(t if t.startswith("#") else f"#{t}" for t in self.hashtags.text().split() if t.strip("#"))
        return f"{caption}\n\n{tags}".strip() if tags else caption

    def build_post(self) -> tuple[Post, list[GateImage]]:
        from radshare.uploaders.gate import GateImage

        rows = self.chosen()
        images = [dataclasses.replace(self.prepared[r], alt_text=self._alt[r].strip()) for r in rows]
        options: dict[str, str] = {}
        if self.sensitive.isVisible() and self.sensitive.isChecked():
            options["sensitive"] = "true"
        if self.schedule_row.isVisible() and self.schedule.isChecked():
            options["scheduled_at"] = self.schedule_at.dateTime().toPython().astimezone().isoformat()
        visibility = self.visibility.currentData() if self.visibility.isVisible() else None
        post = Post(
            images=images,
            caption=self.full_caption(),
            title=self.title_text() if self.title.isVisible() else "",
            draft=(self.draft.isVisible() and self.draft.isChecked()) or visibility == DRAFT,
            visibility=None if visibility == DRAFT else visibility,
            content_warning=self.content_warning.text().strip() if self.content_warning.isVisible() else "",
            options=options,
        )
        gates = [GateImage(self.sources[r].deidentified, self.sources[r].text_review_done, self.sources[r].identifiers)
                 for r in rows]
        return post, gates

    def problems_now(self) -> list[str]:
        from radshare.uploaders.gate import check_post

        cls = self.current_class()
        if cls is None:
            return ["add an account to post to (Accounts…)"]
        if not self.chosen():
            return ["choose at least one image"]
        if not self.ready():
            return ["preparing the images…"]
        post, gates = self.build_post()
        found = [p.message for p in check_post(post, gates, right_to_share=self.right_to_share.isChecked(),
                                                text_review_confirmed=self.review_confirm.isChecked())]
        found += self.basis_problems(gates)
        found += [p for p in self.target_problems(cls, post) if p not in found and "alt text is missing" not in p]
        rows = self.chosen()
        return [renumber(p, rows) for p in found]

    def target_problems(self, cls: type[UploaderProtocol], post: Post) -> list[str]:
        """The target's own offline checks (`validate`), with an uploader that holds no secret."""
        account = self.current_account()
        try:
            uploader = cls(dict(account.settings if account else {}), "unused-for-offline-checks")  # type: ignore[call-arg]
            try:
                uploader.limits = self.limits or cls.limits  # type: ignore[misc]
                return list(uploader.validate(post))
            finally:
                close_uploader(uploader)
        except Exception as exc:  # a plugin's validate must not break the dialog
            return [f"{cls.display_name}: {type(exc).__name__}"]

    def basis_problems(self, gates: list[GateImage]) -> list[str]:
        """The basis for sharing must be chosen; its reference must be a form number (see core.sharing)."""
        from radshare.core.errors import ConfigError
        from radshare.core.sharing import check_basis

        if self.basis.currentData() is None:
            return ["choose the basis for sharing (patient consent, institutional policy or a fully anonymous image)"]
        try:
            check_basis(self.basis.currentData(), self.basis_ref.text(), [g.identifiers for g in gates])
        except ConfigError as exc:
            return [str(exc)]
        return []

    def _refresh(self, *_args: object) -> None:
        cls = self.current_class()
        limits = self.limits
        counter = cls.features.text_length if cls else len
        length = counter(self.full_caption())
        cap = f" / {limits.caption_max}" if limits and limits.caption_max else ""
        images_cap = f" / {limits.max_images}" if limits and limits.max_images else ""
        over = bool(limits and limits.caption_max and length > limits.caption_max)
        chosen = len(self.chosen())
        images_word = "image" if chosen == 1 and not images_cap else "images"
        self.caption_count.setText(f"{length}{cap} characters · {chosen}{images_cap} {images_word}")
        self.caption_count.setStyleSheet("color: #d9534f;" if over else "")
        alt_len = len(self.alt.toPlainText())
        alt_cap = f" / {limits.alt_max}" if limits and limits.alt_max else ""
        self.alt_count.setText(f"{alt_len}{alt_cap} characters")
        self.alt_count.setStyleSheet("color: #d9534f;" if limits and limits.alt_max and alt_len > limits.alt_max else "")
        busy = self.post_worker is not None
        problems = [] if self.result is not None else self.problems_now()
        self.problems.setText("\n".join(f"• {p}" for p in merge_problems(problems)))
        self.post_button.setEnabled(not problems and not busy and self.result is None)

    # ------------------------------------------------------------------------------ posting
    def start_post(self) -> Worker | None:
        if self.problems_now() or self.post_worker is not None:
            self._refresh()
            return None
        account = self.current_account()
        assert account is not None  # problems_now() holds back a post without an account
        if self.remember.isChecked() != account.remember_right_to_share:
            account.remember_right_to_share = self.remember.isChecked()
            self.store.update(account)
        post, _ = self.build_post()
        self._scheduled = "scheduled_at" in post.options
        uploader = self._uploader()
        uploader.limits = self.limits or uploader.limits
        from radshare.core.sharing import check_basis

        basis, reference = check_basis(self.basis.currentData(), self.basis_ref.text())
        record = {"account": account.name, "target": account.target, "basis": basis, "basis_ref": reference,
                  "remember_basis": basis if self.remember.isChecked() else ""}
        views = self._views()
        chosen = [(self.images[r], views[r][1]) for r in self.chosen()]
        worker = Worker(publish_and_close, uploader, post, record, chosen)
        worker.signals.progress.connect(self._on_progress)
        worker.signals.error.connect(self._on_post_error)
        worker.signals.finished.connect(self._on_post_finished)
        self.post_worker = worker
        self.progress.setRange(0, len(post.images) + 1)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setText(f"Posting to {account.name}…")
        self.cancel_button.setText("Stop")
        self._start_worker(worker, self._on_posted, quiet=True)
        self._refresh()
        return worker

    def _on_progress(self, done: int, total: int, stage: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.status.setText(stage[:1].upper() + stage[1:] + "…")

    def _on_posted(self, result: PublishResult) -> None:
        self.result = result
        kind = ("Scheduled" if self._scheduled else "Draft saved") if result.draft else "Posted"
        self.status.setText(f"{kind}:")
        url = result.url
        self.link.setText(f'<a href="{url}">{url}</a>' if url.startswith(("http://", "https://")) else url)
        panel = getattr(self.parent(), "shared_panel", None)
        if panel is not None and panel.isVisible():
            panel.refresh()
        self.posted.emit(result)

    def _on_post_error(self, text: str) -> None:
        self.status.setText(text)

    def _on_post_finished(self) -> None:
        cancelled = self.post_worker is not None and self.post_worker.cancelled
        self.post_worker = None
        self.progress.setVisible(False)
        if cancelled:
            self.status.setText("Stopped. What was already uploaded may remain on the server, unattached.")
        self.cancel_button.setText("Close" if self.result is not None else "Cancel")
        self._refresh()

    def _on_cancel(self) -> None:
        if self.post_worker is not None:
            self.post_worker.request_cancel()
            self.status.setText("Stopping after the current step…")
            return
        self.reject()

    def done(self, code: int) -> None:  # closing: stop preparation work, never block for long
        self.pool.cancel_all(wait_ms=500)
        super().done(code)
