"""Bluesky error paths the local PDS does not produce (its rate limits are off, it never fails):
a contract server (pytest-httpserver) answers in the PDS's documented shapes.
"""

from __future__ import annotations

import json

import pytest
from werkzeug.wrappers import Request, Response

from radshare.core.model import Identifiers
from radshare.uploaders.base import NetworkError, RateLimited, Rejected, TooLarge
from radshare.uploaders.bluesky import BlueskyUploader
from radshare.uploaders.compose import SourceImage, build_post
from tests.uploaders.uploader_samples import smooth_rgb

DID = "did:plc:contracttestaccount00000"


def _jwt(scope: str) -> str:
    import base64

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'ES256K', 'typ': 'JWT'})}.{part({'scope': scope, 'sub': DID, 'exp': 4102444800})}.c2ln"


SESSION = {"did": DID, "handle": "tester.test", "accessJwt": _jwt("com.atproto.appPass"),
           "refreshJwt": _jwt("com.atproto.refresh"), "active": True}
BLOB = {"blob": {"$type": "blob", "ref": {"$link": "bafkreib6xnr7pg76i25j57zbmhuw74bvbxkkwusot2qjpcby7eh7npm5ya"},
                 "mimeType": "image/jpeg", "size": 1000}}


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers or {})


@pytest.fixture
def pds(httpserver):
    httpserver.expect_request("/xrpc/com.atproto.server.createSession", method="POST").respond_with_json(SESSION)
    return httpserver


def _uploader(server) -> BlueskyUploader:
    uploader = BlueskyUploader({"handle": "tester.test", "pds_url": server.url_for("").rstrip("/")}, "app-pass-word-1234")
    uploader.sleep = lambda seconds: None
    return uploader


def _post(uploader):
    source = SourceImage(smooth_rgb(120, 160), Identifiers(), True)
    return build_post([source], uploader.limits, alt_texts=["alt"], caption="hello")[0]


def test_rate_limit_is_rate_limited_with_the_wait(pds):
    pds.expect_request("/xrpc/com.atproto.repo.uploadBlob", method="POST").respond_with_handler(
        lambda r: _json({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, 429,
                        {"Retry-After": "600", "ratelimit-limit": "30", "ratelimit-remaining": "0"}))
    uploader = _uploader(pds)
    with pytest.raises(RateLimited) as caught:
        uploader.publish(_post(uploader))
    assert caught.value.retry_after == pytest.approx(600)


def test_short_rate_limit_is_waited_out_and_retried(pds):
    calls = {"n": 0}

    def blob(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return _json({"error": "RateLimitExceeded"}, 429, {"Retry-After": "3"})
        return _json(BLOB)

    seen = {}

    def create(request: Request) -> Response:
        seen["record"] = json.loads(request.data)
        return _json({"uri": f"at://{DID}/app.bsky.feed.post/3kabc", "cid": "bafyreie"})

    pds.expect_request("/xrpc/com.atproto.repo.uploadBlob", method="POST").respond_with_handler(blob)
    pds.expect_request("/xrpc/com.atproto.repo.createRecord", method="POST").respond_with_handler(create)
    uploader = _uploader(pds)
    waits: list[float] = []
    uploader.sleep = waits.append
    result = uploader.publish(_post(uploader))
    assert waits == [3.0] and calls["n"] == 2
    assert result.url == "https://bsky.app/profile/tester.test/post/3kabc"
    record = seen["record"]["record"]
    assert record["$type"] == "app.bsky.feed.post" and record["embed"]["$type"] == "app.bsky.embed.images"
    ratio = record["embed"]["images"][0]["aspectRatio"]
    assert record["embed"]["images"][0]["alt"] == "alt" and (ratio["width"], ratio["height"]) == (160, 120)


def test_server_errors_are_retried_then_network_error(pds):
    calls = {"n": 0}

    def failing(request: Request) -> Response:
        calls["n"] += 1
        return _json({"error": "InternalServerError", "message": "Internal Server Error"}, 500)

    pds.expect_request("/xrpc/com.atproto.repo.uploadBlob", method="POST").respond_with_handler(failing)
    uploader = _uploader(pds)
    with pytest.raises(NetworkError):
        uploader.publish(_post(uploader))
    assert calls["n"] == uploader.attempts


def test_payload_too_large_is_too_large(pds):
    pds.expect_request("/xrpc/com.atproto.repo.uploadBlob", method="POST").respond_with_json(
        {"error": "PayloadTooLarge", "message": "request entity too large"}, status=413)
    uploader = _uploader(pds)
    with pytest.raises(TooLarge):
        uploader.publish(_post(uploader))


def test_invalid_record_is_rejected_with_the_message(pds):
    pds.expect_request("/xrpc/com.atproto.repo.uploadBlob", method="POST").respond_with_json(BLOB)
    pds.expect_request("/xrpc/com.atproto.repo.createRecord", method="POST").respond_with_json(
        {"error": "InvalidRecord", "message": "Record/embed/images/0/image size too big"}, status=400)
    uploader = _uploader(pds)
    with pytest.raises(Rejected) as caught:
        uploader.publish(_post(uploader))
    assert caught.value.messages == ["Record/embed/images/0/image size too big"]
