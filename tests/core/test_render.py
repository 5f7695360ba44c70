"""render.py: what the screen shows is what an export writes."""

from __future__ import annotations

import numpy as np
import pytest

from radshare.core import render
from radshare.core.model import Annotation, Image


def ct_image(pixels: np.ndarray, **kw) -> Image:
    return Image(origin="t.dcm", kind="dicom", frames=pixels[None], modality="CT", rescale=(1.0, -1024.0), **kw)


def test_window_maps_hounsfield_units_with_rescale_to_the_dicom_linear_ramp():
    stored = np.array([[0, 1024, 1064, 1104, 3000]], np.int16)  # -1024, 0, 40, 80, 1976 HU
    grey = render.window_frame(stored, center=40, width=80, rescale=(1.0, -1024.0))
    assert grey.dtype == np.uint8
    assert grey[0, 0] == 0 and grey[0, 1] == 0 and grey[0, 4] == 255
    assert 125 <= grey[0, 2] <= 131 and grey[0, 3] == 255


def test_monochrome1_is_inverted_and_user_invert_flips_it_back():
    stored = np.array([[0, 255]], np.uint16)
    mono1 = render.window_frame(stored, 128, 256, photometric="MONOCHROME1")
    assert mono1[0, 0] == 255 and mono1[0, 1] == 0
    both = render.window_frame(stored, 128, 256, photometric="MONOCHROME1", invert=True)
    assert both[0, 0] == 0 and both[0, 1] == 255


def test_presets_are_data_and_ct_gets_lung_mediastinum_bone_brain_plus_the_files_own_window():
    image = ct_image(np.zeros((4, 4), np.int16), window=(50.0, 350.0))
    labels = [p.label for p in render.presets_for(image)]
    assert labels[0] == "File window"
    for wanted in ("CT lung", "CT mediastinum", "CT bone", "CT brain"):
        assert wanted in labels
    photo = Image(origin="p.jpg", kind="photo", frames=np.zeros((1, 4, 4, 3), np.uint8))
    assert render.presets_for(photo) == []


def test_default_window_without_voi_spans_the_values():
    pixels = np.linspace(0, 4000, 64 * 64).reshape(64, 64).astype(np.int16)
    c, w = render.default_window(ct_image(pixels))
    assert -1024 < c < 3000 and 3000 < w < 4100


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("flip_h", [False, True])
def test_map_points_follows_apply_geometry_for_every_rotation_and_flip(rotation, flip_h):
    rows, cols = 40, 60
    marker = np.zeros((rows, cols), np.uint8)
    marker[10, 20] = 255  # pixel whose centre is (20.5, 10.5)
    view = render.View(rotation=rotation, flip_h=flip_h, crop=(5, 3, 50, 30))
    out = render.apply_geometry(marker, view)
    y, x = np.argwhere(out == 255)[0]
    (mx, my), = render.map_points([(20.5, 10.5)], view, rows, cols)
    assert (mx, my) == pytest.approx((x + 0.5, y + 0.5))
    assert out.shape == ((50, 30) if rotation in (90, 270) else (30, 50))


def test_each_annotation_kind_leaves_ink_where_it_is_drawn():
    rgb = np.zeros((200, 200, 3), np.uint8)
    kinds = [
        Annotation("arrow", [(20, 20), (80, 20)]), Annotation("line", [(20, 40), (80, 40)]),
        Annotation("ellipse", [(100, 10), (180, 50)]), Annotation("rect", [(100, 60), (180, 100)]),
        Annotation("text", [(10, 120)], text="RUL"), Annotation("freehand", [(20, 60), (40, 80), (60, 60)]),
        Annotation("marker", [(150, 150)]), Annotation("ruler", [(20, 180), (120, 180)]),
    ]
    for ann in kinds:
        out = render.draw_annotations(rgb, [ann], (0.5, 0.5))
        xs = [p[0] for p in ann.points]
        ys = [p[1] for p in ann.points]
        x0, x1 = int(min(xs)) - 3, int(max(xs)) + 30
        y0, y1 = int(min(ys)) - 3, int(max(ys)) + 30
        yellow = (out[..., 0] > 200) & (out[..., 1] > 170) & (out[..., 2] < 80)
        assert yellow[max(y0, 0):y1, max(x0, 0):x1].sum() > 10, ann.kind
    assert rgb.sum() == 0  # the input is not changed


def test_ruler_reads_millimetres_with_pixel_spacing_and_pixels_without():
    assert render.ruler_length_text((0, 0), (100, 0), (0.5, 0.7)) == "70.0 mm"
    assert render.ruler_length_text((0, 0), (0, 100), (0.5, 0.7)) == "50.0 mm"
    assert render.ruler_length_text((0, 0), (30, 40), None) == "50 px"
    assert render.mapped_spacing((0.5, 0.7), render.View(rotation=90)) == (0.7, 0.5)


def test_render_frame_draws_frame_specific_annotations_only_on_their_frame():
    frames = np.zeros((2, 50, 50), np.int16)
    image = Image(origin="m.dcm", kind="dicom", frames=frames)
    ann = Annotation("rect", [(5, 5), (40, 40)], frame=1)
    view = render.View(center=128, width=256)
    assert render.render_frame(image, 0, view, [ann]).sum() == 0
    assert render.render_frame(image, 1, view, [ann]).sum() > 0
