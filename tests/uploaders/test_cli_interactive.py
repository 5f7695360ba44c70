"""`radshare post` and `radshare accounts add` in a terminal: prompts, confirmations, no echo of secrets."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys

import pytest
from PIL import Image as PILImage

from radshare.cli import main
from tests.uploaders.uploader_samples import smooth_rgb, write_sample_dicom


def _in_terminal(args: list[str], answers: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run radshare with a pseudo-terminal as stdin (so it asks), typing `answers` ahead."""
    master, slave = os.openpty()
    try:
        os.write(master, answers.encode())
        return subprocess.run([sys.executable, "-m", "radshare", *args], stdin=slave, capture_output=True,
                              text=True, timeout=timeout, start_new_session=True)
    finally:
        os.close(slave)
        os.close(master)


@pytest.fixture
def folder_account(tmp_path, monkeypatch):
    out = tmp_path / "shared"
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["accounts", "add", "folder", "lms", "--set", f"folder={out}"]) == 0
    return out


def test_terminal_asks_for_alt_text_and_the_right_to_share(folder_account, tmp_path):
    original = write_sample_dicom(tmp_path / "a.dcm")
    done = _in_terminal(["post", str(original), "--account", "lms", "--remember-confirmation", "--json"], "Chest radiograph\ny\n2\n")
    assert done.returncode == 0, done.stderr
    assert "right to share" in done.stdout + done.stderr
    assert "On what basis" in done.stdout + done.stderr  # then remembered with the confirmation
    written = folder_account / json.loads(done.stdout[done.stdout.rindex('{"url"'):])["id"]
    assert json.loads((written / "post.json").read_text())["images"][0]["alt_text"] == "Chest radiograph"
    # Remembered for this account: the next post in a terminal does not ask again.
    again = _in_terminal(["post", str(original), "--account", "lms", "--alt", "Chest", "--json"], "")
    assert again.returncode == 0, again.stderr
    assert "remembered confirmation" in again.stderr
    assert "Basis for sharing (remembered" in again.stderr


def test_answering_no_posts_nothing(folder_account, tmp_path):
    original = write_sample_dicom(tmp_path / "a.dcm")
    done = _in_terminal(["post", str(original), "--account", "lms", "--alt", "Chest"], "n\n")
    assert done.returncode == 1 and "right to share" in done.stderr
    assert not folder_account.exists() or list(folder_account.iterdir()) == []


def test_photo_with_exif_and_gps_is_posted_without_metadata(folder_account, tmp_path, capsys):
    import radshare.core.redact as redact

    if not hasattr(redact, "redact_photo"):  # the photo text-redaction engine is written in parallel
        pytest.skip("radshare.core.redact.redact_photo is not in this tree yet")
    photo = tmp_path / "IMG_0001.jpg"
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x9286] = "Patient DOE"  # UserComment-ish free text
    exif[0x8825] = {1: "N", 2: (48.0, 8.0, 30.0), 3: "E", 4: (11.0, 34.0, 10.0)}  # GPS
    PILImage.fromarray(smooth_rgb(480, 640)).save(photo, exif=exif, quality=90)
    assert PILImage.open(photo).getexif()  # the input really carries EXIF
    code = main(["post", str(photo), "--account", "lms", "--alt", "Skin lesion", "--confirm", "--json", "-q"])
    out = capsys.readouterr()
    assert code == 0, out.err
    written = folder_account / json.loads(out.out)["id"]
    image_file = next(p for p in written.iterdir() if p.name.startswith("image-"))
    data = image_file.read_bytes()
    assert b"PhoneMaker" not in data and b"DOE" not in data
    assert not PILImage.open(image_file).getexif()


def test_accounts_add_prompts_for_the_secret_without_echo(tmp_path):
    import select
    import time

    master, slave = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "radshare", "accounts", "add", "wordpress", "blog", "--url", "https://blog.example.org",
         "--user", "ed", "--no-verify", "--insecure-keyring"],
        stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        seen = b""
        deadline = time.monotonic() + 60
        while b"Application password:" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([process.stderr], [], [], 1)
            if ready:
                seen += os.read(process.stderr.fileno(), 4096)
        assert b"Application password:" in seen, seen
        time.sleep(0.2)  # getpass has turned echo off (and flushed pending input) by now
        os.write(master, b"typed-secret-123\n")
        out, err = process.communicate(timeout=60)
    finally:
        process.kill() if process.poll() is None else None
        os.close(slave)
        os.close(master)
    assert process.returncode == 0, err
    assert b"typed-secret-123" not in out + err + seen
    from radshare.uploaders.accounts import AccountStore

    assert AccountStore().secret("blog") == "typed-secret-123"


def test_discourse_user_api_key_flow_from_the_cli(monkeypatch, capsys):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from radshare.uploaders import discourse

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    monkeypatch.setattr(discourse, "user_api_key_request", lambda url: (f"{url}/user-api-key/new?x", pem, "n0nce"))
    answer = json.dumps({"key": "granted-user-key", "nonce": "n0nce", "push": False, "api": 4}).encode()
    payload = base64.b64encode(key.public_key().encrypt(answer, padding.PKCS1v15())).decode()
    monkeypatch.setattr(sys, "stdin", io.StringIO(payload[:100] + "\n" + payload[100:] + "\n\n"))
    code = main(["accounts", "add", "discourse", "forum", "--url", "https://forum.example.org", "--user-api-key-flow", "--no-verify"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "/user-api-key/new" in out.err and "granted-user-key" not in out.out + out.err
    from radshare.uploaders.accounts import AccountStore

    assert AccountStore().secret("forum") == "granted-user-key"
