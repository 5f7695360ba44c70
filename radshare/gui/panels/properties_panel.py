"""Annotation style (colour, line width, font size, label text) and the image's alt text.

Changes apply to the selected annotation (one undo step each) and become the style of the next
one drawn.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
    QToolButton, QVBoxLayout, QWidget,
)

SWATCHES = ("#FFD400", "#FF3B30", "#34C759", "#0A84FF", "#FFFFFF", "#FF9F0A")


class PropertiesPanel(QWidget):
    style_changed = Signal(str, object)  # key (color|width|font_size|text), value
    alt_text_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.setSpacing(10)
        box = QGroupBox("Annotation")
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignRight)
        swatches = QHBoxLayout()
        swatches.setSpacing(4)
        self.swatch_buttons: list[QToolButton] = []
        for color in SWATCHES:
            button = QToolButton()
            button.setFixedSize(22, 22)
            button.setCheckable(True)
            button.setToolTip(color)
            button.setStyleSheet(_swatch_css(color))
            button.clicked.connect(lambda _=False, c=color: self._pick(c))
            swatches.addWidget(button)
            self.swatch_buttons.append(button)
        more = QToolButton()
        more.setText("\u2026")
        more.setToolTip("Other colour")
        more.clicked.connect(self._custom)
        swatches.addWidget(more)
        swatches.addStretch(1)
        form.addRow("Colour", swatches)
        self.width = QDoubleSpinBox()
        self.width.setRange(0.5, 40)
        self.width.setSingleStep(0.5)
        self.width.setSuffix(" px")
        self.width.setValue(3.0)
        self.width.editingFinished.connect(lambda: self.style_changed.emit("width", self.width.value()))
        form.addRow("Line width", self.width)
        self.font_size = QDoubleSpinBox()
        self.font_size.setRange(6, 200)
        self.font_size.setSingleStep(1)
        self.font_size.setSuffix(" px")
        self.font_size.setValue(18.0)
        self.font_size.editingFinished.connect(lambda: self.style_changed.emit("font_size", self.font_size.value()))
        form.addRow("Font size", self.font_size)
        self.text = QLineEdit()
        self.text.setEnabled(False)
        self.text.editingFinished.connect(lambda: self.style_changed.emit("text", self.text.text()))
        form.addRow("Label", self.text)
        self.selection_hint = QLabel("Style for new annotations.")
        self.selection_hint.setObjectName("hint")
        form.addRow("", self.selection_hint)
        layout.addWidget(box)
        alt = QGroupBox("Alt text")
        alt_layout = QVBoxLayout(alt)
        self.alt_text = QPlainTextEdit()
        self.alt_text.setPlaceholderText("Describe the image for readers who cannot see it, e.g. "
                                         "'Axial CT of the chest showing a 2 cm nodule in the right upper lobe'.")
        self.alt_text.setMaximumHeight(110)
        self.alt_text.textChanged.connect(lambda: self.alt_text_changed.emit(self.alt_text.toPlainText()))
        alt_layout.addWidget(self.alt_text)
        hint = QLabel("Exported beside the image; names, IDs and dates are scrubbed.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        alt_layout.addWidget(hint)
        layout.addWidget(alt)
        layout.addStretch(1)
        self.color = SWATCHES[0]
        self._mark(self.color)

    def show_style(self, color: str, width: float, font_size: float, text: str | None, selected: str | None) -> None:
        """Reflect the selected annotation (or the defaults) without emitting changes."""
        for widget in (self.width, self.font_size, self.text):
            widget.blockSignals(True)
        self.color = color
        self._mark(color)
        self.width.setValue(width)
        self.font_size.setValue(font_size)
        self.text.setEnabled(text is not None)
        self.text.setText(text or "")
        self.selection_hint.setText(f"Editing the selected {selected}." if selected else "Style for new annotations.")
        for widget in (self.width, self.font_size, self.text):
            widget.blockSignals(False)

    def show_alt_text(self, text: str, enabled: bool) -> None:
        self.alt_text.blockSignals(True)
        if self.alt_text.toPlainText() != text:
            self.alt_text.setPlainText(text)
        self.alt_text.setEnabled(enabled)
        self.alt_text.blockSignals(False)

    def _pick(self, color: str) -> None:
        self.color = color
        self._mark(color)
        self.style_changed.emit("color", color)

    def _custom(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.color), self, "Annotation colour")
        if chosen.isValid():
            self._pick(chosen.name().upper())

    def _mark(self, color: str) -> None:
        for button, swatch in zip(self.swatch_buttons, SWATCHES):
            button.setChecked(swatch.lower() == color.lower())


def _swatch_css(color: str) -> str:
    return (f"QToolButton {{ background: {color}; border: 1px solid #555; border-radius: 11px; }}"
            f"QToolButton:checked {{ border: 3px solid #4c8dff; }}")
