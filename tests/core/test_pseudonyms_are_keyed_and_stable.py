"""Keyed pseudonyms: same input and key -> same output; another key -> another output."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st
from pydicom.uid import UID

from radshare.core.deid.pseudonyms import Pseudonymizer
from radshare.core.errors import ConfigError

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def test_same_uid_same_output_across_instances_and_different_under_another_key():
    uid = "1.2.840.113619.2.55.3.604688119.969.1268071029.320"
    first, again = Pseudonymizer(KEY).uid(uid), Pseudonymizer(KEY).uid(uid)
    assert first == again
    assert Pseudonymizer(OTHER_KEY).uid(uid) != first
    assert Pseudonymizer(KEY).uid(uid + "1") != first


@given(st.text(min_size=0, max_size=200))
def test_replacement_uids_are_valid_2_25_uids_of_at_most_64_characters(value):
    new = Pseudonymizer(KEY).uid(value)
    assert new.startswith("2.25.") and len(new) <= 64
    assert UID(new).is_valid
    assert (int(new[5:]) >> 76) & 0xF == 8  # a version-8 UUID as PS3.5 B.2 expects


def test_padding_does_not_change_the_replacement():
    assert Pseudonymizer(KEY).uid("1.2.3\x00") == Pseudonymizer(KEY).uid("1.2.3")


def test_date_offset_is_stable_never_zero_bounded_and_differs_between_patients():
    pseudo = Pseudonymizer(KEY, date_shift_max_days=30)
    offsets = [pseudo.date_offset_days(f"PatientID=P{i}") for i in range(200)]
    assert all(offset != 0 and -30 <= offset <= 30 for offset in offsets)
    assert pseudo.date_offset_days("PatientID=P7") == Pseudonymizer(KEY, 30).date_offset_days("PatientID=P7")
    assert len(set(offsets)) > 20
    assert any(o < 0 for o in offsets) and any(o > 0 for o in offsets)


def test_fixed_shift_replaces_the_keyed_offset_and_zero_is_refused():
    assert Pseudonymizer(KEY, fixed_date_shift_days=-100).date_offset_days("anyone") == -100
    with pytest.raises(ConfigError, match="0 days"):
        Pseudonymizer(KEY, fixed_date_shift_days=0)


def test_tokens_are_short_upper_case_and_keyed():
    token = Pseudonymizer(KEY).token("DOE^JANE", prefix="RS-")
    assert token.startswith("RS-") and len(token) == 11 and token[3:].isalnum() and token[3:].isupper()
    assert token == Pseudonymizer(KEY).token("DOE^JANE", prefix="RS-")
    assert token != Pseudonymizer(OTHER_KEY).token("DOE^JANE", prefix="RS-")
    assert len(Pseudonymizer(KEY).token("x", length=12)) == 12


def test_short_keys_are_refused():
    with pytest.raises(ValueError):
        Pseudonymizer(b"short")
