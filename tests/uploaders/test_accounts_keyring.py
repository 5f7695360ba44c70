"""Accounts: settings in the config file, secrets only in the keyring, backend warnings honoured."""

from __future__ import annotations

import io
import json
import sys

import keyring.core
import pytest

from radshare.cli import main
from radshare.uploaders.accounts import (
    SERVICE,
    Account,
    AccountError,
    AccountStore,
    InsecureKeyring,
    account_key,
    keyring_status,
)
from radshare.uploaders.wordpress import WordPressUploader

SECRET = "app-pass-Zq81 Lm0p Xx77"


def _store(tmp_path):
    return AccountStore(tmp_path / "cfg", keyring.core.load_keyring("keyrings.alt.file.PlaintextKeyring"))


def test_secret_goes_to_the_keyring_and_never_to_the_config_file(tmp_path):
    store = _store(tmp_path)
    store.add(Account("blog", "wordpress", {"url": "https://blog.example.org", "user": "ed"}), SECRET, WordPressUploader)
    assert SECRET not in store.path.read_text()
    assert store.secret("blog") == SECRET
    assert store.backend.get_password(SERVICE, account_key("blog")) == SECRET
    assert [a.name for a in store.list()] == ["blog"]
    store.remove("blog")
    assert store.list() == [] and store.secret("blog") is None


def test_secret_field_in_settings_is_refused(tmp_path):
    with pytest.raises(AccountError):
        _store(tmp_path).add(Account("b", "wordpress", {"url": "u", "user": "x", "app_password": SECRET}), SECRET, WordPressUploader)


def test_missing_required_fields_and_duplicates_are_refused(tmp_path):
    store = _store(tmp_path)
    with pytest.raises(AccountError):
        store.add(Account("b", "wordpress", {"url": "https://x"}), SECRET, WordPressUploader)
    store.add(Account("b", "wordpress", {"url": "https://x", "user": "u"}), SECRET, WordPressUploader)
    with pytest.raises(AccountError):
        store.add(Account("b", "wordpress", {"url": "https://x", "user": "u"}), SECRET, WordPressUploader)


def test_fallback_to_a_file_keyring_needs_consent_but_an_explicit_choice_is_respected(tmp_path, monkeypatch):
    store = _store(tmp_path)
    account = Account("b", "wordpress", {"url": "https://x", "user": "u"})
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    status = store.status()
    assert not status.secure and not status.explicit and "not your system's secure store" in status.warning
    with pytest.raises(InsecureKeyring):
        store.add(account, SECRET, WordPressUploader)
    assert store.list() == []
    store.add(account, SECRET, WordPressUploader, accept_insecure=True)
    assert store.secret("b") == SECRET
    # Chosen explicitly: respected, with the warning still given.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    status = keyring_status(store.backend)
    assert status.explicit and status.warning
    store.add(Account("c", "wordpress", {"url": "https://x", "user": "u"}), SECRET, WordPressUploader)


def test_cli_reads_the_secret_from_stdin_and_lists_without_it(monkeypatch, capsys, private_env):
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
    code = main(["accounts", "add", "wordpress", "teaching blog", "--url", "https://blog.example.org", "--user", "ed",
                 "--set", "default_status=pending", "--no-verify"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "warning" in out.err  # the file backend is not a system store: said so
    assert main(["accounts", "list"]) == 0
    listing = capsys.readouterr()
    assert "teaching blog" in listing.out and "wordpress" in listing.out
    assert SECRET not in listing.out + listing.err + out.out + out.err
    config = (private_env / "config" / "accounts.json").read_text()
    assert SECRET not in config and json.loads(config)["accounts"][0]["settings"]["default_status"] == "pending"
    assert main(["accounts", "remove", "teaching blog"]) == 0
    assert main(["accounts", "remove", "teaching blog"]) == 2


def test_cli_refuses_a_secret_on_the_command_line(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = main(["accounts", "add", "wordpress", "b", "--url", "https://x", "--user", "u", "--set", f"app_password={SECRET}"])
    assert code == 2 and "never taken from the command line" in capsys.readouterr().err


def test_unknown_target_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("x\n"))
    assert main(["accounts", "add", "nosuchservice", "b"]) == 2


def test_plain_http_to_another_machine_is_refused_before_any_secret_is_sent(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
    code = main(["accounts", "add", "wordpress", "b", "--url", "http://blog.example.org", "--user", "u"])
    err = capsys.readouterr().err
    assert code == 2 and "https://" in err
    assert AccountStore().list() == []
    from radshare.uploaders.base import plain_http_problem

    assert plain_http_problem("http://127.0.0.1:8080") is None and plain_http_problem("http://localhost") is None
    assert plain_http_problem("https://forum.example.org") is None
    assert plain_http_problem("http://10.0.0.5") and plain_http_problem("ftp://x")


def test_backend_chosen_in_keyrings_own_config_file_counts_as_explicit(monkeypatch, private_env):
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    from keyring.util import platform_

    config = platform_.config_root()
    assert str(private_env) in str(config)  # the test's own XDG_CONFIG_HOME, never the user's
    assert keyring_status(keyring.core.load_keyring("keyrings.alt.file.PlaintextKeyring")).explicit is False
    import os

    os.makedirs(config, exist_ok=True)
    with open(os.path.join(config, "keyringrc.cfg"), "w") as handle:
        handle.write("[backend]\ndefault-keyring=keyrings.alt.file.PlaintextKeyring\n")
    status = keyring_status(keyring.core.load_keyring("keyrings.alt.file.PlaintextKeyring"))
    assert status.explicit and not status.secure and "chosen in your keyring settings" in status.warning


def test_cli_without_a_terminal_refuses_a_fallback_keyring_unless_told(private_env):
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    probe = subprocess.run([sys.executable, "-c", "import keyring; print(type(keyring.get_keyring()).__module__)"],
                           capture_output=True, text=True, env=env, timeout=60)
    if not probe.stdout.startswith("keyrings.alt"):  # a desktop with a real keyring: never touch it
        pytest.skip("this machine has a system keyring; the fallback case cannot be staged safely")
    args = [sys.executable, "-m", "radshare", "accounts", "add", "wordpress", "b", "--url", "https://blog.example.org",
            "--user", "u", "--no-verify"]
    refused = subprocess.run(args, input=SECRET + "\n", capture_output=True, text=True, env=env, timeout=120)
    assert refused.returncode == 2 and "not a system store" in refused.stderr
    assert not (private_env / "config" / "accounts.json").exists()
    allowed = subprocess.run([*args, "--insecure-keyring"], input=SECRET + "\n", capture_output=True, text=True, env=env, timeout=120)
    assert allowed.returncode == 0, allowed.stderr
    assert "warning" in allowed.stderr and SECRET not in allowed.stdout + allowed.stderr
