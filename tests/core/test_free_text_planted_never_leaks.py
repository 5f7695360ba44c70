"""Unseen names, places and codes planted in every cleaned text attribute never leave.

The planted words are built from syllables (no list the vocabulary is made from holds them), in
phrases as people write them: "seen by Dr ...", "wife ... reports", "lives at 12 ... Street", a
code meaning three sequences deep. The leak scanner searches the written file's every byte.
"""

from __future__ import annotations

import io

import pytest

from radshare.core.deid.header import deidentify_dataset
from radshare.core.deid.profile import load_profile
from radshare.core.deid.pseudonyms import Pseudonymizer
from tests.fixtures.leakscan import scan_bytes
from tests.fixtures.planted_text import build_free_text_dataset

PSEUDO = Pseudonymizer(b"free-text-planted-test-key-32-b!")
NARRATIVE = ("Occupation", "PatientComments", "AdditionalPatientHistory", "IdentifyingComments", "MedicalAlerts",
             "Allergies", "PatientState", "ImageComments", "ReasonForTheRequestedProcedure",
             "AdmittingDiagnosesDescription")
DESCRIPTORS = ("StudyDescription", "SeriesDescription", "ProtocolName", "RequestedProcedureDescription",
               "DerivationDescription")


def _written(ds) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


@pytest.mark.parametrize("profile", ["teaching", "research", "basic"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_planted_name_place_or_code_survives_in_free_text(profile, seed):
    ds, tokens, _ = build_free_text_dataset(seed)
    assert len(tokens) > 100
    deidentify_dataset(ds, load_profile(profile), PSEUDO)
    leaks = scan_bytes(_written(ds), tokens)
    assert [tokens.where[t] for t in leaks] == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_short_descriptors_keep_their_clinical_words(seed):
    ds, _, clinical = build_free_text_dataset(seed)
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    for keyword, words in clinical.items():
        if keyword in ds:
            assert str(ds[keyword].value).startswith(words), keyword
    assert ds.ProcedureCodeSequence[0].CodeMeaning == "CT BRAIN WO IVCON"  # a code meaning's words stay


@pytest.mark.parametrize("keyword", NARRATIVE)
def test_teaching_removes_free_narrative_whole(keyword):
    ds, _, _ = build_free_text_dataset(0)
    assert keyword in ds
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    assert keyword not in ds


@pytest.mark.parametrize("keyword", DESCRIPTORS)
def test_teaching_cleans_short_descriptors_by_the_allow_list(keyword):
    ds, tokens, _ = build_free_text_dataset(0)
    planted = [t for t in tokens if tokens.where[t] == keyword]
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    value = str(ds[keyword].value)
    assert planted and not any(t.upper() in value.upper() for t in planted)
    assert "[removed]" in value or "[ADDRESS]" in value


def test_a_code_meaning_deep_in_sequences_loses_the_doctor_it_names():
    ds, tokens, _ = build_free_text_dataset(0)
    deidentify_dataset(ds, load_profile("basic"), PSEUDO)  # basic keeps code sequences inside kept items too
    written = _written(ds)
    assert scan_bytes(written, [t for t in tokens if "CodeMeaning" in tokens.where[t]]) == []


def test_body_part_is_cleaned_by_the_allow_list_and_stays_a_valid_code_string():
    for value, expected in (("CHEST", "CHEST"), ("LSPINE", "LSPINE"), ("HEAD NECK", "HEAD NECK"), ("VORBELUND", "REMOVED")):
        ds, _, _ = build_free_text_dataset(0)
        ds.BodyPartExamined = value
        deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
        assert ds.BodyPartExamined == expected
