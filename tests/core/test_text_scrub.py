"""The free-text scrubber: the case's own identifiers and generic patterns leave no trace."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radshare.core.deid.text import find_identifiers, scrub_text
from radshare.core.model import Identifiers

JANE = Identifiers(
    names=["DOE^JANE^MARIE"],
    ids=["12345678", "ACC-2024-0042"],
    dates=["19610704", "20240314"],
    institutions=["St. Mary's Hospital"],
    other=["SMITH^JOHN"],
)


def _assert_clean(text: str) -> None:
    lowered = text.lower()
    for word in ("jane", "doe", "marie", "smith", "mary"):
        assert not re.search(rf"\b{word}\b", lowered), "a name part survived"

    for digits in ("12345678", "1961", "0042"):
        assert digits not in re.sub(r"[\s\-./]", "", text), "an id or date survived"


@pytest.mark.parametrize(
    "written",
    ["Jane Doe", "jane doe", "Doe, Jane", "J. Doe", "J Doe", "Doe J.", "DOE^JANE", "JANE MARIE DOE", "Doe's", "Ms. Doe", "Jane"],
)
def test_every_written_form_of_the_patients_name_is_replaced(written):
    result = scrub_text(f"Seen today: {written} reports pain.", JANE)
    _assert_clean(result.text)
    assert "[NAME]" in result.text
    assert result.counts() == {"name": 1}
    assert result.text.startswith("Seen today: ") and result.text.endswith(" reports pain.")


@pytest.mark.parametrize(
    "written",
    ["20240314", "2024-03-14", "2024/03/14", "14/03/2024", "03/14/2024", "14.03.2024", "14-03-24", "3/14/2024",
     "14 Mar 2024", "14 March 2024", "14th of March 2024", "March 14, 2024", "Mar 14 2024", "14MAR2024",
     "March 14", "14 March", "14/03"],
)
def test_study_date_in_the_formats_people_write_is_replaced(written):
    result = scrub_text(f"Scan on {written}, follow-up advised.", JANE)
    assert result.text == "Scan on [DATE], follow-up advised."
    assert result.counts() == {"date": 1}


@pytest.mark.parametrize("written", ["12345678", "1234 5678", "12-345-678", "MRN 12345678", "ACC-2024-0042", "acc 2024 0042", "20240042"])
def test_ids_with_spaces_or_dashes_are_replaced(written):
    result = scrub_text(f"Ref {written} today", JANE)
    assert "[ID]" in result.text
    assert not re.search(r"\d{3,}", result.text)


def test_institution_written_loosely_is_replaced():
    text = "Transferred from St Mary's hospital, then Saint Mary's, then ST. MARYS HOSPITAL."
    result = scrub_text(text, JANE)
    assert "mary" not in result.text.lower()
    assert result.counts() == {"institution": 3}


def test_case_note_mentioning_jane_doe_her_mrn_and_birth_date_keeps_only_teaching_content():
    note = (
        "History: Jane Doe (MRN 12345678, DOB 04/07/1961) presented to St. Mary's Hospital on 14 Mar 2024 "
        "with right lower quadrant pain. Referred by Dr Smith, phone +1 (555) 123-4567, jdoe@example.org.\n"
        "Findings: 12 mm appendix with periappendiceal fat stranding; 3.5 x 2.1 cm collection, 120 kV."
    )
    result = scrub_text(note, JANE)
    _assert_clean(result.text)
    assert "555" not in result.text and "@" not in result.text
    # teaching content and measurements survive
    for kept in ("right lower quadrant pain", "12 mm appendix", "3.5 x 2.1 cm", "120 kV", "History:", "Findings:"):
        assert kept in result.text
    assert result.counts() == {"date": 2, "email": 1, "id": 1, "institution": 1, "name": 2, "phone": 1}


def test_pattern_dates_phones_emails_and_mrn_like_numbers_are_replaced_without_known_identifiers():
    text = (
        "Prior CT 2019-11-02 and 5 June 2020 and 12/25/2019. Call 020 7946 0958 or +442079460958. "
        "Mail someone@hospital.example. Patient ID: X99812. Numbers 987654321."
    )
    result = scrub_text(text)
    assert re.search(r"\d{4}", result.text) is None
    assert result.counts() == {"date": 3, "email": 1, "id": 2, "phone": 2}


def test_references_and_measurements_are_left_alone():
    text = (
        "Reference: https://radiopaedia.org/articles/appendicitis (2019), Smithers et al. Radiology 2015;274(2):123-130. "
        "Series 3, image 45, 2 mm slices at 120 kV; lesion 3.5 x 2.1 cm; WBC 12.4. May be benign."
    )
    result = scrub_text(text, JANE)
    # an author's surname is a name like any other: only the words the vocabulary knows stay
    assert result.text == text.replace("Smithers", "[removed]")
    assert result.counts() == {"word": 1}


def test_urls_carrying_a_name_or_an_id_are_replaced_whole():
    text = "See https://pacs.example.org/view?patientId=12345678 and http://blog.example.org/jane-doe-case and http://example.org/study?mrn=55"
    result = scrub_text(text, JANE)
    assert result.text == "See [URL] and [URL] and [URL]"


def test_accented_names_match_their_plain_spellings():
    ids = Identifiers(names=["MÜLLER^JOSÉ"])
    result = scrub_text("Herr Müller, also Muller or Mueller; José/Jose.", ids)
    assert result.text == "Herr [NAME], also [NAME] or [NAME]; [NAME]/[NAME]."


def test_a_lone_capital_beside_the_surname_is_not_mistaken_for_an_initial():
    result = scrub_text("Doe, A 45-year-old woman", Identifiers(names=["DOE^ANNA"]))
    assert result.text == "[NAME], A 45-year-old woman"


def test_find_identifiers_reports_categories_never_values():
    found = find_identifiers("Jane's scan from 14/03/2024, ring 555-123-4567", JANE)
    assert found == ["date", "name", "phone"]
    assert find_identifiers("Appendicitis: note the target sign.", JANE) == []
    assert find_identifiers("", JANE) == []


def test_the_report_of_replacements_holds_no_value():
    result = scrub_text("Jane Doe 12345678 14/03/2024", JANE)
    dumped = repr(result.replacements)
    for value in ("Jane", "Doe", "12345678", "2024"):
        assert value not in dumped


_WORDS = st.sampled_from(["the", "scan", "shows", "a", "mass", "in", "liver", "with", "mm", "T2", "bright", "no", "change"])


@settings(max_examples=60, deadline=None)
@given(
    before=st.lists(_WORDS, max_size=6),
    after=st.lists(_WORDS, max_size=6),
    form=st.sampled_from(["{g} {f}", "{f}, {g}", "{g0}. {f}", "{f} {g}", "{F}^{G}", "{f}'s"]),
    family=st.sampled_from(["Okafor", "Nguyen", "Kowalski", "Rossi", "Garcia"]),
    given_name=st.sampled_from(["Amara", "Linh", "Piotr", "Giulia", "Maria"]),
)
def test_generated_names_in_generated_sentences_never_survive(before, after, form, family, given_name):
    ids = Identifiers(names=[f"{family.upper()}^{given_name.upper()}"])
    name = form.format(g=given_name, f=family, g0=given_name[0], F=family.upper(), G=given_name.upper())
    text = " ".join([*before, name, *after])
    result = scrub_text(text, ids)
    assert family.lower() not in result.text.lower()
    assert given_name.lower() not in result.text.lower()
    assert " ".join(before) in result.text and " ".join(after) in result.text


def test_identifiers_collected_from_an_original_header_scrub_a_clinicians_note():
    from radshare.core.deid.identifiers import collect_identifiers
    from tests.fixtures.dicom_factory import make_image

    ds = make_image()
    ds.ReferringPhysicianName = "HOUSE^GREGORY"
    ds.AcquisitionDateTime = "20240612101500"
    note = (
        "Jane Doe, PID 314159, DOB 14.03.1970, scanned at the Test Infirmary on June 12th 2024 "
        "(accession ACC 2718), referred by Dr Gregory House. Scan 12/06 shows a 4 mm stone."
    )
    result = scrub_text(note, collect_identifiers(ds))
    for leaked in ("Jane", "Doe", "314159", "1970", "Infirmary", "2718", "Gregory", "House", "12/06", "June"):
        assert leaked not in result.text, leaked
    assert "4 mm stone" in result.text
