"""Preferences persist, themes switch, About names the versions, and every shortcut is unambiguous."""

from __future__ import annotations

import io
from collections import Counter

from PIL import Image as PILImage
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from conftest import open_by_drop


def test_every_tool_has_its_own_shortcut_and_no_two_actions_share_one(window):
    from radshare.gui.viewer.tools import TOOLS

    for info in TOOLS:
        assert window.actions[f"tool_{info.id}"].shortcut().toString(), info.id
    keys = Counter(seq.toString() for action in window.actions.values() for seq in action.shortcuts())
    clashes = [k for k, n in keys.items() if n > 1 and k]
    assert clashes == [], f"ambiguous shortcuts do nothing in Qt: {clashes}"


def test_settings_are_kept_with_qsettings(tmp_path):
    from radshare.gui.settings import AppSettings

    path = str(tmp_path / "s.ini")
    first = AppSettings(QSettings(path, QSettings.IniFormat))
    first.theme, first.export_format, first.profile = "light", "jpeg", "research"
    first.sync()
    again = AppSettings(QSettings(path, QSettings.IniFormat))
    assert (again.theme, again.export_format, again.profile) == ("light", "jpeg", "research")


def test_light_and_dark_themes_change_the_palette(qapp):
    from radshare.gui.theme import apply_theme

    apply_theme(qapp, "light")
    light = qapp.palette().color(QPalette.Window).lightness()
    apply_theme(qapp, "dark")
    dark = qapp.palette().color(QPalette.Window).lightness()
    assert light > 200 > 60 > dark
    assert "QToolBar" in qapp.styleSheet() and "${" not in qapp.styleSheet()


def test_about_names_qt_pydicom_and_tesseract_versions(qtbot, window):
    import pydicom
    from PySide6.QtCore import qVersion

    from radshare.gui.dialogs.about_dialog import AboutDialog

    dialog = AboutDialog(window)
    qtbot.addWidget(dialog)
    labels = {k: v.text() for k, v in dialog.version_labels.items()}
    assert labels["Qt"] == qVersion() and labels["pydicom"] == pydicom.__version__
    assert labels["tesseract"] and labels["tesseract"][0].isdigit()


def test_photo_metadata_that_will_be_dropped_is_listed(qtbot, window, tmp_path):
    image = PILImage.new("RGB", (64, 48), (120, 80, 60))
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel X"  # Model
    exif[0x0132] = "2024:01:02 10:11:12"  # DateTime
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    photo = tmp_path / "wound.jpg"
    photo.write_bytes(buffer.getvalue())
    opened, failed = open_by_drop(qtbot, window, [photo])
    assert (opened, failed) == (1, 0)
    qtbot.waitUntil(lambda: bool(window.deid_panel.rows), timeout=20000)  # worked out off the UI thread
    rows = window.deid_panel.rows
    assert rows and all(r.group == "Photo metadata" and r.action == "removed" for r in rows)
    assert "dropped" in window.deid_panel.summary.text()
    assert window.current.image.kind == "photo"
