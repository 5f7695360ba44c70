"""WordPress answers the real test server cannot produce (proxy 413, 429, 5xx) map into the family."""

from __future__ import annotations

import json

import pytest
from werkzeug import Response

from radshare.core.model import Identifiers
from radshare.uploaders.base import AuthenticationFailed, NetworkError, RateLimited, TooLarge
from radshare.uploaders.compose import SourceImage, build_post
from radshare.uploaders.wordpress import WordPressUploader
from tests.uploaders.uploader_samples import grey_radiograph


@pytest.fixture
def site(httpserver):
    httpserver.expect_request("/wp-json/").respond_with_json({"namespaces": ["wp/v2"]})
    return httpserver


def _publish(site):
    up = WordPressUploader({"url": site.url_for("/").rstrip("/"), "user": "ed"}, "pw")
    up.sleep = lambda seconds: None
    post, _ = build_post([SourceImage(grey_radiograph(128), Identifiers(), True)], up.limits, alt_texts=["x"], draft=True)
    return up.publish(post)


def test_proxy_413_page_is_too_large(site):
    site.expect_request("/wp-json/wp/v2/media").respond_with_response(Response("<html><h1>413 Request Entity Too Large</h1></html>", status=413, content_type="text/html"))
    with pytest.raises(TooLarge):
        _publish(site)


def test_persistent_429_is_rate_limited_with_retry_after(site):
    site.expect_request("/wp-json/wp/v2/media").respond_with_response(Response("", status=429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimited) as info:
        _publish(site)
    assert info.value.retry_after == 120


def test_gateway_errors_end_as_network_errors(site):
    site.expect_request("/wp-json/wp/v2/media").respond_with_response(Response("bad gateway", status=502))
    with pytest.raises(NetworkError):
        _publish(site)


def test_401_rest_cannot_create_is_authentication(site):
    body = {"code": "rest_cannot_create", "message": "Sorry, you are not allowed to create posts as this user.", "data": {"status": 401}}
    site.expect_request("/wp-json/wp/v2/media").respond_with_response(Response(json.dumps(body), status=401, content_type="application/json"))
    with pytest.raises(AuthenticationFailed) as info:
        _publish(site)
    assert "rest_cannot_create" in str(info.value) and "pw" not in str(info.value)
