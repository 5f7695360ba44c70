"""The composer's account choice and the controls a target declares in its `Features`.

Visibility (with its labels and the account's default), content warning, sensitive media,
drafts and scheduling are shown only when the plugin declares them (`uploaders.base.Features`),
so a third-party uploader offers the same controls as the built-ins. Where a target has both
visibility and drafts, "Draft" is one of the visibility choices: one control decides who sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDateTimeEdit, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget,
)

from radshare.uploaders.base import Features

if TYPE_CHECKING:
    from radshare.uploaders.accounts import Account, AccountStore
    from radshare.uploaders.registry import Registry

DRAFT = "draft"  # the visibility choice that saves a draft


@dataclass
class TargetFields:
    """What the target controls contribute to a `Post`."""

    draft: bool = False
    visibility: str | None = None
    content_warning: str = ""
    options: dict[str, str] = field(default_factory=dict)


class AccountRow:
    """"Post to:" the account chooser, the Accounts… button, and the target's note (e.g. no drafts)."""

    def __init__(self, form: QFormLayout):
        row = QHBoxLayout()
        self.account = QComboBox()
        row.addWidget(self.account, 1)
        self.accounts_button = QPushButton("Accounts…")
        row.addWidget(self.accounts_button)
        form.addRow("Post to:", row)
        self.target_note = QLabel("")
        self.target_note.setWordWrap(True)
        self.target_note.setObjectName("warning")  # the theme's warning colour, readable in both themes
        form.addRow("", self.target_note)

    def fill(self, store: AccountStore, registry: Registry) -> str:
        """List the accounts whose target is installed, keeping the current choice; returns why the
        accounts could not be read ("" when they could)."""
        current = self.account.currentData()
        self.account.blockSignals(True)
        self.account.clear()
        problem = ""
        try:
            accounts = store.list()
        except Exception as exc:  # an unreadable accounts file: said, and no account offered
            accounts, problem = [], str(exc)
        for account in accounts:
            if account.target in registry:
                self.account.addItem(f"{account.name} — {registry.get(account.target).display_name}", account.name)
        if self.account.count() == 0:
            self.account.addItem("No account yet: add one with Accounts…", None)
        self.account.setCurrentIndex(max(0, self.account.findData(current) if current else 0))
        self.account.blockSignals(False)
        return problem

    def show_note(self, features: Features) -> None:
        note = features.draft_note if not features.drafts else ""
        self.target_note.setText(note)
        self.target_note.setVisible(bool(note))


class TargetOptions:
    """Visibility, content warning, sensitive media, draft and schedule, added as rows of `form`."""

    def __init__(self, form: QFormLayout):
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
        self.schedule = QCheckBox("Schedule for")
        self.schedule_at = QDateTimeEdit(QDateTime.currentDateTime().addSecs(15 * 60))
        self.schedule_at.setCalendarPopup(True)
        self.schedule_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        srow = QHBoxLayout()
        srow.setContentsMargins(0, 0, 0, 0)
        srow.addWidget(self.schedule)
        srow.addWidget(self.schedule_at, 1)
        self.schedule_row = QWidget()
        self.schedule_row.setLayout(srow)
        form.addRow("", self.schedule_row)

    def changed_signals(self) -> list:
        return [self.content_warning.textChanged, self.draft.toggled, self.schedule.toggled,
                self.visibility.currentIndexChanged, self.schedule_at.dateTimeChanged]

    def show(self, features: Features, account: Account | None) -> None:
        """Show what the target declares it can do, and nothing else."""
        has_vis = bool(features.visibility)
        draft_in_visibility = has_vis and features.drafts
        self._fill_visibility(features, account, draft_in_visibility)
        for widget in (self.visibility, self.visibility_label):
            widget.setVisible(has_vis)
        for widget in (self.content_warning, self.cw_label):
            widget.setVisible(features.content_warning)
        self.draft.setVisible(features.drafts and not draft_in_visibility)
        self.schedule_row.setVisible(features.schedule_minimum is not None)
        self.sensitive.setVisible(features.sensitive_media)

    def _fill_visibility(self, features: Features, account: Account | None, with_draft: bool) -> None:
        """The declared choices with their labels; the account's default (or the first) chosen."""
        self.visibility.blockSignals(True)
        self.visibility.clear()
        if features.visibility:
            if with_draft:
                self.visibility.addItem("Draft (only you can see it)", DRAFT)
            settings = account.settings if account else {}
            default = settings.get(features.visibility_setting) if features.visibility_setting else None
            first = DRAFT if with_draft else features.visibility[0]
            for name in features.visibility:
                self.visibility.addItem(features.visibility_label(name), name)
            self.visibility.setCurrentIndex(max(0, self.visibility.findData(default or first)))
        self.visibility.blockSignals(False)

    def fields(self) -> TargetFields:
        """The chosen options, only from the controls the target shows."""
        options: dict[str, str] = {}
        if self.sensitive.isVisible() and self.sensitive.isChecked():
            options["sensitive"] = "true"
        if self.schedule_row.isVisible() and self.schedule.isChecked():
            options["scheduled_at"] = self.schedule_at.dateTime().toPython().astimezone().isoformat()
        visibility = self.visibility.currentData() if self.visibility.isVisible() else None
        return TargetFields(
            draft=(self.draft.isVisible() and self.draft.isChecked()) or visibility == DRAFT,
            visibility=None if visibility == DRAFT else visibility,
            content_warning=self.content_warning.text().strip() if self.content_warning.isVisible() else "",
            options=options,
        )
