"""A full post with a known token: the token appears in no log, output, report or config file.

Everything RadShare prints or writes is collected: stdout/stderr of `accounts add`, `post`
(success and an authentication failure) and `accounts list`, every log record at DEBUG (ours,
requests', urllib3's), and every file under the test's config/output folders. Only the keyring's
own store may hold the token, and the test checks it does (so the right token was used).
"""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
from werkzeug import Request, Response

from radshare.cli import main
from tests.uploaders.uploader_samples import write_sample_dicom

TOKEN = "rs-known-token-7f3a9c1e5b2d4f6a8c0e"


def _discourse_server(httpserver, token: str) -> str:
    def handle(request: Request) -> Response:
        if request.headers.get("User-Api-Key") != token:
            return Response(json.dumps({"errors": ["The API username or key is invalid."], "error_type": "invalid_access"}),
                            status=403, content_type="application/json")
        if request.path == "/session/current.json":
            body = {"current_user": {"id": 1, "username": "teacher", "name": "Teacher"}}
        elif request.path == "/uploads.json":
            body = {"id": 1, "short_url": "upload://x1.png", "width": 512, "height": 512, "url": "//f/x1.png"}
        else:
            body = {"id": 9, "topic_id": 3, "topic_slug": "case"}
        return Response(json.dumps(body), content_type="application/json")

    for path in ("/session/current.json", "/uploads.json", "/posts.json"):
        httpserver.expect_request(path).respond_with_handler(handle)
    return httpserver.url_for("/").rstrip("/")


@pytest.mark.parametrize("target", ["discourse", "wordpress"])
def test_known_token_appears_nowhere_but_the_keyring(target, request, httpserver, monkeypatch, capsys, tmp_path, private_env):
    if target == "wordpress":
        info = request.getfixturevalue("wordpress")
        token, url, extra = info["app_password"], info["url"], ["--user", info["user"]]
    else:
        token, url, extra = TOKEN, _discourse_server(httpserver, TOKEN), []

    log_file = tmp_path / "debug.log"
    handler = logging.FileHandler(log_file)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    outputs: list[str] = []
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO(token + "\n"))
        assert main(["accounts", "add", target, "acct", "--url", url, *extra]) == 0
        original = write_sample_dicom(tmp_path / "in.dcm")
        report = tmp_path / "post.json"
        code = main(["post", str(original), "--account", "acct", "--title", "A teaching case, chest film",
                     "--caption", "Normal study.", "--alt", "Chest radiograph", "--confirm", "--json"])
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]
        assert code == 0, captured.err
        report.write_text(captured.out)
        assert main(["accounts", "list"]) == 0
        # A failing post with a wrong secret: its error texts must not carry either secret.
        monkeypatch.setattr(sys, "stdin", io.StringIO(token[::-1] + "\n"))
        assert main(["accounts", "add", target, "wrong", "--url", url, *extra, "--no-verify"]) == 0
        assert main(["post", str(original), "--account", "wrong", "--title", "A teaching case, chest film",
                     "--alt", "Chest radiograph", "--confirm"]) == 1
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()

    keyring_dir = private_env / "data"
    searched = 0
    for path in [*private_env.rglob("*"), *tmp_path.rglob("*")]:
        if path.is_file() and keyring_dir not in path.parents:
            data = path.read_bytes()
            searched += 1
            for secret in (token, token[::-1]):
                assert secret.encode() not in data, f"a secret is in {path.name}"
    for text in outputs:
        assert token not in text and token[::-1] not in text
    assert searched >= 3 and log_file.stat().st_size > 0  # the log, the config file, the report at least
    stored = [p for p in keyring_dir.rglob("*") if p.is_file()]
    assert stored, "the secret should be in the keyring's own store"
