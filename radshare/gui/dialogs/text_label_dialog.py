"""The dialog that asks for a text label's words: a titled dialog with room to type and a word on
what happens to names and dates (they are taken out before the label is burned into an export)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from radshare.gui import icons


class TextLabelDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, text: str = ""):
        super().__init__(parent)
        self.setWindowTitle("Text label")
        self.setWindowIcon(icons.icon("text"))
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        heading = QLabel("Label text")
        heading.setObjectName("heading")
        layout.addWidget(heading)
        self.text = QLineEdit(text)
        self.text.setPlaceholderText("e.g. Deep sulcus sign")
        self.text.setClearButtonEnabled(True)
        layout.addWidget(self.text)
        hint = QLabel("Shown where you clicked and drawn into exports. Names, IDs and dates are "
                      "taken out of labels before they are drawn into shared images.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Add label")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.text.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(bool(self.text.text().strip()))

    def label(self) -> str:
        return self.text.text().strip()
