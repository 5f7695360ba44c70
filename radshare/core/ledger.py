"""The sharing ledger: a local SQLite record of every post and case-set export, and its withdrawals.

Kept in `sharing-ledger.sqlite3` under `platformdirs.user_data_dir("RadShare")` (or the file
named by `$RADSHARE_LEDGER`), readable by its owner only. Every change is one transaction
(`BEGIN IMMEDIATE` ... `COMMIT`), so a crash mid-write leaves the rows as they were before it,
never half a post. The schema carries its version in `PRAGMA user_version`; `MIGRATIONS` brings an
older file up to date in order, each step in its own transaction, and a file from a newer RadShare
is refused rather than misread.

What it holds is described in `sharing.py`: pseudonymous ids, hashes, the texts as sent, the basis
for sharing, target ids and URLs. Never a patient identifier, an input path or a secret.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Sequence

from radshare.core.errors import ConfigError
from radshare.core.sharing import LIVE, SENDING, NewPost, SharedExport, SharedImage, SharedPost

ENV_LEDGER = "RADSHARE_LEDGER"
FILE_NAME = "sharing-ledger.sqlite3"

#: One entry per schema version: the statements that bring version N-1 to N.
MIGRATIONS: list[tuple[str, ...]] = [
    (  # 1: posts, their images, exports, status events, remembered bases
        """CREATE TABLE posts (
            number INTEGER PRIMARY KEY,
            account TEXT NOT NULL, target TEXT NOT NULL,
            post_id TEXT NOT NULL DEFAULT '', url TEXT NOT NULL DEFAULT '', draft INTEGER NOT NULL DEFAULT 0,
            posted_at TEXT NOT NULL, case_id TEXT NOT NULL,
            basis TEXT NOT NULL, basis_ref TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '', caption TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL, status_note TEXT NOT NULL DEFAULT '', status_at TEXT NOT NULL DEFAULT '')""",
        """CREATE TABLE images (
            post INTEGER NOT NULL REFERENCES posts(number) ON DELETE CASCADE,
            position INTEGER NOT NULL, case_id TEXT NOT NULL, image_id TEXT NOT NULL,
            sha256 TEXT NOT NULL, media_id TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (post, position))""",
        "CREATE INDEX images_by_sha ON images(sha256)",
        "CREATE INDEX images_by_image ON images(image_id)",
        "CREATE INDEX posts_by_case ON posts(case_id)",
        """CREATE TABLE events (
            post INTEGER NOT NULL REFERENCES posts(number) ON DELETE CASCADE,
            at TEXT NOT NULL, event TEXT NOT NULL, status TEXT NOT NULL, note TEXT NOT NULL DEFAULT '')""",
        """CREATE TABLE exports (
            number INTEGER PRIMARY KEY, folder TEXT NOT NULL, exported_at TEXT NOT NULL,
            cases TEXT NOT NULL, manifest_sha256 TEXT NOT NULL)""",
        "CREATE TABLE remembered_basis (account TEXT PRIMARY KEY, basis TEXT NOT NULL)",
    ),
]
SCHEMA_VERSION = len(MIGRATIONS)


def ledger_path() -> Path:
    """Where the ledger lives: `$RADSHARE_LEDGER`, else the user's data folder."""
    forced = os.environ.get(ENV_LEDGER)
    if forced:
        return Path(forced)
    from platformdirs import user_data_dir

    return Path(user_data_dir("RadShare", appauthor=False)) / FILE_NAME


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Ledger:
    """The ledger file, opened (and created or migrated) on construction. Use as a context manager."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path is not None else ledger_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)  # owner only, from the start
                os.close(fd)
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=10, check_same_thread=False)
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"the sharing ledger ({self.path.name}) cannot be used: {_reason(exc)}") from None
        except OSError as exc:
            raise ConfigError(f"the sharing ledger ({self.path.name}) cannot be opened: {exc.strerror or type(exc).__name__}") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------------------- transactions
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing change: committed at the end, rolled back on any exception."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ConfigError(f"the sharing ledger ({self.path.name}) was written by a newer RadShare "
                              f"(schema {version}, this one knows {SCHEMA_VERSION}): update RadShare")
        for number in range(version, SCHEMA_VERSION):
            with self.transaction() as conn:
                for statement in MIGRATIONS[number]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    # --------------------------------------------------------------------------------- posts
    def begin_post(self, entry: NewPost) -> int:
        """Record a post about to be sent ("sending"), with all its images; returns its number."""
        now = _now()
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO posts (account, target, posted_at, case_id, basis, basis_ref, title, caption, status, status_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry.account, entry.target, now, entry.case_id, entry.basis, entry.basis_ref, entry.title,
                 entry.caption, SENDING, now),
            )
            number = int(cursor.lastrowid)
            conn.executemany(
                "INSERT INTO images (post, position, case_id, image_id, sha256) VALUES (?, ?, ?, ?, ?)",
                [(number, pos, im.case_id or entry.case_id, im.image_id, im.sha256) for pos, im in enumerate(entry.images)],
            )
            self._event(conn, number, "send", SENDING, "")
        return number

    def complete_post(self, number: int, *, post_id: str, url: str, draft: bool, media_ids: Sequence[str] = (),
                      data: dict[str, str] | None = None) -> None:
        """The target confirmed the post: its id, URL, media ids and withdrawal data, in one transaction."""
        now = _now()
        with self.transaction() as conn:
            conn.execute(
                "UPDATE posts SET post_id = ?, url = ?, draft = ?, data = ?, status = ?, status_at = ?, posted_at = ?"
                " WHERE number = ?",
                (post_id, url, int(draft), json.dumps(data or {}, sort_keys=True), LIVE, now, now, number),
            )
            for position, media_id in enumerate(media_ids):
                conn.execute("UPDATE images SET media_id = ? WHERE post = ? AND position = ?", (media_id, number, position))
            self._event(conn, number, "sent", LIVE, "")

    def discard(self, number: int) -> None:
        """Forget a post whose sending failed (nothing was created, or the target cleaned up)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM posts WHERE number = ? AND status = ?", (number, SENDING))

    def set_status(self, number: int, status: str, note: str = "", event: str = "status") -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE posts SET status = ?, status_note = ?, status_at = ? WHERE number = ?",
                         (status, note, _now(), number))
            self._event(conn, number, event, status, note)

    @staticmethod
    def _event(conn: sqlite3.Connection, number: int, event: str, status: str, note: str) -> None:
        conn.execute("INSERT INTO events (post, at, event, status, note) VALUES (?, ?, ?, ?, ?)",
                     (number, _now(), event, status, note))

    def events(self, number: int) -> list[tuple[str, str, str, str]]:
        """(time, event, status, note) of one post, oldest first."""
        return [tuple(r) for r in self.conn.execute(
            "SELECT at, event, status, note FROM events WHERE post = ? ORDER BY rowid", (number,))]

    # ------------------------------------------------------------------------------- queries
    def posts(self, *, case: str | None = None, account: str | None = None, status: Sequence[str] | None = None,
              numbers: Sequence[int] | None = None) -> list[SharedPost]:
        """Posts, newest first, filtered by case (the post's or any image's), account, status, numbers."""
        where, args = [], []
        if case:
            where.append("(case_id = ? OR number IN (SELECT post FROM images WHERE case_id = ?))")
            args += [case, case]
        if account:
            where.append("account = ?")
            args.append(account)
        if status:
            where.append(f"status IN ({','.join('?' * len(status))})")
            args += list(status)
        if numbers is not None:
            where.append(f"number IN ({','.join('?' * len(numbers))})" if numbers else "0")
            args += list(numbers)
        sql = "SELECT * FROM posts" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY number DESC"
        self.conn.row_factory = sqlite3.Row
        try:
            rows = self.conn.execute(sql, args).fetchall()
            return [self._post(row) for row in rows]
        finally:
            self.conn.row_factory = None

    def post(self, number: int) -> SharedPost | None:
        found = self.posts(numbers=[number])
        return found[0] if found else None

    def find_post(self, key: str) -> list[SharedPost]:
        """Posts named by the ledger number ("12" or "#12"), the target's post id or the post URL.

        A bare number that is both a ledger number and another post's id on its service is
        ambiguous: ConfigError, rather than withdrawing the wrong post.
        """
        key = key.strip()
        if key.startswith("#") and key[1:].isdigit():
            return self.posts(numbers=[int(key[1:])])
        numbers = [r[0] for r in self.conn.execute("SELECT number FROM posts WHERE post_id = ? OR url = ?", (key, key))]
        if key.isdigit() and self.post(int(key)) is not None:
            if any(n != int(key) for n in numbers):
                raise ConfigError(f"'{key}' is both ledger post {key} and a post id on a service: "
                                  f"write #{key} for the ledger's post, or give the post's URL")
            return self.posts(numbers=[int(key)])
        return self.posts(numbers=numbers) if numbers else []

    def find_image(self, *, sha256: str = "", image_id: str = "") -> list[tuple[SharedPost, SharedImage]]:
        """Every (post, image) whose sent bytes have `sha256`, or whose pseudonymous id is `image_id`."""
        rows = self.conn.execute(
            "SELECT post, position FROM images WHERE sha256 = ? OR (? != '' AND image_id = ?) ORDER BY post DESC, position",
            (sha256, image_id, image_id)).fetchall()
        out = []
        for number, position in rows:
            post = self.post(number)
            if post is not None:
                out.append((post, post.images[position]))
        return out

    def _post(self, row: sqlite3.Row) -> SharedPost:
        images = tuple(
            SharedImage(image_id=r[0], sha256=r[1], case_id=r[2], media_id=r[3])
            for r in self.conn.execute(
                "SELECT image_id, sha256, case_id, media_id FROM images WHERE post = ? ORDER BY position", (row["number"],))
        )
        try:
            data = json.loads(row["data"]) if row["data"] else {}
        except ValueError:
            data = {}
        return SharedPost(
            number=row["number"], account=row["account"], target=row["target"], post_id=row["post_id"], url=row["url"],
            draft=bool(row["draft"]), posted_at=row["posted_at"], case_id=row["case_id"], basis=row["basis"],
            basis_ref=row["basis_ref"], title=row["title"], caption=row["caption"], status=row["status"],
            status_note=row["status_note"], status_at=row["status_at"], images=images, data=data,
        )

    # ------------------------------------------------------------------------------- exports
    def record_export(self, folder: str, cases: Sequence[str], manifest_sha256: str) -> int:
        with self.transaction() as conn:
            cursor = conn.execute("INSERT INTO exports (folder, exported_at, cases, manifest_sha256) VALUES (?, ?, ?, ?)",
                                  (folder, _now(), json.dumps(list(cases)), manifest_sha256))
            return int(cursor.lastrowid)

    def exports(self) -> list[SharedExport]:
        return [SharedExport(number=r[0], folder=r[1], exported_at=r[2], cases=tuple(json.loads(r[3])), manifest_sha256=r[4])
                for r in self.conn.execute("SELECT number, folder, exported_at, cases, manifest_sha256 FROM exports ORDER BY number DESC")]

    # ----------------------------------------------------------------------- remembered basis
    def remembered_basis(self, account: str) -> str | None:
        row = self.conn.execute("SELECT basis FROM remembered_basis WHERE account = ?", (account,)).fetchone()
        return row[0] if row else None

    def remember_basis(self, account: str, basis: str | None) -> None:
        """Remember the basis for sharing for `account`, or forget it (None)."""
        with self.transaction() as conn:
            if basis is None:
                conn.execute("DELETE FROM remembered_basis WHERE account = ?", (account,))
            else:
                conn.execute("INSERT OR REPLACE INTO remembered_basis (account, basis) VALUES (?, ?)", (account, basis))


def _reason(exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    return text if len(text) < 120 else type(exc).__name__
