"""The per-installation secret that keys every pseudonym (UIDs, tokens, date offsets).

Why a secret: a replacement UID that is a plain hash of the original could be reversed by anyone
who can guess or obtain the original UIDs (a hospital PACS can). Under a secret only this
installation can reproduce the mapping, which is what keeps a re-run stable.

Where it lives, in order:

1. `RADSHARE_KEY_FILE=<path>` in the environment forces a key file there (tests and CI use this so
   they never touch the user's keyring);
2. the OS keyring (service "radshare", username "installation-key"), as design.md asks; which
   backend, and whether it counts as secure, is core/keystore.py's policy, shared with the
   accounts' secrets; a backend that is not a system store is used, with a warning;
3. when no usable keyring exists (the `fail`/`null` backends, or the backend errors), a 0600 file in
   the user data folder, with a warning so the user knows the secret is only as safe as that file.

The warnings go to `warnings.warn` and the log; the app shows keystore.store_warning() itself.

The key is 32 random bytes, stored as 64 hex characters. Losing it changes every future pseudonym
(outputs of new runs no longer line up with old ones); it is never regenerated silently when a
stored value is unreadable: that raises ConfigError instead.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
import warnings
from pathlib import Path

from radshare.core import keystore
from radshare.core.errors import ConfigError
from radshare.core.keystore import SERVICE

USERNAME = "installation-key"
ENV_KEY_FILE = "RADSHARE_KEY_FILE"
KEY_BYTES = 32

log = logging.getLogger(__name__)


class InsecureKeyStoreWarning(UserWarning):
    """The installation key is kept outside the OS keychain (a file or a plain-text keyring)."""


def installation_key() -> bytes:
    """The 32-byte installation secret, created on first use.

    Callers should fetch it once per batch (keyring calls can be slow) and pass it on.
    """
    forced = os.environ.get(ENV_KEY_FILE)
    if forced:
        return _file_key(Path(forced))
    path = default_key_file()
    # A key file from a time without a keyring is adopted by the keyring rather than replaced:
    # a new key would silently change every pseudonym of this installation.
    existing = _file_key(path) if path.exists() else None
    key = _keyring_key(adopt=existing)
    if key is not None:
        return key
    message = f"No usable OS keyring: the RadShare installation key is kept in a private file ({path.name})"
    warnings.warn(message, InsecureKeyStoreWarning, stacklevel=2)
    log.warning("%s", message)
    return _file_key(path)


def default_key_file() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("RadShare", appauthor=False)) / "installation-key"


def keyring_backend_name() -> str:
    """The keyring backend's class path, for `radshare selftest` (never the secret)."""
    try:
        return keystore.backend_name(keystore.resolve_backend())
    except Exception:  # noqa: BLE001 - a broken keyring install is reported, not fatal
        return "unavailable"


def _decode(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigError(
            f"The RadShare installation key in {where} is unreadable; restore it or remove it to create "
            "a new one (new pseudonyms will then differ from earlier runs)"
        )
    return key


def _keyring_key(adopt: bytes | None = None) -> bytes | None:
    """The key from the OS keyring, or None when no usable keyring exists.

    When the keyring holds no key yet, `adopt` (an existing file key) is stored there instead of a
    new random key.
    """
    try:
        import keyring  # noqa: F401 - without it there is no keyring to use
    except ImportError:
        return None
    try:
        backend = keystore.resolve_backend()
        if not keystore.is_usable(backend):
            return None
        if not keystore.is_system(backend):
            warnings.warn(
                "The keyring backend is not a secure system store; the RadShare installation key is kept there",
                InsecureKeyStoreWarning,
                stacklevel=3,
            )
        stored = backend.get_password(SERVICE, USERNAME)
        if stored:
            return _decode(stored, "the OS keyring")
        key = adopt if adopt is not None else secrets.token_bytes(KEY_BYTES)
        backend.set_password(SERVICE, USERNAME, key.hex())
        if backend.get_password(SERVICE, USERNAME) != key.hex():
            return None  # a keyring that does not keep what it is given is no keyring
        return key
    except ConfigError:
        raise
    except Exception as error:  # noqa: BLE001 - any backend failure means: use the file store
        log.warning("keyring unavailable (%s); using the key file", type(error).__name__)
        return None


def _file_key(path: Path) -> bytes:
    """Read the key from `path`, or create it there with owner-only permissions."""
    path = Path(path)
    if path.exists():
        if os.name == "posix" and path.stat().st_mode & 0o077:
            log.warning("the RadShare key file was readable by others; restricting it to its owner")
            os.chmod(path, 0o600)
        return _decode(path.read_text(encoding="ascii", errors="replace"), "the key file")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    # Write a complete private temporary file, then link it into place: the link fails when another
    # process got there first, and nobody ever reads a half-written key.
    fd, tmp = tempfile.mkstemp(prefix=".key-", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return _decode(path.read_text(encoding="ascii", errors="replace"), "the key file")
        except OSError:  # file systems without hard links
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return key
