"""`radshare accounts add mastodon` and `radshare post` to mastodon-mock, as a script would run them.

An original DICOM of DOE^JANE goes in; what reaches the server is de-identified, has its alt text,
and the token appears in no output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests

from tests.uploaders.uploader_samples import write_sample_dicom

pytest_plugins = ["tests.uploaders.social_fixtures"]
pytestmark = pytest.mark.server


def _radshare(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radshare", *args], input=stdin, capture_output=True, text=True,
                          timeout=240, env=dict(os.environ))


def test_cli_posts_an_original_deidentified_to_mastodon(mastodon_server, tmp_path):
    from tests.uploaders.social_fixtures import identifier_needles, metadata_segments

    token = mastodon_server["accounts"]["alice"]
    added = _radshare("accounts", "add", "mastodon", "masto", "--url", mastodon_server["url"], stdin=token + "\n")
    assert added.returncode == 0, added.stderr
    original = write_sample_dicom(tmp_path / "DOE_JANE.dcm", seed=3, size=384)
    posted = _radshare("post", str(original), "--account", "masto", "--alt", "Frontal chest radiograph.",
                       "--caption", "Command line case #RadEd", "--visibility", "unlisted", "--confirm", "--json")
    assert posted.returncode == 0, posted.stderr
    result = json.loads(posted.stdout.strip().splitlines()[-1])
    assert result["target"] == "mastodon" and result["draft"] is False

    from mastodon import Mastodon

    status = Mastodon(access_token=token, api_base_url=mastodon_server["url"]).status(result["id"])
    assert status["visibility"] == "unlisted"
    media = status["media_attachments"][0]
    assert media["description"] == "Frontal chest radiograph."
    data = requests.get(media["url"], timeout=10).content
    assert metadata_segments(data) == []
    assert [n for n in identifier_needles() if n in data] == []
    for text in (added.stdout, added.stderr, posted.stdout, posted.stderr):
        assert token not in text
