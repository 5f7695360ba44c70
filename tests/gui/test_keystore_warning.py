"""The app tells the user when secrets are not kept in a system keyring (core/keystore.py's policy)."""

from __future__ import annotations

import keyring
import pytest

from tests.fixtures.keyrings import MemoryKeyring


def _window(qtbot, tmp_path, settings):
    from radshare.gui.main_window import MainWindow

    win = MainWindow(settings, session_dir=tmp_path / "session")
    qtbot.addWidget(win)
    win.show()
    return win


@pytest.fixture
def backend(monkeypatch):
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def test_a_plain_text_keyring_is_named_in_the_status_bar(qtbot, tmp_path, settings, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    win = _window(qtbot, tmp_path, settings)
    qtbot.waitUntil(win.keystore_label.isVisible, timeout=10000)
    assert "system keyring" in win.keystore_label.text()
    assert "not your system's secure store" in win.keystore_label.toolTip()


def test_a_system_keyring_gives_no_warning(qtbot, tmp_path, settings, backend):
    backend(MemoryKeyring())
    win = _window(qtbot, tmp_path, settings)
    qtbot.waitUntil(lambda: win._keystore_check.done, timeout=10000)
    qtbot.wait(50)  # the queued result reaches the window
    assert not win.keystore_label.isVisible()
