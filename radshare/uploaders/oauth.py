"""Receiving an OAuth authorization code on a loopback redirect (RFC 8252, section 7.3).

The app opens the service's authorization page in the user's browser with
`redirect_uri=http://127.0.0.1:PORT/callback`; after the user approves, the browser is sent to
that address, where `LoopbackReceiver` (a one-page HTTP server on 127.0.0.1 only) picks up the
`code`, checks the `state` it sent, and shows a "you can close this tab" page. When a loopback
redirect is impossible (the browser runs elsewhere), the out-of-band flow shows the code to the
user instead, who pastes it into the app.

No Qt here: the Accounts dialog runs `wait` in a worker. Nothing is logged: the code is a secret
until it has been exchanged.
"""

from __future__ import annotations

import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlparse

from radshare.uploaders.base import AuthenticationFailed, Cancelled

OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"

_DONE_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>RadShare</title></head>"
    "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p></body></html>"
)


def new_state() -> str:
    """An unguessable `state` value binding the browser's answer to this request."""
    return secrets.token_urlsafe(24)


class LoopbackReceiver:
    """A one-shot HTTP server on 127.0.0.1 that waits for `/callback?code=...&state=...`.

    Use as a context manager; `redirect_uri` is known once it is entered.
    """

    def __init__(self, state: str, path: str = "/callback", host: str = "127.0.0.1"):
        self.state = state
        self.path = path
        self.host = host
        self._code: str | None = None
        self._error: str | None = None
        self._event = threading.Event()
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._redirect_uri: str | None = None

    @property
    def redirect_uri(self) -> str:
        """`http://127.0.0.1:PORT/callback`; still known after `close` (the token exchange needs it)."""
        if self._redirect_uri is None:
            raise RuntimeError("the receiver is not started")
        return self._redirect_uri

    def __enter__(self) -> "LoopbackReceiver":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parsed = urlparse(self.path)
                if parsed.path != receiver.path:
                    self.send_error(404)
                    return
                query = parse_qs(parsed.query)
                ok = receiver._accept(query)
                title = "Signed in" if ok else "Sign-in failed"
                text = (
                    "RadShare has what it needs. You can close this tab and return to the app."
                    if ok
                    else "RadShare could not complete the sign-in. Return to the app and try again."
                )
                body = _DONE_PAGE.format(title=title, text=text).encode("utf-8")
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # never log the code
                return

        self._server = HTTPServer((self.host, 0), Handler)
        self._redirect_uri = f"http://{self.host}:{self._server.server_address[1]}{self.path}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="oauth-loopback", daemon=True)
        self._thread.start()

    def _accept(self, query: dict[str, list[str]]) -> bool:
        if self._event.is_set():
            return self._code is not None
        state = (query.get("state") or [""])[0]
        code = (query.get("code") or [""])[0]
        if not secrets.compare_digest(state, self.state):
            self._error = "the answer did not match this sign-in request"
            return False  # keep waiting: a stray request must not end the flow
        if not code:
            self._error = (query.get("error") or ["the service did not grant access"])[0][:200]
            self._event.set()
            return False
        self._code = code
        self._event.set()
        return True

    def wait(self, timeout: float = 300.0, cancel: Callable[[], bool] | None = None) -> str:
        """The authorization code, once the browser delivered it.

        Raises `AuthenticationFailed` when the service refused, `Cancelled` on cancel or timeout.
        """
        deadline = time.monotonic() + timeout
        while not self._event.wait(0.1):
            if cancel is not None and cancel():
                raise Cancelled("sign-in cancelled")
            if time.monotonic() > deadline:
                raise Cancelled("sign-in timed out: no answer from the browser")
        if self._code is None:
            raise AuthenticationFailed(f"the service did not grant access ({self._error or 'refused'})")
        return self._code

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
