"""Sharing ledger against the real reference PDS: post, list, withdraw, then the record and its blobs are gone.

The post is sent through `radshare post` (a DICOM original of DOE^JANE), recorded with the blob
CIDs as media ids; `radshare shared withdraw` deletes the record; the PDS then answers
RecordNotFound for the record and no longer serves the blobs (it garbage-collects blobs that no
record refers to). A second withdrawal of the same post (already gone) is a no-op.
"""

from __future__ import annotations

import io
import json
import sys
import time

import pytest
import requests

from radshare.cli import main
from radshare.core.ledger import Ledger
from tests.uploaders.uploader_samples import write_sample_dicom

pytest_plugins = ["tests.uploaders.social_fixtures"]
pytestmark = pytest.mark.server


def _add_account(monkeypatch, pds, name: str, index: int = 1) -> None:
    account = pds["accounts"][index]
    monkeypatch.setattr(sys, "stdin", io.StringIO(account["app_password"] + "\n"))
    assert main(["accounts", "add", "bluesky", name, "--set", f"handle={account['handle']}",
                 "--set", f"pds_url={pds['url']}", "--no-verify"]) == 0


def _blob_status(pds, did: str, cid: str) -> int:
    return requests.get(f"{pds['url']}/xrpc/com.atproto.sync.getBlob", params={"did": did, "cid": cid}, timeout=30).status_code


def test_post_list_withdraw_then_record_and_blobs_are_gone(bluesky_pds, monkeypatch, capsys, tmp_path):
    _add_account(monkeypatch, bluesky_pds, "sky")
    original = write_sample_dicom(tmp_path / "DOE_JANE.dcm", seed=11)
    capsys.readouterr()
    code = main(["post", str(original), "--account", "sky", "--caption", "Case of the week #RadEd",
                 "--alt", "Frontal chest radiograph", "--confirm", "--basis", "anonymous", "--json", "-q"])
    out = capsys.readouterr()
    assert code == 0, out.err
    posted = json.loads(out.out)

    assert main(["shared", "list", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["target"] == "bluesky" and entry["post_id"] == posted["id"] and entry["basis"] == "anonymous"
    did, collection, rkey = posted["id"].removeprefix("at://").split("/")
    cids = [image["media_id"] for image in entry["images"]]
    assert len(cids) == 1 and cids[0]
    record_url = f"{bluesky_pds['url']}/xrpc/com.atproto.repo.getRecord"
    params = {"repo": did, "collection": collection, "rkey": rkey}
    assert requests.get(record_url, params=params, timeout=30).status_code == 200
    assert _blob_status(bluesky_pds, did, cids[0]) == 200

    assert main(["shared", "withdraw", str(entry["number"]), "--yes"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("withdrawn") and "garbage-collected by the PDS" in line

    gone = requests.get(record_url, params=params, timeout=30)
    assert gone.status_code in (400, 404) and gone.json().get("error") == "RecordNotFound"
    deadline = time.monotonic() + 20
    while _blob_status(bluesky_pds, did, cids[0]) == 200 and time.monotonic() < deadline:
        time.sleep(0.5)  # the PDS deletes unreferenced blobs right after the write, in the background
    assert _blob_status(bluesky_pds, did, cids[0]) in (400, 404)

    with Ledger() as ledger:
        post = ledger.post(entry["number"])
        assert post.status == "deleted"
        # Withdrawing again (e.g. a resumed run) is harmless: deleting a missing record is a no-op.
        from radshare.core.sharing import PENDING

        ledger.set_status(post.number, PENDING, "simulated interruption")
    assert main(["shared", "withdraw", "--pending", "--yes"]) == 0
    assert capsys.readouterr().out.startswith("withdrawn")
