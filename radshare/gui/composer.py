"""The composer: post open images to a sharing account (Mastodon, Bluesky, blog, forum, folder).

`ComposerDialog(images, parent)` lets the sharer pick which of the given images to post, write a
caption and hashtags, give every image its alt text (required), choose the account and, as the
target allows, visibility, content warning, a draft or a scheduled time. Live counters compare the
texts and the image count with the target's limits. The preview shows exactly the bytes that will
be sent: core renders each image (window, geometry, annotations, painted-out text regions) and
fits it to the target's limits (`uploaders.compose.prepare_images`); posting sends those same
`PreparedImage`s. Nothing is sent before the PHI gate passes, which includes the sharer's
confirmation of the right to share and the basis for sharing, which the sharing ledger records
with the post; when the gate holds back a word it does not know, the composer names it. Rendering,
fitting and posting run in the thread pool; the dialog never blocks, and Cancel stops between
network steps. The link to the post is shown at the end.

The parts, each readable on its own: `composer_images` (choice and preview), `composer_texts`,
`composer_target` (account and the target's declared `Features`), `composer_consent`,
`composer_words` (held-back words), `composer_publish` (the bottom row), `composer_prepare`
(keeping the bytes prepared) and `composer_jobs` (the work done in the pool).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QFrame, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from radshare.core.model import Image
from radshare.gui.composer_consent import ConsentBox
from radshare.gui.composer_images import ImagePicker, offered, views_of
from radshare.gui.composer_jobs import (  # noqa: F401 (render_source: tests)
    fetch_limits, offline_problems, publish_and_close, render_source,
)
from radshare.gui.composer_prepare import Preparation, run_op
from radshare.gui.composer_problems import merge_problems, renumber
from radshare.gui.composer_publish import PublishBar
from radshare.gui.composer_target import AccountRow, TargetOptions
from radshare.gui.composer_texts import TextFields
from radshare.gui.composer_words import HeldBack, HeldBackWords
from radshare.gui.workers import Op, Worker, WorkerPool, dialog_pool
from radshare.uploaders.base import (
    Features, Limits, Post, PreparedImage, PublishResult, UploaderProtocol, secret_field_of,
)

if TYPE_CHECKING:
    from radshare.core.render import View
    from radshare.uploaders.accounts import Account, AccountStore
    from radshare.uploaders.gate import GateImage
    from radshare.uploaders.registry import Registry


NAMED_BELOW = "words RadShare does not know (named below)"  # the held-back words box says which and what to do


class ComposerDialog(QDialog):
    """Compose and send one post. `images` are the open images offered (the first few checked).

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
        room = self.screen().availableGeometry().height() - 80 if self.screen() else 720
        self.resize(1080, max(640, min(800, room)))  # everything in view on a common screen; scrolled below
        self.images, checked = offered(list(images), parent)
        self.store = store or AccountStore()
        self.registry = registry or default_registry()
        self.pool = WorkerPool(dialog_pool())
        self.limits: Limits | None = None
        self.preview_limits = Limits(formats=("png",))  # before any account: the rendered pixels, lossless
        self.result: PublishResult | None = None
        self._scheduled = False
        self.post_worker: Worker | None = None
        self._alt: list[str] = [im.alt_text for im in self.images]
        self.preparation = Preparation(self.pool, self.images, self.chosen, self._views, self)
        self._build(checked)
        self.preparation.fitted.connect(self._on_fitted)
        self.preparation.failed.connect(lambda text: self.status.setText(f"Could not prepare the images: {text}"))
        self.preparation.settled.connect(self._on_settled)
        self._load_accounts()

    # ------------------------------------------------------------------------------ layout
    def _build(self, checked: set[int]) -> None:
        outer = QVBoxLayout(self)
        split = QSplitter(Qt.Horizontal)
        outer.addWidget(split, 1)
        self.picker = ImagePicker(self.images, checked)
        split.addWidget(self.picker)
        split.addWidget(self._build_form())
        split.setSizes([420, 640])
        self.bar = PublishBar()
        outer.addLayout(self.bar.layout)
        self._name_parts()
        self._connect()
        if self.images:
            self.image_list.setCurrentRow(0)
        self.review_confirm.setVisible(any(im.review == "not reviewed" for im in self.images))

    def _build_form(self) -> QWidget:
        """The right side: account, texts, the target's options and the confirmations (scrolled
        rather than squeezed when the window is short), then what holds the post back, always in view."""
        fields = QWidget()
        column = QVBoxLayout(fields)
        form = QFormLayout()
        column.addLayout(form)
        column.addStretch(1)  # the fields stay together at the top, whatever the height
        self.account_row = AccountRow(form)
        self.texts = TextFields(form)
        self.options = TargetOptions(form)
        self.consent = ConsentBox()
        form.addRow(self.consent)
        scroll = QScrollArea()
        scroll.setWidget(fields)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(fields.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        right = QWidget()
        layout = QVBoxLayout(right)
        margins = column.contentsMargins()  # the reasons line up with the fields above
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        below = QVBoxLayout()
        below.setContentsMargins(margins.left(), 0, margins.right(), 0)
        layout.addLayout(below)
        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #d9534f;")
        below.addWidget(self.problems)
        self.held_back = HeldBackWords()
        below.addWidget(self.held_back)
        return right

    def _name_parts(self) -> None:
        """The widgets by the names tests, screenshots and the main window use."""
        self.image_list, self.preview, self.preview_info = (
            self.picker.image_list, self.picker.preview, self.picker.preview_info)
        self.account, self.accounts_button, self.target_note = (
            self.account_row.account, self.account_row.accounts_button, self.account_row.target_note)
        t = self.texts
        self.title, self.caption, self.hashtags, self.alt = t.title, t.caption, t.hashtags, t.alt
        self.caption_count, self.alt_count = t.caption_count, t.alt_count
        o = self.options
        self.visibility, self.content_warning, self.sensitive, self.draft = (
            o.visibility, o.content_warning, o.sensitive, o.draft)
        self.schedule, self.schedule_at, self.schedule_row = o.schedule, o.schedule_at, o.schedule_row
        c = self.consent
        self.right_to_share, self.remember, self.review_confirm, self.basis, self.basis_ref = (
            c.right_to_share, c.remember, c.review_confirm, c.basis, c.basis_ref)
        b = self.bar
        self.progress, self.status, self.link, self.post_button, self.cancel_button = (
            b.progress, b.status, b.link, b.post_button, b.cancel_button)

    def _connect(self) -> None:
        self.image_list.currentRowChanged.connect(self._on_image_selected)
        self.image_list.itemChanged.connect(self._on_item_changed)
        self.account.currentIndexChanged.connect(self._on_account_changed)
        self.accounts_button.clicked.connect(self._open_accounts)
        self.alt.textChanged.connect(self._on_alt_edited)
        self.post_button.clicked.connect(self.start_post)
        self.cancel_button.clicked.connect(self._on_cancel)
        self.held_back.vocabulary_changed.connect(self._refresh)
        for signal in (self.texts.changed_signals() + self.options.changed_signals()
                       + self.consent.changed_signals()):
            signal.connect(self._refresh)

    # ---------------------------------------------------------------------------- accounts
    def _load_accounts(self) -> None:
        problem = self.account_row.fill(self.store, self.registry)
        if problem:
            self.status.setText(problem)
        self._on_account_changed()

    def _open_accounts(self) -> None:
        from radshare.gui.accounts_dialog import AccountsDialog

        AccountsDialog(self, store=self.store, registry=self.registry).exec()
        self._load_accounts()

    def current_account(self) -> Account | None:
        """The chosen account; None when none is chosen or it was removed meanwhile."""
        from radshare.uploaders.accounts import AccountError

        name = self.account.currentData()
        try:
            return self.store.get(name) if name else None
        except AccountError:
            return None

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
        self.options.show(features, account)
        self.texts.show_title(features.title)
        self.account_row.show_note(features)
        self.consent.show_remembered(account)
        if cls is not None and features.live_limits:
            run_op(self.pool, Op(fetch_limits, self._uploader(), success=self._on_limits))
        self._start_fit()

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
            self.preparation.keep_for(limits)  # the same fit: keep the prepared bytes
        self._refresh()

    # ------------------------------------------------------------------------ preparation
    def _views(self) -> dict[int, tuple[View | None, int]]:
        return views_of(self.parent(), self.images)

    @property
    def prepared(self) -> dict[int, PreparedImage]:
        """The bytes to send by list row, fitted to the current limits."""
        return self.preparation.prepared

    def ready(self) -> bool:
        """True when every chosen image is prepared for the current limits."""
        return self.preparation.ready(self.limits)

    def _on_item_changed(self, _item: object) -> None:
        self._start_fit()
        self._refresh()

    def _start_fit(self) -> None:
        """Prepare the chosen images that are not yet prepared for the current limits."""
        started = self.preparation.start(self.limits) if self.limits is not None else "idle"
        if started == "idle":
            self._refresh()
        elif started == "started":
            self.preview_info.setText("Preparing the bytes to send…")

    def _on_fitted(self) -> None:
        if self.ready():
            self._show_preview()
        self._refresh()

    def _on_settled(self) -> None:
        if any(r not in self.prepared for r in self.chosen()):
            self._start_fit()  # limits or choice changed meanwhile
        if self.ready():
            self._show_preview()
            self.prepared_changed.emit()
        self._refresh()

    # ------------------------------------------------------------------------------ preview
    def _on_image_selected(self, row: int) -> None:
        if row < 0:
            return
        self.texts.show_alt(row, self._alt[row])
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
        self.picker.show_preview(self.prepared, self.limits)

    # ----------------------------------------------------------------------------- checks
    def chosen(self) -> list[int]:
        return self.picker.chosen()

    def title_text(self) -> str:
        return self.texts.title_text()

    def full_caption(self) -> str:
        return self.texts.full_caption()

    def build_post(self) -> tuple[Post, list[GateImage]]:
        """The post as it would be sent, and what the gate knows of each chosen image."""
        from radshare.uploaders.gate import GateImage

        rows = self.chosen()
        images = [dataclasses.replace(self.prepared[r], alt_text=self._alt[r].strip()) for r in rows]
        fields = self.options.fields()
        post = Post(images=images, caption=self.full_caption(), title=self.title_text() if self.title.isVisible() else "",
                    draft=fields.draft, visibility=fields.visibility, content_warning=fields.content_warning,
                    options=fields.options)
        sources = [self.preparation.sources[r] for r in rows]
        return post, [GateImage(s.deidentified, s.text_review_done, s.identifiers) for s in sources]

    def problems_now(self) -> list[str]:
        """Every reason the post cannot be sent now, images numbered as the list numbers them."""
        return self._check()[0]

    def _check(self) -> tuple[list[str], HeldBack]:
        """The reasons the post is held back, and the words the gate did not know (by text)."""
        from radshare.uploaders.gate import UNKNOWN_WORDS, check_post

        cls = self.current_class()
        if cls is None:
            return ["add an account to post to (Accounts…)"], []
        if not self.chosen():
            return ["choose at least one image"], []
        if not self.ready():
            return ["preparing the images…"], []
        post, gates = self.build_post()
        gate = check_post(post, gates, right_to_share=self.right_to_share.isChecked(),
                          text_review_confirmed=self.review_confirm.isChecked())
        found = [p.message.replace(UNKNOWN_WORDS, NAMED_BELOW) if p.words else p.message for p in gate]
        found += self.consent.basis_problems(gates)
        found += [p for p in self.target_problems(cls, post) if p not in found and "alt text is missing" not in p]
        rows = self.chosen()
        held = [(renumber(p.where, rows), p.words) for p in gate if p.words]
        return [renumber(p, rows) for p in found], held

    def target_problems(self, cls: type[UploaderProtocol], post: Post) -> list[str]:
        """The target's own offline checks (`validate`), with an uploader that holds no secret."""
        account = self.current_account()
        return offline_problems(cls, dict(account.settings if account else {}), self.limits or cls.limits, post)

    def _refresh(self, *_args: object) -> None:
        cls = self.current_class()
        self.texts.show_counts(self.limits, cls.features.text_length if cls else len, len(self.chosen()))
        problems, held = ([], []) if self.result is not None else self._check()
        self.problems.setText("\n".join(f"• {p}" for p in merge_problems(problems)))
        self.held_back.show_words(held)
        self.post_button.setEnabled(not problems and self.post_worker is None and self.result is None)

    # ------------------------------------------------------------------------------ posting
    def start_post(self) -> Worker | None:
        """Send the post in the background, if the gate and the target find nothing against it."""
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
        views = self._views()
        chosen = [(self.images[r], views[r][1]) for r in self.chosen()]
        op = (Op(publish_and_close, uploader, post, self.consent.record(account), chosen, success=self._on_posted)
              .failure(self.status.setText).with_progress(self._on_progress))
        self.bar.sending(account.name, len(post.images) + 1)
        self.post_worker = run_op(self.pool, op, self._on_post_finished)
        self._refresh()
        return self.post_worker

    def _on_progress(self, done: int, total: int, stage: str) -> None:
        self.bar.on_progress(done, total, stage)

    def _on_posted(self, result: PublishResult) -> None:
        self.result = result
        self.bar.show_result(result, self._scheduled)
        panel = getattr(self.parent(), "shared_panel", None)
        if panel is not None and panel.isVisible():
            panel.refresh()
        self.posted.emit(result)

    def _on_post_finished(self) -> None:
        cancelled = self.post_worker is not None and self.post_worker.cancelled
        self.post_worker = None
        self.bar.finished(cancelled, self.result is not None)
        self._refresh()

    def _on_cancel(self) -> None:
        if self.post_worker is not None:
            self.post_worker.request_cancel()
            self.bar.stopping()
            return
        self.reject()

    def done(self, code: int) -> None:  # closing: stop preparation work, never block for long
        self.pool.cancel_all(wait_ms=500)
        super().done(code)
