"""Light and dark themes: Fusion style, a matching palette and resources/style/app.qss."""

from __future__ import annotations

import json
from string import Template

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from radshare.core.resources import resource_path
from radshare.gui import icons


def colors(name: str) -> dict[str, str]:
    return json.loads(resource_path("style", f"{name}.json").read_text(encoding="utf-8"))


def apply_theme(app: QApplication, name: str) -> dict[str, str]:
    """Style the whole application; returns the colour table (the canvas uses some)."""
    table = colors(name if name in ("light", "dark") else "dark")
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.Window: "window", QPalette.WindowText: "text", QPalette.Base: "base",
        QPalette.AlternateBase: "alt_base", QPalette.Text: "text", QPalette.Button: "button",
        QPalette.ButtonText: "text", QPalette.Highlight: "accent", QPalette.HighlightedText: "accent_text",
        QPalette.ToolTipBase: "panel", QPalette.ToolTipText: "text", QPalette.PlaceholderText: "muted",
    }
    for role, key in roles.items():
        palette.setColor(role, QColor(table[key]))
    for role in (QPalette.Link, QPalette.LinkVisited):  # Qt's default dark blue is unreadable on dark grey
        palette.setColor(role, QColor(table.get("link", table["accent"])))
    palette.setColor(QPalette.Disabled, QPalette.Text, QColor(table["muted"]))
    palette.setColor(QPalette.Disabled, QPalette.ButtonText, QColor(table["muted"]))
    app.setPalette(palette)
    qss = Template(resource_path("style", "app.qss").read_text(encoding="utf-8")).safe_substitute(table)
    app.setStyleSheet(qss)
    icons.set_tint(table["icon"], table["icon_disabled"])
    app.setProperty("radshare_theme", name)
    return table
