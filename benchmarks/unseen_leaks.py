"""Independent leak probe: plant identifiers RadShare has never seen, run the real CLI, look for them.

Written apart from tests/fixtures and the other benchmarks on purpose (own names, own phantoms,
own fonts, own tag choices): a probe that shares the project's generators shares its blind spots.

    python benchmarks/unseen_leaks.py            # --quick: ~150 inputs, a few minutes on 2 cores
    python benchmarks/unseen_leaks.py --full     # three times the pixel cases
    python benchmarks/unseen_leaks.py --keep DIR # keep the corpus, outputs and leak crops (DIR/leaks/)

Exit 1 when anything leaked (0 when nothing did): usable as a gate.

Channels probed: DICOM header tags (identity attributes), free text inside attributes the profile
keeps or cleans (descriptions, code meanings 3 sequences deep, private tags), file and folder
names, photo metadata (EXIF, XMP, IPTC, JPEG comment, PNG text chunks), burned-in pixel text by
modality / font / size / contrast / orientation / transfer syntax, case notes through
`radshare export`, and a post to a folder account through `radshare post`. Every output byte,
every DICOM text value, every output path, the report, stderr, and the OCR of every output image
are searched for every planted value. Precision: text-free images of each modality are run too
and the share of their pixels painted is reported.

The values are invented (syllable-built surnames, 555 phone numbers, example.org mail), so the
table prints them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import warnings
import zipfile

import cv2
import numpy as np
import pydicom
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import (ExplicitVRLittleEndian, JPEGBaseline8Bit, RLELossless, generate_uid)

ROOT = Path(__file__).resolve().parents[1]
RADSHARE = [sys.executable, "-m", "radshare"]
FONT_DIR = Path("/usr/share/fonts/truetype")

# --------------------------------------------------------------------------- planted values

ONSETS = ["Br", "Kv", "Zh", "Tr", "Ql", "Vr", "Sk", "Dr", "Gw", "Pf", "Xh", "Mb"]
NUCLEI = ["a", "o", "e", "ui", "y", "au", "ei", "u"]
CODAS = ["nd", "zk", "rr", "lth", "x", "mp", "sk", "vv", "nt"]
REAL_FIRST = ["Maria", "James", "Linda", "Robert", "Mohammed", "Priya", "Wei", "Fatima", "John", "Anna"]
REAL_LAST = ["Smith", "Garcia", "Johnson", "Nguyen", "Brown", "Kowalski", "Patel", "Miller", "Rossi", "Murphy",
             "White", "Young", "Baker", "Hill", "King", "Müller", "Núñez", "Øvergaard"]  # some are also words
STREETS = ["Quenby Lane", "Harrowgate Road", "Willow Crescent", "Old Mill Street", "Birchwood Avenue"]
TOWNS = ["Marlowton", "Eastbridge", "Kelsford", "Dunmere"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def invented_surname(rng: random.Random) -> str:
    """Two or three syllables no dictionary holds (onset clusters like 'Xh', 'Pf' + odd codas); some accented."""
    n = rng.choice((2, 3))
    word = "".join(rng.choice(ONSETS) + rng.choice(NUCLEI) + (rng.choice(CODAS) if i == n - 1 else "")
                   for i in range(n))
    if rng.random() < 0.15:
        word = word.replace("o", "ø", 1).replace("e", "é", 1)
    return word.capitalize()


def date_forms(rng: random.Random) -> list[str]:
    y, m, d = rng.randint(1931, 2004), rng.randint(1, 12), rng.randint(13, 28)
    return [f"{m:02d}/{d:02d}/{y}", f"{d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d}", f"{MONTHS[m-1]} {d}, {y}",
            f"{d} {MONTHS[m-1][:3]} {y}", f"{y}{m:02d}{d:02d}", f"{d:02d}-{MONTHS[m-1][:3].upper()}-{y % 100:02d}"]


@dataclass
class Person:
    surname: str
    given: str
    real_first: str
    real_last: str
    relative: str
    doctor: str
    address: str
    phone: str
    email: str
    mrn: str
    dates: list[str]

    def needles(self) -> dict[str, str]:
        """Value -> kind. Only values long and odd enough that a hit is a leak, not chance."""
        out = {self.surname: "invented surname", self.given: "invented given name",
               f"{self.real_first} {self.real_last}": "real name", self.relative.split()[-1]: "relative surname",
               self.doctor.split()[-1]: "doctor surname", self.address.split(",")[0]: "address",
               self.phone: "phone", self.email: "e-mail", self.mrn: "MRN"}
        for dform in self.dates:
            out[dform] = "date"
        return out


def make_person(rng: random.Random) -> Person:
    sur, giv = invented_surname(rng), invented_surname(rng)
    rel, doc = invented_surname(rng), invented_surname(rng)
    phone = rng.choice([f"({rng.randint(201, 989)}) 555-{rng.randint(100, 199):04d}",
                        f"555.{rng.randint(200, 899)}.{rng.randint(1000, 9999)}",
                        f"+44 20 7946 {rng.randint(1000, 1999)}", f"07700 9{rng.randint(10000, 99999)}"])
    mrn = rng.choice([f"MRN#A-{rng.randint(100000, 999999)}", f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}-X",
                      f"K9X-{rng.randint(100, 999)}-{rng.randint(10, 99)}", f"HN{rng.randint(10**7, 10**8 - 1)}",
                      f"#{rng.randint(100, 999)}/{rng.randint(10000, 99999)}"])
    return Person(surname=sur, given=giv, real_first=rng.choice(REAL_FIRST), real_last=rng.choice(REAL_LAST),
                  relative=f"{rng.choice(['wife', 'son', 'daughter', 'husband'])} {rng.choice(REAL_FIRST)} {rel}",
                  doctor=f"Dr. {doc}", address=f"{rng.randint(12, 9876)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}",
                  phone=phone, email=f"{sur.lower()}.{rng.randint(10, 99)}@example.org", mrn=mrn,
                  dates=date_forms(rng))


def history_text(p: Person, rng: random.Random) -> str:
    """A clinical sentence with the identifiers woven in, the way people really type them."""
    forms = [
        f"Pt {p.surname} {p.given}, DOB {p.dates[0]}, seen by {p.doctor}; {p.relative} at {p.phone}",
        f"Follow-up for {p.real_first} {p.real_last} ({p.mrn}) lives {p.address}, mail {p.email}",
        f"prior study {p.dates[3]} compare; {p.doctor} requested, call {p.phone}",
        f"{p.surname.upper()} {p.given} seen {p.dates[4]} with {p.relative}",
        f"hx fall {p.dates[2]}, ref {p.doctor}, MRN {p.mrn}",
        # no cue words: a name where a finding could stand, lower case, surname-comma-given, initials
        f"{p.surname}, {p.given} {p.dates[1]} L knee",
        f"reviewed w/ {p.real_last.lower()} re {p.mrn}; {p.address}",
        f"{p.given[0]}. {p.surname} / {p.dates[6]} / {p.phone}",
        f"CXR {p.dates[5]} {p.real_first} {p.real_last} {p.email}",
        f"{p.relative.split()[-1]} (next of kin) {p.phone}",
        f"chest pain since {p.dates[3]}; lives with {p.relative}",
    ]
    return rng.choice(forms)


# --------------------------------------------------------------------------- phantoms (anatomy)

def phantom(modality: str, rng: np.random.Generator, size: int = 256) -> np.ndarray:
    """Float image in [0, 1] (or HxWx3 for colour) that looks enough like the modality to tempt a detector."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    if modality == "CT":
        body = ((xx - .5) / .42) ** 2 + ((yy - .52) / .34) ** 2 < 1
        img = np.where(body, 0.35, 0.0)
        ring = np.abs(((xx - .5) / .3) ** 2 + ((yy - .55) / .22) ** 2 - 1) < 0.12  # ribs
        img = np.where(ring & body, 0.95, img)
        spine = ((xx - .5) / .05) ** 2 + ((yy - .75) / .05) ** 2 < 1
        img = np.where(spine, 1.0, img)
        lungs = (((xx - .33) / .12) ** 2 + ((yy - .5) / .17) ** 2 < 1) | (((xx - .67) / .12) ** 2 + ((yy - .5) / .17) ** 2 < 1)
        img = np.where(lungs, 0.05, img)
        # trabecular bone texture: thin bright lines are text-like strokes
        for _ in range(25):
            x0, y0 = rng.integers(110, 146), rng.integers(180, 205)
            cv2.line(img, (int(x0), int(y0)), (int(x0 + rng.integers(-8, 8)), int(y0 + rng.integers(-8, 8))), 0.8, 1)
        return np.clip(img + rng.normal(0, .02, img.shape), 0, 1)
    if modality == "MR":
        head = ((xx - .5) / .38) ** 2 + ((yy - .5) / .45) ** 2 < 1
        img = np.where(head, 0.55, 0.0)
        img = np.where(((xx - .5) / .3) ** 2 + ((yy - .5) / .37) ** 2 < 1, 0.4 + .2 * np.sin(xx * 60) * np.cos(yy * 40), img)
        img = np.where(((xx - .5) / .06) ** 2 + ((yy - .45) / .12) ** 2 < 1, 0.9, img)  # ventricles
        return np.clip(img + rng.normal(0, .03, img.shape), 0, 1)
    if modality == "CR":
        img = 0.25 + 0.5 * np.exp(-(((xx - .5) / .35) ** 2)) * (yy < .95)
        for k in range(9):  # ribs
            cv2.ellipse(img, (size // 2, int(size * (.15 + .08 * k))), (size // 3, size // 12), 0, 180, 360, 0.85, 2)
        return np.clip(img + rng.normal(0, .02, img.shape), 0, 1)
    if modality == "US":
        ang = np.arctan2(xx - .5, yy + .05)
        rad = np.hypot(xx - .5, yy + .05)
        fan = (np.abs(ang) < .6) & (rad > .15) & (rad < 1.0)
        speckle = rng.rayleigh(0.25, (size, size))
        img = np.where(fan, np.clip(speckle * (0.7 + 0.3 * np.sin(rad * 20)), 0, 1), 0)
        img = np.where(fan & (((xx - .5) / .12) ** 2 + ((yy - .6) / .08) ** 2 < 1), img * .15, img)  # cyst
        return img
    if modality == "NM":
        img = np.zeros((size, size), np.float32)
        for _ in range(6):
            cx, cy, r = rng.integers(60, 196), rng.integers(40, 216), rng.integers(10, 35)
            cv2.circle(img, (int(cx), int(cy)), int(r), float(rng.uniform(.3, 1)), -1)
        img = cv2.GaussianBlur(img, (0, 0), 6)
        return np.clip(rng.poisson(img * 40) / 40.0, 0, 1)
    if modality == "XA":
        img = np.full((size, size), .7, np.float32)
        pts = [(int(rng.integers(0, size)), 0)]
        for _ in range(12):
            x, y = pts[-1]
            pts.append((int(np.clip(x + rng.integers(-30, 30), 0, size - 1)), int(min(size - 1, y + rng.integers(10, 30)))))
        for a, b in zip(pts, pts[1:]):
            cv2.line(img, a, b, 0.2, int(rng.integers(2, 6)))
        return np.clip(cv2.GaussianBlur(img, (0, 0), 1.2) + rng.normal(0, .03, img.shape), 0, 1)
    # SC and photos: colour
    img = np.zeros((size, size, 3), np.float32)
    img[..., 0], img[..., 1], img[..., 2] = .55 + .2 * xx, .4 + .1 * yy, .35
    cv2.ellipse(img, (size // 2, size // 2), (size // 3, size // 4), 20, 0, 360, (0.75, 0.5, 0.45), -1)  # skin lesion-ish
    cv2.circle(img, (size // 2 + 20, size // 2), 18, (0.35, 0.2, 0.15), -1)
    return np.clip(img + rng.normal(0, .02, img.shape), 0, 1)


def doppler(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Colour Doppler box on a grey US fan: red/blue flow blobs, no text."""
    rgb = np.repeat(img[..., None], 3, axis=2)
    for colour in ((1, .1, .1), (.1, .3, 1), (1, .8, .1)):
        cx, cy = int(rng.integers(100, 160)), int(rng.integers(110, 170))
        blob = np.zeros(img.shape, np.float32)
        cv2.ellipse(blob, (cx, cy), (int(rng.integers(8, 20)), int(rng.integers(3, 8))), float(rng.uniform(0, 180)), 0, 360, 1, -1)
        blob = cv2.GaussianBlur(blob, (0, 0), 1.5) * (rng.random(img.shape) > .3)
        for c in range(3):
            rgb[..., c] = np.where(blob > .2, colour[c] * blob, rgb[..., c])
    return rgb


# --------------------------------------------------------------------------- fonts and burning

def _font(name: str, px: int):
    path = {"dejavu": FONT_DIR / "dejavu/DejaVuSans.ttf", "dejavu-bold": FONT_DIR / "dejavu/DejaVuSansMono-Bold.ttf",
            "liberation": FONT_DIR / "liberation/LiberationSans-Regular.ttf",
            "liberation-serif": FONT_DIR / "liberation/LiberationSerif-Regular.ttf"}.get(name)
    if path is None or not path.exists():
        return ImageFont.load_default_imagefont()  # Pillow's old 6x11 bitmap font
    return ImageFont.truetype(str(path), px)


def text_mask(text: str, font: str, px: int) -> np.ndarray:
    """Binary-ish float mask (0..1) of the text alone, tightly cropped."""
    if font == "hershey":
        scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_SIMPLEX, px, 1)
        (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        canvas = np.zeros((h + base + 4, w + 4), np.uint8)
        cv2.putText(canvas, text, (2, h + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 1, cv2.LINE_AA)
    else:
        f = _font(font, px)
        box = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=f)
        im = Image.new("L", (box[2] - box[0] + 4, box[3] - box[1] + 4))
        ImageDraw.Draw(im).text((2 - box[0], 2 - box[1]), text, fill=255, font=f)
        if font == "bitmap" and px > 14:  # the bitmap font has one size: scale it up blocky
            im = im.resize((im.width * 2, im.height * 2), Image.NEAREST)
        canvas = np.asarray(im)
    return canvas.astype(np.float32) / 255.0


@dataclass
class Burn:
    text: str
    x: int
    y: int
    w: int
    h: int
    font: str
    px: int
    style: str  # normal | low-contrast | vertical | over-anatomy
    ink: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0), bool))


def burn(img: np.ndarray, text: str, font: str, px: int, style: str, where: tuple[int, int]) -> Burn:
    """Paint `text` into img (float, in place) and return where it went."""
    m = text_mask(text, font, px)
    if style == "vertical":
        m = np.rot90(m)
    h, w = m.shape
    H, W = img.shape[:2]
    x, y = min(where[0], W - w - 1), min(where[1], H - h - 1)
    x, y = max(x, 0), max(y, 0)
    h, w = min(h, H - y), min(w, W - x)
    m = m[:h, :w]
    region = img[y:y + h, x:x + w]
    if style == "low-contrast":
        base = float(np.median(region)) if region.size else 0.3
        value = min(1.0, base + 0.18) if base < 0.8 else base - 0.18
    else:
        value = 1.0
    if img.ndim == 3:
        for c in range(3):
            region[..., c] = region[..., c] * (1 - m) + value * m
    else:
        img[y:y + h, x:x + w] = region * (1 - m) + value * m
    return Burn(text, x, y, w, h, font, px, style, ink=m > 0.5)


# --------------------------------------------------------------------------- DICOM writing

MODALITY_SOP = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4",
                "CR": "1.2.840.10008.5.1.4.1.1.1", "US": "1.2.840.10008.5.1.4.1.1.6.1",
                "SC": "1.2.840.10008.5.1.4.1.1.7", "XA": "1.2.840.10008.5.1.4.1.1.12.1",
                "NM": "1.2.840.10008.5.1.4.1.1.20"}
IDENTITY_TAGS = ["PatientName", "PatientID", "OtherPatientIDs", "PatientBirthDate", "PatientAddress",
                 "PatientTelephoneNumbers", "ReferringPhysicianName", "InstitutionName", "InstitutionAddress",
                 "AccessionNumber", "OperatorsName", "PerformingPhysicianName", "PatientMotherBirthName",
                 "RequestingPhysician", "StationName", "StudyID", "OtherPatientNames", "InstitutionalDepartmentName",
                 "ResponsiblePerson", "NameOfPhysiciansReadingStudy"]
FREE_TEXT_TAGS = ["StudyDescription", "SeriesDescription", "ProtocolName", "ImageComments", "DerivationDescription",
                  "AdditionalPatientHistory", "RequestedProcedureDescription", "PatientComments", "StudyComments",
                  "AcquisitionDeviceProcessingDescription", "BodyPartExamined", "PerformedProcedureStepDescription",
                  "ReasonForTheRequestedProcedure", "ContrastBolusAgent", "ImageType"]


def code_item(meaning: str, value: str = "R-1234") -> Dataset:
    d = Dataset()
    d.CodeValue, d.CodingSchemeDesignator, d.CodeMeaning = value, "99LOCAL", meaning
    return d


def plant_header(ds: Dataset, p: Person, rng: random.Random, where: dict[str, str]) -> None:
    """Identity values in identity tags; woven sentences in every free-text slot; 3-deep sequences; private tags."""
    values = {"PatientName": f"{p.surname}^{p.given}", "PatientID": p.mrn, "OtherPatientIDs": p.mrn.replace("-", ""),
              "PatientBirthDate": re.sub(r"\D", "", p.dates[2]), "PatientAddress": p.address,
              "PatientTelephoneNumbers": p.phone, "ReferringPhysicianName": p.doctor.split()[-1] + "^Orla",
              "InstitutionName": f"{p.real_last} Memorial Clinic", "InstitutionAddress": p.address,
              "AccessionNumber": p.mrn[:16], "OperatorsName": f"{p.relative.split()[-1]}^Tech",
              "PerformingPhysicianName": p.doctor.split()[-1], "PatientMotherBirthName": p.relative.split()[-1],
              "RequestingPhysician": p.doctor.split()[-1], "StationName": p.surname[:16], "StudyID": p.mrn[:16],
              "OtherPatientNames": f"{p.real_last}^{p.real_first}", "InstitutionalDepartmentName": f"{p.surname} wing",
              "ResponsiblePerson": p.relative.split()[-1], "NameOfPhysiciansReadingStudy": p.doctor.split()[-1]}
    for kw, v in values.items():
        setattr(ds, kw, v)
        where[kw] = "header tag"
    for kw in FREE_TEXT_TAGS:
        text = history_text(p, rng)
        vr = pydicom.datadict.dictionary_VR(kw)
        limit = {"LO": 64, "SH": 16, "CS": 16, "ST": 1024, "LT": 10240, "UT": 10 ** 6}.get(vr, 64)
        if kw == "ImageType":
            setattr(ds, kw, ["DERIVED", "SECONDARY", p.surname.upper()[:16]])
        elif kw in ("BodyPartExamined",):
            setattr(ds, kw, p.surname.upper()[:16])
        else:
            setattr(ds, kw, text[:limit])
        where[kw] = "free text"
    # code meanings, nested 1, 2 and 3 deep
    ds.ProcedureCodeSequence = Sequence([code_item(f"CT chest for {p.real_first} {p.real_last}")])
    inner = code_item(f"protocol per {p.doctor}")
    inner.ConceptNameCodeSequence = Sequence([code_item(f"{p.surname} study {p.dates[5]}")])
    mid = Dataset()
    mid.ScheduledProtocolCodeSequence = Sequence([inner])
    mid.RequestedProcedureDescription = f"requested by {p.doctor} tel {p.phone}"[:64]
    ds.RequestAttributesSequence = Sequence([mid])
    anat = code_item(f"chest ({p.mrn})")
    ds.AnatomicRegionSequence = Sequence([anat])
    src = Dataset()
    src.DerivationDescription = f"{p.given} reformat {p.dates[1]}"[:1024]
    src.DerivationCodeSequence = Sequence([code_item(f"{p.email}")])
    ds.SourceImageSequence = Sequence([src])
    where.update({"CodeMeaning": "free text", "nested": "free text"})
    # private tags, in a known and an unknown creator block
    block = ds.private_block(0x0011, "RADPROBE 1.0", create=True)
    block.add_new(0x10, "LO", f"{p.surname}^{p.given}")
    block.add_new(0x11, "LT", history_text(p, rng))
    block2 = ds.private_block(0x0029, "SIEMENS CSA HEADER", create=True)
    block2.add_new(0x10, "OB", f"<name>{p.real_first} {p.real_last}</name> {p.phone}".encode())


def write_dicom(path: Path, modality: str, pixels: np.ndarray, p: Person | None, rng: random.Random,
                syntax: str, plant: bool) -> None:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: some planted names are accented
    ds.SOPClassUID, ds.SOPInstanceUID = MODALITY_SOP[modality], generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.InstanceNumber, ds.SeriesNumber = modality, 1, rng.randint(1, 9)
    ds.StudyDate, ds.StudyTime = "20240611", "101500"
    if plant and p is not None:
        plant_header(ds, p, rng, {})
    else:
        ds.PatientName, ds.PatientID = "Anon^Nobody", "000"
    colour = pixels.ndim == 3
    ds.Rows, ds.Columns = pixels.shape[:2]
    ds.SamplesPerPixel = 3 if colour else 1
    ds.PhotometricInterpretation = "RGB" if colour else "MONOCHROME2"
    if colour:
        ds.PlanarConfiguration = 0
    eight_bit = colour or syntax == "jpeg" or modality in ("US", "XA")
    if eight_bit:
        arr = (np.clip(pixels, 0, 1) * 255).astype(np.uint8)
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    else:
        arr = (np.clip(pixels, 0, 1) * 4000).astype(np.uint16)
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        if modality == "CT":
            ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
            ds.WindowCenter, ds.WindowWidth = 40, 400
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    if syntax == "jpeg":
        buf = io.BytesIO()
        Image.fromarray(arr).save(buf, "JPEG", quality=92)
        frame = buf.getvalue()
        if plant and p is not None:  # a JPEG comment segment inside the frame itself
            com = f"{p.surname} {p.mrn}".encode()
            frame = frame[:2] + b"\xff\xfe" + (len(com) + 2).to_bytes(2, "big") + com + frame[2:]
        ds.PixelData = encapsulate([frame])
        ds["PixelData"].VR = "OB"
        meta.TransferSyntaxUID = JPEGBaseline8Bit
        if colour:
            ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.LossyImageCompression = "01"
    else:
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.PixelData = arr.tobytes()
    ds.file_meta = meta
    if syntax == "rle":
        ds.compress(RLELossless, arr)
    if plant and p is not None:
        plant_hidden(ds, p, arr.shape[:2])
    ds.save_as(path, enforce_file_format=True)
    if plant and p is not None:  # preamble text, and bytes after the data set's end (trailing padding)
        data = bytearray(path.read_bytes())
        pre = f"{p.real_first} {p.real_last} {p.phone}".encode()[:128]
        data[:len(pre)] = pre
        pad = f"{p.given} {p.surname} {p.email}".encode()
        if len(pad) % 2:
            pad += b" "
        data += b"\xfc\xff\xfc\xff" + b"OB\0\0" + len(pad).to_bytes(4, "little") + pad
        path.write_bytes(bytes(data))


def plant_hidden(ds: Dataset, p: Person, shape: tuple[int, int]) -> None:
    """Places a header walk may miss: file meta, an overlay with text and a label, an icon with text."""
    ds.file_meta.SourceApplicationEntityTitle = p.surname[:16].upper()
    ds.file_meta.PrivateInformationCreatorUID = "1.2.3.4"
    ds.file_meta.PrivateInformation = f"{p.real_first} {p.real_last}".encode() + b" "
    rows, cols = shape
    ov = text_mask(p.surname, "dejavu", 14) > 0.5
    bits = np.zeros((rows, cols), np.uint8)
    bits[100:100 + ov.shape[0], 20:20 + ov.shape[1]] = ov[:rows - 100, :cols - 20]
    ds.add_new(0x60000010, "US", rows)
    ds.add_new(0x60000011, "US", cols)
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60000022, "LO", f"overlay for {p.doctor}")
    ds.add_new(0x60001500, "LO", p.mrn)
    ds.add_new(0x60003000, "OW", np.packbits(bits.ravel(), bitorder="little").tobytes())
    icon = Dataset()
    im = (text_mask(p.surname[:8], "dejavu-bold", 12) * 255).astype(np.uint8)
    icon_px = np.zeros((64, 64), np.uint8)
    icon_px[20:20 + im.shape[0], 2:2 + im.shape[1]] = im[:44, :62]
    icon.Rows, icon.Columns, icon.SamplesPerPixel = 64, 64, 1
    icon.PhotometricInterpretation, icon.BitsAllocated, icon.BitsStored = "MONOCHROME2", 8, 8
    icon.HighBit, icon.PixelRepresentation, icon.PixelData = 7, 0, icon_px.tobytes()
    ds.IconImageSequence = Sequence([icon])


# --------------------------------------------------------------------------- photos

def write_photo(path: Path, pixels: np.ndarray, p: Person | None) -> None:
    im = Image.fromarray((np.clip(pixels, 0, 1) * 255).astype(np.uint8))
    if path.suffix == ".png":
        info = PngImagePlugin.PngInfo()
        if p is not None:
            info.add_text("Author", f"{p.surname} {p.given}")
            info.add_text("Comment", history_text(p, random.Random(1)))
            info.add_itxt("Description", f"{p.real_first} {p.real_last} {p.phone}", zip=True)
            info.add_text("Source", p.email, zip=True)
        im.save(path, pnginfo=info)
        return
    exif = Image.Exif()
    extra: dict = {}
    if p is not None:
        exif[0x013B] = f"{p.surname} {p.given}"              # Artist
        exif[0x010E] = f"wound day 3, {p.real_first} {p.real_last}"  # ImageDescription
        exif[0x8298] = f"(c) {p.doctor}"                      # Copyright
        exif[0x0131] = p.email                                # Software (abused)
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.5), 3: "W", 4: (0.0, 7.0, 39.9)}  # GPS: the home
        xmp = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
               f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{p.doctor}</dc:creator>'
               f'<dc:description>{p.mrn} {p.address}</dc:description></rdf:Description></rdf:RDF></x:xmpmeta>')
        extra["xmp"] = xmp.encode()
        extra["comment"] = f"{p.relative} {p.phone}".encode()
    im.save(path, "JPEG", quality=93, exif=exif, **extra)
    if p is not None:  # IPTC by-line and caption in an APP13 Photoshop block, spliced after SOI
        def rec(tag: int, text: str) -> bytes:
            b = text.encode()
            return bytes([0x1C, 2, tag]) + len(b).to_bytes(2, "big") + b
        iptc = rec(80, p.real_last + " " + p.real_first) + rec(120, f"{p.surname} {p.dates[3]}")
        res = b"8BIM" + (0x0404).to_bytes(2, "big") + b"\0\0" + len(iptc).to_bytes(4, "big") + iptc
        if len(iptc) % 2:
            res += b"\0"
        seg = b"Photoshop 3.0\0" + res
        app13 = b"\xff\xed" + (len(seg) + 2).to_bytes(2, "big") + seg
        data = path.read_bytes()
        path.write_bytes(data[:2] + app13 + data[2:])


# --------------------------------------------------------------------------- corpus

PIXEL_MODALITIES = ["CT", "MR", "CR", "US", "SC", "XA", "NM", "photo"]
FONTS = ["dejavu", "liberation", "liberation-serif", "dejavu-bold", "hershey", "bitmap"]
SIZES = [8, 10, 12, 16, 20, 24]
STYLES = ["normal", "normal", "low-contrast", "vertical", "over-anatomy"]
SYNTAXES = ["explicit", "jpeg", "rle"]


@dataclass
class Item:
    path: Path
    kind: str                      # dicom | photo | textfree
    modality: str
    syntax: str
    person: Person | None
    burns: list[Burn] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)


def build_corpus(root: Path, n_pixel: int, seed: int) -> list[Item]:
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    items: list[Item] = []
    for i in range(n_pixel):
        p = make_person(rng)
        mod = PIXEL_MODALITIES[i % len(PIXEL_MODALITIES)]
        syntax = SYNTAXES[(i // len(PIXEL_MODALITIES)) % 3] if mod != "photo" else ("png" if i % 3 == 0 else "jpg")
        if syntax == "jpeg" and mod in ("CT", "MR", "CR", "NM"):
            syntax = "rle" if i % 2 else "explicit"  # 12-bit: JPEG baseline is 8-bit only
        img = phantom("SC" if mod == "photo" else mod, nrng, 320 if mod in ("photo", "SC") else 256)
        burns = []
        texts = [p.surname, p.mrn, p.dates[i % 7], f"{p.real_first} {p.real_last}", p.phone]
        for k in range(3):
            font, px, style = FONTS[(i + k) % len(FONTS)], SIZES[(i * 3 + k) % len(SIZES)], STYLES[(i + 2 * k) % len(STYLES)]
            H, W = img.shape[:2]
            where = ((W // 3, H // 2 - 10) if style == "over-anatomy" else
                     [(4, 4), (W - 150, 4), (4, H - 30), (W - 30, 40)][k % 4 if style != "vertical" else 3])
            burns.append(burn(img, texts[(i + k) % len(texts)], font, px, style, where))
        # folder and file names carry identifiers too
        folder = root / "in" / f"{p.real_last}, {p.real_first} {p.dates[2]}"
        folder.mkdir(parents=True, exist_ok=True)
        if mod == "photo":
            path = folder / f"{p.surname}_{p.given}_{p.mrn.replace('/', '-')}.{syntax}"
            write_photo(path, img, p)
            items.append(Item(path, "photo", "photo", syntax, p, burns))
        else:
            path = folder / f"{p.surname}^{p.given} {p.phone}.dcm"
            write_dicom(path, mod, img, p, rng, syntax, plant=True)
            items.append(Item(path, "dicom", mod, syntax, p, burns))
    # text-free images of every modality for precision (no identifiers anywhere)
    tf = root / "in" / "textfree"
    tf.mkdir(parents=True, exist_ok=True)
    for j, mod in enumerate(["CT", "CT", "MR", "CR", "US", "US-doppler", "XA", "NM", "SC", "photo", "photo-png"]):
        base = mod.split("-")[0]
        img = phantom("SC" if base == "photo" else base, nrng, 320 if base in ("photo", "SC") else 256)
        if mod == "US-doppler":
            img = doppler(img, nrng)
        if base == "photo":
            path = tf / f"tf{j}.{'png' if mod.endswith('png') else 'jpg'}"
            write_photo(path, img, None)
            items.append(Item(path, "textfree", mod, path.suffix[1:], None))
        else:
            path = tf / f"tf{j}.dcm"
            syntax = "rle" if mod == "CT" and j == 1 else "explicit"
            write_dicom(path, "US" if base == "US" else base, img, None, rng, syntax, plant=False)
            items.append(Item(path, "textfree", mod, syntax, None))
    # a zip archive named after the patient, with patient-named folders inside
    fp = make_person(rng)
    inner = root / "zipped.tmp"
    write_dicom(inner, "CT", phantom("CT", nrng), fp, rng, "explicit", plant=True)
    with zipfile.ZipFile(root / "in" / f"{fp.real_last} {fp.real_first} {fp.mrn.replace('/', '-')}.zip", "w") as zf:
        zf.write(inner, f"{fp.surname}, {fp.given}/{fp.dates[2]}/{fp.phone}.dcm")
    inner.unlink()
    items.append(Item(root / "in" / "zip", "zip", "CT", "explicit", fp))
    # broken inputs with identifiers inside, neutral names: what do the error lines say?
    bad = root / "in" / "broken"
    bad.mkdir()
    for k, cut in enumerate((0.5, 0.97)):
        p = make_person(rng)
        good = bad / f"b{k}.tmp"
        write_dicom(good, "CT", phantom("CT", nrng), p, rng, "explicit", plant=True)
        data = good.read_bytes()
        (bad / f"broken{k}.dcm").write_bytes(data[:int(len(data) * cut)])
        good.unlink()
        items.append(Item(bad / f"broken{k}.dcm", "broken", "CT", "explicit", p))
    return items


def build_cases(root: Path, rng: random.Random, n: int) -> list[Person]:
    """Case folders for `radshare export`: a notes file naming people, one DICOM with planted header, one photo."""
    people = []
    nrng = np.random.default_rng(rng.randint(0, 10 ** 6))
    for c in range(n):
        p = make_person(rng)
        people.append(p)
        case = root / "cases" / f"{p.surname} {p.given} - {p.mrn.replace('/', '-')}"
        case.mkdir(parents=True)
        notes = [f"---\ntitle: Pneumothorax in {p.surname}\ntags: [chest, {p.real_last}]\n---",
                 f"# Case of {p.given} {p.surname}", "## History", history_text(p, rng) + ".",
                 f"Brought in by {p.relative}; GP {p.doctor}, phone {p.phone}, {p.email}.",
                 "## Findings", f"Right apical pneumothorax; compare with study of {p.dates[4]} at {p.address}.",
                 "## Diagnosis", "Spontaneous pneumothorax.",
                 "## Discussion", f"Discussed with {p.real_first} {p.real_last} on {p.dates[6]}; MRN {p.mrn}.",
                 "## References", f"- {p.doctor}, personal communication {p.dates[0]}"]
        (case / "case.md").write_text("\n\n".join(notes), encoding="utf-8")
        write_dicom(case / f"{p.surname}_ct.dcm", "CT", phantom("CT", nrng), p, rng, "explicit", plant=True)
        write_photo(case / f"{p.given}.jpg", phantom("SC", nrng, 320), p)
    return people


# --------------------------------------------------------------------------- scanning

def raw_text(path: Path) -> str:
    """Every byte as text twice: latin-1 (one char per byte) and UTF-8 (accented names stored as UTF-8)."""
    data = Path(path).read_bytes()
    return data.decode("latin-1") + "\n" + data.decode("utf-8", "replace")


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def find_needles(text: str, needles: dict[str, str]) -> list[str]:
    t = norm(text.replace("^", " "))
    return [v for v in needles if len(v) >= 4 and norm(v) in t]


def dicom_texts(ds: Dataset, prefix: str = "") -> list[tuple[str, str]]:
    """(keyword path, text) of every string-ish element, every sequence depth, private tags too."""
    out = []
    elements = list(ds)
    if not prefix and getattr(ds, "file_meta", None) is not None:
        elements = list(ds.file_meta) + elements
    for el in elements:
        name = prefix + (el.keyword or f"({el.tag.group:04X},{el.tag.element:04X})")
        if el.VR == "SQ":
            for i, item in enumerate(el.value):
                out += dicom_texts(item, f"{name}[{i}].")
        elif el.tag == 0x7FE00010:
            continue
        elif el.VR in ("OB", "UN", "OW"):
            out.append((name, bytes(el.value or b"").decode("latin-1", "replace")))
        else:
            out.append((name, str(el.value)))
    return out


_API: dict[int, object] = {}


def ocr(arr: np.ndarray, psm: int = 11, scale: float = 3) -> str:
    """Tesseract in process (tesserocr), both polarities: light-on-dark and dark-on-light text."""
    import tesserocr
    if psm not in _API:
        data = next((d for d in ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                                 "/usr/share/tessdata") if Path(d, "eng.traineddata").exists()), "")
        _API[psm] = tesserocr.PyTessBaseAPI(path=data, lang="eng", psm=psm)
    api = _API[psm]
    if arr.ndim == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
    up = cv2.resize(arr, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    out = []
    for img in (up, 255 - up):
        api.SetImage(Image.fromarray(np.ascontiguousarray(img)))
        out.append(api.GetUTF8Text())
    return "\n".join(out)


def to8(arr: np.ndarray, like: np.ndarray | None = None) -> np.ndarray:
    """8-bit view; with `like`, on like's scale, so a painted output is compared on the input's scale."""
    a = arr.astype(np.float32)
    ref = a if like is None else like.astype(np.float32)
    lo, hi = float(ref.min()), float(ref.max())
    a = np.clip(a, lo, hi)
    return ((a - lo) / (hi - lo + 1e-6) * 255).astype(np.uint8)


def load_pixels(path: Path) -> np.ndarray | None:
    try:
        if path.suffix.lower() in (".jpg", ".jpeg", ".png"):
            return np.asarray(Image.open(path).convert("RGB"))
        ds = pydicom.dcmread(path)
        if "PixelData" not in ds:
            return None
        arr = ds.pixel_array
        if ds.get("PhotometricInterpretation", "").startswith("YBR"):
            arr = pydicom.pixels.convert_color_space(arr, ds.PhotometricInterpretation, "RGB")
        return arr
    except Exception:
        return None


def token_read(ocr_text: str, planted: str) -> bool:
    """The planted text counts as read when its longest alphanumeric run (>= 4 chars) appears in the OCR."""
    o = re.sub(r"[^a-z0-9]", "", ocr_text.lower())
    runs = [r for r in re.split(r"[^a-z0-9]+", planted.lower()) if len(r) >= 4]
    return any(r in o for r in runs)


def painted_fraction(before: np.ndarray, after: np.ndarray) -> float:
    """Share of pixels turned (near) black that were not black: the paint RadShare applies."""
    if before.shape[:2] != after.shape[:2]:
        return float("nan")
    b, a = to8(before), to8(after)
    if b.ndim == 3:
        b, a = b.max(axis=2), a.max(axis=2)
    return float(np.mean((a <= 8) & (b > 40)))


def box_coverage(before: np.ndarray, after: np.ndarray, bn: Burn) -> float:
    """Share of the text's own ink pixels painted black (ink is never black: it is bright or low-contrast)."""
    if before.shape[:2] != after.shape[:2]:
        return float("nan")
    a = to8(after, before)
    a = a.max(axis=2) if a.ndim == 3 else a
    box = a[bn.y:bn.y + bn.h, bn.x:bn.x + bn.w]
    ink = bn.ink[:box.shape[0], :box.shape[1]]
    return float(np.mean(box[ink] <= 8)) if ink.any() else 0.0


# --------------------------------------------------------------------------- run

@dataclass
class Tally:
    planted: int = 0
    leaked: int = 0
    ocr_legible: int = 0  # of the leaked pixel texts, how many tesseract reads in the input crop
    details: list[str] = field(default_factory=list)


def run(cmd: list[str], env: dict, timeout: int = 1800) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the default: 120 pixel-text inputs, ~150 files in all")
    ap.add_argument("--full", action="store_true", help="three times as many pixel cases")
    ap.add_argument("--count", type=int, help="pixel-text inputs (default 120, --full 360)")
    ap.add_argument("--cases", type=int, default=6, help="case folders for radshare export")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="keep corpus and outputs here")
    ap.add_argument("--text-redaction", default=None,
                    help="pass to deid/export (e.g. 'off' to check that the probe sees unpainted text)")
    ap.add_argument("--json", type=Path, help="also write the table as JSON here")
    ap.add_argument("--no-post", action="store_true", help="skip radshare post to a folder account")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", module="pydicom")  # planted CS values break VR rules on purpose
    n = args.count or (360 if args.full else 120)
    root = Path(tempfile.mkdtemp(prefix="unseen-")) if args.keep is None else args.keep
    root.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", OMP_THREAD_LIMIT="1",
               RADSHARE_CONFIG_DIR=str(root / "config"), RADSHARE_LEDGER=str(root / "ledger.sqlite"),
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring", HOME=str(root / "home"),
               XDG_CONFIG_HOME=str(root / "home" / ".config"), XDG_DATA_HOME=str(root / "home" / ".local/share"),
               XDG_CACHE_HOME=str(root / "home" / ".cache"), XDG_STATE_HOME=str(root / "home" / ".local/state"))
    extra = ["--text-redaction", args.text_redaction] if args.text_redaction else []
    t0 = time.time()
    items = build_corpus(root, n, args.seed)
    rng = random.Random(args.seed + 1)
    case_people = build_cases(root, rng, args.cases)
    print(f"corpus: {len(items)} inputs + {args.cases} case folders in {time.time() - t0:.0f}s ({root})", flush=True)

    tallies: dict[str, Tally] = defaultdict(Tally)
    attack: list[str] = []
    # self-check: the same scanner must find the planted values in the inputs, or a zero means nothing
    probe = [it for it in items if it.person][:8]
    found = sum(len(set(find_needles(raw_text(it.path), it.person.needles()))) for it in probe)
    wanted = sum(len(it.person.needles()) for it in probe)
    print(f"self-check: the scanner finds {found}/{wanted} planted values in the bytes of {len(probe)} inputs", flush=True)

    # ---- deid
    out = root / "out"
    t1 = time.time()
    res = run(RADSHARE + ["deid", str(root / "in"), "-o", str(out), "--report", str(root / "report.json"),
                          "--workers", str(args.workers)] + extra, env)
    deid_s = time.time() - t1
    print(f"radshare deid: exit {res.returncode} in {deid_s:.0f}s", flush=True)
    report = json.loads((root / "report.json").read_text()) if (root / "report.json").exists() else {"files": []}
    by_input = {str(Path(f["input"]).resolve()): f for f in report["files"]}
    all_needles = {}
    for it in items:
        if it.person:
            all_needles.update(it.person.needles())
    for p in case_people:
        all_needles.update(p.needles())
    input_paths = "\n".join(str(q) for q in (root / "in").rglob("*"))
    for stream, text in (("deid stderr", res.stderr), ("deid stdout", res.stdout)):
        for v in find_needles(text, all_needles):
            how = "inside an input path it names (by design)" if v.lower() in input_paths.lower() else "from content"
            attack.append(f"{stream}: '{v}' ({all_needles[v]}) {how}")
    errors = [f for f in report["files"] if f["status"] != "ok"]
    missing = [it for it in items if it.kind != "zip" and str(it.path.resolve()) not in by_input]

    # every file OUT holds, whether or not the report maps it
    mapped = {str(Path(o)) for f in report["files"] for o in f.get("outputs") or []}
    from_zip = {str(Path(o)) for f in report["files"] if ".zip" in f["input"] for o in f.get("outputs") or []}
    for f in out.rglob("*"):
        rel = str(f.relative_to(out))
        for v in find_needles(rel, all_needles):
            attack.append(f"output path '{rel}': '{v}' ({all_needles[v]})")
        if f.is_file() and (str(f) not in mapped or str(f) in from_zip):  # unmapped, or from the zip input
            if str(f) not in mapped:
                attack.append(f"OUT holds a file the report does not map: {rel}")
            for v in find_needles(raw_text(f), all_needles):
                attack.append(f"{rel}: '{v}' ({all_needles[v]})")

    precision: list[tuple[str, str, float]] = []
    partial: list[str] = []  # 50-80% of the ink painted: not counted as leaked, listed for a look
    pixel_rows: dict[tuple, Tally] = defaultdict(Tally)
    for it in items:
        entry = by_input.get(str(it.path.resolve()))
        outs = [Path(o) for o in entry["outputs"]] if entry else []
        if it.kind == "zip":  # its outputs are checked with every other file OUT holds
            continue
        if it.kind == "broken":
            tallies["broken inputs (named error, no output)"].planted += 1
            if entry is None or entry["status"] == "ok":
                tallies["broken inputs (named error, no output)"].leaked += 1
                tallies["broken inputs (named error, no output)"].details.append(
                    f"{it.path.name}: status {entry and entry['status']} (a truncated file passed)")
            for o in outs:
                for v in find_needles(raw_text(Path(o)), it.person.needles()):
                    attack.append(f"output of truncated {it.path.name}: '{v}'")
            continue
        if it.kind == "textfree":
            before, after = load_pixels(it.path), load_pixels(outs[0]) if outs else None
            frac = painted_fraction(before, after) if before is not None and after is not None else float("nan")
            precision.append((it.modality, it.syntax, frac))
            continue
        needles = it.person.needles()
        kind = f"{it.kind} {it.modality} {it.syntax}"
        # header / free text / photo metadata: every needle planted once per channel per file
        # planted = (place, value) pairs the same scanner finds in the input, so the count is honest
        if it.kind == "dicom":
            tallies["hidden DICOM places"].planted += 4  # preamble, trailing padding, overlay, icon
            tallies["hidden DICOM places"].planted += 2 if it.syntax == "jpeg" else 1  # file meta (+ JPEG COM)
            for path_kw, text in dicom_texts(pydicom.dcmread(it.path)):
                kw = path_kw.split(".")[-1].split("[")[0]
                ch = "header tag" if kw in IDENTITY_TAGS else "free text"
                tallies[ch].planted += len(find_needles(text, needles))
        else:
            tallies["photo metadata"].planted += len(find_needles(raw_text(it.path), needles))
            tallies["photo metadata"].planted += it.syntax == "jpg"  # the GPS position
        tallies["file/folder name"].planted += len(find_needles(str(it.path.relative_to(root / "in")), needles))
        if entry is None or entry["status"] != "ok" or not outs:
            tallies["errors (named)" if entry else "inputs missing from report"].leaked += 1
            continue
        for o in outs:
            raw = raw_text(o)
            hits_raw = set(find_needles(raw, needles))
            located = set()
            if it.kind == "dicom":
                try:
                    ds = pydicom.dcmread(o)
                    hidden = []
                    if "IconImageSequence" in ds:
                        hidden.append("IconImageSequence (icon pixels with the surname burned in) kept")
                    if any(el.tag.group & 0xFF00 == 0x6000 for el in ds):
                        hidden.append("overlay group 60xx kept")
                    if ds.preamble and any(ds.preamble):
                        hidden.append("non-zero preamble kept")
                    for h in hidden:
                        tallies["hidden DICOM places"].leaked += 1
                        tallies["hidden DICOM places"].details.append(f"{kind}: {h}")
                    for path_kw, text in dicom_texts(ds):
                        for v in find_needles(text, needles):
                            kw = path_kw.split(".")[-1].split("[")[0]
                            ch = "header tag" if kw in IDENTITY_TAGS else "free text"
                            tallies[ch].leaked += 1
                            tallies[ch].details.append(f"{kind}: {path_kw} <- '{v}' ({needles[v]})")
                            located.add(v)
                except Exception as e:
                    tallies["free text"].details.append(f"{kind}: output unreadable: {type(e).__name__}")
            if it.kind == "photo" and o.suffix.lower() in (".jpg", ".jpeg", ".png"):
                with Image.open(o) as im:
                    ex = im.getexif()
                    if ex and (0x8825 in ex or len(ex.get_ifd(0x8825))):
                        tallies["photo metadata"].leaked += 1
                        tallies["photo metadata"].details.append(f"{kind}: GPS IFD kept in {o.name}")
                    if ex and len(ex):
                        tallies["photo metadata"].details.append(f"{kind}: EXIF kept ({len(ex)} tags) in {o.name}")
                    if im.info.keys() - {"dpi", "jfif", "jfif_version", "jfif_unit", "jfif_density", "progressive",
                                         "progression", "gamma", "srgb", "aspect", "adobe", "adobe_transform"}:
                        tallies["photo metadata"].details.append(
                            f"{kind}: metadata keys kept in {o.name}: {sorted(im.info)}")
            for v in hits_raw - located:
                ch = "photo metadata" if it.kind == "photo" else "hidden DICOM places"
                tallies[ch].leaked += 1
                tallies[ch].details.append(f"{kind}: raw bytes of {o.name} <- '{v}' ({needles[v]})")
        # pixels: per planted box, coverage and OCR of the box in the output (and in the input, legibility)
        before = load_pixels(it.path)
        after = load_pixels(outs[0])
        if before is None or after is None:
            continue
        whole = ocr(to8(after, before), psm=11, scale=2)
        for v in find_needles(whole, needles):
            if not any(token_read(v, bn.text) for bn in it.burns):
                pixel_rows[("whole-image OCR", "-", 0, "-", "-")].details.append(f"{kind}: OCR of the output reads '{v}'")
        for bn in it.burns:
            key = (it.modality, bn.font, bn.px, bn.style, it.syntax)
            pad = 6
            y0, x0 = max(0, bn.y - pad), max(0, bn.x - pad)
            crop_b = to8(before)[y0:bn.y + bn.h + pad, x0:bn.x + bn.w + pad]
            crop_a = to8(after, before)[y0:bn.y + bn.h + pad, x0:bn.x + bn.w + pad]
            if bn.style == "vertical":
                crop_b, crop_a = np.rot90(crop_b, -1), np.rot90(crop_a, -1)
            read_after = token_read(ocr(crop_a, 7), bn.text) or token_read(whole, bn.text)
            cov = box_coverage(before, after, bn)
            t = pixel_rows[key]
            t.planted += 1
            if 0.5 <= cov < 0.8 and not read_after:
                partial.append(f"{kind} {bn.font} {bn.px}px {bn.style} at x={bn.x} y={bn.y} {bn.w}x{bn.h}: "
                               f"'{bn.text}' painted {cov:.0%} [{it.path.name}]")
            if read_after or cov < 0.5:
                legible = token_read(ocr(crop_b, 7), bn.text)
                t.leaked += 1
                t.ocr_legible += legible
                t.details.append(f"{kind} {bn.font} {bn.px}px {bn.style} at x={bn.x} y={bn.y} {bn.w}x{bn.h}: "
                                 f"'{bn.text}' painted {cov:.0%}, OCR reads it after: {read_after}, "
                                 f"legible before: {legible} [{it.path.name}]")
                if args.keep is not None:  # before | after, 3x, for a human to judge
                    gb, ga = (c.max(axis=2) if c.ndim == 3 else c for c in (crop_b, crop_a))
                    side = np.hstack([gb, np.full((gb.shape[0], 3), 128, np.uint8), ga])
                    (root / "leaks").mkdir(exist_ok=True)
                    Image.fromarray(np.kron(side, np.ones((3, 3), np.uint8))).save(
                        root / "leaks" / f"{it.modality}-{bn.font}-{bn.px}px-{bn.style}-{bn.x}-{bn.y}.png")

    # file and folder names: already checked path by path above; count per input
    name_leaks = [a for a in attack if a.startswith("output path")]
    tallies["file/folder name"].leaked = len(name_leaks)
    tallies["file/folder name"].details = name_leaks

    # the report names inputs: the CLI must refuse (or warn about) a report inside OUT
    r_in = run(RADSHARE + ["deid", str(probe[0].path), "-o", str(root / "out2"), "--report",
                           str(root / "out2" / "report.json"), "--text-redaction", "off"], env)
    inside = root / "out2" / "report.json"
    attack.append(f"--report inside OUT: exit {r_in.returncode}, report written there: {inside.exists()}, "
                  f"stderr: {r_in.stderr.strip()[:160]!r}")

    # ---- export of case folders
    t2 = time.time()
    cs = root / "caseset"
    res_e = run(RADSHARE + ["export", str(root / "cases"), "-o", str(cs), "--dicom", "--zip",
                            "--report", str(root / "export-report.json"), "--workers", str(args.workers)] + extra, env)
    export_s = time.time() - t2
    print(f"radshare export: exit {res_e.returncode} in {export_s:.0f}s", flush=True)
    case_needles = {}
    for p in case_people:
        case_needles.update(p.needles())
    tc = tallies["case set (notes, manifest, index.html, names)"]
    tc.planted = len(case_needles)
    seen: set[str] = set()
    zipped = []
    for z in [q for q in root.glob("caseset*.zip")] + [q for q in cs.rglob("*.zip")] if cs.exists() else []:
        with zipfile.ZipFile(z) as zf:
            for info in zf.infolist():
                zipped.append((f"{z.name}:{info.filename}", info.filename + "\n" + zf.read(info).decode("latin-1")))
    if not zipped:
        tc.details.append("no case-set zip found to scan")
    for f in sorted(cs.rglob("*")) if cs.exists() else []:
        rel = str(f.relative_to(cs))
        texts = [("path", rel)]
        if f.is_file():
            texts.append(("bytes", raw_text(f)))
            try:
                texts.append(("utf-8", f.read_text("utf-8")))
            except (UnicodeDecodeError, ValueError):
                pass
        for how, text in texts:
            for v in find_needles(text, case_needles):
                tc.details.append(f"case set {rel} ({how}): '{v}' ({case_needles[v]})")
                seen.add(v)
    for member, text in zipped:
        for v in find_needles(text, case_needles):
            tc.details.append(f"case-set zip {member}: '{v}' ({case_needles[v]})")
            seen.add(v)
    tc.leaked = len(seen)
    for stream in (res_e.stderr, res_e.stdout):
        for v in find_needles(stream, case_needles):
            attack.append(f"export stderr/stdout: '{v}' ({case_needles[v]})")
    if res_e.returncode not in (0, 1):
        attack.append(f"export failed: exit {res_e.returncode}: {res_e.stderr.strip()[-300:]}")

    # ---- post to a folder account
    if not args.no_post:
        posted = root / "posted"
        posted.mkdir()
        r = run(RADSHARE + ["accounts", "add", "folder", "probe", "--set", f"folder={posted}"], env)
        src = [it for it in items if it.kind in ("dicom", "photo")][:4]
        r2 = run(RADSHARE + ["post", *[str(it.path) for it in src], "--account", "probe", "--confirm", "--alt", "Chest image",
                             "--caption", "Teaching case: chest"], env)
        pn = {}
        for it in src:
            pn.update(it.person.needles())
        tp = tallies["post to folder account"]
        tp.planted = len(pn)
        seen = set()
        for f in posted.rglob("*"):
            rel = str(f.relative_to(posted))
            blobs = [rel] + ([raw_text(f)] if f.is_file() else [])
            for b in blobs:
                for v in find_needles(b, pn):
                    tp.details.append(f"post {rel}: '{v}' ({pn[v]})")
                    seen.add(v)
        for stream in (r.stderr, r2.stderr, r2.stdout):
            for v in find_needles(stream, pn):
                attack.append(f"post stderr/stdout: '{v}' ({pn[v]})")
        tp.leaked = len(seen)
        if r2.returncode != 0:
            tp.details.append(f"post exit {r2.returncode}: {r2.stderr.strip()[-300:]}")

    # ---- what RadShare left on the machine: config, ledger, logs, caches (HOME is a sandbox here)
    for f in [*(root / "home").rglob("*"), *(root / "config").rglob("*"), *root.glob("ledger.sqlite*")]:
        if f.is_file():
            for v in find_needles(str(f) + "\n" + raw_text(f), all_needles):
                attack.append(f"left on the machine: {f.relative_to(root)}: '{v}' ({all_needles[v]})")

    # ---- table
    print()
    print(f"{'channel':58} {'planted':>8} {'leaked':>7}")
    for ch, t in tallies.items():
        print(f"{ch:58} {t.planted:8d} {t.leaked:7d}")
    by_mod: dict[str, Tally] = defaultdict(Tally)
    by_font: dict[str, Tally] = defaultdict(Tally)
    by_size: dict[int, Tally] = defaultdict(Tally)
    by_style: dict[str, Tally] = defaultdict(Tally)
    by_syntax: dict[str, Tally] = defaultdict(Tally)
    for (mod, font, px, style, syntax), t in pixel_rows.items():
        for table, k in ((by_mod, mod), (by_font, font), (by_size, px), (by_style, style), (by_syntax, syntax)):
            table[k].planted += t.planted
            table[k].leaked += t.leaked
    for title, table in (("pixels by modality", by_mod), ("pixels by font", by_font),
                         ("pixels by size (px)", by_size), ("pixels by style", by_style),
                         ("pixels by input encoding", by_syntax)):
        print(f"-- {title}")
        for k in sorted(table, key=str):
            t = table[k]
            print(f"   {str(k):55} {t.planted:8d} {t.leaked:7d}")
    tot = Tally(sum(t.planted for t in pixel_rows.values()), sum(t.leaked for t in pixel_rows.values()))
    print(f"{'pixels total (leak = OCR reads it after, or < 50% of box painted)':58} {tot.planted:8d} {tot.leaked:7d}")
    print(f"{'pixels partly painted (50-80% of the ink; not counted above)':58} {'':8} {len(partial):7d}")
    print("-- painted share of text-free images (precision)")
    for mod, syn, frac in precision:
        print(f"   {mod + ' ' + syn:55} {frac:8.2%}")
    print(f"\ninputs: {len(report['files'])} in report, {len(errors)} not ok, {len(missing)} missing from report")
    for f in errors:
        print(f"   not ok: {Path(f['input']).name}: {f.get('error')}")
    print(f"timings: deid {deid_s:.0f}s, export {export_s:.0f}s, total {time.time() - t0:.0f}s")
    print("\n== leaks, every one")
    for ch, t in tallies.items():
        for d in t.details:
            print(f"[{ch}] {d}")
    for key in sorted(pixel_rows, key=str):
        for d in pixel_rows[key].details:
            print(f"[pixels] {d}")
    for d in partial:
        print(f"[pixels partly painted] {d}")
    print("\n== attacker probe (report inside OUT, manifest, index.html, names, stderr)")
    for a in attack or ["nothing found"]:
        print(f"   {a}")
    summary = {ch: {"planted": t.planted, "leaked": t.leaked} for ch, t in tallies.items()}
    summary["pixels"] = {"planted": tot.planted, "leaked": tot.leaked, "partly_painted": len(partial)}
    summary["text_free_painted"] = {f"{m} {s}": f for m, s, f in precision}
    summary["attacker"] = attack
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if any(v.get("leaked") for v in summary.values() if isinstance(v, dict) and "leaked" in v) else 0


if __name__ == "__main__":
    sys.exit(main())
