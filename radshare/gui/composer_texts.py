"""The composer's texts: title, caption, hashtags and each image's alt text, with live counters.

Rows of the composer's form (one label column for the whole dialog). The counters compare the
texts with the target's `Limits`, counted as the target counts (`Features.text_length`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPlainTextEdit

from radshare.uploaders.base import Limits

OVER = "color: #d9534f;"  # a counter past the target's limit


class TextFields:
    """Title, caption, hashtags and the current image's alt text, added as rows of `form`."""

    def __init__(self, form: QFormLayout):
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
        form.addRow(self.alt_label, self.alt)
        self.alt_count = QLabel("")
        form.addRow("", self.alt_count)

    def changed_signals(self) -> list:
        """The signals after which the composer checks the post again (alt text has its own slot)."""
        return [self.caption.textChanged, self.hashtags.textChanged, self.title.textChanged]

    def show_title(self, shown: bool) -> None:
        for widget in (self.title, self.title_label):
            widget.setVisible(shown)

    def title_text(self) -> str:
        """The title typed, else the caption's first line (as the placeholder shows)."""
        typed = self.title.text().strip()
        return typed or next((line.strip() for line in self.caption.toPlainText().splitlines() if line.strip()), "")

    def full_caption(self) -> str:
        """The caption with the hashtags appended as the post carries them."""
        caption = self.caption.toPlainText().strip()
        tags = " ".join(t if t.startswith("#") else f"#{t}" for t in self.hashtags.text().split() if t.strip("#"))
        return f"{caption}\n\n{tags}".strip() if tags else caption

    def show_alt(self, row: int, text: str) -> None:
        """Edit the alt text of list row `row` (without announcing it as an edit)."""
        self.alt.blockSignals(True)
        self.alt.setPlainText(text)
        self.alt.blockSignals(False)
        self.alt_label.setText(f"Alt text (image {row + 1}, required):")

    def show_counts(self, limits: Limits | None, counter: Callable[[str], int], chosen: int) -> None:
        """Characters against the caption and alt-text limits, and images against the image limit."""
        length = counter(self.full_caption())
        cap = f" / {limits.caption_max}" if limits and limits.caption_max else ""
        images_cap = f" / {limits.max_images}" if limits and limits.max_images else ""
        over = bool(limits and limits.caption_max and length > limits.caption_max)
        images_word = "image" if chosen == 1 and not images_cap else "images"
        self.caption_count.setText(f"{length}{cap} characters · {chosen}{images_cap} {images_word}")
        self.caption_count.setStyleSheet(OVER if over else "")
        alt_len = len(self.alt.toPlainText())
        alt_cap = f" / {limits.alt_max}" if limits and limits.alt_max else ""
        self.alt_count.setText(f"{alt_len}{alt_cap} characters")
        self.alt_count.setStyleSheet(OVER if limits and limits.alt_max and alt_len > limits.alt_max else "")
