"""Throughput of `radshare deid --text-redaction off`, beside `cp -r` and peer tools, in one run.

Generates a corpus of small DICOM files (128-px) across transfer syntaxes, carrying the headers of
real scanners (or, with `--headers minimal`, 35 generated elements), plus clinical photos; or, with
`--corpus realistic`, images of the sizes scanners write (512-px CT and MR series, 2-3k-px CR, DX
and MG, ultrasound cines; explicit, implicit, deflated, RLE and JPEG baseline), then times, on the
same machine in the same run:
  - `cp -r` of the corpus (the floor: only reading and writing bytes),
  - `radshare deid` with 1 and 2 workers (whole corpus, and the DICOM part alone),
  - dicognito and deid (pydicom/deid) on the DICOM part, where installed (`--peers VENV`: a
    virtual environment holding them, default `.venv-peers`; they pin their own pydicom).
Prints files/s, MB/s and ratios, so the figures survive a noisy machine, and the CPU time per
file (user + system, start-up included, every process of the run), which varies less than wall
time when other work shares the machine.

    .venv/bin/python benchmarks/deid_throughput.py [--dicom 1000] [--photos 100] [--repeat 3] [--headers scanner|minimal]
        [--corpus small|realistic] [--peers VENV] [--keep DIR]

`--keep DIR` also keeps radshare's last 2-worker output (DIR/radshare-out) and the corpus, so that
the outputs of two versions can be compared: with `diff -r`, except Deflated Explicit VR files,
whose compressed bytes depend on the deflater (compare them inflated, element by element).
On a small realistic corpus (--dicom 80) start-up is a good part of every tool's time; --dicom 320
(about 1 GB) shows the per-file rate.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.dicom_factory import dcmtk_available, make_image, suits, to_bytes  # noqa: E402

SYNTAX_MIX = ["explicit-le", "implicit-le", "deflate", "rle", "jpeg2000-lossless", "explicit-be", "jpeg-lossless", "jpeg-ls-lossless", "jpeg-baseline"]
# Headers of real scanners, from the example files shipped inside pydicom's wheel: GE CT (260
# elements, 179 private), Toshiba MR (71), Siemens MR (135), GE NM (159, 65 private), a CT (91).
# Their patient, study and device attributes, sequences and private groups go on top of the
# generated pixel module, so each file is as header-heavy as a scanner writes it.
HEADER_DONORS = ["CT_small.dcm", "MR_small.dcm", "examples_overlay.dcm", "JPEG2000.dcm", "693_J2KI.dcm"]


def donor_headers() -> list[list]:
    """The donors' elements outside the file meta, pixel module, overlays and pixel data."""
    import pydicom
    from pydicom.data import get_testdata_file

    headers = []
    for name in HEADER_DONORS:
        ds = pydicom.dcmread(get_testdata_file(name), stop_before_pixels=True)
        headers.append([e for e in ds if e.tag.group != 0x0028 and not 0x6000 <= e.tag.group <= 0x60FF])
    return headers


def build_corpus(folder: Path, dicom: int, photos: int, headers: str = "scanner") -> tuple[Path, Path]:
    import io

    import numpy as np
    from PIL import Image as PILImage

    from radshare.core.sample import sample_photo_bytes

    dicom_dir, photo_dir = folder / "dicom", folder / "photos"
    dicom_dir.mkdir(parents=True)
    photo_dir.mkdir(parents=True)
    syntaxes = [s for s in SYNTAX_MIX if dcmtk_available() or s not in ("explicit-be", "jpeg-lossless", "jpeg-ls-lossless", "jpeg-baseline")]
    donors = donor_headers() if headers == "scanner" else [[]]
    templates = {}
    for syntax in syntaxes:
        for number, donor in enumerate(donors):
            ds = make_image(rows=128, cols=128, bits=8 if syntax == "jpeg-baseline" else 16)
            for elem in donor:
                ds[elem.tag] = elem
            ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
            if suits(syntax, ds):
                templates[syntax, number] = to_bytes(ds, syntax)
    names = sorted({syntax for syntax, _ in templates})
    # Each file is a distinct instance: patch the SOP Instance UID in the encoded bytes.
    import pydicom

    for index in range(dicom):
        syntax = names[index % len(names)]
        donor = (index // len(names)) % len(donors)
        ds = pydicom.dcmread(io.BytesIO(templates.get((syntax, donor)) or templates[syntax, 0]))
        ds.SOPInstanceUID = f"{ds.SOPInstanceUID[:40]}.{index}"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = index + 1
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        (dicom_dir / f"{index:05d}.dcm").write_bytes(buffer.getvalue())
    base = sample_photo_bytes()
    rng = np.random.default_rng(0)
    for index in range(photos):
        if index % 2:
            buffer = io.BytesIO()
            PILImage.fromarray(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)).save(buffer, format="PNG")
            (photo_dir / f"{index:04d}.png").write_bytes(buffer.getvalue())
        else:
            (photo_dir / f"{index:04d}.jpg").write_bytes(base)
    return dicom_dir, photo_dir


# The realistic corpus, in groups of 40 files: what a teaching file's cases hold. Each row:
# (label, count, rows, columns, frames, bits allocated, bits stored, photometric, modality, SOP class, syntax).
_CT, _MR = "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4"
_CR, _DX, _MG = "1.2.840.10008.5.1.4.1.1.1", "1.2.840.10008.5.1.4.1.1.1.1", "1.2.840.10008.5.1.4.1.1.1.2"
_US_CINE = "1.2.840.10008.5.1.4.1.1.3.1"
REALISTIC_MIX = [
    ("CT 512", 8, 512, 512, 1, 16, 12, "MONOCHROME2", "CT", _CT, "explicit-le"),
    ("CT 512", 6, 512, 512, 1, 16, 12, "MONOCHROME2", "CT", _CT, "implicit-le"),
    ("CT 512", 4, 512, 512, 1, 16, 12, "MONOCHROME2", "CT", _CT, "deflate"),
    ("CT 512", 6, 512, 512, 1, 16, 12, "MONOCHROME2", "CT", _CT, "rle"),
    ("MR 512", 3, 512, 512, 1, 16, 12, "MONOCHROME2", "MR", _MR, "explicit-le"),
    ("MR 512", 3, 512, 512, 1, 16, 12, "MONOCHROME2", "MR", _MR, "rle"),
    ("CR 2k", 2, 2048, 2500, 1, 16, 12, "MONOCHROME2", "CR", _CR, "explicit-le"),
    ("DX 3k", 2, 3000, 2500, 1, 16, 14, "MONOCHROME2", "DX", _DX, "rle"),
    ("MG 3k", 1, 3328, 2560, 1, 16, 14, "MONOCHROME2", "MG", _MG, "implicit-le"),
    ("CR 2k", 1, 2048, 2500, 1, 16, 12, "MONOCHROME1", "CR", _CR, "deflate"),
    ("US cine", 3, 480, 640, 30, 8, 8, "RGB", "US", _US_CINE, "jpeg-baseline"),
    ("US cine", 1, 480, 640, 30, 8, 8, "RGB", "US", _US_CINE, "rle"),
]


def build_realistic_corpus(folder: Path, dicom: int, headers: str = "scanner") -> Path:
    """`dicom` files (rounded up to whole groups of 40) of REALISTIC_MIX, each a distinct instance."""
    import io

    import pydicom

    dicom_dir = folder / "dicom"
    dicom_dir.mkdir(parents=True)
    donors = donor_headers() if headers == "scanner" else [[]]
    rows = [row for row in REALISTIC_MIX if dcmtk_available() or row[-1] != "jpeg-baseline"]
    groups = -(-dicom // sum(row[1] for row in rows))
    index = 0
    for number, (_label, count, height, width, frames, bits, stored, photometric, modality, sop, syntax) in enumerate(rows):
        ds = make_image(rows=height, cols=width, frames=frames, bits=bits, stored=stored, photometric=photometric,
                        modality=modality, sop_class=sop, seed=number)
        for elem in donors[number % len(donors)]:
            if elem.tag not in ds and elem.keyword not in ("NumberOfFrames", "SOPClassUID"):
                ds[elem.tag] = elem
        ds.Modality = modality
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        template = to_bytes(ds, syntax)
        for copy in range(count * groups):
            instance = pydicom.dcmread(io.BytesIO(template))
            instance.SOPInstanceUID = f"{instance.SOPInstanceUID[:40]}.{copy}"
            instance.file_meta.MediaStorageSOPInstanceUID = instance.SOPInstanceUID
            instance.InstanceNumber = copy + 1
            buffer = io.BytesIO()
            instance.save_as(buffer, enforce_file_format=True)
            (dicom_dir / f"{index:05d}.dcm").write_bytes(buffer.getvalue())
            index += 1
    return dicom_dir


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def count(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


OUT = "{out}"  # stands in a command for its output folder: a new one for every run


def compile_bytecode(env: dict) -> None:
    """Compile the radshare package the timed command imports, as installing a wheel does (the
    peers' packages were compiled when pip installed them). Without it, a tree run with
    PYTHONDONTWRITEBYTECODE, or one whose sources changed since their bytecode was written,
    compiles ~50 modules from source in every timed run (~50 ms)."""
    script = "import compileall, os, radshare; compileall.compile_dir(os.path.dirname(radshare.__file__), quiet=1)"
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", script], env=env, check=True, capture_output=True)


def timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall seconds, and CPU seconds (user + system) of the command and all its processes."""
    os.sync()  # what earlier runs wrote reaches the disk now, not inside this run's timing
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0,):
        raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr[-400:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


CPU: dict[str, float] = {}  # row name -> CPU seconds of its fastest run
LAST_OUT: list[Path] = []  # the output folder of the last timed run


def best_of(repeat: int, command: list[str], runs: Path, env=None, name: str = "") -> float:
    """The fastest of `repeat` runs, each writing into a folder of its own. Outputs are deleted
    only at the end: on ext4, files created just after a thousand were deleted took ten times
    longer (the inode allocator steps around recently deleted inodes), whichever tool ran."""
    results = []
    for _ in range(repeat):
        out = Path(tempfile.mkdtemp(dir=runs)) / "out"
        results.append(timed([str(out) if part == OUT else part for part in command], env))
        LAST_OUT[:] = [out]
    seconds, cpu = min(results)
    CPU[name] = cpu
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dicom", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    parser.add_argument("--headers", choices=["scanner", "minimal"], default="scanner",
                        help="scanner: real scanners' headers (70-260 elements, private groups); minimal: 35 generated elements")
    parser.add_argument("--corpus", choices=["small", "realistic"], default="small",
                        help="small: 128-px images in 9 transfer syntaxes, plus photos; realistic: scanners' image "
                        "sizes (512-px CT/MR, 2-3k-px CR/DX/MG, US cines) in 5 syntaxes, no photos (--dicom 80, or 320 for the per-file rate)")
    parser.add_argument("--peers", default=str(ROOT / ".venv-peers"), help="virtual environment holding dicognito and deid")
    parser.add_argument("--keep", metavar="DIR", help="build the corpus (and key) in DIR, or reuse them from there; "
                        "keep radshare's last 2-worker DICOM output as DIR/radshare-out")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="radshare-bench-"))
    keep = Path(args.keep).resolve() if args.keep else None
    home = keep or work
    env = dict(os.environ, RADSHARE_KEY_FILE=str(home / "key"))
    try:
        corpus = home / "corpus"
        if keep and corpus.exists():
            dicom_dir = corpus / "dicom"
        elif args.corpus == "realistic":
            dicom_dir = build_realistic_corpus(corpus, args.dicom, args.headers)
        else:
            dicom_dir, _ = build_corpus(corpus, args.dicom, args.photos, args.headers)
        files, dicom_files = count(corpus), count(dicom_dir)
        megabytes, dicom_mb = size_of(corpus) / 1e6, size_of(dicom_dir) / 1e6
        kinds = f"{len(SYNTAX_MIX)} transfer syntaxes" if args.corpus == "small" else "realistic sizes, 5 transfer syntaxes"
        print(f"corpus: {dicom_files} DICOM files ({kinds}, {args.headers} headers) + {files - dicom_files} photos, {megabytes:.1f} MB")
        radshare = [str(ROOT / ".venv" / "bin" / "radshare"), "deid", "--text-redaction", "off", "-q"]
        compile_bytecode(env)
        rows: list[tuple[str, int, float, float]] = []
        runs = work / "runs"
        runs.mkdir()
        rows.append(("cp -r (floor)", files, megabytes, best_of(args.repeat, ["cp", "-r", str(corpus), OUT], runs, name="cp -r (floor)")))
        for workers in (1, 2) if files > dicom_files else ():
            name = f"radshare deid, {workers} worker{'s' if workers > 1 else ''}, all"
            seconds = best_of(args.repeat, [*radshare, "--workers", str(workers), str(corpus), "-o", OUT], runs, env, name)
            rows.append((name, files, megabytes, seconds))
        dicom_rows = {}
        for workers in (1, 2):
            name = f"radshare deid, {workers} worker{'s' if workers > 1 else ''}, DICOM"
            seconds = best_of(args.repeat, [*radshare, "--workers", str(workers), str(dicom_dir), "-o", OUT], runs, env, name)
            dicom_rows[workers] = dicom_files / seconds
            rows.append((name, dicom_files, dicom_mb, seconds))
            if keep and workers == 2:
                shutil.rmtree(keep / "radshare-out", ignore_errors=True)
                shutil.move(str(LAST_OUT[0]), keep / "radshare-out")
        peers = {}
        peer_bin = Path(args.peers) / "bin"
        if (peer_bin / "dicognito").exists():
            script = "import sys; from dicognito.__main__ import main; main(sys.argv[1:])"
            command = [str(peer_bin / "python"), "-c", script, "--quiet", "--assume-burned-in-annotation", "never", "-o", OUT, str(dicom_dir)]
            seconds = best_of(args.repeat, command, runs, name="dicognito")
            peers["dicognito"] = dicom_files / seconds
            rows.append(("dicognito", dicom_files, dicom_mb, seconds))
        if (peer_bin / "deid").exists():
            script = (
                "import sys, glob, os; os.makedirs(sys.argv[2], exist_ok=True); "
                "from deid.dicom import get_identifiers, replace_identifiers; "
                "files = sorted(glob.glob(sys.argv[1] + '/*.dcm')); ids = get_identifiers(files); "
                "replace_identifiers(dicom_files=files, ids=ids, output_folder=sys.argv[2], save=True, overwrite=True)"
            )
            try:
                name = "deid (pydicom/deid, default recipe)"
                seconds = best_of(args.repeat, [str(peer_bin / "python"), "-c", script, str(dicom_dir), OUT], runs, name=name)
                peers["deid"] = dicom_files / seconds
                rows.append((name, dicom_files, dicom_mb, seconds))
            except RuntimeError as exc:
                print(f"deid could not run: {exc}")
        print()
        print(f"{'tool':<42} {'files':>6} {'seconds':>8} {'files/s':>8} {'MB/s':>7} {'vs cp':>6} {'CPU ms/file':>11}")
        floor = rows[0][1] / rows[0][3]
        for name, n, mb, seconds in rows:
            rate = n / seconds
            cpu = 1000 * CPU.get(name, 0.0) / n
            print(f"{name:<42} {n:>6} {seconds:>8.2f} {rate:>8.1f} {mb / seconds:>7.2f} {rate / floor:>6.3f} {cpu:>11.2f}")
        print()
        for peer, rate in peers.items():
            print(f"radshare (2 workers) / {peer}: {dicom_rows[2] / rate:.2f}x files/s on the same DICOM files")
        if not peers:
            print(f"no peers found in {args.peers}: python -m venv .venv-peers && .venv-peers/bin/pip install dicognito deid")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
