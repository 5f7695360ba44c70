"""One secrets policy for the installation key and the accounts: which keyring counts as secure.

Real keyring backends where they can run here (keyrings.alt's plain-text file, keyring's fail
backend), a fake system store (a backend declared in one of the allow-listed modules), and
keyring's chained backend over both kinds.
"""

from __future__ import annotations

import warnings

import keyring
import keyring.backends.fail
import keyring.core
import pytest
from keyring.backends.chainer import ChainerBackend

from radshare.core import keystore
from radshare.core.deid import keys
from radshare.uploaders import accounts
from tests.fixtures.keyrings import MemoryKeyring


def _plaintext(tmp_path):
    backend = keyring.core.load_keyring("keyrings.alt.file.PlaintextKeyring")
    backend.file_path = str(tmp_path / "plaintext.cfg")
    return backend


def _chain(*backends):
    return type("ChainerBackend", (ChainerBackend,), {"backends": list(backends)})()


@pytest.fixture
def chosen(monkeypatch, tmp_path):
    """Selects a backend the way keyring does, with no environment choice and no key file."""
    monkeypatch.delenv(keystore.ENV_BACKEND, raising=False)
    monkeypatch.delenv(keys.ENV_KEY_FILE, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # no keyringrc.cfg of the user's
    monkeypatch.setattr(keys, "default_key_file", lambda: tmp_path / "data" / "installation-key")
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def test_a_system_store_is_secure_and_gets_no_warning(chosen):
    backend = MemoryKeyring()
    chosen(backend)
    status = keystore.keyring_status()
    assert status.secure and status.usable and status.warning is None
    assert keystore.store_warning() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no InsecureKeyStoreWarning
        key = keys.installation_key()
    assert backend.store[(keystore.SERVICE, keys.USERNAME)] == key.hex()
    assert accounts.keyring_status().secure


def test_a_plain_text_keyring_is_used_for_both_secrets_with_the_same_warning(chosen, tmp_path):
    backend = _plaintext(tmp_path)
    chosen(backend)
    warning = keystore.store_warning()
    assert warning and "not your system's secure store" in warning and "keyrings.alt" in warning
    with pytest.warns(keys.InsecureKeyStoreWarning):
        key = keys.installation_key()
    assert backend.get_password(keystore.SERVICE, keys.USERNAME) == key.hex()
    assert accounts.keyring_status().warning == warning  # one policy, one text
    assert accounts.SERVICE == keys.SERVICE == keystore.SERVICE == "radshare"


def test_a_chain_counts_as_secure_only_when_every_link_is_a_system_store(tmp_path):
    assert keystore.is_system(_chain(MemoryKeyring(), MemoryKeyring()))
    assert not keystore.is_system(_chain(MemoryKeyring(), _plaintext(tmp_path)))
    assert not keystore.is_system(_chain())
    status = keystore.keyring_status(_chain(MemoryKeyring(), _plaintext(tmp_path)))
    assert status.usable and not status.secure and status.warning


def test_no_usable_keyring_sends_the_key_to_a_private_file_and_the_app_is_told(chosen, tmp_path):
    chosen(keyring.backends.fail.Keyring())
    warning = keystore.store_warning()
    assert warning and "No keyring is available" in warning and "private file" in warning
    with pytest.warns(keys.InsecureKeyStoreWarning):
        keys.installation_key()
    assert (tmp_path / "data" / "installation-key").exists()


def test_a_backend_named_in_the_environment_that_cannot_load_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(keystore.ENV_BACKEND, "no.such.module.Keyring")
    warning = keystore.store_warning()
    assert warning and keystore.ENV_BACKEND in warning
    with pytest.raises(accounts.AccountError, match=keystore.ENV_BACKEND):
        accounts.resolve_backend()
