"""The composer's bottom row: progress, status, the link to the post, Post and Cancel/Stop.

It only shows the publish flow's states; the dialog starts the work (`composer_jobs.publish_and_close`
through `gui/workers.Op`) and Cancel stops it between network steps.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton

from radshare.uploaders.base import PublishResult


class PublishBar:
    """Progress, status, link, Post and Cancel, laid out in `layout`."""

    def __init__(self) -> None:
        self.layout = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.link = QLabel("")
        self.link.setOpenExternalLinks(True)
        self.link.setTextInteractionFlags(Qt.TextBrowserInteraction)
        self.post_button = QPushButton("Post")
        self.post_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.layout.addWidget(self.progress, 1)
        self.layout.addWidget(self.status, 1)
        self.layout.addWidget(self.link, 2)
        self.layout.addWidget(self.post_button)
        self.layout.addWidget(self.cancel_button)

    def sending(self, account_name: str, steps: int) -> None:
        self.progress.setRange(0, steps)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setText(f"Posting to {account_name}…")
        self.cancel_button.setText("Stop")

    def on_progress(self, done: int, total: int, stage: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.status.setText(stage[:1].upper() + stage[1:] + "…")

    def show_result(self, result: PublishResult, scheduled: bool) -> None:
        """"Posted:", "Draft saved:" or "Scheduled:" and the link (a plain text where it is no web address)."""
        kind = ("Scheduled" if scheduled else "Draft saved") if result.draft else "Posted"
        self.status.setText(f"{kind}:")
        url = result.url
        self.link.setText(f'<a href="{url}">{url}</a>' if url.startswith(("http://", "https://")) else url)

    def stopping(self) -> None:
        self.status.setText("Stopping after the current step…")

    def finished(self, cancelled: bool, posted: bool) -> None:
        self.progress.setVisible(False)
        if cancelled:
            self.status.setText("Stopped. What was already uploaded may remain on the server, unattached.")
        self.cancel_button.setText("Close" if posted else "Cancel")
