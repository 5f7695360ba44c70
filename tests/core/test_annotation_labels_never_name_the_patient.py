"""Teaching labels typed by the user never burn the patient's identity into shared pixels.

A label such as "Mrs DOE, 12/03/2021" is drawn scrubbed: the image's own identifiers, dates, IDs
and phone numbers replaced by category tokens, exactly as if the user had typed the tokens.
"""

from __future__ import annotations

import numpy as np

from radshare.core import render
from radshare.core.model import Annotation
from radshare.core.sources import image_from_dataset
from tests.fixtures.dicom_factory import make_image


def _image():
    ds = make_image(rows=128, cols=256, bits=16)
    ds.PatientName = "ZEBRAKOV^QUILLA"
    return image_from_dataset(ds, "in.dcm")


def _label(text: str, kind: str = "text") -> Annotation:
    return Annotation(kind=kind, points=[(10.0, 40.0), (60.0, 90.0)], text=text, font_size=20)


def test_a_label_naming_the_patient_is_drawn_scrubbed():
    image = _image()
    view = render.View(center=1000.0, width=2000.0)
    typed = render.render_frame(image, 0, view, [_label("Mrs ZEBRAKOV, 12/03/2021")])
    scrubbed = render.render_frame(image, 0, view, [_label("Mrs [NAME], [DATE]")])
    plain = render.render_frame(image, 0, view, [])
    assert np.array_equal(typed, scrubbed)
    assert not np.array_equal(typed, plain)  # the label itself is still drawn


def test_a_marker_label_is_scrubbed_too_and_ordinary_labels_are_untouched():
    image = _image()
    view = render.View(center=1000.0, width=2000.0)
    typed = render.render_frame(image, 0, view, [_label("QUILLA", kind="marker")])
    assert np.array_equal(typed, render.render_frame(image, 0, view, [_label("[NAME]", kind="marker")]))
    ordinary = render.render_frame(image, 0, view, [_label("fracture, left radius")])
    assert render.safe_label("fracture, left radius", render.image_identifiers(image)) == "fracture, left radius"
    assert not np.array_equal(ordinary, typed)


def test_photo_labels_lose_dates_and_numbers_without_any_header():
    rgb = np.zeros((64, 200, 3), dtype=np.uint8)
    drawn = render.draw_annotations(rgb, [_label("seen 12/03/2021, MRN 12345678")])
    assert np.array_equal(drawn, render.draw_annotations(rgb, [_label("seen [DATE], MRN [ID]")]))
