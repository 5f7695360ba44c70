"""Word by word: which words of a free text the vocabulary lets through (see text.py).

A word is known when the vocabulary holds it, or its plural or possessive; a lower-case word also
through a clinical prefix ("periappendiceal"), a British spelling ("haematoma"), an inflection
("distended") or a suffix no name has ("-ectomy"); a number of up to four digits, a number with a
unit ("5mm", "1.5T", "2V"), a spine level ("L4"), an ordinal or a matrix ("256x256").

Then names by their place, since a name may also be a word:
* in mixed-case text, a capitalised word inside a sentence that is not a clinical word ("at
  Presham General"), a name word beside a removed name, a given name before a removed surname,
  what follows a removed proper noun (its postcode, "[Wood]-Brown"), a house number before one;
* in capitals, a name or place word that is not a curated imaging word, and plain words beside a
  removed word ("[GROAVBANG] WILL");
* after a title or relation ("Dr", "son", "seen by"), the capitalised words that follow; after
  "plate", "serial", "licence", what holds a digit; beside a removed code, its other half;
* eponym surnames only before the word they name ("Baker's cyst").
"""

from __future__ import annotations

import re

from radshare.core.deid.vocabulary import Vocabulary
from radshare.core.model import Identifiers

TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_UNITS = frozenset(
    "mm cm m km ml l dl mg g kg mcg ug µg ng mmol mol iu u hu kv kvp ma mas ms s sec min mins h hr hrs d wk wks mo "
    "y yr yrs yo t mt hz khz mhz db mgy gy cgy msv mbq gbq mci x ch fr f g v".split()
)
_NUMBER_UNIT = re.compile(r"(\d+)([a-zµ]+)")
_SHAPES = re.compile(
    r"[ctls]\d{1,2}"  # spine levels
    r"|\d+(?:st|nd|rd|th)"  # ordinals
    r"|\d+x\d+|x\d+"  # matrices, magnification
    r"|[a-z]\d{1,3}"  # levels, series and labels: S1, D2, S002
    r"|g\d{1,2}p\d{1,2}"  # gravida and para: G2P1
)
_PREFIXES = ("peri", "para", "intra", "extra", "inter", "infra", "supra", "sub", "retro", "pre", "post", "trans",
             "hyper", "hypo", "hemi", "poly", "multi", "micro", "macro", "endo", "epi", "anti", "non", "pseudo")
_SPELLINGS = (("ae", "e"), ("oe", "e"), ("our", "or"), ("isation", "ization"), ("ise", "ize"), ("tre", "ter"),
              ("yse", "yze"), ("ogue", "og"))
_INFLECTIONS = (("ed", ("", "e")), ("ing", ("", "e")), ("ly", ("",)), ("ness", ("",)), ("ment", ("",)))
_SUFFIXES = ("itis", "osis", "ectomy", "ectomies", "otomy", "ostomy", "plasty", "graphy", "algia", "aemia", "emia",
             "pathy", "plasia", "trophy", "megaly", "ectasis", "ectasia", "lysis", "scopy", "rrhage", "rrhoea", "rrhea",
             "malacia", "penia", "cytosis", "sclerosis", "stenosis", "oscopic", "ectomised", "ectomized")
# After these the next capitalised words (mixed-case text) or name words (capitals) are names.
TRIGGERS = frozenset(
    "dr dr. doctor mr mrs ms miss mx prof professor sir dame rev nurse son daughter wife husband mother father "
    "brother sister partner friend neighbour neighbor mum mom dad uncle aunt cousin grandson granddaughter "
    "grandmother grandfather grandma grandpa niece nephew carer caregiver guardian fiance fiancee boyfriend "
    "girlfriend colleague gp consultant surgeon physician radiologist registrar referrer by named called "
    "née nee aka herr frau mme mlle madame monsieur senor señor senora señora".split()
)
_FUNCTION = frozenset(
    "the a an and or but of in on at to for from with by as is are was were be been has have had not no nor "
    "this that these those it its he she his her they their we our you your i my me us them who whom which "
    "what when where why how than then there here also very more most less least all any both each few "
    "other some such only own same so too can will just should now after before during under over into".split()
)
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_CAPS_AMBIGUOUS = frozenset({"mr", "ms", "by"})  # MR the modality, MS the disease, "BY" too common in capitals
_SENTENCE_END = ".!?:;\n\"'(*#>-|[\t"


def judge_words(text: str, spans: list[tuple[int, int, str]], vocabulary: Vocabulary,
                identifiers: Identifiers | None = None) -> list[tuple[int, int]]:
    """(start, end) of every word outside `spans` that is to be removed, in text order."""
    tokens = _tokens(text, spans)
    if not tokens:
        return []
    mixed = any(len(w) > 2 and w != w.upper() and not _NUMBER_UNIT.fullmatch(w.lower()) for _, _, w in tokens)
    words = vocabulary.words
    lowered = [_stem(t[2].lower()) for t in tokens]
    clinical = vocabulary.clinical
    removed = [not _known(w, words, clinical, tokens[i][2], mixed) for i, w in enumerate(lowered)]
    for i, (start, _end, word) in enumerate(tokens):
        if removed[i] and start and text[start - 1] == "#":  # a hashtag: judged by its parts ("#FOAMrad")
            parts = _CAMEL.findall(word)
            removed[i] = len(parts) < 2 or not all(_known(p.lower(), words, clinical, p, False) for p in parts)
    _eponyms(tokens, lowered, removed, vocabulary)
    name_like = [w in vocabulary.name_words for w in lowered]
    if mixed:  # a capitalised word inside a sentence is a proper noun unless it is a clinical word
        for i, (start, _end, word) in enumerate(tokens):
            if not removed[i] and _title(word) and len(word) >= 3 and lowered[i] not in clinical and \
                    lowered[i] not in _FUNCTION and lowered[i] not in TRIGGERS and not _sentence_start(text, start):
                removed[i] = True  # "Lives at ..., Maiden", "at Presham General"
    for i, (start, end, word) in enumerate(tokens):
        if removed[i] or not name_like[i] or lowered[i] in TRIGGERS:
            continue
        if mixed and _title(word) and not _sentence_start(text, start):
            removed[i] = True  # "seen with White" / "lives in Bath"
        elif not mixed and lowered[i] not in vocabulary.imaging:
            removed[i] = True  # in capitals a name looks like any word: only curated imaging words stay
    _context(text, tokens, lowered, removed, name_like, mixed, clinical)
    _neighbours_of_names(text, tokens, lowered, removed, mixed)
    _after_code_labels(tokens, lowered, removed)
    if not mixed:
        _runs(text, tokens, lowered, removed, vocabulary)
    _codes(text, tokens, lowered, removed, words)
    return [(s, e) for (s, e, _), gone in zip(tokens, removed) if gone]


def _tokens(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out, k = [], 0
    for match in TOKEN.finditer(text):
        start, end = match.span()
        while k < len(spans) and spans[k][1] <= start:
            k += 1
        if k < len(spans) and spans[k][0] < end:
            continue  # inside (or touching) a span the patterns took
        out.append((start, end, match.group()))
    return out


def _stem(word: str) -> str:
    for ending in ("'s", "’s"):
        if word.endswith(ending):
            return word[: -len(ending)]
    return word


def _known(word: str, words: frozenset[str], clinical: frozenset[str], original: str = "", mixed: bool = False) -> bool:
    """`word` (lower case) is safe. A capitalised word inside mixed-case text is known only as it
    is: "Bimouth" is not "bi" + "mouth", "Toae" is not "toe"."""
    if word in words:
        return True
    if word.isdigit():
        return len(word) <= 4
    if not word.isalpha():
        if _SHAPES.fullmatch(word):
            return True
        unit = _NUMBER_UNIT.fullmatch(word)
        return bool(unit and len(unit.group(1)) <= 4 and unit.group(2) in _UNITS)
    if len(word) == 1:
        return True
    if word.endswith("s") and len(word) > 3:
        if word[:-1] in words or (word.endswith(("ses", "xes", "zes", "ches", "shes")) and word[:-2] in words) or (
                word.endswith("ies") and word[:-3] + "y" in words):
            return True
    if mixed and original[:1].isupper() or len(word) < 6:
        return False
    for british, american in _SPELLINGS:
        if british in word and word.replace(british, american) in clinical:
            return True  # haematoma, oesophagus, tumour, centre
    for ending, replacements in _INFLECTIONS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            stem = word[: -len(ending)]
            if any(stem + r in words for r in replacements) or (stem[-1:] == stem[-2:-1] and stem[:-1] in words):
                return True  # distended, outstretched, thickening, markedly
    for prefix in _PREFIXES:
        rest = word[len(prefix):]
        if word.startswith(prefix) and len(rest) >= 5 and rest.lstrip("-") in clinical:
            return True
    return len(word) >= 8 and word.endswith(_SUFFIXES)


def _eponyms(tokens, lowered: list[str], removed: list[bool], vocabulary: Vocabulary) -> None:
    """An eponym surname is kept when a run of eponyms ends before a word of eponym-heads."""
    i, n = 0, len(tokens)
    while i < n:
        if lowered[i] not in vocabulary.eponyms:
            i += 1
            continue
        j = i
        while j < n and (lowered[j] in vocabulary.eponyms or lowered[j] == "and"):
            j += 1
        if j < n and lowered[j] in vocabulary.eponym_heads:
            for k in range(i, j):
                removed[k] = False
        else:
            for k in range(i, j):  # very common words among them ("young", "hill") stay words
                removed[k] = removed[k] or (lowered[k] != "and" and lowered[k] not in vocabulary.words)
        i = max(j, i + 1)


def _context(text: str, tokens, lowered: list[str], removed: list[bool], name_like: list[bool], mixed: bool,
             vocabulary_clinical: frozenset[str] = frozenset()) -> None:
    """Names by their neighbours: after a title or relation word, beside a removed name, initials."""
    n = len(tokens)
    triggers = TRIGGERS if mixed else TRIGGERS - _CAPS_AMBIGUOUS
    for i in range(n):
        if lowered[i] not in triggers:
            continue
        for j in range(i + 1, min(n, i + 4)):
            word = tokens[j][2]
            between = text[tokens[j - 1][1]:tokens[j][0]]
            if lowered[j - 1] in TRIGGERS and between.strip() == ".":
                pass  # "Dr. Brown": the dot of an abbreviated title
            elif any(ch in ".!?;\n" for ch in between) or "," in between and j > i + 1:
                break  # a name after a title stays in its sentence, and ends at a comma
            if lowered[j] in TRIGGERS:
                continue  # "seen by Dr ..."
            if mixed:
                if not (_title(word) or _initial(word)):
                    break
            elif not (removed[j] or name_like[j] and len(word) >= 3):
                break
            removed[j] = True
    if not mixed:
        return  # in capitals, case says nothing about names: neighbours are not judged
    changed = True
    while changed:  # a name word or an initial beside a removed capitalised word is part of the name
        changed = False
        for i in range(n):
            word = tokens[i][2]
            if removed[i] or lowered[i] in TRIGGERS or not (name_like[i] and _title(word) or _initial(word)):
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < n and removed[j] and _title(tokens[j][2]) and _adjacent(text, tokens, min(i, j)):
                    removed[i] = changed = True
                    break
        for i in range(n - 1):  # a given name before a removed surname: "Will [Lewis]", "Grace [Okoro]"
            word = tokens[i][2]
            if not removed[i] and removed[i + 1] and _title(word) and _title(tokens[i + 1][2]) and \
                    lowered[i] not in vocabulary_clinical and lowered[i] not in TRIGGERS and \
                    lowered[i] not in _FUNCTION and _adjacent(text, tokens, i):
                removed[i] = changed = True


_PLACE_PREFIXES = frozenset("new north south east west port lake mount fort saint st upper lower great little grand glen "
                            "san santa los las el la le de du van von der den".split())
_CODE_LABELS = frozenset("plate plates registration reg vehicle vin licence license serial badge policy member "
                         "account acct certificate cert passport".split())


def _neighbours_of_names(text: str, tokens, lowered: list[str], removed: list[bool], mixed: bool) -> None:
    """A house number before a removed name ("0252 [Norman] Manors"), and a place's first word
    before a removed name ("New [Jeffrey]", "Port [Joanna]"), are part of it."""
    for i in range(len(tokens) - 1):
        if removed[i] or not removed[i + 1] or text[tokens[i][1]:tokens[i + 1][0]].strip() not in ("", "/"):
            continue
        word, following = tokens[i][2], tokens[i + 1][2]
        if word.isdigit() and following[:1].isupper() and (mixed or following.isalpha()):
            removed[i] = True
        elif mixed and lowered[i] in _PLACE_PREFIXES and _title(word) and _title(following):
            removed[i] = True
    if not mixed:
        return
    for i in range(1, len(tokens)):  # what follows a removed proper noun: "[Kellyfort] 8075", "[Christopher] Courtyard"
        if removed[i] or not removed[i - 1] or not _title(tokens[i - 1][2]):
            continue
        between = text[tokens[i - 1][1]:tokens[i][0]]
        word = tokens[i][2]
        if word.isdigit() and len(word) >= 3 and between.strip() in ("", ","):
            removed[i] = True  # a postcode after a town
        elif _title(word) and between.strip() in ("", "-") and lowered[i] not in TRIGGERS:
            removed[i] = True  # "[Wood]-Brown", "[Christopher] Courtyard"


def _after_code_labels(tokens, lowered: list[str], removed: list[bool]) -> None:
    """After "plate", "serial", "licence" and the like, what holds a digit or is in capitals is the
    number itself ("Vehicle IMF 659", "serial 86T 1481")."""
    for i, word in enumerate(lowered):
        if word not in _CODE_LABELS:
            continue
        for j in range(i + 1, min(len(tokens), i + 3)):
            token = tokens[j][2]
            if lowered[j] in _CODE_LABELS or lowered[j] in ("no", "number", "id", "of"):
                continue
            if any(ch.isdigit() for ch in token) or token.isupper():
                removed[j] = True
            else:
                break


def _runs(text: str, tokens, lowered: list[str], removed: list[bool], vocabulary: Vocabulary) -> None:
    """In capitals, a plain English word beside a removed word is taken as part of a name
    ("[XQZ] WILL"): descriptors are written in clinical words."""
    n = len(tokens)
    if not any(removed):
        return
    for _ in range(2):
        for i in range(n):
            if removed[i] or lowered[i] in vocabulary.clinical or not tokens[i][2].isalpha() or len(tokens[i][2]) < 3:
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < n and removed[j] and tokens[j][2].isalpha() and \
                        not text[tokens[min(i, j)][1]:tokens[max(i, j)][0]].strip():
                    removed[i] = True
                    break


def _codes(text: str, tokens, lowered: list[str], removed: list[bool], words: frozenset[str]) -> None:
    """A number or short code beside a removed code is part of it ("FG1K 541", "JZZY H00")."""
    n = len(tokens)
    if not any(removed):
        return
    for i in range(n):  # capitals after a removed code with digits: "[1UX1] LSD", "[X2JM] ARE"
        word = tokens[i][2]
        if not removed[i] and word.isupper() and len(word) <= 4 and i and removed[i - 1] and \
                tokens[i - 1][2].isupper() and any(ch.isdigit() for ch in tokens[i - 1][2]) and \
                not text[tokens[i - 1][1]:tokens[i][0]].strip() and any(ch.islower() for ch in text):
            removed[i] = True
    for _ in range(2):
        for i in range(n):
            word = tokens[i][2]
            if removed[i] or word.isalpha():
                continue
            if word.isdigit() and len(word) < 3 or not word.isdigit() and (
                    lowered[i] in words or _NUMBER_UNIT.fullmatch(lowered[i])):
                continue  # "2 VIEWS", "B1000", "5MM" stay
            for j in (i - 1, i + 1):
                if 0 <= j < n and removed[j] and tokens[j][2].isupper() and \
                        not text[tokens[min(i, j)][1]:tokens[max(i, j)][0]].strip():
                    removed[i] = True
                    break


def _adjacent(text: str, tokens, i: int) -> bool:
    """Tokens i and i+1 are separated only by blanks or a comma, or by a dot after an initial."""
    between = text[tokens[i][1]:tokens[i + 1][0]]
    if len(between) > 3:
        return False
    return not between.strip(" ,\t") or between.strip(" \t") == "." and _initial(tokens[i][2])


def _title(word: str) -> bool:
    return word[:1].isupper() and (len(word) == 1 or not word[1:].isupper())


def _initial(word: str) -> bool:
    return len(word) == 1 and word.isupper()


def _sentence_start(text: str, start: int) -> bool:
    k = start - 1
    while k >= 0 and text[k] in " \t":
        k -= 1
    return k < 0 or text[k] in _SENTENCE_END
