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
    parser.add_argument("--every-frame", action="store_true", help="run the full text detector on every slice and frame (slower); by default it runs once per layout of a series or cine and every other frame is verified against it")
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


def check_output(out: Path) -> None:
    """Refuse an OUT that is a file, or below one, as a usage error (never a traceback)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"the output {out} exists and is not a folder")
    for parent in out.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(f"the output folder {out} cannot be created (a part of the path is a file)")
            break


def prepare_output(out: Path) -> None:
    """Create OUT, or refuse it as a usage error naming the reason (never a traceback)."""
    check_output(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"the output folder {out} cannot be created ({_os_words(exc)})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ConfigError(f"the output folder {out} is not writable ({'read-only file system' if _read_only(out) else 'permission denied'})")


def _read_only(out: Path) -> bool:
    try:
        return bool(os.statvfs(out).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _os_words(exc: OSError) -> str:
    import errno

    return {errno.EROFS: "read-only file system", errno.EACCES: "permission denied", errno.ENOSPC: "no space left on device",
            errno.ENOTDIR: "a part of the path is a file"}.get(exc.errno, exc.strerror or "system error")


def run(args: argparse.Namespace) -> int:
    from radshare.core import batch

    batch.limit_threads()  # before numpy loads: its BLAS threads otherwise spin beside the workers
    batch.fewer_collections()  # before the imports too: they made 125 collections, none of them useful
    from radshare.core.lazyimports import import_pydicom_lightly

    import_pydicom_lightly()  # Pillow and requests load only if a file needs them
    from radshare.core.heap import reuse_large_buffers

    reuse_large_buffers()  # before the workers fork: they inherit it
    from radshare.core.audit import Report, error_report, printable
    from radshare.core.outlock import OutputLocked, lock_output
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
            series=not getattr(args, "every_frame", False),
        )
        prepare_output(out)
        lock = lock_output(out)
    except (ConfigError, OutputLocked) as exc:
        print(f"radshare deid: {printable(str(exc))}", file=sys.stderr)
        return 2
    report = Report(profile=settings.profile)
    cancelled = False
    try:
        batch.remove_partial_files(out)  # left by a stopped run: this run holds the folder now
        entries = collect_items(inputs)
        items = [e for e in entries if isinstance(e, InputItem)]
        for problem in (e for e in entries if isinstance(e, InputError)):
            display, _, reason = str(problem).partition(": ")
            report.add(error_report(getattr(problem, "display", display), getattr(problem, "reason", reason or str(problem))))
            print(f"radshare: error: {printable(str(problem))}", file=sys.stderr)
        cancelled = run_items(items, out, settings, report, args.workers, quiet=args.quiet)
        if not cancelled:
            settle(report, items, out, settings)
    finally:
        report.files.sort(key=lambda e: e.input)
        if report_path is not None:
            report.write(report_path)  # always: what was done before a failure is still told
        lock.release()
    print_summary(report, out, quiet=args.quiet, cancelled=cancelled)
    batch.freeze_before_exit()
    if cancelled:
        return 130
    return 0 if report.counts()["error"] == 0 else 1


def _why_unchecked() -> str:
    from radshare.core.redact.settings import OVERRIDES_ENV, overrides_in_force

    try:
        changed = overrides_in_force()
    except ValueError:
        changed = {}
    if changed:
        keys = ", ".join(f"{section}.{key}" for section, values in changed.items() for key in (values if isinstance(values, dict) else [""]))
        return f"text redaction was off, or ran with detector settings changed by {OVERRIDES_ENV}: {keys}"
    return "text redaction was off"


def settle(report, items: list, out: Path, settings) -> None:
    """One output per instance, from its preferred copy (see `radshare.core.duplicates`)."""
    from radshare.core.duplicates import settle_duplicates
    from radshare.core.pipeline import process_item

    settle_duplicates(report.files, {item.display: item for item in items}, lambda item: process_item(item, out, settings))


def run_items(items, out: Path, settings, report, workers: int, quiet: bool = False) -> bool:
    """Process every item, adding to `report`; True when stopped by Ctrl-C."""
    from radshare.core import batch
    from radshare.core.audit import error_report, printable
    from radshare.core.seriesgroups import process_unit, series_units

    bar = _progress_bar(len(items), quiet)
    work = partial(process_unit, out_dir=out, settings=settings)  # a unit: one input, or slices of one series
    try:
        units = series_units(items, settings)
        if workers > 1 and len(units) > 1:
            units.sort(key=_unit_bytes, reverse=True)  # largest first: no worker is left alone with a large file at the end
            _warm(settings)
        # a worker that dies on a unit (the out-of-memory killer, say) costs that unit only: each of its inputs is named
        crashed = lambda unit, why: [error_report(item.display, why) for item in unit]  # noqa: E731
        for entries in batch.run_batch(units, work, workers=workers, crashed=crashed):
            for entry in entries:
                report.add(entry)
                if entry.status == "error":
                    _echo(bar, f"radshare: error: {printable(entry.input)}: {printable(entry.error or '')}")
                if bar is not None:
                    bar.update(1)
    except KeyboardInterrupt:
        batch.remove_partial_files(out)
        return True
    finally:
        if bar is not None:
            bar.close()
    return False


def _warm(settings) -> None:
    """Load the header path once, here, so the workers fork with it (see `warm_header_path`).
    Only a saving: should it fail, each file meets the same problem and reports it."""
    from radshare.core.pipeline import warm_header_path

    try:
        warm_header_path(settings)
    except Exception:  # noqa: BLE001 - named per file by the ordinary path
        pass


def _unit_bytes(unit: list) -> int:
    """The bytes a unit of work reads (files on disk; zip members count as nothing)."""
    total = 0
    for item in unit:
        try:
            total += item.path.stat().st_size if item.member is None else 0
        except OSError:
            pass  # reported when processed
    return total


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
            f"({_why_unchecked()}): review them before sharing"
        )
    from radshare.core.audit import printable

    for entry in report.files:
        if entry.status == "skipped":
            lines.append(f"  skipped {printable(entry.input)}: {printable(entry.error or '')}")
    print("\n".join(lines), file=sys.stderr)
