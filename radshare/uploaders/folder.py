"""Folder/ZIP target: writes a post as files, for an LMS upload or an e-mail attachment.

The simplest uploader, and the example in docs/plugins.md. Each publish creates one new entry
in the chosen folder, named by the time of posting (never by input names or patient values):

    post-20250101-120000/          or   post-20250101-120000.zip
        image-1.jpg  image-2.png        (the same files inside)
        post.md                         title, caption, images with their alt text
        post.json                       the same as data: {"title", "caption", "images": [...]}
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import zipfile
from pathlib import Path

from radshare.core.fsutil import atomic_write_bytes
from radshare.uploaders.base import (
    AccountField,
    Cancel,
    Features,
    Identity,
    Limits,
    Post,
    PostRecord,
    Progress,
    PublishResult,
    Rejected,
    Uploader,
    WithdrawResult,
    check_cancel,
    report_progress,
)


class FolderUploader(Uploader):
    id = "folder"
    display_name = "Folder or ZIP"
    account_fields = [
        AccountField("folder", "Folder", kind="path", help="Where each post is written as a new folder or zip"),
        AccountField("zip", "Write a ZIP file", kind="choice", required=False, default="no", choices=("no", "yes")),
    ]
    limits = Limits(max_images=100, formats=("jpeg", "png"))
    features = Features(drafts=False, title=True, withdraw=True,
                        withdraw_note="The post's folder or zip file is deleted. Copies made from it elsewhere "
                                      "(an LMS, an e-mail) are not RadShare's to reach.")

    @property
    def folder(self) -> Path:
        return Path(os.path.expanduser(self.settings.get("folder", "")))

    @property
    def as_zip(self) -> bool:
        return self.settings.get("zip", "no").strip().lower() in ("yes", "true", "1", "on")

    def validate(self, post: Post) -> list[str]:
        problems = super().validate(post)
        if not self.settings.get("folder"):
            problems.append("choose a folder to write to")
        return problems

    def verify(self) -> Identity:
        """The folder exists (or can be created) and is writable."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Rejected("the folder cannot be created", [type(exc).__name__]) from None
        if not os.access(self.folder, os.W_OK):
            raise Rejected("the folder is not writable")
        return Identity(username=str(self.folder), display_name=self.folder.name)

    def publish(self, post: Post, progress: Progress | None = None, cancel: Cancel | None = None) -> PublishResult:
        self._require_valid(post)
        self.verify()
        stem = self._new_name()
        files: list[tuple[str, bytes]] = []
        total = len(post.images) + 1
        for number, image in enumerate(post.images, 1):
            check_cancel(cancel)
            name = image.filename or f"image-{number}.{'jpg' if image.format == 'jpeg' else 'png'}"
            files.append((name, image.data))
            report_progress(progress, number, total, f"writing image {number}")
        files.append(("post.md", _markdown(post, [n for n, _ in files]).encode("utf-8")))
        files.append(("post.json", _manifest(post, [n for n, _ in files[:-1]]).encode("utf-8")))
        check_cancel(cancel)
        if self.as_zip:
            target = self.folder / f"{stem}.zip"
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
                for name, data in files:
                    info = zipfile.ZipInfo(f"{stem}/{name}", date_time=time.localtime()[:6])
                    archive.writestr(info, data)
            atomic_write_bytes(target, buffer.getvalue())
        else:
            target = self.folder / stem
            partial = self.folder / f".{stem}.part"
            partial.mkdir()
            for name, data in files:
                atomic_write_bytes(partial / name, data)
            partial.rename(target)
        report_progress(progress, total, total, "done")
        return PublishResult(url=target.resolve().as_uri(), id=target.name, draft=False)

    def withdraw(self, record: PostRecord, *, force: bool = False, cancel: Cancel | None = None) -> WithdrawResult:
        """Delete the post's folder or zip in the account's folder (already gone counts as done)."""
        check_cancel(cancel)
        name = record.post_id
        if not name or name != os.path.basename(name) or name.startswith("."):
            raise Rejected("the ledger's folder post name is not a plain name")
        target = self.folder / name
        try:
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
        except OSError as exc:
            raise Rejected("the post's files could not be deleted", [exc.strerror or type(exc).__name__]) from None
        return WithdrawResult("deleted", "the post's files were deleted")

    def _new_name(self) -> str:
        base = time.strftime("post-%Y%m%d-%H%M%S")
        name, n = base, 1
        while (self.folder / name).exists() or (self.folder / f"{name}.zip").exists():
            n += 1
            name = f"{base}-{n}"
        return name


def _markdown(post: Post, names: list[str]) -> str:
    lines = []
    if post.title:
        lines += [f"# {post.title}", ""]
    if post.caption:
        lines += [post.caption, ""]
    for image, name in zip(post.images, names):
        alt = image.alt_text.replace("]", ")").replace("[", "(").replace("\n", " ")
        lines.append(f"![{alt}]({name})")
        if image.caption:
            lines.append(f"*{image.caption}*")
        lines.append("")
    return "\n".join(lines)


def _manifest(post: Post, names: list[str]) -> str:
    data = {
        "title": post.title,
        "caption": post.caption,
        "images": [
            {"file": name, "alt_text": image.alt_text, "caption": image.caption, "width": image.width,
             "height": image.height, "bytes": image.size, "format": image.format}
            for image, name in zip(post.images, names)
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
