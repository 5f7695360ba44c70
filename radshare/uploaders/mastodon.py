"""Mastodon target, through Mastodon.py.

Accounts: the server address plus an access token (the one secret, kept in the keyring). The
token comes from the OAuth authorization-code flow (`register_app` + `authorization_url`, the
browser sends the code to a loopback redirect on 127.0.0.1 or shows it for pasting, then
`exchange_code`), or is pasted from the server's Preferences > Development page. Mastodon
removed the password grant (4.4), so there is none here.

Publishing: each prepared image goes to `POST /api/v2/media` with its alt text as `description`
(at most 1,500 characters); a 202 answer means the server is still processing, so
`GET /api/v1/media/:id` is polled until the attachment has a URL. Then one `status_post` with up
to 4 media, the visibility (public / unlisted / private = followers only / direct = mentioned
people only), `sensitive` + content warning (`spoiler_text`), and an `Idempotency-Key` derived
from the post, so a retry after a lost answer cannot post twice. Mastodon has no drafts: the
closest is a scheduled post (`scheduled_at`, at least 5 minutes ahead), which the user can still
delete on the server before it appears.

Limits: the class declares the common defaults; `fetch_limits()` reads the server's own from
`/api/v2/instance` (`configuration.statuses`, `configuration.media_attachments`).

Errors: Mastodon.py runs with `ratelimit_method="throw"`; 401/403 -> AuthenticationFailed,
413 -> TooLarge, 422 -> Rejected (the server's message), 429 -> RateLimited (Retry-After, else
X-RateLimit-Reset), 5xx and network failures are retried with backoff, then NetworkError.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import requests

from radshare import __version__
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
    credential_safe_session,
    is_loopback_url,
    parse_retry_after,
    plain_http_problem,
    report_progress,
)
from radshare.uploaders.oauth import OOB_REDIRECT

VISIBILITIES = ("public", "unlisted", "private", "direct")
VISIBILITY_LABELS = {
    "public": "Public (everyone, public timelines)",
    "unlisted": "Unlisted (everyone, not on public timelines)",
    "private": "Followers only",
    "direct": "Mentioned people only",
}
SCOPES = ["read:accounts", "write:media", "write:statuses"]
APP_NAME = "RadShare"
APP_WEBSITE = "https://pypi.org/project/radshare/"
MIN_SCHEDULE = timedelta(minutes=5)
ALT_MAX = 1500
URL_WEIGHT = 23  # Mastodon counts every link as 23 characters
_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)


def count_characters(text: str) -> int:
    """The length Mastodon charges for `text`: links count as 23, everything else per character."""
    return len(_URL.sub("x" * URL_WEIGHT, text))


class MastodonUploader(Uploader):
    id = "mastodon"
    display_name = "Mastodon"
    account_fields = [
        AccountField("url", "Server", kind="url", help="your server's address, e.g. https://mastodon.social"),
        AccountField(
            "access_token", "Access token", secret=True, kind="password",
            help="sign in with the browser, or paste a token made on the server under Preferences > Development "
                 "with the scopes read:accounts, write:media and write:statuses",
        ),
        AccountField("visibility", "Default visibility", kind="choice", required=False, default="public",
                     choices=VISIBILITIES),
    ]
    #: Defaults of a current Mastodon; `fetch_limits()` replaces them with the server's own.
    limits = Limits(max_images=4, max_bytes=10_485_760, max_pixels=16_777_216, formats=("jpeg", "png"),
                    caption_max=500, alt_max=ALT_MAX)
    features = Features(
        drafts=False,
        visibility=VISIBILITIES,
        content_warning=True,
        draft_note="Mastodon has no drafts: schedule the post at least 5 minutes ahead instead "
                   "(it can be deleted on the server before it appears).",
        visibility_labels=VISIBILITY_LABELS,
        visibility_setting="visibility",
        sensitive_media=True,
        schedule_minimum=MIN_SCHEDULE,  # no drafts, but posts can be scheduled this far ahead
        text_length=count_characters,
        live_limits=True,
        browser_sign_in=True,  # oauth_begin / oauth_finish below
        withdraw=True,
        withdraw_note="The status is deleted with its media (servers older than Mastodon 4.4 keep the media "
                      "for about a day, until their own clean-up). Servers that already received the status are "
                      "told to delete it too; Mastodon cannot force them.",
    )
    @classmethod
    def oauth_begin(cls, settings: dict[str, str], redirect_uri: str, state: str) -> tuple[str, dict[str, str]]:
        """Register RadShare on the server; returns the page to open and what `oauth_finish` needs."""
        client_id, client_secret = register_app(settings.get("url", ""), redirect_uri)
        url = authorization_url(settings.get("url", ""), client_id, client_secret, redirect_uri, state)
        return url, {"client_id": client_id, "client_secret": client_secret, "redirect_uri": redirect_uri}

    @classmethod
    def oauth_finish(cls, settings: dict[str, str], context: dict[str, str], code: str) -> str:
        """The access token (the account's secret) for the code the browser delivered."""
        return exchange_code(settings.get("url", ""), context["client_id"], context["client_secret"], code,
                             context["redirect_uri"])

    #: Seconds between polls of a media attachment still being processed, and the longest wait.
    poll_interval = 1.0
    poll_timeout = 120.0
    #: Retries of transient failures (429 with a short Retry-After, 5xx, network).
    attempts = 4
    backoff = 1.0
    max_wait = 30.0

    def __init__(self, settings: Any, secret: str | None = None):
        super().__init__(settings, secret)
        self.base_url = normalize_url(self.settings.get("url", ""))
        self.sleep: Callable[[float], None] = time.sleep
        self._last_headers: dict[str, str] = {}
        self._api: Any = None
        self._http: Any = None  # the requests session under Mastodon.py

    # -------------------------------------------------------------------------------- client
    def _session(self) -> requests.Session:
        session = self._http = credential_safe_session("Mastodon")

        def remember(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            self._last_headers = {k.lower(): v for k, v in response.headers.items() if k.lower().startswith(("retry-after", "x-ratelimit"))}

        session.hooks["response"].append(remember)
        return session

    def api(self) -> Any:
        if self._api is None:
            from mastodon import Mastodon

            if not self.base_url:
                raise AuthenticationFailed("the account has no server address")
            if not self._secret:
                raise AuthenticationFailed("the account has no access token: sign in again")
            self._api = Mastodon(
                access_token=self._secret, api_base_url=self.base_url, ratelimit_method="throw",
                request_timeout=60, session=self._session(), user_agent=f"RadShare/{__version__}",
                version_check_mode="none",
            )
        return self._api

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, cancel: Cancel | None = None, **kwargs: Any) -> Any:
        """Run one Mastodon.py call, retrying transient failures and mapping errors."""
        for attempt in range(self.attempts):
            check_cancel(cancel)
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # Mastodon.py's family, mapped below
                refused = getattr(self._http, "refused", None)
                if refused is not None:  # Mastodon.py wraps it, or loops on it (its version check)
                    raise refused from None
                error = self._map(exc, what)
                last = attempt + 1 >= self.attempts
                if isinstance(error, RateLimited):
                    wait = error.retry_after
                    if last or wait is None or wait > self.max_wait:
                        raise error from None
                    self._reset_pacing()
                    self.sleep(wait)
                    continue
                if isinstance(error, NetworkError) and not last:
                    self.sleep(self.backoff * (2**attempt))
                    continue
                raise error from None
        raise NetworkError(f"Mastodon: {what} failed")  # unreachable: the loop returns or raises

    def _reset_pacing(self) -> None:
        # Mastodon.py in throw mode refuses calls locally until the reset time it last saw; after
        # waiting the server's Retry-After we let the server decide again.
        if self._api is not None:
            self._api.ratelimit_remaining = 1
            self._api.ratelimit_reset = time.time()

    def _retry_after(self) -> float | None:
        wait = parse_retry_after(self._last_headers.get("retry-after"))
        if wait is not None:
            return wait
        reset = self._last_headers.get("x-ratelimit-reset")
        if reset:
            try:
                when = datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp()
            except ValueError:
                try:
                    when = float(reset)
                except ValueError:
                    return None
            return max(0.0, when - time.time())
        return None

    def _map(self, exc: Exception, what: str) -> UploadError:
        from mastodon import errors as merr

        if isinstance(exc, UploadError):
            return exc
        if isinstance(exc, merr.MastodonRatelimitError):
            return RateLimited(f"Mastodon is limiting requests ({what})", retry_after=self._retry_after())
        if isinstance(exc, merr.MastodonNetworkError):
            kind = "timed out" if isinstance(exc, merr.MastodonReadTimeout) else "could not be reached"
            return NetworkError(f"the Mastodon server {kind} ({what})")
        if isinstance(exc, merr.MastodonAPIError):
            status, message = _status_and_message(exc)
            if status in (401, 403):
                return AuthenticationFailed(f"Mastodon refused the access token ({status}{': ' + message if message else ''})")
            if status == 413:
                return TooLarge(f"Mastodon refused the upload as too large ({what})")
            if status == 429:
                return RateLimited(f"Mastodon is limiting requests ({what})", retry_after=self._retry_after())
            if status is not None and status >= 500:
                return NetworkError(f"the Mastodon server failed ({status}, {what})")
            if status == 404:
                return Rejected(f"Mastodon could not find what RadShare asked for ({what})", [message])
            return Rejected(f"Mastodon refused the request ({status}, {what})", [message])
        if isinstance(exc, merr.MastodonIllegalArgumentError):
            return Rejected(f"Mastodon: invalid request ({what})")
        if isinstance(exc, merr.MastodonError):
            return NetworkError(f"Mastodon: {what} failed ({type(exc).__name__})")
        if isinstance(exc, requests.RequestException):
            return NetworkError(f"the Mastodon server could not be reached ({what})")
        raise exc

    # ------------------------------------------------------------------------------ protocol
    def validate(self, post: Post) -> list[str]:
        problems = super().validate(post)
        limits = self.limits
        if limits.caption_max is not None:
            length = count_characters(post.caption) + count_characters(post.content_warning)
            problems = [p for p in problems if "caption is longer" not in p]
            if length > limits.caption_max:
                problems.append(f"the text is {length} characters; this server allows {limits.caption_max}")
        url_problem = plain_http_problem(self.base_url, "the server address")
        if url_problem:
            problems.append(url_problem)
        scheduled = post.options.get("scheduled_at")
        if scheduled:
            try:
                when = parse_schedule(scheduled)
            except ValueError:
                problems.append("the scheduled time is not a valid date and time")
            else:
                if when - datetime.now(timezone.utc) < MIN_SCHEDULE:
                    problems.append("a scheduled post must be at least 5 minutes in the future")
        return problems

    def verify(self) -> Identity:
        me = self._call("checking the account", self.api().account_verify_credentials)
        return Identity(username=f"@{me.get('acct') or me.get('username')}", display_name=str(me.get("display_name") or ""),
                        url=str(me.get("url") or ""))

    def fetch_limits(self) -> Limits:
        """The server's limits from `/api/v2/instance`; also used by `validate` from then on."""
        info = self._call("reading the server's limits", self.api().instance_v2)
        self.limits = limits_from_instance(info, self.limits)
        return self.limits

    def publish(self, post: Post, progress: Progress | None = None, cancel: Cancel | None = None) -> PublishResult:
        self._require_valid(post)
        api = self.api()
        total = len(post.images) + 1
        media_ids: list[Any] = []
        for number, image in enumerate(post.images, 1):
            report_progress(progress, number - 1, total, f"uploading image {number}")
            media = self._call(
                f"uploading image {number}", api.media_post, io.BytesIO(image.data), mime_type=image.mime_type,
                description=image.alt_text, file_name=image.filename or f"image-{number}.{image.format}", cancel=cancel,
            )
            if media.get("url") is None:
                report_progress(progress, number - 1, total, f"waiting for the server to process image {number}")
                media = self._wait_processed(media, number, cancel)
            media_ids.append(media["id"])
        check_cancel(cancel)
        report_progress(progress, len(post.images), total, "posting")
        visibility = post.visibility or self.settings.get("visibility") or None
        scheduled = post.options.get("scheduled_at")
        sensitive = bool(post.content_warning) or post.options.get("sensitive", "").lower() in ("1", "true", "yes")
        status = self._call(
            "posting", api.status_post, post.caption, media_ids=media_ids, sensitive=sensitive,
            visibility=visibility, spoiler_text=post.content_warning or None,
            idempotency_key=idempotency_key(post, visibility), cancel=cancel,
            scheduled_at=parse_schedule(scheduled) if scheduled else None,
        )
        report_progress(progress, total, total, "posted")
        media = tuple(str(m) for m in media_ids)
        if scheduled or "scheduled_at" in status and "content" not in status:
            return PublishResult(url=f"{self.base_url}/api/v1/scheduled_statuses/{status['id']}", id=str(status["id"]),
                                 draft=True, media_ids=media, data={"kind": "scheduled"})
        return PublishResult(url=str(status.get("url") or status.get("uri") or ""), id=str(status["id"]), draft=False,
                             media_ids=media)

    def withdraw(self, record: PostRecord, *, force: bool = False, cancel: Cancel | None = None) -> WithdrawResult:
        """Delete the status (`delete_media=true`: its media go at once), or the scheduled status.

        A status or media already gone (404) counts as done.
        """
        api = self.api()
        if record.data.get("kind") == "scheduled":
            self._call("withdrawing the scheduled post", _unless_gone(api.scheduled_status_delete), record.post_id,
                       cancel=cancel)
            return WithdrawResult("deleted", "scheduled post deleted before it appeared")
        self._call("withdrawing the post", _unless_gone(api.status_delete), record.post_id, delete_media=True,
                   cancel=cancel)
        kept = [m for m in record.media_ids if not self._delete_media(m, cancel)]
        note = "status and its media deleted; other servers were told to delete their copies"
        if kept:
            note += f"; the server keeps {len(kept)} image(s) until its own media clean-up (about a day)"
        return WithdrawResult("deleted", note)

    def _delete_media(self, media_id: str, cancel: Cancel | None) -> bool:
        """`DELETE /api/v1/media/:id` (Mastodon 4.4+), for servers that kept the media of a deleted
        status: True when the media is gone (deleted now, or already: 404), False when the server
        keeps it (422: still attached while the status deletion completes)."""
        from radshare.uploaders.base import request_with_retry

        api = self.api()
        response = request_with_retry(
            api.session, "DELETE", f"{self.base_url}/api/v1/media/{media_id}", cancel=cancel, sleep=self.sleep,
            max_wait=self.max_wait, target="Mastodon", headers={"Authorization": f"Bearer {self._secret}"},
        )
        if response.status_code in (200, 404, 410):
            return True
        if response.status_code in (401, 403):
            raise AuthenticationFailed(f"Mastodon refused the access token ({response.status_code})")
        if response.status_code == 422:
            return False
        if response.status_code >= 500:
            raise NetworkError(f"the Mastodon server failed ({response.status_code}, deleting an image)")
        raise Rejected(f"Mastodon refused to delete an image ({response.status_code})")

    def _wait_processed(self, media: Any, number: int, cancel: Cancel | None) -> Any:
        deadline = time.monotonic() + self.poll_timeout
        while media.get("url") is None:
            if time.monotonic() > deadline:
                raise NetworkError(f"Mastodon did not finish processing image {number} in time")
            check_cancel(cancel)
            self.sleep(self.poll_interval)
            media = self._call(f"checking image {number}", self.api().media, media["id"], cancel=cancel)
        return media


# --------------------------------------------------------------------------------------------
# OAuth: app registration and the authorization-code flow
# --------------------------------------------------------------------------------------------


def register_app(base_url: str, redirect_uri: str = OOB_REDIRECT) -> tuple[str, str]:
    """Register RadShare on the server for `redirect_uri`; returns (client_id, client_secret)."""
    from mastodon import Mastodon

    base_url = normalize_url(base_url)
    session = credential_safe_session("Mastodon")
    try:
        return Mastodon.create_app(APP_NAME, scopes=SCOPES, redirect_uris=redirect_uri, website=APP_WEBSITE,
                                   api_base_url=base_url, request_timeout=30, user_agent=f"RadShare/{__version__}",
                                   session=session)
    except Exception as exc:
        raise (session.refused or _flow_error(exc, "registering RadShare with the server")) from None


def authorization_url(base_url: str, client_id: str, client_secret: str, redirect_uri: str, state: str) -> str:
    """The page to open in the browser; the server sends the code to `redirect_uri`."""
    from mastodon import Mastodon

    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=normalize_url(base_url),
                   version_check_mode="none")
    return api.auth_request_url(redirect_uris=redirect_uri, scopes=SCOPES, state=state, force_login=False,
                                skip_server_info=True, allow_http=_is_loopback_http(base_url))


def exchange_code(base_url: str, client_id: str, client_secret: str, code: str, redirect_uri: str) -> str:
    """Trade the authorization code for an access token (the account's secret)."""
    from mastodon import Mastodon

    session = credential_safe_session("Mastodon")
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=normalize_url(base_url),
                   version_check_mode="none", request_timeout=30, session=session)
    try:
        return api.log_in(code=code.strip(), redirect_uri=redirect_uri, scopes=SCOPES,
                          allow_http=_is_loopback_http(base_url))
    except Exception as exc:
        raise (session.refused or _flow_error(exc, "exchanging the sign-in code")) from None


def _flow_error(exc: Exception, what: str) -> UploadError:
    from mastodon import errors as merr


    if isinstance(exc, merr.MastodonNetworkError) or isinstance(exc, requests.RequestException):
        return NetworkError(f"the Mastodon server could not be reached ({what})")
    if isinstance(exc, merr.MastodonIllegalArgumentError):
        return AuthenticationFailed(f"the server refused the sign-in ({what})")
    if isinstance(exc, merr.MastodonAPIError):
        status, message = _status_and_message(exc)
        if status is not None and status >= 500:
            return NetworkError(f"the Mastodon server failed ({status}, {what})")
        return AuthenticationFailed(f"the server refused the sign-in ({what}{': ' + message if message else ''})")
    return NetworkError(f"Mastodon: {what} failed ({type(exc).__name__})")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _unless_gone(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn`, answering None instead of raising when the server says the thing is not there (404)."""
    from mastodon import errors as merr

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except merr.MastodonNotFoundError:
            return None

    return call


def normalize_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    if url and "://" not in url:
        url = f"https://{url}"
    return url


def _is_loopback_http(url: str) -> bool:
    url = normalize_url(url)
    return url.startswith("http://") and is_loopback_url(url)


def parse_schedule(value: str) -> datetime:
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.astimezone()  # local time as the user typed it
    return when.astimezone(timezone.utc)


def idempotency_key(post: Post, visibility: str | None) -> str:
    """Stable for the same post: a resend after a lost answer returns the first status."""
    digest = hashlib.sha256()
    for part in (post.caption, post.content_warning, visibility or "", post.options.get("scheduled_at", "")):
        digest.update(part.encode("utf-8") + b"\0")
    for image in post.images:
        digest.update(hashlib.sha256(image.data).digest())
        digest.update(image.alt_text.encode("utf-8") + b"\0")
    return f"radshare-{digest.hexdigest()[:40]}"


def _status_and_message(exc: Exception) -> tuple[int | None, str]:
    # Mastodon.py raises MastodonAPIError('Mastodon API returned error', status, reason, error)
    args = getattr(exc, "args", ())
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    message = str(args[3]) if len(args) > 3 and args[3] else ""
    return status, message[:300]


def limits_from_instance(info: Any, fallback: Limits) -> Limits:
    """Limits from an `/api/v2/instance` answer (missing values keep `fallback`'s)."""
    config = (info or {}).get("configuration") or {}
    statuses = config.get("statuses") or {}
    media = config.get("media_attachments") or {}
    formats = fallback.formats
    mimes = media.get("supported_mime_types")
    if mimes:
        formats = tuple(f for f in ("jpeg", "png") if f"image/{f}" in mimes) or fallback.formats
    return replace(
        fallback,
        max_images=int(statuses.get("max_media_attachments") or fallback.max_images or 4),
        max_bytes=int(media.get("image_size_limit") or fallback.max_bytes or 0) or None,
        max_pixels=int(media.get("image_matrix_limit") or fallback.max_pixels or 0) or None,
        caption_max=int(statuses.get("max_characters") or fallback.caption_max or 500),
        alt_max=int(media.get("description_limit") or fallback.alt_max or ALT_MAX),
        formats=formats,
    )
