"""`radshare deid` end to end: nothing identifying leaves, nothing is lost, re-runs resume."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pydicom
import pytest
from PIL import Image as PILImage

from radshare.cli import main
from radshare.core.sample import BIRTH_DATE, PATIENT_ID, write_sample_case
from tests.fixtures.dicom_factory import broken_files, dcmtk_available, make_image, to_bytes
from tests.fixtures.leakscan import scan_tree
from tests.fixtures.planted import build_planted_dataset

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_VALUES = ["DOE", "JANE", PATIENT_ID, "4471093", BIRTH_DATE, "ACC-88213", "Example General", "HOUSE", "WATSON", "SN-55012", "SSN-078", "Sample Street", "555 0100", "EXAMPLE_PACS", "ExamplePhone", "SERIAL-998877"]


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    """A fixed installation key: new 2.25 UIDs are 39 random-looking digits, and an 8-digit
    planted date could turn up inside one by chance under a random key. Fixed, a run is repeatable."""
    key = tmp_path / "installation.key"
    key.write_text("5a" * 32 + "\n")
    key.chmod(0o600)
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(key))


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _write(ds, path: Path, syntax: str = "explicit-le") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_bytes(ds, syntax))


def _plant_inputs(folder: Path) -> list[str]:
    """Planted data sets in several syntaxes, under names that carry tokens, some in a zip."""
    tokens: list[str] = []
    syntaxes = ["explicit-le", "implicit-le", "deflate", "rle"] + (["explicit-be"] if dcmtk_available() else ["explicit-le"])  # planted images are 8×8: too small for JPEG 2000 tiles
    for seed, syntax in enumerate(syntaxes):
        ds, planted = build_planted_dataset(seed=seed)
        tokens += planted
        name_token = f"NAMETOK{seed}X"
        tokens.append(name_token)
        _write(ds, folder / f"DOE_{name_token}" / f"{name_token}.dcm", syntax)
    ds, planted = build_planted_dataset(seed=99)
    tokens += planted
    with zipfile.ZipFile(folder / "ZIPTOKQQ.zip", "w") as archive:
        archive.writestr("ZIPMEMBERTOK/inner.dcm", to_bytes(ds))
    tokens += ["ZIPTOKQQ", "ZIPMEMBERTOK"]
    return tokens


def test_planted_tokens_never_leave_through_headers_names_or_zips(tmp_path):
    inputs, out, report = tmp_path / "in", tmp_path / "out", tmp_path / "report.json"
    tokens = _plant_inputs(inputs)
    assert len(tokens) > 300

    code = main(["deid", str(inputs), "-o", str(out), "--report", str(report), "--profile", "basic", "--text-redaction", "off", "--workers", "2", "-q"])

    assert code == 0
    outputs = [p for p in out.rglob("*") if p.is_file()]
    assert len(outputs) == 6
    assert scan_tree(out, tokens) == []
    data = json.loads(report.read_text())
    assert data["summary"]["ok"] == 6 and data["summary"]["error"] == 0
    assert all(entry["actions"]["removed"] > 50 for entry in data["files"])


def test_sample_case_identifiers_are_gone_with_the_default_profile(tmp_path):
    sample, out = tmp_path / "sample", tmp_path / "out"
    write_sample_case(sample)
    code = main(["deid", str(sample), "-o", str(out), "--text-redaction", "off", "--workers", "1", "-q"])
    assert code == 0
    hits = scan_tree(out, SAMPLE_VALUES)
    assert hits == []


@pytest.mark.skipif(shutil.which("dcmdump") is None, reason="dcmtk's dcmdump is the independent reader")
def test_every_output_parses_with_an_independent_reader(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    syntaxes = ["explicit-le", "implicit-le", "deflate", "rle", "jpeg2000-lossless", "jpeg2000"]
    if dcmtk_available():
        syntaxes += ["explicit-be", "jpeg-lossless", "jpeg-ls-lossless", "jpeg-extended"]
    for index, syntax in enumerate(syntaxes):
        _write(make_image(frames=2, seed=index), inputs / f"{syntax}.dcm", syntax)
    assert main(["deid", str(inputs), "-o", str(out), "--text-redaction", "off", "--workers", "1", "-q"]) == 0
    written = sorted(out.rglob("*.dcm"))
    assert len(written) == len(syntaxes)
    syntaxes_out = set()
    for path in written:
        result = subprocess.run(["dcmdump", "-q", "+E", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert "DOE^JANE" not in result.stdout and "PID-314159" not in result.stdout
        syntaxes_out.add(str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID))
    assert len(syntaxes_out) >= 6  # untouched pixels keep their transfer syntax


def test_originals_are_never_modified(tmp_path):
    sample, out = tmp_path / "sample", tmp_path / "out"
    write_sample_case(sample)
    before = _snapshot(sample)
    time.sleep(0.01)
    main(["deid", str(sample), "-o", str(out), "--text-redaction", "off", "--workers", "2", "-q"])
    assert _snapshot(sample) == before


def test_broken_inputs_end_as_named_errors_and_the_rest_is_processed(tmp_path, capsys):
    inputs, out, report = tmp_path / "in", tmp_path / "out", tmp_path / "report.json"
    inputs.mkdir()
    for name, (filename, data) in broken_files().items():
        (inputs / filename).write_bytes(data)
    _write(make_image(seed=5), inputs / "good.dcm")

    code = main(["deid", str(inputs), "-o", str(out), "--report", str(report), "--text-redaction", "off", "--workers", "2", "-q"])

    assert code == 1
    entries = {Path(e["input"]).name: e for e in json.loads(report.read_text())["files"]}
    assert entries["good.dcm"]["status"] == "ok"
    for filename, _ in broken_files().values():
        entry = entries[filename]
        assert entry["status"] == "error", filename
        assert entry["error"] and "internal error" not in entry["error"], (filename, entry["error"])
        assert not entry["outputs"]
    assert len(list(out.rglob("*.dcm"))) == 1
    stderr = capsys.readouterr().err
    for filename, _ in broken_files().values():
        assert filename in stderr


@pytest.mark.parametrize("redaction", ["off", "auto"])  # auto paints the ultrasound's burned-in text
def test_rerun_gives_the_same_names_and_uids_and_resumes(tmp_path, redaction):
    sample, out, first, second = tmp_path / "sample", tmp_path / "out", tmp_path / "r1.json", tmp_path / "r2.json"
    write_sample_case(sample)
    args = ["deid", str(sample), "-o", str(out), "--text-redaction", redaction, "--workers", "1", "-q"]
    assert main([*args, "--report", str(first)]) == 0
    before = _snapshot(out)
    assert main([*args, "--report", str(second)]) == 0
    assert _snapshot(out) == before  # same names, same bytes, nothing rewritten
    entries = json.loads(second.read_text())["files"]
    assert all(e["resumed"] for e in entries if e["status"] == "ok")

    # A fresh folder with the same key gives the same names and UIDs.
    again = tmp_path / "again"
    assert main(["deid", str(sample), "-o", str(again), "--text-redaction", redaction, "--workers", "2", "-q"]) == 0
    assert {name: digest for name, (digest, _) in _snapshot(again).items()} == {name: digest for name, (digest, _) in before.items()}


def test_output_inside_an_input_or_report_inside_output_is_refused(tmp_path, capsys):
    sample = tmp_path / "sample"
    write_sample_case(sample)
    assert main(["deid", str(sample), "-o", str(sample / "out")]) == 2
    assert "inside an input" in capsys.readouterr().err
    assert main(["deid", str(sample), "-o", str(tmp_path / "o"), "--report", str(tmp_path / "o" / "r.json")]) == 2
    assert "report" in capsys.readouterr().err
    assert not (sample / "out").exists()


def test_references_inside_sequences_follow_the_instances_they_point_to(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    first = make_image(seed=1)
    second = make_image(seed=2, study_uid=first.StudyInstanceUID, series_uid=first.SeriesInstanceUID)
    reference = pydicom.Dataset()
    reference.ReferencedSOPClassUID = first.SOPClassUID
    reference.ReferencedSOPInstanceUID = first.SOPInstanceUID
    second.ReferencedImageSequence = pydicom.Sequence([reference])
    _write(first, inputs / "a.dcm")
    _write(second, inputs / "b.dcm")
    assert main(["deid", str(inputs), "-o", str(out), "--text-redaction", "off", "--workers", "2", "-q"]) == 0
    done = [pydicom.dcmread(p) for p in sorted(out.rglob("*.dcm"))]
    by_number = {int(ds.InstanceNumber): ds for ds in done}
    a, b = by_number[2], by_number[3]
    assert a.SOPInstanceUID != first.SOPInstanceUID and a.SOPInstanceUID.startswith("2.25.")
    assert b.ReferencedImageSequence[0].ReferencedSOPInstanceUID == a.SOPInstanceUID
    assert b.ReferencedImageSequence[0].ReferencedSOPClassUID == first.SOPClassUID
    assert a.StudyInstanceUID == b.StudyInstanceUID and a.SeriesInstanceUID == b.SeriesInstanceUID
    assert a.file_meta.MediaStorageSOPInstanceUID == a.SOPInstanceUID
    assert a.PatientIdentityRemoved == "YES"


def test_dicomdir_is_followed_but_never_copied(tmp_path):
    from pydicom.fileset import FileSet

    inputs, out, report = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    staging = tmp_path / "staging"
    fileset = FileSet()
    for seed in range(2):
        path = staging / f"{seed}.dcm"
        _write(make_image(seed=seed), path)
        fileset.add(pydicom.dcmread(path))
    fileset.write(inputs)
    dicomdir = inputs / "DICOMDIR"
    assert dicomdir.exists()

    code = main(["deid", str(dicomdir), "-o", str(out), "--report", str(report), "--text-redaction", "off", "--workers", "1", "-q"])

    assert code == 0
    entries = json.loads(report.read_text())["files"]
    assert [e["status"] for e in entries].count("ok") == 2
    assert any(e["status"] == "skipped" and "DICOMDIR" in e["error"] for e in entries)
    assert len(list(out.rglob("*"))) and not [p for p in out.rglob("*") if p.is_file() and p.name.upper() == "DICOMDIR"]
    assert scan_tree(out, ["DOE", "PID-314159"]) == []


def test_console_script_exit_codes_and_messages(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    _write(make_image(), inputs / "ok.dcm")
    (inputs / "letter.dcm").write_text("not an image")
    env = dict(os.environ, RADSHARE_KEY_FILE=str(tmp_path / "key"))
    radshare = [sys.executable, "-m", "radshare"]
    result = subprocess.run([*radshare, "deid", str(inputs), "-o", str(out), "--workers", "1", "--text-redaction", "off"], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "letter.dcm: not a DICOM file" in result.stderr
    assert "Traceback" not in result.stderr
    usage = subprocess.run([*radshare, "deid", str(inputs)], capture_output=True, text=True, env=env)
    assert usage.returncode == 2
    profile = subprocess.run([*radshare, "deid", str(inputs), "-o", str(out), "--profile", "no-such-profile"], capture_output=True, text=True, env=env)
    assert profile.returncode == 2 and "no-such-profile" in profile.stderr and "Traceback" not in profile.stderr


def _ctrl_c_delivered() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_leaves_no_partial_files_and_a_rerun_completes_without_duplicates(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    # Text detection runs on every slice, so the batch lasts seconds, not the fraction of a second
    # a header-only run of small files takes: the interrupt lands mid-batch on a loaded machine too
    # (a busy test process could otherwise look only after a header-only batch had finished).
    count = 160
    for index in range(count):
        template = make_image(rows=192, cols=192, seed=index)
        template.SOPInstanceUID = f"1.2.826.0.1.3680043.10.1001.7.{index}"
        template.InstanceNumber = index + 1
        _write(template, inputs / f"{index:04d}.dcm")
    env = dict(os.environ, RADSHARE_KEY_FILE=str(tmp_path / "key"))
    command = [sys.executable, "-m", "radshare", "deid", str(inputs), "-o", str(out), "--workers", "2", "-q"]
    # A suite started in the background of a non-interactive shell ignores SIGINT, and a child
    # inherits that: Ctrl-C is restored in the child, as a terminal would deliver it.
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, preexec_fn=_ctrl_c_delivered)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.rglob("*.dcm")):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "resume" in stderr
    assert not list(out.rglob(".part-*"))
    partial = len(list(out.rglob("*.dcm")))
    assert 0 < partial < count

    assert subprocess.run(command, env=env).returncode == 0
    assert len(list(out.rglob("*.dcm"))) == count
    assert not list(out.rglob(".part-*"))


def test_photos_leave_as_pixels_only_under_pseudonymous_names(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    write_sample_case(inputs)
    png = io.BytesIO()
    PILImage.new("RGB", (40, 30), (10, 20, 30)).save(png, format="PNG")
    (inputs / "photos" / "DOE_JANE_scan.png").write_bytes(png.getvalue())
    assert main(["deid", str(inputs / "photos"), "-o", str(out), "--text-redaction", "off", "-q"]) == 0
    written = sorted(p.name for p in (out / "photos").iterdir())
    assert sorted(Path(n).suffix for n in written) == [".jpg", ".png"]
    assert scan_tree(out, SAMPLE_VALUES + ["wound", "scan"]) == []


def test_every_image_is_flagged_for_review_when_redaction_is_off(tmp_path, capsys):
    sample, out, report = tmp_path / "sample", tmp_path / "out", tmp_path / "r.json"
    write_sample_case(sample)
    assert main(["deid", str(sample), "-o", str(out), "--report", str(report), "--text-redaction", "off", "--workers", "1"]) == 0
    entries = {Path(e["input"]).parent.name + "/" + Path(e["input"]).name: e for e in json.loads(report.read_text())["files"]}
    assert entries["DOE_JANE_US/US0001"]["needs_text_review"] is True  # Burned In Annotation = YES
    assert entries["DOE_JANE_CT/IM0001.dcm"]["needs_text_review"] is True  # a CT saying NO is not trusted either
    assert entries["photos/jane_doe_wound.jpg"]["needs_text_review"] is True
    assert "may carry burned-in text" in capsys.readouterr().err


def test_heic_photo_from_a_phone_goes_through_the_pipeline_as_jpeg(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    import numpy as np

    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    rgb = np.full((32, 48, 3), 90, dtype=np.uint8)
    buffer = io.BytesIO()
    pillow_heif.from_bytes(mode="RGB", size=(48, 32), data=rgb.tobytes()).save(buffer, quality=90)
    (inputs / "IMG_DOE_0001.HEIC").write_bytes(buffer.getvalue())
    assert main(["deid", str(inputs), "-o", str(out), "--text-redaction", "off", "-q"]) == 0
    written = list((out / "photos").iterdir())
    assert len(written) == 1 and written[0].suffix == ".jpg"
    assert PILImage.open(written[0]).size == (48, 32)


def test_a_rerun_with_other_settings_redoes_what_the_earlier_settings_left(tmp_path):
    """Resuming reuses only outputs the same profile made, with pixels cleaned when this run cleans
    them: turning text redaction on, or changing the profile, must not keep the earlier files."""
    sample, out, report = tmp_path / "sample", tmp_path / "out", tmp_path / "r.json"
    write_sample_case(sample)
    base = ["deid", str(sample), "-o", str(out), "--workers", "1", "-q", "--report", str(report)]
    assert main([*base, "--text-redaction", "off"]) == 0
    assert main([*base, "--text-redaction", "templates-only"]) == 0
    entries = {Path(e["input"]).name: e for e in json.loads(report.read_text())["files"]}
    flagged = entries["US0001"]
    assert not flagged["resumed"] and flagged["text_redaction"] != "earlier run"
    assert pydicom.dcmread(flagged["outputs"][0]).BurnedInAnnotation == "NO"
    assert not entries["IM0001.dcm"]["resumed"]  # every image is scanned: a CT left unscanned is redone
    assert main([*base, "--text-redaction", "templates-only"]) == 0
    assert all(e["resumed"] for e in json.loads(report.read_text())["files"] if e["kind"] == "dicom")
    assert main([*base, "--text-redaction", "templates-only", "--profile", "basic"]) == 0
    dicoms = [e for e in json.loads(report.read_text())["files"] if e["kind"] == "dicom"]
    assert dicoms and not any(e["resumed"] for e in dicoms)
    for entry in dicoms:
        assert str(pydicom.dcmread(entry["outputs"][0]).DeidentificationMethod[0]).endswith("profile basic")
