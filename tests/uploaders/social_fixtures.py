"""Servers and helpers for the social uploader tests (Mastodon, Bluesky) and the composer tests.

Load with `pytest_plugins = ["tests.uploaders.social_fixtures"]` in a test module.

- `bluesky_pds`: the reference PDS from npm (scripts/bluesky, installed by scripts/bluesky/install)
  with an in-memory PLC directory, on 127.0.0.1; started once per session, stopped by PID.
- `mastodon_server`: mastodon-mock (FastAPI + in-memory sqlite, scripts/mastodon/serve.py) on
  127.0.0.1; started once per session, stopped by PID. Fault injection via `mastodon_fault`.
- `social_env`: a private config dir, keyring file and installation key (never the user's own).

When the software is missing, tests skip with a reason; with CI=true they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Skip locally when software is missing; fail under CI, where the setup must provide it."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the setup must provide it)")
    pytest.skip(reason)


def _start(argv: list[str], what: str, timeout: float, cwd: Path | None = None) -> tuple[subprocess.Popen, dict]:
    """Start a server that prints one JSON line when ready; return the process and that JSON."""
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, cwd=cwd,
        start_new_session=True,
    )
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not line or not line[0].strip():
        _stop(proc)
        err = proc.stderr.read()[-1500:] if proc.stderr else ""
        pytest.fail(f"{what} did not start within {timeout:.0f} s: {err}")
    return proc, json.loads(line[0])


def _stop(proc: subprocess.Popen) -> None:
    """Stop by PID: SIGTERM, then SIGKILL if it does not go."""
    if proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


# --------------------------------------------------------------------------------------------
# Bluesky: the reference PDS
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def bluesky_pds() -> Iterator[dict[str, Any]]:
    """{"url", "plc_url", "pid", "accounts": [{"handle", "did", "password", "app_password"}]}."""
    if not shutil.which("node"):
        skip_or_fail("node is not installed (Debian: nodejs npm; scripts/apt/social.txt)")
    if not (REPO / "scripts/bluesky/node_modules/@atproto/pds").is_dir():
        skip_or_fail("the test PDS is not installed: run scripts/bluesky/install")
    proc, info = _start(["node", str(REPO / "scripts/bluesky/server.js"), "--accounts", "alice,bob"],
                        "the test PDS", timeout=90)
    try:
        yield info
    finally:
        _stop(proc)


# --------------------------------------------------------------------------------------------
# Mastodon: mastodon-mock
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mastodon_server() -> Iterator[dict[str, Any]]:
    """{"url", "pid", "accounts": {"alice": token, ...}} of a mastodon-mock server."""
    try:
        import mastodon  # noqa: F401
        import mastodon_mock  # noqa: F401
    except ImportError:
        skip_or_fail("Mastodon.py or mastodon-mock is not installed (requirements/social.txt)")
    proc, info = _start([sys.executable, str(REPO / "scripts/mastodon/serve.py")], "mastodon-mock", timeout=90)
    try:
        yield info
    finally:
        _stop(proc)


@pytest.fixture
def mastodon_fault(mastodon_server):
    """Add fault rules to mastodon-mock for one test; all rules are cleared afterwards."""
    url = mastodon_server["url"]

    def add(rule: dict) -> dict:
        response = requests.post(f"{url}/api/v1/_mock/faults", json=rule, timeout=10)
        response.raise_for_status()
        return response.json()

    yield add
    requests.delete(f"{url}/api/v1/_mock/faults", timeout=10)


# --------------------------------------------------------------------------------------------
# Private environment
# --------------------------------------------------------------------------------------------


@pytest.fixture
def social_env(tmp_path, monkeypatch) -> Path:
    """Own config dir, keyring file and installation key for one test."""
    monkeypatch.setenv("RADSHARE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "installation.key"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdgconfig"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    return tmp_path


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------


def deidentified_sources(tmp_path: Path, count: int, *, size: int = 512, burned_in: bool = False) -> list:
    """`count` synthetic DICOMs of DOE^JANE run through RadShare's real de-identification
    (`pipeline.shareable_image`), as `compose.SourceImage`s."""
    from radshare.core.pipeline import settings_for_installation, shareable_image
    from radshare.uploaders.compose import SourceImage
    from tests.uploaders.uploader_samples import write_sample_dicom

    settings = settings_for_installation(text_redaction=text_redaction_mode())
    sources = []
    for index in range(count):
        path = write_sample_dicom(tmp_path / f"DOE_JANE_{index}.dcm", seed=index, size=size, burned_in=burned_in)
        sources.append(SourceImage.from_shareable(shareable_image(path, settings)))
    return sources


def text_redaction_mode() -> str:
    """"auto" where this installation has burned-in text redaction, else "off" (the gate then
    needs the explicit confirmation, which these tests give)."""
    try:
        from radshare.core.redact import redact_dicom  # noqa: F401
    except ImportError:
        return "off"
    return "auto"


def identifier_needles() -> list[bytes]:
    """Byte strings that must never appear in anything sent (the fake patient's identifiers)."""
    from tests.uploaders.uploader_samples import BIRTH_DATE, INSTITUTION, PATIENT_ID, PATIENT_NAME

    values = ["DOE", "JANE", PATIENT_NAME, PATIENT_ID, BIRTH_DATE, INSTITUTION, "Springfield", "ACC445566", "HOUSE"]
    needles = []
    for value in values:
        needles += [value.encode("utf-8"), value.lower().encode("utf-8"), value.encode("utf-16-le")]
    return needles


def metadata_segments(data: bytes) -> list[str]:
    """Names of metadata blocks in JPEG/PNG bytes (EXIF, XMP, IPTC, comments, text chunks)."""
    found = []
    if data[:2] == b"\xff\xd8":
        pos = 2
        while pos + 4 <= len(data) and data[pos] == 0xFF:
            marker = data[pos + 1]
            if marker in (0xD9, 0xDA):
                break
            length = int.from_bytes(data[pos + 2:pos + 4], "big")
            body = data[pos + 4:pos + 2 + length]
            if marker == 0xE1:
                found.append("XMP" if body.startswith(b"http://ns.adobe.com") else "EXIF")
            elif marker == 0xED:
                found.append("IPTC")
            elif marker == 0xFE:
                found.append("COM")
            elif 0xE2 <= marker <= 0xEF and not body.startswith(b"ICC_PROFILE"):
                found.append(f"APP{marker - 0xE0}")
            pos += 2 + length
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        pos = 8
        while pos + 8 <= len(data):
            length = int.from_bytes(data[pos:pos + 4], "big")
            kind = data[pos + 4:pos + 8].decode("latin-1")
            if kind in ("tEXt", "zTXt", "iTXt", "eXIf", "tIME"):
                found.append(kind)
            pos += 12 + length
    return found
