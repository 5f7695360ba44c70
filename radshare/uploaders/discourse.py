"""Discourse (forum) target: uploads, then one topic (or a private message to oneself).

API used (documented by Discourse):
- `POST /uploads.json`, multipart with `file`, `type=composer`, `synchronous=true`; the answer
  carries `short_url` (`upload://...`), `width`, `height`.
- `POST /posts.json` with `title`, `raw` (markdown; images as `![alt|WxH](upload://...)`) and
  `category` (a category id); or `archetype=private_message` + `target_recipients=<own user name>`
  for a message to oneself.
- Authentication: a user API key (`User-Api-Key` header; obtained by the user through the
  `/user-api-key/new` flow, see `user_api_key_request` / `decode_user_api_key`, no admin needed)
  or an admin API key (`Api-Key` + `Api-Username`).
- Errors: 403 `invalid_access` (bad key) -> AuthenticationFailed; 429 with `extras.wait_seconds`
  and Retry-After -> retried, then RateLimited; 422 with `errors` -> Rejected; 413 (an HTML page
  from the proxy in front) -> TooLarge; 5xx -> retried, then NetworkError.

Discourse has no draft flag on `posts.json`: the composer offers a private category (the
`category` setting) or a message to yourself instead (`DRAFT_NOTE`).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from typing import Any
from urllib.parse import urlencode


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
    ValidationFailed,
    WithdrawResult,
    check_cancel,
    credential_safe_session,
    parse_retry_after,
    plain_http_problem,
    report_progress,
    request_with_retry,
)

DRAFT_NOTE = (
    "Discourse has no drafts: post to a private category (only its members see it), "
    "or send it as a message to yourself and move it later."
)
WITHDRAW_NOTE = (
    "Discourse only hides a deleted topic: members no longer see it, but the forum's staff can still read "
    "and restore it, and its images stay on the forum until staff delete the topic for good and the forum's "
    "own clean-up removes unused uploads (Discourse has no way to delete an upload through its API). "
    "Withdrawing with force asks for permanent deletion, which Discourse allows only to admins on forums "
    "that permit it."
)
TOPIC, MESSAGE_TO_SELF = "topic", "message-to-self"
AUTH_USER_KEY, AUTH_ADMIN_KEY = "user-api-key", "admin-api-key"


class DiscourseUploader(Uploader):
    id = "discourse"
    display_name = "Discourse forum"
    account_fields = [
        AccountField("url", "Forum address", kind="url", help="e.g. https://forum.example.org"),
        AccountField("user", "User name", kind="text", required=False,
                     help="Needed with an admin API key (Api-Username); optional with a user API key"),
        AccountField("api_key", "API key", secret=True, kind="password",
                     help="A user API key (no admin needed) or an admin API key"),
        AccountField("auth", "Key type", kind="choice", required=False, default=AUTH_USER_KEY,
                     choices=(AUTH_USER_KEY, AUTH_ADMIN_KEY)),
        AccountField("category", "Category id", kind="text", required=False,
                     help="The id of the category new topics go to (a private category for drafts)"),
    ]
    # 4 MB: Discourse's default max_image_size_kb (4096); 40 MP: default max_image_megapixels.
    limits = Limits(max_images=20, max_bytes=4_000_000, max_pixels=40_000_000, formats=("jpeg", "png"),
                    caption_max=32_000, alt_max=500, title_max=255)
    features = Features(drafts=False, visibility=(TOPIC, MESSAGE_TO_SELF),
                        visibility_labels={TOPIC: "A topic in the category",
                                           MESSAGE_TO_SELF: "A private message to yourself"},
                        title=True, draft_note=DRAFT_NOTE, withdraw=True, withdraw_note=WITHDRAW_NOTE)

    def __init__(self, settings: Any, secret: str | None = None):
        super().__init__(settings, secret)
        self.base_url = self.settings.get("url", "").rstrip("/")
        self.session = credential_safe_session("Discourse")
        self.session.headers["User-Agent"] = f"RadShare/{__version__}"
        self.session.headers["Accept"] = "application/json"
        if self.settings.get("auth") == AUTH_ADMIN_KEY:
            self.session.headers["Api-Key"] = secret or ""
            self.session.headers["Api-Username"] = self.settings.get("user", "")
        else:
            self.session.headers["User-Api-Key"] = secret or ""
        self.sleep = None  # tests may replace the retry sleep
        self._me: Identity | None = None

    def _call(self, method: str, path: str, *, cancel: Cancel | None = None, **kwargs: Any) -> dict[str, Any]:
        extra = {"sleep": self.sleep} if self.sleep else {}
        response = request_with_retry(
            self.session, method, f"{self.base_url}{path}", cancel=cancel, wait_hint=_wait_seconds,
            target="Discourse", **extra, **kwargs,
        )
        if response.status_code >= 400:
            raise map_error(response)
        return _json(response)

    # ------------------------------------------------------------------------------ protocol
    def validate(self, post: Post) -> list[str]:
        problems = super().validate(post)
        url_problem = plain_http_problem(self.base_url, "the forum address")
        if url_problem:
            problems.append(url_problem)
        if self.settings.get("auth") == AUTH_ADMIN_KEY and not self.settings.get("user"):
            problems.append("an admin API key needs the user name to post as")
        visibility = post.visibility or TOPIC
        if visibility == TOPIC:
            if len(post.title.strip()) < 15:  # Discourse's default min_topic_title_length
                problems.append("a topic title needs at least 15 characters")
        elif len(post.title.strip()) < 2:
            problems.append("a message title needs at least 2 characters")
        category = post.options.get("category") or self.settings.get("category", "")
        if category and not str(category).isdigit():
            problems.append("the category must be given as its number (id)")
        return problems

    def verify(self) -> Identity:
        url_problem = plain_http_problem(self.base_url, "the forum address")
        if url_problem:
            raise ValidationFailed([url_problem])
        data = self._call("GET", "/session/current.json")
        user = data.get("current_user") if isinstance(data.get("current_user"), dict) else None
        if not user:
            raise AuthenticationFailed("Discourse did not recognise the key")
        self._me = Identity(username=str(user.get("username", "")), display_name=str(user.get("name") or ""),
                            url=f"{self.base_url}/u/{user.get('username', '')}")
        return self._me

    def publish(self, post: Post, progress: Progress | None = None, cancel: Cancel | None = None) -> PublishResult:
        self._require_valid(post)
        total = len(post.images) + 1
        uploads: list[dict[str, Any]] = []
        for number, image in enumerate(post.images, 1):
            check_cancel(cancel)
            report_progress(progress, number - 1, total, f"uploading image {number}")
            upload = self._call(
                "POST", "/uploads.json", cancel=cancel,
                data={"type": "composer", "synchronous": "true"},
                files={"file": (image.filename or f"image-{number}", image.data, image.mime_type)},
            )
            if not upload.get("short_url"):
                raise Rejected("Discourse did not accept the image", ["no upload reference returned"])
            uploads.append(upload)
        check_cancel(cancel)
        report_progress(progress, len(post.images), total, "creating the topic")
        body: dict[str, Any] = {"title": post.title, "raw": _markdown(post, uploads)}
        if (post.visibility or TOPIC) == MESSAGE_TO_SELF:
            me = self._me or self.verify()
            body.update({"archetype": "private_message", "target_recipients": me.username})
        else:
            category = post.options.get("category") or self.settings.get("category", "")
            if category:
                body["category"] = int(category)
        created = self._call("POST", "/posts.json", json=body, cancel=cancel, retry_statuses=(429, 502, 503, 504))
        report_progress(progress, total, total, "done")
        topic_id, slug = created.get("topic_id"), created.get("topic_slug") or "topic"
        url = f"{self.base_url}/t/{slug}/{topic_id}" if topic_id else f"{self.base_url}/p/{created.get('id')}"
        uploads_ids = tuple(str(u.get("id", "")) for u in uploads)
        return PublishResult(url=url, id=str(created.get("id", "")), draft=False, media_ids=uploads_ids,
                             data={"topic_id": str(topic_id or "")})

    def withdraw(self, record: PostRecord, *, force: bool = False, cancel: Cancel | None = None) -> WithdrawResult:
        """Delete the topic (`DELETE /t/{id}.json`; the post alone when there is no topic id).

        Discourse soft-deletes: the result is "hidden". With `force`, `DELETE /posts/{id}.json`
        with `force_destroy=true` asks for permanent deletion (admins only, where the forum allows
        it); when refused the post stays hidden and the note says so. 404 counts as already done.
        """
        topic_id = record.data.get("topic_id", "")
        path = f"/t/{topic_id}.json" if topic_id else f"/posts/{record.post_id}.json"
        self._delete(path, cancel)
        note = "topic deleted for members; the forum's staff can still see it and its images stay until staff purge it"
        if not force:
            return WithdrawResult("hidden", note)
        try:
            self._delete(f"/posts/{record.post_id}.json?force_destroy=true", cancel)
        except (AuthenticationFailed, Rejected):
            return WithdrawResult("hidden", note + "; permanent deletion was refused (admins only, where the forum allows it)")
        return WithdrawResult("deleted", "topic permanently deleted; the forum's clean-up removes its unused images")

    def _delete(self, path: str, cancel: Cancel | None) -> None:
        check_cancel(cancel)
        extra = {"sleep": self.sleep} if self.sleep else {}
        response = request_with_retry(self.session, "DELETE", f"{self.base_url}{path}", cancel=cancel,
                                      wait_hint=_wait_seconds, target="Discourse", **extra)
        if response.status_code in (404, 410):
            return  # already deleted
        if response.status_code >= 400:
            raise map_error(response)


def _markdown(post: Post, uploads: list[dict[str, Any]]) -> str:
    parts = [post.caption.strip()] if post.caption.strip() else []
    for image, upload in zip(post.images, uploads):
        alt = re.sub(r"\s+", " ", re.sub(r"[\[\]|]+", " ", image.alt_text)).strip()
        width = upload.get("width") or image.width
        height = upload.get("height") or image.height
        line = f"![{alt}|{width}x{height}]({upload['short_url']})"
        if image.caption:
            line += f"\n*{image.caption.strip()}*"
        parts.append(line)
    return "\n\n".join(parts)


def _json(response: Any) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _wait_seconds(response: Any) -> float | None:
    extras = _json(response).get("extras") or {}
    value = extras.get("wait_seconds") if isinstance(extras, dict) else None
    return float(value) if value is not None else None


def map_error(response: Any) -> UploadError:
    """Discourse's error response as one of the error family (its own messages, no secrets)."""
    status = response.status_code
    data = _json(response)
    error_type = str(data.get("error_type", ""))
    errors = [str(e)[:300] for e in data.get("errors", []) if e] if isinstance(data.get("errors"), list) else []
    if status == 429 or error_type == "rate_limit":
        wait = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimited("Discourse is limiting requests", wait if wait is not None else _wait_seconds(response))
    if status in (401, 403) and (error_type in ("invalid_access", "not_logged_in", "") or status == 401):
        return AuthenticationFailed(f"Discourse refused the API key ({error_type or status})")
    if status == 413:
        return TooLarge("the forum's server refused the upload size (HTTP 413)")
    if status == 422:
        return Rejected("Discourse rejected the post", errors)
    if status >= 500:
        return NetworkError(f"Discourse had a server error (HTTP {status})")
    return Rejected(f"Discourse refused the request (HTTP {status})", errors)


# --------------------------------------------------------------------------------------------
# User API key flow (no admin needed)
# --------------------------------------------------------------------------------------------


def user_api_key_request(forum_url: str, application_name: str = "RadShare", scopes: str = "read,write") -> tuple[str, bytes, str]:
    """Start the `/user-api-key/new` flow.

    Returns (the URL the user opens and approves, the PEM private key to keep until the answer
    arrives, the nonce). Without `auth_redirect`, Discourse shows the encrypted answer on the page
    for the user to paste back into `decode_user_api_key`.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    nonce = secrets.token_hex(16)
    params = {
        "application_name": application_name,
        "client_id": f"radshare-{secrets.token_hex(8)}",
        "scopes": scopes,
        "public_key": public_pem.decode("ascii"),
        "nonce": nonce,
    }
    return f"{forum_url.rstrip('/')}/user-api-key/new?{urlencode(params)}", private_pem, nonce


def decode_user_api_key(payload: str, private_pem: bytes, nonce: str) -> str:
    """The user API key from Discourse's encrypted answer (base64, RSA PKCS#1 v1.5, JSON)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_private_key(private_pem, password=None)
    try:
        clear = key.decrypt(base64.b64decode("".join(payload.split())), padding.PKCS1v15())  # type: ignore[union-attr]
        data = json.loads(clear)
    except Exception:
        raise AuthenticationFailed("the answer from Discourse could not be read (paste it whole)") from None
    if data.get("nonce") != nonce or not data.get("key"):
        raise AuthenticationFailed("the answer from Discourse does not belong to this request")
    return str(data["key"])
