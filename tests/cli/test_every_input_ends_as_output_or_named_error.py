"""Broken and odd inputs never stop a batch: each ends as an output or a named error, on stderr
and in the report, which is always written."""

from __future__ import annotations

import fcntl
import io
import json
import os
import struct
import zipfile
from pathlib import Path

import pydicom
import pytest

from radshare.cli import main
from tests.fixtures import hostile
from tests.fixtures.dicom_factory import make_image, to_bytes
from tests.fixtures.installation_key import use_fixed_key


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    use_fixed_key(tmp_path, monkeypatch)


def _run(tmp_path, capsys, inputs, *extra) -> tuple[int, dict, str]:
    report = tmp_path / "report.json"
    code = main(["deid", *map(str, inputs), "-o", str(tmp_path / "out"), "--report", str(report),
                 "--workers", "1", "--text-redaction", "off", *extra])
    err = capsys.readouterr().err
    return code, json.loads(report.read_text()), err


def _dicom(seed: int = 0, **kw) -> bytes:
    return to_bytes(make_image(rows=8, cols=8, seed=seed, **kw))


def _entries(report: dict) -> dict[str, dict]:
    return {entry["input"]: entry for entry in report["files"]}


def test_damaged_encrypted_and_deflate64_zip_members_are_their_own_errors(tmp_path, capsys):
    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for number in range(4):
            z.writestr(f"{number}.dcm", _dicom(seed=number))
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as z:
        infos = {info.filename: info for info in z.infolist()}
    # 1.dcm: a flipped byte in its data (CRC); 2.dcm: marked encrypted; 3.dcm: deflate64 (method 9)
    start = lambda info: info.header_offset + 30 + len(info.filename.encode())  # noqa: E731
    data[start(infos["1.dcm"]) + 40] ^= 0xFF
    for name, offset, value in (("2.dcm", 6, 0x1), ("3.dcm", 8, 9)):
        info = infos[name]
        (flags,) = struct.unpack_from("<H", data, info.header_offset + 6)
        if offset == 6:
            struct.pack_into("<H", data, info.header_offset + 6, flags | value)
        else:
            struct.pack_into("<H", data, info.header_offset + 8, value)
        central = _central_entry(data, name)
        if offset == 6:
            (cflags,) = struct.unpack_from("<H", data, central + 8)
            struct.pack_into("<H", data, central + 8, cflags | value)
        else:
            struct.pack_into("<H", data, central + 10, value)
    archive.write_bytes(bytes(data))
    code, report, err = _run(tmp_path, capsys, [archive])
    entries = _entries(report)
    assert code == 1 and len(entries) == 4
    assert entries[f"{archive}!0.dcm"]["status"] == "ok"
    reasons = {name: entries[f"{archive}!{name}"]["error"] for name in ("1.dcm", "2.dcm", "3.dcm")}
    assert "zip member cannot be read" in reasons["1.dcm"]
    assert "encrypted" in reasons["2.dcm"]
    assert "compression method" in reasons["3.dcm"]
    for name, reason in reasons.items():
        assert f"radshare: error: {archive}!{name}: {reason}" in err


def _central_entry(data: bytearray, name: str) -> int:
    position = 0
    while True:
        position = data.index(b"PK\x01\x02", position)
        (length,) = struct.unpack_from("<H", data, position + 28)
        if bytes(data[position + 46 : position + 46 + length]) == name.encode():
            return position
        position += 4


def test_two_zip_members_with_one_name_are_each_processed(tmp_path, capsys):
    archive = tmp_path / "twice.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.dcm", _dicom(seed=1))
        with pytest.warns(UserWarning, match="Duplicate name"):
            z.writestr("a.dcm", _dicom(seed=2))
    code, report, err = _run(tmp_path, capsys, [archive])
    assert code == 0, err
    outputs = [entry["outputs"] for entry in report["files"]]
    assert [entry["status"] for entry in report["files"]] == ["ok", "ok"]
    assert len({tuple(o) for o in outputs}) == 2  # two instances, two outputs
    assert sorted(entry["input"] for entry in report["files"]) == [f"{archive}!a.dcm", f"{archive}!a.dcm #2"]


def test_what_a_folder_holds_besides_files_is_named(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.dcm").write_bytes(_dicom())
    made = hostile.not_files(folder)
    code, report, err = _run(tmp_path, capsys, [folder])
    entries = _entries(report)
    assert code == 1
    assert entries[str(folder / "good.dcm")]["status"] == "ok"
    expected = {
        "dangling link": "dangling symbolic link",
        "link loop": "symbolic link loop",
        "fifo": "named pipe (FIFO)",
        "path too long": "path too long",
    }
    for what, words in expected.items():
        named = [name for name, entry in entries.items() if words in (entry["error"] or "")]
        assert named, f"{what} not named in the report"
        assert any(line.startswith("radshare: error:") and words in line for line in err.splitlines()), what


def test_a_fifo_a_device_a_missing_file_and_a_truncated_zip_named_directly_are_errors(tmp_path, capsys):
    fifo = tmp_path / "pipe.dcm"
    os.mkfifo(fifo)
    truncated = tmp_path / "cut.zip"
    with zipfile.ZipFile(truncated, "w") as z:
        z.writestr("a.dcm", _dicom())
    truncated.write_bytes(truncated.read_bytes()[:60])
    missing = tmp_path / "missing.dcm"
    code, report, err = _run(tmp_path, capsys, [fifo, Path("/dev/zero"), missing, truncated])
    entries = _entries(report)
    assert code == 1 and report["summary"]["error"] == 4
    assert "named pipe" in entries[str(fifo)]["error"]
    assert "a device, not a file" in entries["/dev/zero"]["error"]
    assert "no such file" in entries[str(missing)]["error"]
    assert "cannot read the zip archive" in entries[str(truncated)]["error"]
    for path in (fifo, "/dev/zero", missing, truncated):
        assert f"radshare: error: {path}: " in err


def test_names_that_are_not_utf8_or_hold_newlines_are_escaped_and_cannot_forge_lines(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/caf\xe9.dcm"
    with open(raw, "wb") as handle:
        handle.write(b"not dicom at all")
    forged = folder / "x.dcm\nradshare: error: forged.dcm: fake"
    forged.write_bytes(b"also not dicom")
    os.symlink(folder / "gone", folder / "link: with a colon.dcm")  # a listing problem under such a name
    code, report, err = _run(tmp_path, capsys, [folder])
    assert code == 1
    entries = _entries(report)
    assert f"{folder}/caf\\xe9.dcm" in entries
    assert f"{folder}/x.dcm\\nradshare: error: forged.dcm: fake" in entries
    assert "dangling symbolic link" in entries[f"{folder}/link: with a colon.dcm"]["error"]
    assert not any(line.startswith("radshare: error: forged.dcm") for line in err.splitlines())
    assert err.count("radshare: error:") == 3


def test_a_second_run_into_a_busy_output_folder_is_refused_and_leaves_its_files(tmp_path, capsys):
    source = tmp_path / "a.dcm"
    source.write_bytes(_dicom())
    out = tmp_path / "out"
    out.mkdir()
    in_flight = out / ".part-abc123"
    in_flight.write_bytes(b"half written by the first run")
    holder = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a first run holds
        code = main(["deid", str(source), "-o", str(out), "--workers", "1"])
        err = capsys.readouterr().err
    finally:
        os.close(holder)
    assert code == 2 and "another RadShare run is writing into" in err
    assert in_flight.exists()
    assert main(["deid", str(source), "-o", str(out), "--workers", "1", "-q"]) == 0  # free again
    assert not in_flight.exists() and [p.name for p in out.iterdir()] != []


def test_an_output_that_is_a_file_or_cannot_be_created_is_a_usage_error(tmp_path, capsys):
    source = tmp_path / "a.dcm"
    source.write_bytes(_dicom())
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(["deid", str(source), "-o", str(a_file)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert main(["deid", str(source), "-o", str(a_file / "below")]) == 2
    err = capsys.readouterr().err
    assert "cannot be created (a part of the path is a file)" in err and "Traceback" not in err


@pytest.mark.parametrize("errno_name, words", [("EROFS", "the output folder is read-only"), ("ENOSPC", "no space left on device")])
def test_an_output_folder_that_refuses_writes_gives_the_reason(tmp_path, capsys, monkeypatch, errno_name, words):
    import errno

    from radshare.core import pipeline

    def refuse(path, data, durable=False):
        raise OSError(getattr(errno, errno_name), os.strerror(getattr(errno, errno_name)))

    monkeypatch.setattr(pipeline, "atomic_write_bytes", refuse)
    source = tmp_path / "a.dcm"
    source.write_bytes(_dicom())
    code, report, err = _run(tmp_path, capsys, [source])
    assert code == 1
    assert report["files"][0]["error"] == f"the output cannot be written ({words}); nothing was written"
    assert "OSError" not in err


def test_output_folders_are_named_by_a_defined_modality_only(tmp_path, capsys):
    ds = make_image(rows=8, cols=8, modality="CT")
    ds.Modality = "JANE"  # a header value may hold anything
    source = tmp_path / "odd.dcm"
    source.write_bytes(to_bytes(ds))
    code, report, err = _run(tmp_path, capsys, [source])
    assert code == 0, err
    output = Path(report["files"][0]["outputs"][0])
    assert "JANE" not in str(output) and output.parent.name.startswith("S001-OT-")


def test_explicit_vr_declared_but_implicit_written_is_processed(tmp_path, capsys):
    ds = make_image(rows=8, cols=8)
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    explicit, implicit = to_bytes(ds, "explicit-le"), to_bytes(ds, "implicit-le")
    end = lambda data: 144 + struct.unpack_from("<I", data, 140)[0]  # noqa: E731
    source = tmp_path / "mismatch.dcm"
    source.write_bytes(explicit[: end(explicit)] + implicit[end(implicit) :])
    with pytest.warns(UserWarning, match="implicit VR"):
        code, report, err = _run(tmp_path, capsys, [source])
    assert code == 0, err
    out = pydicom.dcmread(report["files"][0]["outputs"][0])
    assert out.ImageType == ["ORIGINAL", "PRIMARY"] and out.file_meta.TransferSyntaxUID == pydicom.uid.ImplicitVRLittleEndian


def test_copies_of_one_instance_give_the_lossless_one_every_run_and_the_report_says_so(tmp_path, capsys):
    ds = make_image(rows=64, cols=64, bits=16)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-lossy.dcm").write_bytes(_same_instance(ds, pydicom.uid.JPEG2000, j2k_cr=[10]))  # first in path order
    (folder / "b-plain.dcm").write_bytes(to_bytes(ds, "explicit-le"))
    (folder / "c-rle.dcm").write_bytes(_same_instance(ds, pydicom.uid.RLELossless))
    runs = []
    for run in range(2):
        report = tmp_path / f"report{run}.json"
        out = tmp_path / f"out{run}"
        assert main(["deid", str(folder), "-o", str(out), "--report", str(report), "--workers", "2", "-q",
                     "--text-redaction", "off"]) == 0
        capsys.readouterr()
        runs.append((json.loads(report.read_text()), out))
    for report, out in runs:
        entries = _entries(report)
        chosen = entries[str(folder / "b-plain.dcm")]
        assert chosen["status"] == "ok" and sorted(chosen["merged"]) == [str(folder / "a-lossy.dcm"), str(folder / "c-rle.dcm")]
        for other in ("a-lossy.dcm", "c-rle.dcm"):
            assert entries[str(folder / other)]["status"] == "skipped"
            assert f"same instance as {folder / 'b-plain.dcm'}" in entries[str(folder / other)]["error"]
        written = pydicom.dcmread(chosen["outputs"][0])
        assert written.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    first, second = (sorted(p.read_bytes() for p in out.rglob("*.dcm")) for _, out in runs)
    assert first == second


def _same_instance(ds, syntax, **options) -> bytes:
    """`ds` compressed in `syntax`, keeping its SOP Instance UID (pydicom makes a new one by default)."""
    import copy

    copied = copy.deepcopy(ds)
    copied.compress(syntax, generate_instance_uid=False, **options)
    buffer = io.BytesIO()
    copied.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
