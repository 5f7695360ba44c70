"""Sharing ledger against mastodon-mock: post, list, a withdrawal the server refuses for now stays
pending, `--pending` finishes it, then the status and its media answer 404.
"""

from __future__ import annotations

import io
import json
import sys

import pytest
import requests

from radshare.cli import main
from tests.uploaders.uploader_samples import write_sample_dicom

pytest_plugins = ["tests.uploaders.social_fixtures"]
pytestmark = pytest.mark.server


def test_post_list_withdraw_pending_then_resumed_and_status_and_media_are_gone(mastodon_server, mastodon_fault,
                                                                               monkeypatch, capsys, tmp_path):
    token = mastodon_server["accounts"]["alice"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(token + "\n"))
    assert main(["accounts", "add", "mastodon", "toots", "--url", mastodon_server["url"], "--no-verify"]) == 0
    capsys.readouterr()
    code = main(["post", str(write_sample_dicom(tmp_path / "a.dcm", seed=21)), str(write_sample_dicom(tmp_path / "b.dcm", seed=22)),
                 "--account", "toots", "--caption", "Two views #RadEd", "--alt", "Chest radiograph",
                 "--basis", "policy", "--confirm", "--json", "-q"])
    out = capsys.readouterr()
    assert code == 0, out.err
    posted = json.loads(out.out)

    assert main(["shared", "list", "--account", "toots", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    media_ids = [image["media_id"] for image in entry["images"]]
    assert len(media_ids) == 2 and all(media_ids)
    assert entry["case"] == entry["images"][0]["case"]  # two studies: the post is listed under the first one's case
    headers = {"Authorization": f"Bearer {token}"}
    api = mastodon_server["url"]
    status = requests.get(f"{api}/api/v1/statuses/{posted['id']}", headers=headers, timeout=30)
    assert status.status_code == 200
    assert sorted(m["id"] for m in status.json()["media_attachments"]) == sorted(media_ids)

    # The server limits requests for two minutes: the withdrawal stays pending, nothing is lost.
    mastodon_fault({"match": {"methods": ["DELETE"], "path": f"/api/v1/statuses/{posted['id']}"},
                    "effect": {"type": "ratelimit", "headers": {"Retry-After": "120"}}, "count": 1})
    assert main(["shared", "withdraw", posted["id"], "--yes"]) == 1
    out = capsys.readouterr()
    assert out.out.startswith("pending") and "Rate limited" in out.out
    assert requests.get(f"{api}/api/v1/statuses/{posted['id']}", headers=headers, timeout=30).status_code == 200

    assert main(["shared", "withdraw", "--pending", "--yes"]) == 0
    assert capsys.readouterr().out.startswith("withdrawn")
    assert requests.get(f"{api}/api/v1/statuses/{posted['id']}", headers=headers, timeout=30).status_code == 404
    for media_id in media_ids:  # deleted with the status (delete_media=true), not left for a later clean-up
        assert requests.get(f"{api}/api/v1/media/{media_id}", headers=headers, timeout=30).status_code == 404

    # Already gone on the server (e.g. deleted in the browser): withdrawing counts it as done.
    from radshare.core.ledger import Ledger
    from radshare.core.sharing import PENDING

    with Ledger() as ledger:
        ledger.set_status(entry["number"], PENDING, "simulated interruption")
    assert main(["shared", "withdraw", "--pending", "--yes"]) == 0
    assert capsys.readouterr().out.startswith("withdrawn")
