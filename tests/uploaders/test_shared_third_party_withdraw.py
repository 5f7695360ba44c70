"""Withdrawal is part of the plugin protocol: a third-party class that declares `features.withdraw`
and has `withdraw` (without subclassing `Uploader`) is used like the built-ins; one that does not
declare it leaves the post pending with the reason, and the registry still accepts it.
"""

from __future__ import annotations

from typing import ClassVar

from radshare.core.ledger import Ledger
from radshare.core.sharing import new_post, publish_and_record, withdraw_posts
from radshare.uploaders.accounts import Account, AccountStore
from radshare.uploaders.base import API_VERSION, Features, Identity, Limits, Post, PreparedImage, PublishResult, WithdrawResult
from radshare.uploaders.registry import Registry, check_plugin
from radshare.uploaders.withdraw import can_withdraw, opener

SERVICE: dict[str, dict] = {}  # what the "service" holds: post id -> media ids


class Gallery:
    """A plugin written only against the protocol (no base class)."""

    id: ClassVar[str] = "gallery"
    display_name: ClassVar[str] = "Example gallery"
    api_version: ClassVar[int] = API_VERSION
    account_fields: ClassVar[list] = []
    limits: ClassVar[Limits] = Limits()
    features: ClassVar[Features] = Features(withdraw=True, withdraw_note="The album and its pictures are deleted.")

    def __init__(self, settings, secret=None):
        self.settings = settings

    def validate(self, post):
        return []

    def verify(self):
        return Identity(username="me")

    def publish(self, post, progress=None, cancel=None):
        post_id = f"album-{len(SERVICE) + 1}"
        media = tuple(f"{post_id}-pic-{n}" for n in range(len(post.images)))
        SERVICE[post_id] = {"media": media}
        return PublishResult(url=f"https://gallery.test/{post_id}", id=post_id, draft=False, media_ids=media,
                             data={"album": post_id})

    def withdraw(self, record, *, force=False, cancel=None):
        assert record.data == {"album": record.post_id}
        SERVICE.pop(record.post_id, None)  # already gone is fine
        return WithdrawResult("deleted", "album deleted")


class OldGallery(Gallery):
    id = "old-gallery"
    features = Features()  # written before withdrawal existed


def _post(ledger, cls):
    post = Post(images=[PreparedImage(b"x" * 10, "jpeg", 1, 1, alt_text="a"), PreparedImage(b"y" * 10, "jpeg", 1, 1, alt_text="b")])
    entry = new_post("mine", cls.id, post, [("C-1", "I-1"), ("C-1", "I-2")], "anonymous")
    return publish_and_record(ledger, cls({}), post, entry)[1]


def test_a_third_party_plugin_declaring_withdraw_is_used_and_one_without_stays_pending(tmp_path):
    assert check_plugin(Gallery) is None and check_plugin(OldGallery) is None  # both still load
    assert can_withdraw(Gallery) and not can_withdraw(OldGallery)
    registry = Registry({"gallery": Gallery, "old-gallery": OldGallery})
    store = AccountStore()
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        store.add(Account("mine", "gallery", {}), None, Gallery)
        number = _post(ledger, Gallery)
        assert ledger.post(number).media_ids == ("album-1-pic-0", "album-1-pic-1")
        (outcome,) = withdraw_posts(ledger, [ledger.post(number)], opener(store, registry))
        assert (outcome.state, outcome.note, SERVICE) == ("deleted", "album deleted", {})

        store.remove("mine")
        store.add(Account("mine", "old-gallery", {}), None, OldGallery)
        old = _post(ledger, OldGallery)
        (outcome,) = withdraw_posts(ledger, [ledger.post(old)], opener(store, registry))
        assert outcome.state == "pending" and "cannot withdraw posts" in outcome.note
