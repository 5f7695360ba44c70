"""A third-party uploader: writes each post as one JSON file into an "inbox" folder.

It lives outside RadShare's package, registers itself only through its own entry point, and
uses only the public protocol of `radshare.uploaders.base`.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

from radshare.uploaders.base import (
    API_VERSION,
    AccountField,
    AuthenticationFailed,
    Features,
    Identity,
    Limits,
    PublishResult,
    Uploader,
    check_cancel,
    report_progress,
)


class InboxUploader(Uploader):
    id = "example-inbox"
    display_name = "Example inbox (third-party plugin)"
    api_version = API_VERSION
    account_fields = [
        AccountField("inbox", "Inbox folder", kind="path"),
        AccountField("token", "Token", secret=True, kind="password"),
    ]
    limits = Limits(max_images=4, max_bytes=300_000, max_dimension=800, formats=("jpeg",))
    #: Declared data is all the composer and the Accounts dialog read: these choices appear there as
    #: they do for the built-ins, and "Sign in with the browser…" is offered beside the token field.
    features = Features(drafts=True, visibility=("everyone", "only-me"),
                        visibility_labels={"everyone": "Everyone with the inbox", "only-me": "Only me"},
                        browser_sign_in=True)

    @classmethod
    def oauth_begin(cls, settings, redirect_uri: str, state: str) -> tuple[str, dict[str, str]]:
        """The inbox approves at once: its "authorization page" sends the browser straight back to
        RadShare's loopback address with a code (a real service shows its consent page first)."""
        query = urlencode({"code": secrets.token_urlsafe(12), "state": state})
        return f"{redirect_uri}?{query}", {"redirect_uri": redirect_uri}

    @classmethod
    def oauth_finish(cls, settings, context: dict[str, str], code: str) -> str:
        """The token for the code (a real service exchanges it over HTTPS)."""
        return f"inbox-{code}"

    def verify(self) -> Identity:
        if not self._secret:
            raise AuthenticationFailed("the inbox needs a token")
        return Identity(username="inbox")

    def publish(self, post, progress=None, cancel=None) -> PublishResult:
        self._require_valid(post)
        self.verify()
        inbox = Path(self.settings["inbox"])
        inbox.mkdir(parents=True, exist_ok=True)
        images = []
        for number, image in enumerate(post.images, 1):
            check_cancel(cancel)
            images.append({"alt": image.alt_text, "format": image.format, "width": image.width,
                           "height": image.height, "data": base64.b64encode(image.data).decode("ascii")})
            report_progress(progress, number, len(post.images), f"packing image {number}")
        name = f"post-{time.time_ns()}.json"
        (inbox / name).write_text(json.dumps({"caption": post.caption, "draft": post.draft, "visibility": post.visibility,
                                            "images": images}))
        return PublishResult(url=(inbox / name).as_uri(), id=name, draft=post.draft)
