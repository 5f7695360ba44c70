"""Case sets: many case folders in, `Case-01/`, `Case-02/`… plus manifest and case book out.

One input folder is one case (DICOM in any structure, photos, optional notes, GUI sidecars).
The export runs in three steps:

1. plan (this process, caseplan.py): find the cases, give each its stable number, read every header once
   (decoding no pixels) to group series, order slices, collect the case's identifiers for the
   notes, and make one `FileTask` per input file;
2. work (any executor, casework.py): `export_file(task)` is a pure, top-level function of its task: it
   de-identifies and text-redacts one file, renders its key image and cine frame(s), and
   returns the bytes to write. It never raises and never writes into OUT, so it runs the same
   in this process, a process pool or a dask.distributed cluster;
3. assemble (this process, this module): results are written atomically into a hidden `.Case-NN.partial/`
   folder; when a case's last file is in, its cine loops are encoded from the staged frames one
   frame at a time, its notes are scrubbed and written, and the folder is renamed to
   `Case-NN/`. A case folder therefore exists only complete; cancelling removes the partial
   folders; a re-run skips the finished cases.

Nothing written into OUT carries an identifier: outputs are named by case number, series
order and modality; notes are scrubbed with the case's own identifiers plus patterns.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from radshare.core import batch
from radshare.core.audit import FileReport, Report, empty_actions, error_report
from radshare.core.errors import InputError
from radshare.core.export import manifest as mf
from radshare.core.export.casebook import write_casebook
from radshare.core.export.caseplan import PARTIAL_PREFIX, PARTIAL_SUFFIX, CasePlan, ExportOptions, FileResult, PlanJob, plan_job
from radshare.core.export.casework import export_file
from radshare.core.fsutil import atomic_write_bytes, atomic_write_text
from radshare.core.pipeline import Settings

__all__ = ["ExportOptions", "ExportProgress", "CaseOutcome", "CaseSetResult", "discover_cases", "export_caseset", "export_file"]


# --- assembling a case: cine loops from staged frames, notes, case.json ---------------------


def _staged_frames(paths: list[Path]):
    for path in paths:
        yield np.load(path, allow_pickle=False)


def assemble_case(plan: CasePlan, partial: Path, results: list[FileResult], frames: dict[int, list[tuple[int, Path]]], options: ExportOptions):
    """Finish a case in its partial folder. Returns (entry, notes replacements, failure reports)."""
    from radshare.core.export import cine
    from radshare.core.notes import CaseNotes, scrub_notes

    failures: list[FileReport] = []
    cine_files: list[str] = [c for r in results for c in r.cine]
    if options.cine:
        for group in plan.groups:
            staged = sorted(frames.get(group.number, []))
            if group.multiframe or len(staged) < 2:
                continue
            relative = f"cine/{group.name}{cine.extension(options.cine)}"
            try:
                cine.write_cine(_staged_frames([p for _, p in staged]), partial / relative, options.cine, fps=group.fps)
                cine_files.append(relative)
            except Exception as exc:
                failures.append(error_report(f"{plan.folder} (series {group.name})", f"the cine loop could not be written ({exc.__class__.__name__})"))
    shutil.rmtree(partial / ".frames", ignore_errors=True)
    notes = plan.notes if plan.notes is not None else CaseNotes()
    cleaned, replaced = scrub_notes(notes, plan.identifiers)
    fallback = plan.case_id.replace("-", " ")
    atomic_write_text(partial / "case.md", cleaned.to_markdown(fallback_title=fallback))
    ok = [r for r in results if r.report.status == "ok"]
    images = sorted(img for r in ok for img in r.images)
    thumbs = {img: thumb for r in ok for img, thumb in zip(r.images, r.thumbs)}
    captions = {img: cap for r in ok for img, cap in r.captions.items()}
    prefix = plan.case_id
    modalities = sorted({g.modality for g in plan.groups} | ({"photo"} if any(t.kind == "photo" for t in plan.tasks) else set()))
    entry = mf.CaseEntry(
        case_id=plan.case_id,
        number=plan.number,
        key=plan.key,
        title=cleaned.title,
        modalities=modalities,
        images=len(images),
        series=len(plan.groups),
        cine_loops=len(cine_files),
        photos=sum(1 for r in ok if r.report.kind == "photo"),
        dicom_files=sum(1 for r in ok for f in r.files if f.startswith("dicom/")),
        diagnosis=cleaned.diagnosis,
        tags=list(cleaned.tags),
        files={
            "images": [f"{prefix}/{i}" for i in images],
            "thumbs": [f"{prefix}/{thumbs[i]}" for i in images],
            "cine": [f"{prefix}/{c}" for c in sorted(cine_files)],
            "notes": [f"{prefix}/case.md"],
        },
        captions={f"{prefix}/{i}": captions.get(i, "") for i in images},
        notes=cleaned.to_json(),
    )
    return entry, {r.category: r.count for r in replaced}, failures


@dataclass(frozen=True)
class ExportProgress:
    """Where the export is, for a progress bar or dialog (no patient data)."""

    cases_done: int
    cases_total: int
    files_done: int
    files_total: int
    case_id: str = ""
    case_files_done: int = 0
    case_files_total: int = 0
    message: str = ""


@dataclass
class CaseOutcome:
    """What happened to one case (for the report; `source` is an input path)."""

    case_id: str
    source: str
    status: Literal["ok", "error", "skipped", "partial"] = "ok"
    error: str | None = None
    entry: mf.CaseEntry | None = None
    files: Counter = field(default_factory=Counter)
    text_regions: int = 0
    needs_text_review: int = 0  # files whose pixels may show text that no redaction checked
    actions: dict[str, int] = field(default_factory=empty_actions)
    notes_replaced: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        entry = self.entry
        return {
            "case": self.case_id,
            "input": self.source,
            "status": self.status,
            "error": self.error,
            "files": {k: self.files.get(k, 0) for k in ("ok", "error", "skipped")},
            "images": entry.images if entry else 0,
            "series": entry.series if entry else 0,
            "cine_loops": entry.cine_loops if entry else 0,
            "photos": entry.photos if entry else 0,
            "dicom_files": entry.dicom_files if entry else 0,
            "text_regions": self.text_regions,
            "needs_text_review": self.needs_text_review,
            "actions": self.actions,
            "notes_scrubbed": dict(sorted(self.notes_replaced.items())),
        }


@dataclass
class CaseSetResult:
    report: Report
    cases: list[CaseOutcome]
    cancelled: bool = False
    zip_path: Path | None = None

    @property
    def failed(self) -> bool:
        return any(c.status in ("error", "partial") for c in self.cases) or self.report.counts()["error"] > 0


# --- finding cases ---------------------------------------------------------------------------


def _looks_like_case(folder: Path) -> bool:
    """A folder holding notes, a DICOM file, a DICOMDIR or a photo directly is a case."""
    from radshare.core.notes import find_notes_file
    from radshare.core.sources import sniff

    if find_notes_file(folder) is not None:
        return True
    for child in folder.iterdir():
        if child.name.startswith(".") or not child.is_file():
            continue
        try:
            with open(child, "rb") as handle:
                head = handle.read(4096)
        except OSError:
            continue
        if sniff(head) is not None or child.name.upper() == "DICOMDIR":
            return True
    return False


def discover_cases(paths: Iterable[Path]) -> list[Path]:
    """Case folders from the arguments: a case folder itself, or a parent of case folders.

    A folder is a case when it directly holds notes, a DICOM file, a DICOMDIR or a photo;
    otherwise each of its (non-hidden) sub-folders is a case. Raises InputError for an argument
    that is not a folder.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            raise InputError(f"{raw}: not a folder (one folder per case, or a folder of case folders)")
        if _looks_like_case(path):
            found.append(path)
            continue
        found.extend(sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")))
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(str(path.resolve()), path)
    return list(unique.values())


def _source_names(cases: list[Path]) -> list[str]:
    """The name each case is keyed by: its folder name, or parent/name when two share a name."""
    counts = Counter(p.resolve().name for p in cases)
    return [f"{p.resolve().parent.name}/{p.resolve().name}" if counts[p.resolve().name] > 1 else p.resolve().name for p in cases]


# --- the export --------------------------------------------------------------------------------


def _crashed(task, reason: str) -> FileResult:
    """The result for a file whose worker process died on it: the set goes on without it."""
    return FileResult(case_id=task.case_id, report=error_report(task.item.display, reason, kind=task.kind))


def export_caseset(
    case_dirs: Iterable[Path],
    out: Path,
    settings: Settings,
    options: ExportOptions = ExportOptions(),
    *,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> CaseSetResult:
    """Export every case folder into `out` (see the module doc). Never raises for a bad input.

    `on_error` receives one line per failed file or case (input name and reason), for stderr.
    With the dask executor, an unreachable scheduler raises OSError before OUT is touched.
    """
    run = ExportRun(Path(out), settings, options, workers=workers, executor=executor, scheduler=scheduler,
                    progress=progress, cancel=cancel, say=on_error or _silent)
    with _default_dask_client(executor, scheduler):
        return _export(list(case_dirs), run)


def _silent(_message: str) -> None:
    return None


@dataclass(frozen=True)
class ExportRun:
    """What one case-set export was asked to do (the arguments of `export_caseset`)."""

    out: Path
    settings: Settings
    options: ExportOptions
    workers: int = 1
    executor: str = "local"
    scheduler: str | None = None
    progress: Callable[[ExportProgress], None] | None = None
    cancel: Callable[[], bool] | None = None
    say: Callable[[str], None] = _silent  # one line per failed file or case

    def batch(self, items: list, work: Callable, crashed: Callable | None = None) -> Iterator:
        """`work(item)` for every item on the chosen executor, as results arrive; `crashed(item,
        reason)` stands for the result of an item whose worker process died on it."""
        return batch.run_batch(items, work, workers=self.workers, executor=self.executor, scheduler=self.scheduler,
                               cancel=self.cancel, crashed=crashed)

    def tell(self, where: ExportProgress) -> None:
        if self.progress is not None:
            self.progress(where)

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel()


@dataclass
class _Tally:
    """The export's running state: outcomes by case, the finished entries, the cases to work on."""

    outcomes: list[CaseOutcome] = field(default_factory=list)
    finished: list[mf.CaseEntry] = field(default_factory=list)
    pending: list[_CaseRun] = field(default_factory=list)
    files_done: int = 0
    cases_done: int = 0


def _export(cases: list[Path], run: ExportRun) -> CaseSetResult:
    run.out.mkdir(parents=True, exist_ok=True)
    _remove_partials(run.out)
    report = Report(profile=run.settings.profile)
    keys = [mf.case_key(run.settings.key, name) for name in _source_names(cases)]
    numbers = mf.assign_numbers(mf.known_numbers(run.out), keys)
    tally = _Tally()
    jobs = _plan_jobs(cases, keys, numbers, run, tally)
    reading_cancelled = _read_plans(jobs, len(cases), run, tally, report)
    cancelled = _export_files(run, tally, report, numbers, reading_cancelled)
    zip_path = write_zip(run.out) if run.options.zip_archive and not cancelled else None
    report.files.sort(key=lambda e: e.input)
    report.extra["cases"] = [o.to_json() for o in sorted(tally.outcomes, key=lambda o: o.case_id)]
    report.extra["case_summary"] = dict(Counter(o.status for o in tally.outcomes))
    return CaseSetResult(report=report, cases=tally.outcomes, cancelled=cancelled, zip_path=zip_path)


def _plan_jobs(cases: list[Path], keys: list[str], numbers: dict[str, int], run: ExportRun, tally: _Tally) -> list[PlanJob]:
    """One planning job per case, except the cases an earlier run finished (kept as they are)."""
    jobs: list[PlanJob] = []
    for folder, key in zip(cases, keys):
        cid = mf.case_id(numbers[key])
        outcome = CaseOutcome(case_id=cid, source=str(folder))
        tally.outcomes.append(outcome)
        earlier = mf.read_case_entry(run.out / cid)
        if earlier is not None and earlier.key == key and earlier.complete:
            outcome.status = "skipped"
            outcome.error = "finished in an earlier run"
            outcome.entry = earlier
            tally.finished.append(earlier)
            continue
        jobs.append(PlanJob(folder, cid, numbers[key], key, run.settings, run.options))
    return jobs


def _read_plans(jobs: list[PlanJob], total: int, run: ExportRun, tally: _Tally, report: Report) -> bool:
    """Plan every case (reading the headers is itself spread over the workers: a tenth of the
    work); cases that cannot be planned are errors. Returns True when reading was cancelled."""
    plans: dict[str, CasePlan | str] = {}
    read = total - len(jobs)
    for cid, plan in run.batch(jobs, plan_job):
        plans[cid] = plan
        read += 1
        run.tell(ExportProgress(read - 1, total, 0, 0, message=f"reading headers: {read} of {total} cases read"))
    for job in jobs:
        outcome = next(o for o in tally.outcomes if o.case_id == job.case_id)
        plan = plans.get(job.case_id)
        if plan is None:  # cancelled before this case was read
            tally.outcomes.remove(outcome)
            continue
        if isinstance(plan, str):
            outcome.status = "error"
            outcome.error = plan
            run.say(f"{job.folder}: {plan}")
            continue
        for problem in plan.problems:
            report.add(problem)
            outcome.files[problem.status] += 1
            if problem.status == "error":
                run.say(f"{problem.input}: {problem.error}")
        partial = run.out / f"{PARTIAL_PREFIX}{job.case_id}{PARTIAL_SUFFIX}"
        tally.pending.append(_CaseRun(outcome=outcome, plan=plan, partial=partial))
    return len(plans) < len(jobs)


def _export_files(run: ExportRun, tally: _Tally, report: Report, numbers: dict[str, int], cancelled: bool) -> bool:
    """Export every planned file and assemble each case as its last file comes in; after a
    cancel or a failure no partial case stays. Returns True when the export was cancelled."""
    tasks = [task for case in tally.pending for task in case.plan.tasks]
    by_case = {case.outcome.case_id: case for case in tally.pending}
    tally.cases_done = len(tally.outcomes) - len(tally.pending)

    def tell(case: _CaseRun | None, message: str = "") -> None:
        run.tell(ExportProgress(
            cases_done=tally.cases_done, cases_total=len(tally.outcomes), files_done=tally.files_done,
            files_total=len(tasks), case_id=case.outcome.case_id if case else "",
            case_files_done=case.done if case else 0, case_files_total=len(case.plan.tasks) if case else 0,
            message=message,
        ))

    tell(None, "planned")
    results: Iterable[FileResult] = []
    finisher = _Finisher(run.out, run.options, report, run.say)
    try:
        for case in tally.pending:
            case.partial.mkdir(parents=True, exist_ok=True)
            if not case.plan.tasks:
                finisher.submit(case)
        results = [] if not tasks or cancelled else run.batch(tasks, export_file, crashed=_crashed)
        for result in results:
            case = by_case[result.case_id]
            _store(case, result, report, run.say)
            tally.files_done += 1
            if case.done == len(case.plan.tasks):
                finisher.submit(case)
            tally.cases_done += finisher.collect(tally.finished)
            tell(case)
        if cancelled or run.cancelled():
            cancelled = True  # the case being assembled is finished below, the queued ones dropped
        else:
            tally.cases_done += finisher.collect(tally.finished, wait=True)
        tell(None, "done")
    except BaseException:  # Ctrl-C, or an executor that failed as a whole: no partial case stays
        cancelled = True
        stop = getattr(results, "close", None)  # stops the pool's workers now, not at exit
        if stop is not None:
            stop()
        raise
    finally:
        finisher.close(tally.finished, drop_queued=cancelled)  # a case being assembled is completed first
        if cancelled:
            _remove_partials(run.out)
            _mark_dropped(tally)
        # The manifest and the book list what is complete, also after a cancel.
        _write_index(run.out, tally.finished, numbers)
    return cancelled


def _mark_dropped(tally: "_Tally") -> None:
    """After a cancel, a case that was never assembled is reported as such, not as written
    (its partial folder is gone): the counts then match what is on disk."""
    assembled = {entry.case_id for entry in tally.finished}
    for case in tally.pending:
        outcome = case.outcome
        if outcome.status == "ok" and outcome.case_id not in assembled:
            outcome.status = "skipped"
            outcome.error = "cancelled before the case was assembled; run the export again to complete the set"


class _Finisher:
    """Assembles finished cases on one background thread (encoding a cine takes a second or
    more), so the workers are fed new files meanwhile. Cases are assembled one at a time, from
    frames staged on disk, so memory stays bounded."""

    def __init__(self, out: Path, options: ExportOptions, report: Report, say: Callable[[str], None]):
        from concurrent.futures import ThreadPoolExecutor

        self.args = (out, options, report, say)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="radshare-case")
        self.futures: list = []

    def submit(self, run: "_CaseRun") -> None:
        self.futures.append(self.pool.submit(_finish, run, *self.args))

    def collect(self, entries: list[mf.CaseEntry], wait: bool = False) -> int:
        """Add the entries of the cases assembled so far; returns how many were assembled."""
        done = [f for f in self.futures if wait or f.done()]
        self.futures = [f for f in self.futures if f not in done]
        for future in done:
            entries.extend(future.result())
        return len(done)

    def close(self, entries: list[mf.CaseEntry], drop_queued: bool = False) -> None:
        """Waits for the case being assembled; after a cancel the cases still queued are dropped
        (their partial folders go), so Ctrl-C returns after one case, not after all of them."""
        self.pool.shutdown(wait=True, cancel_futures=drop_queued)
        for future in self.futures:
            if not future.cancelled() and future.exception() is None:
                entries.extend(future.result())
        self.futures = []


@contextmanager
def _default_dask_client(executor: str, scheduler: str | None):
    """A default dask client for the run (distributed's `as_completed` looks one up)."""
    if executor != "dask":
        yield
        return
    if not scheduler:
        raise ValueError("the dask executor needs --scheduler ADDRESS")
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("the dask executor needs the 'distributed' package installed") from None
    with Client(scheduler, set_as_default=True, timeout="10s"):
        yield


@dataclass
class _CaseRun:
    outcome: CaseOutcome
    plan: "CasePlan"
    partial: Path
    done: int = 0
    results: list[FileResult] = field(default_factory=list)  # light: bytes are dropped once written
    frames: dict[int, list[tuple[int, Path]]] = field(default_factory=dict)
    contributors: dict[int, list[FileReport]] = field(default_factory=dict)  # files in a series cine


def _store(run: _CaseRun, result: FileResult, report: Report, say: Callable[[str], None]) -> None:
    """Write one file's outputs into the case's partial folder (atomically, file by file)."""
    run.done += 1
    entry = result.report
    try:
        for relative, data in result.files.items():
            atomic_write_bytes(run.partial / relative, data)
        if result.frame is not None:
            group, position, frame = result.frame
            staged = run.partial / ".frames" / f"{group:03d}" / f"{position:06d}.npy"
            _write_staged(staged, frame)
            run.frames.setdefault(group, []).append((position, staged))
            run.contributors.setdefault(group, []).append(entry)
    except OSError as exc:
        entry = error_report(entry.input, f"cannot write the outputs ({exc.strerror or exc.__class__.__name__})", kind=entry.kind)
    final = Path(run.partial.parent) / run.outcome.case_id
    entry.outputs = [str(final / rel) for rel in result.files if not rel.startswith("thumbs/")]
    report.add(entry)
    run.outcome.files[entry.status] += 1
    run.outcome.text_regions += entry.text_regions
    run.outcome.needs_text_review += int(entry.needs_text_review)
    for k, v in entry.actions.items():
        run.outcome.actions[k] = run.outcome.actions.get(k, 0) + v
    if entry.status == "error":
        say(f"{entry.input}: {entry.error}")
    result.files = {rel: b"" for rel in result.files}  # keep the names, drop the bytes
    result.frame = None
    run.results.append(result)


def _write_staged(path: Path, data: bytes) -> None:
    """A staged cine frame: renamed into place whole, but not fsynced (it lives for seconds,
    inside the case's partial folder, which a stopped run removes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".part-" + path.name)
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _finish(run: _CaseRun, out: Path, options: ExportOptions, report: Report, say) -> list[mf.CaseEntry]:
    """Encode the case's cine loops, write notes and case.json, and move the case into place."""
    outcome = run.outcome
    try:
        entry, notes_replaced, failures = assemble_case(run.plan, run.partial, run.results, run.frames, options)
    except Exception as exc:  # a case that cannot be assembled must not stop the others
        outcome.status = "error"
        outcome.error = f"the case could not be assembled ({exc.__class__.__name__})"
        say(f"{outcome.source}: {outcome.error}")
        shutil.rmtree(run.partial, ignore_errors=True)
        return []
    for failure in failures:
        report.add(failure)
        outcome.files[failure.status] += 1
        say(f"{failure.input}: {failure.error}")
    final_dir = out / outcome.case_id
    for group in run.plan.groups:  # the report maps each slice to the loop it is in
        loop = next((c for c in entry.files.get("cine", []) if Path(c).stem == group.name), None)
        for file_report in run.contributors.get(group.number, []) if loop else []:
            file_report.outputs.append(str(final_dir / Path(loop).relative_to(outcome.case_id)))
    errors = outcome.files.get("error", 0)
    entry.errors = errors
    entry.complete = errors == 0
    mf.write_case_entry(run.partial, entry)
    final = out / outcome.case_id
    _replace_dir(run.partial, final)
    outcome.entry = entry
    outcome.notes_replaced = notes_replaced
    outcome.status = "ok" if errors == 0 else "partial"
    if errors:
        outcome.error = f"{errors} file(s) failed; the case will be redone on the next run"
    return [entry]


def _replace_dir(partial: Path, final: Path) -> None:
    """Move a finished case into place; an older copy (from an incomplete run) is replaced."""
    if final.exists():
        trash = final.with_name(f"{PARTIAL_PREFIX}{final.name}.old{PARTIAL_SUFFIX}")
        shutil.rmtree(trash, ignore_errors=True)
        os.replace(final, trash)
        os.replace(partial, final)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(partial, final)


def _remove_partials(out: Path) -> None:
    for leftover in Path(out).glob(f"{PARTIAL_PREFIX}*{PARTIAL_SUFFIX}"):
        shutil.rmtree(leftover, ignore_errors=True)
    batch.remove_partial_files(out)


def _write_index(out: Path, entries: list[mf.CaseEntry], numbers: dict[str, int]) -> None:
    """manifest.json/.csv and index.html for every case folder in OUT: this run's, and those an
    earlier run exported from folders not named this time (their numbers stay reserved)."""
    by_number = {e.number: e for e in entries}
    for case_dir in sorted(Path(out).glob("Case-*")):
        earlier = mf.read_case_entry(case_dir)
        if earlier is not None and earlier.number not in by_number and case_dir.name == earlier.case_id:
            by_number[earlier.number] = earlier
            numbers.setdefault(earlier.key, earlier.number)
    ordered = [by_number[n] for n in sorted(by_number)]
    mf.write_manifest(out, ordered, numbers)
    write_casebook(out, ordered)


def write_zip(out: Path) -> Path:
    """`<OUT>.zip` beside OUT with the cases, manifest and case book (written atomically)."""
    out = Path(out).resolve()
    target = out.with_name(out.name + ".zip")
    fd, tmp = tempfile.mkstemp(prefix=".part-", suffix=".zip", dir=target.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for path in sorted(out.rglob("*")):
                relative = path.relative_to(out)
                if not path.is_file() or any(part.startswith(".") for part in relative.parts):
                    continue
                stored = zipfile.ZIP_STORED if path.suffix.lower() in (".mp4", ".gif", ".jpg", ".png", ".zip") else zipfile.ZIP_DEFLATED
                archive.write(path, arcname=str(Path(out.name) / relative), compress_type=stored)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


