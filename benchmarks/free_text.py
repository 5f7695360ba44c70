"""Free-text de-identification: PHI recall, clinical words kept and speed, beside peers, one run.

Generates imaging descriptors ("CT CHEST W CONTRAST", "AX T2 FLAIR", "US ABDOMEN LIMITED" ...)
and short clinical histories and notes carrying identifiers of every HIPAA Safe Harbor category
that text can hold: names (invented syllable-built surnames and given names, and common ones),
places (invented and common towns, streets, postcodes and ZIP codes), dates, ages over 89, phone
and fax numbers, e-mail, SSN, medical record, health plan, account, licence, vehicle and device
numbers, URLs and IP addresses, workplaces. The invented names and places are built from
syllables, never drawn from the lists the vocabulary is built from.

Prints, for the same texts in the same run: PHI token recall (a PHI token counts as leaked when
any of its letters-and-digits pieces survives, except the year of a date), clinical-token
retention (the clinical words of the template that survive), and values per second on one core:
  - RadShare's free-text de-identifier (radshare.core.deid.text, no record identifiers given),
  - the previous header Scrubber (patterns only, as it ran before the allow-list),
  - scrubadub and presidio-analyzer (pattern recognisers), run by benchmarks/free_text_peers.py in
    the peers' environment, which also makes a third set, "notes (Faker)": clinical sentences with
    Faker's names, street addresses, towns, postcodes, companies, phones, dates and number plates
    (en_US, en_GB, en_AU, en_IE), an independent source of identifiers (`--peers`, default /work/.venv-peers-text:
    `python3 -m venv /work/.venv-peers-text && /work/.venv-peers-text/bin/pip install scrubadub presidio-analyzer`;
    scrubadub brings Faker).

    PYTHONPATH=. .venv/bin/python benchmarks/free_text.py [--descriptors 5000] [--notes 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# ------------------------------------------------------------------------------ invented names

_ONSETS = "b br d dr f fl g gr k kl l m n p pr r s sk st t tr v w z th sh ch j h".split()
_VOWELS = "a e i o u ai ou ei ia oa".split()
_CODAS = "n r l s th rk nd lt m x v k rn st ng".split() + [""] * 4
_NAME_ENDS = "son ford ley ton wick berg ski ard mont well holt by ak ez ov ini".split()
_PLACE_ENDS = "ton field bury ham mouth ville stead port wick by thorpe den".split()


def _syllable(rng: random.Random) -> str:
    return rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)


def invented_surname(rng: random.Random) -> str:
    word = _syllable(rng) + _syllable(rng) + (rng.choice(_NAME_ENDS) if rng.random() < 0.5 else "")
    return word.capitalize()


def invented_given(rng: random.Random) -> str:
    return (_syllable(rng) + rng.choice(_VOWELS) + rng.choice(["", "n", "l", "s"])).capitalize()


def invented_place(rng: random.Random) -> str:
    return (_syllable(rng) + rng.choice(_PLACE_ENDS)).capitalize()


COMMON_SURNAMES = ("Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker "
                   "White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Mason Mitchell Davis Garcia "
                   "Martinez Young King Hill Baker Nguyen Kim Chen Murphy Kelly Cooper Turner").split()
COMMON_GIVEN = ("James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth Sarah Emma Oliver Mohammed "
                "Aisha Grace Hope Will Mark Rose Daniel Sophie Thomas Chloe").split()
COMMON_TOWNS = ("Springfield Leeds Boston Bristol Reading Bath Oxford Denver Austin Salem Dover Chester Kingston "
                "Newport Madison Cambridge Manchester Phoenix Portland").split()
STREETS = "Street Road Avenue Lane Drive Close Way Crescent Terrace Court".split()
OCCUPATIONS = "teacher nurse farmer welder driver accountant builder electrician cleaner chef".split()


def surname(rng):
    return invented_surname(rng) if rng.random() < 0.6 else rng.choice(COMMON_SURNAMES)


def given(rng):
    return invented_given(rng) if rng.random() < 0.5 else rng.choice(COMMON_GIVEN)


def town(rng):
    return invented_place(rng) if rng.random() < 0.6 else rng.choice(COMMON_TOWNS)


# ------------------------------------------------------------------------------ identifiers

_MONTHS = "January February March April May June July August September October November December".split()


def a_date(rng) -> tuple[str, list[str]]:
    """A written date and its PHI tokens (the year alone is not PHI under Safe Harbor)."""
    y, m, d = rng.randint(1940, 2025), rng.randint(1, 12), rng.randint(1, 28)
    form = rng.randrange(6)
    if form == 0:
        return f"{d:02d}/{m:02d}/{y}", [f"{d:02d}/{m:02d}/{y}"]
    if form == 1:
        return f"{y}-{m:02d}-{d:02d}", [f"{y}-{m:02d}-{d:02d}"]
    if form == 2:
        return f"{_MONTHS[m - 1]} {d}, {y}", [_MONTHS[m - 1], str(d)]
    if form == 3:
        return f"{d} {_MONTHS[m - 1][:3]} {y}", [str(d), _MONTHS[m - 1][:3]]
    if form == 4:
        return f"{m}/{d}/{y % 100:02d}", [f"{m}/{d}/{y % 100:02d}"]
    return f"{d} {_MONTHS[m - 1]}", [str(d), _MONTHS[m - 1]]


def digits(rng, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def code(rng, n: int) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(n))


def phone(rng) -> str:
    return rng.choice([f"({digits(rng, 3)}) {digits(rng, 3)}-{digits(rng, 4)}", f"0{digits(rng, 3)} {digits(rng, 3)} {digits(rng, 4)}",
                       f"+44 {digits(rng, 4)} {digits(rng, 6)}", f"{digits(rng, 3)}-{digits(rng, 3)}-{digits(rng, 4)}"])


# Each maker returns (text, PHI tokens). Tokens are what must not survive.
def _phi_sentences():
    return [
        lambda r: (lambda g, s: (f"{g} {s} presented with", [g, s]))(given(r), surname(r)),
        lambda r: (lambda s: (f"Referred by Dr {s}.", [s]))(surname(r)),
        lambda r: (lambda s, t: (f"Seen by Dr. {s} at {t} General.", [s, t]))(surname(r), town(r)),
        lambda r: (lambda rel, g: (f"Her {rel} {g} was present.", [g]))(r.choice(["son", "daughter", "husband", "sister"]), given(r)),
        lambda r: (lambda g, s: (f"His wife {g} {s} reports a fall.", [g, s]))(given(r), surname(r)),
        lambda r: (lambda n, s, st, t: (f"Lives at {n} {s} {st}, {t}.", [n, s, st, t]))(str(r.randint(2, 299)), invented_surname(r), r.choice(STREETS), town(r)),
        lambda r: (lambda s, st: (f"Lives on {s} {st}.", [s, st]))(invented_surname(r), r.choice(STREETS)),
        lambda r: (lambda t, z: (f"From {t}, ZIP {z}.", [t, z]))(town(r), digits(r, 5)),
        lambda r: (lambda pc: (f"Postcode {pc}.", pc.split()))(f"{r.choice(['LS', 'BS', 'OX', 'M', 'SW'])}{r.randint(1, 19)} {r.randint(1, 9)}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}"),
        lambda r: (lambda d: (f"DOB {d[0]}.", d[1]))(a_date(r)),
        lambda r: (lambda d: (f"Admitted on {d[0]}.", d[1]))(a_date(r)),
        lambda r: (lambda a: (f"{a}-year-old woman.", [str(a)]))(r.randint(90, 104)),
        lambda r: (lambda a: (f"Aged {a}.", [str(a)]))(r.randint(90, 104)),
        lambda r: (lambda m: (f"MRN {m}.", [m]))(digits(r, r.randint(6, 9))),
        lambda r: (lambda p: (f"Call {p}.", [p]))(phone(r)),
        lambda r: (lambda p: (f"Fax {p}.", [p]))(phone(r)),
        lambda r: (lambda s, g: (f"Email {g.lower()}.{s.lower()}@example.org.", [f"{g.lower()}.{s.lower()}@example.org"]))(surname(r), given(r)),
        lambda r: (lambda s: (f"SSN {s}.", [s]))(f"{digits(r, 3)}-{digits(r, 2)}-{digits(r, 4)}"),
        lambda r: (lambda h: (f"Insurance member ID {h}.", [h]))(code(r, 3) + digits(r, 7)),
        lambda r: (lambda a: (f"Account {a}.", [a]))(digits(r, 8)),
        lambda r: (lambda l: (f"Driving licence {l}.", [l]))(code(r, 8)),
        lambda r: (lambda v: (f"Vehicle plate {v}.", v.split()))(f"{code(r, 4)} {code(r, 3)}"),
        lambda r: (lambda d: (f"Pacemaker serial {d}.", [d]))(code(r, 10)),
        lambda r: (lambda s: (f"Photos at https://portal.example.org/patients/{s.lower()}.", [f"https://portal.example.org/patients/{s.lower()}"]))(surname(r)),
        lambda r: (lambda ip: (f"Uploaded from {ip}.", [ip]))(f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"),
        lambda r: (lambda c, t: (f"Works as a {r.choice(OCCUPATIONS)} at {c} Ltd in {t}.", [c, t]))(invented_surname(r), town(r)),
    ]


CLINICAL_SENTENCES = [
    "CT shows a 3.2 cm spiculated mass in the right upper lobe with mediastinal lymphadenopathy.",
    "History of chest pain and shortness of breath for two days.",
    "Known type 2 diabetes and hypertension, on metformin.",
    "Previous left mastectomy for breast cancer, now on follow-up.",
    "Fall onto an outstretched hand; tenderness in the anatomical snuffbox.",
    "Ultrasound shows a distended gallbladder with gallstones and wall thickening.",
    "MRI demonstrates multiple periventricular white matter lesions.",
    "No evidence of pulmonary embolism.",
    "Small left pleural effusion with adjacent atelectasis.",
    "Acute appendicitis with a 12 mm appendix and periappendiceal fat stranding.",
    "Fracture of the distal radius with dorsal angulation.",
    "Smoker, 30 pack years, weight loss and haemoptysis.",
    "Headache worse in the morning, with vomiting.",
    "Findings are consistent with a subdural haematoma.",
    "Follow-up imaging in six weeks is recommended.",
    "Renal calculus in the left kidney with mild hydronephrosis.",
    "Presented to the emergency department after a road traffic collision.",
    "Chronic lower back pain radiating to the left leg.",
    "Raised inflammatory markers and fever.",
    "Compare with prior study; the nodule is stable.",
]

MODALITY_DESCRIPTORS = [
    "CT CHEST W CONTRAST", "CT CHEST WO CONTRAST", "CT HEAD WO CONTRAST", "CT ABDOMEN PELVIS W CONTRAST",
    "CT CTA CHEST PE PROTOCOL", "CT BRAIN WO IVCON", "CTA HEAD AND NECK", "CT C-SPINE WO", "CT KUB",
    "MR BRAIN WWO CONTRAST", "MRI LUMBAR SPINE WO", "MR KNEE LEFT WO", "MR PROSTATE MULTIPARAMETRIC",
    "AX T2 FLAIR", "SAG T1", "COR T2 FS", "AX DWI B1000", "AX SWI", "3D T1 MPRAGE POST", "AX T1 POST GAD",
    "US ABDOMEN LIMITED", "US ABDOMEN COMPLETE", "US PELVIS TRANSVAGINAL", "US CHEST WALL/SOFT TISSUE",
    "US RENAL BILATERAL", "US DOPPLER CAROTID", "XR CHEST PA AND LAT", "XR CHEST AP PORTABLE", "XR WRIST LEFT 3 VIEWS",
    "XR KNEE RIGHT 2 VIEWS", "XR PELVIS AP", "MG SCREENING BILATERAL", "NM BONE SCAN WHOLE BODY", "PET CT FDG SKULL BASE TO THIGH",
    "ED_HEAD_NEURO_SEQ", "CHEST_ROUTINE_5MM", "ABD_PELVIS_PORTAL_VENOUS", "FLUORO BARIUM SWALLOW", "LOCALIZER",
    "AX 5mm SOFT TISSUE", "CORONAL MIP 3mm", "DELAYED PHASE 3 MIN",
]


def _pieces(text: str) -> list[str]:
    return [p.lower() for p in re.findall(r"[^\W_]+", text)]


def descriptor(rng) -> tuple[str, list[str], list[str]]:
    """(value, PHI tokens, clinical tokens)."""
    base = rng.choice(MODALITY_DESCRIPTORS)
    clinical = base.split()
    if rng.random() < 0.4:
        return base, [], clinical
    kind = rng.randrange(7)
    if kind == 0:
        s = surname(rng).upper()
        return f"{base} {s}", [s], clinical
    if kind == 1:
        s = surname(rng).upper()
        return f"{base} DR {s}", [s], clinical
    if kind == 2:
        text, tokens = a_date(rng)
        return f"{base} {text}", tokens, clinical
    if kind == 3:
        m = digits(rng, 7)
        return f"{base} {m}", [m], clinical
    if kind == 4:
        c = code(rng, 8)
        return f"{base} {c}", [c], clinical
    if kind == 5:
        g, s = given(rng).upper(), surname(rng).upper()
        return f"{s} {g} {base}", [s, g], clinical
    t = town(rng).upper()
    return f"{base} {t}", [t], clinical


def note(rng, makers) -> tuple[str, list[str], list[str]]:
    parts, phi, clinical = [], [], []
    for _ in range(rng.randint(2, 4)):
        sentence = rng.choice(CLINICAL_SENTENCES)
        parts.append(sentence)
        clinical += sentence.split()
    for _ in range(rng.randint(1, 3)):
        text, tokens = rng.choice(makers)(rng)
        parts.insert(rng.randrange(len(parts) + 1), text)
        phi += tokens
    return " ".join(parts), phi, clinical


def generate(n: int, make, rng) -> list[tuple[str, list[str], list[str]]]:
    out = []
    while len(out) < n:
        value, phi, clinical = make(rng)
        phi_pieces = {p for t in phi for p in _phi_pieces(t)}
        if phi_pieces & set(_pieces(" ".join(clinical))):
            continue  # a PHI word equal to a clinical word of the same value could not be scored
        out.append((value, phi, clinical))
    return out


def _phi_pieces(token: str) -> list[str]:
    return [p for p in _pieces(token) if not (len(p) == 4 and p.isdigit() and p[:2] in ("19", "20"))]


# ------------------------------------------------------------------------------ scoring


def score(items, outputs) -> tuple[int, int, int, int]:
    """(PHI tokens, leaked, clinical tokens, kept)."""
    phi_total = leaked = clin_total = kept = 0
    for (value, phi, clinical), out in zip(items, outputs):
        left = Counter(_pieces(out))
        for token in clinical:
            pieces = _pieces(token)
            clin_total += 1
            if pieces and all(left[p] > 0 for p in pieces):
                kept += 1
                for p in pieces:
                    left[p] -= 1
        for token in phi:
            pieces = _phi_pieces(token)
            if not pieces:
                continue
            phi_total += 1
            if any(left[p] > 0 for p in pieces):
                leaked += 1
    return phi_total, leaked, clin_total, kept


# ------------------------------------------------------------------------------ tools


class PreviousScrubber:
    """The header cleaner's Scrubber before the allow-list (radshare/core/deid/rules.py until this
    change), with no record identifiers: its patterns only."""

    MASK = "***"
    PATTERNS = (
        re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
        re.compile(r"(?<!\w)(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?!\w)"),
        re.compile(r"(?<![\w.])(?:19|20)\d{6}(?![\w.])"),
        re.compile(r"(?<!\w)(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{3,4}[.-]\d{3,4}(?:[.-]\d{2,4})?(?!\w)"),
        re.compile(r"(?<!\w)\+\d[\d\s().-]{7,}\d(?!\w)"),
        re.compile(r"(?<![\w.])\d{6,}(?![\w.])"),
        re.compile(r"(?<!\w)[A-Za-z]{1,4}-?\d{5,}(?!\w)"),
    )

    def scrub(self, text: str) -> str:
        for pattern in self.PATTERNS:
            text = pattern.sub(self.MASK, text)
        return text


def _time(clean, texts) -> tuple[list[str], float]:
    clean(texts[0])
    started = time.perf_counter()
    out = [clean(t) for t in texts]
    return out, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--descriptors", type=int, default=5000)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--peers", default="/work/.venv-peers-text", help="virtual environment with scrubadub and presidio-analyzer")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    makers = _phi_sentences()
    sets = {
        "descriptors": generate(args.descriptors, descriptor, rng),
        "notes": generate(args.notes, lambda r: note(r, makers), rng),
    }
    python = Path(args.peers) / "bin" / "python"
    if python.is_file():  # a second, independent source of names and addresses: Faker's
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "faker.json"
            subprocess.run([str(python), str(Path(__file__).with_name("free_text_peers.py")), "--faker",
                            str(args.notes), str(args.seed), str(target)], check=True)
            sets["notes (Faker)"] = [tuple(item) for item in json.loads(target.read_text(encoding="utf-8"))]
    from radshare.core.deid import text as deid_text
    from radshare.core.deid.textpatterns import freeze
    from radshare.core.deid.vocabulary import load_vocabulary

    vocabulary, no_identifiers = load_vocabulary(), freeze(None)
    uncached = deid_text._cached.__wrapped__  # the per-value cache would flatter repeated values: not used

    def radshare_clean(value: str) -> str:
        return uncached(value, no_identifiers, vocabulary, deid_text.REMOVED).text

    results: dict[str, dict[str, tuple[list[str], float]]] = {"RadShare de-identifier (no cache)": {}, "previous header Scrubber": {}}
    previous = PreviousScrubber()
    for kind, items in sets.items():
        texts = [v for v, _, _ in items]
        results["RadShare de-identifier (no cache)"][kind] = _time(radshare_clean, texts)
        results["previous header Scrubber"][kind] = _time(previous.scrub, texts)
    if python.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            source, target = Path(tmp) / "in.json", Path(tmp) / "out.json"
            source.write_text(json.dumps({k: [v for v, _, _ in items] for k, items in sets.items()}), encoding="utf-8")
            subprocess.run([str(python), str(Path(__file__).with_name("free_text_peers.py")), str(source), str(target)], check=True)
            for tool, by_kind in json.loads(target.read_text(encoding="utf-8")).items():
                results[tool] = {k: (v["texts"], v["seconds"]) for k, v in by_kind.items()}
    else:
        print(f"peers not found at {args.peers}: scrubadub and presidio-analyzer not measured", file=sys.stderr)
    print(f"free-text de-identification, seed {args.seed}: {args.descriptors} descriptors, {args.notes} notes "
          f"(invented and common names and places; every Safe Harbor category text can hold)")
    print(f"{'tool':42} {'set':14} {'PHI recall':>11} {'clinical kept':>14} {'values/s':>10}")
    for tool, by_kind in results.items():
        for kind, (outputs, seconds) in by_kind.items():
            phi_total, leaked, clin_total, kept = score(sets[kind], outputs)
            recall = 100.0 * (phi_total - leaked) / max(1, phi_total)
            retention = 100.0 * kept / max(1, clin_total)
            rate = len(outputs) / max(seconds, 1e-9)
            print(f"{tool:42} {kind:14} {recall:10.2f}% {retention:13.2f}% {rate:10.0f}   ({leaked} of {phi_total} PHI tokens left)")
    print("spaCy NER: not measured (no English spaCy model is published on PyPI; only unofficial re-uploads)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
