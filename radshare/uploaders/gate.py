"""The PHI gate: nothing is posted that has not passed it. Used by `radshare post` and the composer.

A post passes when, for every image:
- it was de-identified by RadShare (header profile, photo metadata stripped);
- burned-in text redaction ran and a person reviewed it, or the sharer explicitly confirmed
  posting without review (`text_review_confirmed`);
- it has alt text;
and for the post as a whole:
- the sharer confirmed they have the right to share it (consent / institutional policy);
- every text that will be sent (title, caption with its hashtags, content warning, alt texts,
  image captions) passes the core free-text de-identifier unchanged: none of the images' own
  identifiers, no identifier pattern, and only words its vocabulary knows (or the sharer's own).

Problems name the field and the category of identifier found ("caption: name"), never the value.
The identifiers themselves come from the original headers and are never sent or logged. Only
for the sharer's own screen, a problem also carries the words the vocabulary did not know
(`GateProblem.words`), so the composer can say which word to reword: they are left out of the
message, of `repr` and of every error text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from radshare.core.deid.text import WORD, deidentify_text
from radshare.core.deid.text import find_identifiers as core_find_identifiers
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
    #: identifier_in_text: which text ("the caption", "the alt text of image 2") and the words in it
    #: the vocabulary does not know. Shown to the sharer only; never in `message`, logs or errors.
    where: str = field(default="", compare=False)
    words: tuple[str, ...] = field(default=(), repr=False, compare=False)


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
            words = unknown_words(text, combined) if _LABELS[WORD] in categories else ()
            problems.append(
                GateProblem("identifier_in_text", f"{label} contains {_describe(categories)}", number, label, words)
            )
    return problems


def _describe(categories: list[str]) -> str:
    known = [c for c in categories if not c.startswith("words ")]
    words = [c for c in categories if c.startswith("words ")]
    parts = [f"the patient's {', '.join(known)}"] if known else []
    return " and ".join(parts + words)


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
# Identifier matching: the core free-text de-identifier, the one used for every text that leaves
# --------------------------------------------------------------------------------------------

#: How a problem names unknown words (the composer, which names the words themselves, shortens it).
UNKNOWN_WORDS = "words RadShare does not know (possibly a name: reword, or add a safe word to your vocabulary)"
_LABELS = {"id": "ID", "other": "personal detail", "word": UNKNOWN_WORDS}


def find_identifiers(text: str, identifiers: Identifiers) -> list[str]:
    """What the core de-identifier would remove from `text`: categories ("name", "ID", "date",
    "words RadShare does not know ..."), never values. Empty: the text may leave as it is.

    Its errors are not caught: a text that cannot be checked holds the post back.
    """
    return [_LABELS.get(category, category) for category in core_find_identifiers(text, identifiers)]


_WORD_PIECE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def unknown_words(text: str, identifiers: Identifiers) -> tuple[str, ...]:
    """The words of `text` the vocabulary does not know, in order, once each (the record's own
    identifiers are not among them: they are named by category only).

    For the sharer's screen, so they know what to reword; never for a log, an error or a report.
    """
    spans = deidentify_text(text, identifiers).spans
    parts = [text[start:end] for start, end, category in spans if category == WORD]
    return tuple(dict.fromkeys(word for part in parts for word in _WORD_PIECE.findall(part)))
