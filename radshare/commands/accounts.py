"""`radshare accounts list | add TARGET NAME [--url URL] [--user USER] | remove NAME | targets`.

The secret (password, application password, API key) is read from a prompt without echo, or
from stdin when stdin is not a terminal: never from the command line, where it would end up in
shell history and process lists. Settings go to the accounts file, the secret to the keyring.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from radshare.core.errors import ConfigError
from radshare.uploaders.accounts import Account, AccountError, AccountStore, keyring_status
from radshare.uploaders.base import UploadError, ValidationFailed
from radshare.uploaders.registry import registry


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "accounts",
        help="list, add or remove sharing accounts",
        description="Manage the accounts RadShare posts to. Secrets are kept in the system keyring.",
    )
    sub = parser.add_subparsers(dest="accounts_command", metavar="ACTION")
    sub.add_parser("list", help="list the accounts (never their secrets)")
    sub.add_parser("targets", help="list the available targets and their account fields")
    add = sub.add_parser(
        "add",
        help="add an account (the secret is read from a prompt, or stdin when it is not a terminal)",
        description="Add an account. The password or key is asked for without echo, or read from stdin "
        "when stdin is not a terminal (e.g. 'printf %s \"$TOKEN\" | radshare accounts add ...'); "
        "it is never taken from the command line.",
    )
    add.add_argument("target", metavar="TARGET", help="the target id (see 'radshare accounts targets')")
    add.add_argument("name", metavar="NAME", help="a name for this account")
    add.add_argument("--url", help="the target's server: the site, forum, instance or Bluesky PDS address")
    add.add_argument("--user", help="the user name or handle")
    add.add_argument("--set", dest="extra", action="append", default=[], metavar="FIELD=VALUE",
                     help="another non-secret account field (e.g. default_status=draft, category=5, folder=PATH)")
    add.add_argument("--user-api-key-flow", action="store_true",
                     help="Discourse: get a user API key by approving RadShare on the forum (no admin needed); "
                     "prints the address to open, then reads the answer the forum shows")
    add.add_argument("--no-verify", action="store_true", help="store without checking the credentials with the target")
    add.add_argument("--replace", action="store_true", help="replace an existing account of the same name")
    add.add_argument("--insecure-keyring", action="store_true",
                     help="store the secret even though the only keyring available is not a system store")
    remove = sub.add_parser("remove", help="remove an account and its secret")
    remove.add_argument("name", metavar="NAME")


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "accounts_command", None)
    try:
        if action == "list" or action is None:
            return _list()
        if action == "targets":
            return _targets()
        if action == "add":
            return _add(args)
        if action == "remove":
            AccountStore().remove(args.name)
            print(f"removed account '{args.name}'")
            return 0
    except ConfigError as exc:
        print(f"radshare: {exc}", file=sys.stderr)
        return 2
    except ValidationFailed as exc:
        print(f"radshare: {exc}", file=sys.stderr)
        return 2
    except UploadError as exc:
        print(f"radshare: {exc.explain()}", file=sys.stderr)
        return 1
    print(f"radshare: unknown accounts action {action!r}", file=sys.stderr)
    return 2


def _list() -> int:
    store = AccountStore()
    accounts = store.list()
    if not accounts:
        print("no accounts yet: add one with 'radshare accounts add TARGET NAME --url ... --user ...'")
        return 0
    rows = [("NAME", "TARGET", "ADDRESS", "USER")]
    for a in accounts:
        address = a.settings.get("url") or a.settings.get("pds_url") or a.settings.get("folder", "")
        rows.append((a.name, a.target, address, a.settings.get("user") or a.settings.get("handle", "")))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    try:
        status = store.status()
        kind = "a system store" if status.secure else "not a system store"
        print(f"secrets are kept in the keyring {status.backend} ({kind})", file=sys.stderr)
    except AccountError:
        pass
    return 0


def _targets() -> int:
    reg = registry()
    for target_id in reg.ids():
        cls = reg.get(target_id)
        fields = ", ".join(f"{f.name}{' (secret)' if f.secret else ''}{'' if f.required else '?'}" for f in cls.account_fields)
        print(f"{target_id:12} {cls.display_name}: {fields}")
    for problem in reg.problems:
        print(f"radshare: plugin '{problem.name}' skipped: {problem.reason}", file=sys.stderr)
    return 0


def read_secret(label: str) -> str:
    """The secret from a no-echo prompt, or the first line of stdin when it is not a terminal."""
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"{label}: ")
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def _discourse_user_api_key(cls: type, settings: dict[str, str]) -> str:
    """The user API key flow: the user approves RadShare on the forum and pastes the answer back."""
    if cls.id != "discourse":
        raise ConfigError("--user-api-key-flow is for Discourse accounts")
    if not settings.get("url"):
        raise ConfigError("--user-api-key-flow needs --url")
    from radshare.uploaders.discourse import decode_user_api_key, user_api_key_request

    url, private_pem, nonce = user_api_key_request(settings["url"])
    print("Open this address, sign in and approve RadShare:", file=sys.stderr)
    print(url, file=sys.stderr)
    print("Then paste the text the forum shows (end with an empty line).", file=sys.stderr)
    lines = []
    while True:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line or not line.strip():
            break
        lines.append(line.strip())
    if not lines:
        raise ConfigError("no answer from the forum was pasted")
    return decode_user_api_key("".join(lines), private_pem, nonce)


# The account field that --url and --user fill, by the role it plays: the same two options for
# every target, whatever each calls its fields (Bluesky's are pds_url and handle).
USER_FIELDS = ("user", "handle", "username")


def server_field(cls: type) -> str | None:
    """The target's server address field: the one named url, else its first address field."""
    fields = cls.account_fields
    named = next((f.name for f in fields if f.name == "url"), None)
    return named or next((f.name for f in fields if getattr(f, "kind", "") == "url" and not f.secret), None)


def user_field(cls: type) -> str | None:
    names = {f.name for f in cls.account_fields if not f.secret}
    return next((name for name in USER_FIELDS if name in names), None)


def _field_for(cls: type, role: str, option: str) -> str:
    name = server_field(cls) if role == "server" else user_field(cls)
    if name is None:
        what = "server address" if role == "server" else "user name"
        raise ConfigError(f"{cls.display_name} accounts have no {what}: leave out {option}")
    return name


def _ask_yes(question: str) -> bool:
    if not (sys.stdin is not None and sys.stdin.isatty()):
        return False
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _add(args: argparse.Namespace) -> int:
    reg = registry()
    try:
        cls = reg.get(args.target)
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from None
    settings: dict[str, str] = {}
    if args.url:
        settings[_field_for(cls, "server", "--url")] = args.url
    if args.user:
        settings[_field_for(cls, "user", "--user")] = args.user
    for item in args.extra:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects FIELD=VALUE, got {item!r}")
        settings[key.strip().replace("-", "_")] = value
    secret_field = next((f for f in cls.account_fields if f.secret), None)
    if secret_field is not None and secret_field.name in settings:
        raise ConfigError("secrets are never taken from the command line: they are read from a prompt or stdin")

    store = AccountStore()
    status = store.status()
    secret: str | None = None
    if secret_field is not None:
        if status.usable and not status.secure:
            print(f"radshare: warning: {status.warning}", file=sys.stderr)
        if getattr(args, "user_api_key_flow", False):
            secret = _discourse_user_api_key(cls, settings)
        else:
            secret = read_secret(secret_field.label)
        if not secret and secret_field.required:
            raise ConfigError(f"no {secret_field.label.lower()} given")
    account = Account(name=args.name, target=cls.id, settings=settings)
    # Check the fields before asking the target, so a typo costs no network round trip.
    AccountStore._check_fields(account, secret, cls)
    accept = args.insecure_keyring
    if secret and not status.usable:
        raise ConfigError(status.warning or "no keyring is available: nothing was stored")
    if secret and status.usable and not status.secure and not status.explicit and not accept:
        # Decided before verifying: a refusal must come before the secret is sent anywhere.
        if not _ask_yes("Store the secret in this non-system keyring anyway?"):
            raise ConfigError(
                "nothing stored: the keyring is not a system store. Choose a backend explicitly "
                "(PYTHON_KEYRING_BACKEND or keyringrc.cfg) or pass --insecure-keyring"
            )
        accept = True
    if not args.no_verify:
        checker = cls({**settings}, secret)
        try:
            identity = checker.verify()
        finally:
            if hasattr(checker, "close"):
                checker.close()
        who = identity.display_name or identity.username
        print(f"verified: signed in as {who}" if who else "verified")
    store.add(account, secret, cls, accept_insecure=accept, replace=args.replace)
    print(f"added account '{account.name}' ({cls.display_name})")
    return 0


__all__ = ["add_parser", "run", "read_secret", "keyring_status", "AccountError"]
