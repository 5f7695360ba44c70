"""Folder/ZIP target: a post becomes files named by time, with alt texts, and nothing else."""

from __future__ import annotations

import json
import zipfile

import pytest

from radshare.core.model import Identifiers
from radshare.uploaders.base import Cancelled
from radshare.uploaders.compose import SourceImage, build_post
from radshare.uploaders.folder import FolderUploader
from tests.uploaders.uploader_samples import grey_radiograph, smooth_rgb


def _post():
    sources = [SourceImage(smooth_rgb(300, 400), Identifiers(), True), SourceImage(grey_radiograph(256), Identifiers(), True)]
    post, _ = build_post(sources, FolderUploader.limits, alt_texts=["Photo of a rash", "Radiograph"], caption="Two views", title="Case 1")
    return post


def test_post_is_written_as_a_folder_with_markdown_and_manifest(tmp_path):
    up = FolderUploader({"folder": str(tmp_path / "out")})
    result = up.publish(_post())
    folder = tmp_path / "out" / result.id
    assert result.url == folder.resolve().as_uri() and not result.draft
    assert sorted(p.name for p in folder.iterdir()) == ["image-1.jpg", "image-2.png", "post.json", "post.md"]
    manifest = json.loads((folder / "post.json").read_text())
    assert [i["alt_text"] for i in manifest["images"]] == ["Photo of a rash", "Radiograph"]
    assert "![Radiograph](image-2.png)" in (folder / "post.md").read_text()
    assert not list((tmp_path / "out").glob(".*"))  # no partial folder left behind


def test_zip_mode_writes_one_archive(tmp_path):
    up = FolderUploader({"folder": str(tmp_path), "zip": "yes"})
    result = up.publish(_post())
    with zipfile.ZipFile(tmp_path / result.id) as archive:
        names = sorted(archive.namelist())
    stem = result.id[:-4]
    assert names == sorted(f"{stem}/{n}" for n in ["image-1.jpg", "image-2.png", "post.json", "post.md"])


def test_two_posts_in_the_same_second_do_not_collide(tmp_path):
    up = FolderUploader({"folder": str(tmp_path)})
    assert up.publish(_post()).id != up.publish(_post()).id


def test_cancel_leaves_nothing(tmp_path):
    up = FolderUploader({"folder": str(tmp_path)})
    with pytest.raises(Cancelled):
        up.publish(_post(), cancel=lambda: True)
    assert list(tmp_path.iterdir()) == []
