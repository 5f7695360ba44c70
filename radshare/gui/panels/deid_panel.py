"""What de-identification will do to the current image: one row per attribute, before and after.

Original values are shown on this screen only; nothing original is written anywhere. A cleaned
value shows, below the table, with the words the free-text de-identifier removes struck through;
a word it did not know can be added to the user's personal vocabulary (only on request), after
which the view is built again and the next run keeps that word too.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget,
)

from radshare.gui import services

ACTION_COLORS = {"removed": "#e5534b", "emptied": "#d4a72c", "replaced": "#4c8dff", "shifted": "#4c8dff",
                 "cleaned": "#a371f7", "kept": "#57ab5a"}
GROUP_ORDER = ("Header", "Private tags", "Overlays and curves", "File meta", "Photo metadata")


class DeidPanel(QWidget):
    vocabulary_changed = Signal(str)  # a word was added to the personal vocabulary: build the view again

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.setSpacing(6)
        self.summary = QLabel("Open an image to see what de-identification removes.")
        self.summary.setObjectName("hint")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        row = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter attributes")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.show_kept = QCheckBox("Show kept")
        self.show_kept.setChecked(False)
        self.show_kept.toggled.connect(self._apply_filter)
        row.addWidget(self.filter, 1)
        row.addWidget(self.show_kept)
        layout.addLayout(row)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Attribute", "Original", "Action", "Result"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(True)
        # Original and Result share what the attribute names and actions leave, so the result is
        # always in view (elided, its full text in the tooltip) and nothing scrolls sideways.
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.Interactive)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.tree.setColumnWidth(0, 150)
        self.tree.setTextElideMode(Qt.ElideMiddle)
        self.tree.headerItem().setToolTip(1, "Shown on this screen only; never written anywhere")
        layout.addWidget(self.tree, 1)
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.marked = QLabel("")
        self.marked.setWordWrap(True)
        self.marked.setTextFormat(Qt.RichText)
        self.marked.setToolTip("Struck through: what the free-text de-identifier removes")
        layout.addWidget(self.marked)
        words = QHBoxLayout()
        self.word_choice = QComboBox()
        self.word_choice.setToolTip("A removed word RadShare does not know")
        self.add_word = QPushButton("Add to my vocabulary")
        self.add_word.setToolTip("Keep this word in free text from now on (your personal vocabulary; "
                                 "add only words that never identify anyone)")
        self.add_word.clicked.connect(self._on_add_word)
        words.addWidget(self.word_choice, 1)
        words.addWidget(self.add_word)
        layout.addLayout(words)
        self._show_words([])
        note = QLabel("Originals are shown on this screen only and are never written anywhere.")
        note.setObjectName("hint")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.rows: list[services.WhatIfRow] = []

    def show_rows(self, rows: list[services.WhatIfRow], kind: str) -> None:
        self.rows = rows
        self.tree.clear()
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.action] = counts.get(row.action, 0) + 1
        groups: dict[str, QTreeWidgetItem] = {}
        for row in sorted(rows, key=lambda r: (GROUP_ORDER.index(r.group) if r.group in GROUP_ORDER else 9)):
            parent = groups.get(row.group)
            if parent is None:
                parent = QTreeWidgetItem([row.group])
                font = parent.font(0)
                font.setBold(True)
                parent.setFont(0, font)
                parent.setFirstColumnSpanned(False)
                self.tree.addTopLevelItem(parent)
                parent.setExpanded(True)
                groups[row.group] = parent
            name = f"{row.name} {row.tag}" if row.name.lower() == "private" else row.name
            item = QTreeWidgetItem([name, row.original, row.action, row.result])
            item.setToolTip(0, f"{row.tag} {row.name}".strip())
            item.setToolTip(2, row.reason)
            item.setToolTip(1, row.original)
            item.setToolTip(3, row.result)
            item.setForeground(2, QColor(ACTION_COLORS.get(row.action, "#9aa3ad")))
            item.setData(0, Qt.UserRole, row)
            parent.addChild(item)
        for group, parent in groups.items():
            parent.setText(0, f"{group} ({parent.childCount()})")
        if kind == "photo":
            total = len(rows)
            self.summary.setText(
                f"{total} metadata field{'s' if total != 1 else ''} will be dropped: only the pixels are re-encoded."
                if total else "This photo carries no metadata. Only its pixels are exported.")
        else:
            parts = [f"{counts[a]} {a}" for a in ("removed", "replaced", "emptied", "shifted", "cleaned", "kept") if counts.get(a)]
            self.summary.setText("Header on export: " + ", ".join(parts) + "." if parts else "Nothing to change.")
        self.summary.setObjectName("")
        self._apply_filter()

    def show_message(self, text: str) -> None:
        self.rows = []
        self.tree.clear()
        self.summary.setText(text)
        self._show_words([])

    def select_row(self, name: str) -> bool:
        """Make the row of attribute `name` (e.g. "StudyDescription") current; False when absent."""
        for i in range(self.tree.topLevelItemCount()):
            parent = self.tree.topLevelItem(i)
            for j in range(parent.childCount()):
                child = parent.child(j)
                row = child.data(0, Qt.UserRole)
                if row is not None and row.name.split(" > ")[-1].split(" ")[-1] == name:
                    self.tree.setCurrentItem(child)
                    return True
        return False

    def _on_current_changed(self, current, _previous=None) -> None:
        row = current.data(0, Qt.UserRole) if current is not None else None
        if row is None or not row.removed:
            self.marked.setText("")
            self._show_words([])
            return
        self.marked.setText(marked_html(row.full, row.removed))
        self._show_words(row.removed_words())

    def _show_words(self, words: list[str]) -> None:
        self.word_choice.clear()
        self.word_choice.addItems(words)
        for widget in (self.word_choice, self.add_word):
            widget.setVisible(bool(words))

    def _on_add_word(self) -> None:
        stored, problem = services.add_to_vocabulary(self.word_choice.currentText())
        if problem:
            self.summary.setText(problem)
        if stored:
            self.vocabulary_changed.emit(stored)

    def _apply_filter(self) -> None:
        needle = self.filter.text().strip().lower()
        show_kept = self.show_kept.isChecked()
        for i in range(self.tree.topLevelItemCount()):
            parent = self.tree.topLevelItem(i)
            visible = 0
            for j in range(parent.childCount()):
                child = parent.child(j)
                row: services.WhatIfRow = child.data(0, Qt.UserRole)
                hide = (row.action == "kept" and not show_kept) or (
                    needle and needle not in f"{row.name} {row.tag} {row.action}".lower())
                child.setHidden(bool(hide))
                visible += 0 if hide else 1
            parent.setHidden(visible == 0)


def marked_html(text: str, spans) -> str:
    """`text` as HTML with the spans the de-identifier replaces struck through in red."""
    out, pos = [], 0
    for start, end, category in sorted(spans):
        out.append(escape(text[pos:start]))
        title = "unknown word" if category == "word" else category
        out.append(f'<s style="color:#e5534b" title="{escape(title)}">{escape(text[start:end])}</s>')
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)
