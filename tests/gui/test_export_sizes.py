"""Export at a chosen size: 1x, 2x, fit to 1080 or 2048 px, with annotations drawn at the output
resolution and keeping their size on the image; labels near an edge stay inside the picture."""

from __future__ import annotations

import numpy as np
from PIL import Image as PILImage
from PySide6.QtCore import Qt

from conftest import drag, image_to_canvas, open_by_drop, press_key, wait_detected
from dicomfactory import write_ct
from test_review_export import export_via_dialog, yellow_pixels


def _export(qtbot, window, out_dir, size: str) -> np.ndarray:
    press_key(qtbot, window, Qt.Key_E, Qt.ControlModifier)
    dialog = window.exporter.open_dialog
    dialog.size.setCurrentIndex(dialog.size.findData(size))
    written = export_via_dialog(qtbot, window, out_dir, "png")
    assert len(written) == 1
    with PILImage.open(written[0]) as im:
        return np.asarray(im.convert("RGB"))


def _small_ct_with_an_arrow(qtbot, window, tmp_path):
    ct = write_ct(tmp_path / "small.dcm", size=256, text=False)
    open_by_drop(qtbot, window, [ct])
    press_key(qtbot, window, Qt.Key_A)
    drag(window.canvas, image_to_canvas(window, 40, 200), image_to_canvas(window, 120, 120))
    wait_detected(qtbot, window)  # an image can be marked reviewed once detection has run on it
    press_key(qtbot, window, Qt.Key_Return, Qt.ControlModifier)  # mark reviewed
    assert window.current.image.review == "reviewed"


def test_the_dialog_offers_sizes_with_the_pixels_they_give_and_hides_them_for_dicom(qtbot, window, tmp_path):
    _small_ct_with_an_arrow(qtbot, window, tmp_path)
    press_key(qtbot, window, Qt.Key_E, Qt.ControlModifier)
    dialog = window.exporter.open_dialog
    labels = [dialog.size.itemText(i) for i in range(dialog.size.count())]
    assert labels == ["Native size (256 \u00d7 256)", "Twice the native size (512 \u00d7 512)",
                      "Fit to 1080 px (1080 \u00d7 1080)", "Fit to 2048 px (2048 \u00d7 2048)"]
    dialog.format.setCurrentIndex(dialog.format.findData("dicom"))
    assert not dialog.size.isVisible()
    dialog.format.setCurrentIndex(dialog.format.findData("png"))
    assert dialog.size.isVisible()
    dialog.reject()


def test_a_small_ct_exported_to_fit_1080_keeps_its_arrow_in_proportion(qtbot, window, tmp_path):
    _small_ct_with_an_arrow(qtbot, window, tmp_path)
    native = _export(qtbot, window, tmp_path / "1x", "1x")
    large = _export(qtbot, window, tmp_path / "1080", "1080")
    double = _export(qtbot, window, tmp_path / "2x", "2x")
    assert native.shape == (256, 256, 3) and large.shape == (1080, 1080, 3) and double.shape == (512, 512, 3)
    assert window.settings.export_size == "2x"  # remembered for the next export
    def extent(rgb: np.ndarray) -> tuple[float, ...]:
        ys, xs = np.nonzero(yellow_pixels(rgb))
        size = rgb.shape[0]
        return (xs.min() / size, ys.min() / size, xs.max() / size, ys.max() / size)

    for rgb in (large, double):  # the arrow spans the same part of the picture at every size
        assert np.allclose(extent(rgb), extent(native), atol=0.02), (extent(rgb), extent(native))
    # and as thick, relative to it: red minus blue is 0 on grey and 255 on the yellow, so its
    # mean is the share of the picture the (anti-aliased) arrow covers
    share = {name: (rgb[..., 0].astype(float) - rgb[..., 2]).clip(0).mean() / 255
             for name, rgb in (("1x", native), ("1080", large), ("2x", double))}
    # (within the pixel grid: a 1.5 px line is drawn 2 px wide at 1x; unscaled, 1080 would be 1/4)
    assert 0.6 < share["1080"] / share["2x"] < 1.4, share
    assert 0.4 < share["1080"] / share["1x"] < 1.4, share
    scale = 1080 / 256
    tip_region = yellow_pixels(large)[int(100 * scale):int(140 * scale), int(100 * scale):int(140 * scale)]
    assert tip_region.sum() > 200  # drawn where the arrow is, at the output resolution
    # drawn after resampling: the shaft's edges are sharper than the 1x export enlarged
    from radshare.core.render import resample

    enlarged = resample(native, scale)

    def steepest(rgb: np.ndarray) -> int:
        row = rgb[int(160 * scale), int(65 * scale):int(95 * scale), 0]  # red, across the shaft in the lung
        return int(np.abs(np.diff(row.astype(int))).max())

    assert steepest(large) > 1.5 * steepest(enlarged), (steepest(large), steepest(enlarged))


def test_annotations_are_drawn_relative_to_the_image_size(qtbot, window, tmp_path):
    """The style's width 3 and font 18 are pixels of a 512-pixel image: half on a 256-pixel CT."""
    _small_ct_with_an_arrow(qtbot, window, tmp_path)
    arrow = window.current.image.annotations[0]
    assert (arrow.width, arrow.font_size) == (1.5, 9.0)
    assert window.properties_panel.width.value() == 3.0  # shown in the style's units


def test_a_ruler_label_at_the_right_edge_stays_inside_the_picture():
    from radshare.core import render
    from radshare.core.model import Annotation, Image

    frame = np.zeros((200, 200), np.uint8)
    image = Image(origin="x", kind="photo", frames=frame[None], pixel_spacing=(0.5, 0.5))

    def label_pixels(x0: float) -> int:
        ruler = Annotation(kind="ruler", points=[(x0, 100.0), (x0 + 4, 100.0)], font_size=16)
        rgb = render.render_frame(image, 0, render.View(), [ruler])
        below = yellow_pixels(rgb)[104:140]  # the label sits below the ruler's middle
        return int(below.sum())

    middle, edge = label_pixels(60), label_pixels(192)
    assert middle > 50
    assert edge > 0.9 * middle, (edge, middle)
