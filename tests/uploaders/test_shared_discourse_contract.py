"""Discourse withdrawal against the contract server: the topic is deleted (which Discourse only hides
from members), `force` asks for permanent deletion (admins only), 404 counts as done, and a
server error leaves the withdrawal pending until it is retried.
"""

from __future__ import annotations

import json

import pytest
from werkzeug import Request, Response

from radshare.core.ledger import Ledger
from radshare.core.model import Identifiers
from radshare.core.sharing import new_post, publish_and_record, withdraw_posts
from radshare.uploaders.compose import SourceImage, build_post
from radshare.uploaders.discourse import AUTH_ADMIN_KEY, DiscourseUploader
from tests.uploaders.test_discourse_contract import ADMIN_KEY, USER_KEY, FakeDiscourse
from tests.uploaders.uploader_samples import smooth_rgb


class DeletingDiscourse(FakeDiscourse):
    """The contract server plus the documented deletions: `DELETE /t/{id}.json` (soft delete) and
    `DELETE /posts/{id}.json?force_destroy=true` (permanent, admins only)."""

    def __init__(self):
        super().__init__()
        self.deleted_topics: list[str] = []
        self.destroyed_posts: list[str] = []

    def handle(self, request: Request) -> Response:
        if request.method != "DELETE":
            return super().handle(request)
        if self.fail_next:
            return self.fail_next.pop(0)
        user = self.authorised(request)
        if user is None:
            return self.denied()
        if request.path.startswith("/t/"):
            topic = request.path[3:].removesuffix(".json")
            if topic in self.deleted_topics:
                return Response("not found", status=404)
            self.deleted_topics.append(topic)
            return Response("{}", status=200, content_type="application/json")
        if request.path.startswith("/posts/") and request.args.get("force_destroy") == "true":
            if request.headers.get("Api-Key") != ADMIN_KEY:
                return self.denied()
            self.destroyed_posts.append(request.path[7:].removesuffix(".json"))
            return Response("{}", status=200, content_type="application/json")
        return Response("not found", status=404)


@pytest.fixture
def forum(httpserver):
    fake = DeletingDiscourse()
    for path, method in (("/session/current.json", "GET"), ("/uploads.json", "POST"), ("/posts.json", "POST")):
        httpserver.expect_request(path, method=method).respond_with_handler(fake.handle)
    httpserver.expect_request("/t/55.json", method="DELETE").respond_with_handler(fake.handle)
    httpserver.expect_request("/posts/101.json", method="DELETE").respond_with_handler(fake.handle)
    fake.url = httpserver.url_for("/").rstrip("/")
    return fake


def _publish(ledger, uploader):
    sources = [SourceImage(smooth_rgb(300, 400, seed=n), Identifiers(), True) for n in range(2)]
    post, _ = build_post(sources, uploader.limits, alt_texts=["Radiograph"], title="A teaching case of pneumonia",
                         caption="Right lower lobe.")
    entry = new_post("forum", "discourse", post, [("C-AAAA", "I-1"), ("C-AAAA", "I-2")], "policy")
    result, number = publish_and_record(ledger, uploader, post, entry)
    return number


def test_withdrawing_deletes_the_topic_which_discourse_only_hides(forum, tmp_path):
    uploader = DiscourseUploader({"url": forum.url}, USER_KEY)
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        number = _publish(ledger, uploader)
        post = ledger.post(number)
        assert post.data == {"topic_id": "55"} and post.media_ids == ("1", "2")
        (outcome,) = withdraw_posts(ledger, [post], lambda p: uploader)
        assert outcome.state == "hidden" and "staff" in outcome.note
        assert forum.deleted_topics == ["55"]
        assert ledger.post(number).status == "hidden"
        assert "only hides" in DiscourseUploader.features.withdraw_note


def test_force_with_a_user_key_is_refused_and_stays_hidden_with_an_admin_key_it_is_deleted(forum, tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        user = DiscourseUploader({"url": forum.url}, USER_KEY)
        number = _publish(ledger, user)
        (outcome,) = withdraw_posts(ledger, [ledger.post(number)], lambda p: user, force=True)
        assert outcome.state == "hidden" and "refused" in outcome.note and forum.destroyed_posts == []

        admin = DiscourseUploader({"url": forum.url, "auth": AUTH_ADMIN_KEY, "user": "admin"}, ADMIN_KEY)
        ledger.set_status(number, "pending", "retry with the admin key")
        (outcome,) = withdraw_posts(ledger, [ledger.post(number)], lambda p: admin, force=True)
        # The topic is already deleted (404 counts as done); the post is destroyed for good.
        assert (outcome.state, forum.destroyed_posts) == ("deleted", ["101"])


def test_a_server_error_leaves_the_withdrawal_pending_until_retried(forum, tmp_path):
    uploader = DiscourseUploader({"url": forum.url}, USER_KEY)
    uploader.sleep = lambda seconds: None
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        number = _publish(ledger, uploader)
        forum.fail_next = [Response(json.dumps({"errors": ["busy"]}), status=503, content_type="application/json")] * 4
        (outcome,) = withdraw_posts(ledger, [ledger.post(number)], lambda p: uploader)
        assert outcome.state == "pending" and "Network problem" in outcome.note
        assert forum.deleted_topics == []
        (outcome,) = withdraw_posts(ledger, ledger.posts(status=["pending"]), lambda p: uploader)
        assert outcome.state == "hidden" and forum.deleted_topics == ["55"]
