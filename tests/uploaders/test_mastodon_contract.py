"""Mastodon uploader against a contract server (pytest-httpserver) speaking the documented shapes
that mastodon-mock does not produce: 202 + polling of a media attachment still being processed,
and the error statuses 401, 413, 422, 5xx.
"""

from __future__ import annotations

import json

import pytest
from werkzeug.wrappers import Request, Response

from radshare.core.model import Identifiers
from radshare.uploaders.base import AuthenticationFailed, NetworkError, Rejected, TooLarge
from radshare.uploaders.compose import SourceImage, build_post
from radshare.uploaders.mastodon import MastodonUploader
from tests.uploaders.uploader_samples import smooth_rgb

TOKEN = "contract-token-3f9a1c"
INSTANCE = {"domain": "contract.test", "version": "4.3.0", "title": "contract", "api_versions": {"mastodon": 2},
            "configuration": {"statuses": {"max_characters": 500, "max_media_attachments": 4},
                              "media_attachments": {"supported_mime_types": ["image/jpeg", "image/png"],
                                                    "image_size_limit": 16777216, "image_matrix_limit": 33177600,
                                                    "description_limit": 1500}}}


def _media(media_id: str, url: str | None) -> dict:
    return {"id": media_id, "type": "image", "url": url, "preview_url": url, "description": "alt", "meta": {}}


def _status(server_url: str) -> dict:
    return {"id": "1001", "url": f"{server_url}/@tester/1001", "uri": f"{server_url}/users/tester/statuses/1001",
            "content": "<p>x</p>", "visibility": "public", "created_at": "2026-01-01T00:00:00.000Z",
            "media_attachments": [], "account": {"id": "1", "acct": "tester", "username": "tester"}}


@pytest.fixture
def server(httpserver):
    httpserver.expect_request("/api/v1/instance").respond_with_json(INSTANCE)
    httpserver.expect_request("/api/v1/instance/").respond_with_json(INSTANCE)
    httpserver.expect_request("/api/v2/instance").respond_with_json(INSTANCE)
    httpserver.expect_request("/api/v2/instance/").respond_with_json(INSTANCE)
    return httpserver


def _uploader(server) -> MastodonUploader:
    uploader = MastodonUploader({"url": server.url_for("").rstrip("/")}, TOKEN)
    uploader.sleep = lambda seconds: None
    uploader.poll_interval = 0
    return uploader


def _post(uploader, count: int = 1):
    sources = [SourceImage(smooth_rgb(120, 160, seed=n), Identifiers(), True) for n in range(count)]
    post, _ = build_post(sources, uploader.limits, alt_texts=["A described image"], caption="hello")
    return post


def test_media_answered_202_is_polled_until_processed(server):
    polls = {"count": 0}
    seen: dict = {}

    def upload(request: Request) -> Response:
        seen["auth"] = request.headers.get("Authorization")
        seen["description"] = request.args.get("description") or request.form.get("description")
        seen["file"] = request.files["file"].read()
        return Response(json.dumps(_media("77", None)), status=202, content_type="application/json")

    def poll(request: Request) -> Response:
        polls["count"] += 1
        if polls["count"] < 3:
            return Response(json.dumps(_media("77", None)), status=206, content_type="application/json")
        return Response(json.dumps(_media("77", server.url_for("/media/77.jpg"))), status=200,
                        content_type="application/json")

    def status(request: Request) -> Response:
        seen["idempotency"] = request.headers.get("Idempotency-Key")
        seen["status_form"] = request.form.to_dict(flat=False) or json.loads(request.data or b"{}")
        return Response(json.dumps(_status(server.url_for("").rstrip("/"))), status=200, content_type="application/json")

    server.expect_request("/api/v2/media", method="POST").respond_with_handler(upload)
    server.expect_request("/api/v1/media/77", method="GET").respond_with_handler(poll)
    server.expect_request("/api/v1/statuses", method="POST").respond_with_handler(status)
    uploader = _uploader(server)
    post = _post(uploader)
    stages: list[str] = []
    result = uploader.publish(post, progress=lambda d, t, s: stages.append(s))

    assert polls["count"] == 3
    assert "waiting for the server to process image 1" in stages
    assert result.id == "1001" and result.url.endswith("/@tester/1001")
    assert seen["auth"] == f"Bearer {TOKEN}"
    assert seen["description"] == "A described image"
    assert seen["file"] == post.images[0].data  # exactly the prepared bytes
    assert seen["idempotency"] and seen["idempotency"].startswith("radshare-")
    assert "77" in json.dumps(seen["status_form"])


def test_media_never_processed_is_a_network_error(server):
    server.expect_request("/api/v2/media", method="POST").respond_with_json(_media("5", None), status=202)
    server.expect_request("/api/v1/media/5").respond_with_json(_media("5", None), status=206)
    uploader = _uploader(server)
    uploader.poll_timeout = 0.3
    with pytest.raises(NetworkError, match="did not finish processing"):
        uploader.publish(_post(uploader))


def test_401_is_authentication_failed(server):
    server.expect_request("/api/v1/accounts/verify_credentials").respond_with_json(
        {"error": "The access token is invalid"}, status=401)
    with pytest.raises(AuthenticationFailed) as caught:
        _uploader(server).verify()
    assert "Sign-in failed" in caught.value.explain()
    assert TOKEN not in str(caught.value)


def test_413_is_too_large(server):
    server.expect_request("/api/v2/media", method="POST").respond_with_data(
        "<html><body><h1>413 Request Entity Too Large</h1></body></html>", status=413, content_type="text/html")
    uploader = _uploader(server)
    with pytest.raises(TooLarge):
        uploader.publish(_post(uploader))


def test_422_is_rejected_with_the_servers_message(server):
    server.expect_request("/api/v2/media", method="POST").respond_with_json(_media("9", "http://x/9.jpg"))
    server.expect_request("/api/v1/statuses", method="POST").respond_with_json(
        {"error": "Validation failed: Text character limit of 500 exceeded"}, status=422)
    uploader = _uploader(server)
    with pytest.raises(Rejected) as caught:
        uploader.publish(_post(uploader))
    assert caught.value.messages == ["Validation failed: Text character limit of 500 exceeded"]
    assert "character limit" in caught.value.explain()


def test_5xx_is_retried_then_network_error(server):
    calls = {"count": 0}

    def failing(request: Request) -> Response:
        calls["count"] += 1
        return Response(json.dumps({"error": "boom"}), status=503, content_type="application/json")

    server.expect_request("/api/v2/media", method="POST").respond_with_handler(failing)
    uploader = _uploader(server)
    waits: list[float] = []
    uploader.sleep = waits.append
    with pytest.raises(NetworkError, match="503"):
        uploader.publish(_post(uploader))
    assert calls["count"] == uploader.attempts
    assert waits == [1.0, 2.0, 4.0]  # exponential backoff between the attempts


def test_one_5xx_then_success_posts(server):
    calls = {"count": 0}

    def flaky(request: Request) -> Response:
        calls["count"] += 1
        if calls["count"] == 1:
            return Response("bad gateway", status=502)
        return Response(json.dumps(_media("3", "http://x/3.jpg")), status=200, content_type="application/json")

    server.expect_request("/api/v2/media", method="POST").respond_with_handler(flaky)
    server.expect_request("/api/v1/statuses", method="POST").respond_with_json(_status("http://x"))
    uploader = _uploader(server)
    assert uploader.publish(_post(uploader)).id == "1001"
    assert calls["count"] == 2


def test_limits_from_a_newer_server(server):
    limits = _uploader(server).fetch_limits()
    assert limits.max_bytes == 16777216 and limits.max_pixels == 33177600 and limits.alt_max == 1500
