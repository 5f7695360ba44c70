"""The one free-text de-identifier: a word leaves only when the vocabulary knows it is safe.

Used by every path where text leaves RadShare: header values under C (Clean Descriptors, Clean
Structured Content) and code meanings at any depth, case notes, the case book, captions, alt
text, hashtags, annotation labels, and the decision to keep OCR-read text as a teaching label.

Allow-list first (the approach of UCSF's Philter):
1. the record's own identifiers and the patterns of textpatterns.py (dates, ages over 89, IDs,
   phone, e-mail, URLs, addresses...) are replaced by a category placeholder such as "[DATE]";
2. every other word is kept only when the vocabulary (vocabulary.py) knows it: clinical and
   imaging terms, code meanings, common English, numbers up to four digits, numbers with units,
   the app's teaching labels, and the user's personal words. Anything else, an unknown word, a
   code like "XK29QF7B", a name or a place, becomes "[removed]";
3. words that are also common names ("Young", "White") are removed where they stand as a name:
   capitalised inside a sentence of mixed-case text, beside a removed name, or after "Dr",
   "son", "seen by" and the like; surnames that name diseases ("Baker's cyst") are kept only as
   eponyms.

What was replaced is reported as categories and counts (`Replacement`), never the values; the
spans (`TextResult.spans`) say where, for the what-if view. Decisions are cached per text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from radshare.core.deid import textpatterns as patterns
from radshare.core.deid.textwords import judge_words
from radshare.core.deid.vocabulary import Vocabulary, load_vocabulary
from radshare.core.model import Identifiers

REMOVED = "[removed]"
WORD = "word"  # the category of words the vocabulary does not know
TOKENS = {**patterns.TOKENS, WORD: REMOVED}
NAME, ID, DATE, URL = patterns.NAME, patterns.ID, patterns.DATE, patterns.URL


@dataclass(frozen=True)
class Replacement:
    """How many times one category of identifier was replaced. Never holds the values."""

    category: str
    count: int

    def to_json(self) -> dict[str, object]:
        return {"category": self.category, "count": self.count}


@dataclass(frozen=True)
class TextResult:
    """The cleaned text and where the original was changed (show `spans`, never log them)."""

    text: str
    replacements: list[Replacement] = field(default_factory=list)
    spans: tuple[tuple[int, int, str], ...] = ()  # (start, end, category) in the original text

    @property
    def total(self) -> int:
        return sum(r.count for r in self.replacements)

    @property
    def changed(self) -> bool:
        return bool(self.spans)

    def counts(self) -> dict[str, int]:
        return {r.category: r.count for r in self.replacements}


ScrubResult = TextResult  # the name notes and older callers use


def deidentify_text(text: str, identifiers: Identifiers | None = None, vocabulary: Vocabulary | None = None,
                    placeholder: str = REMOVED) -> TextResult:
    """`text` with every identifier and every word the vocabulary does not know replaced.

    `identifiers` (the record's own, and those taken from input names) may be None: the patterns
    and the allow-list still apply. Raises ConfigError when the vocabulary cannot be read: no
    text leaves uncleaned.
    """
    if not text or not text.strip():
        return TextResult(text or "")
    vocabulary = vocabulary or load_vocabulary()
    return _cached(text, patterns.freeze(identifiers), vocabulary, placeholder)


def scrub_text(text: str, identifiers: Identifiers | None = None) -> TextResult:
    """The same as `deidentify_text` with the current vocabulary."""
    return deidentify_text(text, identifiers)


def find_identifiers(text: str, identifiers: Identifiers | None = None) -> list[str]:
    """The categories of what the de-identifier would replace in `text` (sorted, never the values).

    The gate for captions, alt text and hashtags: an empty list means the text leaves as it is.
    "word" means a word the vocabulary does not know (possibly a name).
    """
    return sorted(deidentify_text(text, identifiers).counts())


def is_safe_text(text: str, identifiers: Identifiers | None = None) -> bool:
    """True when the de-identifier would leave `text` unchanged (e.g. OCR text kept as a label)."""
    return not deidentify_text(text, identifiers).changed


def mask_own(text: str, identifiers: Identifiers | None, mask: str = "***") -> str:
    """Text kept as it is (device names, kept attributes), with only the record's own names,
    IDs and dates masked: a kept value never carries them."""
    if not text or identifiers is None:
        return text
    own = Identifiers(names=identifiers.names, ids=identifiers.ids, dates=identifiers.dates)
    spans = patterns.find_spans(text, own, patterns=False)
    return _assemble(text, spans, {c: mask for c in TOKENS})


# --- identifiers in input names ------------------------------------------------------------

_NAME_PIECE = re.compile(r"[^\W\d_]+|\d+")
_GENERIC = re.compile(r"^(?:img|image|dsc|dscn|dcim|pic|photo|scan|file|series|study|case|im|se|ser|export|copy)$", re.I)


def identifiers_from_names(*paths: str | Path) -> Identifiers:
    """What a file or folder name says about the patient (`SMITH_JOHN_12345.jpg`).

    Words the vocabulary does not know become names (a known word is the case's subject far more
    often than a name: "white_matter_case"; it stays subject to the context rules), digit runs of three or more become IDs,
    eight-digit dates become dates. Generic camera and export words ("IMG", "DSC") are skipped.
    """
    vocabulary = load_vocabulary()
    found = Identifiers()
    for path in paths:
        pure = Path(str(path))
        for part in (pure.stem, *(p for p in pure.parent.parts[-2:] if p not in ("/", "."))):
            for piece in _NAME_PIECE.findall(part):
                lower = piece.lower()
                if piece.isdigit():
                    if len(piece) == 8 and piece[:2] in ("19", "20"):
                        found.dates.append(piece)
                    elif len(piece) >= 3:
                        found.ids.append(piece)
                elif len(piece) >= 2 and not _GENERIC.match(piece) and lower not in vocabulary.words:
                    found.names.append(piece)
    for bucket in (found.names, found.ids, found.dates):
        bucket[:] = list(dict.fromkeys(bucket))
    return found


# --- the work -------------------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def _cached(text: str, frozen: tuple, vocabulary: Vocabulary, placeholder: str) -> TextResult:
    identifiers = patterns.thaw(frozen)
    spans = patterns.find_spans(text, identifiers)
    spans = _with_urls(text, spans, vocabulary)
    removed = judge_words(text, spans, vocabulary, identifiers)
    merged = _merge(text, sorted([*spans, *((s, e, WORD) for s, e in removed)]))
    counts = Counter(category for _, _, category in merged)
    out = _assemble(text, merged, {**TOKENS, WORD: placeholder})
    return TextResult(out, [Replacement(c, n) for c, n in sorted(counts.items())], tuple(merged))


def _with_urls(text: str, spans: list[tuple[int, int, str]], vocabulary: Vocabulary) -> list[tuple[int, int, str]]:
    """URLs the patterns did not take: kept whole when every word in them is known, else replaced."""
    out = list(spans)
    for match in patterns.URL_RE.finditer(text):
        start, end = match.start(), match.start() + len(match.group().rstrip(".,;:"))
        if any(s < end and start < e for s, e, _ in spans):
            continue
        words = re.findall(r"[^\W_]+", text[start:end].lower())
        if all((w in vocabulary.words and w not in vocabulary.name_words) or (w.isdigit() and len(w) <= 4) for w in words):
            out.append((start, end, "keep"))
        else:
            out.append((start, end, URL))
    return sorted(out)


def _merge(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Drop "keep" markers; join removed words separated by blanks only ("[removed]" once)."""
    merged: list[list] = []
    for start, end, category in spans:
        if category == "keep":
            continue
        if merged and merged[-1][2] == WORD == category and not text[merged[-1][1]:start].strip():
            merged[-1][1] = end
        else:
            merged.append([start, end, category])
    return [(s, e, c) for s, e, c in merged]


def _assemble(text: str, spans, tokens: dict[str, str]) -> str:
    out, pos = [], 0
    for start, end, category in spans:
        out.append(text[pos:start])
        out.append(tokens.get(category, REMOVED))
        pos = end
    out.append(text[pos:])
    return "".join(out)
