"""`radshare post FILE... --account NAME [--caption TEXT] [--alt TEXT] [--draft] [--confirm]`.

Each FILE may be an original: it is de-identified and its burned-in text redacted first
(`radshare.core.pipeline.shareable_image`), then core fits it to the target's limits, the PHI gate
runs, and only then does the target's uploader see it. Nothing is posted when any input fails.

Confirmation: in a terminal, the sharer is asked to confirm the right to share (unless they
asked to remember it for this account) and, when the automatic text redaction was not reviewed
by a person, to confirm posting without review.
`--confirm` gives both confirmations non-interactively. Without `--confirm` and without a
terminal nothing is posted (exit 2).

Every post is recorded in the sharing ledger (`radshare shared list`) with the basis for sharing
(`--basis`, asked in a terminal; "unstated" when neither) and pseudonymous case and image ids;
a post that cannot be recorded is not sent.

Exit codes: 0 posted; 1 an input, the gate, the target's checks or the upload failed (nothing
or, after a network failure, possibly part was sent: see the message); 2 usage or configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from typing import TYPE_CHECKING

from radshare.core.errors import ConfigError, InputError, RadShareError
from radshare.uploaders.accounts import Account, AccountStore
from radshare.uploaders.base import (
    Post, PublishResult, UploaderProtocol, UploadError, close_uploader, secret_field_of,
)
from radshare.uploaders.compose import SourceImage, build_post
from radshare.uploaders.gate import GateImage, check_post
from radshare.uploaders.registry import registry

if TYPE_CHECKING:
    from radshare.core.ledger import Ledger
    from radshare.core.sharing import SharedPost


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "post",
        help="de-identify images and post them to an account",
        description="Post images to a blog, forum, social account or folder. FILE may be an original: "
        "it is de-identified and its burned-in text redacted first. Only re-encoded, de-identified "
        "pixels are sent.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="DICOM files or photos (originals are fine)")
    parser.add_argument("--account", required=True, metavar="NAME", help="an account from 'radshare accounts list'")
    parser.add_argument("--caption", default="", metavar="TEXT", help="the post's text")
    parser.add_argument("--alt", action="append", default=[], metavar="TEXT",
                        help="alt text: once for all images, or once per image in order")
    parser.add_argument("--title", default="", metavar="TEXT",
                        help="title (blogs and forums; a blog post without one takes the caption's first line)")
    parser.add_argument("--draft", action="store_true", help="save as a draft where the target has drafts")
    parser.add_argument("--visibility", metavar="NAME", help="target-specific visibility (e.g. publish|pending|private, message-to-self)")
    parser.add_argument("--category", metavar="ID", help="forum category id")
    parser.add_argument("--confirm", action="store_true",
                        help="confirm that you have the right to share these images and that you accept the automatic "
                        "text redaction without reviewing it (required when not run in a terminal)")
    parser.add_argument("--remember-confirmation", action="store_true",
                        help="in a terminal: remember your confirmation of the right to share, and the basis for "
                        "sharing you choose (a later --basis replaces it), for this account "
                        "(forget it with 'radshare accounts add ... --replace')")
    from radshare.core.choices import TEXT_REDACTION_MODES

    parser.add_argument("--text-redaction", choices=TEXT_REDACTION_MODES, default="auto",
                        help="find and paint out text burned into the pixels (default: auto)")
    from radshare.core.sharing import BASES

    parser.add_argument("--basis", choices=tuple(BASES), metavar="|".join(BASES),
                        help="the basis for sharing, recorded in the sharing ledger: patient consent on file, "
                        "institutional policy, or a fully anonymous image (asked in a terminal when not given)")
    parser.add_argument("--basis-ref", default="", metavar="NUMBER",
                        help="a reference for the basis, e.g. the consent form number (a number, never a name)")
    parser.add_argument("--case", default="", metavar="ID",
                        help="the case id to list the post under in the ledger (default: a pseudonym of the study)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors and the result")


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _ask_yes(question: str) -> bool:
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text, file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except ConfigError as exc:
        print(f"radshare: {exc}", file=sys.stderr)
        return 2
    except UploadError as exc:
        print(f"radshare: nothing more was sent. {exc.explain()}", file=sys.stderr)
        return 1
    except RadShareError as exc:
        print(f"radshare: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    interactive = _interactive()
    if not args.confirm and not interactive:
        raise ConfigError("nothing posted: confirm the right to share with --confirm (no terminal to ask)")
    store = AccountStore()
    account = store.get(args.account)
    cls = _uploader_class(account)
    uploader = _uploader(store, account, cls)
    try:
        sources, ids = _shareable_sources(args)  # 1. de-identify and redact every input
        alts = _alt_texts(args, len(sources), interactive)  # 2. alt text: required
        # 3. core fits the pixels to the target's limits, and the post is built
        options = {"category": args.category} if args.category else {}
        post, gate_images = build_post(
            sources, cls.limits, alt_texts=alts, caption=args.caption, title=args.title,
            draft=args.draft, visibility=args.visibility, options=options,
        )
        right_to_share, review_confirmed = _confirmations(args, store, account, cls, gate_images, interactive)
        problems = [f"held back: {p.message}" for p in check_post(  # 4. the PHI gate
            post, gate_images, right_to_share=right_to_share, text_review_confirmed=review_confirmed)]
        problems = problems or [f"{cls.display_name}: {m}" for m in uploader.validate(post)]  # 5. the target's checks
        if problems:
            for problem in problems:
                print(f"radshare: {problem}", file=sys.stderr)
            print("radshare: nothing posted", file=sys.stderr)
            return 1
        result, number, case_id = _record_and_send(args, cls, account, uploader, post, gate_images, ids, interactive)
    finally:
        close_uploader(uploader)
    _print_result(args, cls, post, result, number, case_id, time.perf_counter() - started)
    return 0


def _uploader_class(account: Account) -> type[UploaderProtocol]:
    try:
        return registry().get(account.target)
    except KeyError as exc:
        raise ConfigError(f"account '{account.name}': {exc.args[0]}") from None


def _uploader(store: AccountStore, account: Account, cls: type[UploaderProtocol]) -> UploaderProtocol:
    """The account's uploader with its secret from the keyring."""
    secret_field = secret_field_of(cls)
    secret = store.secret(account.name) if secret_field is not None else None
    if secret_field is not None and secret_field.required and not secret:
        raise ConfigError(f"account '{account.name}' has no stored {secret_field.label.lower()}: add it again")
    return cls(dict(account.settings), secret)  # type: ignore[call-arg]


def _shareable_sources(args: argparse.Namespace) -> tuple[list[SourceImage], list[tuple[str, str]]]:
    """Every input de-identified, redacted and rendered (`pipeline.shareable_image`), with its
    pseudonymous ledger ids. Any input that fails stops the post: each is named on stderr."""
    from radshare.core import pipeline
    from radshare.core.deid.text import identifiers_from_names
    from radshare.core.sharing import ids_for_file
    from radshare.core.sources import iter_inputs

    settings = pipeline.settings_for_installation(text_redaction=args.text_redaction)
    sources: list[SourceImage] = []
    ids: list[tuple[str, str]] = []
    failed = 0
    for entry in iter_inputs(args.files):
        if isinstance(entry, InputError):
            print(f"radshare: {entry}", file=sys.stderr)
            failed += 1
            continue
        try:
            source = SourceImage.from_shareable(pipeline.shareable_image(entry, settings))
            # the input's own name may say who it is (SMITH_JOHN_12345.jpg): the gate matches it too
            source.identifiers = source.identifiers.merge(identifiers_from_names(entry.display))
            sources.append(source)
            ids.append(ids_for_file(entry.read_bytes(), settings.key))
        except RadShareError as exc:
            print(f"radshare: {exc}", file=sys.stderr)
            failed += 1
        except Exception as exc:  # never a traceback that might quote a header value
            print(f"radshare: {entry.display}: could not be de-identified ({type(exc).__name__})", file=sys.stderr)
            failed += 1
    if failed:
        raise RadShareError(f"nothing posted: {failed} input(s) could not be de-identified")
    if not sources:
        raise ConfigError("no input images found")
    return sources, ids


def _alt_texts(args: argparse.Namespace, count: int, interactive: bool) -> list[str]:
    """--alt once, or once per image; asked for in a terminal when missing."""
    alts = list(args.alt)
    if len(alts) not in (0, 1, count):
        raise ConfigError(f"give --alt once, or once per image ({count})")
    if not alts and interactive:
        alts = [input(f"Alt text for image {n} (describe it for people who cannot see it): ").strip()
                for n in range(1, count + 1)]
    return alts


def _confirmations(args: argparse.Namespace, store: AccountStore, account: Account, cls: type[UploaderProtocol],
                   gate_images: list[GateImage], interactive: bool) -> tuple[bool, bool]:
    """(right to share, posting without review confirmed): --confirm gives both, a terminal asks."""
    if args.confirm or not interactive:
        return bool(args.confirm), bool(args.confirm)
    review_confirmed = False
    if any(not g.text_review_done for g in gate_images):
        _say(args, "Burned-in text was searched for and painted out automatically, but no person reviewed it.")
        review_confirmed = _ask_yes("Post without reviewing the redaction (open the images in RadShare to review)?")
    if account.remember_right_to_share:
        _say(args, f"Using your remembered confirmation of the right to share for account '{account.name}'.")
        return True, review_confirmed
    right_to_share = _ask_yes(f"Do you have the right to share these images ({cls.display_name}, account '{account.name}')?")
    if right_to_share and args.remember_confirmation:
        account.remember_right_to_share = True
        store.update(account)
    return right_to_share, review_confirmed


def _record_and_send(args: argparse.Namespace, cls: type[UploaderProtocol], account: Account,
                     uploader: UploaderProtocol, post: Post, gate_images: list[GateImage], ids: list[tuple[str, str]],
                     interactive: bool) -> tuple[PublishResult, int, str]:
    """The basis for sharing and the ledger row, written before anything is sent; then the upload."""
    from radshare.core.ledger import Ledger
    from radshare.core.sharing import check_basis, check_case_label, new_post

    case_id = check_case_label(args.case) if args.case else ""
    with Ledger() as ledger:
        basis = _basis(args, ledger, account.name, interactive)
        basis, reference = check_basis(basis, args.basis_ref, [g.identifiers for g in gate_images])
        entry = new_post(account.name, cls.id, post, ids, basis, reference, case_id=case_id)
        result, number = _send(args, cls, account, uploader, post, ledger, entry)
    return result, number, entry.case_id


def _print_result(args: argparse.Namespace, cls: type[UploaderProtocol], post: Post, result: PublishResult,
                  number: int, case_id: str, seconds: float) -> None:
    if args.json:
        print(json.dumps({
            "url": result.url, "id": result.id, "draft": result.draft, "target": cls.id, "seconds": round(seconds, 3),
            "ledger": number, "case": case_id,
            "images": [{"format": i.format, "width": i.width, "height": i.height, "bytes": i.size} for i in post.images],
        }))
    else:
        print(f"{result.url}{'  (draft)' if result.draft else ''}")
        _say(args, f"recorded in the sharing ledger as post {number}, case {case_id} ('radshare shared list')")


def _send(args: argparse.Namespace, cls: type[UploaderProtocol], account: Account, uploader: UploaderProtocol,
          post: Post, ledger: Ledger, entry: SharedPost) -> tuple[PublishResult, int]:
    from radshare.core.sharing import publish_and_record

    sent = sum(image.size for image in post.images)
    _say(args, f"posting {len(post.images)} image(s), {sent} bytes, to {cls.display_name} ('{account.name}')")

    def progress(done: int, total: int, stage: str) -> None:
        _say(args, f"  [{done}/{total}] {stage}")

    return publish_and_record(ledger, uploader, post, entry, progress=progress)


def _basis(args: argparse.Namespace, ledger: Ledger, account: str, interactive: bool) -> str:
    """The basis for sharing: --basis, else the one remembered for the account, else asked, else unstated."""
    from radshare.core.sharing import BASES, UNSTATED

    if args.basis:
        if args.remember_confirmation:
            ledger.remember_basis(account, args.basis)
        return args.basis
    remembered = ledger.remembered_basis(account)
    if remembered:
        _say(args, f"Basis for sharing (remembered for account '{account}'): {BASES.get(remembered, remembered)}")
        return remembered
    if not interactive:
        return UNSTATED
    names = list(BASES)
    for number, name in enumerate(names, 1):
        print(f"  {number}. {BASES[name]}", file=sys.stderr)
    while True:
        try:
            answer = input(f"On what basis are these images shared? [1-{len(names)}] ").strip()
        except EOFError:
            raise ConfigError("nothing posted: no basis for sharing was chosen") from None
        if answer.isdigit() and 1 <= int(answer) <= len(names):
            chosen = names[int(answer) - 1]
            if args.remember_confirmation:  # remembered with the right-to-share confirmation
                ledger.remember_basis(account, chosen)
            return chosen
