"""Sharing ledger against the real WordPress: post, list, withdraw (interrupted, then resumed).

`radshare post` of a DICOM original is recorded with its basis for sharing, pseudonymous ids and
the SHA-256 of the bytes sent; `radshare shared find` recognises the served file and the original;
a withdrawal cut off after the post went to the trash stays pending, `--pending` finishes it, and
then the post's public URL and every image answer 404. `--force` deletes the post for good.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys

import pytest
import requests

from radshare.cli import main
from radshare.core.ledger import Ledger
from radshare.core.sharing import withdraw_posts
from radshare.uploaders.withdraw import opener
from tests.uploaders.uploader_samples import write_sample_dicom

pytestmark = pytest.mark.server


def _rest(info, route, **params):
    return requests.get(info["url"] + "/", params={"rest_route": route, **params},
                        auth=(info["user"], info["app_password"]), timeout=30)


def _add_account(monkeypatch, info, name) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(info["app_password"] + "\n"))
    assert main(["accounts", "add", "wordpress", name, "--url", info["url"], "--user", info["user"], "--no-verify"]) == 0


def _post(capsys, original, account, *extra) -> dict:
    capsys.readouterr()
    code = main(["post", str(original), "--account", account, "--title", "Teaching case: withdrawal",
                 "--caption", "Right lower lobe pneumonia.", "--alt", "Frontal chest radiograph",
                 "--visibility", "publish", "--confirm", "--json", "-q", *extra])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_post_list_find_then_an_interrupted_withdrawal_resumes_and_everything_answers_404(wordpress, monkeypatch, capsys, tmp_path):
    _add_account(monkeypatch, wordpress, "blog-ledger")
    original = write_sample_dicom(tmp_path / "IM0001.dcm", seed=3)
    posted = _post(capsys, original, "blog-ledger", "--basis", "consent", "--basis-ref", "CF-2024-0193")
    post_page = requests.get(f"{wordpress['url']}/?p={posted['id']}", timeout=30)
    assert post_page.status_code == 200

    # list: the post, its case, basis and media, as JSON
    assert main(["shared", "list", "--account", "blog-ledger", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 1
    entry = listed[0]
    assert (entry["number"], entry["post_id"], entry["status"], entry["basis"], entry["basis_ref"]) == (
        posted["ledger"], posted["id"], "live", "consent", "CF-2024-0193")
    assert entry["case"] == posted["case"] and entry["case"].startswith("C-")
    media_id = entry["images"][0]["media_id"]
    media = _rest(wordpress, f"/wp/v2/media/{media_id}", context="edit").json()
    served = requests.get(media["source_url"], timeout=30)
    assert served.status_code == 200
    assert entry["images"][0]["sha256"] == hashlib.sha256(served.content).hexdigest()  # the bytes sent are the bytes served

    # find: the served file by its hash, the original by its pseudonymous id
    (tmp_path / "downloaded.jpg").write_bytes(served.content)
    assert main(["shared", "find", str(tmp_path / "downloaded.jpg"), str(original)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(f"post {posted['ledger']}" in line for line in lines)
    assert "these exact bytes" in lines[0] and "this original" in lines[1]
    other = write_sample_dicom(tmp_path / "other.dcm", seed=4)
    assert main(["shared", "find", str(other)]) == 0
    assert "not shared" in capsys.readouterr().out

    # withdraw, cut off after the post went to the trash and before its image was deleted
    deletes: list[str] = []

    def open_watched(post):
        uploader = opener()(post)
        send = uploader.session.request

        def request(method, url, **kwargs):
            response = send(method, url, **kwargs)
            if method == "DELETE":
                deletes.append(str(kwargs.get("params", {}).get("rest_route", url)))
            return response

        uploader.session.request = request
        return uploader

    with Ledger() as ledger:  # "cancel" as soon as the first DELETE (the post's) was answered
        outcome = withdraw_posts(ledger, ledger.posts(), open_watched, cancel=lambda: bool(deletes))[0]
    assert deletes == [f"/wp/v2/posts/{posted['id']}"]
    assert outcome.state == "pending", outcome
    assert requests.get(f"{wordpress['url']}/?p={posted['id']}", timeout=30).status_code == 404  # trashed
    assert requests.get(media["source_url"], timeout=30).status_code == 200  # not yet deleted
    assert main(["shared", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "pending"

    # resume: the post (already in the trash: 410) counts as done, the image goes
    assert main(["shared", "withdraw", "--pending", "--yes"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("trashed") and f"post {posted['ledger']}" in out[0]
    assert requests.get(f"{wordpress['url']}/?p={posted['id']}", timeout=30).status_code == 404
    assert _rest(wordpress, f"/wp/v2/media/{media_id}", context="edit").status_code == 404
    assert requests.get(media["source_url"], timeout=30).status_code == 404
    trashed = _rest(wordpress, f"/wp/v2/posts/{posted['id']}", context="edit").json()
    assert trashed["status"] == "trash"  # restorable by the site's administrators, as the note says
    assert main(["shared", "withdraw", "--pending", "--yes"]) == 0  # nothing left pending
    assert "no pending" in capsys.readouterr().err


def test_withdraw_by_case_with_force_deletes_for_good(wordpress, monkeypatch, capsys, tmp_path):
    _add_account(monkeypatch, wordpress, "blog-force")
    posted = _post(capsys, write_sample_dicom(tmp_path / "a.dcm", seed=5), "blog-force", "--basis", "policy",
                   "--case", "Case-17")
    assert posted["case"] == "Case-17"
    assert main(["shared", "list", "--case", "Case-17"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    # Without a terminal and without --yes nothing is withdrawn.
    assert main(["shared", "withdraw", "--case", "Case-17"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert requests.get(f"{wordpress['url']}/?p={posted['id']}", timeout=30).status_code == 200
    assert main(["shared", "withdraw", "--case", "Case-17", "--yes", "--force"]) == 0
    assert capsys.readouterr().out.startswith("withdrawn")
    assert _rest(wordpress, f"/wp/v2/posts/{posted['id']}", context="edit").status_code == 404  # not even in the trash


def test_an_unreachable_site_leaves_the_withdrawal_pending(wordpress, monkeypatch, capsys, tmp_path):
    _add_account(monkeypatch, wordpress, "blog-away")
    posted = _post(capsys, write_sample_dicom(tmp_path / "b.dcm", seed=6), "blog-away", "--basis", "anonymous")
    from radshare.uploaders.accounts import AccountStore

    store = AccountStore()
    account = store.get("blog-away")
    real_url = account.settings["url"]
    account.settings["url"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    store.update(account)
    assert main(["shared", "withdraw", str(posted["ledger"]), "--yes"]) == 1
    out = capsys.readouterr()
    assert out.out.startswith("pending") and "could not be reached" in out.out and "--pending" in out.err
    account.settings["url"] = real_url
    store.update(account)
    assert main(["shared", "withdraw", "--pending", "--yes"]) == 0
    assert requests.get(f"{wordpress['url']}/?p={posted['id']}", timeout=30).status_code == 404
