"""`radshare export CASES_DIR... -o OUT`: de-identified teaching case sets.

One input folder is one case (or name a parent folder of case folders). OUT gets `Case-01/`,
`Case-02/`… numbered stably, `manifest.json`, `manifest.csv` and an offline `index.html`; with
`--zip`, also `OUT.zip` beside it. Exit codes follow design.md: 0 all succeeded, 1 some file or
case failed (named on stderr and in the report), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from radshare.core import batch
from radshare.core.choices import TEXT_REDACTION_MODES
from radshare.core.errors import ConfigError, InputError
from radshare.core.fsutil import is_inside


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export de-identified teaching case sets (one folder per case)",
        description="Export case folders (DICOM, photos, notes, annotations) as a de-identified teaching set: "
        "Case-01/, Case-02/… with key images, cine loops and scrubbed notes, a manifest and an offline case book.",
    )
    parser.add_argument("cases", nargs="+", metavar="CASES_DIR", help="a case folder, or a folder of case folders")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="folder for the case set")
    parser.add_argument("--cine", choices=("mp4", "gif"), help="one cine loop per series or multi-frame image")
    parser.add_argument("--dicom", action="store_true", help="also write the de-identified DICOM files")
    parser.add_argument("--zip", action="store_true", help="also write OUT.zip with the whole set")
    parser.add_argument("--report", metavar="FILE.json", help="write the JSON report here (not inside OUT: it names the inputs)")
    parser.add_argument("--workers", type=int, default=batch.default_workers(), metavar="N", help="worker processes (default: all cores)")
    parser.add_argument("--executor", choices=("local", "dask"), default="local", help="where the per-file work runs (default: local)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="dask.distributed scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask)")
    parser.add_argument("--profile", default="teaching", metavar="NAME|PATH", help="de-identification profile (default: teaching)")
    parser.add_argument("--text-redaction", default="auto", choices=TEXT_REDACTION_MODES, help="find and paint out text burned into the pixels (default: auto)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def _check(args: argparse.Namespace, inputs: list[Path], out: Path, report: Path | None) -> None:
    if args.workers < 1:
        raise ConfigError("--workers must be at least 1")
    if args.executor == "dask" and not args.scheduler:
        raise ConfigError("--executor dask needs --scheduler ADDRESS")
    if args.scheduler and args.executor != "dask":
        raise ConfigError("--scheduler is used with --executor dask")
    for source in inputs:
        if not source.is_dir():
            raise ConfigError(f"{source}: not a folder (one folder per case, or a folder of case folders)")
        if is_inside(out, source):
            raise ConfigError(f"the output folder must not be inside an input ({source})")
        if out.exists() and is_inside(source, out):
            raise ConfigError(f"an input lies inside the output folder ({source})")
    if report is not None and is_inside(report, out):
        raise ConfigError("the report names the inputs, which may hold patient names: write it outside the output folder")


def run(args: argparse.Namespace) -> int:
    from radshare.core import batch

    batch.limit_threads()  # before numpy loads: its BLAS threads otherwise spin beside the workers
    from radshare.core.export.caseset import discover_cases
    from radshare.core.pipeline import settings_for_installation

    inputs = [Path(p) for p in args.cases]
    out = Path(args.output)
    report_path = Path(args.report) if args.report else None
    from radshare.commands.deid import check_output
    from radshare.core.audit import printable
    from radshare.core.outlock import OutputLocked, lock_output

    try:
        _check(args, inputs, out, report_path)
        settings = settings_for_installation(profile=args.profile, text_redaction=args.text_redaction)
        cases = discover_cases(inputs)
        if cases:
            check_output(out)
            lock = lock_output(out) if out.is_dir() else None  # one run per output folder
    except (ConfigError, InputError, OutputLocked) as exc:
        print(f"radshare export: {printable(str(exc))}", file=sys.stderr)
        return 2
    if not cases:
        print("radshare export: no case folders found", file=sys.stderr)
        return 2
    try:
        return _export(args, cases, out, report_path, settings)
    finally:
        if lock is not None:
            lock.release()


def _export(args: argparse.Namespace, cases, out: Path, report_path: Path | None, settings) -> int:
    from radshare.core.export.caseset import ExportOptions, export_caseset

    options = ExportOptions(cine=args.cine, dicom=args.dicom, zip_archive=args.zip)
    bars = _Bars(len(cases), quiet=args.quiet)
    try:
        result = export_caseset(
            cases, out, settings, options,
            workers=args.workers, executor=args.executor, scheduler=args.scheduler,
            progress=bars.update, on_error=bars.error,
        )
    except KeyboardInterrupt:
        bars.close()
        print("radshare export: cancelled; finished cases are kept, a re-run resumes", file=sys.stderr)
        return 130
    except ValueError as exc:  # executor problems (dask not installed, no scheduler)
        bars.close()
        print(f"radshare export: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the dask scheduler cannot be reached
        bars.close()
        print(f"radshare export: cannot reach the scheduler ({exc.__class__.__name__})", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a distributed executor failing as a whole (workers lost, ...)
        if args.executor != "dask":
            raise
        bars.close()
        print(f"radshare export: the dask cluster failed ({exc.__class__.__name__}); finished cases are kept, "
              "a re-run resumes", file=sys.stderr)
        return 1
    bars.close()
    _record(out, result)
    if report_path is not None:
        result.report.write(report_path)
    if not args.quiet:
        _summary(result, out)
    return 1 if result.failed else 0


def _record(out: Path, result) -> None:
    """The export goes into the sharing ledger (`radshare shared list --exports`); a ledger that
    cannot be written is reported, and the exported files stay."""
    from radshare.core.errors import RadShareError
    from radshare.core.sharing import record_caseset_export

    try:
        record_caseset_export(out, result)
    except (RadShareError, OSError) as exc:
        print(f"radshare export: warning: the export was not recorded in the sharing ledger ({exc})", file=sys.stderr)


def _summary(result, out: Path) -> None:
    done = [c for c in result.cases if c.status in ("ok", "partial")]
    skipped = [c for c in result.cases if c.status == "skipped"]
    failed = [c for c in result.cases if c.status in ("error", "partial")]
    images = sum(c.entry.images for c in done if c.entry)
    loops = sum(c.entry.cine_loops for c in done if c.entry)
    scrubbed = sum(sum(c.notes_replaced.values()) for c in done)
    counts = result.report.counts()
    lines = [
        f"radshare export: {len(done)} case(s) exported into {out}"
        + (f", {len(skipped)} already finished" if skipped else "")
        + f": {images} key image(s), {loops} cine loop(s), {scrubbed} identifier(s) scrubbed from notes.",
        f"radshare export: files ok {counts['ok']}, errors {counts['error']}, skipped {counts['skipped']}.",
    ]
    unchecked = sum(c.needs_text_review for c in result.cases)
    if unchecked:
        lines.append(
            f"radshare export: warning: {unchecked} image(s) may show burned-in text that was not checked "
            "(text redaction off or not possible): review them before sharing."
        )
    if failed:
        lines.append(f"radshare export: {len(failed)} case(s) with errors: " + ", ".join(c.case_id for c in failed))
    if result.zip_path is not None:
        lines.append(f"radshare export: archive {result.zip_path}")
    print("\n".join(lines), file=sys.stderr)


class _Bars:
    """A bar for the whole set and one for the case whose files are arriving (terminal only)."""

    def __init__(self, cases: int, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.total = None
        self.case = None
        self.case_id = ""
        if self.enabled:
            from tqdm import tqdm

            self.total = tqdm(total=0, unit="file", desc="set", position=0, file=sys.stderr, dynamic_ncols=True)
            self.case = tqdm(total=0, unit="file", desc="case", position=1, leave=False, file=sys.stderr, dynamic_ncols=True)

    def update(self, event) -> None:
        if not self.enabled:
            return
        if event.message.startswith("reading"):
            self.total.set_description_str("reading", refresh=False)
            self.total.set_postfix_str(f"case {event.cases_done + 1}/{event.cases_total}")
            return
        self.total.set_description_str("set", refresh=False)
        self.total.total = event.files_total
        self.total.n = event.files_done
        self.total.set_postfix_str(f"cases {event.cases_done}/{event.cases_total}", refresh=False)
        self.total.refresh()
        if event.case_id:
            if event.case_id != self.case_id:
                self.case_id = event.case_id
                self.case.reset(total=event.case_files_total)
                self.case.set_description_str(event.case_id)
            self.case.n = event.case_files_done
            self.case.refresh()

    def error(self, message: str) -> None:
        from radshare.core.audit import printable

        line = f"radshare: error: {printable(message)}"
        if self.enabled:
            self.total.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def close(self) -> None:
        if self.enabled:
            self.case.close()
            self.total.close()
            self.enabled = False
