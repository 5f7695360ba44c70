"""`radshare accounts add TARGET NAME --url URL --user USER`: --url is the target's server for every
target (the PDS for Bluesky, the instance for Mastodon), --user the user name or handle."""

from __future__ import annotations

import io
import json
import sys

import pytest

from radshare.cli import main
from radshare.uploaders.accounts import AccountStore


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def _add(monkeypatch, *args: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO("app-pass-word\n"))
    return main(["accounts", "add", *args, "--no-verify", "--insecure-keyring"])


def test_bluesky_takes_its_pds_from_url_and_its_handle_from_user(config, monkeypatch, capsys):
    assert _add(monkeypatch, "bluesky", "sky", "--url", "https://pds.example.org", "--user", "doc.example.org") == 0
    account = AccountStore().get("sky")
    assert account.settings["pds_url"] == "https://pds.example.org"
    assert account.settings["handle"] == "doc.example.org"
    assert "url" not in account.settings and "user" not in account.settings
    capsys.readouterr()
    assert main(["accounts", "list"]) == 0
    listed = capsys.readouterr().out
    assert "https://pds.example.org" in listed and "doc.example.org" in listed


def test_mastodon_and_wordpress_keep_url_and_user(config, monkeypatch):
    assert _add(monkeypatch, "wordpress", "blog", "--url", "https://blog.example.org", "--user", "editor") == 0
    assert AccountStore().get("blog").settings == {"url": "https://blog.example.org", "user": "editor"}
    assert _add(monkeypatch, "mastodon", "toot", "--url", "https://mastodon.example.org") == 0
    assert AccountStore().get("toot").settings["url"] == "https://mastodon.example.org"


def test_an_option_a_target_has_no_field_for_is_refused_in_one_line(config, monkeypatch, capsys):
    code = _add(monkeypatch, "mastodon", "toot", "--url", "https://mastodon.example.org", "--user", "alice")
    assert code == 2
    err = capsys.readouterr().err
    assert "Mastodon accounts have no user name: leave out --user" in err
    assert AccountStore().list() == []
