"""The Accounts dialog, driven like a user: add accounts from each plugin's declared fields, sign in
to Mastodon with the browser (the loopback redirect finishes in the app), verify, remove.

The "browser" is simulated: opening a URL makes a thread approve the request on mastodon-mock,
which then redirects to the app's loopback address exactly as a real browser would.
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLineEdit

from radshare.uploaders.accounts import AccountStore
from radshare.uploaders.registry import registry

pytest_plugins = ["tests.uploaders.social_fixtures"]
pytestmark = pytest.mark.server


def _dialog(qtbot):
    from radshare.gui.accounts_dialog import AccountsDialog

    dialog = AccountsDialog(None, store=AccountStore())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _editor(qtbot, dialog, target: str, name: str):
    editor = dialog.editor(target)  # a child of the dialog: closed and deleted with it
    editor.show()
    qtbot.keyClicks(editor.name, name)
    return editor


def _type(qtbot, editor, field: str, text: str) -> None:
    widget = editor.fields[field]
    widget.clear()
    qtbot.keyClicks(widget, text)


def _verify(qtbot, dialog, name: str) -> str:
    row = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())].index(name)
    dialog.table.selectRow(row)
    with qtbot.waitSignal(dialog.verified, timeout=60_000) as signal:
        qtbot.mouseClick(dialog.verify_button, Qt.LeftButton)
    return signal.args[1]


def test_every_registered_target_gets_its_declared_fields(qtbot, social_env):
    dialog = _dialog(qtbot)
    for target_id in registry().ids():
        editor = dialog.editor(target_id)
        cls = registry().get(target_id)
        assert set(editor.fields) == {f.name for f in cls.account_fields}
        for field in cls.account_fields:
            widget = editor.fields[field.name]
            if field.kind == "choice":
                assert isinstance(widget, QComboBox)
            else:
                assert isinstance(widget, QLineEdit)
                assert (widget.echoMode() == QLineEdit.Password) == (field.secret or field.kind == "password")
    assert {"mastodon", "bluesky"} <= set(registry().ids())


def test_bluesky_account_added_verified_and_removed(qtbot, social_env, bluesky_pds):
    account = bluesky_pds["accounts"][0]
    dialog = _dialog(qtbot)
    editor = _editor(qtbot, dialog, "bluesky", "sky")
    _type(qtbot, editor, "handle", account["handle"])
    _type(qtbot, editor, "pds_url", bluesky_pds["url"])
    _type(qtbot, editor, "app_password", account["app_password"])
    qtbot.mouseClick(editor.buttons.button(QDialogButtonBox.Save), Qt.LeftButton)
    assert editor.result() == QDialog.Accepted
    dialog.refresh()
    store = AccountStore()
    assert store.secret("sky") == account["app_password"]
    assert account["app_password"] not in store.path.read_text()  # the secret is only in the keyring
    assert "signed in as @alice.test" in _verify(qtbot, dialog, "sky")

    dialog.table.selectRow(0)
    dialog.remove_selected(confirm=False)
    assert store.list() == [] and store.secret("sky") is None


def test_wrong_app_password_is_explained(qtbot, social_env, bluesky_pds):
    dialog = _dialog(qtbot)
    editor = _editor(qtbot, dialog, "bluesky", "wrong")
    _type(qtbot, editor, "handle", bluesky_pds["accounts"][1]["handle"])
    _type(qtbot, editor, "pds_url", bluesky_pds["url"])
    _type(qtbot, editor, "app_password", "aaaa-bbbb-cccc-dddd")
    assert editor.save()
    dialog.refresh()
    text = _verify(qtbot, dialog, "wrong")
    assert "Sign-in failed" in text and "aaaa-bbbb-cccc-dddd" not in dialog.status.text()


def test_missing_required_field_is_refused_with_a_reason(qtbot, social_env):
    dialog = _dialog(qtbot)
    editor = _editor(qtbot, dialog, "mastodon", "nourl")
    assert editor.save() is False
    assert "needs" in editor.status.text()
    assert AccountStore().list() == []


def test_mastodon_sign_in_with_the_browser_finishes_in_the_app(qtbot, social_env, mastodon_server, monkeypatch):
    dialog = _dialog(qtbot)
    editor = _editor(qtbot, dialog, "mastodon", "browser")
    _type(qtbot, editor, "url", mastodon_server["url"])
    opened: list[str] = []

    def browser(url: str) -> None:  # the user approves RadShare as bob in the browser
        opened.append(url)
        query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}

        def approve() -> None:
            requests.post(f"{mastodon_server['url']}/oauth/authorize", timeout=10, data={
                "username": "bob", "redirect_uri": query["redirect_uri"], "client_id": query["client_id"],
                "state": query["state"], "scope": query.get("scope", "")})

        threading.Thread(target=approve, daemon=True).start()

    monkeypatch.setattr(editor, "_open_url", browser)
    editor.open_url_requested.disconnect()
    editor.open_url_requested.connect(browser)
    qtbot.mouseClick(editor.browser_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: editor.fields["access_token"].text() != "", timeout=60_000)
    assert opened and opened[0].startswith(f"{mastodon_server['url']}/oauth/authorize?")
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in opened[0]
    assert "Signed in" in editor.status.text()
    token = editor.fields["access_token"].text()
    assert editor.save()
    dialog.refresh()
    assert AccountStore().secret("browser") == token
    assert "signed in as @bob" in _verify(qtbot, dialog, "browser")


def test_mastodon_pasted_token_and_code_flow(qtbot, social_env, mastodon_server):
    import re

    dialog = _dialog(qtbot)
    editor = _editor(qtbot, dialog, "mastodon", "pasted")
    _type(qtbot, editor, "url", mastodon_server["url"])
    _type(qtbot, editor, "access_token", mastodon_server["accounts"]["carol"])
    assert editor.save()
    dialog.refresh()
    assert "signed in as @carol" in _verify(qtbot, dialog, "pasted")

    # Out of band: the server shows a code, the user pastes it (the paste box is skipped here).
    from radshare.gui.accounts_dialog import code_sign_in_begin

    editor2 = _editor(qtbot, dialog, "mastodon", "code")
    _type(qtbot, editor2, "url", mastodon_server["url"])
    settings, _ = editor2.values()
    url, context = code_sign_in_begin(editor2.cls(), settings)
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    page = requests.post(f"{mastodon_server['url']}/oauth/authorize", timeout=10, data={
        "username": "alice", "redirect_uri": query["redirect_uri"], "client_id": query["client_id"]})
    code = re.search(r"Authorization code: (\S+?)<", page.text).group(1)
    editor2.finish_with_code(settings, context, code)
    qtbot.waitUntil(lambda: editor2.fields["access_token"].text() != "", timeout=30_000)
    assert editor2.save()


def test_add_button_saves_and_verifies_at_once(qtbot, social_env, mastodon_server, monkeypatch):
    dialog = _dialog(qtbot)
    real_editor = dialog.editor

    def filled_editor(target=None):
        editor = real_editor("mastodon")
        editor.name.setText("quick")
        editor.fields["url"].setText(mastodon_server["url"])
        editor.fields["access_token"].setText(mastodon_server["accounts"]["alice"])
        monkeypatch.setattr(editor, "exec", lambda: editor.save())  # the user presses Save
        return editor

    monkeypatch.setattr(dialog, "editor", filled_editor)
    with qtbot.waitSignal(dialog.verified, timeout=60_000) as signal:
        qtbot.mouseClick(dialog.add_button, Qt.LeftButton)
    assert signal.args[0] == "quick" and "signed in as @alice" in signal.args[1]
    assert dialog.table.item(0, 1).text() == "Mastodon"
