"""`radshare shared list | withdraw | find`: the sharing ledger, and taking posts back.

    radshare shared list [--case ID] [--account NAME] [--exports] [--json]
    radshare shared withdraw POST_ID... | --case ID | --pending  [--yes] [--force]
    radshare shared find IMAGE...

POST_ID is the ledger's number (first column of `list`; `#12` when a bare 12 is also a post id
on a service), the target's post id or the post URL.
`withdraw` names every target and asks before anything is deleted (`--yes` answers for scripts;
without a terminal and without `--yes` nothing is withdrawn, exit 2), then prints one line per
post: what happened there. A post whose service could not be reached (or refused) stays
"pending" and `--pending` tries again. `find` says whether an image was shared and where: by
the SHA-256 of the file (the bytes that were sent) or, for an original, by its pseudonymous id.

Exit codes: 0 done (also "not shared" for find); 1 some withdrawal is still pending or an image
could not be read; 2 usage or configuration.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from radshare.core.errors import ConfigError, RadShareError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "shared", help="what was shared where (the sharing ledger), and withdrawing it",
        description="The local ledger of every post and case-set export, and withdrawal of posts.",
    )
    sub = parser.add_subparsers(dest="shared_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list posts (newest first)")
    listing.add_argument("--case", metavar="ID", help="only posts of this case id")
    listing.add_argument("--account", metavar="NAME", help="only posts of this account")
    listing.add_argument("--exports", action="store_true", help="list case-set exports instead of posts")
    listing.add_argument("--json", action="store_true", help="print JSON on stdout")

    withdraw = sub.add_parser("withdraw", help="delete posts and their images from the services")
    withdraw.add_argument("posts", nargs="*", metavar="POST_ID", help="ledger number, post id or URL")
    withdraw.add_argument("--case", metavar="ID", help="every post of this case")
    withdraw.add_argument("--pending", action="store_true", help="retry every unfinished withdrawal")
    withdraw.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    withdraw.add_argument("--force", action="store_true",
                          help="delete for good where the service would keep a restorable copy (WordPress trash)")
    withdraw.add_argument("--json", action="store_true", help="print the outcomes as JSON on stdout")

    find = sub.add_parser("find", help="was this image shared, and where?")
    find.add_argument("images", nargs="+", metavar="IMAGE", help="an image file: one that was sent, or an original")
    find.add_argument("--json", action="store_true", help="print JSON on stdout")


def run(args: argparse.Namespace) -> int:
    from radshare.core.ledger import Ledger

    try:
        with Ledger() as ledger:
            return {"list": _list, "withdraw": _withdraw, "find": _find}[args.shared_command](args, ledger)
    except ConfigError as exc:
        print(f"radshare shared: {exc}", file=sys.stderr)
        return 2
    except RadShareError as exc:
        print(f"radshare shared: {exc}", file=sys.stderr)
        return 1


# --------------------------------------------------------------------------------------------


def post_json(post) -> dict:
    return {
        "number": post.number, "account": post.account, "target": post.target, "post_id": post.post_id,
        "url": post.url, "draft": post.draft, "posted_at": post.posted_at, "case": post.case_id,
        "basis": post.basis, "basis_ref": post.basis_ref, "title": post.title, "caption": post.caption,
        "status": post.status, "status_note": post.status_note, "status_at": post.status_at,
        "images": [{"image_id": i.image_id, "case": i.case_id, "sha256": i.sha256, "media_id": i.media_id}
                   for i in post.images],
    }


def _line(post) -> str:
    when = post.posted_at.replace("T", " ")[:16]
    draft = " (draft)" if post.draft else ""
    return (f"{post.number:>4}  {when}  {post.case_id:<12}  {post.target}:{post.account}  {post.status:<9}  "
            f"{len(post.images)} image(s)  basis: {post.basis}{' ' + post.basis_ref if post.basis_ref else ''}  "
            f"{post.url}{draft}")


def _list(args: argparse.Namespace, ledger) -> int:
    if args.exports:
        exports = ledger.exports()
        if args.json:
            print(json.dumps([{"number": e.number, "folder": e.folder, "exported_at": e.exported_at, "cases": list(e.cases),
                               "manifest_sha256": e.manifest_sha256} for e in exports], indent=2))
        for e in [] if args.json else exports:
            print(f"{e.number:>4}  {e.exported_at.replace('T', ' ')[:16]}  {len(e.cases)} case(s)  {e.folder}  "
                  f"manifest {e.manifest_sha256[:12]}")
        return 0
    posts = ledger.posts(case=args.case, account=args.account)
    if args.json:
        print(json.dumps([post_json(p) for p in posts], indent=2, ensure_ascii=False))
        return 0
    if not posts:
        print("radshare shared: nothing recorded" + (" for that case or account" if args.case or args.account else ""),
              file=sys.stderr)
    for post in posts:
        print(_line(post))
    return 0


def _selected(args: argparse.Namespace, ledger) -> list:
    from radshare.core.sharing import PENDING, SENDING

    chosen = sum(bool(x) for x in (args.posts, args.case, args.pending))
    if chosen != 1:
        raise ConfigError("name the posts to withdraw: POST_ID..., --case ID or --pending (one of them)")
    if args.pending:
        return ledger.posts(status=[PENDING])
    if args.case:
        posts = ledger.posts(case=args.case)
        if not posts:
            raise ConfigError(f"no posts recorded for case {args.case}")
        return [p for p in posts if not p.withdrawn and p.status != SENDING] or posts
    posts = []
    for key in args.posts:
        found = ledger.find_post(key)
        if not found:
            raise ConfigError(f"no post {key} in the sharing ledger (see 'radshare shared list')")
        posts += [p for p in found if p.number not in {q.number for q in posts}]
    return posts


def _withdraw(args: argparse.Namespace, ledger) -> int:
    from radshare.core.sharing import SENDING, withdraw_posts
    from radshare.uploaders.withdraw import opener, withdraw_note

    posts = _selected(args, ledger)
    todo = [p for p in posts if not p.withdrawn and p.status != SENDING]
    for post in posts:
        if post.withdrawn:
            print(f"{post.status:<9} post {post.number}  {post.target}:{post.account}  {post.url}  (already withdrawn)")
        elif post.status == SENDING:
            print(f"skipped   post {post.number}  {post.target}:{post.account}  sending was interrupted: the service "
                  "never confirmed the post; check the account and delete it there if it exists")
    if not todo:
        if args.pending:
            print("radshare shared: no pending withdrawals", file=sys.stderr)
        return 0
    if not args.yes:
        if not (sys.stdin is not None and sys.stdin.isatty()):
            raise ConfigError("nothing withdrawn: confirm with --yes (no terminal to ask)")
        print("This deletes the following posts and their images:", file=sys.stderr)
        for post in todo:
            print(f"  post {post.number}: {post.target} account '{post.account}'  {post.url}", file=sys.stderr)
        for target in sorted({p.target for p in todo}):
            note = withdraw_note(target)
            if note:
                print(f"  {target}: {note}", file=sys.stderr)
        print("Withdraw them? [y/N] ", end="", file=sys.stderr, flush=True)  # stdout keeps one line per post
        try:
            answer = input().strip().lower()
        except EOFError:
            answer = ""
        if answer not in ("y", "yes"):
            print("radshare shared: nothing withdrawn", file=sys.stderr)
            return 0
    outcomes = withdraw_posts(ledger, todo, opener(), force=args.force)
    if args.json:
        print(json.dumps([{"number": o.post.number, "state": o.state, "note": o.note} for o in outcomes]))
    for outcome in [] if args.json else outcomes:
        post = outcome.post
        label = "withdrawn" if outcome.state == "deleted" else outcome.state
        print(f"{label:<9} post {post.number}  {post.target}:{post.account}  {post.url}  ({outcome.note})")
    pending = [o for o in outcomes if not o.done]
    if pending:
        print(f"radshare shared: {len(pending)} withdrawal(s) pending: retry with 'radshare shared withdraw --pending'",
              file=sys.stderr)
        return 1
    return 0


def _find(args: argparse.Namespace, ledger) -> int:
    from radshare.core.deid.keys import installation_key
    from radshare.core.sharing import ids_for_file

    key = None
    failed = 0
    report = []
    for name in args.images:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"radshare shared: {name}: cannot be read ({exc.strerror or type(exc).__name__})", file=sys.stderr)
            failed += 1
            continue
        digest = hashlib.sha256(data).hexdigest()
        key = key or installation_key()
        _, image_id = ids_for_file(data, key)
        hits = ledger.find_image(sha256=digest, image_id=image_id)
        report.append({"image": name, "sha256": digest, "shared": [
            {**post_json(post), "match": "sha256" if image.sha256 == digest else "original"} for post, image in hits]})
        if args.json:
            continue
        if not hits:
            print(f"{name}: not shared (no post in the ledger sent these bytes or this original)")
        for post, image in hits:
            how = "these exact bytes" if image.sha256 == digest else f"this original, as image {image.image_id}"
            print(f"{name}: shared ({how}) in post {post.number}, case {post.case_id}, {post.target}:{post.account}, "
                  f"{post.posted_at.replace('T', ' ')[:16]}, {post.status}: {post.url}")
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if failed else 0
