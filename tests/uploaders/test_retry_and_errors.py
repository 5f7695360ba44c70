"""The shared HTTP helper retries transient failures and honours Retry-After."""

from __future__ import annotations

import pytest
import requests
from werkzeug import Response

from radshare.uploaders.base import (
    NetworkError,
    RateLimited,
    parse_retry_after,
    request_with_retry,
)


def test_retry_after_is_honoured_then_success(httpserver):
    httpserver.expect_ordered_request("/x").respond_with_response(Response("slow down", status=429, headers={"Retry-After": "2"}))
    httpserver.expect_ordered_request("/x").respond_with_response(Response("busy", status=503, headers={"Retry-After": "1"}))
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": True})
    waits: list[float] = []
    response = request_with_retry(requests.Session(), "GET", httpserver.url_for("/x"), sleep=waits.append)
    assert response.status_code == 200
    assert waits == [2.0, 1.0]


def test_backoff_grows_without_retry_after(httpserver):
    for _ in range(3):
        httpserver.expect_ordered_request("/y").respond_with_data("oops", status=502)
    waits: list[float] = []
    response = request_with_retry(requests.Session(), "GET", httpserver.url_for("/y"), attempts=3, backoff=1.0, sleep=waits.append)
    assert response.status_code == 502  # returned for the caller to map
    assert len(waits) == 2 and waits[1] > waits[0]


def test_long_retry_after_raises_rate_limited_at_once(httpserver):
    httpserver.expect_request("/z").respond_with_response(Response("", status=429, headers={"Retry-After": "3600"}))
    waits: list[float] = []
    with pytest.raises(RateLimited) as info:
        request_with_retry(requests.Session(), "GET", httpserver.url_for("/z"), max_wait=60, sleep=waits.append)
    assert info.value.retry_after == 3600 and waits == []


def test_wait_hint_from_body_is_used(httpserver):
    httpserver.expect_ordered_request("/h").respond_with_json({"extras": {"wait_seconds": 7}}, status=429)
    httpserver.expect_ordered_request("/h").respond_with_json({})
    waits: list[float] = []
    request_with_retry(
        requests.Session(), "GET", httpserver.url_for("/h"), sleep=waits.append,
        wait_hint=lambda r: r.json()["extras"]["wait_seconds"],
    )
    assert waits == [7]


def test_unreachable_host_is_a_network_error_without_the_url():
    with pytest.raises(NetworkError) as info:
        request_with_retry(requests.Session(), "GET", "http://127.0.0.1:9/secret-path?token=abc", attempts=2, sleep=lambda s: None, timeout=2)
    assert "secret-path" not in str(info.value) and "abc" not in str(info.value)


def test_http_date_retry_after():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert parse_retry_after("soon") is None
