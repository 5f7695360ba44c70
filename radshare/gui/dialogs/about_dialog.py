"""About RadShare: what it is and the versions of the parts a support request needs."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from radshare import __version__
from radshare.gui import icons, services


def versions() -> dict[str, str]:
    import numpy
    import pydicom

    return {
        "RadShare": __version__,
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
        "pydicom": pydicom.__version__,
        "tesseract": services.tesseract_version(),
        "NumPy": numpy.__version__,
        "Python": platform.python_version(),
    }


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About RadShare")
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        top = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(icons.pixmap("app", 56))
        top.addWidget(logo, 0, Qt.AlignTop)
        text = QLabel(
            "<b style='font-size:14pt'>RadShare</b><br>"
            "Turns clinical images into safe, de-identified teaching material and shares it.<br>"
            "Everything runs on this computer; nothing is sent until you post.")
        text.setWordWrap(True)
        top.addWidget(text, 1)
        layout.addLayout(top)
        form = QFormLayout()
        self.version_labels: dict[str, QLabel] = {}
        for name, value in versions().items():
            label = QLabel(value)
            label.setTextInteractionFlags(Qt.TextSelectableByMouse)
            form.addRow(name, label)
            self.version_labels[name] = label
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
