"""The PHI gate: de-identified, reviewed (or confirmed), alt text, right to share, clean texts."""

from __future__ import annotations

from radshare.core.model import Identifiers
from radshare.uploaders.base import Post, PreparedImage
from radshare.uploaders.gate import GateImage, GateRefused, check_post, find_identifiers, require_passed

IDS = Identifiers(names=["DOE", "JANE"], ids=["MRN123456"], dates=["19800214"], institutions=["General Hospital"])


def _post(caption="Pneumothorax on the left.", alt="Chest radiograph with a left pneumothorax", n=1) -> Post:
    return Post(images=[PreparedImage(b"x", "png", 10, 10, alt_text=alt) for _ in range(n)], caption=caption)


def _codes(problems):
    return sorted({p.code for p in problems})


def test_clean_confirmed_post_passes():
    assert check_post(_post(), [GateImage(True, True, IDS)], right_to_share=True) == []


def test_missing_confirmation_review_and_alt_are_each_reported():
    problems = check_post(_post(alt=""), [GateImage(True, False, IDS)], right_to_share=False)
    assert _codes(problems) == ["alt_missing", "right_to_share", "text_not_reviewed"]


def test_explicit_confirmation_replaces_review():
    assert check_post(_post(), [GateImage(True, False, IDS)], right_to_share=True, text_review_confirmed=True) == []


def test_not_deidentified_image_is_refused():
    assert _codes(check_post(_post(), [GateImage(False, True, IDS)], right_to_share=True)) == ["not_deidentified"]


def test_caption_with_the_patients_name_id_or_date_is_refused_without_echoing_it():
    for caption, category in [
        ("Case of Jane Doe, 45F", "name"),
        ("MRN 123456 follow-up", "ID"),
        ("born 14/02/1980", "date"),
        ("Seen at general hospital", "institution"),
    ]:
        problems = check_post(_post(caption=caption), [GateImage(True, True, IDS)], right_to_share=True)
        assert [p.code for p in problems] == ["identifier_in_text"], caption
        assert category in problems[0].message
        for value in ("DOE", "Doe", "JANE", "Jane", "123456", "1980", "general"):
            assert value not in problems[0].message


def test_alt_text_is_checked_too():
    problems = check_post(_post(alt="Radiograph of DOE^JANE"), [GateImage(True, True, IDS)], right_to_share=True)
    assert problems and problems[0].image == 1


def test_words_that_merely_contain_a_name_part_pass():
    ids = Identifiers(names=["ROSS", "AL"])
    assert find_identifiers("Crossing fracture, normal alignment", ids) == []


def test_require_passed_raises_with_all_problems():
    try:
        require_passed(_post(alt=""), [GateImage(True, True)], right_to_share=False)
    except GateRefused as exc:
        assert len(exc.problems) == 2
    else:
        raise AssertionError("the gate let an unconfirmed post through")


def test_core_and_local_matchers_are_merged_without_duplicate_labels():
    labels = find_identifiers("MRN123456 for Jane, call 555-123-4567", IDS)
    assert sorted(label.casefold() for label in labels) == sorted(set(label.casefold() for label in labels))
    assert "name" in labels and any(label.casefold() == "id" for label in labels)
