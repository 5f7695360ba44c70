"""The PHI gate: nothing is posted that has not passed it. Used by `radshare post` and the composer.

A post passes when, for every image:
- it was de-identified by RadShare (header profile, photo metadata stripped);
- burned-in text redaction ran and a person reviewed it, or the sharer explicitly confirmed
  posting without review (`text_review_confirmed`);
- it has alt text;
and for the post as a whole:
- the sharer confirmed they have the right to share it (consent / institutional policy);
- no text that will be sent (title, caption, content warning, alt texts, image captions) holds
  one of the images' own identifiers (patient name parts, IDs, dates, institutions...).

Problems name the field and the category of identifier found ("caption: name"), never the value.
The identifiers themselves come from the original headers and are never sent or logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from radshare.core.errors import RadShareError
from radshare.core.model import Identifiers
from radshare.uploaders.base import Post


@dataclass
class GateImage:
    """What the gate needs to know about one image's provenance (never sent anywhere)."""

    deidentified: bool
    text_review_done: bool
    identifiers: Identifiers = field(default_factory=Identifiers)

    def __repr__(self) -> str:  # identifiers must not reach logs or test output
        return f"GateImage(deidentified={self.deidentified}, text_review_done={self.text_review_done})"


@dataclass(frozen=True)
class GateProblem:
    """One reason the post is held back. `code` is stable for the GUI; `message` is product text."""

    code: str  # no_images | not_deidentified | text_not_reviewed | alt_missing | right_to_share | identifier_in_text
    message: str
    image: int | None = None  # 1-based image number, when the problem is about one image


class GateRefused(RadShareError):
    """The post did not pass the PHI gate; `problems` says why."""

    def __init__(self, problems: Sequence[GateProblem]):
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))


def check_post(
    post: Post,
    images: Sequence[GateImage],
    *,
    right_to_share: bool,
    text_review_confirmed: bool = False,
) -> list[GateProblem]:
    """Every reason `post` may not be sent; an empty list means it passes.

    `images[i]` describes `post.images[i]`. `right_to_share` is the sharer's confirmation (the
    composer's checkbox, or `--confirm`), `text_review_confirmed` the explicit confirmation to post
    images whose burned-in text redaction was not reviewed by a person.
    """
    problems: list[GateProblem] = []
    if not post.images:
        problems.append(GateProblem("no_images", "there is no image to post"))
    if len(images) != len(post.images):
        problems.append(GateProblem("not_deidentified", "an image of this post did not come through de-identification"))
    for number, state in enumerate(images, 1):
        if not state.deidentified:
            problems.append(GateProblem("not_deidentified", f"image {number} is not de-identified", number))
        if not state.text_review_done and not text_review_confirmed:
            problems.append(
                GateProblem(
                    "text_not_reviewed",
                    f"image {number}: burned-in text redaction was not reviewed; review it or confirm posting without review",
                    number,
                )
            )
    for number, image in enumerate(post.images, 1):
        if not image.alt_text.strip():
            problems.append(GateProblem("alt_missing", f"image {number} has no alt text", number))
    if not right_to_share:
        problems.append(
            GateProblem("right_to_share", "confirm that you have the right to share these images (consent and your institution's policy)")
        )
    combined = Identifiers()
    for state in images:
        combined = combined.merge(state.identifiers)
    for label, text, number in _texts(post):
        categories = find_identifiers(text, combined)
        if categories:
            problems.append(
                GateProblem("identifier_in_text", f"{label} contains the patient's {', '.join(categories)}", number)
            )
    return problems


def require_passed(post: Post, images: Sequence[GateImage], *, right_to_share: bool, text_review_confirmed: bool = False) -> None:
    """Raise `GateRefused` unless `check_post` finds nothing."""
    problems = check_post(post, images, right_to_share=right_to_share, text_review_confirmed=text_review_confirmed)
    if problems:
        raise GateRefused(problems)


def _texts(post: Post) -> list[tuple[str, str, int | None]]:
    out: list[tuple[str, str, int | None]] = [
        ("the title", post.title, None),
        ("the caption", post.caption, None),
        ("the content warning", post.content_warning, None),
    ]
    for number, image in enumerate(post.images, 1):
        out.append((f"the alt text of image {number}", image.alt_text, number))
        out.append((f"the caption of image {number}", image.caption, number))
    return [(label, text, n) for label, text, n in out if text and text.strip()]


# --------------------------------------------------------------------------------------------
# Identifier matching
# --------------------------------------------------------------------------------------------


def find_identifiers(text: str, identifiers: Identifiers) -> list[str]:
    """Categories of `identifiers` found in `text` ("name", "ID", "date", ...), never values.

    Uses the core text scrubber's matcher (`radshare.core.deid.text.find_identifiers`) when this
    installation has it, as it also knows PHI patterns; falls back to the local exact-value check.
    Both are unioned, so the gate is never weaker than the local check.
    """
    found = _local_find(text, identifiers)
    core = _core_matcher()
    if core is not None:
        try:
            known = {label.casefold() for label in found}
            for label in core(text, identifiers):
                if str(label).casefold() not in known:
                    found.append(str(label))
                    known.add(str(label).casefold())
        except Exception:
            pass  # the local check stands on its own
    return found


def _core_matcher() -> Callable[[str, Identifiers], list[str]] | None:
    try:
        from radshare.core.deid import text as core_text  # written in parallel; optional here
    except ImportError:
        return None
    return getattr(core_text, "find_identifiers", None)


def _fold(value: str) -> str:
    return re.sub(r"\s+", " ", value.casefold()).strip()


def _alnum(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.casefold())


def _date_forms(value: str) -> list[str]:
    digits = re.sub(r"\D", "", value)
    if len(digits) != 8:
        return [value] if len(value) >= 6 else []
    y, m, d = digits[:4], digits[4:6], digits[6:]
    forms = {
        digits, f"{y}-{m}-{d}", f"{y}/{m}/{d}", f"{y}.{m}.{d}",
        f"{d}/{m}/{y}", f"{d}.{m}.{y}", f"{d}-{m}-{y}", f"{m}/{d}/{y}", f"{m}-{d}-{y}",
        f"{d}/{m}/{y[2:]}", f"{m}/{d}/{y[2:]}", f"{d}.{m}.{y[2:]}",
    }
    # unpadded day/month variants: 3/7/2021
    dd, mm = str(int(d)), str(int(m))
    forms |= {f"{dd}/{mm}/{y}", f"{mm}/{dd}/{y}", f"{dd}.{mm}.{y}"}
    return sorted(forms)


def _local_find(text: str, identifiers: Identifiers) -> list[str]:
    folded = _fold(text)
    squeezed = _alnum(text)
    found: list[str] = []

    def hit(category: str) -> None:
        if category not in found:
            found.append(category)

    for name in identifiers.names:
        for part in re.split(r"[\s^,]+", name):
            part = part.strip()
            if len(part) >= 2 and re.search(rf"(?<!\w){re.escape(_fold(part))}(?!\w)", folded):
                hit("name")
    for value in identifiers.ids:
        key = _alnum(value)
        if len(key) >= 3 and key in squeezed:
            hit("ID")
    for value in identifiers.dates:
        for form in _date_forms(value):
            if re.search(rf"(?<![0-9]){re.escape(form)}(?![0-9])", text):
                hit("date")
                break
    for value in identifiers.institutions:
        if len(value.strip()) >= 4 and _fold(value) in folded:
            hit("institution")
    for value in identifiers.other:
        if len(value.strip()) >= 4 and _fold(value) in folded:
            hit("personal detail")
    return found
