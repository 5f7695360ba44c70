"""The window's dialogs: settings (and re-theming), About, keyboard shortcuts, the log, Post….

A mixin of MainWindow, kept apart so that each module keeps one job.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from radshare.gui import icons, services


class DialogActions:
    def show_settings(self) -> None:
        from radshare.gui.dialogs.settings_dialog import SettingsDialog
        from radshare.gui.theme import apply_theme

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            dialog.save()
            from PySide6.QtWidgets import QApplication

            table = apply_theme(QApplication.instance(), self.settings.theme)
            self.canvas.background = canvas_color(table)
            self.refresh_icons()
            self.series_panel.restyle()
            self._refresh_deid()

    def refresh_icons(self) -> None:
        from radshare.gui.viewer.tools import TOOLS as tool_list

        names = {f"tool_{t.id}": t.icon for t in tool_list}
        names.update({"open": "open", "open_folder": "open", "export": "export", "post": "post", "undo": "undo",
                      "redo": "redo", "delete": "delete", "zoom_in": "zoom-in", "zoom_out": "zoom-out",
                      "zoom_fit": "zoom-fit", "zoom_actual": "zoom-actual", "invert": "invert",
                      "rotate_cw": "rotate-cw", "rotate_ccw": "rotate-ccw", "flip_h": "flip-h", "flip_v": "flip-v",
                      "detect": "detect", "next_unreviewed": "next", "settings": "settings", "about": "about",
                      "mark_reviewed": "shield", "accept_region": "accept", "play": "play", "toggle_log": "log",
                      "preview": "preview"})
        for key, name in names.items():
            if key in self.actions:
                self.actions[key].setIcon(icons.icon(name))

    def show_about(self) -> None:
        from radshare.gui.dialogs.about_dialog import AboutDialog

        AboutDialog(self).exec()

    def show_shortcuts(self) -> None:
        rows = []
        for action in self.actions.values():
            keys = ", ".join(s.toString() for s in action.shortcuts())
            if keys:
                rows.append(f"<tr><td style='padding-right:16px'><b>{keys}</b></td><td>{action.text().replace('&', '')}</td></tr>")
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText("<table>" + "".join(sorted(rows)) + "</table>")
        box.exec()

    def show_log(self) -> None:
        if not self.log_dock.isVisible():
            self.log_dock.show()
            self.resizeDocks([self.log_dock], [120], Qt.Vertical)
        self.log_dock.raise_()
        self.log_panel.scroll_to_newest()

    def open_composer(self) -> None:
        status = services.composer_status()  # an import attempt, made when Post is first asked for
        if not status.ok:
            self.status_label.setText(status.reason)
            self.log_panel.problem(status.reason)
            return
        from radshare.gui.composer import ComposerDialog

        # every open image, the current one first; the composer lets the sharer pick, and runs
        # the PHI gate (text review, de-identification, right to share) before anything is sent
        states = [self.current] + [s for s in self.states if s is not self.current]
        self.composer = ComposerDialog([s.image for s in states if s is not None], self)
        self.composer.setAttribute(Qt.WA_DeleteOnClose)
        self.composer.open()


def canvas_color(table: dict[str, str]):
    from PySide6.QtGui import QColor

    return QColor(table.get("canvas", "#0b0c0e"))
