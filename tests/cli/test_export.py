"""`radshare export`: the CLI contract (exit codes, report), and the case book in a real browser."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from radshare.cli import main
from radshare.core.sample import write_sample_case
from tests.fixtures.leakscan import scan_tree

PHI = ["DOE", "JANE", "4471093", "19700314", "14/03/1970", "Example General", "ACC-88213", "HOUSE", "WATSON"]



_COMPRESSED = (".png", ".jpg", ".mp4", ".gif", ".zip")


def leaks(path: Path, tokens: list[str]) -> list[tuple[str, str]]:
    """Planted tokens found in names or contents. In compressed media (and a zip's raw bytes)
    a 3-4 letter token can occur by chance, so there only tokens of 6+ characters count (zip
    members are scanned decompressed: text, notes and DICOM members count every token)."""

    def by_chance(where: str, token: str) -> bool:
        return len(token) < 6 and where.split("!")[-1].lower().endswith(_COMPRESSED)

    return [(where, token) for where, token in scan_tree(path, tokens) if not by_chance(where, token)]

@pytest.fixture(autouse=True)
def _key(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path_factory.mktemp("key") / "radshare.key"))


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cases")
    for name in ("nodule", "second"):
        write_sample_case(root / name, ct_slices=4)
    return root


def test_export_writes_the_set_and_the_report_of_design_md(cases, tmp_path, capsys):
    out, report = tmp_path / "out", tmp_path / "report.json"
    code = main(["export", str(cases), "-o", str(out), "--cine", "gif", "--dicom", "--zip", "--report", str(report),
                 "--workers", "1", "--text-redaction", "off"])
    assert code == 0, capsys.readouterr().err
    data = json.loads(report.read_text())
    assert {"radshare", "profile", "started", "files", "summary"} <= set(data)
    assert data["summary"]["ok"] == 12 and data["summary"]["error"] == 0 and "seconds" in data["summary"]
    entry = data["files"][0]
    assert {"input", "outputs", "status", "error", "kind", "text_regions", "actions"} <= set(entry)
    assert set(entry["actions"]) == {"removed", "replaced", "emptied", "uids"}
    per_case = {c["case"]: c for c in data["cases"]}
    assert set(per_case) == {"Case-01", "Case-02"}
    first = per_case["Case-01"]
    assert first["status"] == "ok" and first["images"] == 3 and first["cine_loops"] == 1 and first["dicom_files"] == 5
    assert first["notes_scrubbed"] == {"date": 2, "id": 1, "name": 1}
    assert first["actions"]["uids"] > 0
    for output in (o for f in data["files"] for o in f["outputs"]):
        assert Path(output).is_file() and Path(output).is_relative_to(out)
    assert leaks(out, PHI) == [] and leaks(tmp_path / "out.zip", PHI) == []
    err = capsys.readouterr().err
    assert "2 case(s) exported" in err and not [t for t in PHI if t in err]


def test_a_second_run_resumes_and_says_so(cases, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["export", str(cases / "nodule"), "-o", str(out), "--workers", "1", "--text-redaction", "off"]) == 0
    capsys.readouterr()
    assert main(["export", str(cases), "-o", str(out), "--workers", "1", "--text-redaction", "off"]) == 0
    assert "1 already finished" in capsys.readouterr().err
    assert sorted(p.name for p in out.glob("Case-*")) == ["Case-01", "Case-02"]


def test_a_broken_file_exits_1_naming_it_while_the_rest_is_exported(cases, tmp_path, capsys):
    source = tmp_path / "in"
    shutil.copytree(cases, source)
    (source / "second" / "DOE_JANE_CT" / "IM0002.dcm").write_bytes(b"DICM" * 10)
    out, report = tmp_path / "out", tmp_path / "r.json"
    code = main(["export", str(source), "-o", str(out), "--workers", "2", "--report", str(report), "--text-redaction", "off"])
    assert code == 1
    err = capsys.readouterr().err
    assert "IM0002.dcm" in err and "error" in err
    data = json.loads(report.read_text())
    failed = [f for f in data["files"] if f["status"] == "error"]
    assert len(failed) == 1 and failed[0]["error"]
    assert {c["case"]: c["status"] for c in data["cases"]} == {"Case-01": "ok", "Case-02": "partial"}
    assert (out / "Case-02" / "images").is_dir()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--executor", "dask"], "--scheduler"),
        (["--workers", "0"], "--workers"),
        (["--report", "{out}/report.json"], "outside the output folder"),
    ],
)
def test_usage_errors_exit_2(cases, tmp_path, capsys, extra, message):
    out = tmp_path / "out"
    args = [a.replace("{out}", str(out)) for a in extra]
    assert main(["export", str(cases), "-o", str(out), *args]) == 2
    assert message in capsys.readouterr().err


def test_an_input_that_is_not_a_folder_exits_2(tmp_path, capsys):
    stray = tmp_path / "file.dcm"
    stray.write_bytes(b"x")
    assert main(["export", str(stray), "-o", str(tmp_path / "out")]) == 2
    assert "not a folder" in capsys.readouterr().err


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (scripts/apt/casesets.txt lists it)")
        pytest.skip("chromium is not installed here; CI installs it from scripts/apt/casesets.txt")
    return found


def _chromium_args(tmp_path: Path) -> list[str]:
    profile = tmp_path / "chromium-profile"
    return [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "--window-size=1280,900",
        "--virtual-time-budget=3000",
    ]


def test_the_case_book_opens_offline_in_headless_chromium_with_its_thumbnails(cases, tmp_path):
    browser = _chromium()
    out = tmp_path / "out"
    assert main(["export", str(cases), "-o", str(out), "--cine", "mp4", "--workers", "1", "--text-redaction", "off", "-q"]) == 0
    url = (out / "index.html").resolve().as_uri()
    dom = subprocess.run([browser, *_chromium_args(tmp_path), "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0
    assert dom.stdout.count("<article") == 2 and "Solitary pulmonary nodule" in dom.stdout

    def skin_pixels(name: str) -> int:
        shot = tmp_path / name
        subprocess.run([browser, *_chromium_args(tmp_path), f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True)
        rgb = np.asarray(PILImage.open(shot).convert("RGB")).astype(int)
        return int((np.abs(rgb - np.array([214, 170, 150])).max(axis=2) < 20).sum())

    # The sample photo is skin-coloured, a colour found nowhere else on the page: its thumbnails
    # show only when they load from the folder (the same page without them is the control).
    loaded = skin_pixels("book.png")
    for case in out.glob("Case-*"):
        shutil.rmtree(case / "thumbs")
    assert loaded > 2 * 5_000 and skin_pixels("broken.png") == 0


def test_ctrl_c_keeps_finished_cases_whole_and_a_rerun_completes_the_set(tmp_path):
    from tests.core.test_caseset import write_case

    # The interrupt comes when the first case folder appears; cases are assembled one at a time
    # and those still queued are dropped on a cancel, so it cannot find all of them finished.
    cases = 16
    for index in range(cases):
        write_case(tmp_path / "in" / f"case{index:02d}", slices=12, photos=1, size=128)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "radshare", "export", str(tmp_path / "in"), "-o", str(out), "--cine", "mp4",
               "--workers", "2", "--text-redaction", "off"]
    # Ctrl-C restored in the child: a suite started in the background of a shell ignores SIGINT.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy(),
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not any(out.glob("Case-*")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    if process.returncode == 0:
        pytest.skip("the export finished before the interrupt arrived: " + err.decode()[-300:] + str(sorted(p.name for p in out.iterdir())))
    assert process.returncode == 130, err.decode()[-2000:]
    leftovers = [p.relative_to(out).as_posix() for p in [*out.glob(".*"), *out.rglob(".part-*")]]
    assert leftovers == [], err.decode()[-2000:]
    finished = sorted(p.name for p in out.glob("Case-*"))
    assert 1 <= len(finished) < cases
    assert all((out / name / "case.json").is_file() for name in finished)
    assert [c["case_id"] for c in json.loads((out / "manifest.json").read_text())["cases"]] == finished
    assert main(["export", str(tmp_path / "in"), "-o", str(out), "--workers", "1", "--text-redaction", "off", "--cine", "mp4", "-q"]) == 0
    assert len(list(out.glob("Case-*"))) == cases


def test_an_unreachable_dask_scheduler_exits_2_and_writes_nothing(cases, tmp_path, capsys):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    code = main(["export", str(cases), "-o", str(out), "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    assert "scheduler" in capsys.readouterr().err
    assert not out.exists()
