"""`radshare deid INPUT... -o OUT`: de-identify files, folders and zips into OUT."""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

from radshare.core.choices import PHOTO_FORMATS, TEXT_REDACTION_MODES
from radshare.core.errors import ConfigError, InputError
from radshare.core.fsutil import is_inside


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "deid",
        help="de-identify DICOM files and photos into a folder",
        description="De-identify DICOM files, photos, folders and zip archives into OUT. "
        "Originals are never changed; outputs are named by pseudonyms only.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders or zip archives")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="folder for the de-identified files")
    parser.add_argument("--report", metavar="FILE.json", help="write the JSON report here (not inside OUT: it names the inputs)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N", help="worker processes (default: all cores)")
    parser.add_argument("--profile", default="teaching", metavar="NAME|PATH", help="de-identification profile (default: teaching)")
    parser.add_argument("--text-redaction", choices=TEXT_REDACTION_MODES, default="auto", help="find and paint out text burned into the pixels (default: auto)")
    parser.add_argument("--date-shift-days", type=int, metavar="N", help="shift every date by N days instead of removing it")
    parser.add_argument("--photo-format", choices=PHOTO_FORMATS, default="same", help="format of de-identified photos (default: JPEG for JPEG/HEIC/WebP, PNG for lossless inputs)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def check_paths(inputs: list[Path], out: Path, report: Path | None) -> None:
    """Refuse layouts that could overwrite originals or leak names into OUT."""
    for source in inputs:
        if source.exists() and (is_inside(out, source) if source.is_dir() else out.resolve() == source.resolve()):
            raise ConfigError(f"the output folder must not be inside an input ({source})")
        if out.exists() and is_inside(source, out):
            raise ConfigError(f"an input lies inside the output folder ({source})")
    if report is not None and is_inside(report, out):
        raise ConfigError("the report names the inputs, which may hold patient names: write it outside the output folder")


def collect_items(inputs: list[Path]) -> list:
    """All inputs, with the files a DICOMDIR indexes added when only the index was named."""
    from radshare.core.sources import InputItem, dicomdir_references, iter_inputs

    entries = list(iter_inputs(inputs))
    indexes = [e for e in entries if isinstance(e, InputItem) and e.member is None and e.path.name.upper() == "DICOMDIR"]
    if not indexes:
        return entries
    known = {str(e.path.resolve()) for e in entries if isinstance(e, InputItem) and e.member is None}
    extra: list = []
    for entry in indexes:
        try:
            references = dicomdir_references(entry, entry.read_bytes())
        except Exception:
            extra.append(InputError(f"{entry.display}: DICOMDIR cannot be read"))
            continue
        for ref in references:
            if str(ref.resolve()) not in known:
                known.add(str(ref.resolve()))
                extra.append(InputItem(display=str(ref), path=ref) if ref.is_file() else InputError(f"{ref}: listed in a DICOMDIR but missing"))
    return entries + extra


def mark_duplicates(files: list) -> None:
    """Two inputs that are the same instance produce one output; say so for the second."""
    owner: dict[str, str] = {}
    for entry in sorted(files, key=lambda e: e.input):
        if entry.status != "ok":
            continue
        for output in entry.outputs:
            if output in owner:
                entry.status = "skipped"
                entry.error = f"same instance as {owner[output]}: one output written"
                break
            owner[output] = entry.input


def run(args: argparse.Namespace) -> int:
    from radshare.core import batch

    batch.limit_threads()  # before numpy loads: its BLAS threads otherwise spin beside the workers
    from radshare.core.heap import reuse_large_buffers

    reuse_large_buffers()  # before the workers fork: they inherit it
    from radshare.core.audit import Report, error_report
    from radshare.core.pipeline import settings_for_installation
    from radshare.core.sources import InputItem

    inputs = [Path(p) for p in args.inputs]
    out = Path(args.output)
    report_path = Path(args.report) if args.report else None
    try:
        check_paths(inputs, out, report_path)
        if args.workers < 1:
            raise ConfigError("--workers must be at least 1")
        settings = settings_for_installation(
            profile=args.profile,
            text_redaction=args.text_redaction,
            date_shift_days=args.date_shift_days,
            photo_format=args.photo_format,
        )
    except ConfigError as exc:
        print(f"radshare deid: {exc}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    batch.remove_partial_files(out)
    report = Report(profile=settings.profile)
    entries = collect_items(inputs)
    items = [e for e in entries if isinstance(e, InputItem)]
    for problem in (e for e in entries if isinstance(e, InputError)):
        display, _, reason = str(problem).partition(": ")
        report.add(error_report(display, reason or str(problem)))
    cancelled = run_items(items, out, settings, report, args.workers, quiet=args.quiet)
    mark_duplicates(report.files)
    report.files.sort(key=lambda e: e.input)
    if report_path is not None:
        report.write(report_path)
    print_summary(report, out, quiet=args.quiet, cancelled=cancelled)
    if cancelled:
        return 130
    return 0 if report.counts()["error"] == 0 else 1


def run_items(items, out: Path, settings, report, workers: int, quiet: bool = False) -> bool:
    """Process every item, adding to `report`; True when stopped by Ctrl-C."""
    from radshare.core import batch
    from radshare.core.pipeline import process_item

    bar = _progress_bar(len(items), quiet)
    work = partial(process_item, out_dir=out, settings=settings)
    try:
        for entry in batch.run_batch(items, work, workers=workers):
            report.add(entry)
            if entry.status == "error":
                _echo(bar, f"radshare: error: {entry.input}: {entry.error}")
            if bar is not None:
                bar.update(1)
    except KeyboardInterrupt:
        batch.remove_partial_files(out)
        return True
    finally:
        if bar is not None:
            bar.close()
    return False


def _progress_bar(total: int, quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True)


def _echo(bar, message: str) -> None:
    if bar is not None:
        bar.write(message, file=sys.stderr)
    else:
        print(message, file=sys.stderr)


def print_summary(report, out: Path, quiet: bool = False, cancelled: bool = False) -> None:
    counts = report.counts()
    totals = report.totals()
    if cancelled:
        print(f"radshare: cancelled after {len(report.files)} files; run the same command again to resume.", file=sys.stderr)
    if quiet:
        return
    lines = [
        f"De-identified into {out}:",
        f"  {counts['ok']} done, {counts['error']} failed, {counts['skipped']} skipped",
        f"  header: {totals['removed']} attributes removed, {totals['replaced']} replaced, "
        f"{totals['emptied']} emptied, {totals['uids']} UIDs re-keyed",
        f"  pixels: {totals['text_regions']} burned-in text regions painted out",
    ]
    if totals["needs_text_review"]:
        lines.append(
            f"  WARNING: {totals['needs_text_review']} images may carry burned-in text that was not redacted "
            "(text redaction was off): review them before sharing"
        )
    for entry in report.files:
        if entry.status == "skipped":
            lines.append(f"  skipped {entry.input}: {entry.error}")
    print("\n".join(lines), file=sys.stderr)
