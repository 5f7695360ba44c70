"""A third-party uploader installed with pip appears and posts, with no change to RadShare.

The distribution in tests/uploaders/example_plugin has its own pyproject and entry point; the
fixture pip-installs it into this interpreter's environment and uninstalls it afterwards.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image as PILImage

from tests.uploaders.uploader_samples import PATIENT_ID, write_sample_dicom

PLUGIN = Path(__file__).resolve().parent / "example_plugin"
DIST = "radshare-example-uploader"


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory):
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check"]
    try:
        import setuptools  # noqa: F401  (build offline when the build backend is already here)
        import wheel  # noqa: F401

        pip.append("--no-build-isolation")
    except ImportError:
        pass
    build = tmp_path_factory.mktemp("plugin-src")
    subprocess.run(["cp", "-r", f"{PLUGIN}/.", str(build)], check=True)  # keep the repo free of build files
    done = subprocess.run([*pip, str(build)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"installing the example plugin failed: {done.stderr[-1500:]}")
    importlib.invalidate_caches()
    try:
        yield
    finally:
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", DIST], capture_output=True, timeout=300)
        importlib.invalidate_caches()


def _radshare(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "radshare", *args], input=stdin, capture_output=True, text=True, timeout=300)


def test_plugin_is_listed_by_the_registry(installed_plugin):
    from radshare.uploaders.registry import load_registry

    registry = load_registry()
    assert "example-inbox" in registry
    assert registry.get("example-inbox").__module__ == "radshare_example_uploader"
    listing = _radshare("accounts", "targets")
    assert listing.returncode == 0 and "example-inbox" in listing.stdout


def test_plugin_posts_prepared_images_through_the_cli(installed_plugin, tmp_path):
    inbox = tmp_path / "inbox"
    added = _radshare("accounts", "add", "example-inbox", "mine", "--set", f"inbox={inbox}", stdin="plugin-token\n")
    assert added.returncode == 0, added.stderr
    original = write_sample_dicom(tmp_path / "scan.dcm", size=1024)
    posted = _radshare("post", str(original), "--account", "mine", "--alt", "Chest radiograph", "--draft", "--confirm", "--json", "-q")
    assert posted.returncode == 0, posted.stderr
    result = json.loads(posted.stdout)
    assert result["target"] == "example-inbox" and result["draft"] is True
    sent = json.loads(next(inbox.iterdir()).read_text())
    image = sent["images"][0]
    data = base64.b64decode(image["data"])
    # Core fitted the pixels to the plugin's limits: JPEG only, 800 px, 300 kB.
    assert image["format"] == "jpeg" and max(image["width"], image["height"]) <= 800 and len(data) <= 300_000
    assert PILImage.open(io.BytesIO(data)).format == "JPEG"
    assert PATIENT_ID.encode() not in data and b"DOE" not in data


def test_the_composer_offers_the_plugins_visibility_choices_and_posts_the_one_chosen(installed_plugin, qtbot, tmp_path):
    """The plugin declares its visibility choices as data; the composer shows them with their
    labels and the chosen one reaches the plugin's `publish`."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt

    from radshare.core.sources import load_image
    from radshare.gui.composer import ComposerDialog
    from radshare.uploaders.accounts import Account, AccountStore
    from radshare.uploaders.registry import load_registry

    inbox = tmp_path / "inbox"
    store = AccountStore()
    store.add(Account("mine", "example-inbox", {"inbox": str(inbox)}), "plugin-token")
    image = load_image(write_sample_dicom(tmp_path / "scan.dcm", size=256))
    dialog = ComposerDialog([image], None, store=store, registry=load_registry())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.ready, timeout=60_000)

    assert dialog.visibility.isVisible()  # with drafts too, "Draft" is one of its choices (one control)
    offered = [(dialog.visibility.itemText(i), dialog.visibility.itemData(i)) for i in range(dialog.visibility.count())]
    assert offered == [("Draft (only you can see it)", "draft"), ("Everyone with the inbox", "everyone"),
                       ("Only me", "only-me")]
    assert not dialog.content_warning.isVisible() and not dialog.schedule_row.isVisible()

    dialog.visibility.setCurrentIndex(dialog.visibility.findData("only-me"))
    dialog.set_alt_text(0, "Chest radiograph")
    dialog.review_confirm.setChecked(True)
    dialog.right_to_share.setChecked(True)
    dialog.basis.setCurrentIndex(dialog.basis.findData("policy"))
    assert dialog.post_button.isEnabled(), dialog.problems.text()
    with qtbot.waitSignal(dialog.posted, timeout=60_000):
        qtbot.mouseClick(dialog.post_button, Qt.LeftButton)
    sent = json.loads(next(inbox.iterdir()).read_text())
    assert sent["visibility"] == "only-me" and sent["draft"] is False


def test_the_accounts_dialog_offers_the_plugins_browser_sign_in(installed_plugin, qtbot, tmp_path):
    """The plugin declares browser sign-in as data (`Features.browser_sign_in`) and implements
    `oauth_begin`/`oauth_finish`; the Accounts dialog offers "Sign in with the browser…" for it as
    for Mastodon, and the code comes back through the app's loopback address into the token field."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import threading

    import requests
    from PySide6.QtCore import Qt

    from radshare.gui.accounts_dialog import AccountsDialog
    from radshare.uploaders.accounts import AccountStore
    from radshare.uploaders.registry import load_registry

    store = AccountStore()
    dialog = AccountsDialog(None, store=store, registry=load_registry())
    qtbot.addWidget(dialog)
    editor = dialog.editor("example-inbox")
    editor.show()
    qtbot.keyClicks(editor.name, "inbox-by-browser")
    editor.fields["inbox"].setText(str(tmp_path / "inbox"))
    opened: list[str] = []

    def browser(url: str) -> None:  # the browser follows the plugin's page back to the loopback address
        opened.append(url)
        threading.Thread(target=lambda: requests.get(url, timeout=10), daemon=True).start()

    editor.open_url_requested.disconnect()
    editor.open_url_requested.connect(browser)
    assert editor.browser_button.isVisible() and editor.code_button.isVisible()
    qtbot.mouseClick(editor.browser_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: editor.fields["token"].text() != "", timeout=30_000)
    assert opened and opened[0].startswith("http://127.0.0.1:")
    token = editor.fields["token"].text()
    assert token.startswith("inbox-") and "Signed in" in editor.status.text()
    assert editor.save()
    assert store.secret("inbox-by-browser") == token
