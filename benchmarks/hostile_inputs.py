"""Hostile and broken inputs through the real `radshare deid`: result, peak memory and time of each.

Builds each input (tests/fixtures/hostile.py), runs `radshare deid INPUT -o OUT --workers 1
--report R` on it alone in a fresh process, and prints one table row per input: exit code, what
the report says, the peak resident memory of the run (ru_maxrss of the child) and the wall time.
The next probe starts from this table. A safety limit on address space (default 6 GB) keeps a
regression from taking the machine down; the product's target is 1.5 GB peak for any input of
10 MB or less on disk.

    .venv/bin/python benchmarks/hostile_inputs.py [--only NAME ...] [--limit-gb 6] [--zip-entries 8000]

About 8 minutes on two busy cores, most of it in the accepted 49 MP photo and the zip of 8,000.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures import hostile  # noqa: E402
from tests.fixtures.dicom_factory import make_image, to_bytes  # noqa: E402

TARGET_PEAK_MB = 1536


def builders(folder: Path) -> dict[str, callable]:
    return {
        "zip 1 MB -> 1 GiB member": lambda: hostile.zip_bomb(folder),
        "deflated DICOM 1 MB -> 1 GiB": lambda: hostile.deflated_dicom_bomb(folder),
        "WebP 34 B, 16383^2": lambda: hostile.webp_bomb(folder),
        "PNG 571 KB, 14000^2": lambda: hostile.png_bomb(folder),
        "CT 1 GiB declared (J2K)": lambda: hostile.multiframe_bomb(folder, "CT"),
        "US 1 GiB declared (JPEG)": lambda: hostile.multiframe_bomb(folder, "US"),
        # The largest inputs the budgets let through: the peak of an accepted input.
        "US 127 MiB declared (JPEG)": lambda: hostile.multiframe_bomb(folder, "US", declared=127 * 1024**2),
        "PNG 7000^2 (49 MP)": lambda: hostile.png_bomb(folder, side=7000),
        "CR 4000^2 16-bit (J2K)": lambda: hostile.large_radiograph(folder),
    }


def run_deid(inputs: list[Path], work: Path, limit_gb: float, workers: int = 1) -> dict:
    """One `radshare deid` in a fresh child; peak RSS is that child's own (RUSAGE_CHILDREN of a
    wrapper that runs only it)."""
    out, report = work / "out", work / "report.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    wrapper = (
        "import resource, subprocess, sys, json;"
        f"lim=int({limit_gb}*1024**3);"
        "p=subprocess.run(sys.argv[1:], preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (lim, lim)),"
        " stdout=subprocess.DEVNULL, stderr=subprocess.PIPE);"
        "print(json.dumps({'rc': p.returncode, 'peak_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
        " 'stderr': p.stderr.decode('utf-8', 'replace')[-2000:]}))"
    )
    argv = [sys.executable, "-c", wrapper, sys.executable, "-m", "radshare", "deid", *map(str, inputs), "-o", str(out),
            "--report", str(report), "--workers", str(workers)]
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=1800)
    seconds = time.perf_counter() - start
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = seconds
    result["report"] = json.loads(report.read_text()) if report.is_file() else None
    return result


def outcome(result: dict) -> str:
    report = result["report"]
    if report is None:
        return f"no report (rc {result['rc']}): {result['stderr'].strip().splitlines()[-1:]}"
    entries = report["files"]
    parts = []
    for entry in entries[:2]:
        parts.append(entry["status"] + (f": {entry['error']}" if entry.get("error") else ""))
    more = f" (+{len(entries) - 2} more)" if len(entries) > 2 else ""
    return "; ".join(parts) + more


def zip_of_many(folder: Path, count: int) -> Path:
    """A zip of `count` small DICOM files (one instance each)."""
    path = folder / f"zip-{count}.zip"
    ds = make_image(rows=8, cols=8)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(count):
            ds.SOPInstanceUID = f"2.25.{number + 1}"
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.InstanceNumber = number + 1
            archive.writestr(f"case/{number:05d}.dcm", to_bytes(ds))
    return path


def read_all_members(path: Path) -> float:
    """Seconds to list the zip and read every member as `deid` does (in this process)."""
    from radshare.core.sources import iter_inputs

    start = time.perf_counter()
    for item in iter_inputs([path]):
        item.read_bytes()
    return time.perf_counter() - start


def unzipped(path: Path, folder: Path) -> Path:
    """The zip's members as plain files: the baseline for the zip's own cost."""
    target = folder / "unzipped"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(target)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="names (substrings) of the inputs to run")
    parser.add_argument("--limit-gb", type=float, default=6.0, help="address-space limit per run (safety)")
    parser.add_argument("--zip-entries", type=int, default=8000, help="entries of the many-member zip (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="radshare-hostile-") as tmp:
        folder = Path(tmp)
        rows = []
        for name, build in builders(folder).items():
            if args.only and not any(part in name for part in args.only):
                continue
            path = build()
            work = folder / f"run-{len(rows)}"
            work.mkdir()
            result = run_deid([path], work, args.limit_gb)
            rows.append((name, path.stat().st_size, result))
            path.unlink()
        zip_lines = []
        if args.zip_entries and (not args.only or any("zip-of" in part for part in args.only)):
            path = zip_of_many(folder, args.zip_entries)
            zip_lines.append(f"listing and reading every member of the zip of {args.zip_entries}: {read_all_members(path):.2f} s")
            for name, inputs in ((f"zip-of-{args.zip_entries} entries", [path]), (f"same {args.zip_entries} as files", [unzipped(path, folder)])):
                work = folder / f"run-{len(rows)}"
                work.mkdir()
                result = run_deid(inputs, work, args.limit_gb)
                rows.append((name, path.stat().st_size, result))
        print(f"{'input':34} {'size':>10} {'rc':>3} {'peak MB':>8} {'seconds':>8}  result")
        for name, size, result in rows:
            peak = result["peak_kb"] / 1024
            flag = "" if peak <= TARGET_PEAK_MB else "  OVER 1.5 GB"
            print(f"{name:34} {size:>10,} {result['rc']:>3} {peak:>8.0f} {result['seconds']:>8.1f}  {outcome(result)}{flag}")
        print("\n".join(zip_lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
