"""What identifies the patient in free text: the record's own identifiers, and (textshapes.py)
identifiers by their shape. text.py adds the allow-list.

Two sources of knowledge, applied together on the original text:

* the record's own identifiers (`model.Identifiers`, read from the original headers before
  de-identification, or from the input's file and folder names): every name part and the usual
  ways people write a name ("Jane Doe", "Doe, Jane", "J. Doe", "DOE^JANE"), IDs/MRNs/accession
  numbers also when written with spaces or dashes, the birth and study dates in the formats people
  write them (including day+month without a year), institution names, and the other values the
  header carried;
* patterns that need no knowledge of the case (textshapes.py), and URLs that carry a name or an ID.

`find_spans` returns non-overlapping (start, end, category) spans: all candidates are found on the
original text first and then merged where they overlap, so no fragment of an identifier is left
beside a placeholder.
"""

from __future__ import annotations

import re
from functools import lru_cache

from radshare.core.deid.textshapes import (  # noqa: F401 - the categories are part of this module's interface
    ADDRESS, AGE, DATE, EMAIL, ID, INSTITUTION, NAME, OTHER, PHONE, TOKENS, URL, URL_RE, _B, _E, _EMAIL_RE,
    _HONORIFICS, _MONTHS, _URL_ID_PARAM, _Rule, _alnum, _fold, _pattern_rules,
)
from radshare.core.model import Identifiers

# --- matching ------------------------------------------------------------------------------


def find_spans(text: str, identifiers: Identifiers | None = None, patterns: bool = True) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, category) spans to replace, in text order.

    `patterns=False`: only the record's own identifiers (for text kept as it is, which may still
    not carry the patient's own name, ID or date).
    """
    if not text:
        return []
    rules = [*_own_rules(freeze(identifiers))]
    if patterns:
        rules.extend(_pattern_rules())
    taken: list[list] = []  # [start, end, category], kept in priority order of discovery
    has_digit = _DIGIT.search(text) is not None
    lower = text.lower()
    for rule in rules:
        if rule.needs and not (has_digit if rule.needs == "digit" else rule.needs in lower):
            continue  # most descriptors hold no digit: the patterns that need one are not run
        for match in rule.pattern.finditer(text):
            if rule.check is not None:
                span = rule.check(match)  # type: ignore[operator]
                if span is None:
                    continue
                start, end = span
            else:
                start, end = match.span(rule.group)
            if end <= start:
                continue
            _add_span(taken, start, end, rule.category)
    return sorted((s, e, c) for s, e, c in taken)


def _add_span(taken: list[list], start: int, end: int, category: str) -> None:
    """Add a span; one that overlaps spans already taken is merged with them (first category wins)."""
    overlapping = [t for t in taken if t[0] < end and start < t[1]]
    if not overlapping:
        taken.append([start, end, category])
        return
    first = overlapping[0]
    first[0] = min([start, *(t[0] for t in overlapping)])
    first[1] = max([end, *(t[1] for t in overlapping)])
    for t in overlapping[1:]:
        taken.remove(t)


def freeze(identifiers: Identifiers | None) -> tuple[tuple[str, ...], ...]:
    """Identifiers as a hashable key (rules and decisions are cached per record)."""
    identifiers = identifiers or Identifiers()
    return (
        tuple(identifiers.names),
        tuple(identifiers.ids),
        tuple(identifiers.dates),
        tuple(identifiers.institutions),
        tuple(identifiers.other),
    )


_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=256)
def thaw(frozen: tuple[tuple[str, ...], ...]) -> Identifiers:
    names, ids, dates, institutions, other = frozen
    return Identifiers(list(names), list(ids), list(dates), list(institutions), list(other))


@lru_cache(maxsize=64)
def _own_rules(frozen: tuple[tuple[str, ...], ...]) -> list[_Rule]:
    names, ids, dates, institutions, other = frozen
    name_values = list(names)
    other_values: list[str] = []
    for value in other:  # physicians etc. written as DICOM person names are names
        (name_values if "^" in value else other_values).append(value)
    parts = _name_parts(name_values)
    rules: list[_Rule] = []
    # URLs and e-mails first: a name inside one means the whole thing goes.
    id_keys = [_alnum(v) for v in ids if len(_alnum(v)) >= 4]
    rules.append(_Rule(URL, URL_RE, check=_url_check(tuple(p.lower() for p in parts if len(p) >= 3), tuple(id_keys))))
    rules.append(_Rule(EMAIL, _EMAIL_RE, needs="@"))
    if parts:
        rules.append(_name_rule(parts))
    id_patterns = [p for v in ids for p in _id_patterns(v)]
    if id_patterns:
        rules.append(_Rule(ID, _compile_alternatives(id_patterns)))
    date_patterns = [p for v in dates for p in _date_patterns(v)]
    if date_patterns:
        rules.append(_Rule(DATE, _compile_alternatives(date_patterns)))
    inst_patterns = [p for v in institutions for p in _phrase_patterns(v, institution=True)]
    if inst_patterns:
        rules.append(_Rule(INSTITUTION, _compile_alternatives(inst_patterns)))
    other_patterns = []
    for value in other_values:
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 6 and len(digits) >= len(_alnum(value)) - 1:
            other_patterns.extend(_id_patterns(value))  # phone-like: any spacing
        else:
            other_patterns.extend(_phrase_patterns(value))
    if other_patterns:
        rules.append(_Rule(OTHER, _compile_alternatives(other_patterns)))
    return rules


def _compile_alternatives(patterns: list[str]) -> re.Pattern[str]:
    unique = sorted(set(patterns), key=len, reverse=True)  # longest first
    return re.compile("|".join(f"(?:{p})" for p in unique), re.IGNORECASE)


def _variants(word: str) -> set[str]:
    german = word.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    german = german.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    return {word, _fold(word), german}


def _name_parts(values: list[str]) -> list[str]:
    parts: set[str] = set()
    for value in values:
        for piece in re.split(r"[\^\s,]+", value):
            piece = piece.strip(".'’")
            if not piece:
                continue
            candidates = {piece, *re.split(r"[-']", piece)}
            for cand in candidates:
                cand = cand.strip()
                if len(_alnum(cand)) < 2 or cand.upper().strip(".") in _HONORIFICS:
                    continue
                parts.update(_variants(cand))
    return sorted(parts, key=len, reverse=True)


def _name_rule(parts: list[str]) -> _Rule:
    """Runs of name parts and initials ("Jane Doe", "Doe, Jane", "J. Doe", "DOE^JANE")."""
    part_alt = "|".join(re.escape(p) for p in parts)
    initials = sorted({_fold(p)[0].upper() for p in parts if _fold(p)[:1].isalpha()})
    part = rf"{_B}(?i:{part_alt})(?:['’]s)?{_E}"
    unit = part
    if initials:
        init = rf"{_B}[{''.join(initials)}]{_E}\.?"  # initials only as capitals
        unit = rf"(?:{part}|{init})"
    run = rf"{unit}(?:[\s,\^]*{unit})*"
    part_re = re.compile(part)
    unit_re = re.compile(unit)

    def check(match: re.Match[str]) -> tuple[int, int] | None:
        units = [(m.start(), m.end(), bool(part_re.fullmatch(m.group()))) for m in unit_re.finditer(match.group())]
        if not any(is_part for *_, is_part in units):
            return None
        # An initial counts only beside a name part: trim lone leading/trailing initials that
        # have no dot and are not directly followed by a name part ("Doe, A 45-year-old").
        text = match.string
        base = match.start()
        while units and not units[-1][2]:
            s, e, _ = units[-1]
            following = text[base + e : base + e + 1]
            if text[base + e - 1] == "." or following == "" or following in "\n;)":
                break
            units.pop()
        while units and not units[0][2]:
            # leading initial: kept only when a name part follows (guaranteed by the run)
            if len(units) > 1 and units[1][2] or text[base + units[0][1] - 1] == ".":
                break
            units.pop(0)
        if not units or not any(is_part for *_, is_part in units):
            return None
        return base + units[0][0], base + units[-1][1]

    return _Rule(NAME, re.compile(run), check=check)


def _id_patterns(value: str) -> list[str]:
    """An ID written as stored, or with spaces, dashes, dots or slashes between any characters."""
    key = _alnum(value)
    if len(key) < 3:
        return []
    keys = {key}
    digits_tail = re.search(r"\d{4,}$", key)
    if digits_tail and digits_tail.start() > 0:
        keys.add(digits_tail.group())  # "MRN0012345" also written "0012345"
    for k in list(keys):
        stripped = k.lstrip("0")
        if stripped != k and len(stripped) >= 4:
            keys.add(stripped)
    sep = r"[\s\-./]?"
    return [_B + sep.join(re.escape(ch) for ch in k) + _E for k in keys]


def _phrase_patterns(value: str, institution: bool = False) -> list[str]:
    """A phrase with any punctuation/spacing between its words ("St. Mary's" ~ "st marys")."""
    out: list[str] = []
    for variant in _variants(value):
        words = re.findall(r"[^\W_]+", variant)
        if not words or sum(len(w) for w in words) < 3:
            continue
        phrases = [words]
        if institution:
            phrases.append(["Saint" if w.lower() == "st" else w for w in words])
            for ws in list(phrases):
                trimmed = _drop_institution_suffix(ws)
                if trimmed and (len(trimmed) >= 2 or len(trimmed[0]) >= 6):
                    phrases.append(trimmed)
        for ws in phrases:
            out.append(_B + r"[\W_]*".join(re.escape(w) for w in ws) + _E)
    return out


_INSTITUTION_SUFFIXES = {
    "hospital", "hospitals", "clinic", "clinics", "medical", "center", "centre", "health",
    "healthcare", "university", "infirmary", "radiology", "imaging", "institute", "trust", "nhs",
    "foundation", "general", "department", "dept", "of", "and", "the", "system",
}


def _drop_institution_suffix(words: list[str]) -> list[str]:
    trimmed = list(words)
    while trimmed and trimmed[-1].lower() in _INSTITUTION_SUFFIXES:
        trimmed.pop()
    while trimmed and trimmed[0].lower() in {"the", "university", "of"}:
        trimmed.pop(0)
    if trimmed == words or not trimmed or all(w.lower() in _INSTITUTION_SUFFIXES | {"st", "saint"} for w in trimmed):
        return []
    return trimmed


def _date_patterns(value: str) -> list[str]:
    """Every common written form of one DICOM date (YYYYMMDD), with and without its year."""
    m = re.fullmatch(r"\s*(\d{4})[-.]?(\d{2})[-.]?(\d{2})(?:[\d.+\-]*)\s*", value)  # DA, or DT's date
    if not m:
        return []
    y, mo, d = m.group(1), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return []
    yy = y[2:]
    dd = rf"0?{d}" if d < 10 else str(d)
    mm = rf"0?{mo}" if mo < 10 else str(mo)
    full, abbr = _MONTHS[mo - 1]
    month = rf"(?:{full}|{abbr}|sept)" if mo == 9 else rf"(?:{full}|{abbr})"
    month = rf"{month}\.?"
    ordinal = rf"{dd}(?:st|nd|rd|th)?"
    sep = r"[-/.\s]"
    year = rf"(?:{y}|'?{yy})"
    pats = [
        rf"{y}{mo:02d}{d:02d}",
        rf"{y}{sep}{mm}{sep}{dd}",
        rf"{dd}{sep}{mm}{sep}{year}",
        rf"{mm}{sep}{dd}{sep}{year}",
        rf"{ordinal}[\s\-]*(?:of\s+)?{month},?[\s\-]*{year}",
        rf"{month}[\s\-]*{ordinal},?[\s\-]*{year}",
        rf"{ordinal}\s*(?:of\s+)?{month}",  # without the year
        rf"{month}\s*{ordinal}",
        rf"{dd}[/.]{mm}",
        rf"{mm}[/.]{dd}",
    ]
    return [rf"{_B}{p}(?![^\W_]|[/.\-]\d)" for p in pats]


def _url_check(parts: tuple[str, ...], id_keys: tuple[str, ...]):
    """A URL is replaced only when it carries a name, an ID or a patient-ish query parameter;
    references to papers and teaching sites stay."""

    def check(match: re.Match[str]) -> tuple[int, int] | None:
        url = match.group().rstrip(".,;:")
        folded = _fold(url).lower()
        compact = _alnum(folded)
        if any(p.lower() in folded or _fold(p).lower() in folded for p in parts):
            return match.start(), match.start() + len(url)
        if any(k.lower() in compact for k in id_keys):
            return match.start(), match.start() + len(url)
        query = url.split("?", 1)[1] if "?" in url else ""
        if query and _URL_ID_PARAM.search(query):
            return match.start(), match.start() + len(url)
        return None

    return check


