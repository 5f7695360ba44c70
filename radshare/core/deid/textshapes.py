"""Identifiers by their shape alone: the patterns of the free-text de-identifier that need no
knowledge of the case (textpatterns.py adds the record's own identifiers; text.py the allow-list).

Any date (numeric, written, compact), ages over 89 (in digits or words), phone and fax numbers,
labelled IDs ("MRN: ...") and MRN-like digit runs, social security numbers, IP addresses,
postcodes and ZIP codes, street addresses, e-mail addresses. Each rule says what a text must hold
to be worth trying (`needs`): most descriptors hold no digit, and most rules need one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

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


def _fold(value: str) -> str:
    """Accents removed: "Müller" -> "Muller"."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _alnum(value: str) -> str:
    return re.sub(r"[\W_]", "", value)


# --- patterns that need no knowledge of the case -------------------------------------------

URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_EMAIL_RE = re.compile(r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b")
_URL_ID_PARAM = re.compile(r"(?:patient|pat|mrn|accession|acc|name|dob|birth|pid|ssn|nhs)", re.IGNORECASE)


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
    digits = re.sub(r"\D", "", re.split(r"\s*(?:x|ext)", match.group())[0])  # the extension aside
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
                r"(?<![\w.,/])(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{1,4}\)[\s.\-]?)?\d{2,4}(?:[\s.\-]\d{2,4}){1,4}"
                r"(?:\s*(?:x|ext\.?)\s*\d{1,6})?(?![\w]|[.,/]\d)"  # an extension: "x8103", "ext. 12"
            ),
            check=_phone_check, needs="digit"),
        _Rule(PHONE, re.compile(r"(?<![\w.,/])\+\d{7,15}(?![\w]|[.,/]\d)"), needs="digit"),
        # "(0808)1570475", "+44(0)118 4960918", "+61.2.8341.9416": a bracketed area code or a country code
        _Rule(PHONE, re.compile(r"(?<![\w.,/])(?:\+\d{1,3}[\s.\-]?)?\(\d{1,5}\)[\s.\-]?\d[\d\s.\-]{4,14}\d(?![\w]|[.,/]\d)"),
              check=_phone_check, needs="digit"),
        _Rule(PHONE, re.compile(r"(?<![\w.,/])\+\d{1,3}(?:[\s.\-]\d{1,5}){2,5}(?![\w]|[.,/]\d)"),
              check=_phone_check, needs="digit"),
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
# More street types (the USPS suffix list and British ones): only as "12 Sample Manor", capitalised
# words after a house number, since most are also plain words ("3 mm wall").
_STREET_AFTER_NUMBER = (
    "Plaza|Springs?|Islands?|Rue|Centers?|Centres?|Mountains?|Lodge|Lakes?|Burgs?|River|Branch|Lights?|Ramp|Mall|"
    "Manors?|Ranch|Village|Meadows?|Ridge|Crossing|Point|Station|Summit|Valley|Vista|Estates?|Fort|Forge|"
    "Harbou?r|Haven|Heights|Hollow|Junction|Knoll|Landing|Loop|Mills?|Motorway|Mount|Orchard|Pass|Path|Pike|"
    "Pines?|Plains?|Prairie|Rapids|Route|Shoals?|Shores?|Spur|Stream|Trace|Track|Turnpike|Vale|Via|Wells?|"
    "Bypass|Causeway|Cliffs?|Common|Corners?|Course|Cove|Creek|Crest|Dale|Dam|Divide|Ferry|Fields?|Flats?|Ford|"
    "Forest|Forks?|Freeway|Glen|Green|Harbor|Hills?|Inlet|Isle|Keys?|Locks?|Oval|Parks?|Ports?|Rest|Rise|Run|"
    "Views?|Villas?|Ways|Wynd|Chase|Gate|Yard|Side|End|Hall|Farm|Cottages?|Brow|Bank|Embankment|Approach"
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
            rf"{_B}\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][a-z'’\-]+\s+){{1,3}}(?:{_STREET_AFTER_NUMBER}){_E}"), needs="digit"),
        _Rule(ADDRESS, re.compile(
            r"\b(?:apt|apartment|flat|unit|suite|ste|studio|p\.?\s?o\.?\s*box)\.?\s*#?\s*\d+[A-Za-z]?\b", re.IGNORECASE), needs="digit"),
    ]
