"""Every path where text leaves goes through the one free-text de-identifier.

Notes (a relative's and a doctor's name in a history, a partial address), the case book, a name
taken only from a file name, captions and hashtags at the PHI gate, exported alt text (failing
closed), annotation labels, and OCR text kept as a teaching label.
"""

from __future__ import annotations

import numpy as np
import pytest

from radshare.core import render
from radshare.core.deid.text import deidentify_text, identifiers_from_names
from radshare.core.errors import ConfigError
from radshare.core.model import Annotation, Identifiers
from radshare.core.notes import parse_markdown, scrub_notes
from radshare.core.redact.ocr import may_keep_as_label
from radshare.core.sample import sample_photo_bytes
from radshare.core.sources import image_from_dataset
from tests.fixtures.dicom_factory import make_image
from tests.fixtures.leakscan import scan_tree

HISTORY = """# Lung mass

## History
Smoker with weight loss. Her daughter Brelinda drove her in from Quastleford; lives at 12 Sample Street.
Referred by Dr Vontaskell, seen by Mr Young in clinic.

## Findings
Spiculated 3 cm mass in the right upper lobe with hilar lymphadenopathy.
"""


def test_a_relatives_and_a_doctors_name_and_a_partial_address_leave_the_history():
    cleaned, replaced = scrub_notes(parse_markdown(HISTORY), Identifiers())
    text = cleaned.to_markdown()
    for leaked in ("Brelinda", "Quastleford", "Vontaskell", "Young", "12 Sample Street", "Sample"):
        assert leaked not in text, leaked
    for kept in ("Smoker with weight loss", "Her daughter", "Referred by Dr", "Spiculated 3 cm mass in the right upper lobe"):
        assert kept in text, kept
    assert {r.category for r in replaced} == {"address", "word"}


def test_a_name_only_in_the_file_names_leaves_neither_notes_nor_the_case_book(tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    from radshare.core.export.caseset import ExportOptions, discover_cases, export_caseset
    from radshare.core.pipeline import settings_for_installation

    case = tmp_path / "in" / "chest case"
    case.mkdir(parents=True)
    (case / "LINTORHOLT_PRAVE_0042.jpg").write_bytes(sample_photo_bytes())
    (case / "case.md").write_text("# Chest pain\n\nLINTORHOLT presented with chest pain. MRN LINTORHOLT.\n"
                                   "Prave lives at 12 Sample Street.\n")
    out = tmp_path / "out"
    export_caseset(discover_cases([tmp_path / "in"]), out, settings_for_installation(text_redaction="off"), ExportOptions())
    notes = (out / "Case-01" / "case.md").read_text()
    assert "presented with chest pain" in notes and "[NAME]" in notes
    assert scan_tree(out, ["LINTORHOLT", "PRAVE", "Sample Street", "0042"]) == []
    assert "index.html" in {p.name for p in out.iterdir()}


def test_identifiers_are_taken_from_file_and_folder_names():
    found = identifiers_from_names("/cases/SMITH_JOHN_12345/IMG_0001.jpg", "KRELVON-20240314.png")
    assert {"SMITH", "JOHN", "KRELVON"} <= set(found.names)
    assert "12345" in found.ids and "20240314" in found.dates
    assert "IMG" not in found.names and "cases" not in found.names
    assert deidentify_text("smith and john came", found).text == "[NAME] and [NAME] came"


def test_the_gate_holds_back_a_caption_or_hashtag_with_a_word_it_does_not_know():
    from radshare.uploaders.base import Post, PreparedImage
    from radshare.uploaders.gate import GateImage, check_post

    def problems(caption, alt="Chest radiograph with a left pneumothorax"):
        post = Post(images=[PreparedImage(b"x", "png", 10, 10, alt_text=alt)], caption=caption)
        return [p for p in check_post(post, [GateImage(True, True)], right_to_share=True)]

    assert problems("Left pneumothorax, note the deep sulcus sign. #RadEd #FOAMrad") == []
    found = problems("Thanks to Dr Quorvane for this case #RadEd")
    assert found and "does not know" in found[0].message and "Quorvane" not in found[0].message
    assert problems("Classic case #Brelindasfamily")
    assert problems("Pneumothorax", alt="Radiograph of Mrs Oxley-Prandt")[0].image == 1


def test_the_gate_does_not_swallow_a_failing_de_identifier(monkeypatch):
    from radshare.uploaders import gate
    from radshare.uploaders.base import Post, PreparedImage

    def broken(*_args, **_kwargs):
        raise ConfigError("the vocabulary of the free-text de-identifier is missing")

    monkeypatch.setattr(gate, "core_find_identifiers", broken)
    post = Post(images=[PreparedImage(b"x", "png", 10, 10, alt_text="Chest radiograph")], caption="Pneumothorax")
    with pytest.raises(ConfigError):
        gate.check_post(post, [gate.GateImage(True, True)], right_to_share=True)


def test_exported_alt_text_is_cleaned_and_nothing_is_exported_when_cleaning_cannot_run(tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    from radshare.core import render as core_render
    from radshare.gui import export_job

    ds = make_image(rows=32, cols=32)
    image = image_from_dataset(ds, str(tmp_path / "VELSTRAND_MIRA_777.dcm"))
    item = export_job.ExportItem(image=image, view=core_render.View(center=40.0, width=400.0), frame=0,
                                 alt_text="CT of Velstrand, seen by Dr Quorvane")
    written = export_job.export_items([item], export_job.ExportOptions(fmt="png", out_dir=tmp_path / "out",
                                                                          unreviewed_confirmed=True))
    alt = (tmp_path / "out" / "RadShare-alt-text.json").read_text()
    assert len(written) == 1 and "Velstrand" not in alt and "Quorvane" not in alt and "CT of" in alt

    def broken(*_args, **_kwargs):
        raise ConfigError("the vocabulary of the free-text de-identifier is missing")

    import radshare.core.deid.text as text_module

    monkeypatch.setattr(text_module, "deidentify_text", broken)
    with pytest.raises(ConfigError):
        export_job.export_items([item], export_job.ExportOptions(fmt="png", out_dir=tmp_path / "out2",
                                                                 unreviewed_confirmed=True))
    assert not (tmp_path / "out2").exists() or not any((tmp_path / "out2").iterdir())


def test_a_label_naming_someone_only_the_file_name_knows_is_drawn_cleaned(tmp_path):
    ds = make_image(rows=128, cols=256, bits=16)
    image = image_from_dataset(ds, str(tmp_path / "KRELVON_ASTA" / "scan.dcm"))
    view = render.View(center=1000.0, width=2000.0)

    def label(text):
        return render.render_frame(image, 0, view, [Annotation(kind="text", points=[(10.0, 40.0), (60.0, 90.0)],
                                                               text=text, font_size=20)])

    assert np.array_equal(label("Krelvon fracture"), label("[NAME] fracture"))
    assert np.array_equal(label("Dr Quorvane"), label("Dr [removed]"))
    assert np.array_equal(label("L"), label("L")) and not np.array_equal(label("L"), label("R"))


@pytest.mark.parametrize("text, allowed", [
    ("L", True), ("AP SUPINE", True), ("R LAT", True), ("", True),
    ("SMITH", False), ("XK29QF7B", False), ("14/03/2024", False), ("DOE J", False),
])
def test_ocr_text_is_kept_as_a_teaching_label_only_when_the_de_identifier_keeps_it(text, allowed):
    assert may_keep_as_label(text, Identifiers(names=["DOE", "JANE"])) is allowed
