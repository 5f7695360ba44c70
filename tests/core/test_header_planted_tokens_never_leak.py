"""No planted token survives de-identification, except where an enabled option says to keep it.

The fixture plants a unique token in every attribute of Table E.1-1, in sequences three deep, in
private tags, overlays, curves and file meta. After `deidentify_dataset` and writing the file, the
leak scanner searches every byte (UTF-8/UTF-16, any case).
"""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from radshare.core.deid.header import deidentify_dataset
from radshare.core.deid.profile import Options, Profile, load_profile
from radshare.core.deid.pseudonyms import Pseudonymizer
from radshare.core.deid.table import load_tables
from tests.fixtures.leakscan import scan_bytes
from tests.fixtures.planted import build_planted_dataset

PSEUDO = Pseudonymizer(b"planted-token-test-key-32-bytes!")


def _written(ds) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _leaks(profile: Profile, seed: int = 0):
    ds, tokens = build_planted_dataset(seed)
    deidentify_dataset(ds, profile, PSEUDO)
    return scan_bytes(_written(ds), tokens), tokens


def _option_code(keyword: str, options: Options) -> str | None:
    """'K' or 'C' when an enabled option names this attribute in the table, else None."""
    tables = load_tables()
    rows = {row.keyword: row for row in tables.all_rows()}
    row = rows.get(keyword)
    if row is None:
        return None
    codes = {row.options.get(column) for column in options.enabled_columns()}
    return "K" if "K" in codes else "C" if "C" in codes else None


def _allowed(tokens, options: Options) -> set[str]:
    """Tokens an enabled option may keep: the leaf attribute's option action is K, or C on overlay
    and curve data (Clean Graphics keeps the bitmaps for review). Cleaned text (C) keeps nothing
    planted: a planted token is a word no vocabulary knows."""
    allowed = set()
    for token in tokens:
        where = tokens.where[token]
        leaf = "CurveData" if where.startswith("curve:") else where.split("/")[-1].split(":")[-1]
        code = _option_code(leaf, options)
        if code == "K" or code == "C" and leaf in ("OverlayData", "CurveData"):
            allowed.add(token)
    return allowed


def test_basic_profile_leaves_no_planted_token_anywhere():
    for seed in (0, 1):
        leaks, tokens = _leaks(load_profile("basic"), seed)
        assert leaks == [], [tokens.where[t] for t in leaks]


OPTION_CASES = {
    "retain_safe_private": Options(retain_safe_private=True),
    "retain_uids": Options(retain_uids=True),
    "retain_device_identity": Options(retain_device_identity=True),
    "retain_institution_identity": Options(retain_institution_identity=True),
    "retain_patient_characteristics": Options(retain_patient_characteristics=True),
    "retain_longitudinal_full": Options(retain_longitudinal="full"),
    "retain_longitudinal_modified": Options(retain_longitudinal="modified"),
    "clean_descriptors": Options(clean_descriptors=True),
    "clean_structured_content": Options(clean_structured_content=True),
    "clean_graphics": Options(clean_graphics=True),
}


@pytest.mark.parametrize("name", sorted(OPTION_CASES))
def test_each_option_keeps_only_what_it_names(name):
    options = OPTION_CASES[name]
    leaks, tokens = _leaks(Profile(name, options))
    allowed = _allowed(tokens, options)
    unexpected = [tokens.where[t] for t in leaks if t not in allowed]
    assert unexpected == []
    # and a Retain option really keeps its top-level attributes
    kept = [t for t in allowed if "/" not in tokens.where[t] and ":" not in tokens.where[t]
            and _option_code(tokens.where[t], options) == "K"]
    assert set(kept) <= set(leaks)
    if name.startswith("retain_") and name not in ("retain_safe_private", "retain_longitudinal_modified"):
        assert kept, f"{name} should keep something"


def test_modified_dates_are_shifted_so_no_planted_date_survives():
    options = Options(retain_longitudinal="modified")
    leaks, tokens = _leaks(Profile("m", options))
    dates = [t for t in leaks if t.isdigit() and len(t) == 8]
    assert dates == []


@pytest.mark.parametrize("name", ["teaching", "research"])
def test_bundled_profiles_keep_only_what_their_options_allow(name):
    profile = load_profile(name)
    leaks, tokens = _leaks(profile)
    allowed = _allowed(tokens, profile.options)
    assert [tokens.where[t] for t in leaks if t not in allowed] == []


def test_file_meta_overlays_curves_and_private_tags_leave_nothing_under_teaching():
    leaks, tokens = _leaks(load_profile("teaching"))
    places = {tokens.where[t].split(":")[0] for t in leaks}
    assert not places & {"meta", "overlay", "curve", "private"}
    assert not any("private" in tokens.where[t] for t in leaks)


def test_safe_private_attributes_are_kept_only_with_retain_safe_private():
    ds, _ = build_planted_dataset()
    deidentify_dataset(ds, Profile("p", Options(retain_safe_private=True)), PSEUDO)
    block = ds.private_block(0x0019, "SIEMENS MR HEADER")
    assert block[0x0C].value == "1000"
    assert (0x0019, 0x1008) not in ds  # unsafe element of the same creator
    assert not any(elem.tag.group == 0x0009 for elem in ds)  # unknown creator entirely removed
    ds, _ = build_planted_dataset()
    deidentify_dataset(ds, load_profile("basic"), PSEUDO)
    assert not any(elem.tag.is_private for elem in ds)


def test_clean_graphics_keeps_overlay_geometry_and_bitmap_but_scrubs_nothing_else_in():
    ds, tokens = build_planted_dataset()
    deidentify_dataset(ds, Profile("g", Options(clean_graphics=True)), PSEUDO)
    assert ds[0x60000010].value == 8 and 0x60003000 in ds
    ds, _ = build_planted_dataset()
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    assert not any(elem.tag.group & 0xFF00 in (0x6000, 0x5000) for elem in ds)


def test_replace_keeps_profile_frozen():
    profile = load_profile("teaching")
    assert replace(profile, name="x").options is profile.options


def test_the_leak_scanner_sees_utf16_any_case_path_names_and_zip_members(tmp_path):
    """The zero-hit results above mean something only if the scanner would have found a token."""
    import zipfile

    from tests.fixtures.leakscan import scan_tree

    assert scan_bytes(b"..qz12ab34..", ["QZ12AB34"]) == ["QZ12AB34"]
    assert scan_bytes("x QZ12AB34 y".encode("utf-16-le"), ["QZ12AB34"]) == ["QZ12AB34"]
    assert scan_bytes("qz12ab34".encode("utf-16-be"), ["QZ12AB34"]) == ["QZ12AB34"]
    assert scan_bytes(b"QZ12AB3", ["QZ12AB34"]) == []
    (tmp_path / "Case-QZ99").mkdir()
    (tmp_path / "Case-QZ99" / "a.txt").write_bytes(b"nothing")
    with zipfile.ZipFile(tmp_path / "out.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inner.txt", "deflated QZ12AB34 " * 20)
    hits = scan_tree(tmp_path, ["QZ99", "QZ12AB34"])
    assert ("Case-QZ99", "QZ99") in hits and ("Case-QZ99/a.txt", "QZ99") in hits
    assert ("out.zip!inner.txt", "QZ12AB34") in hits
    assert ("out.zip", "QZ12AB34") not in hits  # deflated: only found by opening the archive
