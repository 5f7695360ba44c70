"""Discourse: a contract server (pytest-httpserver) serving exactly the documented shapes.

No installable Discourse exists in the registries this project uses, so the server below answers
what Discourse documents: uploads.json (multipart, type=composer, synchronous=true), posts.json
(title/raw/category or a private message), User-Api-Key and Api-Key + Api-Username, and its
errors: 403 invalid_access, 429 with extras.wait_seconds and Retry-After, 422 errors, 413 as an
HTML page from the proxy, 5xx.
"""

from __future__ import annotations

import base64
import json

import pytest
from werkzeug import Request, Response

from radshare.core.model import Identifiers
from radshare.uploaders.base import AuthenticationFailed, NetworkError, RateLimited, Rejected, TooLarge, ValidationFailed
from radshare.uploaders.compose import SourceImage, build_post
from radshare.uploaders.discourse import (
    AUTH_ADMIN_KEY,
    MESSAGE_TO_SELF,
    DiscourseUploader,
    decode_user_api_key,
    user_api_key_request,
)
from tests.uploaders.uploader_samples import smooth_rgb

USER_KEY = "user-key-0123456789abcdef"
ADMIN_KEY = "admin-key-fedcba9876543210"


class FakeDiscourse:
    """The documented API surface, with a record of what arrived."""

    def __init__(self):
        self.uploads: list[dict] = []
        self.posts: list[dict] = []
        self.fail_next: list[Response] = []

    def authorised(self, request: Request) -> str | None:
        if request.headers.get("User-Api-Key") == USER_KEY:
            return "dr_teacher"
        if request.headers.get("Api-Key") == ADMIN_KEY and request.headers.get("Api-Username"):
            return request.headers["Api-Username"]
        return None

    def denied(self) -> Response:
        body = {"errors": ["You are not permitted to view the requested resource. The API username or key is invalid."],
                "error_type": "invalid_access"}
        return Response(json.dumps(body), status=403, content_type="application/json")

    def handle(self, request: Request) -> Response:
        if self.fail_next:
            return self.fail_next.pop(0)
        user = self.authorised(request)
        if user is None:
            return self.denied()
        if request.path == "/session/current.json":
            return _json({"current_user": {"id": 7, "username": user, "name": "Dr Teacher"}})
        if request.path == "/uploads.json" and request.method == "POST":
            assert request.form.get("type") == "composer" and request.form.get("synchronous") == "true"
            upload = request.files["file"]
            data = upload.read()
            number = len(self.uploads) + 1
            self.uploads.append({"name": upload.filename, "mimetype": upload.mimetype, "data": data})
            ext = "jpeg" if upload.mimetype == "image/jpeg" else "png"
            return _json({
                "id": number, "url": f"//forum.test/uploads/default/original/1X/{number:040x}.{ext}",
                "original_filename": upload.filename, "filesize": len(data), "width": 800, "height": 600,
                "thumbnail_width": 500, "thumbnail_height": 375, "extension": ext,
                "short_url": f"upload://abc{number}.{ext}", "short_path": f"/uploads/short-url/abc{number}.{ext}",
                "retain_hours": None, "human_filesize": f"{len(data) // 1024} KB",
            })
        if request.path == "/posts.json" and request.method == "POST":
            body = request.get_json()
            if len(body.get("title", "")) < 15 and body.get("archetype") != "private_message":
                return Response(json.dumps({"action": "create_post", "errors": ["Title is too short (minimum is 15 characters)"]}),
                                status=422, content_type="application/json")
            self.posts.append(body)
            return _json({"id": 101, "topic_id": 55, "topic_slug": "a-teaching-case", "post_number": 1, "username": user})
        return Response("not found", status=404)


def _json(data) -> Response:
    return Response(json.dumps(data), status=200, content_type="application/json")


@pytest.fixture
def forum(httpserver):
    fake = FakeDiscourse()
    httpserver.expect_request("/session/current.json").respond_with_handler(fake.handle)
    httpserver.expect_request("/uploads.json", method="POST").respond_with_handler(fake.handle)
    httpserver.expect_request("/posts.json", method="POST").respond_with_handler(fake.handle)
    fake.url = httpserver.url_for("/").rstrip("/")
    return fake


def _post(n=2, title="A teaching case of pneumonia", **kw):
    sources = [SourceImage(smooth_rgb(600, 800, seed=i), Identifiers(), True) for i in range(n)]
    post, _ = build_post(sources, DiscourseUploader.limits, alt_texts=["Chest radiograph | PA [left]"],
                         caption="Right lower lobe consolidation.", title=title, **kw)
    return post


def _uploader(forum, key=USER_KEY, **settings):
    up = DiscourseUploader({"url": forum.url, **settings}, key)
    up.sleep = lambda seconds: None
    return up


def test_user_api_key_posts_a_topic_with_upload_markdown(forum):
    up = _uploader(forum, category="12")
    assert up.verify().username == "dr_teacher"
    result = up.publish(_post())
    assert result.url.endswith("/t/a-teaching-case/55") and result.id == "101" and result.draft is False
    assert len(forum.uploads) == 2 and all(u["mimetype"] == "image/jpeg" for u in forum.uploads)
    body = forum.posts[0]
    assert body["category"] == 12 and body["title"] == "A teaching case of pneumonia"
    assert "![Chest radiograph PA left|800x600](upload://abc1.jpeg)" in body["raw"]
    assert "upload://abc2.jpeg" in body["raw"] and body["raw"].startswith("Right lower lobe")


def test_admin_api_key_with_username_and_message_to_self(forum):
    up = _uploader(forum, key=ADMIN_KEY, auth=AUTH_ADMIN_KEY, user="moderator")
    result = up.publish(_post(title="Draft", visibility=MESSAGE_TO_SELF))
    assert result.id == "101"
    assert forum.posts[0]["archetype"] == "private_message" and forum.posts[0]["target_recipients"] == "moderator"


def test_drafts_are_refused_offline_with_the_alternative_named(forum):
    problems = _uploader(forum).validate(_post(draft=True))
    assert any("private category" in p and "message to yourself" in p for p in problems)
    assert forum.uploads == []


def test_bad_key_is_invalid_access(forum):
    with pytest.raises(AuthenticationFailed) as info:
        _uploader(forum, key="not-the-key").publish(_post())
    assert "invalid_access" in str(info.value) and "not-the-key" not in str(info.value)


def test_429_waits_for_wait_seconds_then_succeeds(forum):
    limited = {"errors": ["You've performed this action too many times. Please wait 3 seconds before trying again."],
               "error_type": "rate_limit", "extras": {"wait_seconds": 3, "time_left": "3 seconds"}}
    forum.fail_next.append(Response(json.dumps(limited), status=429, content_type="application/json", headers={"Retry-After": "3"}))
    waits = []
    up = _uploader(forum)
    up.sleep = waits.append
    up.publish(_post(n=1))
    assert waits == [3.0] and len(forum.posts) == 1


def test_429_beyond_patience_is_rate_limited_with_retry_after(forum):
    limited = {"errors": ["Too many"], "error_type": "rate_limit", "extras": {"wait_seconds": 900}}
    forum.fail_next.append(Response(json.dumps(limited), status=429, content_type="application/json"))
    with pytest.raises(RateLimited) as info:
        _uploader(forum).publish(_post(n=1))
    assert info.value.retry_after == 900


def test_422_errors_are_the_services_messages(forum):
    post = _post(n=1, title="Short but long")  # 14 characters: caught offline, nothing sent
    with pytest.raises(ValidationFailed) as offline:
        _uploader(forum).publish(post)
    assert "15 characters" in str(offline.value) and forum.uploads == []
    # Past the offline check (a site with a stricter rule), the 422 comes back as Rejected.
    forum.fail_next.append(Response(json.dumps({"action": "create_post", "errors": ["Body is too similar to what you recently posted"]}),
                                    status=422, content_type="application/json"))
    with pytest.raises(Rejected) as info:
        _uploader(forum).publish(_post(n=1))
    assert info.value.messages == ["Body is too similar to what you recently posted"]


def test_413_html_page_from_the_proxy_is_too_large(forum):
    page = "<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>"
    forum.fail_next.append(Response(page, status=413, content_type="text/html"))
    with pytest.raises(TooLarge):
        _uploader(forum).publish(_post(n=1))


def test_5xx_is_retried_then_reported_as_network(forum):
    for _ in range(4):
        forum.fail_next.append(Response("<html>502 Bad Gateway</html>", status=502, content_type="text/html"))
    with pytest.raises(NetworkError):
        _uploader(forum).publish(_post(n=1))
    forum.fail_next.clear()
    forum.fail_next.append(Response("busy", status=503))
    assert _uploader(forum).publish(_post(n=1)).id == "101"


def test_user_api_key_flow_round_trip():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from urllib.parse import parse_qs, urlsplit

    url, private_pem, nonce = user_api_key_request("https://forum.test")
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == "/user-api-key/new"
    assert query["nonce"] == [nonce] and "write" in query["scopes"][0] and query["application_name"] == ["RadShare"]
    # What Discourse does after the user approves: encrypt {key, nonce} with the public key.
    public = serialization.load_pem_public_key(query["public_key"][0].encode())
    payload = base64.b64encode(public.encrypt(json.dumps({"key": USER_KEY, "nonce": nonce, "push": False, "api": 4}).encode(), padding.PKCS1v15())).decode()
    assert decode_user_api_key(payload, private_pem, nonce) == USER_KEY
    with pytest.raises(AuthenticationFailed):
        decode_user_api_key(payload, private_pem, "another-nonce")
