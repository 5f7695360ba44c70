"""`radshare post`: originals are de-identified first, the gate holds back unsafe posts, exit codes."""

from __future__ import annotations

import io
import json
import sys

import pytest

from radshare.cli import main
from tests.uploaders.uploader_samples import BIRTH_DATE, INSTITUTION, PATIENT_ID, write_sample_dicom


@pytest.fixture
def folder_account(tmp_path, monkeypatch):
    out = tmp_path / "shared"
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["accounts", "add", "folder", "lms", "--set", f"folder={out}"]) == 0
    return out


@pytest.fixture
def original(tmp_path):
    return write_sample_dicom(tmp_path / "DOE_JANE_IM0001.dcm")


def _entries(folder):
    return sorted(folder.iterdir()) if folder.exists() else []


def test_original_dicom_is_deidentified_before_it_is_posted(folder_account, original, capsys):
    code = main(["post", str(original), "--account", "lms", "--caption", "Normal chest.", "--alt", "Chest radiograph",
                 "--confirm", "--json", "-q"])
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    written = folder_account / result["id"]
    files = sorted(p.name for p in written.iterdir())
    assert files == ["image-1.png", "post.json", "post.md"]
    for path in written.iterdir():
        data = path.read_bytes()
        for value in (b"DOE", b"JANE", PATIENT_ID.encode(), BIRTH_DATE.encode(), INSTITUTION.encode()):
            assert value not in data, f"{path.name} holds a patient value"
    assert result["images"][0]["width"] == 512


def test_without_confirm_and_without_a_terminal_nothing_is_posted(folder_account, original, capsys):
    code = main(["post", str(original), "--account", "lms", "--alt", "Chest radiograph"])
    assert code == 2
    assert "--confirm" in capsys.readouterr().err
    assert _entries(folder_account) == []


def test_caption_naming_the_patient_is_held_back_without_repeating_the_name(folder_account, original, capsys):
    code = main(["post", str(original), "--account", "lms", "--caption", "Jane Doe, follow-up", "--alt", "Chest", "--confirm"])
    err = capsys.readouterr().err
    assert code == 1 and "held back" in err and "name" in err
    assert "Jane" not in err and "Doe" not in err
    assert _entries(folder_account) == []


def test_alt_text_with_the_patient_id_is_held_back(folder_account, original, capsys):
    code = main(["post", str(original), "--account", "lms", "--alt", f"Chest of {PATIENT_ID}", "--confirm"])
    err = capsys.readouterr().err
    assert code == 1 and "ID" in err and PATIENT_ID not in err
    assert _entries(folder_account) == []


def test_missing_alt_text_without_a_terminal_is_held_back(folder_account, original, capsys):
    assert main(["post", str(original), "--account", "lms", "--confirm"]) == 1
    assert "alt text" in capsys.readouterr().err
    assert _entries(folder_account) == []


def test_an_unreadable_input_posts_nothing(folder_account, original, tmp_path, capsys):
    junk = tmp_path / "notes.dcm"
    junk.write_bytes(b"this is not an image")
    assert main(["post", str(original), str(junk), "--account", "lms", "--alt", "Chest", "--confirm"]) == 1
    assert "nothing posted" in capsys.readouterr().err
    assert _entries(folder_account) == []


def test_unknown_account_is_a_usage_error(original, capsys):
    assert main(["post", str(original), "--account", "nobody", "--alt", "x", "--confirm"]) == 2


def test_an_unexpected_failure_is_reported_by_type_only(folder_account, original, monkeypatch, capsys):
    import radshare.core.pipeline as pipeline

    def broken(item, settings):
        raise ValueError("header value DOE^JANE could not be parsed")

    monkeypatch.setattr(pipeline, "shareable_image", broken)
    assert main(["post", str(original), "--account", "lms", "--alt", "Chest", "--confirm"]) == 1
    err = capsys.readouterr().err
    assert "ValueError" in err and "JANE" not in err.replace(str(original), "")
    assert _entries(folder_account) == []
