"""What de-identification will do to the current image: one row per attribute, before and after.

Original values are shown on this screen only; nothing original is written anywhere.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from radshare.gui import services

ACTION_COLORS = {"removed": "#e5534b", "emptied": "#d4a72c", "replaced": "#4c8dff", "shifted": "#4c8dff",
                 "cleaned": "#a371f7", "kept": "#57ab5a"}
GROUP_ORDER = ("Header", "Private tags", "Overlays and curves", "File meta", "Photo metadata")


class DeidPanel(QWidget):
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
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.Interactive)
        header.setSectionResizeMode(1, QHeaderView.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.setColumnWidth(0, 160)
        self.tree.setColumnWidth(1, 140)
        self.tree.headerItem().setToolTip(1, "Shown on this screen only; never written anywhere")
        layout.addWidget(self.tree, 1)
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
