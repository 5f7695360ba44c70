"""`radshare shared`: exports recorded, the terminal confirmation names every target, usage errors exit 2."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys

import pytest

from radshare.cli import main
from radshare.core.sample import write_sample_case
from tests.fixtures.leakscan import scan_bytes


@pytest.fixture(autouse=True)
def _private(tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "radshare.key"))
    monkeypatch.setenv("RADSHARE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def test_a_caseset_export_is_recorded_with_its_cases_and_manifest_hash(tmp_path, capsys):
    cases = tmp_path / "DOE_JANE_cases"
    write_sample_case(cases / "nodule", ct_slices=2)
    out = tmp_path / "set"
    assert main(["export", str(cases), "-o", str(out), "--workers", "1", "--text-redaction", "off", "-q"]) == 0
    capsys.readouterr()
    assert main(["shared", "list", "--exports", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["cases"] == ["Case-01"] and entry["folder"] == str(out.resolve())
    assert entry["manifest_sha256"] == hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    ledger = os.environ["RADSHARE_LEDGER"]
    assert scan_bytes(open(ledger, "rb").read(), ["DOE", "JANE", "4471093", "nodule", str(cases)]) == []


def test_usage_errors_exit_2_and_nothing_recorded_is_said(capsys):
    assert main(["shared", "list"]) == 0
    assert "nothing recorded" in capsys.readouterr().err
    assert main(["shared", "withdraw"]) == 2
    assert main(["shared", "withdraw", "12"]) == 2
    assert "no post 12" in capsys.readouterr().err
    assert main(["shared", "withdraw", "12", "--pending"]) == 2
    assert main(["shared", "find", "/nonexistent/image.png"]) == 1
    assert "cannot be read" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["shared"])
    assert usage.value.code == 2


def _in_terminal(args: list[str], answers: str) -> subprocess.CompletedProcess:
    master, slave = os.openpty()
    try:
        os.write(master, answers.encode())
        return subprocess.run([sys.executable, "-m", "radshare", *args], stdin=slave, capture_output=True, text=True,
                              timeout=120, start_new_session=True)
    finally:
        os.close(slave)
        os.close(master)


def test_the_terminal_confirmation_names_every_target_and_no_withdraws_nothing(tmp_path, monkeypatch, capsys):
    from tests.uploaders.uploader_samples import write_sample_dicom

    out = tmp_path / "posts"
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    for name in ("lms", "lms2"):
        assert main(["accounts", "add", "folder", name, "--set", f"folder={out / name}", "--no-verify"]) == 0
    for name in ("lms", "lms2"):
        assert main(["post", str(write_sample_dicom(tmp_path / "a.dcm")), "--account", name, "--alt", "Chest",
                     "--confirm", "--case", "Case-3", "-q"]) == 0
    capsys.readouterr()
    refused = _in_terminal(["shared", "withdraw", "--case", "Case-3"], "n\n")
    assert refused.returncode == 0 and "nothing withdrawn" in refused.stderr
    assert "folder account 'lms'" in refused.stderr and "folder account 'lms2'" in refused.stderr
    assert "folder: The post's folder or zip file is deleted" in refused.stderr
    assert len(list((out / "lms").iterdir())) == 1 and len(list((out / "lms2").iterdir())) == 1
    done = _in_terminal(["shared", "withdraw", "--case", "Case-3"], "y\n")
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["withdrawn", "withdrawn"]
    assert list((out / "lms").iterdir()) == [] and list((out / "lms2").iterdir()) == []
    assert main(["shared", "list", "--case", "Case-3"]) == 0
    assert [line.split()[5] for line in capsys.readouterr().out.splitlines()] == ["deleted", "deleted"]
