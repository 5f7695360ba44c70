"""Sidecars: annotations and reviewed regions survive a round trip; OCR text and paths never land."""

from __future__ import annotations

import json

import numpy as np
import pytest

from radshare.core import annotations_io as aio
from radshare.core.model import Annotation, Image, TextRegion


def image(origin="/data/DOE_JANE/ct.dcm") -> Image:
    return Image(origin=origin, kind="dicom", frames=np.zeros((1, 4, 4), np.uint8))


def test_round_trip_keeps_annotations_regions_review_and_alt_text(tmp_path):
    sidecar = aio.Sidecar(
        annotations=[Annotation("arrow", [(1.5, 2.0), (30.0, 40.0)], color="#FF0000", width=4, text=""),
                     Annotation("text", [(5, 5)], text="RUL nodule", frame=2)],
        regions=[TextRegion(1, 2, 30, 10, frame=None, source="detector", text="DOE JANE", is_identifier=True, fill="blur")],
        review="reviewed", alt_text="Axial CT")
    path = aio.sidecar_path(tmp_path, image())
    aio.write_sidecar(path, sidecar)
    back = aio.read_sidecar(path)
    assert back.annotations == sidecar.annotations
    assert back.regions[0].as_box() == (1, 2, 30, 10) and back.regions[0].fill == "blur"
    assert back.regions[0].is_identifier and back.regions[0].text == ""
    assert (back.review, back.alt_text) == ("reviewed", "Axial CT")


def test_sidecar_holds_no_ocr_text_and_is_not_named_after_the_input(tmp_path):
    img = image()
    img.regions = [TextRegion(0, 0, 5, 5, text="DOE JANE")]
    path = aio.sidecar_path(tmp_path, img)
    aio.write_sidecar(path, aio.Sidecar.of(img))
    assert "DOE" not in path.name and b"DOE" not in path.read_bytes()


def test_missing_sidecar_is_none_and_damaged_one_raises(tmp_path):
    assert aio.read_sidecar(tmp_path / "none.json") is None
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError):
        aio.read_sidecar(bad)
    bad.write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError):
        aio.read_sidecar(bad)


def test_an_interrupted_write_leaves_the_previous_sidecar_whole(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    aio.write_sidecar(path, aio.Sidecar(alt_text="first"))

    def explode(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr("radshare.core.fsutil.os.replace", explode)
    with pytest.raises(OSError):
        aio.write_sidecar(path, aio.Sidecar(alt_text="second"))
    assert aio.read_sidecar(path).alt_text == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_the_same_instance_uid_gives_the_same_sidecar_wherever_the_file_lies():
    from pydicom.dataset import Dataset

    a, b = image("/a/x.dcm"), image("/b/y.dcm")
    a.dataset, b.dataset = Dataset(), Dataset()
    a.dataset.SOPInstanceUID = b.dataset.SOPInstanceUID = "1.2.3"
    assert aio.image_key(a) == aio.image_key(b)
    assert aio.image_key(image("/a/x.dcm")) != aio.image_key(image("/b/y.dcm"))
