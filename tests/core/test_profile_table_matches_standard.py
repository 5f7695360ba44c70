"""The PS3.15 Table E.1-1 data file is complete, well formed and agrees with pydicom's dictionary."""

from __future__ import annotations

import csv

import pytest
from pydicom.datadict import DicomDictionary, RepeatersDictionary, dictionary_VR

from radshare.core.deid.table import ACTION_CODES, OPTION_COLUMNS, TagPattern, load_tables
from radshare.core.resources import resource_path

# Rows that are not single public tags, documented in resources/deid/README.md.
MASKED_ROWS = {"(50xx,xxxx)": "CurveData", "(60xx,3000)": "OverlayData", "(60xx,4000)": "OverlayComments",
               "(gggg,eeee)": "PrivateAttributes"}


def _read(name: str) -> list[dict[str, str]]:
    with open(resource_path("deid", name), newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_table_has_several_hundred_rows_with_every_option_column():
    rows = _read("ps3.15-e1-1.csv")
    assert len(rows) >= 300
    assert list(rows[0]) == ["tag", "keyword", "name", "basic", *OPTION_COLUMNS]


def test_every_row_is_in_pydicoms_dictionary_with_the_same_keyword_or_is_a_documented_masked_row():
    for row in _read("ps3.15-e1-1.csv"):
        if row["tag"] in MASKED_ROWS:
            assert row["keyword"] == MASKED_ROWS[row["tag"]]
            continue
        tag = TagPattern.parse(row["tag"])
        assert not tag.is_masked, row["tag"]
        assert tag.value in DicomDictionary, row["tag"]
        assert DicomDictionary[tag.value][4] == row["keyword"], row["tag"]


def test_masked_rows_are_known_repeaters():
    assert "60xx3000" in RepeatersDictionary and "60xx4000" in RepeatersDictionary
    assert any(key.startswith("50xx") for key in RepeatersDictionary)


@pytest.mark.parametrize("name", ["ps3.15-e1-1.csv", "radshare-additions.csv"])
def test_every_action_code_is_a_ps315_code_and_options_only_keep_or_clean(name):
    for row in _read(name):
        assert row["basic"] in ACTION_CODES, row["keyword"]
        for column in OPTION_COLUMNS:
            assert row[column] in ("", "K", "C"), (row["keyword"], column)


def test_tags_are_unique():
    tags = [row["tag"] for row in _read("ps3.15-e1-1.csv")]
    assert len(tags) == len(set(tags))


def test_patient_name_and_uid_rows_carry_the_standards_actions():
    tables = load_tables()
    assert tables.rows[0x00100010].basic == "Z"  # Patient's Name
    assert tables.rows[0x00080018].basic == "U"  # SOP Instance UID
    assert tables.rows[0x00080018].options == {"retain_uids": "K"}
    assert tables.rows[0x00101010].options == {"retain_patient_characteristics": "K"}  # Patient's Age
    assert tables.rows[0x00081030].options == {"clean_descriptors": "C"}  # Study Description
    assert tables.rows[0x00080020].options == {"retain_longitudinal_full_dates": "K",
                                               "retain_longitudinal_modified_dates": "C"}
    assert tables.row_for(0x60023000).keyword == "OverlayData"
    assert tables.row_for(0x50001234).keyword == "CurveData"


def test_known_safe_list_is_in_the_dictionary_outside_the_table_and_holds_no_dates_names_or_instance_uids():
    table = {row["keyword"] for row in _read("ps3.15-e1-1.csv")}
    class_uids = {"SOPClassUID", "ReferencedSOPClassUID", "MediaStorageSOPClassUID", "TransferSyntaxUID",
                  "CodingSchemeUID", "ContextUID", "MappingResourceUID"}
    for row in _read("known-safe.csv"):
        assert row["keyword"] not in table
        tag = TagPattern.parse(row["tag"])
        if tag.is_masked:
            assert tag.text.startswith("(60xx"), row["tag"]
            continue
        assert DicomDictionary[tag.value][4] == row["keyword"]
        vr = dictionary_VR(tag.value)
        assert vr not in ("DA", "DT", "TM", "PN"), row["keyword"]
        if vr == "UI":
            assert row["keyword"] in class_uids


def test_safe_private_list_names_creator_group_and_element_byte():
    tables = load_tables()
    assert ("SIEMENS MR HEADER", 0x0019, 0x0C) in tables.safe_private
    for creator, group, element in tables.safe_private:
        assert group % 2 == 1 and 0 <= element <= 0xFF and creator


def test_every_option_has_a_cid7050_code():
    codes = load_tables().method_codes
    assert codes["basic"] == ("113100", "Basic Application Confidentiality Profile")
    assert {value for value, _ in codes.values()} == {str(n) for n in range(113100, 113113)}
