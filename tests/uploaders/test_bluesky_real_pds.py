"""Bluesky uploader against the real reference PDS (@atproto/pds from npm, in-memory PLC, loopback).

Proves: two de-identified images (a DICOM of DOE^JANE with burned-in name and ID, and a large phone
photo whose EXIF names her) are posted with alt text; the record read back holds the text, alt
texts, aspect ratios and hashtag facet; the blobs fetched with com.atproto.sync.getBlob are the
bytes RadShare prepared, fit the 1,000,000-byte limit and hold no identifier and no metadata.
Error paths: a wrong app password is "authentication failed"; an over-size image is refused before
anything is sent; the PDS itself refuses a post whose blob is over the limit.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image as PILImage

from radshare.core.model import Identifiers
from radshare.uploaders.base import AuthenticationFailed, PreparedImage, Post, Rejected, ValidationFailed
from radshare.uploaders.bluesky import MAX_IMAGE_BYTES, BlueskyUploader, count_graphemes
from radshare.uploaders.compose import SourceImage, build_post
from radshare.uploaders.gate import check_post
from tests.uploaders.uploader_samples import PATIENT_ID, smooth_rgb

pytest_plugins = ["tests.uploaders.social_fixtures"]
pytestmark = pytest.mark.server


def _uploader(pds, index: int = 0, password: str | None = None) -> BlueskyUploader:
    account = pds["accounts"][index]
    uploader = BlueskyUploader({"handle": account["handle"], "pds_url": pds["url"]},
                               password if password is not None else account["app_password"])
    uploader.sleep = lambda seconds: None
    return uploader


def _phone_photo(path: Path) -> Path:
    """A large colour photo whose EXIF carries the fake patient's name and ID (as phones write)."""
    image = PILImage.fromarray(smooth_rgb(2400, 3200, seed=7))
    exif = PILImage.Exif()
    exif[0x010E] = f"DOE^JANE {PATIENT_ID}"  # ImageDescription
    exif[0x013B] = "DOE JANE"  # Artist
    exif[0x0132] = "2024:03:12 10:15:00"  # DateTime
    image.save(path, "JPEG", quality=95, exif=exif.tobytes())
    assert b"DOE" in path.read_bytes()
    return path


def _records(uploader: BlueskyUploader) -> int:
    client = uploader.client()
    listed = client.com.atproto.repo.list_records({"repo": uploader._did, "collection": "app.bsky.feed.post"})
    return len(listed.records)


def test_two_deidentified_images_posted_and_blobs_hold_no_identifier(bluesky_pds, tmp_path):
    from radshare.core.pipeline import settings_for_installation, shareable_image
    from tests.uploaders.social_fixtures import (
        deidentified_sources,
        identifier_needles,
        metadata_segments,
        text_redaction_mode,
    )

    sources = deidentified_sources(tmp_path, 1, size=512, burned_in=True)
    photo = _phone_photo(tmp_path / "IMG_DOE_JANE.jpg")
    sources.append(SourceImage.from_shareable(shareable_image(photo, settings_for_installation(text_redaction=text_redaction_mode()))))

    uploader = _uploader(bluesky_pds)
    alts = ["Frontal chest radiograph with a rounded right lower zone opacity.",
            "Clinical photograph of a forearm rash, annular with a raised edge."]
    post, gates = build_post(sources, uploader.limits, alt_texts=alts, caption="Case of the week #FOAMrad #RadEd")
    assert check_post(post, gates, right_to_share=True, text_review_confirmed=True) == []
    assert post.images[1].width <= 2000 and post.images[1].size <= MAX_IMAGE_BYTES  # downscaled and fitted

    result = uploader.publish(post)
    assert result.draft is False
    assert result.url.startswith("https://bsky.app/profile/alice.test/post/")

    client = uploader.client()
    rkey = result.id.rsplit("/", 1)[-1]
    record = client.com.atproto.repo.get_record(
        {"repo": uploader._did, "collection": "app.bsky.feed.post", "rkey": rkey}).value
    assert record.text == "Case of the week #FOAMrad #RadEd"
    assert [i.alt for i in record.embed.images] == alts
    assert [(i.aspect_ratio.width, i.aspect_ratio.height) for i in record.embed.images] == [
        (p.width, p.height) for p in post.images]
    assert sorted(f.features[0].tag for f in record.facets) == ["FOAMrad", "RadEd"]

    for sent, embedded in zip(post.images, record.embed.images):
        blob = requests.get(f"{bluesky_pds['url']}/xrpc/com.atproto.sync.getBlob",
                            params={"did": uploader._did, "cid": embedded.image.ref.link}, timeout=30)
        assert blob.status_code == 200
        data = blob.content
        assert data == sent.data  # the PDS stores and serves exactly what RadShare prepared
        assert len(data) <= MAX_IMAGE_BYTES
        assert metadata_segments(data) == []
        leaked = [n for n in identifier_needles() if n in data]
        assert leaked == []


def test_wrong_app_password_is_authentication_failed(bluesky_pds):
    uploader = _uploader(bluesky_pds, password="aaaa-bbbb-cccc-dddd")
    with pytest.raises(AuthenticationFailed) as caught:
        uploader.verify()
    assert "Sign-in failed" in caught.value.explain()


def test_verify_names_the_account(bluesky_pds):
    identity = _uploader(bluesky_pds, 1).verify()
    assert identity.username == "@bob.test"


def test_oversize_image_is_refused_before_anything_is_sent(bluesky_pds):
    uploader = _uploader(bluesky_pds, 1)
    before = _records(uploader)
    big = PreparedImage(data=b"\xff\xd8" + b"\0" * (MAX_IMAGE_BYTES + 10), format="jpeg", width=100, height=100,
                        alt_text="alt")
    with pytest.raises(ValidationFailed, match="1000000-byte limit"):
        uploader.publish(Post(images=[big], caption="x"))
    assert _records(uploader) == before


def test_pds_refuses_a_post_whose_blob_is_over_the_limit(bluesky_pds):
    """Why core must fit images: the blob upload succeeds, the post does not."""
    from atproto import models

    uploader = _uploader(bluesky_pds, 1)
    client = uploader.client()
    rng = np.random.default_rng(3)
    noisy = rng.integers(0, 256, (700, 700, 3), dtype=np.uint8)
    import io

    out = io.BytesIO()
    PILImage.fromarray(noisy).save(out, "PNG")
    data = out.getvalue()
    assert len(data) > MAX_IMAGE_BYTES
    blob = uploader._call("upload", client.upload_blob, data).blob
    record = models.AppBskyFeedPost.Record(
        text="too big", created_at=client.get_current_time_iso(),
        embed=models.AppBskyEmbedImages.Main(images=[models.AppBskyEmbedImages.Image(alt="x", image=blob)]))
    with pytest.raises(Rejected):
        uploader._call("posting", client.com.atproto.repo.create_record,
                       models.ComAtprotoRepoCreateRecord.Data(repo=uploader._did, collection="app.bsky.feed.post",
                                                              record=record))


def test_text_over_300_graphemes_is_refused_offline():
    uploader = BlueskyUploader({"handle": "x.test", "pds_url": "http://127.0.0.1:9"}, "unused")
    image = PreparedImage(data=b"x", format="jpeg", width=1, height=1, alt_text="alt")
    assert uploader.validate(Post(images=[image], caption="é" * 300)) == []
    assert count_graphemes("e\u0301" * 300) == 300  # combining accents count with their letter
    assert count_graphemes("👩\u200d⚕️") == 1
    assert any("301 characters" in p for p in uploader.validate(Post(images=[image], caption="a" * 301)))


def test_app_password_never_reaches_logs_or_outputs(bluesky_pds, caplog, capfd):
    account = bluesky_pds["accounts"][1]
    secret = account["app_password"]
    caplog.set_level(logging.DEBUG)
    uploader = _uploader(bluesky_pds, 1)
    source = SourceImage(smooth_rgb(200, 300), Identifiers(), True)
    post, _ = build_post([source], uploader.limits, alt_texts=["alt"], caption="#RadEd token check")
    result = uploader.publish(post)
    bad = _uploader(bluesky_pds, 1, password=secret[::-1])
    with pytest.raises(AuthenticationFailed) as caught:
        bad.verify()
    out, err = capfd.readouterr()
    texts = [repr(uploader), repr(result), str(caught.value), caught.value.explain(), out, err, caplog.text]
    assert caplog.records, "the run logged nothing at all: the check would prove nothing"
    for text in texts:
        assert secret not in text and secret[::-1] not in text


def test_sensitive_post_carries_the_graphic_media_self_label(bluesky_pds):
    uploader = _uploader(bluesky_pds, 1)
    source = SourceImage(smooth_rgb(200, 300, seed=5), Identifiers(), True)
    post, _ = build_post([source], uploader.limits, alt_texts=["Clinical photograph."], caption="Wound care",
                         options={"sensitive": "true"})
    result = uploader.publish(post)
    record = uploader.client().com.atproto.repo.get_record(
        {"repo": uploader._did, "collection": "app.bsky.feed.post", "rkey": result.id.rsplit("/", 1)[-1]}).value
    assert [label.val for label in record.labels.values] == ["graphic-media"]
