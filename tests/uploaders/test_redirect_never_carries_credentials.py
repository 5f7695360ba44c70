"""A server that redirects elsewhere never gets the account's credentials sent there.

Two real local HTTP servers: the one the account names answers every request with a redirect
(302, 307 or 308) to another port, or to the same port under another host name (`localhost`
for `127.0.0.1`); a second records every byte it receives. For each built-in uploader the post
(or the sign-in) must fail with `RedirectRefused`, and no credential may reach the other origin.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from radshare.core.model import Identifiers
from radshare.uploaders.base import RedirectRefused, is_loopback_url, plain_http_problem
from radshare.uploaders.bluesky import BlueskyUploader
from radshare.uploaders.compose import SourceImage, build_post
from radshare.uploaders.discourse import AUTH_ADMIN_KEY, DiscourseUploader
from radshare.uploaders.mastodon import MastodonUploader
from radshare.uploaders.wordpress import WordPressUploader
from tests.uploaders.uploader_samples import smooth_rgb

SECRET = "s3cret-credential-7f3a9c"


class Recorder:
    """Every request either server received: (host header, raw header text, body)."""

    def __init__(self):
        self.requests: list[tuple[str, str, bytes]] = []
        self.lock = threading.Lock()


def _server(recorder: Recorder, redirect_to=None) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with recorder.lock:
                recorder.requests.append((self.headers.get("Host", ""), str(self.headers), body))
            if redirect_to is not None:
                status, base = redirect_to
                self.send_response(status)
                self.send_header("Location", base + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            payload = b'{"id": "1", "url": "http://elsewhere/1", "accessJwt": "x", "refreshJwt": "y", "handle": "a.test", "did": "did:plc:abc"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=[(302, "port"), (307, "port"), (308, "port"), (302, "localhost"), (307, "localhost"), (308, "localhost")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def redirecting(request):
    """(address the account names, recorder of that server, recorder of the other origin, kind)."""
    status, where = request.param
    if where == "port":
        first, other = Recorder(), Recorder()
        elsewhere = _server(other)
        origin = _server(first, (status, f"http://127.0.0.1:{elsewhere.server_address[1]}"))
        servers = [elsewhere, origin]
    else:
        # One server, two names: whatever arrives with Host localhost:PORT went to the other origin.
        first = other = Recorder()
        origin = _two_named_server(first, status)
        servers = [origin]
    try:
        yield f"http://127.0.0.1:{origin.server_address[1]}", first, other, where
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def _two_named_server(recorder: Recorder, status: int) -> ThreadingHTTPServer:
    """A server that redirects requests addressed to 127.0.0.1 to `localhost` on its own port,
    and answers those addressed to `localhost`."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("Host", "")
            with recorder.lock:
                recorder.requests.append((host, str(self.headers), body))
            if host.startswith("127.0.0.1"):
                self.send_response(status)
                self.send_header("Location", f"http://localhost:{self.server.server_address[1]}{self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            payload = b'{"id": "1"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _post(limits, title="A teaching case of pneumonia"):
    sources = [SourceImage(smooth_rgb(120, 160, seed=1), Identifiers(), True)]
    post, _ = build_post(sources, limits, alt_texts=["Chest radiograph"], caption="Consolidation.", title=title)
    return post


def _credentials_elsewhere(other: Recorder, where: str) -> list[str]:
    """Requests that reached the other origin carrying the secret, or any credential header."""
    found = []
    for host, headers, body in other.requests:
        if where == "localhost" and not host.startswith("localhost"):
            continue  # the first origin, addressed as the account says
        lowered = headers.lower()
        if SECRET in headers or SECRET.encode() in body or "authorization:" in lowered or "api-key:" in lowered:
            found.append(host)
    return found


def _elsewhere(other: Recorder, where: str) -> list[str]:
    return [host for host, _, _ in other.requests if where == "port" or host.startswith("localhost")]


def _post_or_sign_in(uploader_cls, settings, secret):
    """Bluesky sends the app password itself at sign-in; the others send their credential with the post."""
    uploader = uploader_cls({**settings}, secret)
    uploader.sleep = lambda seconds: None
    try:
        if uploader_cls is BlueskyUploader:
            uploader.verify()
        else:
            uploader.publish(_post(uploader_cls.limits))
    finally:
        uploader.close()


UPLOADERS = {
    "discourse-user-key": (DiscourseUploader, lambda url: {"url": url}),
    "discourse-admin-key": (DiscourseUploader, lambda url: {"url": url, "auth": AUTH_ADMIN_KEY, "user": "admin"}),
    "wordpress": (WordPressUploader, lambda url: {"url": url, "user": "editor"}),
    "mastodon": (MastodonUploader, lambda url: {"url": url}),
    "bluesky": (BlueskyUploader, lambda url: {"pds_url": url, "handle": "teacher.test"}),
}


@pytest.mark.parametrize("name", list(UPLOADERS))
def test_a_redirect_to_another_origin_fails_the_post_and_carries_no_credential(name, redirecting):
    url, first, other, where = redirecting
    cls, settings = UPLOADERS[name]
    with pytest.raises(RedirectRefused):
        _post_or_sign_in(cls, settings(url), SECRET)
    assert first.requests, "the named server was asked first"
    assert _credentials_elsewhere(other, where) == []
    assert _elsewhere(other, where) == [], "nothing is sent to the other origin at all"


def test_a_same_origin_redirect_is_still_followed():
    """A site that moves a path on its own origin keeps working, credentials included."""
    from radshare.uploaders.base import credential_safe_session

    recorder = Recorder()
    server = _same_origin_mover(recorder)
    try:
        with credential_safe_session() as session:
            response = session.get(f"http://127.0.0.1:{server.server_address[1]}/old", headers={"Api-Key": SECRET})
        assert response.status_code == 200
        assert [SECRET in headers for _, headers, _ in recorder.requests] == [True, True]
    finally:
        server.shutdown()
        server.server_close()


def _same_origin_mover(recorder: Recorder) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            with recorder.lock:
                recorder.requests.append((self.headers.get("Host", ""), str(self.headers), b""))
            if self.path == "/old":
                self.send_response(308)
                self.send_header("Location", "/new")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize(
    "url, local",
    [
        ("http://127.0.0.1:8080", True),
        ("http://127.1.2.3", True),
        ("http://localhost:3000", True),
        ("http://[::1]:8080", True),
        ("http://127.evil.example", False),
        ("http://127.0.0.1.evil.example", False),
        ("http://localhost.evil.example", False),
        ("http://10.0.0.1", False),
        ("http://[::ffff:8.8.8.8]", False),
    ],
)
def test_plain_http_only_for_this_machine_by_address_not_prefix(url, local):
    assert is_loopback_url(url) is local
    assert (plain_http_problem(url) is None) is local
    assert plain_http_problem(url.replace("http://", "https://", 1)) is None


def test_accounts_add_on_a_fallback_keyring_refuses_before_sending_the_secret(monkeypatch, capsys):
    """Refusing to store the secret after the server has seen it is too late: refused first."""
    import io
    import sys

    from radshare.cli import main
    from radshare.uploaders import accounts

    recorder = Recorder()
    server = _server(recorder)
    fallback = accounts.KeyringStatus(backend="keyrings.alt.file.PlaintextKeyring", secure=False, explicit=False,
                                      usable=True, warning="the keyring is not your system's secure store")
    monkeypatch.setattr(accounts.AccountStore, "status", lambda self: fallback)
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
    try:
        code = main(["accounts", "add", "discourse", "forum", "--url", f"http://127.0.0.1:{server.server_address[1]}"])
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert code == 2 and "not a system store" in err
    assert recorder.requests == [], "the server was asked before the refusal"
    assert accounts.AccountStore().list() == []
