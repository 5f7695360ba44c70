"""What one shared post is, on what basis it was shared, and how it is recorded and taken back.

The records here are what the sharing ledger (`ledger.py`) keeps. They hold pseudonymous case
and image ids (keyed tokens of the original UIDs, or of a photo's bytes, under the installation
key: stable, and meaningless without the key), the SHA-256 of the bytes sent, the texts as sent,
and what a target needs to withdraw the post. Never a patient identifier, never an input path.

`publish_and_record` is the one way a post is sent by the CLI and the GUI: the ledger row is
written before anything leaves (so a post that cannot be recorded is not sent), completed in one
transaction when the target confirms, and removed when publishing fails. `withdraw_posts` takes
posts back through each target's `withdraw` and records every outcome. Both take the uploader as
an object (duck typing): core does not import the uploaders.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from radshare.core.errors import ConfigError
from radshare.core.model import Identifiers

#: The basis for sharing the sharer chooses: id -> the text the composer and the CLI show.
BASES: dict[str, str] = {
    "consent": "Patient consent on file",
    "policy": "Institutional policy allows it",
    "anonymous": "Fully anonymous image (nothing could identify the patient)",
}
#: Recorded when a non-interactive `radshare post` was not told the basis.
UNSTATED = "unstated"

#: Post states in the ledger. "sending": recorded, the target has not confirmed yet (a crash
#: there leaves it so: the post may or may not exist). "pending": a withdrawal is not finished.
LIVE, SENDING, PENDING = "live", "sending", "pending"
DELETED, TRASHED, HIDDEN = "deleted", "trashed", "hidden"
WITHDRAWN_STATES = (DELETED, TRASHED, HIDDEN)

# A consent form number: digits and separators, after at most one of a few form codes. Free
# letters are refused: "DOE-1234" or "12 SMITH" must not pass as a number.
REFERENCE_CODES = ("CF", "ICF", "IC", "REF", "NO", "IRB", "REC", "PCF")
_REFERENCE = re.compile(rf"^(?:(?:{'|'.join(REFERENCE_CODES)})[-/ ]?|#)?[0-9][0-9./ -]{{0,29}}$", re.IGNORECASE)


@dataclass(frozen=True)
class SharedImage:
    """One image of a post: pseudonymous ids, the SHA-256 of the bytes sent, the target's media id."""

    image_id: str
    sha256: str
    case_id: str = ""
    media_id: str = ""


@dataclass(frozen=True)
class NewPost:
    """What is recorded before a post is sent (everything but the target's answer)."""

    account: str
    target: str
    case_id: str
    basis: str
    images: tuple[SharedImage, ...]
    title: str = ""
    caption: str = ""
    basis_ref: str = ""


@dataclass(frozen=True)
class SharedPost:
    """One post as the ledger holds it. `number` is the ledger's own; `post_id` the target's.

    `data` is what the target returned for a later withdrawal (non-secret). Uploaders' `withdraw`
    receives this record (see `radshare.uploaders.base.PostRecord`).
    """

    number: int
    account: str
    target: str
    post_id: str
    url: str
    draft: bool
    posted_at: str
    case_id: str
    basis: str
    basis_ref: str
    title: str
    caption: str
    status: str
    status_note: str = ""
    status_at: str = ""
    images: tuple[SharedImage, ...] = ()
    data: Mapping[str, str] = field(default_factory=dict)

    @property
    def media_ids(self) -> tuple[str, ...]:
        return tuple(i.media_id for i in self.images if i.media_id)

    @property
    def withdrawn(self) -> bool:
        return self.status in WITHDRAWN_STATES

    def cases(self) -> list[str]:
        return list(dict.fromkeys([self.case_id, *(i.case_id for i in self.images if i.case_id)]))


@dataclass(frozen=True)
class SharedExport:
    """One case-set export: where it went, which cases, the manifest's SHA-256."""

    number: int
    folder: str
    exported_at: str
    cases: tuple[str, ...]
    manifest_sha256: str


# --------------------------------------------------------------------------------------------
# Basis and pseudonymous ids
# --------------------------------------------------------------------------------------------


def check_basis(basis: str, reference: str = "", identifiers: Sequence[Identifiers] = ()) -> tuple[str, str]:
    """The basis id and a reference that cannot carry a name: (basis, reference) or ConfigError.

    The reference (a consent form number) holds digits and separators after at most one of the
    form codes in `REFERENCE_CODES` (CF-2024-0193, ICF 17, #2024/17); no other letters, so it
    cannot carry a name. It must not hold an identifier of the images shared either.
    """
    basis = (basis or "").strip().lower()
    if basis not in BASES and basis != UNSTATED:
        raise ConfigError(f"the basis for sharing must be one of: {', '.join(BASES)}")
    reference = " ".join((reference or "").split())
    if not reference:
        return basis, ""
    if not _REFERENCE.match(reference):
        raise ConfigError("the reference may hold only a form number: digits, dashes, slashes or dots, after "
                          f"at most one of the codes {', '.join(REFERENCE_CODES)}; never a name")
    from radshare.core.deid.text import DATE, find_identifiers, scrub_text

    if DATE in find_identifiers(reference):
        raise ConfigError("the reference looks like a date, which could be a birth date: give the form number only")

    merged = Identifiers()
    for item in identifiers:
        merged = merged.merge(item)
    # The case's own identifiers only (the generic patterns take any form number for an ID): an ID
    # or a date inside the number, or the scrubber's case-specific forms (dates written otherwise).
    compact = re.sub(r"[\W_]", "", reference).upper()
    values = [re.sub(r"[\W_]", "", v).upper() for v in merged.all_values()]
    if any(len(v) >= 4 and v in compact for v in values) or (
            merged.all_values() and scrub_text(reference, merged).text != scrub_text(reference).text):
        raise ConfigError("the reference holds an identifier of the patient (an ID or a date): give the form number only")
    return basis, reference


def pseudonymous_ids(key: bytes, *, study_uid: str = "", sop_uid: str = "", frame: int = 0,
                     content: bytes = b"") -> tuple[str, str]:
    """(case id, image id): keyed tokens of the original study and instance UIDs, or, for a photo,
    of its bytes (each photo is then its own case). "C-" and "I-" and 10 base32 letters."""
    from radshare.core.deid.pseudonyms import Pseudonymizer

    tokens = Pseudonymizer(key)
    if sop_uid:
        image = tokens.token(f"ledger-image\x1f{sop_uid.strip()}\x1f{frame}", prefix="I-", length=10)
        case = tokens.token(f"ledger-case\x1f{(study_uid or sop_uid).strip()}", prefix="C-", length=10)
        return case, image
    digest = hashlib.sha256(content).hexdigest()
    return (tokens.token(f"ledger-case\x1fcontent\x1f{digest}", prefix="C-", length=10),
            tokens.token(f"ledger-image\x1fcontent\x1f{digest}", prefix="I-", length=10))


def ids_for_file(data: bytes, key: bytes, frame: int = 0) -> tuple[str, str]:
    """Pseudonymous (case, image) ids of an input file's bytes (DICOM by its UIDs, else the bytes)."""
    from radshare.core.sources import sniff

    if sniff(data[:4096]) == "dicom":
        from io import BytesIO

        import pydicom

        try:
            ds = pydicom.dcmread(BytesIO(data), stop_before_pixels=True, force=True,
                                 specific_tags=["StudyInstanceUID", "SOPInstanceUID"])
            return ids_for_dataset(ds, key, frame, data)
        except Exception:  # an unreadable header: the bytes still name the image
            pass
    return pseudonymous_ids(key, content=data)


def ids_for_dataset(ds: Any, key: bytes, frame: int = 0, fallback: bytes = b"") -> tuple[str, str]:
    """Pseudonymous (case, image) ids of an original DICOM header."""
    sop = str(getattr(ds, "SOPInstanceUID", "") or "")
    if not sop:
        return pseudonymous_ids(key, content=fallback)
    return pseudonymous_ids(key, study_uid=str(getattr(ds, "StudyInstanceUID", "") or ""), sop_uid=sop, frame=frame)


def check_case_label(label: str) -> str:
    """A case id the sharer typed: letters, digits, dots, dashes (no spaces: not a name)."""
    label = (label or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}", label) or not re.search(r"\d", label):
        raise ConfigError("a case id holds letters, digits, dots or dashes and at least one digit (e.g. Case-07)")
    return label


def new_post(account: str, target: str, post: Any, ids: Sequence[tuple[str, str]], basis: str, basis_ref: str = "",
             case_id: str = "") -> NewPost:
    """The record of `post` (an uploader `Post`) before it is sent; `ids` are (case, image) per image."""
    images = tuple(
        SharedImage(image_id=image_id, sha256=hashlib.sha256(prepared.data).hexdigest(), case_id=case)
        for prepared, (case, image_id) in zip(post.images, ids)
    )
    return NewPost(account=account, target=target, case_id=case_id or (images[0].case_id if images else ""),
                   basis=basis, basis_ref=basis_ref, images=images, title=post.title, caption=post.caption)


def record_caseset_export(out: Any, result: Any, ledger: Any = None) -> int | None:
    """Record a case-set export in the ledger: the output folder, the cases it holds now, the
    manifest's SHA-256. None when nothing was exported (no manifest)."""
    from pathlib import Path

    manifest = Path(out) / "manifest.json"
    if not manifest.is_file():
        return None
    cases = [c.case_id for c in result.cases if c.status in ("ok", "partial", "skipped")]
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    if ledger is not None:
        return ledger.record_export(str(Path(out).resolve()), cases, digest)
    from radshare.core.ledger import Ledger

    with Ledger() as own:
        return own.record_export(str(Path(out).resolve()), cases, digest)


# --------------------------------------------------------------------------------------------
# Publishing and withdrawing, recorded
# --------------------------------------------------------------------------------------------


def publish_and_record(ledger: Any, uploader: Any, post: Any, entry: NewPost, progress: Callable | None = None,
                       cancel: Callable[[], bool] | None = None) -> tuple[Any, int]:
    """Send `post` with `uploader.publish` and record it: (the target's result, the ledger number).

    The row is written first ("sending"): when the ledger cannot be written nothing is sent.
    Success completes the row in one transaction; a failure the uploader reports removes it and is
    raised as it came; an interruption (Ctrl+C, a crash) leaves it "sending", as it may be out.
    """
    number = ledger.begin_post(entry)
    try:
        result = uploader.publish(post, progress=progress, cancel=cancel)
    except Exception:
        ledger.discard(number)
        raise
    # KeyboardInterrupt and the like leave the row "sending": the post may exist, and the ledger says so.
    ledger.complete_post(number, post_id=str(result.id), url=str(result.url), draft=bool(result.draft),
                         media_ids=[str(m) for m in getattr(result, "media_ids", ()) or ()],
                         data={str(k): str(v) for k, v in (getattr(result, "data", None) or {}).items()})
    return result, number


@dataclass(frozen=True)
class WithdrawOutcome:
    """One post's withdrawal: the state reached ("deleted", "trashed", "hidden", or "pending")."""

    post: SharedPost
    state: str
    note: str = ""

    @property
    def done(self) -> bool:
        return self.state in WITHDRAWN_STATES


def withdraw_posts(ledger: Any, posts: Iterable[SharedPost], open_uploader: Callable[[SharedPost], Any], *,
                   force: bool = False, progress: Callable | None = None,
                   cancel: Callable[[], bool] | None = None) -> list[WithdrawOutcome]:
    """Withdraw each post through its target and record the outcome; never raises for one post.

    Each post is marked "pending" before its target is asked, so a withdrawal interrupted
    anywhere (network, crash, cancel) stays pending and `--pending` resumes it; targets treat
    what is already gone as done. `open_uploader(post)` gives the target's uploader (or raises
    with a reason: the account was removed, the plugin does not withdraw).
    """
    outcomes: list[WithdrawOutcome] = []
    posts = list(posts)
    for done, post in enumerate(posts):
        if progress is not None:
            progress(done, len(posts), f"withdrawing post {post.number}")
        if post.withdrawn:
            outcomes.append(WithdrawOutcome(post, post.status, "already withdrawn"))
            continue
        if cancel is not None and cancel():
            outcomes.append(WithdrawOutcome(post, post.status if post.status == PENDING else LIVE, "not started: cancelled"))
            continue
        ledger.set_status(post.number, PENDING, "withdrawal started", event="withdraw")
        try:
            uploader = open_uploader(post)
            try:
                answer = uploader.withdraw(post, force=force, cancel=cancel)
            finally:
                if hasattr(uploader, "close"):
                    uploader.close()
        except Exception as exc:  # noqa: BLE001 - every failure is recorded and reported, none is fatal
            note = _explain(exc)
            ledger.set_status(post.number, PENDING, note, event="withdraw-failed")
            outcomes.append(WithdrawOutcome(post, PENDING, note))
            continue
        state = str(getattr(answer, "state", DELETED))
        if state not in WITHDRAWN_STATES:
            state = DELETED
        note = str(getattr(answer, "note", "") or "")
        ledger.set_status(post.number, state, note, event="withdrawn")
        outcomes.append(WithdrawOutcome(post, state, note))
    if progress is not None:
        progress(len(posts), len(posts), "done")
    return outcomes


def _explain(exc: Exception) -> str:
    explain = getattr(exc, "explain", None)
    if callable(explain):
        return str(explain())
    text = str(exc).strip()
    return text if text and type(exc).__module__.startswith("radshare") else type(exc).__name__
