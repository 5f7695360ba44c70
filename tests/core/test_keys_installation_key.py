"""The installation key: from the keyring when one works, else a private file, with a warning."""

from __future__ import annotations

import os
import stat

import keyring
import keyring.backends.fail
import pytest

from radshare.core.deid import keys
from radshare.core.errors import ConfigError
from tests.fixtures.keyrings import MemoryKeyring


@pytest.fixture
def no_env_key(monkeypatch, tmp_path):
    monkeypatch.delenv(keys.ENV_KEY_FILE, raising=False)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)  # the backend set below is the one used
    monkeypatch.setattr(keys, "default_key_file", lambda: tmp_path / "data" / "installation-key")
    previous = keyring.get_keyring()
    yield tmp_path / "data" / "installation-key"
    keyring.set_keyring(previous)


def test_env_key_file_is_created_private_and_reused(monkeypatch, tmp_path):
    path = tmp_path / "key"
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(path))
    first = keys.installation_key()
    assert len(first) == 32 and keys.installation_key() == first
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_without_a_usable_keyring_the_key_goes_to_a_private_file_with_a_warning(no_env_key):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.warns(keys.InsecureKeyStoreWarning):
        first = keys.installation_key()
    assert no_env_key.exists() and len(first) == 32
    with pytest.warns(keys.InsecureKeyStoreWarning):
        assert keys.installation_key() == first


def test_a_working_keyring_holds_the_key_under_radshare(no_env_key):
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    first = keys.installation_key()
    assert backend.store[("radshare", "installation-key")] == first.hex()
    assert keys.installation_key() == first
    assert not no_env_key.exists()


def test_an_unreadable_stored_key_is_an_error_not_a_silent_new_key(monkeypatch, tmp_path):
    path = tmp_path / "key"
    path.write_text("not hex at all")
    os.chmod(path, 0o600)
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(path))
    with pytest.raises(ConfigError, match="unreadable") as error:
        keys.installation_key()
    assert "not hex" not in str(error.value)


def test_a_key_file_readable_by_others_is_made_private(monkeypatch, tmp_path):
    if os.name != "posix":
        pytest.skip("permissions are POSIX-only")
    path = tmp_path / "key"
    path.write_text(bytes(32).hex())
    os.chmod(path, 0o644)
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(path))
    assert keys.installation_key() == bytes(32)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_file_key_from_before_the_keyring_existed_is_adopted_not_replaced(no_env_key):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.warns(keys.InsecureKeyStoreWarning):
        first = keys.installation_key()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    assert keys.installation_key() == first
    assert backend.store[("radshare", "installation-key")] == first.hex()
