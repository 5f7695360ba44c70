"""The sharing ledger: posts recorded whole or not at all, a versioned schema, and a fail-closed send.

Proves: a post is recorded "sending" before the uploader is asked and completed in one transaction;
a failed send leaves no row; an exception or a killed process in the middle of a write leaves no
half row; a ledger that cannot be written means nothing is sent; the schema version is set and
older files are migrated in order while files from a newer RadShare are refused; withdrawal
outcomes (done, pending, resumed) are recorded.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from radshare.core import ledger as ledger_module
from radshare.core.errors import ConfigError
from radshare.core.ledger import Ledger
from radshare.core.sharing import (
    NewPost,
    SharedImage,
    check_basis,
    check_case_label,
    publish_and_record,
    pseudonymous_ids,
    withdraw_posts,
)
from radshare.core.model import Identifiers

KEY = b"k" * 32


@dataclass
class _Prepared:
    data: bytes


@dataclass
class _Post:
    images: list
    title: str = "A title"
    caption: str = "A caption #RadEd"


@dataclass
class _Result:
    url: str = "https://blog.test/?p=7"
    id: str = "7"
    draft: bool = False
    media_ids: tuple = ("11", "12")
    data: dict = field(default_factory=lambda: {"topic_id": "3"})


class _Uploader:
    def __init__(self, fail: Exception | None = None):
        self.fail = fail
        self.sent = 0

    def publish(self, post, progress=None, cancel=None):
        self.sent += 1
        if self.fail is not None:
            raise self.fail
        return _Result()


def _entry(n: int = 2) -> NewPost:
    images = tuple(SharedImage(image_id=f"I-{i}", sha256=f"{i:064x}", case_id="C-ONE") for i in range(n))
    return NewPost(account="blog", target="wordpress", case_id="C-ONE", basis="consent", basis_ref="CF-2024-0193",
                   images=images, title="A title", caption="A caption #RadEd")


def _count(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM posts").fetchone()[0], conn.execute("SELECT count(*) FROM images").fetchone()[0]
    finally:
        conn.close()


def test_a_post_is_recorded_before_sending_and_completed_with_the_targets_answer(tmp_path):
    post = _Post([_Prepared(b"one"), _Prepared(b"two")])
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        seen = []

        class Watching(_Uploader):
            def publish(self, post, progress=None, cancel=None):
                seen.append([p.status for p in ledger.posts()])  # what the ledger holds while sending
                return super().publish(post)

        from radshare.core.sharing import new_post

        entry = new_post("blog", "wordpress", post, [("C-ONE", "I-A"), ("C-ONE", "I-B")], "policy")
        result, number = publish_and_record(ledger, Watching(), post, entry)
        assert seen == [["sending"]]
        shared = ledger.post(number)
        assert (shared.status, shared.post_id, shared.url, shared.draft) == ("live", "7", "https://blog.test/?p=7", False)
        assert shared.media_ids == ("11", "12") and shared.data == {"topic_id": "3"}
        assert [i.image_id for i in shared.images] == ["I-A", "I-B"]
        import hashlib

        assert shared.images[0].sha256 == hashlib.sha256(b"one").hexdigest()
        assert [p for p, _ in ledger.find_image(sha256=hashlib.sha256(b"two").hexdigest())][0].number == number
        assert ledger.find_image(image_id="I-A")[0][1].media_id == "11"
        assert ledger.posts(case="C-ONE")[0].number == number and ledger.posts(case="C-OTHER") == []
        assert ledger.find_post("7")[0].number == number and ledger.find_post(shared.url)[0].number == number
        assert [e[1] for e in ledger.events(number)] == ["send", "sent"]


def test_a_failed_send_leaves_no_row(tmp_path):
    post = _Post([_Prepared(b"one")])
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        with pytest.raises(RuntimeError):
            publish_and_record(ledger, _Uploader(fail=RuntimeError("refused")), post, _entry(1))
        assert ledger.posts() == []
    assert _count(tmp_path / "l.sqlite3") == (0, 0)


def test_a_ledger_that_cannot_be_written_means_nothing_is_sent(tmp_path):
    path = tmp_path / "l.sqlite3"
    ledger = Ledger(path)
    ledger.conn.execute("PRAGMA query_only = ON")  # as a read-only file or a full disk would
    uploader = _Uploader()
    with pytest.raises(sqlite3.OperationalError):
        publish_and_record(ledger, uploader, _Post([_Prepared(b"x")]), _entry(1))
    assert uploader.sent == 0


def test_an_exception_inside_a_write_rolls_the_whole_post_back(tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        bad = NewPost(**{**_entry(3).__dict__, "images": (*_entry(3).images, SharedImage(image_id=None, sha256="x"))})
        with pytest.raises(sqlite3.IntegrityError):  # the 4th image row violates NOT NULL after 3 were written
            ledger.begin_post(bad)
        assert ledger.posts() == []
    assert _count(tmp_path / "l.sqlite3") == (0, 0)


def test_a_process_killed_mid_write_leaves_no_half_post(tmp_path):
    path = tmp_path / "l.sqlite3"
    Ledger(path).close()
    script = textwrap.dedent(f"""
        import sys, time
        from radshare.core.ledger import Ledger
        ledger = Ledger({str(path)!r})
        with ledger.transaction() as conn:
            conn.execute("INSERT INTO posts (account, target, posted_at, case_id, basis, status) "
                         "VALUES ('blog', 'wordpress', 'now', 'C-ONE', 'consent', 'live')")
            conn.execute("INSERT INTO images (post, position, case_id, image_id, sha256) VALUES (1, 0, 'C-ONE', 'I-1', 'ab')")
            print('written', flush=True)
            time.sleep(60)  # killed here, before the second image and the commit
    """)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "written"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    with Ledger(path) as ledger:
        assert ledger.posts() == []
    assert _count(path) == (0, 0)


def test_schema_version_migrations_and_a_newer_file_refused(tmp_path, monkeypatch):
    path = tmp_path / "l.sqlite3"
    with Ledger(path) as ledger:
        assert ledger.version == ledger_module.SCHEMA_VERSION == len(ledger_module.MIGRATIONS)
        number = ledger.begin_post(_entry(1))
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    # A later RadShare adds a step: the old file is brought up to date, its rows kept.
    monkeypatch.setattr(ledger_module, "MIGRATIONS", [*ledger_module.MIGRATIONS, ("ALTER TABLE posts ADD COLUMN later TEXT",)])
    monkeypatch.setattr(ledger_module, "SCHEMA_VERSION", len(ledger_module.MIGRATIONS))
    with Ledger(path) as ledger:
        assert ledger.version == ledger_module.SCHEMA_VERSION
        assert ledger.post(number).case_id == "C-ONE"
        assert "later" in [r[1] for r in ledger.conn.execute("PRAGMA table_info(posts)")]
    # This RadShare meets a file from a newer one: refused with a reason, not misread.
    monkeypatch.undo()
    with pytest.raises(ConfigError, match="newer RadShare"):
        Ledger(path)


def test_a_damaged_file_is_a_clear_error(tmp_path):
    path = tmp_path / "l.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match="cannot be used"):
        Ledger(path)


def test_the_reference_is_a_form_number_never_a_name():
    assert check_basis("consent", " CF-2024-0193 ") == ("consent", "CF-2024-0193")
    assert check_basis("policy", "") == ("policy", "")
    assert check_basis("anonymous", "2024/17") == ("anonymous", "2024/17")
    for bad in ("Jane Doe", "DOE-1234", "12 Smith", "consent signed by Jane", "jd-1234"):
        with pytest.raises(ConfigError):
            check_basis("consent", bad)
    # A number that is the patient's own ID or birth date is refused too.
    ids = Identifiers(names=["DOE", "JANE"], ids=["98765432"], dates=["19800214"])
    assert check_basis("consent", "CF-2024-0193", [ids]) == ("consent", "CF-2024-0193")
    with pytest.raises(ConfigError, match="identifier"):
        check_basis("consent", "CF 98765432", [ids])
    with pytest.raises(ConfigError, match="date"):
        check_basis("consent", "14.02.1980")
    with pytest.raises(ConfigError):
        check_basis("because I said so")
    assert check_case_label("Case-07") == "Case-07"
    with pytest.raises(ConfigError):
        check_case_label("Jane Doe")


def test_pseudonymous_ids_are_keyed_and_stable():
    a = pseudonymous_ids(KEY, study_uid="1.2.3", sop_uid="1.2.3.4")
    assert a == pseudonymous_ids(KEY, study_uid="1.2.3", sop_uid="1.2.3.4")
    assert a != pseudonymous_ids(b"z" * 32, study_uid="1.2.3", sop_uid="1.2.3.4")
    assert a[0] == pseudonymous_ids(KEY, study_uid="1.2.3", sop_uid="1.2.3.5")[0]  # same study, same case
    assert a[1] != pseudonymous_ids(KEY, study_uid="1.2.3", sop_uid="1.2.3.5")[1]
    assert a[0].startswith("C-") and a[1].startswith("I-") and "1.2.3" not in "".join(a)


class _Gone(Exception):
    kind = "network"

    def explain(self) -> str:
        return "Network problem: the blog could not be reached."


class _Withdrawer:
    def __init__(self, fail_first: int = 0):
        self.fail_first = fail_first
        self.calls = []

    def withdraw(self, record, *, force=False, cancel=None):
        self.calls.append((record.post_id, tuple(record.media_ids), force))
        if len(self.calls) <= self.fail_first:
            raise _Gone()
        return type("R", (), {"state": "trashed", "note": "post in the trash"})()


def test_withdrawal_outcomes_are_recorded_and_an_unreachable_service_stays_pending(tmp_path):
    post = _Post([_Prepared(b"one"), _Prepared(b"two")])
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        _, number = publish_and_record(ledger, _Uploader(), post, _entry(2))
        target = _Withdrawer(fail_first=1)
        first = withdraw_posts(ledger, ledger.posts(), lambda p: target)
        assert [(o.state, o.note) for o in first] == [("pending", "Network problem: the blog could not be reached.")]
        assert ledger.post(number).status == "pending"
        again = withdraw_posts(ledger, ledger.posts(status=["pending"]), lambda p: target, force=True)
        assert [(o.state, o.done) for o in again] == [("trashed", True)]
        assert target.calls == [("7", ("11", "12"), False), ("7", ("11", "12"), True)]
        assert ledger.post(number).status == "trashed"
        assert [e[1] for e in ledger.events(number)] == ["send", "sent", "withdraw", "withdraw-failed", "withdraw", "withdrawn"]
        # Already withdrawn: the target is not asked again.
        assert withdraw_posts(ledger, ledger.posts(), lambda p: target)[0].note == "already withdrawn"
        assert len(target.calls) == 2


def test_an_account_that_cannot_be_opened_leaves_the_post_pending_with_the_reason(tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        publish_and_record(ledger, _Uploader(), _Post([_Prepared(b"x")]), _entry(1))

        def missing(post):
            raise ConfigError("no account named 'blog' (see 'radshare accounts list')")

        outcome = withdraw_posts(ledger, ledger.posts(), missing)[0]
        assert outcome.state == "pending" and "no account named" in outcome.note


def test_an_interruption_while_sending_leaves_the_post_marked_sending(tmp_path):
    class Interrupted(_Uploader):
        def publish(self, post, progress=None, cancel=None):
            raise KeyboardInterrupt

    with Ledger(tmp_path / "l.sqlite3") as ledger:
        with pytest.raises(KeyboardInterrupt):
            publish_and_record(ledger, Interrupted(), _Post([_Prepared(b"x")]), _entry(1))
        assert [p.status for p in ledger.posts()] == ["sending"]  # it may be out: the ledger says so


def test_a_number_that_is_both_a_ledger_number_and_a_post_id_is_refused_as_ambiguous(tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        first = ledger.begin_post(_entry(1))
        ledger.complete_post(first, post_id="2", url="https://blog.test/?p=2", draft=False)
        second = ledger.begin_post(_entry(1))
        ledger.complete_post(second, post_id="99", url="https://blog.test/?p=99", draft=False)
        with pytest.raises(ConfigError, match="#2"):
            ledger.find_post("2")
        assert [p.number for p in ledger.find_post("#2")] == [second]
        assert [p.number for p in ledger.find_post("https://blog.test/?p=2")] == [first]
        assert [p.number for p in ledger.find_post("99")] == [second]
        assert ledger.find_post("#7") == [] and ledger.find_post("nothing") == []
