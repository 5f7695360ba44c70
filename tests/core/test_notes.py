"""Case notes in Markdown, YAML and TOML read into the same fields, and are scrubbed."""

from __future__ import annotations

import pytest

from radshare.core.errors import InputError
from radshare.core.model import Identifiers
from radshare.core.notes import CaseNotes, find_notes_file, load_notes, scrub_notes

MARKDOWN = """---
tags: [appendicitis, CT, "#emergency"]
---
# Acute appendicitis

## History
Jane Doe, 62, RLQ pain since 14/03/2024. MRN 12345678.

## Findings
Dilated appendix (12 mm) with fat stranding.

## Diagnosis
Acute appendicitis.

## Discussion
Classic target sign.

## References
- https://radiopaedia.org/articles/appendicitis
- Doe-free reference, Radiology 2015;274:123
"""

YAML = """title: Acute appendicitis
history: |
  Jane Doe presented on 14 Mar 2024.
findings: Dilated appendix.
diagnosis: Acute appendicitis
tags: appendicitis, CT
references:
  - https://radiopaedia.org/articles/appendicitis
teaching point: look for the target sign
"""

TOML = """title = "Acute appendicitis"
history = "Jane Doe presented on 14 Mar 2024."
findings = "Dilated appendix."
diagnosis = "Acute appendicitis"
tags = ["appendicitis", "CT"]
references = ["https://radiopaedia.org/articles/appendicitis"]
"""

JANE = Identifiers(names=["DOE^JANE"], ids=["12345678"], dates=["20240314"])


def test_markdown_notes_with_front_matter_fill_every_field(tmp_path):
    (tmp_path / "case.md").write_text(MARKDOWN)
    notes = load_notes(tmp_path)
    assert notes.title == "Acute appendicitis"
    assert notes.history.startswith("Jane Doe, 62")
    assert notes.findings.startswith("Dilated appendix")
    assert notes.diagnosis == "Acute appendicitis."
    assert notes.tags == ("appendicitis", "CT", "emergency")
    assert notes.references[0] == "https://radiopaedia.org/articles/appendicitis"
    assert dict(notes.sections) == {"Discussion": "Classic target sign."}


@pytest.mark.parametrize("name, text", [("case.yaml", YAML), ("case.toml", TOML), ("CASE.YML", YAML)])
def test_yaml_and_toml_notes_read_into_the_same_fields(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    notes = load_notes(tmp_path)
    assert notes.title == "Acute appendicitis"
    assert notes.history.startswith("Jane Doe presented")
    assert notes.diagnosis == "Acute appendicitis"
    assert notes.tags == ("appendicitis", "CT")
    assert notes.references == ("https://radiopaedia.org/articles/appendicitis",)


def test_unknown_yaml_keys_are_kept_as_sections(tmp_path):
    (tmp_path / "case.yaml").write_text(YAML)
    assert dict(load_notes(tmp_path).sections) == {"teaching point": "look for the target sign"}


def test_a_folder_without_notes_has_none(tmp_path):
    (tmp_path / "image.dcm").write_bytes(b"x")
    assert find_notes_file(tmp_path) is None
    assert load_notes(tmp_path) is None


def test_broken_yaml_is_an_input_error_naming_the_file_not_its_content(tmp_path):
    (tmp_path / "case.yaml").write_text("title: Jane Doe\nhistory: [unclosed\n")
    with pytest.raises(InputError) as info:
        load_notes(tmp_path)
    assert "case.yaml" in str(info.value)
    assert "Jane" not in str(info.value) and "Doe" not in str(info.value)


def test_broken_toml_is_an_input_error_without_content(tmp_path):
    (tmp_path / "case.toml").write_text('title = "Jane Doe\n')
    with pytest.raises(InputError) as info:
        load_notes(tmp_path)
    assert "case.toml" in str(info.value) and "Jane" not in str(info.value)


def test_scrubbed_notes_keep_teaching_content_and_drop_identifiers(tmp_path):
    (tmp_path / "case.md").write_text(MARKDOWN)
    cleaned, replaced = scrub_notes(load_notes(tmp_path), JANE)
    text = cleaned.to_markdown()
    for leaked in ("Jane", "Doe,", "12345678", "14/03/2024"):
        assert leaked not in text
    assert "Dilated appendix (12 mm)" in text and "Classic target sign." in text
    assert "https://radiopaedia.org/articles/appendicitis" in text
    assert {r.category: r.count for r in replaced} == {"date": 1, "id": 1, "name": 2}


def test_notes_round_trip_to_markdown_with_a_fallback_title():
    notes = CaseNotes(findings="Pneumothorax.", tags=("chest",))
    md = notes.to_markdown(fallback_title="Case 03")
    assert md.startswith("# Case 03\n")
    assert "## Findings\n\nPneumothorax." in md and "## Tags\n\nchest" in md
