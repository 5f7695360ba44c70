"""Accounts: settings in a config file, the one secret per account in the keyring.

- Settings (target id, URL, user name, defaults, "remember my right-to-share confirmation") live
  in `accounts.json` under `platformdirs.user_config_dir("RadShare")` (or `$RADSHARE_CONFIG_DIR`).
  The file never holds a secret: `save` refuses a settings key that a target declares secret.
- Secrets live in the keyring, service `radshare`, one entry per account (user name
  `account:<name>`).
- Keyring backends (the policy is core/keystore.py's, shared with the installation key):
  `keyring_status()` says which backend is in use, whether it is a system store (macOS
  Keychain, Windows Credential Locker, Secret Service, KWallet) and whether the user chose it
  explicitly (`PYTHON_KEYRING_BACKEND` or keyring's own `keyringrc.cfg`). A non-system
  backend that keyring fell back to is refused by `add` unless the caller passes
  `accept_insecure=True` after warning the user; an explicitly chosen one is respected, and its
  warning is still returned for the caller to print.

Nothing here logs or raises with a secret in the text.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from radshare.core import keystore
from radshare.core.errors import ConfigError
from radshare.core.fsutil import atomic_write_text
from radshare.core.keystore import SERVICE, KeyringStatus

CONFIG_NAME = "accounts.json"
_NAME = re.compile(r"^[\w.@+-][\w .@+-]{0,63}$")


class AccountError(ConfigError):
    """An account cannot be added, found or used (exit code 2 on the CLI)."""


class InsecureKeyring(AccountError):
    """Only a non-system keyring backend is available and the user has not accepted it."""


@dataclass
class Account:
    """One account: a name the user chose, the target id, and its non-secret settings."""

    name: str
    target: str
    settings: dict[str, str] = field(default_factory=dict)
    remember_right_to_share: bool = False

    def key(self) -> str:
        return account_key(self.name)


def account_key(name: str) -> str:
    """The keyring user name of an account's secret (service `radshare`)."""
    return f"account:{name}"


# --------------------------------------------------------------------------------------------
# Keyring backend: the policy is core/keystore.py's, shared with the installation key
# --------------------------------------------------------------------------------------------


def resolve_backend() -> Any:
    """The keyring backend to use now (keystore.resolve_backend), its errors as AccountError."""
    try:
        return keystore.resolve_backend()
    except AccountError:
        raise
    except ConfigError as exc:
        raise AccountError(str(exc)) from None


def keyring_status(backend: Any | None = None) -> KeyringStatus:
    return keystore.keyring_status(resolve_backend() if backend is None else backend)


# --------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------


def config_dir() -> Path:
    override = os.environ.get("RADSHARE_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("RadShare", appauthor=False))


class AccountStore:
    """Reads and writes accounts. Pass `directory`/`backend` in tests; defaults are the user's."""

    def __init__(self, directory: Path | None = None, backend: Any | None = None):
        self.directory = Path(directory) if directory is not None else config_dir()
        self._backend = backend

    @property
    def path(self) -> Path:
        return self.directory / CONFIG_NAME

    @property
    def backend(self) -> Any:
        if self._backend is None:
            self._backend = resolve_backend()
        return self._backend

    def status(self) -> KeyringStatus:
        return keyring_status(self.backend)

    # -- reading --------------------------------------------------------------------------
    def _read(self) -> list[Account]:
        if not self.path.is_file():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AccountError(f"the accounts file {self.path} cannot be read ({type(exc).__name__})") from None
        accounts = []
        for item in data.get("accounts", []):
            accounts.append(
                Account(
                    name=str(item["name"]),
                    target=str(item["target"]),
                    settings={str(k): str(v) for k, v in dict(item.get("settings", {})).items()},
                    remember_right_to_share=bool(item.get("remember_right_to_share", False)),
                )
            )
        return accounts

    def _write(self, accounts: list[Account]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": 1, "accounts": [asdict(a) for a in accounts]}, indent=2, sort_keys=True)
        atomic_write_text(self.path, text + "\n")
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            pass

    def list(self) -> list[Account]:
        return self._read()

    def get(self, name: str) -> Account:
        for account in self._read():
            if account.name == name:
                return account
        raise AccountError(f"no account named '{name}' (see 'radshare accounts list')")

    def secret(self, name: str) -> str | None:
        """The account's secret from the keyring, or None when none is stored."""
        try:
            return self.backend.get_password(SERVICE, account_key(name))
        except Exception as exc:
            raise AccountError(f"the keyring could not be read ({type(exc).__name__})") from None

    # -- writing --------------------------------------------------------------------------
    def add(
        self,
        account: Account,
        secret: str | None,
        uploader_cls: type | None = None,
        *,
        accept_insecure: bool = False,
        replace: bool = False,
    ) -> KeyringStatus:
        """Store `account` (settings to the file, `secret` to the keyring).

        Checks the name, the target's required fields and that no secret field is in
        `settings`. Raises `InsecureKeyring` when the secret would go to a non-system backend
        that the user did not choose explicitly and `accept_insecure` is False. Returns the
        keyring status so the caller can print its warning.
        """
        if not _NAME.match(account.name):
            raise AccountError("an account name is 1-64 letters, digits, spaces or . @ + - _")
        if uploader_cls is not None:
            self._check_fields(account, secret, uploader_cls)
        existing = self._read()
        if any(a.name == account.name for a in existing) and not replace:
            raise AccountError(f"an account named '{account.name}' already exists")
        status = self.status()
        if secret:
            if not status.usable:
                raise AccountError(status.warning or "no keyring is available")
            if not status.secure and not status.explicit and not accept_insecure:
                raise InsecureKeyring(status.warning or "the keyring is not a system store")
            try:
                self.backend.set_password(SERVICE, account_key(account.name), secret)
            except Exception as exc:
                raise AccountError(f"the keyring refused to store the secret ({type(exc).__name__})") from None
        accounts = [a for a in existing if a.name != account.name] + [account]
        self._write(accounts)
        return status

    @staticmethod
    def _check_fields(account: Account, secret: str | None, uploader_cls: type) -> None:
        fields = list(getattr(uploader_cls, "account_fields", []))
        secret_names = {f.name for f in fields if f.secret}
        leaked = secret_names & set(account.settings)
        if leaked:
            raise AccountError("a secret field cannot be stored in the settings file")
        for f in fields:
            if not f.required:
                continue
            if f.secret and not secret:
                raise AccountError(f"{uploader_cls.display_name} needs a {f.label.lower()}")
            if not f.secret and not account.settings.get(f.name) and not f.default:
                raise AccountError(f"{uploader_cls.display_name} needs --{f.name.replace('_', '-')} ({f.label})")
        known = {f.name for f in fields}
        unknown = set(account.settings) - known
        if unknown:
            raise AccountError(f"unknown setting(s) for {uploader_cls.display_name}: {', '.join(sorted(unknown))}")

    def update(self, account: Account) -> None:
        """Rewrite an account's settings (e.g. `remember_right_to_share`); the secret stays."""
        accounts = self._read()
        if not any(a.name == account.name for a in accounts):
            raise AccountError(f"no account named '{account.name}'")
        self._write([account if a.name == account.name else a for a in accounts])

    def remove(self, name: str) -> None:
        """Forget the account and delete its keyring entry (a missing entry is not an error)."""
        accounts = self._read()
        if not any(a.name == name for a in accounts):
            raise AccountError(f"no account named '{name}'")
        try:
            self.backend.delete_password(SERVICE, account_key(name))
        except Exception:
            pass  # PasswordDeleteError when nothing was stored; the account goes regardless
        self._write([a for a in accounts if a.name != name])
