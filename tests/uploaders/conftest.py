"""Fixtures for uploader tests: a private config dir and keyring file, never the user's own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

TESTS = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def private_env(tmp_path_factory, monkeypatch):
    """Every uploader test gets its own config dir, keyring file and installation key."""
    root = tmp_path_factory.mktemp("env")
    monkeypatch.setenv("RADSHARE_CONFIG_DIR", str(root / "config"))
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(root / "installation.key"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "xdgconfig"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    return root
