"""The sharing ledger never holds an identifier from the inputs, and the folder target withdraws.

A DICOM with a token planted in every place an identifier can hide (tests/fixtures/planted.py), in
a folder and under a file name made of the patient's name and ID, is posted with `radshare post`
to a folder account, listed, found and withdrawn. The planted-token scanner then searches every
byte of the ledger file (and its journal, if any): no token, no part of the input path. The
posted folder is gone after the withdrawal.
"""

from __future__ import annotations

import json

from radshare.cli import main
from radshare.core.ledger import ledger_path
from tests.fixtures.leakscan import scan_bytes
from tests.fixtures.planted import build_planted_dataset


def test_a_planted_dicom_posted_listed_found_and_withdrawn_leaves_no_token_in_the_ledger(tmp_path, capsys):
    ds, tokens = build_planted_dataset(seed=5)
    name, patient_id = str(ds.PatientName), str(ds.PatientID)
    folder = tmp_path / f"{name.replace('^', '_')}-{patient_id}"
    folder.mkdir()
    original = folder / f"{patient_id}_{name.replace('^', '_')}.dcm"
    ds.save_as(original, enforce_file_format=True)
    out = tmp_path / "posts"

    assert main(["accounts", "add", "folder", "lms", "--set", f"folder={out}", "--no-verify"]) == 0
    capsys.readouterr()
    code = main(["post", str(original), "--account", "lms", "--title", "Teaching case", "--caption", "A CT slice.",
                 "--alt", "Axial CT slice", "--basis", "consent", "--basis-ref", "CF-2024-0193", "--confirm",
                 "--text-redaction", "off", "--json", "-q"])
    result = capsys.readouterr()
    assert code == 0, result.err
    posted = json.loads(result.out)
    assert (out / posted["id"]).is_dir()

    assert main(["shared", "list"]) == 0
    assert main(["shared", "find", str(original), str(out / posted["id"] / "image-1.png")]) == 0
    found = capsys.readouterr().out
    assert found.count(f"post {posted['ledger']}") == 2, found
    assert main(["shared", "withdraw", str(posted["ledger"]), "--yes"]) == 0
    assert capsys.readouterr().out.startswith("withdrawn")
    assert not (out / posted["id"]).exists()

    needles = list(tokens) + [name, patient_id, folder.name, original.name, str(folder)]  # the output URL is fine
    ledger = ledger_path()
    files = [p for p in ledger.parent.iterdir() if p.name.startswith(ledger.name)]
    assert files and ledger in files
    for path in files:
        assert scan_bytes(path.read_bytes(), needles) == [], path.name
