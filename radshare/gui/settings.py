"""The user's preferences, kept with QSettings (never secrets, never patient data)."""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANISATION = "RadShare"
APPLICATION = "RadShare"

EXPORT_FORMATS = ("png", "jpeg", "dicom", "gif", "mp4")
THEMES = ("light", "dark")
EXPORT_SIZES = ("1x", "2x", "1080", "2048")  # render.EXPORT_SIZES' keys


class AppSettings:
    """Typed access to the few preferences the app keeps."""

    def __init__(self, settings: QSettings | None = None):
        self.qsettings = settings or QSettings(ORGANISATION, APPLICATION)

    def _get(self, key: str, default: str) -> str:
        value = self.qsettings.value(key, default)
        return str(value) if value is not None else default

    @property
    def profile(self) -> str:
        return self._get("deid/profile", "teaching")

    @profile.setter
    def profile(self, value: str) -> None:
        self.qsettings.setValue("deid/profile", value)

    @property
    def text_redaction(self) -> str:
        return self._get("deid/text_redaction", "auto")

    @text_redaction.setter
    def text_redaction(self, value: str) -> None:
        self.qsettings.setValue("deid/text_redaction", value)

    @property
    def export_format(self) -> str:
        value = self._get("export/format", "png")
        return value if value in EXPORT_FORMATS else "png"

    @export_format.setter
    def export_format(self, value: str) -> None:
        self.qsettings.setValue("export/format", value)

    @property
    def export_size(self) -> str:
        """A key of render.EXPORT_SIZES (kept as text so settings load without numpy)."""
        value = self._get("export/size", "1x")
        return value if value in EXPORT_SIZES else "1x"

    @export_size.setter
    def export_size(self, value: str) -> None:
        self.qsettings.setValue("export/size", value)

    @property
    def export_folder(self) -> str:
        return self._get("export/folder", "")

    @export_folder.setter
    def export_folder(self, value: str) -> None:
        self.qsettings.setValue("export/folder", value)

    @property
    def burn_annotations(self) -> bool:
        return self._get("export/burn_annotations", "true") == "true"

    @burn_annotations.setter
    def burn_annotations(self, value: bool) -> None:
        self.qsettings.setValue("export/burn_annotations", "true" if value else "false")

    @property
    def theme(self) -> str:
        value = self._get("ui/theme", "dark")
        return value if value in THEMES else "dark"

    @theme.setter
    def theme(self, value: str) -> None:
        self.qsettings.setValue("ui/theme", value)

    @property
    def link_series(self) -> bool:
        """Window/level, zoom and pan follow the reader from slice to slice of a series."""
        return self._get("ui/link_series", "true") == "true"

    @link_series.setter
    def link_series(self, value: bool) -> None:
        self.qsettings.setValue("ui/link_series", "true" if value else "false")

    @property
    def open_folder(self) -> str:
        return self._get("ui/open_folder", "")

    @open_folder.setter
    def open_folder(self, value: str) -> None:
        self.qsettings.setValue("ui/open_folder", value)

    def sync(self) -> None:
        self.qsettings.sync()
