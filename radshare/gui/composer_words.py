"""Names the words the posting gate held back, and offers the two ways on.

The gate lets a text leave only when RadShare's vocabulary knows every word (an unknown word may
be a name). This box says which words stopped the post and where, so the sharer can reword; a
word that names no one can be added to the personal vocabulary, the same explicit step as
"Add to my vocabulary" in the de-identification panel. The words are shown here only: never
logged, never in the problems' texts (see `uploaders.gate.GateProblem.words`).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

#: (where, words): "the caption", ("Zarkowski",)
HeldBack = list[tuple[str, tuple[str, ...]]]


def describe(held: HeldBack) -> str:
    """The held-back words and where they are, as rich text (escaped: the words are the user's)."""
    parts = []
    for where, words in held:
        quoted = ", ".join(f"<b>“{escape(w)}”</b>" for w in words)
        parts.append(f"{quoted} in {escape(where)}")
    return ("Not in RadShare's vocabulary, so possibly a name: " + "; ".join(parts) + ". "
            "Reword the text, or, for a plain word that names no one, add it to your vocabulary.")


class HeldBackWords(QWidget):
    """The held-back words, a word to add, and "Add to my vocabulary"; hidden when none."""

    vocabulary_changed = Signal(str)  # the word as stored: check the post again

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        self.word_choice = QComboBox()
        self.word_choice.setToolTip("A held-back word that names no one")
        self.add_word = QPushButton("Add to my vocabulary")
        self.add_word.setToolTip("Keep this word in captions, alt text and every other text from now on "
                                 "(your personal vocabulary). Never add a name.")
        self.add_word.clicked.connect(self._on_add_word)
        row.addWidget(self.word_choice, 1)
        row.addWidget(self.add_word)
        layout.addLayout(row)
        self.held: HeldBack | None = []  # None: unknown, show whatever comes next
        self.setVisible(False)

    def show_words(self, held: HeldBack) -> None:
        """Show `held` (nothing: hide the box); the word choice keeps its word while it is held back."""
        if held == self.held:
            return
        self.held = held
        current = self.word_choice.currentText()
        words = list(dict.fromkeys(w for _where, found in held for w in found))
        self.text.setText(describe(held) if held else "")
        self.word_choice.clear()
        self.word_choice.addItems(words)
        if current in words:
            self.word_choice.setCurrentText(current)
        self.setVisible(bool(held))

    def _on_add_word(self) -> None:
        from radshare.gui import services

        stored, problem = services.add_to_vocabulary(self.word_choice.currentText())
        if problem:
            self.text.setText(escape(problem))
        if stored:
            self.held = None  # check again from scratch
            self.vocabulary_changed.emit(stored)
