"""WordPress for real: a post made by `radshare post` has a title (the caption's first line when
none is given) and its images attached as its media, the first as featured image."""

from __future__ import annotations

import io
import json
import sys

import pytest
import requests

from radshare.cli import main
from tests.uploaders.uploader_samples import write_sample_dicom

pytestmark = pytest.mark.server


def _rest(info, route, **params):
    response = requests.get(info["url"] + "/", params={"rest_route": route, **params},
                            auth=(info["user"], info["app_password"]), timeout=30)
    response.raise_for_status()
    return response.json()


def _post(monkeypatch, capsys, info, args: list[str]) -> dict:
    monkeypatch.setattr(sys, "stdin", io.StringIO(info["app_password"] + "\n"))
    assert main(["accounts", "add", "wordpress", "blog", "--url", info["url"], "--user", info["user"]]) == 0
    capsys.readouterr()
    code = main(["post", *args, "--account", "blog", "--confirm", "--json", "-q"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_caption_only_post_takes_its_title_from_the_first_line_and_attaches_every_image(
        wordpress, monkeypatch, capsys, tmp_path):
    originals = [write_sample_dicom(tmp_path / f"IM{n}.dcm", seed=n) for n in range(2)]
    result = _post(monkeypatch, capsys, wordpress, [
        *map(str, originals), "--draft",
        "--caption", "Right lower lobe pneumonia\n\nAir bronchograms behind the heart.",
        "--alt", "Frontal chest radiograph", "--alt", "Lateral chest radiograph",
    ])
    created = _rest(wordpress, f"/wp/v2/posts/{result['id']}", context="edit")
    assert created["title"]["raw"] == "Right lower lobe pneumonia"
    attached = _rest(wordpress, "/wp/v2/media", parent=created["id"], context="edit", orderby="id", order="asc")
    assert len(attached) == 2
    assert {m["alt_text"] for m in attached} == {"Frontal chest radiograph", "Lateral chest radiograph"}
    first = next(m for m in attached if m["alt_text"] == "Frontal chest radiograph")
    assert created["featured_media"] == first["id"]
    assert all(m["post"] == created["id"] for m in attached)


def test_a_given_title_is_kept(wordpress, monkeypatch, capsys, tmp_path):
    original = write_sample_dicom(tmp_path / "IM.dcm")
    result = _post(monkeypatch, capsys, wordpress, [
        str(original), "--draft", "--title", "Case 12: a teaching title",
        "--caption", "First line that is not the title", "--alt", "Frontal chest radiograph",
    ])
    created = _rest(wordpress, f"/wp/v2/posts/{result['id']}", context="edit")
    assert created["title"]["raw"] == "Case 12: a teaching title"


def test_a_long_first_line_is_shortened_at_a_word():
    from radshare.uploaders.base import Post
    from radshare.uploaders.wordpress import default_title

    post = Post(images=[], caption="word " * 80)
    title = default_title(post, 200)
    assert len(title) <= 200 and title.endswith("\u2026") and not title[:-1].endswith(" ")
