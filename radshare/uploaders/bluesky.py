"""Bluesky target (AT Protocol), through the `atproto` SDK.

Accounts: the handle and an app password (Settings > Privacy and security > App passwords; the
one secret, kept in the keyring), and the PDS address: `https://bsky.social` for most people, or
the user's own PDS. Signing in uses `com.atproto.server.createSession` only
(`login(..., fetch_bsky_profile=False)`), so a PDS with no Bluesky app view behind it works too.

Publishing: every prepared image is sent with `com.atproto.repo.uploadBlob`, then one
`app.bsky.feed.post` record is created with an `app.bsky.embed.images` embed (at most 4 images,
each with its alt text and aspect ratio) and rich-text facets for hashtags and links. Bluesky
refuses a post whose image is over 1,000,000 bytes (the blob upload itself still succeeds), so
core's preparation fits each image under that; `validate` checks it again before anything is
sent. Marking the post sensitive adds the self-label `graphic-media`.

Bluesky has neither drafts nor visibility: every post is public as soon as it is created. The
composer says so (`Features.draft_note`).

Errors: 401 / `AuthenticationRequired` / `InvalidToken` / `AccountTakedown` -> AuthenticationFailed;
413 / `BlobTooLarge` -> TooLarge; 400 `InvalidRequest` / `InvalidRecord` -> Rejected (the PDS's
message); 429 -> RateLimited (Retry-After or `ratelimit-reset`); 5xx and network failures are
retried with backoff, then NetworkError.
"""

from __future__ import annotations

import re
import time
import unicodedata
from datetime import datetime, timezone
from typing import Any, Callable

from radshare.uploaders.base import (
    AccountField,
    AuthenticationFailed,
    Cancel,
    Features,
    Identity,
    Limits,
    NetworkError,
    Post,
    Progress,
    PostRecord,
    PublishResult,
    RateLimited,
    Rejected,
    TooLarge,
    UploadError,
    Uploader,
    WithdrawResult,
    check_cancel,
    plain_http_problem,
    refuse_cross_origin_redirect,
    report_progress,
)

DEFAULT_PDS = "https://bsky.social"
DEFAULT_WEB = "https://bsky.app"
MAX_IMAGE_BYTES = 1_000_000
MAX_GRAPHEMES = 300
MAX_TEXT_BYTES = 3000
_AUTH_ERRORS = {"AuthenticationRequired", "InvalidToken", "ExpiredToken", "AccountTakedown", "AccountDeactivated"}
_TAG = re.compile(r"(?:^|(?<=\s))#([^\s#.,;:!?()\[\]{}'\"]{1,64})")
_LINK = re.compile(r"https?://[^\s)\]]+", re.IGNORECASE)


def count_graphemes(text: str) -> int:
    """User-perceived characters, as Bluesky counts them (300 per post).

    Combining marks, variation selectors, skin-tone modifiers and characters joined by a
    zero-width joiner count with the character before them: a close approximation of Unicode
    grapheme clusters without an extra dependency.
    """
    count = 0
    join_next = False
    for char in text:
        code = ord(char)
        if char == "\u200d":
            join_next = True
            continue
        if join_next:
            join_next = False
            continue
        if unicodedata.category(char) in ("Mn", "Me") or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF:
            continue
        if 0x1F1E6 <= code <= 0x1F1FF and count and _prev_is_lone_flag(text, char):
            continue
        count += 1
    return count


def _prev_is_lone_flag(text: str, char: str) -> bool:
    # two regional indicators make one flag: count every second one as joined
    idx = text.index(char)
    run = 0
    while idx - run - 1 >= 0 and 0x1F1E6 <= ord(text[idx - run - 1]) <= 0x1F1FF:
        run += 1
    return run % 2 == 1


class BlueskyUploader(Uploader):
    id = "bluesky"
    display_name = "Bluesky"
    account_fields = [
        AccountField("handle", "Handle", help="e.g. name.bsky.social"),
        AccountField("app_password", "App password", secret=True, kind="password",
                     help="create one in Bluesky: Settings > Privacy and security > App passwords"),
        AccountField("pds_url", "Server (PDS)", kind="url", required=False, default=DEFAULT_PDS,
                     help="leave as is unless you host your own PDS"),
        AccountField("web_url", "Web app for links", kind="url", required=False, default=DEFAULT_WEB),
    ]
    limits = Limits(max_images=4, max_bytes=MAX_IMAGE_BYTES, max_dimension=2000, formats=("jpeg", "png"),
                    caption_max=MAX_GRAPHEMES, alt_max=2000)
    features = Features(
        drafts=False,
        visibility=(),
        content_warning=False,
        sensitive_media=True,  # the self-label graphic-media
        text_length=count_graphemes,
        draft_note="Bluesky has no drafts and no visibility settings: the post is public as soon as it is sent.",
        withdraw=True,
        withdraw_note="The post record is deleted from your repository. Its images are then referenced by nothing "
                      "and the server (PDS) deletes them by garbage collection; copies that other services "
                      "(app views, feeds) already fetched are removed by them in their own time.",
    )

    attempts = 4
    backoff = 1.0
    max_wait = 30.0

    def __init__(self, settings: Any, secret: str | None = None):
        super().__init__(settings, secret)
        self.pds_url = (self.settings.get("pds_url") or DEFAULT_PDS).strip().rstrip("/")
        self.web_url = (self.settings.get("web_url") or DEFAULT_WEB).strip().rstrip("/")
        self.handle = self.settings.get("handle", "").strip().lstrip("@")
        self.sleep: Callable[[float], None] = time.sleep
        self._client: Any = None
        self._did: str | None = None

    # -------------------------------------------------------------------------------- client
    def client(self) -> Any:
        """A signed-in `atproto.Client` (signs in on first use)."""
        if self._client is None:
            from atproto import Client

            if not self.handle or not self._secret:
                raise AuthenticationFailed("the account needs a handle and an app password")
            from atproto_client.request import Request

            # httpx follows redirects for atproto and re-sends the sign-in body (the app password)
            # on 307/308: a redirect to another address is refused instead.
            request = Request(event_hooks={"response": [refuse_cross_origin_redirect("Bluesky")]})
            client = Client(base_url=self.pds_url, request=request)
            self._call("signing in", client.login, self.handle, self._secret, fetch_bsky_profile=False)
            self._client = client
            self._did = client.me.did if client.me is not None else client._session.did  # noqa: SLF001
            self.handle = client._session.handle or self.handle  # noqa: SLF001
        return self._client

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, cancel: Cancel | None = None, **kwargs: Any) -> Any:
        for attempt in range(self.attempts):
            check_cancel(cancel)
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                error = _map_error(exc, what)
                last = attempt + 1 >= self.attempts
                if isinstance(error, RateLimited):
                    if last or error.retry_after is None or error.retry_after > self.max_wait:
                        raise error from None
                    self.sleep(error.retry_after)
                    continue
                if isinstance(error, NetworkError) and not last:
                    self.sleep(self.backoff * (2**attempt))
                    continue
                raise error from None
        raise NetworkError(f"Bluesky: {what} failed")  # unreachable

    # ------------------------------------------------------------------------------ protocol
    def validate(self, post: Post) -> list[str]:
        problems = [p for p in super().validate(post) if "caption is longer" not in p]
        graphemes = count_graphemes(post.caption)
        if graphemes > MAX_GRAPHEMES:
            problems.append(f"the text is {graphemes} characters; Bluesky allows {MAX_GRAPHEMES}")
        if len(post.caption.encode("utf-8")) > MAX_TEXT_BYTES:
            problems.append(f"the text is over Bluesky's {MAX_TEXT_BYTES}-byte limit")
        url_problem = plain_http_problem(self.pds_url, "the server address")
        if url_problem:
            problems.append(url_problem)
        return problems

    def verify(self) -> Identity:
        self.client()
        return Identity(username=f"@{self.handle}", url=f"{self.web_url}/profile/{self.handle}")

    def publish(self, post: Post, progress: Progress | None = None, cancel: Cancel | None = None) -> PublishResult:
        from atproto import models

        self._require_valid(post)
        total = len(post.images) + 2
        report_progress(progress, 0, total, "signing in")
        client = self.client()
        embedded = []
        blobs: list[str] = []
        for number, image in enumerate(post.images, 1):
            report_progress(progress, number, total, f"uploading image {number}")
            if image.size > MAX_IMAGE_BYTES:  # validate caught it; never send an over-size image
                raise TooLarge(f"image {number} is over Bluesky's {MAX_IMAGE_BYTES}-byte limit")
            uploaded = self._call(f"uploading image {number}", client.upload_blob, image.data, cancel=cancel)
            blobs.append(str(uploaded.blob.cid))
            embedded.append(models.AppBskyEmbedImages.Image(
                alt=image.alt_text, image=uploaded.blob,
                aspect_ratio=models.AppBskyEmbedDefs.AspectRatio(width=image.width, height=image.height),
            ))
        check_cancel(cancel)
        report_progress(progress, len(post.images) + 1, total, "posting")
        labels = None
        if post.options.get("sensitive", "").lower() in ("1", "true", "yes"):
            labels = models.ComAtprotoLabelDefs.SelfLabels(values=[models.ComAtprotoLabelDefs.SelfLabel(val="graphic-media")])
        record = models.AppBskyFeedPost.Record(
            text=post.caption,
            created_at=datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            embed=models.AppBskyEmbedImages.Main(images=embedded),
            facets=facets_for(post.caption) or None,
            labels=labels,
        )
        created = self._call(
            "posting", client.com.atproto.repo.create_record,
            models.ComAtprotoRepoCreateRecord.Data(repo=self._did, collection="app.bsky.feed.post", record=record),
            cancel=cancel,
        )
        report_progress(progress, total, total, "posted")
        rkey = created.uri.rsplit("/", 1)[-1]
        return PublishResult(url=f"{self.web_url}/profile/{self.handle}/post/{rkey}", id=created.uri, draft=False,
                             media_ids=tuple(blobs), data={"did": str(self._did or "")})

    def withdraw(self, record: PostRecord, *, force: bool = False, cancel: Cancel | None = None) -> WithdrawResult:
        """Delete the post record (`com.atproto.repo.deleteRecord`); deleting a missing record is a no-op.

        Blobs cannot be deleted one by one: once no record refers to them, the PDS removes them.
        """
        from atproto import models

        parts = record.post_id.removeprefix("at://").split("/")
        if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
            raise Rejected("the ledger's Bluesky post id is not an app.bsky.feed.post record")
        client = self.client()
        repo = self._did or parts[0]
        if parts[0] != repo:
            raise Rejected("this post belongs to another Bluesky account than the one signed in")
        self._call("withdrawing the post", client.com.atproto.repo.delete_record,
                   models.ComAtprotoRepoDeleteRecord.Data(repo=repo, collection=parts[1], rkey=parts[2]), cancel=cancel)
        return WithdrawResult("deleted", "post record deleted; its images are garbage-collected by the PDS")


def facets_for(text: str) -> list[Any]:
    """Rich-text facets (UTF-8 byte ranges) that make hashtags and links live in Bluesky."""
    from atproto import models

    facets = []

    def byte_range(start: int, end: int) -> Any:
        return models.AppBskyRichtextFacet.ByteSlice(
            byte_start=len(text[:start].encode("utf-8")), byte_end=len(text[:end].encode("utf-8"))
        )

    for match in _LINK.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        facets.append(models.AppBskyRichtextFacet.Main(
            index=byte_range(match.start(), match.start() + len(url)),
            features=[models.AppBskyRichtextFacet.Link(uri=url)],
        ))
    for match in _TAG.finditer(text):
        tag = match.group(1)
        if tag.isdigit():
            continue
        facets.append(models.AppBskyRichtextFacet.Main(
            index=byte_range(match.start(1) - 1, match.end(1)),
            features=[models.AppBskyRichtextFacet.Tag(tag=tag)],
        ))
    return facets


def _map_error(exc: Exception, what: str) -> UploadError:
    from atproto_client import exceptions as aexc

    if isinstance(exc, UploadError):
        return exc
    if isinstance(exc, aexc.RateLimitExceededError):
        wait = exc.retry_after
        if wait is None and exc.reset_at is not None:
            wait = max(0.0, exc.reset_at.timestamp() - time.time())
        return RateLimited(f"Bluesky is limiting requests ({what})", retry_after=wait)
    if isinstance(exc, aexc.InvokeTimeoutError):
        return NetworkError(f"the Bluesky server timed out ({what})")
    if isinstance(exc, aexc.RequestErrorBase):
        response = exc.response
        if response is None:
            return NetworkError(f"the Bluesky server could not be reached ({what})")
        status = int(response.status_code)
        content = response.content
        code = str(getattr(content, "error", "") or "")
        message = str(getattr(content, "message", "") or "")[:300]
        if status == 401 or code in _AUTH_ERRORS:
            return AuthenticationFailed(f"Bluesky refused the handle or app password ({code or status})")
        if status == 413 or code in ("BlobTooLarge", "PayloadTooLarge"):
            return TooLarge(f"Bluesky refused the upload as too large ({what})")
        if status == 429:
            return RateLimited(f"Bluesky is limiting requests ({what})")
        if status >= 500 or status in (502, 503, 504):
            return NetworkError(f"the Bluesky server failed ({status}, {what})")
        return Rejected(f"Bluesky refused the request ({code or status}, {what})", [message])
    if isinstance(exc, (aexc.ModelError, ValueError)):
        return Rejected(f"Bluesky: the answer or the request was not valid ({what})")
    raise exc
