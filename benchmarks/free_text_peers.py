"""Run the peer de-identifiers over texts for benchmarks/free_text.py, in their own environment.

    /work/.venv-peers-text/bin/python benchmarks/free_text_peers.py IN.json OUT.json

IN.json: {"descriptors": [...], "notes": [...]}. OUT.json: per tool, per set, the cleaned texts
and the seconds taken (one core, one process). Tools: scrubadub (its default detectors), and
presidio-analyzer's pattern recognisers (every predefined recogniser that is a PatternRecognizer,
English; no NER model: no English spaCy model is published on PyPI).
"""

from __future__ import annotations

import json
import sys
import time


def _presidio():
    from presidio_analyzer import PatternRecognizer
    import presidio_analyzer.predefined_recognizers as predefined

    recognizers = []
    for name in dir(predefined):
        cls = getattr(predefined, name)
        if isinstance(cls, type) and issubclass(cls, PatternRecognizer) and cls is not PatternRecognizer:
            try:
                recognizer = cls()
            except Exception:  # noqa: BLE001 - some need arguments or other languages
                continue
            if getattr(recognizer, "supported_language", "en") == "en":
                recognizers.append(recognizer)

    def clean(text: str) -> str:
        spans = []
        for recognizer in recognizers:
            for result in recognizer.analyze(text, recognizer.supported_entities, None) or []:
                spans.append((result.start, result.end))
        out, pos = [], 0
        for start, end in sorted(spans):
            if start < pos:
                start = pos
            if end <= start:
                continue
            out.append(text[pos:start] + "[REDACTED]")
            pos = end
        out.append(text[pos:])
        return "".join(out)

    return clean, len(recognizers)


def faker_items(n: int, seed: int) -> list:
    """[text, PHI tokens, clinical tokens] with Faker's names, addresses, companies, phones, plates
    (en_US, en_GB, en_AU, en_IE): a second, independent source of identifiers."""
    import random

    from faker import Faker

    rng = random.Random(seed)
    fakers = [Faker(locale) for locale in ("en_US", "en_GB", "en_AU", "en_IE")]
    for number, faker in enumerate(fakers):
        faker.seed_instance(seed * 10 + number)
    clinical = ["Left lower lobe consolidation.", "No acute intracranial abnormality.", "Small pleural effusion.",
                "Fracture of the right distal radius.", "Known diabetes, on insulin.", "Follow-up in three months."]
    items = []
    for _ in range(n):
        f = rng.choice(fakers)
        first, last, city, street = f.first_name(), f.last_name(), f.city(), f.street_address()
        postcode, company, phone, date = f.postcode(), f.company(), f.phone_number(), f.date(pattern="%d/%m/%Y")
        plate = f.license_plate()
        text, phi = rng.choice([
            (f"{first} {last} presented with chest pain.", [first, last]),
            (f"Referred by Dr {last} from {city}.", [last, city]),
            (f"Lives at {street}, {city} {postcode}.", street.split() + city.split() + postcode.split()),
            (f"Works at {company}.", [w for w in company.replace(",", " ").split()  # legal forms identify no one
                                      if w not in ("and", "&", "-", "LLC", "PLC", "Ltd", "Inc", "Group", "Sons", "and Sons")]),
            (f"Contact {phone}.", [phone]),
            (f"Seen on {date} by {first} {last}.", [date, first, last]),
            (f"Her husband {first} was present.", [first]),
            (f"Vehicle plate {plate} involved.", plate.split()),
        ])
        sentence = rng.choice(clinical)
        items.append([f"{sentence} {text}", phi, sentence.split()])
    return items


def main() -> int:
    import logging

    if sys.argv[1] == "--faker":
        json.dump(faker_items(int(sys.argv[2]), int(sys.argv[3])), open(sys.argv[4], "w", encoding="utf-8"))
        return 0
    logging.disable(logging.WARNING)  # tldextract's failed look-up of the public suffix list (offline): it falls back to its snapshot
    data = json.load(open(sys.argv[1], encoding="utf-8"))
    import scrubadub

    scrubber = scrubadub.Scrubber()
    presidio, count = _presidio()
    tools = {"scrubadub": scrubber.clean, f"presidio-analyzer ({count} pattern recognisers)": presidio}
    out = {}
    for name, clean in tools.items():
        out[name] = {}
        for kind, texts in data.items():
            clean(texts[0])  # warm up (compiles patterns)
            started = time.perf_counter()
            cleaned = [clean(t) for t in texts]
            out[name][kind] = {"texts": cleaned, "seconds": time.perf_counter() - started}
    json.dump(out, open(sys.argv[2], "w", encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
