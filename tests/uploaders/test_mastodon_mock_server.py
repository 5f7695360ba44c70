"""Mastodon uploader against mastodon-mock, a server that speaks the API Mastodon.py uses.

Proves: four images with alt text and visibility reach the server as one status; the post is
idempotent; a 429 with Retry-After becomes RateLimited(retry_after) (or is waited out when short);
a bad token is "authentication failed"; the OAuth authorization-code flow completes over a
loopback redirect and out of band; limits are read from /api/v2/instance; scheduling is the
draft substitute; the token never appears in logs or outputs.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests

from radshare.core.model import Identifiers
from radshare.uploaders.base import AuthenticationFailed, RateLimited, ValidationFailed
from radshare.uploaders.compose import SourceImage, build_post
from radshare.uploaders.gate import check_post
from radshare.uploaders.mastodon import (
    MastodonUploader,
    authorization_url,
    exchange_code,
    register_app,
)
from radshare.uploaders.oauth import OOB_REDIRECT, LoopbackReceiver, new_state
from tests.uploaders.uploader_samples import grey_radiograph, smooth_rgb

pytest_plugins = ["tests.uploaders.social_fixtures"]
pytestmark = pytest.mark.server


def _sources(count: int) -> list[SourceImage]:
    images = [grey_radiograph(384, seed=n) if n % 2 else smooth_rgb(300, 400, seed=n) for n in range(count)]
    return [SourceImage(rgb, Identifiers(names=["DOE^JANE"], ids=["RS98765"]), True) for rgb in images]


def _uploader(server, user: str = "alice") -> MastodonUploader:
    uploader = MastodonUploader({"url": server["url"]}, server["accounts"][user])
    uploader.sleep = lambda seconds: None
    return uploader


def test_four_images_with_alt_text_and_visibility_become_one_status(mastodon_server):
    uploader = _uploader(mastodon_server)
    alts = [f"Chest radiograph, view {n}: right lower lobe opacity" for n in range(1, 5)]
    post, gates = build_post(_sources(4), uploader.limits, alt_texts=alts, caption="Case of the week #RadEd",
                             visibility="unlisted", content_warning="medical image")
    assert check_post(post, gates, right_to_share=True) == []
    stages = []
    result = uploader.publish(post, progress=lambda done, total, stage: stages.append(stage))

    status = uploader.api().status(result.id)
    assert status["visibility"] == "unlisted"
    assert status["sensitive"] is True
    assert status["spoiler_text"] == "medical image"
    assert "Case of the week" in status["content"]
    assert [m["description"] for m in status["media_attachments"]] == alts
    assert result.url.startswith(mastodon_server["url"]) and result.draft is False
    assert stages[-1] == "posted" and "uploading image 4" in stages

    again = uploader.publish(post)  # same Idempotency-Key: the server answers with the first status
    assert again.id == result.id


def test_post_with_five_images_is_refused_before_sending(mastodon_server):
    uploader = _uploader(mastodon_server)
    post, _ = build_post(_sources(5), uploader.limits, alt_texts=["alt"])
    with pytest.raises(ValidationFailed, match="at most 4 images"):
        uploader.publish(post)


def test_rate_limit_with_long_retry_after_is_rate_limited(mastodon_server, mastodon_fault):
    mastodon_fault({"match": {"methods": ["POST"], "path": "/api/v2/media"},
                    "effect": {"type": "ratelimit", "headers": {"Retry-After": "120"}}, "count": 1})
    uploader = _uploader(mastodon_server)
    post, _ = build_post(_sources(1), uploader.limits, alt_texts=["alt"])
    with pytest.raises(RateLimited) as caught:
        uploader.publish(post)
    assert caught.value.retry_after == pytest.approx(120, abs=2)
    assert "Try again in 120 s" in caught.value.explain()


def test_rate_limit_with_short_retry_after_is_waited_out(mastodon_server, mastodon_fault):
    mastodon_fault({"match": {"methods": ["POST"], "path": "/api/v2/media"},
                    "effect": {"type": "ratelimit", "headers": {"Retry-After": "2"}}, "count": 1})
    uploader = _uploader(mastodon_server)
    waits: list[float] = []
    uploader.sleep = waits.append
    post, _ = build_post(_sources(1), uploader.limits, alt_texts=["alt"])
    result = uploader.publish(post)
    assert waits == [pytest.approx(2, abs=0.5)]
    assert uploader.api().status(result.id)["media_attachments"][0]["description"] == "alt"


def test_bad_token_is_authentication_failed(mastodon_server):
    uploader = MastodonUploader({"url": mastodon_server["url"]}, "not-a-valid-token")
    with pytest.raises(AuthenticationFailed):
        uploader.verify()


def test_server_limits_come_from_the_instance(mastodon_server):
    limits = _uploader(mastodon_server).fetch_limits()
    assert limits.max_images == 4
    assert limits.caption_max == 500
    assert limits.max_bytes == 10485760
    assert limits.max_pixels == 16777216
    assert limits.alt_max == 1500


def test_caption_over_the_server_limit_is_refused(mastodon_server):
    uploader = _uploader(mastodon_server)
    uploader.fetch_limits()
    post, _ = build_post(_sources(1), uploader.limits, alt_texts=["alt"], caption="x" * 501)
    assert any("501 characters" in p for p in uploader.validate(post))
    post.caption = "see https://example.org/" + "y" * 400 + " " + "z" * 60  # a link counts as 23
    assert uploader.validate(post) == []


def test_scheduled_post_is_the_draft_substitute(mastodon_server):
    uploader = _uploader(mastodon_server)
    soon = (datetime.now(timezone.utc) + timedelta(minutes=2)).isoformat()
    post, _ = build_post(_sources(1), uploader.limits, alt_texts=["alt"], options={"scheduled_at": soon})
    assert any("at least 5 minutes" in p for p in uploader.validate(post))
    post.draft = True
    assert any("no drafts" in p for p in uploader.validate(post))

    later = (datetime.now(timezone.utc) + timedelta(minutes=30)).isoformat()
    post, _ = build_post(_sources(1), uploader.limits, alt_texts=["alt"], options={"scheduled_at": later})
    result = uploader.publish(post)
    assert result.draft is True
    assert "scheduled_statuses" in result.url


def test_oauth_code_flow_over_a_loopback_redirect(mastodon_server):
    url = mastodon_server["url"]
    state = new_state()
    with LoopbackReceiver(state) as receiver:
        assert receiver.redirect_uri.startswith("http://127.0.0.1:")
        client_id, client_secret = register_app(url, receiver.redirect_uri)
        page = authorization_url(url, client_id, client_secret, receiver.redirect_uri, state)
        assert page.startswith(f"{url}/oauth/authorize?") and "state=" in page
        # The "browser": the user picks their account; the server redirects to our loopback.
        answer = requests.post(f"{url}/oauth/authorize", data={
            "username": "bob", "redirect_uri": receiver.redirect_uri, "client_id": client_id, "state": state,
            "scope": "read:accounts write:media write:statuses"}, timeout=10)
        assert answer.status_code == 200 and "close this tab" in answer.text
        code = receiver.wait(timeout=10)
    token = exchange_code(url, client_id, client_secret, code, receiver.redirect_uri)
    assert MastodonUploader({"url": url}, token).verify().username == "@bob"


def test_loopback_receiver_ignores_a_forged_state():
    with LoopbackReceiver(new_state()) as receiver:
        forged = requests.get(receiver.redirect_uri, params={"code": "x", "state": "forged"}, timeout=5)
        assert forged.status_code == 400
        from radshare.uploaders.base import Cancelled

        with pytest.raises(Cancelled):
            receiver.wait(timeout=0.3)


def test_oauth_out_of_band_code_pasted_by_the_user(mastodon_server):
    url = mastodon_server["url"]
    client_id, client_secret = register_app(url, OOB_REDIRECT)
    page = requests.post(f"{url}/oauth/authorize", data={
        "username": "carol", "redirect_uri": OOB_REDIRECT, "client_id": client_id}, timeout=10)
    code = re.search(r"Authorization code: (\S+?)<", page.text).group(1)
    token = exchange_code(url, client_id, client_secret, code, OOB_REDIRECT)
    assert MastodonUploader({"url": url}, token).verify().username == "@carol"


def test_wrong_code_is_authentication_failed(mastodon_server):
    url = mastodon_server["url"]
    client_id, client_secret = register_app(url, OOB_REDIRECT)
    with pytest.raises(AuthenticationFailed):
        exchange_code(url, client_id, client_secret, "not-a-code", OOB_REDIRECT)


def test_token_never_reaches_logs_or_outputs(mastodon_server, mastodon_fault, caplog, capfd):
    token = mastodon_server["accounts"]["bob"]
    caplog.set_level(logging.DEBUG)
    uploader = MastodonUploader({"url": mastodon_server["url"]}, token)
    uploader.sleep = lambda s: None
    texts = [repr(uploader)]
    post, _ = build_post(_sources(2), uploader.limits, alt_texts=["alt one", "alt two"], caption="#RadEd")
    result = uploader.publish(post)
    texts += [repr(result), str(result)]
    mastodon_fault({"match": {"methods": ["POST"], "path": "/api/v1/statuses"},
                    "effect": {"type": "status", "status": 422, "body": {"error": "Validation failed"}}, "count": 1})
    with pytest.raises(Exception) as caught:
        uploader.publish(build_post(_sources(1), uploader.limits, alt_texts=["x"], caption="other")[0])
    texts += [str(caught.value), caught.value.explain(), repr(caught.value)]
    out, err = capfd.readouterr()
    texts += [out, err, caplog.text]
    assert caplog.records, "the run logged nothing at all: the check would prove nothing"
    for text in texts:
        assert token not in text
