"""Suite-wide: every test (and every process it starts) writes to its own sharing ledger, never
the user's (`$RADSHARE_LEDGER`, see radshare/core/ledger.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_ledger(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADSHARE_LEDGER", str(tmp_path_factory.mktemp("ledger") / "sharing-ledger.sqlite3"))
