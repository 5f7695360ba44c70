"""Case-set export: numbered cases, cine loops, scrubbed notes, manifest, resume, cancel, failures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image as PILImage
from pydicom.uid import generate_uid

from radshare.core.export.caseset import ExportOptions, discover_cases, export_caseset
from radshare.core.pipeline import settings_for_installation
from radshare.core.sample import sample_photo_bytes
from tests.fixtures.dicom_factory import make_image, to_bytes
from tests.fixtures.leakscan import scan_tree

# What the fake patient's originals carry (tests/fixtures/dicom_factory.PATIENT and make_image).
PHI = ["DOE", "JANE", "PID-314159", "314159", "19700314", "14/03/1970", "Test Infirmary", "ACC-2718", "20240612"]
NOTES = """# Pneumothorax

## History
Jane Doe (MRN PID-314159, born 14/03/1970) attended Test Infirmary on 12 June 2024. Call 020 7946 0958.

## Findings
Left apical pneumothorax, 2 cm rim.

## Diagnosis
Spontaneous pneumothorax.

## Tags
chest, CT, emergency
"""



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


def write_case(folder: Path, slices: int = 4, photos: int = 1, notes: str | None = NOTES, size: int = 64) -> Path:
    """A case of the fake patient: one CT series in a nested folder, photos and notes."""
    series = generate_uid()
    study = generate_uid()
    for index in range(slices):
        ds = make_image(rows=size, cols=size, study_uid=study, series_uid=series, seed=index)
        ds.ImagePositionPatient = [0, 0, float(index)]
        (folder / "DICOM" / "DOE_JANE").mkdir(parents=True, exist_ok=True)
        (folder / "DICOM" / "DOE_JANE" / f"IM{index:04d}").write_bytes(to_bytes(ds))
    for index in range(photos):
        (folder / f"jane_doe_{index}.jpg").write_bytes(sample_photo_bytes())
    if notes is not None:
        (folder / "case.md").write_text(notes)
    return folder


def settings():
    return settings_for_installation(text_redaction="off")


def export(inputs, out, **kw):
    options = kw.pop("options", ExportOptions(cine="mp4", dicom=True))
    return export_caseset(discover_cases(inputs), out, settings(), options, **kw)


def test_a_set_of_two_cases_becomes_numbered_folders_with_images_cine_notes_and_book(tmp_path):
    write_case(tmp_path / "in" / "doe_jane_ptx", slices=5)
    write_case(tmp_path / "in" / "second_case", slices=3, photos=2)
    out = tmp_path / "out"
    result = export([tmp_path / "in"], out)

    assert not result.failed
    assert sorted(p.name for p in out.iterdir()) == ["Case-01", "Case-02", "index.html", "manifest.csv", "manifest.json"]
    case = out / "Case-01"
    assert sorted(p.name for p in (case / "images").iterdir()) == ["P01.jpg", "S01-CT-0003.png"]
    assert len(list((case / "dicom" / "S01-CT").iterdir())) == 5
    reader = imageio_ffmpeg.read_frames(str(case / "cine" / "S01-CT.mp4"))
    meta = next(reader)
    assert meta["codec"] == "h264" and sum(1 for _ in reader) == 5
    notes = (case / "case.md").read_text()
    assert "Left apical pneumothorax" in notes and "[NAME]" in notes
    rows = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text())))
    assert [r["case_id"] for r in rows] == ["Case-01", "Case-02"]
    assert rows[0]["title"] == "Pneumothorax"
    assert rows[0]["modalities"] == "CT photo" and rows[0]["cine_loops"] == "1" and rows[1]["photos"] == "2"
    assert rows[0]["diagnosis"] == "Spontaneous pneumothorax." and rows[0]["tags"] == "chest; CT; emergency"
    summary = {c.case_id: c.to_json() for c in result.cases}
    assert summary["Case-01"]["notes_scrubbed"] == {"date": 2, "id": 1, "institution": 1, "name": 1, "phone": 1}
    assert summary["Case-01"]["files"] == {"ok": 6, "error": 0, "skipped": 0}
    html = (out / "index.html").read_text()
    for reference in json.loads((out / "manifest.json").read_text())["cases"][0]["files"]["thumbs"]:
        assert f'src="{reference}"' in html and (out / reference).is_file()
    assert "http://" not in html and "https://" not in html


def test_nothing_in_the_set_names_the_patient(tmp_path):
    write_case(tmp_path / "in" / "doe_jane_ptx")
    out = tmp_path / "out"
    result = export([tmp_path / "in"], out, options=ExportOptions(cine="gif", dicom=True, zip_archive=True))
    assert leaks(out, PHI) == []
    assert leaks(result.zip_path, PHI) == []
    assert result.zip_path == tmp_path / "out.zip"
    # what the scrubber replaced is reported as categories and counts only
    report = json.dumps([{k: v for k, v in c.items() if k != "input"} for c in result.report.extra["cases"]])
    assert not [token for token in PHI if token.lower() in report.lower()]


def test_adding_a_case_later_keeps_every_other_number(tmp_path):
    write_case(tmp_path / "in" / "bravo", slices=2, notes=NOTES.replace("Pneumothorax\n", "Bravo\n", 1))
    write_case(tmp_path / "in" / "delta", slices=2, notes=NOTES.replace("Pneumothorax\n", "Delta\n", 1))
    out = tmp_path / "out"
    export([tmp_path / "in"], out)
    first = {p.name: (p / "case.md").read_text().splitlines()[0] for p in out.glob("Case-*")}
    assert first == {"Case-01": "# Bravo", "Case-02": "# Delta"}

    write_case(tmp_path / "in" / "alpha", slices=2, notes=NOTES.replace("Pneumothorax\n", "Alpha\n", 1))
    result = export([tmp_path / "in"], out)
    titles = {p.name: (p / "case.md").read_text().splitlines()[0] for p in out.glob("Case-*")}
    assert titles == {"Case-01": "# Bravo", "Case-02": "# Delta", "Case-03": "# Alpha"}
    assert {c.case_id: c.status for c in result.cases} == {"Case-01": "skipped", "Case-02": "skipped", "Case-03": "ok"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert [c["case_id"] for c in manifest["cases"]] == ["Case-01", "Case-02", "Case-03"]
    assert sorted(manifest["case_keys"].values()) == [1, 2, 3]


def test_a_rerun_skips_finished_cases_and_clears_what_a_stopped_run_left(tmp_path):
    write_case(tmp_path / "in" / "one", slices=2)
    out = tmp_path / "out"
    export([tmp_path / "in"], out)
    image = out / "Case-01" / "images" / "S01-CT-0002.png"
    stamp = image.stat().st_mtime_ns
    (out / ".Case-02.partial" / "images").mkdir(parents=True)
    (out / ".Case-02.partial" / "images" / "x.png").write_bytes(b"half")
    (out / "Case-01" / ".part-abc").write_bytes(b"half")
    result = export([tmp_path / "in"], out)
    assert [c.status for c in result.cases] == ["skipped"]
    assert image.stat().st_mtime_ns == stamp
    assert not (out / ".Case-02.partial").exists() and not (out / "Case-01" / ".part-abc").exists()


def test_cancel_leaves_only_complete_cases(tmp_path):
    # Enough cases that the work already handed to the pool when the cancel comes (the files
    # running and queued) cannot be all of them, on a fast machine too.
    names = tuple("abcdefghijklmn")
    for name in names:
        write_case(tmp_path / "in" / name, slices=3)
    out = tmp_path / "out"
    seen = []

    def progress(event):
        seen.append(event)

    result = export([tmp_path / "in"], out, progress=progress, cancel=lambda: any(e.cases_done >= 1 and e.files_done for e in seen))
    assert result.cancelled
    finished = sorted(p.name for p in out.glob("Case-*"))
    assert finished[:1] == ["Case-01"] and len(finished) < len(names)
    assert all(json.loads((out / name / "case.json").read_text())["complete"] for name in finished)
    assert not list(out.glob(".*")) and not list(out.rglob(".part-*"))
    assert [c["case_id"] for c in json.loads((out / "manifest.json").read_text())["cases"]] == finished
    # the result counts what is on disk: a case dropped by the cancel is not reported as written
    written = sorted(c.case_id for c in result.cases if c.status == "ok")
    assert written == finished
    assert all(c.error and "cancelled" in c.error for c in result.cases if c.case_id not in finished)
    again = export([tmp_path / "in"], out)
    assert [c.status for c in again.cases] == ["skipped"] * len(finished) + ["ok"] * (len(names) - len(finished))


def test_a_broken_file_is_reported_and_the_rest_of_the_set_finishes(tmp_path):
    write_case(tmp_path / "in" / "good", slices=2)
    bad = write_case(tmp_path / "in" / "bad", slices=3)
    victim = bad / "DICOM" / "DOE_JANE" / "IM0001"
    victim.write_bytes(victim.read_bytes()[:-2000])
    out = tmp_path / "out"
    result = export([tmp_path / "in"], out)
    assert result.failed
    statuses = {Path(c.source).name: c.status for c in result.cases}
    assert statuses == {"bad": "partial", "good": "ok"}
    errors = [f for f in result.report.files if f.status == "error"]
    assert len(errors) == 1 and errors[0].input.endswith("IM0001") and "truncated" in errors[0].error
    bad_case = next(c for c in result.cases if c.status == "partial")
    assert (out / bad_case.case_id / "cine" / "S01-CT.mp4").is_file()  # the other two slices
    assert not json.loads((out / bad_case.case_id / "case.json").read_text())["complete"]
    # the incomplete case is redone on the next run, the good one is not
    victim.unlink()
    again = export([tmp_path / "in"], out)
    assert {Path(c.source).name: c.status for c in again.cases} == {"bad": "ok", "good": "skipped"}


def test_unreadable_notes_fail_only_their_case(tmp_path):
    write_case(tmp_path / "in" / "a", slices=2)
    b = write_case(tmp_path / "in" / "b", slices=2, notes=None)
    (b / "case.yaml").write_text("title: [unclosed\n")
    result = export([tmp_path / "in"], tmp_path / "out")
    by_name = {Path(c.source).name: c for c in result.cases}
    assert by_name["a"].status == "ok"
    assert by_name["b"].status == "error" and "case.yaml" in by_name["b"].error
    assert result.failed


def test_a_gui_sidecar_chooses_the_key_slice_and_its_arrow_is_drawn(tmp_path):
    from radshare.core import annotations_io
    from radshare.core.model import Annotation

    case = write_case(tmp_path / "in" / "annotated", slices=5, photos=0)
    arrow = Annotation(kind="arrow", points=[(10.0, 10.0), (50.0, 50.0)], color="#FFD400", width=3)
    annotations_io.write_sidecar(case / "IM0001.radshare.json", annotations_io.Sidecar(annotations=[arrow]))
    out = tmp_path / "out"
    export([case], out)
    images = sorted(p.name for p in (out / "Case-01" / "images").iterdir())
    assert images == ["S01-CT-0002.png"]
    rgb = np.asarray(PILImage.open(out / "Case-01" / "images" / images[0]).convert("RGB")).astype(int)
    yellow = (rgb[..., 0] > 200) & (rgb[..., 1] > 170) & (rgb[..., 2] < 80)
    assert yellow.sum() > 50


def test_a_multi_frame_image_becomes_its_own_gif_loop(tmp_path):
    case = tmp_path / "in" / "cine"
    case.mkdir(parents=True)
    ds = make_image(rows=48, cols=64, frames=12, modality="XA", sop_class="1.2.840.10008.5.1.4.1.1.12.1")
    ds.FrameTime = 100.0  # 10 frames/s
    (case / "run1.dcm").write_bytes(to_bytes(ds))
    out = tmp_path / "out"
    result = export([case], out, options=ExportOptions(cine="gif"))
    assert not result.failed
    gif = PILImage.open(out / "Case-01" / "cine" / "S01-XA.gif")
    assert gif.n_frames == 12 and gif.info["duration"] == 100
    assert (out / "Case-01" / "images" / "S01-XA-0007.png").is_file()  # the middle frame


def test_discover_takes_a_case_folder_or_a_parent_of_case_folders(tmp_path):
    a = write_case(tmp_path / "set" / "a", slices=1, photos=0)
    b = write_case(tmp_path / "set" / "b", slices=1, photos=0, notes=None)
    (tmp_path / "set" / ".hidden").mkdir()
    assert discover_cases([tmp_path / "set"]) == [a, b]
    assert discover_cases([a]) == [a]
    assert discover_cases([a, tmp_path / "set"]) == [a, b]


def test_outputs_are_named_by_number_and_series_only(tmp_path):
    write_case(tmp_path / "in" / "doe_jane_ptx", slices=2)
    out = tmp_path / "out"
    export([tmp_path / "in"], out)
    names = [p.relative_to(out).as_posix() for p in out.rglob("*")]
    assert not [n for n in names if "doe" in n.lower() or "jane" in n.lower() or "IM000" in n]


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_outputs_as_the_local_executor(tmp_path):
    distributed = pytest.importorskip("distributed")
    write_case(tmp_path / "in" / "one", slices=4)
    write_case(tmp_path / "in" / "two", slices=3)
    local = export([tmp_path / "in"], tmp_path / "local", workers=1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None, silence_logs=40
    ) as cluster:
        remote = export([tmp_path / "in"], tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address)
    assert not local.failed and not remote.failed

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    a, b = files(tmp_path / "local"), files(tmp_path / "dask")
    assert a.keys() == b.keys()
    for name in a:
        if name.endswith(".mp4"):
            continue  # same frames, compared decoded below
        if name == "manifest.json":
            assert json.loads(a[name])["cases"] == json.loads(b[name])["cases"]
            continue
        assert a[name] == b[name], name
    for name in (n for n in a if n.endswith(".mp4")):
        frames = [list(imageio_ffmpeg.read_frames(str(root / name)))[1:] for root in (tmp_path / "local", tmp_path / "dask")]
        assert frames[0] == frames[1]
    assert [f.to_json() | {"outputs": []} for f in local.report.files] == [
        f.to_json() | {"outputs": []} for f in remote.report.files
    ]


def test_cases_exported_earlier_stay_in_the_manifest_when_not_named_again(tmp_path):
    a = write_case(tmp_path / "in" / "a", slices=2, photos=0)
    b = write_case(tmp_path / "in" / "b", slices=2, photos=0)
    out = tmp_path / "out"
    export([a], out)
    export([b], out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [c["case_id"] for c in manifest["cases"]] == ["Case-01", "Case-02"]
    assert sorted(manifest["case_keys"].values()) == [1, 2]
    assert (out / "index.html").read_text().count("<article") == 2


def test_progress_tells_the_set_and_each_case_and_a_cancel_while_reading_writes_no_case(tmp_path):
    for name in ("a", "b"):
        write_case(tmp_path / "in" / name, slices=3, photos=0)
    events = []
    export([tmp_path / "in"], tmp_path / "out", progress=events.append)
    reading = [e for e in events if e.message.startswith("reading")]
    assert [e.cases_done for e in reading] == [0, 1]
    last = events[-1]
    assert (last.cases_done, last.cases_total, last.files_done, last.files_total) == (2, 2, 6, 6)
    per_case = [(e.case_id, e.case_files_done, e.case_files_total) for e in events if e.case_id]
    assert ("Case-01", 3, 3) in per_case and ("Case-02", 3, 3) in per_case

    stopped = export([tmp_path / "in"], tmp_path / "out2", cancel=lambda: True)
    assert stopped.cancelled and not list((tmp_path / "out2").glob("Case-*"))


def test_a_bare_annotation_sidecar_is_read_and_a_damaged_one_is_reported(tmp_path):
    case = write_case(tmp_path / "in" / "c", slices=3, photos=0)
    arrow = {"kind": "arrow", "points": [[5, 5], [40, 40]], "color": "#FF0000", "width": 3}
    (case / "IM0000.radshare.json").write_text(json.dumps({"annotations": [arrow], "regions": []}))
    (case / "IM0002.radshare.json").write_text("{not json")
    result = export([case], tmp_path / "out")
    images = sorted(p.name for p in (tmp_path / "out" / "Case-01" / "images").iterdir())
    assert images == ["S01-CT-0001.png"]
    skipped = [f for f in result.report.files if f.status == "skipped"]
    assert len(skipped) == 1 and "sidecar" in skipped[0].error


def test_a_big_multi_frame_file_is_planned_from_its_header_alone(tmp_path, monkeypatch):
    from radshare.core.export import caseplan

    monkeypatch.setattr(caseplan, "_BIG_FILE", 10_000)  # the 12-frame test file counts as big
    case = tmp_path / "in" / "cine"
    case.mkdir(parents=True)
    (case / "run1.dcm").write_bytes(to_bytes(make_image(rows=48, cols=64, frames=12, modality="XA")))
    deferred = []
    original = caseplan._deferred_dicom
    monkeypatch.setattr(caseplan, "_deferred_dicom", lambda entry: deferred.append(entry) or original(entry))
    result = export([case], tmp_path / "out", options=ExportOptions(cine="gif"))
    assert not result.failed and len(deferred) == 1
    assert (tmp_path / "out" / "Case-01" / "cine" / "S01-XA.gif").is_file()


def _redaction_available() -> bool:
    try:
        from radshare.core.redact import redact_dicom  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not _redaction_available(), reason="the text redaction engine (radshare.core.redact) is not in this tree")
def test_every_cine_frame_and_key_image_has_its_burned_in_text_painted_out(tmp_path):
    from PIL import ImageDraw, ImageFont

    case = tmp_path / "in" / "burned"
    series, study = generate_uid(), generate_uid()
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 16)
    for index in range(4):
        ds = make_image(rows=256, cols=256, study_uid=study, series_uid=series, seed=index)
        pixels = np.frombuffer(ds.PixelData, np.uint16).reshape(256, 256).copy()
        pixels[:60, :] = 0
        label = PILImage.new("L", (256, 60), 0)
        ImageDraw.Draw(label).text((6, 6), "DOE JANE PID-314159", fill=255, font=font)
        pixels[:60, :][np.asarray(label) > 128] = 4000
        ds.PixelData = pixels.tobytes()
        ds.BurnedInAnnotation = "YES"
        ds.WindowCenter, ds.WindowWidth = 2000, 4000
        (case / f"IM{index}").parent.mkdir(parents=True, exist_ok=True)
        (case / f"IM{index}").write_bytes(to_bytes(ds))
    out = tmp_path / "out"
    options = ExportOptions(cine="mp4")
    result = export_caseset(discover_cases([case]), out, settings_for_installation(text_redaction="auto"), options)
    assert not result.failed
    assert result.cases[0].text_regions >= 4, "no text region was found"

    def text_pixels(rgb: np.ndarray) -> int:
        return int((rgb[:40, :200].max(axis=-1) > 200).sum())

    reader = imageio_ffmpeg.read_frames(str(out / "Case-01" / "cine" / "S01-CT.mp4"))
    meta = next(reader)
    frames = [np.frombuffer(f, np.uint8).reshape(meta["size"][1], meta["size"][0], 3) for f in reader]
    assert len(frames) == 4 and all(text_pixels(f) < 20 for f in frames)
    key = np.asarray(PILImage.open(next((out / "Case-01" / "images").iterdir())).convert("RGB"))
    assert text_pixels(key) < 20


def test_an_empty_case_folder_is_an_error_of_that_case_only(tmp_path):
    write_case(tmp_path / "in" / "a", slices=1, photos=0)
    (tmp_path / "in" / "b" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "b" / "sub" / "readme.txt").write_text("nothing here")
    result = export([tmp_path / "in"], tmp_path / "out")
    by_name = {Path(c.source).name: c for c in result.cases}
    assert by_name["a"].status == "ok"
    assert by_name["b"].status == "error" and "no DICOM image" in by_name["b"].error
