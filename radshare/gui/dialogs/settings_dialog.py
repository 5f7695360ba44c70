"""Preferences: de-identification profile and text redaction, default export format, theme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from radshare.core.resources import resource_path
from radshare.gui.formats import FORMATS
from radshare.gui.settings import AppSettings

TEXT_MODES = (("auto", "Automatic (detector + OCR)"), ("tesseract", "OCR only"),
              ("templates-only", "Device templates only"), ("off", "Off"))


def available_profiles() -> list[str]:
    names = {"teaching"}
    try:
        for path in resource_path("profiles").iterdir():
            if path.suffix in (".toml", ".json", ".yaml", ".csv"):
                names.add(path.stem)
    except (FileNotFoundError, NotADirectoryError):
        pass
    return sorted(names)


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Settings")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight)
        self.profile = QComboBox()
        for name in available_profiles():
            self.profile.addItem(name.replace("-", " ").capitalize(), name)
        self.profile.setCurrentIndex(max(0, self.profile.findData(settings.profile)))
        form.addRow("De-identification profile", self.profile)
        self.text_mode = QComboBox()
        for key, label in TEXT_MODES:
            self.text_mode.addItem(label, key)
        self.text_mode.setCurrentIndex(max(0, self.text_mode.findData(settings.text_redaction)))
        form.addRow("Burned-in text detection", self.text_mode)
        self.export_format = QComboBox()
        for key, (label, suffix) in FORMATS.items():
            self.export_format.addItem(f"{label} ({suffix})", key)
        self.export_format.setCurrentIndex(max(0, self.export_format.findData(settings.export_format)))
        form.addRow("Default export format", self.export_format)
        self.theme = QComboBox()
        self.theme.addItem("Dark", "dark")
        self.theme.addItem("Light", "light")
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form.addRow("Theme", self.theme)
        layout.addLayout(form)
        hint = QLabel("Account passwords and tokens are kept in the system keyring, never here.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        self.settings.profile = self.profile.currentData()
        self.settings.text_redaction = self.text_mode.currentData()
        self.settings.export_format = self.export_format.currentData()
        self.settings.theme = self.theme.currentData()
        self.settings.sync()
