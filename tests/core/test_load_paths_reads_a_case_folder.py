"""Opening a case folder loads its images; its notes file (case.md) is the case's text, not a
broken image, so the first thing a new user sees on the built-in sample is not a warning."""

from __future__ import annotations

from radshare.core.errors import InputError
from radshare.core.model import Image
from radshare.core.sample import write_sample_case
from radshare.core.sources import load_paths


def test_the_sample_case_folder_opens_without_errors(tmp_path):
    files = write_sample_case(tmp_path / "case")
    assert (tmp_path / "case" / "case.md").is_file()  # the sample carries notes, as case sets do
    loaded = list(load_paths([tmp_path / "case"]))
    assert [e for e in loaded if isinstance(e, InputError)] == []
    assert len([e for e in loaded if isinstance(e, Image)]) == len([f for f in files if f.name != "case.md"])


def test_a_real_non_image_file_is_still_reported(tmp_path):
    write_sample_case(tmp_path / "case")
    (tmp_path / "case" / "report.txt").write_text("not an image")
    errors = [e for e in load_paths([tmp_path / "case"]) if isinstance(e, InputError)]
    assert len(errors) == 1 and "report.txt" in str(errors[0])
