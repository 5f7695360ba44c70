"""The burned-in policy file orders review; it never decides whether an image is scanned."""

from __future__ import annotations

from pydicom.dataset import Dataset

from radshare.core.pipeline import has_pixels, review_priority


def _image(**values) -> Dataset:
    ds = Dataset()
    ds.PixelData = b"\x00\x00"
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds


def test_every_image_with_pixels_is_scanned_whatever_its_header_says():
    for ds in (_image(Modality="CT", BurnedInAnnotation="NO"), _image(Modality="MR"), _image(Modality="US"),
               _image(SOPClassUID="1.2.840.10008.5.1.4.1.1.7", BurnedInAnnotation="NO")):
        assert has_pixels(ds)
    assert not has_pixels(Dataset())


def test_review_order_puts_said_and_captured_text_first():
    assert review_priority(_image(Modality="CT", BurnedInAnnotation="YES")) == 0
    assert review_priority(_image(SOPClassUID="1.2.840.10008.5.1.4.1.1.7", BurnedInAnnotation="NO")) == 0
    assert review_priority(_image(Modality="CT", ImageType=["DERIVED", "SECONDARY"])) == 0
    assert review_priority(_image(Modality="US")) == 1
    assert review_priority(_image(Modality="CT", BurnedInAnnotation="NO")) == 2
