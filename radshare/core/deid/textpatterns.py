"""What identifies a person in free text by its shape or by the record: the de-identifier's patterns.

Two sources of knowledge, applied together on the original text (text.py adds the allow-list):

* the record's own identifiers (`model.Identifiers`, read from the original headers before
  de-identification, or from the input's file and folder names): every name part and the usual
  ways people write a name ("Jane Doe", "Doe, Jane", "J. Doe", "DOE^JANE"), IDs/MRNs/accession
  numbers also when written with spaces or dashes, the birth and study dates in the formats people
  write them (including day+month without a year), institution names, and the other values the
  header carried;
* patterns that need no knowledge of the case: any date, ages over 89, phone and fax numbers,
  e-mail addresses, labelled IDs ("MRN: ...") and MRN-like digit runs, social security numbers, IP
  addresses, postcodes and ZIP codes, street addresses, and URLs that carry a name or an ID.

`find_spans` returns non-overlapping (start, end, category) spans: all candidates are found on the
original text first and then merged where they overlap, so no fragment of an identifier is left
beside a placeholder.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from radshare.core.model import Identifiers

NAME = "name"
ID = "id"
DATE = "date"
INSTITUTION = "institution"
OTHER = "other"
PHONE = "phone"
EMAIL = "email"
URL = "url"
AGE = "age"
ADDRESS = "address"

TOKENS = {
    NAME: "[NAME]",
    ID: "[ID]",
    DATE: "[DATE]",
    INSTITUTION: "[INSTITUTION]",
    OTHER: "[REDACTED]",
    PHONE: "[PHONE]",
    EMAIL: "[EMAIL]",
    URL: "[URL]",
    AGE: "[AGE]",
    ADDRESS: "[ADDRESS]",
}

# Not identifying on their own; DICOM names may carry them as prefix/suffix components.
_HONORIFICS = {"MR", "MRS", "MS", "MISS", "DR", "PROF", "JR", "SR", "II", "III", "IV", "MD", "PHD"}

_MONTHS = [
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may", "may"),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep"),
    ("october", "oct"), ("november", "nov"), ("december", "dec"),
]

# Letters/digits boundaries: "not next to a letter or digit" (the underscore counts as a gap).
_B = r"(?<![^\W_])"
_E = r"(?![^\W_])"


@dataclass(frozen=True)
class _Rule:
    category: str
    pattern: re.Pattern[str]
    group: int = 0  # which group is replaced (labelled IDs keep their label)
    check: object = None  # optional callable(match) -> (start, end) | None
    needs: str = ""  # "digit": only texts with a digit can match; any other string: only texts holding it


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


def _fold(value: str) -> str:
    """Accents removed: "Müller" -> "Muller"."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _variants(word: str) -> set[str]:
    german = word.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    german = german.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    return {word, _fold(word), german}


def _alnum(value: str) -> str:
    return re.sub(r"[\W_]", "", value)


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


# --- patterns that need no knowledge of the case -------------------------------------------

URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_EMAIL_RE = re.compile(r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b")
_URL_ID_PARAM = re.compile(r"(?:patient|pat|mrn|accession|acc|name|dob|birth|pid|ssn|nhs)", re.IGNORECASE)


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


def _months_alt(include_may: bool = True) -> str:
    names = []
    for full, abbr in _MONTHS:
        if full == "may" and not include_may:
            continue
        names.extend([full, abbr])
    names.append("sept")
    return "(?:" + "|".join(sorted(set(names), key=len, reverse=True)) + r")\.?"


def _date_check(match: re.Match[str]) -> tuple[int, int] | None:
    """Numeric dates: day and month must be plausible in some order."""
    numbers = [int(n) for n in re.findall(r"\d+", match.group())]
    if len(numbers) == 3:
        a, b, c = numbers
        if a > 31:  # year first
            ok = 1 <= b <= 12 and 1 <= c <= 31
        else:
            ok = (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)
        if not ok:
            return None
    return match.span()


def _compact_date_check(match: re.Match[str]) -> tuple[int, int] | None:
    s = match.group()
    month, day = int(s[4:6]), int(s[6:8])
    return match.span() if 1 <= month <= 12 and 1 <= day <= 31 else None


def _phone_check(match: re.Match[str]) -> tuple[int, int] | None:
    digits = re.sub(r"\D", "", match.group())
    return match.span() if 7 <= len(digits) <= 15 else None


@lru_cache(maxsize=1)
def _pattern_rules() -> list[_Rule]:
    month = _months_alt()
    month_no_may = _months_alt(include_may=False)
    day = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
    year4 = r"(?:1[89]\d{2}|20\d{2})"
    end = r"(?![^\W_]|[/.\-]\d)"
    text_dates = "|".join(
        [
            rf"{day}[\s\-]*(?:of\s+)?{month},?[\s\-]*(?:{year4}|'\d{{2}})",
            rf"{month}[\s\-]*{day},?[\s\-]*{year4}",
            rf"{month},?\s+{year4}",
            rf"{day}\s+(?:of\s+)?{month}",
            rf"{month_no_may}\s+{day}",
        ]
    )
    label = (
        r"(?:MRN|MR\s?(?:No|Number|#)|medical\s+record(?:\s+(?:number|no))?|hospital\s+(?:number|no)|"
        r"patient\s+(?:id|number|no)|pt\.?\s+id|PID|accession(?:\s+(?:number|no))?|acc(?:ession)?\s?#|"
        r"NHS\s+(?:number|no)|SSN|social\s+security(?:\s+number)?|encounter(?:\s+(?:id|number|no))?|"
        r"visit\s+(?:id|number|no)|case\s+(?:id|number|no)|ID)"
    )
    return [
        _Rule(DATE, re.compile(rf"{_B}(?:{text_dates}){end}", re.IGNORECASE), needs="digit"),
        _Rule(DATE, re.compile(rf"{_B}{year4}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01]){end}"), needs="digit"),
        _Rule(DATE, re.compile(rf"{_B}\d{{1,2}}[-/.]\d{{1,2}}[-/.](?:\d{{4}}|\d{{2}}){end}"), check=_date_check, needs="digit"),
        _Rule(DATE, re.compile(rf"{_B}{year4}\d{{4}}{_E}"), check=_compact_date_check, needs="digit"),
        _Rule(
            ID,
            re.compile(rf"{_B}{label}\s*[:#.=\-]?\s*(?:#\s*)?((?=[A-Z0-9\-/]*\d)[A-Z0-9][A-Z0-9\-/]{{2,}}){_E}", re.IGNORECASE),
            group=1, needs="digit"),
        _Rule(
            PHONE,
            re.compile(
                r"(?<![\w.,/])(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{1,4}\)[\s.\-]?)?\d{2,4}(?:[\s.\-]\d{2,4}){1,4}(?![\w]|[.,/]\d)"
            ),
            check=_phone_check, needs="digit"),
        _Rule(PHONE, re.compile(r"(?<![\w.,/])\+\d{7,15}(?![\w]|[.,/]\d)"), needs="digit"),
        # MRN-like digit runs: 6+ digits (spaces allowed), or 8+ with dashes (page ranges stay).
        _Rule(ID, re.compile(r"(?<![\w.,/\-])#?[A-Z]{0,3}\d(?:\s?\d){5,}(?![\w\-]|[.,/]\d)"), needs="digit"),
        _Rule(ID, re.compile(r"(?<![\w.,/\-])#?[A-Z]{0,3}\d(?:[\s\-]?\d){7,}(?![\w\-]|[.,/]\d)"), needs="digit"),
        *_extra_rules(),
    ]


# Street types: after a house number in any case; without one only capitalised ("Sample Street").
_STREET_ANY_CASE = (
    "street|st|road|rd|avenue|ave|lane|ln|boulevard|blvd|crescent|cres|terrace|tce|gardens|gdns|mews|"
    "highway|hwy|parkway|pkwy|drive|dr|court|ct|place|pl|square|sq|close|grove|parade|way|walk|row|circle|"
    "alley|trail|hill|park|green|rise|view|wharf|quay"
)
_STREET_CAPITALISED = (
    "Street|Road|Avenue|Lane|Boulevard|Crescent|Terrace|Gardens|Mews|Highway|Parkway|Drive|Court|Place|"
    "Square|Close|Grove|Parade|Way|Walk|Row|Circle|Alley|Trail|Wharf|Quay"
)


def _extra_rules() -> list[_Rule]:
    """Ages over 89, network addresses, postcodes and street addresses (Safe Harbor's other shapes)."""
    age_unit = r"(?:years?|yrs?|yo|y/o|y\.o\.|y)"
    old = rf"(?:9\d|1[0-4]\d)"
    word = r"[A-Za-z][\w'’.\-]*"
    return [
        _Rule(AGE, re.compile(rf"{_B}{old}\s*[\-\s]?\s*{age_unit}(?:[\s\-]*old)?{_E}", re.IGNORECASE), needs="digit"),
        _Rule(AGE, re.compile(rf"{_B}(?:aged?|age:)\s*{old}{_E}", re.IGNORECASE), needs="digit"),
        _Rule(AGE, re.compile(  # in words: "ninety-two year old", "one hundred and one years"
            rf"{_B}(?:ninety(?:[\s\-]+(?:one|two|three|four|five|six|seven|eight|nine))?|one\s+hundred(?:\s+and\s+\w+)?)"
            rf"[\s\-]*(?:years?|yrs?)(?:[\s\-]*old)?{_E}", re.IGNORECASE)),
        _Rule(AGE, re.compile(rf"{_B}{old}\s*(?:M|F|yo[mf])\b"), needs="digit"),
        _Rule(ID, re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)"), needs="digit"),  # IPv4
        _Rule(ID, re.compile(r"(?<![\w:])(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}(?![\w:])", re.IGNORECASE), needs="digit"),  # IPv6
        _Rule(ID, re.compile(r"(?<![\w\-])\d{3}-\d{2}-\d{4}(?![\w\-])"), needs="digit"),  # SSN
        _Rule(ADDRESS, re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b"), needs="digit"),  # UK postcode
        _Rule(ADDRESS, re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d\b"), needs="digit"),  # Canada
        _Rule(ADDRESS, re.compile(r"(?<![\w\-])\d{5}-\d{4}(?![\w\-])"), needs="digit"),  # ZIP+4
        _Rule(ADDRESS, re.compile(
            rf"{_B}\d{{1,5}}[A-Za-z]?,?\s+(?:{word}\s+){{0,3}}(?i:{_STREET_ANY_CASE})\.?{_E}"), needs="digit"),
        _Rule(ADDRESS, re.compile(rf"\b(?:[A-Z][a-z'’\-]+\s+){{1,3}}(?:{_STREET_CAPITALISED}){_E}"), needs=""),
        _Rule(ADDRESS, re.compile(
            r"\b(?:apt|apartment|flat|unit|suite|ste|p\.?\s?o\.?\s*box)\.?\s*#?\s*\d+[A-Za-z]?\b", re.IGNORECASE), needs="digit"),
    ]
