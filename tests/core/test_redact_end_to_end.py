"""End to end: after redaction tesseract reads none of the planted strings; blur is unreadable too."""

from __future__ import annotations

import re

import numpy as np
import pytesseract
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from radshare.core.model import Identifiers, TextRegion
from radshare.core.redact import apply_regions, read_regions, redact_dicom, redact_photo
from radshare.core.redact.ocr import matches_identifiers
from tests.fixtures.textimages import make_sample


def tesseract_words(image: np.ndarray) -> str:
    text = pytesseract.image_to_string(image, config="--psm 11")
    text += pytesseract.image_to_string(255 - image, config="--psm 11")
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def planted_tokens(sample) -> list[str]:
    tokens = []
    for planted in sample.texts:
        tokens += [t for t in re.findall(r"[A-Z0-9]+", planted.text.upper()) if len(t) >= 4]
    return tokens


def test_tesseract_reads_no_planted_string_after_redaction():
    sample = make_sample(61, n_texts=5, n_marks=2, background="ct", low_contrast=False, vertical=False)
    tokens = planted_tokens(sample)
    before = tesseract_words(sample.image)
    assert any(t in before for t in tokens), "the fixture text should be readable before redaction"
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = "1.2.840.10008.5.1.4.1.1.7", generate_uid(), "OT"
    ds.set_pixel_data(sample.image.copy(), "MONOCHROME2", 8)
    outcome = redact_dicom(ds, Identifiers(names=["DOE"]))
    assert outcome.regions and outcome.detector.startswith("ppocr-db")
    after = tesseract_words(ds.pixel_array)
    assert not [t for t in tokens if t in after]
    assert ds.BurnedInAnnotation == "NO"


def test_blur_fill_is_unreadable_by_tesseract():
    import cv2

    image = np.full((300, 420), 30, np.uint8)

    cv2.putText(image, "DOE 12345678", (40, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 255, 2)
    assert "12345678" in tesseract_words(image)
    region = TextRegion(30, 165, 300, 50, fill="blur")
    blurred = apply_regions(image[None], [region])[0]
    assert "12345678" not in tesseract_words(blurred) and "DOE" not in tesseract_words(blurred)
    assert np.array_equal(blurred[:160], image[:160])  # nothing outside the region changes


def test_identifiers_found_by_ocr_are_marked():
    import cv2

    image = np.zeros((120, 420), np.uint8)
    cv2.putText(image, "SMITH^JANE", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    cv2.putText(image, "03/04/1961", (10, 95), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    regions = [TextRegion(0, 5, 260, 50), TextRegion(0, 60, 260, 50), TextRegion(300, 10, 100, 90)]
    identifiers = Identifiers(names=["SMITH", "JANE"], ids=["778899"], dates=["19610403"])
    read_regions(image, regions, identifiers)
    assert [r.is_identifier for r in regions] == [True, True, False]
    assert len(regions) == 3  # an unreadable (empty) region is never dropped


def test_identifier_matching_formats():
    ids = Identifiers(names=["DOE"], ids=["A12345"], dates=["19380610"])
    assert matches_identifiers("Pt: DOE, J", ids)
    assert matches_identifiers("MRN a-12345", ids)
    for written in ("10.06.1938", "1938-06-10", "06/10/1938", "10 JUN 1938", "10/06/38"):
        assert matches_identifiers(written, ids), written
    assert not matches_identifiers("DOEMAN 1234", Identifiers(names=["DOE"], ids=["99999"]))
    assert not matches_identifiers("anything", None)


def test_photo_text_is_painted_and_faces_counted():
    sample = make_sample(81, n_texts=3, n_marks=0, background="cr", color=True, low_contrast=False, vertical=False)
    painted, outcome = redact_photo(sample.image, Identifiers())
    assert painted.shape == sample.image.shape and painted is not sample.image
    assert outcome.regions and outcome.faces == sum(r.source == "face" for r in outcome.regions)
    for planted in sample.texts:
        x, y, w, h = planted.box
        assert (painted[y : y + h, x : x + w] == 0).mean() >= 0.9


def test_faces_are_proposed_for_blur_when_the_cascade_can_run():
    import pytest

    from radshare.core.redact import faces

    if not faces.available():
        pytest.skip("this OpenCV build has no CascadeClassifier (OpenCV 5 removed it)")
    image = np.zeros((200, 200, 3), np.uint8)
    assert faces.detect_faces(image) == []  # no face, no region
