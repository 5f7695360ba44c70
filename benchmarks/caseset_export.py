"""Case-set export (`radshare export`) with 1 and 2 workers, and the memory of a long cine.

Generates a set of teaching cases (default 40), each a 60-slice 512x512 CT series of the fake
patient with text burned into some slices (Burned In Annotation = YES there, so text redaction
runs on them), 3 clinical photos and notes naming the patient. Then, in the same run, times
`radshare export SET -o OUT --cine mp4` with 1 and 2 worker processes, each in a fresh process
whose whole process tree is sampled for memory, and prints seconds per case, images (input
files) per second, peak memory and the speed-up of the second worker. `--long-cine N` also
exports one case whose series has N slices, to show that memory does not grow with the loop.

    .venv/bin/python benchmarks/caseset_export.py                 # the full set (slow)
    .venv/bin/python benchmarks/caseset_export.py --cases 4       # a quick run
    .venv/bin/python benchmarks/caseset_export.py --cases 2 --slices 20 --long-cine 2000
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOTES = """# Teaching case {n}

## History
Jane Doe (MRN PID-{n:06d}, born 14/03/1970) presented on 12 June 2024 with chest pain.

## Findings
Findings on slice {k}. Call 020 7946 0958 for the images.

## Diagnosis
Diagnosis {n}.

## Tags
chest, CT
"""


def _ct_slice(index: int, slices: int, study: str, series: str, case: int, size: int, text: bool):
    import numpy as np
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont

    from tests.fixtures.dicom_factory import make_image

    ds = make_image(rows=8, cols=8, study_uid=study, series_uid=series, seed=index)
    yy, xx = np.mgrid[0:size, 0:size]
    c = size / 2
    body = ((xx - c) ** 2 / (0.43 * size) ** 2 + (yy - c) ** 2 / (0.31 * size) ** 2) <= 1
    lungs = (((xx - 0.33 * size) ** 2 / (0.14 * size) ** 2 + (yy - c) ** 2 / (0.2 * size) ** 2) <= 1) | (
        ((xx - 0.67 * size) ** 2 / (0.14 * size) ** 2 + (yy - c) ** 2 / (0.2 * size) ** 2) <= 1
    )
    hu = np.full((size, size), -1000, np.int16)
    hu[body] = 40
    hu[lungs] = -850
    r = 0.02 * size + 0.03 * size * np.sin(np.pi * index / max(1, slices - 1))
    hu[((xx - 0.62 * size) ** 2 + (yy - 0.45 * size) ** 2) <= r * r] = 30
    hu += np.random.default_rng(case * 1000 + index).integers(0, 20, hu.shape, dtype=np.int16)
    if text:
        canvas = PILImage.new("L", (size, size), 0)
        draw = ImageDraw.Draw(canvas)
        try:
            font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", max(10, size // 40))
        except OSError:
            font = ImageFont.load_default()
        for line, value in enumerate(("DOE^JANE", f"PID-{case:06d}", "14/03/1970")):
            draw.text((8, 8 + line * (size // 30)), value, fill=255, font=font)
        hu[np.asarray(canvas) > 128] = 1500
    ds.Rows = ds.Columns = size
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    ds.WindowCenter, ds.WindowWidth = 40, 400
    ds.PatientID = f"PID-{case:06d}"
    ds.InstanceNumber = index + 1
    ds.ImagePositionPatient = [0, 0, float(index)]
    ds.BurnedInAnnotation = "YES" if text else "NO"
    ds.PixelData = (np.clip(hu + 1024, 0, 4095)).astype(np.uint16).tobytes()
    return ds


def _photo(case: int, index: int) -> bytes:
    import numpy as np
    from PIL import Image as PILImage

    rng = np.random.default_rng(case * 10 + index)
    skin = np.full((768, 1024, 3), (214, 170, 150), np.uint8)
    skin = np.clip(skin.astype(int) + rng.integers(-12, 12, skin.shape), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    PILImage.fromarray(skin).save(out, "JPEG", quality=90)
    return out.getvalue()


def build_set(folder: Path, cases: int, slices: int, size: int = 512, text_every: int = 10) -> int:
    """Write `cases` case folders; returns the number of input images."""
    from pydicom.uid import generate_uid

    from tests.fixtures.dicom_factory import to_bytes

    images = 0
    for case in range(1, cases + 1):
        root = folder / f"case_{case:03d}"
        study, series = generate_uid(), generate_uid()
        for index in range(slices):
            ds = _ct_slice(index, slices, study, series, case, size, text=index % text_every == 0)
            target = root / "DICOM" / f"IM{index:05d}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(to_bytes(ds))
            images += 1
        for index in range(3):
            (root / f"photo_{index}.jpg").write_bytes(_photo(case, index))
            images += 1
        (root / "case.md").write_text(NOTES.format(n=case, k=slices // 2))
    return images


def run_export(cases_dir: Path, out: Path, workers: int, text_redaction: str, key_file: Path) -> dict:
    """One `radshare export` in a fresh process; its whole process tree is sampled for memory."""
    import psutil

    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, RADSHARE_KEY_FILE=str(key_file))
    command = [sys.executable, "-m", "radshare", "export", str(cases_dir), "-o", str(out), "--cine", "mp4",
               "--workers", str(workers), "--text-redaction", text_redaction, "-q", "--report", str(out) + ".report.json"]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watched = psutil.Process(process.pid)
    peak_tree = peak_single = 0
    while process.poll() is None:
        try:
            members = [watched, *watched.children(recursive=True)]
            rss = []
            for member in members:
                try:
                    rss.append(member.memory_info().rss)
                except psutil.Error:
                    pass
            peak_tree = max(peak_tree, sum(rss))
            peak_single = max([peak_single, *rss])
        except psutil.Error:
            pass
        time.sleep(0.1)
    _, err = process.communicate()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the export, its workers and ffmpeg
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    import json

    report = json.loads(Path(str(out) + ".report.json").read_text()) if Path(str(out) + ".report.json").is_file() else {}
    return {
        "seconds": seconds,
        "cpu": cpu,
        "code": process.returncode,
        "stderr": err.decode(errors="replace")[-2000:],
        "peak_tree_mb": peak_tree / 2**20,
        "peak_single_mb": peak_single / 2**20,
        "summary": report.get("summary", {}),
        "text_regions": sum(f.get("text_regions", 0) for f in report.get("files", [])),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--slices", type=int, default=60)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--text-redaction", default="auto", choices=("auto", "off", "templates-only", "tesseract"))
    parser.add_argument("--long-cine", type=int, default=0, metavar="N", help="also export one case with an N-slice series (and one with N/10)")
    parser.add_argument("--long-cine-size", type=int, default=256, metavar="PX", help="slice size of the long series (default 256)")
    parser.add_argument("--workdir", type=Path, help="where to generate (default: a temporary folder, removed)")
    args = parser.parse_args()

    mode = args.text_redaction
    if mode != "off":
        try:
            from radshare.core.redact import redact_dicom  # noqa: F401
        except ImportError:
            print("note: text redaction is not available in this tree yet; measuring with --text-redaction off")
            mode = "off"

    work = args.workdir or Path(tempfile.mkdtemp(prefix="radshare-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        images = build_set(work / "set", args.cases, args.slices, args.size)
        print(f"generated {args.cases} cases ({images} images: {args.slices} CT slices {args.size}x{args.size} "
              f"+ 3 photos each, text burned into every 10th slice) in {time.perf_counter() - t0:.1f} s")
        print(f"machine: {os.cpu_count()} cores; text redaction: {mode}")
        results = {}
        for workers in (1, 2):
            r = run_export(work / "set", work / f"out{workers}", workers, mode, work / "key")
            results[workers] = r
            if r["code"] not in (0, 1):
                print(r["stderr"])
            s = r["summary"]
            print(f"workers={workers}: {r['seconds']:.1f} s, {r['seconds'] / args.cases:.2f} s/case, "
                  f"{images / r['seconds']:.1f} images/s, peak memory {r['peak_tree_mb']:.0f} MB (all processes), "
                  f"{r['peak_single_mb']:.0f} MB (largest process); files ok {s.get('ok')}, errors {s.get('error')}, "
                  f"text regions painted {r['text_regions']}; CPU {r['cpu']:.1f} s ({r['cpu'] / r['seconds']:.2f} cores busy); exit {r['code']}")
        speedup = results[1]["seconds"] / results[2]["seconds"]
        print(f"speed-up of the 2nd worker: {speedup:.2f}x")
        if args.long_cine:
            # The same case at a tenth and at the full length: flat memory means frames stream.
            size = args.long_cine_size
            for length in (max(2, args.long_cine // 10), args.long_cine):
                build_set(work / f"long{length}", 1, length, size)
                r = run_export(work / f"long{length}", work / f"outlong{length}", 1, mode, work / "key")
                print(f"long cine: 1 case, {length} slices {size}x{size} -> one MP4: {r['seconds']:.1f} s, "
                      f"peak memory {r['peak_tree_mb']:.0f} MB (all processes), {r['peak_single_mb']:.0f} MB (largest); "
                      f"its frames held at once would take {length * size * size * 3 / 2**20:.0f} MB as RGB; exit {r['code']}")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
