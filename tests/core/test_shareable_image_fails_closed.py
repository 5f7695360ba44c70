"""One function makes every shareable image, and when a cleaning step cannot run nothing leaves.

`core.shareable.make_shareable` paints the reviewed regions, renders the view and the
annotations; the window's export (`gui/export_job.py`, no Qt in it) writes only what it made.
Each test breaks one cleaner (painting regions, reading the identifiers, scrubbing the alt text)
and checks that no file was written at all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from radshare.core import render
from radshare.core.model import Annotation, TextRegion
from radshare.core.shareable import NotReviewed, Review, make_shareable, shareable_frames
from radshare.core.sources import load_image
from tests.uploaders.uploader_samples import write_sample_dicom

NAME_BOX = TextRegion(x=10, y=10, w=60, h=20)


@pytest.fixture(autouse=True)
def _own_key(tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "installation.key"))  # never the user's


@pytest.fixture
def image(tmp_path):
    loaded = load_image(write_sample_dicom(tmp_path / "DOE_JANE.dcm", size=128))
    loaded.regions = [NAME_BOX]
    loaded.review = "reviewed"
    return loaded


def _export(image, out: Path, fmt: str = "png", alt: str = "", confirmed: bool = False):
    from radshare.gui.export_job import ExportItem, ExportOptions, export_items

    item = ExportItem(image=image, view=render.View(center=2048, width=4096), frame=0, regions=list(image.regions),
                      alt_text=alt, review=image.review)
    return export_items([item], ExportOptions(fmt=fmt, out_dir=out, unreviewed_confirmed=confirmed))


def test_the_reviewed_region_is_painted_and_the_view_applied(image):
    view = render.View(center=2048, width=4096, rotation=90)
    made = make_shareable(image, Review.of(image), view)
    assert made.rgb.shape == (image.columns, image.rows, 3)  # a quarter turn
    upright = make_shareable(image, Review.of(image), render.View(center=2048, width=4096)).rgb
    box = upright[NAME_BOX.y:NAME_BOX.y + NAME_BOX.h, NAME_BOX.x:NAME_BOX.x + NAME_BOX.w]
    assert np.ptp(box) == 0  # one flat fill
    assert made.text_review_done and made.text_regions == 1


def test_every_frame_is_rendered_the_same_way_as_one(image):
    view = render.View(center=2048, width=4096, flip_h=True)
    arrow = [Annotation(kind="arrow", points=[(20.0, 90.0), (60.0, 60.0)])]
    frames = list(shareable_frames(image, Review.of(image), view, arrow))
    assert len(frames) == image.frame_count
    assert np.array_equal(frames[0], make_shareable(image, Review.of(image), view, arrow).rgb)


@pytest.mark.parametrize("fmt", ["png", "dicom", "gif"])
def test_when_the_regions_cannot_be_painted_nothing_is_exported(image, tmp_path, monkeypatch, fmt):
    from radshare.core.redact import apply

    def broken(*_args, **_kwargs):
        raise RuntimeError("painting is broken")

    monkeypatch.setattr(apply, "apply_regions", broken)
    monkeypatch.setattr(apply, "redact_dataset", broken)
    with pytest.raises(RuntimeError):
        _export(image, tmp_path / "out", fmt)
    assert not any(p.is_file() for p in (tmp_path / "out").rglob("*"))


def test_when_the_identifiers_cannot_be_read_nothing_is_exported(image, tmp_path, monkeypatch):
    from radshare.core.deid import identifiers

    def broken(_ds):
        raise RuntimeError("cannot read the header")

    monkeypatch.setattr(identifiers, "collect_identifiers", broken)
    with pytest.raises(RuntimeError):
        _export(image, tmp_path / "out", alt="Frontal chest radiograph")
    assert not any(p.is_file() for p in (tmp_path / "out").rglob("*"))


def test_when_the_alt_text_cannot_be_scrubbed_nothing_is_exported(image, tmp_path, monkeypatch):
    from radshare.core.deid import text

    def broken(*_args, **_kwargs):
        raise RuntimeError("the scrubber is broken")

    monkeypatch.setattr(text, "deidentify_text", broken)
    with pytest.raises(RuntimeError):
        _export(image, tmp_path / "out", alt="Axial CT of Jane Doe")
    assert not any(p.is_file() for p in (tmp_path / "out").rglob("*"))


def test_an_unreviewed_image_is_exported_only_with_the_confirmation(image, tmp_path):
    image.review = "not reviewed"
    with pytest.raises(NotReviewed, match="image 1"):
        _export(image, tmp_path / "refused")
    assert not (tmp_path / "refused").exists()
    written = _export(image, tmp_path / "confirmed", confirmed=True)
    assert [p.name for p in written] == ["RadShare-0001.png"]
