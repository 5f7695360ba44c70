"""Suite-wide: every test (and every process it starts) writes to its own sharing ledger, never
the user's (`$RADSHARE_LEDGER`, see radshare/core/ledger.py). Work still running after its test
(a GUI worker finishing late) falls back to a ledger of this test session, not the user's."""

from __future__ import annotations

import os
import tempfile

import pytest

_SESSION_DIR = tempfile.TemporaryDirectory(prefix="radshare-ledger-")
os.environ["RADSHARE_LEDGER"] = os.path.join(_SESSION_DIR.name, "sharing-ledger.sqlite3")


@pytest.fixture(autouse=True)
def _private_ledger(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADSHARE_LEDGER", str(tmp_path_factory.mktemp("ledger") / "sharing-ledger.sqlite3"))
