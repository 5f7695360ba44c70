#!/usr/bin/env python3
"""Screenshot of the composer in a real window, for docs/screenshots/composer.png.

Run under an X server, e.g.:
    xvfb-run -a -s "-screen 0 1280x860x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/mastodon/composer_screenshot.py docs/screenshots/composer.png

It starts mastodon-mock (stopped by PID at the end), adds a Mastodon account in a temporary
config dir and file keyring, opens RadShare's sample case CT slices in the composer, fills in
alt texts, caption and hashtags, waits for the prepared preview, and grabs the window.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def main(out: Path) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="radshare-shot-"))
    os.environ.update({"RADSHARE_CONFIG_DIR": str(tmp / "config"), "RADSHARE_KEY_FILE": str(tmp / "key"),
                       "XDG_DATA_HOME": str(tmp / "data"), "XDG_CONFIG_HOME": str(tmp / "xdg"),
                       "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"})
    server = subprocess.Popen([sys.executable, str(REPO / "scripts/mastodon/serve.py")], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        info = json.loads(server.stdout.readline())
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from radshare.core.sample import write_sample_case
        from radshare.core.sources import load_image
        from radshare.uploaders.accounts import Account, AccountStore

        app = QApplication.instance() or QApplication(sys.argv)
        try:
            from radshare.gui.theme import apply_theme

            apply_theme(app, "dark")
        except Exception:
            pass
        store = AccountStore()
        store.add(Account("teaching-mastodon", "mastodon", {"url": info["url"], "visibility": "unlisted"}),
                  info["accounts"]["alice"])
        paths = [p for p in write_sample_case(tmp / "case") if p.suffix == ".dcm"][:3]
        images = [load_image(p) for p in paths]
        from radshare.gui.composer import ComposerDialog

        dialog = ComposerDialog(images, None, store=store)
        dialog.caption.setPlainText("Incidental finding on a low-dose chest CT: what is your differential?")
        dialog.hashtags.setText("#RadEd #FOAMrad")
        alts = ["Axial chest CT, lung window, upper zones: a 9 mm solid nodule in the right upper lobe.",
                "Axial chest CT, lung window, one slice lower: the same nodule, smooth margins.",
                "Axial chest CT, mediastinal window: no enlarged lymph nodes."]
        for row, text in enumerate(alts):
            dialog.image_list.setCurrentRow(row)
            dialog.alt.setPlainText(text)
        dialog.image_list.setCurrentRow(0)
        dialog.content_warning.setText("medical image")
        dialog.right_to_share.setChecked(True)
        dialog.show()

        def shoot() -> None:
            if not dialog.ready():
                QTimer.singleShot(200, shoot)
                return
            dialog._show_preview()  # noqa: SLF001 (fit to the window's final size)
            QTimer.singleShot(400, lambda: (dialog.grab().save(str(out)), app.quit()))

        QTimer.singleShot(500, shoot)
        QTimer.singleShot(120_000, app.quit)
        app.exec()
        print(out)
        return 0 if out.is_file() else 1
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGTERM)
            server.wait(10)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "docs/screenshots/composer.png")))
