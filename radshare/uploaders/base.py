"""The uploader plugin protocol: what a target declares, what it is given, what it returns.

A plugin is a class with the class attributes and methods of `Uploader`, constructed with
`(settings, secret)`: `settings` are the account's non-secret fields (from the config file),
`secret` is the one secret field (from the keyring) or None. Plugins receive only a `Post` of
`PreparedImage`s that core re-encoded from de-identified pixels and fitted to the plugin's
`Limits` (see `radshare.core.prepare`); they never see an original file or its identifiers.

Every failure a plugin reports is one of the `UploadError` family below, so the GUI and the CLI
explain all targets the same way. Error texts name the target and the reason only: never a
secret, an account password, a patient value, or a full request/response dump.

`request_with_retry` is the shared HTTP helper: it retries transient failures (429 and 5xx,
connection errors) with exponential backoff, honouring `Retry-After`.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, ClassVar, Iterable, Literal, Mapping, Protocol, runtime_checkable

from radshare.core.errors import RadShareError

#: Version of this protocol. A plugin declares the version it was written for; the registry
#: refuses plugins whose major version differs (see `registry.API_VERSION_SUPPORTED`).
API_VERSION = 1

FieldKind = Literal["url", "text", "password", "path", "choice"]
ImageFormat = Literal["jpeg", "png"]

#: progress(done, total, stage): `stage` is a short product-only text such as "uploading image 2".
Progress = Callable[[int, int, str], None]
#: cancel() -> True when the user asked to stop; checked between network steps.
Cancel = Callable[[], bool]


# --------------------------------------------------------------------------------------------
# Declarations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountField:
    """One field an account of this target needs.

    Exactly one field per target may be `secret`: its value goes to the keyring, never the config
    file. `kind` tells the GUI which editor to show (url, text, password, path, choice).
    """

    name: str
    label: str
    secret: bool = False
    kind: FieldKind = "text"
    required: bool = True
    default: str = ""
    help: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limits:
    """What one post to this target may hold. None means "no limit the target enforces".

    `max_bytes`, `max_pixels` (width x height) and `max_dimension` (longest side) apply to each
    image; `formats` are the encodings the target accepts, in order of preference.
    """

    max_images: int | None = None
    max_bytes: int | None = None
    max_pixels: int | None = None
    max_dimension: int | None = None
    formats: tuple[ImageFormat, ...] = ("jpeg", "png")
    caption_max: int | None = None
    alt_max: int | None = None
    title_max: int | None = None


def _characters(text: str) -> int:
    return len(text)


@dataclass(frozen=True)
class Features:
    """Every composer feature a target offers, as declared data: the composer reads nothing else.

    - `drafts`: the target keeps drafts (`Post.draft`); `draft_note` is the product text the
      composer shows where it has none (e.g. what to do instead).
    - `visibility`: the target's own visibility names, the first the default; `visibility_labels`
      maps each to the words the composer shows (the name, capitalized, where none is given);
      `visibility_setting` names the account field whose value is the account's default.
    - `content_warning`: the target shows a warning text before the post (`Post.content_warning`).
    - `sensitive_media`: the images can be marked sensitive, hidden until clicked
      (`Post.options["sensitive"] == "true"`).
    - `schedule_minimum`: posts can be scheduled at least this far ahead
      (`Post.options["scheduled_at"]`, ISO 8601); None: no scheduling.
    - `title`: the target shows a title (`Post.title`).
    - `text_length`: how the target counts the caption against `Limits.caption_max` (Mastodon
      counts a link as 23 characters, Bluesky counts graphemes).
    - `live_limits`: the uploader's `fetch_limits()` asks the server for its current `Limits`.
    - `withdraw`: the uploader implements `withdraw` (delete the post and its media);
      `withdraw_note` says, in product words, what withdrawal does on this service.
    - `browser_sign_in`: the account's secret can be obtained by signing in in the browser
      (OAuth 2.0 authorization code, RFC 8252): the uploader implements the class methods
      `oauth_begin` and `oauth_finish`, and the Accounts dialog offers "Sign in with the browser…"
      and "I have a code…" beside the secret field.
    """

    drafts: bool = False
    visibility: tuple[str, ...] = ()
    content_warning: bool = False
    title: bool = False
    draft_note: str = ""
    withdraw: bool = False
    withdraw_note: str = ""
    visibility_labels: Mapping[str, str] = field(default_factory=dict)
    visibility_setting: str = ""
    sensitive_media: bool = False
    schedule_minimum: timedelta | None = None
    text_length: Callable[[str], int] = _characters
    live_limits: bool = False
    browser_sign_in: bool = False

    def visibility_label(self, name: str) -> str:
        return self.visibility_labels.get(name, name.capitalize())


@dataclass(frozen=True)
class PreparedImage:
    """One image ready to send: bytes encoded by core from de-identified pixels, plus its texts.

    `data` carries no metadata (see `radshare.core.export.images`). `filename` is a neutral
    name (image-1.jpg), never derived from an input path.
    """

    data: bytes
    format: ImageFormat
    width: int
    height: int
    alt_text: str = ""
    caption: str = ""
    filename: str = ""

    @property
    def mime_type(self) -> str:
        return {"jpeg": "image/jpeg", "png": "image/png"}[self.format]

    @property
    def size(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:  # keep megabytes of pixels out of logs and test output
        return (
            f"PreparedImage({self.format}, {self.width}x{self.height}, {self.size} bytes, "
            f"filename={self.filename!r})"
        )


@dataclass
class Post:
    """What the sharer composed: images in order, caption (the body text), and options.

    `draft` asks for a draft where the target has drafts. `visibility` is one of the target's
    `Features.visibility` names or None for the account's default. `options` holds
    target-specific choices (e.g. a Discourse category), all non-secret.
    """

    images: list[PreparedImage]
    caption: str = ""
    title: str = ""
    draft: bool = False
    visibility: str | None = None
    content_warning: str = ""
    options: dict[str, str] = field(default_factory=dict)

    def texts(self) -> list[str]:
        """Every piece of text that will be sent: checked by the PHI gate."""
        out = [self.title, self.caption, self.content_warning]
        for image in self.images:
            out += [image.alt_text, image.caption]
        return [t for t in out if t]


@dataclass(frozen=True)
class Identity:
    """Who the credentials belong to, as the target says (for "Signed in as ..." texts)."""

    username: str
    display_name: str = ""
    url: str = ""


@dataclass(frozen=True)
class PublishResult:
    """What `publish` created: its public or editor URL, the target's id, and whether it is a draft.

    `media_ids` are the target's ids of the uploaded images, in order, and `data` anything else
    (non-secret) that `withdraw` will need later; both go to the sharing ledger.
    """

    url: str
    id: str
    draft: bool
    media_ids: tuple[str, ...] = ()
    data: Mapping[str, str] = field(default_factory=dict)


class PostRecord(Protocol):
    """What `withdraw` is given: the sharing ledger's record of one post (`core.sharing.SharedPost`)."""

    post_id: str
    url: str
    draft: bool
    data: Mapping[str, str]

    @property
    def media_ids(self) -> tuple[str, ...]: ...


WithdrawState = Literal["deleted", "trashed", "hidden"]


@dataclass(frozen=True)
class WithdrawResult:
    """What `withdraw` achieved. "deleted": gone from the service; "trashed": gone from public view,
    restorable by the site's administrators (WordPress trash); "hidden": gone from public view but
    kept by the service (e.g. for its staff). `note` says so in product words."""

    state: WithdrawState
    note: str = ""


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class UploadError(RadShareError):
    """Base of every failure a plugin reports. The text is safe to show and to log."""

    kind: ClassVar[str] = "error"

    def explain(self) -> str:
        """One sentence for the GUI and CLI, the same for every target."""
        return str(self)


class AuthenticationFailed(UploadError):
    """The target refused the credentials (wrong/expired password, key or token)."""

    kind = "auth"

    def explain(self) -> str:
        return f"Sign-in failed: {self}. Check the account's user name and password or key."


class RateLimited(UploadError):
    """The target asked us to slow down; `retry_after` is in seconds when it said how long."""

    kind = "rate_limited"

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after

    def explain(self) -> str:
        when = f" Try again in {int(round(self.retry_after))} s." if self.retry_after else " Try again later."
        return f"Rate limited: {self}.{when}"


class TooLarge(UploadError):
    """An image or the request was larger than the target accepts."""

    kind = "too_large"

    def explain(self) -> str:
        return f"Too large: {self}."


class Rejected(UploadError):
    """The target refused the content; `messages` are the service's own (PHI-free) explanations."""

    kind = "rejected"

    def __init__(self, message: str, messages: Iterable[str] = ()):
        super().__init__(message)
        self.messages = [m for m in messages if m]

    def explain(self) -> str:
        detail = "; ".join(self.messages)
        return f"Rejected: {self}" + (f" ({detail})." if detail else ".")


class NetworkError(UploadError):
    """The target could not be reached or failed transiently (timeouts, 5xx after retries)."""

    kind = "network"

    def explain(self) -> str:
        return f"Network problem: {self}. Check the connection or proxy and try again."


class Cancelled(UploadError):
    """The user cancelled; what was already uploaded may remain on the target."""

    kind = "cancelled"


class ValidationFailed(UploadError):
    """`validate` found problems before anything was sent; `messages` lists them."""

    kind = "invalid"

    def __init__(self, messages: Iterable[str]):
        self.messages = list(messages)
        super().__init__("; ".join(self.messages) or "the post is not valid for this target")


# --------------------------------------------------------------------------------------------
# The protocol
# --------------------------------------------------------------------------------------------


@runtime_checkable
class UploaderProtocol(Protocol):
    """What the registry, the CLI and the GUI rely on. `Uploader` below implements the boilerplate."""

    id: ClassVar[str]
    display_name: ClassVar[str]
    api_version: ClassVar[int]
    account_fields: ClassVar[list[AccountField]]
    limits: ClassVar[Limits]
    features: ClassVar[Features]

    def validate(self, post: Post) -> list[str]: ...

    def verify(self) -> Identity: ...

    def publish(self, post: Post, progress: Progress | None = None, cancel: Cancel | None = None) -> PublishResult: ...


class Uploader:
    """Convenient base class for plugins (subclassing it is optional; the protocol is what counts).

    Subclasses set the class attributes and implement `verify` and `publish`; `validate` here
    checks the generic `Limits` and `Features`, and subclasses extend it with `super().validate`.
    """

    id: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    api_version: ClassVar[int] = API_VERSION
    account_fields: ClassVar[list[AccountField]] = []
    limits: ClassVar[Limits] = Limits()
    features: ClassVar[Features] = Features()

    def __init__(self, settings: Mapping[str, str], secret: str | None = None):
        defaults = {f.name: f.default for f in self.account_fields if not f.secret}
        self.settings: dict[str, str] = {**defaults, **{k: str(v) for k, v in settings.items()}}
        self._secret = secret

    def __repr__(self) -> str:  # never show the secret
        return f"<{type(self).__name__} {self.id}>"

    def close(self) -> None:
        """Release network sessions; the uploader may not be used afterwards. Optional for plugins."""
        session = getattr(self, "session", None)
        if session is not None and hasattr(session, "close"):
            session.close()

    def __enter__(self) -> "Uploader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def secret_field(cls) -> AccountField | None:
        return secret_field_of(cls)

    def fetch_limits(self) -> Limits:
        """The server's current limits; plugins that set `features.live_limits` ask the server."""
        return self.limits

    def validate(self, post: Post) -> list[str]:
        """Offline checks against `limits` and `features`; returns product-only problem texts."""
        return check_limits(post, self.limits, self.features)

    def verify(self) -> Identity:
        raise NotImplementedError

    def publish(self, post: Post, progress: Progress | None = None, cancel: Cancel | None = None) -> PublishResult:
        raise NotImplementedError

    def withdraw(self, record: PostRecord, *, force: bool = False, cancel: Cancel | None = None) -> WithdrawResult:
        """Take a post and its media back (plugins that set `features.withdraw` implement it).

        Must be safe to repeat: what is already gone (404/410) counts as done, so an interrupted
        withdrawal resumes. `force` deletes for good where the service would keep a restorable
        copy. Failures are the `UploadError` family; the ledger keeps the post pending.
        """
        raise Rejected(f"{self.display_name or self.id} cannot withdraw posts")

    @classmethod
    def oauth_begin(cls, settings: Mapping[str, str], redirect_uri: str, state: str) -> tuple[str, dict[str, str]]:
        """Browser sign-in, first step (plugins that set `features.browser_sign_in` implement it).

        Register the app with the service if it needs that, and return the authorization page to
        open in the browser (carrying `redirect_uri` and `state`) and whatever `oauth_finish`
        needs (non-secret to the user: client id and secret of the app registration, the redirect).
        `redirect_uri` is a loopback address (`http://127.0.0.1:PORT/callback`) or, when the user
        pastes the code instead, `radshare.uploaders.oauth.OOB_REDIRECT`.
        """
        raise Rejected(f"{cls.display_name or cls.id} has no browser sign-in")

    @classmethod
    def oauth_finish(cls, settings: Mapping[str, str], context: dict[str, str], code: str) -> str:
        """Browser sign-in, second step: exchange the authorization `code` for the account's secret."""
        raise Rejected(f"{cls.display_name or cls.id} has no browser sign-in")

    # helpers for subclasses
    def _require_valid(self, post: Post) -> None:
        problems = self.validate(post)
        if problems:
            raise ValidationFailed(problems)


def secret_field_of(cls: Any) -> AccountField | None:
    """The one secret account field of an uploader class (its value lives in the keyring)."""
    return next((f for f in cls.account_fields if f.secret), None)


def close_uploader(uploader: Any) -> None:
    """Release an uploader's network sessions after use (`close()` is optional for plugins)."""
    close = getattr(uploader, "close", None)
    if callable(close):
        close()


def check_limits(post: Post, limits: Limits, features: Features) -> list[str]:
    """The generic offline checks every target shares (counts, sizes, formats, text lengths)."""
    problems: list[str] = []
    if not post.images:
        problems.append("a post needs at least one image")
    if limits.max_images is not None and len(post.images) > limits.max_images:
        problems.append(f"at most {limits.max_images} images per post (this post has {len(post.images)})")
    for number, image in enumerate(post.images, 1):
        if image.format not in limits.formats:
            problems.append(f"image {number}: format {image.format} is not accepted")
        if limits.max_bytes is not None and image.size > limits.max_bytes:
            problems.append(f"image {number}: {image.size} bytes is over the {limits.max_bytes}-byte limit")
        if limits.max_pixels is not None and image.width * image.height > limits.max_pixels:
            problems.append(f"image {number}: {image.width}x{image.height} is over {limits.max_pixels} pixels")
        if limits.max_dimension is not None and max(image.width, image.height) > limits.max_dimension:
            problems.append(f"image {number}: longest side is over {limits.max_dimension} pixels")
        if not image.alt_text.strip():
            problems.append(f"image {number}: alt text is missing")
        if limits.alt_max is not None and len(image.alt_text) > limits.alt_max:
            problems.append(f"image {number}: alt text is longer than {limits.alt_max} characters")
    if limits.caption_max is not None and len(post.caption) > limits.caption_max:
        problems.append(f"the caption is longer than {limits.caption_max} characters")
    if limits.title_max is not None and len(post.title) > limits.title_max:
        problems.append(f"the title is longer than {limits.title_max} characters")
    if post.draft and not features.drafts:
        note = f" {features.draft_note}" if features.draft_note else ""
        problems.append(f"this target has no drafts.{note}".rstrip())
    if post.visibility is not None and features.visibility and post.visibility not in features.visibility:
        problems.append(f"visibility must be one of: {', '.join(features.visibility)}")
    if post.content_warning and not features.content_warning:
        problems.append("this target has no content warnings")
    return problems


def is_loopback_url(url: str) -> bool:
    """True when `url` names this machine: `localhost`, 127.0.0.0/8 or ::1, parsed, not prefixed
    (`http://127.evil.example` is another machine)."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_problem(url: str, what: str = "the address") -> str | None:
    """A problem text when `url` would send credentials unencrypted to another machine.

    Plain http is accepted only for this machine (localhost, 127.0.0.0/8, ::1), as for a local
    test site; everything else must be https.
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return f"{what} is not a valid address"
    if parts.scheme == "https" and host:
        return None
    if parts.scheme != "http" or not host:
        return f"{what} must start with https://"
    if is_loopback_url(url):
        return None
    return f"{what} must use https:// (plain http would send the password unencrypted)"


# --------------------------------------------------------------------------------------------
# Credentials stay with the origin they were given for
# --------------------------------------------------------------------------------------------

#: Headers that carry a credential in any built-in target (lower case).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "api-key", "user-api-key", "api-username"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    from urllib.parse import urlsplit

    parts = urlsplit(str(url))
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def same_origin(a: str, b: str) -> bool:
    return origin(a) == origin(b)


class RedirectRefused(Rejected):
    """The target answered with a redirect to another scheme, host or port. RadShare does not follow
    it: the request would carry the account's credentials (and the post) to an address the user
    never gave. The account should name the address the service really answers on."""

    def __init__(self, target: str, location: str):
        scheme, host, port = origin(location)
        where = f"{scheme}://{host}:{port}" if host else "another address"
        super().__init__(f"{target} redirected to {where}; nothing was sent there (put the address the service answers on in the account)")


def strip_credentials(headers: Any) -> None:
    """Remove every credential header from a mutable header mapping (requests or httpx)."""
    for name in [k for k in headers.keys() if k.lower() in CREDENTIAL_HEADERS]:
        del headers[name]


def credential_safe_session(target: str = "the service") -> Any:
    """A `requests.Session` that refuses redirects to another origin before sending anything there.

    `requests` strips only `Authorization` on such a redirect and re-sends the body (307/308);
    session headers such as Discourse's `Api-Key` went along. Here the redirected request loses
    every credential header, and is then refused with `RedirectRefused`: the upload fails
    instead of going elsewhere. Same-origin redirects are followed as usual.
    """
    import requests

    class CredentialSafeSession(requests.Session):
        refused: RedirectRefused | None = None  # kept for clients that wrap or swallow what we raise

        def rebuild_auth(self, prepared_request: Any, response: Any) -> None:
            if not same_origin(response.request.url, prepared_request.url):
                strip_credentials(prepared_request.headers)
                self.refused = RedirectRefused(target, prepared_request.url)
                raise self.refused
            super().rebuild_auth(prepared_request, response)

    return CredentialSafeSession()


def refuse_cross_origin_redirect(target: str = "the service") -> Callable[[Any], None]:
    """An httpx response hook with the same rule, for clients built on httpx (atproto)."""

    def hook(response: Any) -> None:
        if response.has_redirect_location:
            location = str(response.request.url.join(response.headers["Location"]))
            if not same_origin(str(response.request.url), location):
                raise RedirectRefused(target, location)

    return hook


def report_progress(progress: Progress | None, done: int, total: int, stage: str) -> None:
    if progress is not None:
        progress(done, total, stage)


def check_cancel(cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled("cancelled by the user")


# --------------------------------------------------------------------------------------------
# Retry with backoff
# --------------------------------------------------------------------------------------------

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = datetime.now(timezone.utc).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


def request_with_retry(
    session: Any,
    method: str,
    url: str,
    *,
    attempts: int = 4,
    backoff: float = 1.0,
    max_wait: float = 60.0,
    retry_statuses: Iterable[int] = RETRY_STATUSES,
    wait_hint: Callable[[Any], float | None] | None = None,
    cancel: Cancel | None = None,
    sleep: Callable[[float], None] = time.sleep,
    target: str = "the service",
    **kwargs: Any,
) -> Any:
    """Send a request with `session` (a `requests.Session`), retrying transient failures.

    Retries on `retry_statuses` (429 and 5xx by default) and on connection errors/timeouts, up
    to `attempts` tries in all. The wait before a retry is the server's `Retry-After` (or
    `wait_hint(response)`, e.g. Discourse's `extras.wait_seconds`) when given, else exponential
    backoff `backoff * 2**n` with jitter. A server asking for more than `max_wait` seconds ends
    the retries at once: a 429 then raises `RateLimited(retry_after)`.

    Returns the final response, whatever its status, for the caller to map into the error
    family; raises `NetworkError` when the target never answered, `Cancelled` if `cancel()`.
    Request bodies given as file objects must be re-readable: pass bytes.
    """
    import requests  # local: keep importing the protocol cheap

    statuses = frozenset(retry_statuses)
    kwargs.setdefault("timeout", 60)
    last_exc: Exception | None = None
    for attempt in range(max(1, attempts)):
        check_cancel(cancel)
        try:
            response = session.request(method, url, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            last_exc = exc
            if attempt + 1 >= attempts:
                break
            sleep(_backoff(backoff, attempt))
            continue
        if response.status_code not in statuses:
            return response
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is None and wait_hint is not None:
            try:
                wait = wait_hint(response)
            except Exception:  # a hint is optional; a malformed body must not mask the status
                wait = None
        if wait is not None and wait > max_wait:
            if response.status_code == 429:
                raise RateLimited(f"{target} asks to wait {int(wait)} s", retry_after=wait)
            return response
        if attempt + 1 >= attempts:
            if response.status_code == 429:
                raise RateLimited(f"{target} is still limiting requests", retry_after=wait)
            return response
        sleep(wait if wait is not None else _backoff(backoff, attempt))
    # Never include the exception text: it carries URLs and sometimes headers.
    kind = "timed out" if last_exc is not None and isinstance(last_exc, requests.Timeout) else "could not be reached"
    raise NetworkError(f"{target} {kind}")


def _backoff(base: float, attempt: int) -> float:
    return base * (2**attempt) * (0.75 + 0.5 * random.random())
