"""The words free text may keep: the allow-list of the free-text de-identifier (text.py).

Bundled lists live in resources/vocabulary/ (built by scripts/build_vocabulary.py from registry
packages, plus hand-curated imaging terms; README.md there gives sources and licences). A user
may add words to a personal list, `vocabulary.txt` in RadShare's config folder
(platformdirs' user config dir, or $RADSHARE_CONFIG_DIR): only ever by an explicit request
(`add_personal_word`), never automatically. The personal list is re-read whenever the file
changes, so the what-if view and the next run honour a word as soon as it is added.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from radshare.core.errors import ConfigError
from radshare.core.fsutil import atomic_write_text
from radshare.core.resources import resource_path

BUNDLED = ("english.txt", "clinical.txt", "imaging.txt", "plain-words.txt")
PERSONAL_FILE = "vocabulary.txt"
_PERSONAL_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


@dataclass(frozen=True)
class Vocabulary:
    """Lower-case word sets; frozen so a text decision may be cached against it."""

    words: frozenset[str]  # kept wherever they stand
    name_words: frozenset[str]  # kept words that are also common names or places
    eponyms: frozenset[str]  # surnames kept only as eponyms ("Baker's cyst")
    eponym_heads: frozenset[str]  # the words that make them eponyms
    personal: frozenset[str]  # the user's own additions (part of `words` too)
    imaging: frozenset[str] = frozenset()  # curated imaging words and personal ones: safe in capitals too
    clinical: frozenset[str] = frozenset()  # clinical, code and imaging words (not plain English)

    def knows(self, word: str) -> bool:
        return word in self.words


def config_dir() -> Path:
    """RadShare's configuration folder (the same one the account store uses)."""
    override = os.environ.get("RADSHARE_CONFIG_DIR")
    if override:
        return Path(override)
    global _PLATFORM_DIR
    if _PLATFORM_DIR is None:  # asked for every text cleaned: platformdirs is slow to ask
        from platformdirs import user_config_dir

        _PLATFORM_DIR = Path(user_config_dir("RadShare", appauthor=False))
    return _PLATFORM_DIR


_PLATFORM_DIR: Path | None = None


def folder_path() -> Path:
    return resource_path("vocabulary")


def personal_path() -> Path:
    return config_dir() / PERSONAL_FILE


def _personal_key() -> str:
    """Which personal file applies, cheaply (asked for every text cleaned)."""
    return os.environ.get("RADSHARE_CONFIG_DIR") or ""


_COMMENT = re.compile("#[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*")  # to the end of its line, as str.splitlines ends lines


def _read(path: Path) -> set[str]:
    """The words of a list, lower case, without its # comments (a line at a time was 4x slower)."""
    return set(_COMMENT.sub("", path.read_text(encoding="utf-8")).lower().split())


_LOCK = threading.Lock()
_BUNDLED: tuple[frozenset[str], ...] | None = None  # words, name words, eponyms, heads, imaging, clinical
_CURRENT: tuple[tuple, Vocabulary] | None = None


def _bundled() -> tuple[frozenset[str], ...]:
    global _BUNDLED
    if _BUNDLED is None:
        folder = resource_path("vocabulary")
        try:
            words = set().union(*(_read(folder / name) for name in BUNDLED))
            _BUNDLED = (frozenset(words), frozenset(_read(folder / "name-words.txt")),
                        frozenset(_read(folder / "eponyms.txt")), frozenset(_read(folder / "eponym-heads.txt")),
                        frozenset(_read(folder / "imaging.txt")),
                        frozenset(_read(folder / "clinical.txt") | _read(folder / "imaging.txt")))
        except OSError as error:  # fail closed: without the vocabulary no free text leaves
            raise ConfigError(f"the vocabulary of the free-text de-identifier is missing ({error.strerror})") from None
    return _BUNDLED


RECHECK_SECONDS = 1.0  # how often the personal file is looked at (it is also re-read when added to here)
_CHECKED: tuple[str, float] = ("\0", 0.0)


def load_vocabulary() -> Vocabulary:
    """The bundled vocabulary plus the user's personal words (re-read when that file changes)."""
    global _CURRENT, _CHECKED
    key, now = _personal_key(), time.monotonic()
    if _CURRENT is not None and _CHECKED[0] == key and now - _CHECKED[1] < RECHECK_SECONDS:
        return _CURRENT[1]
    _CHECKED = (key, now)
    path = personal_path()
    try:
        stat = path.stat()
        stamp: tuple = (str(path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (str(path), None, None)
    with _LOCK:
        if _CURRENT is not None and _CURRENT[0] == stamp:
            return _CURRENT[1]
        words, name_words, eponyms, heads, imaging, clinical = _bundled()
        personal: set[str] = set()
        if stamp[1] is not None:
            try:
                personal = _read(path)
            except (OSError, UnicodeDecodeError):
                personal = set()  # an unreadable personal list adds nothing (fail closed)
        name_words = name_words | _read(folder_path() / "plain-words.txt")
        vocabulary = Vocabulary(words | personal, name_words - personal, eponyms - personal, heads, frozenset(personal),
                                imaging | personal, clinical | personal)
        _CURRENT = (stamp, vocabulary)
        return vocabulary


def add_personal_word(word: str) -> str:
    """Add one word to the user's personal vocabulary; returns it as stored (lower case).

    Only whole words of letters and digits (an apostrophe or hyphen inside) are accepted: a
    personal list is for words, not for phrases or patterns.
    """
    cleaned = word.strip().lower()
    if not _PERSONAL_WORD.fullmatch(cleaned):
        raise ConfigError("only a single word can be added to the vocabulary")
    path = personal_path()
    existing = path.read_text(encoding="utf-8") if path.is_file() else "# Words RadShare keeps in free text, added by you.\n"
    if cleaned not in (_read(path) if path.is_file() else set()):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, existing.rstrip("\n") + f"\n{cleaned}\n")
    _forget_check()
    return cleaned


def _forget_check() -> None:
    """The next `load_vocabulary` looks at the personal file again (it was just written)."""
    global _CHECKED
    _CHECKED = ("\0", 0.0)


def remove_personal_word(word: str) -> None:
    path = personal_path()
    if not path.is_file():
        return
    cleaned = word.strip().lower()
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip().lower() != cleaned]
    atomic_write_text(path, "\n".join(lines) + "\n")
    _forget_check()
