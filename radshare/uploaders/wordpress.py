"""WordPress (blog) target: REST API with an Application Password (HTTP Basic).

Publishing: each prepared image is uploaded to `wp/v2/media` (raw bytes with a neutral file name),
its alt text and caption set, then one post is created (draft by default; pending, private or
publish on request) titled as given, or by the caption's first line, with the caption as a
paragraph and one image block per picture, the first image as featured image; then every image
is attached to the post (its `post` parent), so the media library lists them under it. Media
already uploaded are deleted again when publishing fails or is cancelled.

The REST root is found from the site: `/wp-json/` when pretty permalinks are on, else the
`?rest_route=` form that every WordPress (4.4+) answers. Application Passwords need HTTPS, or
WordPress's `local` environment type, or a plugin allowing them: that is the site's business.

Error mapping (WordPress's own codes): 401 (`rest_cannot_create`, `incorrect_password`,
`rest_not_logged_in`...) -> AuthenticationFailed; 400 `rest_invalid_param` -> Rejected with the
parameter messages; 413 / `rest_upload_no_data` (PHP dropped an over-size body) /
`rest_upload_file_too_big` -> TooLarge; 500 `rest_upload_sideload_error` (type refused) -> Rejected;
429 -> RateLimited; other 5xx -> NetworkError after retries.
"""

from __future__ import annotations

import html
import json
from typing import Any

import requests

from radshare import __version__
from radshare.uploaders.base import (
    AccountField,
    AuthenticationFailed,
    Cancel,
    Cancelled,
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

STATUSES = ("draft", "pending", "private", "publish")
_AUTH_CODES = {
    "rest_cannot_create", "incorrect_password", "invalid_username", "invalid_email", "rest_not_logged_in",
    "application_passwords_disabled", "rest_forbidden", "rest_cannot_upload", "rest_cannot_edit",
}
_TOO_LARGE_CODES = {"rest_upload_no_data", "rest_upload_file_too_big", "rest_upload_limited_space", "rest_upload_user_quota_exceeded"}


WITHDRAW_NOTE = (
    "The post goes to the WordPress trash: gone from the site, but its administrators can restore it until "
    "the trash is emptied (withdraw with force to delete it for good). Its images are deleted for good "
    "(WordPress keeps no trash for media)."
)


class WordPressUploader(Uploader):
    id = "wordpress"
    display_name = "WordPress blog"
    account_fields = [
        AccountField("url", "Site address", kind="url", help="e.g. https://blog.example.org"),
        AccountField("user", "User name", kind="text"),
        AccountField("app_password", "Application password", secret=True, kind="password",
                     help="Users > Profile > Application Passwords in WordPress"),
        AccountField("default_status", "New posts are", kind="choice", required=False, default="draft", choices=STATUSES),
    ]
    # 2560 px: WordPress scales larger uploads down itself ("big image threshold"); 2 MB: PHP's
    # default upload_max_filesize, the common ceiling of shared hosts.
    limits = Limits(max_images=20, max_bytes=2_000_000, max_dimension=2560, formats=("jpeg", "png"), alt_max=1000, title_max=200)
    features = Features(drafts=True, visibility=("publish", "pending", "private"), visibility_setting="default_status",
                        visibility_labels={"publish": "Published", "pending": "Pending review", "private": "Private"},
                        title=True, withdraw=True, withdraw_note=WITHDRAW_NOTE)

    def __init__(self, settings: Any, secret: str | None = None):
        super().__init__(settings, secret)
        self.base_url = self.settings.get("url", "").rstrip("/")
        self.session = credential_safe_session("WordPress")
        self.session.headers["User-Agent"] = f"RadShare/{__version__}"
        self.session.auth = (self.settings.get("user", ""), secret or "")
        self._pretty: bool | None = None
        self.sleep = None  # tests may replace the retry sleep

    # ---------------------------------------------------------------------------------- URLs
    def _discover(self) -> bool:
        if self._pretty is None:
            try:
                response = self.session.get(f"{self.base_url}/wp-json/", timeout=30, auth=None)
                self._pretty = response.status_code == 200 and "namespaces" in _json(response)
            except requests.RequestException:
                raise NetworkError("the WordPress site could not be reached") from None
        return self._pretty

    def _endpoint(self, route: str, params: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        params = dict(params or {})
        if self._discover():
            return f"{self.base_url}/wp-json{route}", params
        return f"{self.base_url}/", {"rest_route": route, **params}

    def _call(self, method: str, route: str, *, params: dict[str, Any] | None = None, cancel: Cancel | None = None,
              retry_statuses: tuple[int, ...] = (429, 502, 503, 504), **kwargs: Any) -> Any:
        url, query = self._endpoint(route, params)
        extra = {"sleep": self.sleep} if self.sleep else {}
        response = request_with_retry(
            self.session, method, url, params=query, cancel=cancel, retry_statuses=retry_statuses,
            target="WordPress", **extra, **kwargs,
        )
        if response.status_code >= 400:
            raise map_error(response)
        return _json(response)

    # ------------------------------------------------------------------------------ protocol
    def validate(self, post: Post) -> list[str]:
        problems = super().validate(post)
        url_problem = plain_http_problem(self.base_url, "the site address")
        if url_problem:
            problems.append(url_problem)
        status = self._status(post)
        if status not in STATUSES:
            problems.append(f"the post status must be one of: {', '.join(STATUSES)}")
        return problems

    def verify(self) -> Identity:
        url_problem = plain_http_problem(self.base_url, "the site address")
        if url_problem:
            raise ValidationFailed([url_problem])
        me = self._call("GET", "/wp/v2/users/me", params={"context": "edit"})
        return Identity(
            username=str(me.get("username") or me.get("slug") or ""),
            display_name=str(me.get("name") or ""),
            url=str(me.get("link") or ""),
        )

    def publish(self, post: Post, progress: Progress | None = None, cancel: Cancel | None = None) -> PublishResult:
        self._require_valid(post)
        total = len(post.images) + 1
        uploaded: list[dict[str, Any]] = []
        try:
            for number, image in enumerate(post.images, 1):
                check_cancel(cancel)
                report_progress(progress, number - 1, total, f"uploading image {number}")
                media = self._call(
                    "POST", "/wp/v2/media", data=image.data, cancel=cancel,
                    headers={"Content-Type": image.mime_type,
                             "Content-Disposition": f'attachment; filename="{image.filename or f"image-{number}"}"'},
                )
                uploaded.append(media)
                fields = {"alt_text": image.alt_text, "caption": image.caption, "title": f"Image {number}"}
                updated = self._call("POST", f"/wp/v2/media/{media['id']}", json=fields, cancel=cancel)
                uploaded[-1] = {**media, **updated}
            check_cancel(cancel)
            report_progress(progress, len(post.images), total, "creating the post")
            status = self._status(post)
            body = {
                "title": default_title(post, self.limits.title_max),
                "content": _content(post, uploaded),
                "status": status,
                "featured_media": uploaded[0]["id"] if uploaded else 0,
            }
            created = self._call("POST", "/wp/v2/posts", json=body, retry_statuses=(429, 503))
        except (UploadError, Cancelled):
            self._delete_media(uploaded)
            raise
        self._attach(uploaded, created.get("id"))
        report_progress(progress, total, total, "done")
        draft = created.get("status", status) == "draft"
        post_id = str(created.get("id", ""))
        url = f"{self.base_url}/wp-admin/post.php?post={post_id}&action=edit" if draft else str(created.get("link", ""))
        return PublishResult(url=url, id=post_id, draft=draft, media_ids=tuple(str(m["id"]) for m in uploaded))

    def withdraw(self, record: PostRecord, *, force: bool = False, cancel: Cancel | None = None) -> WithdrawResult:
        """The post to the trash (or deleted with `force`), then each image deleted for good.

        The post goes first, so its public address stops answering at once; what is already gone
        (404, or 410 "already trashed") counts as done, so a repeat resumes where it stopped.
        """
        self._delete(f"/wp/v2/posts/{record.post_id}", force, cancel)
        for media_id in record.media_ids:
            self._delete(f"/wp/v2/media/{media_id}", True, cancel)
        if force:
            return WithdrawResult("deleted", "post and images deleted from WordPress")
        return WithdrawResult("trashed", "post in the WordPress trash (administrators can restore it); images deleted")

    def _delete(self, route: str, force: bool, cancel: Cancel | None) -> None:
        check_cancel(cancel)
        url, query = self._endpoint(route, {"force": "true"} if force else {})
        extra = {"sleep": self.sleep} if self.sleep else {}
        response = request_with_retry(self.session, "DELETE", url, params=query, cancel=cancel,
                                      retry_statuses=(429, 502, 503, 504), target="WordPress", **extra)
        if response.status_code in (404, 410):
            return  # already deleted (404) or already in the trash (410 rest_already_trashed)
        if response.status_code >= 400:
            raise map_error(response)

    # ------------------------------------------------------------------------------ helpers
    def _status(self, post: Post) -> str:
        if post.draft:
            return "draft"
        if post.visibility:
            return post.visibility
        return self.settings.get("default_status") or "draft"

    def _attach(self, uploaded: list[dict[str, Any]], post_id: Any) -> None:
        """Make the post the images' parent. The post exists and shows them either way, so a
        refusal here is not worth failing (or undoing) what the sharer already published."""
        for media in uploaded:
            try:
                self._call("POST", f"/wp/v2/media/{media['id']}", json={"post": int(post_id)})
            except (UploadError, TypeError, ValueError):
                pass

    def _delete_media(self, uploaded: list[dict[str, Any]]) -> None:
        for media in uploaded:
            try:
                url, query = self._endpoint(f"/wp/v2/media/{media['id']}", {"force": "true"})
                self.session.delete(url, params=query, timeout=30)
            except Exception:
                pass  # best effort: the failure being reported matters more


def default_title(post: Post, limit: int | None = None) -> str:
    """The post's title, else its caption's first line (a blog post without a title shows as
    '(no title)'), shortened to `limit` characters at a word where it must be."""
    title = post.title.strip() or next((line.strip() for line in post.caption.splitlines() if line.strip()), "")
    if limit and len(title) > limit:
        title = title[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:") + "\u2026"
    return title


def _content(post: Post, media: list[dict[str, Any]]) -> str:
    """Gutenberg blocks: the caption as paragraphs, then one image block per picture."""
    blocks = []
    for paragraph in [p.strip() for p in post.caption.split("\n\n") if p.strip()]:
        text = html.escape(paragraph).replace("\n", "<br>")
        blocks.append(f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->")
    for image, item in zip(post.images, media):
        media_id = int(item["id"])
        src = html.escape(str(item.get("source_url", "")), quote=True)
        alt = html.escape(image.alt_text, quote=True)
        attrs = json.dumps({"id": media_id, "sizeSlug": "full", "linkDestination": "none"})
        caption = f'<figcaption class="wp-element-caption">{html.escape(image.caption)}</figcaption>' if image.caption else ""
        blocks.append(
            f"<!-- wp:image {attrs} -->\n"
            f'<figure class="wp-block-image size-full"><img src="{src}" alt="{alt}" class="wp-image-{media_id}"/>{caption}</figure>\n'
            "<!-- /wp:image -->"
        )
    return "\n\n".join(blocks)


def _json(response: Any) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {"items": data}


def map_error(response: Any) -> UploadError:
    """WordPress's error response as one of the error family (service text only, no secrets)."""
    status = response.status_code
    data = _json(response)
    code = str(data.get("code", ""))
    message = _plain(str(data.get("message", ""))) or f"HTTP {status}"
    if status == 429:
        return RateLimited("WordPress is limiting requests", parse_retry_after(response.headers.get("Retry-After")))
    if status == 401 or (status == 403 and code in _AUTH_CODES and code not in {"rest_cannot_upload", "rest_cannot_edit"}):
        return AuthenticationFailed(f"WordPress refused the credentials ({code or status})")
    if status == 413 or code in _TOO_LARGE_CODES:
        return TooLarge(f"WordPress refused the upload size ({code or status})")
    if status == 400 and code == "rest_invalid_param":
        params = data.get("data", {}).get("params", {}) if isinstance(data.get("data"), dict) else {}
        details = [f"{k}: {_plain(str(v))}" for k, v in params.items()] if isinstance(params, dict) else []
        return Rejected(f"WordPress rejected the post ({code})", details or [message])
    if code == "rest_upload_sideload_error" or code.startswith("rest_upload"):
        return Rejected(f"WordPress refused the image ({code})", [message])
    if status >= 500:
        return NetworkError(f"WordPress had a server error (HTTP {status})")
    if status == 403:
        return Rejected(f"WordPress does not allow this ({code or status})", [message])
    return Rejected(f"WordPress rejected the request ({code or status})", [message])


def _plain(text: str) -> str:
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()[:300]

