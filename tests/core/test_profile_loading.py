"""Profiles load by name or path, fail clearly, and decide each attribute's action by the options."""

from __future__ import annotations

import pytest

from radshare.core.deid.profile import Options, Profile, action_for, available_profiles, load_profile
from radshare.core.deid.table import load_tables
from radshare.core.errors import ConfigError


def test_bundled_profiles_are_listed_and_teaching_is_the_default():
    assert {"basic", "teaching", "research"} <= set(available_profiles())
    profile = load_profile()
    assert profile.name == "teaching"
    assert profile.options.retain_patient_characteristics
    assert profile.options.clean_descriptors and profile.options.clean_structured_content
    assert not profile.options.clean_graphics  # overlays are removed
    assert profile.options.retain_longitudinal == "off"
    assert profile.pseudonym_attributes == ("PatientName", "PatientID")


def test_basic_has_no_options_and_research_shifts_dates():
    assert load_profile("basic").options == Options()
    assert load_profile("research").options.retain_longitudinal == "modified"


def test_a_profile_file_is_loaded_by_path(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n[options]\nretain_device_identity = true\nretain_longitudinal = "full"\n')
    profile = load_profile(str(path))
    assert profile.name == "mine"
    assert profile.options.retain_device_identity and profile.options.retain_longitudinal == "full"


def test_unknown_name_names_the_available_profiles():
    with pytest.raises(ConfigError, match="unknown profile 'nope'.*teaching"):
        load_profile("nope")


def test_missing_file_bad_toml_unknown_option_and_bad_value_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_profile(str(tmp_path / "absent.toml"))
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_profile(str(bad))
    bad.write_text("[options]\nkeep_everything = true\n")
    with pytest.raises(ConfigError, match="unknown option.*keep_everything"):
        load_profile(str(bad))
    bad.write_text('[options]\nretain_longitudinal = "sometimes"\n')
    with pytest.raises(ConfigError, match="retain_longitudinal"):
        load_profile(str(bad))
    bad.write_text('[options]\nretain_uids = "yes"\n')
    with pytest.raises(ConfigError, match="true or false"):
        load_profile(str(bad))


def test_options_override_the_basic_action_and_keep_beats_clean():
    rows = load_tables().rows
    basic, rpc = Options(), Options(retain_patient_characteristics=True)
    assert action_for(rows[0x00101010], basic) == "X"  # Patient's Age
    assert action_for(rows[0x00101010], rpc) == "K"
    additional_history = rows[0x001021B0]  # C under both Retain Patient Characteristics and Clean Descriptors
    assert action_for(additional_history, Options(clean_descriptors=True)) == "C"
    device_description = rows[0x00500020]  # K under Retain Device Identity, C under Clean Descriptors
    assert action_for(device_description, Options(retain_device_identity=True, clean_descriptors=True)) == "K"


def test_combined_codes_resolve_to_the_choice_that_keeps_files_valid():
    rows = load_tables().rows
    assert action_for(rows[0x00080022], Options()) == "Z"  # Acquisition Date X/Z
    assert action_for(rows[0x00080021], Options()) == "D"  # Series Date X/D
    assert action_for(rows[0x00080080], Options()) == "D"  # Institution Name X/Z/D
    assert action_for(rows[0x00080023], Options()) == "D"  # Content Date Z/D
    assert action_for(rows[0x00081140], Options()) == "U*"  # Referenced Image Sequence X/Z/U*
    assert action_for(rows[0x00080021], Options(retain_longitudinal="modified")) == "C"


def test_applied_option_names_match_cid7050_rows():
    options = load_profile("research").options
    codes = load_tables().method_codes
    assert all(name in codes for name in options.applied())
    assert "retain_longitudinal_modified" in options.applied()


def test_options_reject_a_bad_longitudinal_value():
    with pytest.raises(ConfigError):
        Options(retain_longitudinal="sometimes")  # type: ignore[arg-type]
    assert Profile("x").options == Options()
