"""The one secrets policy: which keyring holds RadShare's secrets, and whether it is a safe one.

Two kinds of secret live in the keyring, under one service name: the installation key that keys
every pseudonym (core/deid/keys.py) and one password or token per sharing account
(uploaders/accounts.py). Both ask here which backend to use and whether it counts as secure.

- Secure means a system store, by allow-list: macOS Keychain, Windows Credential Locker, Secret
  Service, KWallet, libsecret. keyring's chained backend counts only when every backend it
  chains is one. Anything else (keyrings.alt's plain-text and "encrypted" files, a third-party
  backend) is usable but not secure; keyring's `fail` and `null` backends are not usable.
- The backend is keyring's own choice, or the one `PYTHON_KEYRING_BACKEND` names, read again on
  every call so a choice made after start-up (a headless session, a test) is honoured.
- `keyring_status()` hands the caller a warning in the product's words when the store is not
  secure: the CLI prints it, the app shows it in its status bar and the accounts dialog.

Nothing here reads, logs or raises with a secret in the text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from radshare.core.errors import ConfigError

SERVICE = "radshare"
ENV_BACKEND = "PYTHON_KEYRING_BACKEND"
SYSTEM_BACKEND_MODULES = (
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.SecretService",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
)
UNUSABLE_BACKEND_MODULES = ("keyring.backends.fail", "keyring.backends.null")


@dataclass(frozen=True)
class KeyringStatus:
    """The backend in use. `warning` is a product-only text to show when `secure` is False."""

    backend: str
    secure: bool
    explicit: bool  # chosen by the user (PYTHON_KEYRING_BACKEND or keyring's keyringrc.cfg)
    usable: bool
    warning: str | None


def backend_name(backend: Any) -> str:
    """The backend's class path, for messages and `radshare selftest` (never a secret)."""
    return f"{type(backend).__module__}.{type(backend).__name__}"


def is_usable(backend: Any) -> bool:
    """False for keyring's `fail` and `null` backends, which keep nothing."""
    return not type(backend).__module__.startswith(UNUSABLE_BACKEND_MODULES)


def is_system(backend: Any) -> bool:
    """True for a system store; a chained backend only when everything it chains is one."""
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        inner = list(backend.backends)
        return bool(inner) and all(is_system(b) for b in inner)
    return type(backend).__module__.startswith(SYSTEM_BACKEND_MODULES)


def explicit_choice() -> bool:
    """Whether the user named a backend (the environment or keyring's own config file)."""
    if os.environ.get(ENV_BACKEND):
        return True
    try:
        from keyring.util import platform_

        config = Path(platform_.config_root()) / "keyringrc.cfg"
        return config.is_file() and "default-keyring" in config.read_text(encoding="utf-8", errors="replace")
    except Exception:  # noqa: BLE001 - an unreadable keyring config is no explicit choice
        return False


def resolve_backend() -> Any:
    """The keyring backend to use now. Raises ConfigError when the backend named in
    PYTHON_KEYRING_BACKEND cannot be loaded."""
    import keyring
    import keyring.core

    name = os.environ.get(ENV_BACKEND)
    if name:
        try:
            return keyring.core.load_keyring(name)
        except Exception as exc:  # noqa: BLE001 - any load failure is the same configuration error
            raise ConfigError(f"the keyring backend named in {ENV_BACKEND} cannot be loaded ({type(exc).__name__})") from None
    return keyring.get_keyring()


def keyring_status(backend: Any | None = None) -> KeyringStatus:
    """What the backend (default: `resolve_backend()`) is, and the warning to show when it is not secure."""
    backend = resolve_backend() if backend is None else backend
    name = backend_name(backend)
    usable = is_usable(backend)
    secure = usable and is_system(backend)
    explicit = explicit_choice()
    warning = None
    if not usable:
        warning = (
            "No keyring is available to store passwords. Install a system keyring "
            f"(Secret Service, KWallet) or choose a backend with {ENV_BACKEND}; "
            "RadShare's installation key is kept in a private file meanwhile."
        )
    elif not secure:
        how = "chosen in your keyring settings" if explicit else "the only one available"
        warning = (
            f"The keyring backend {name} ({how}) is not your system's secure store: "
            "secrets may be kept in a file that other programs of yours can read."
        )
    return KeyringStatus(backend=name, secure=secure, explicit=explicit, usable=usable, warning=warning)


def store_warning() -> str | None:
    """The warning the app shows about where secrets are kept, or None when the store is secure.

    A broken keyring installation is itself the warning (its error names no secret)."""
    try:
        return keyring_status().warning
    except ConfigError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - the app must start whatever the keyring does
        return f"The keyring cannot be used ({type(exc).__name__}); RadShare's installation key is kept in a private file."
