"""Review burned-in text, pass the PHI gate, export, and check the files a reader would receive."""

from __future__ import annotations

import importlib.util
import io

import numpy as np
import pytest
from PIL import Image as PILImage
from PySide6.QtCore import QPoint, Qt

from conftest import drag, image_to_canvas, open_by_drop, press_key, wait_detected
from dicomfactory import TEXT_BOX

HAS_APPLY = importlib.util.find_spec("radshare.core.redact.apply") is not None
def _has_detection() -> bool:
    from radshare.gui import services

    return services.detection_available()


HAS_DETECT = _has_detection()
needs_apply = pytest.mark.skipif(not HAS_APPLY, reason="radshare.core.redact.apply is not in this tree yet")


def draw_arrow(qtbot, window):
    press_key(qtbot, window, Qt.Key_A)
    drag(window.canvas, image_to_canvas(window, 150, 400), image_to_canvas(window, 300, 300))


def draw_box_over_text(qtbot, window):
    x, y, w, h = TEXT_BOX
    press_key(qtbot, window, Qt.Key_B)
    drag(window.canvas, image_to_canvas(window, x, y), image_to_canvas(window, x + w, y + h))


def export_via_dialog(qtbot, window, out_dir, fmt: str, confirm: bool = False, scope: str = "current"):
    press_key(qtbot, window, Qt.Key_E, Qt.ControlModifier)
    dialog = window.exporter.open_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.format.setCurrentIndex(dialog.format.findData(fmt))
    dialog.scope.setCurrentIndex(dialog.scope.findData(scope))
    dialog.folder.setText(str(out_dir))
    if confirm:
        assert not dialog.export_button.isEnabled()
        qtbot.mouseClick(dialog.confirm, Qt.LeftButton, pos=QPoint(8, dialog.confirm.height() // 2))
    assert dialog.export_button.isEnabled()
    with qtbot.waitSignal(window.exporter.export_finished, timeout=30000) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    return blocker.args[0]


def yellow_pixels(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0] > 200) & (rgb[..., 1] > 170) & (rgb[..., 2] < 90)


def test_unreviewed_image_cannot_be_exported_until_the_user_confirms(qtbot, window, ct_file, tmp_path):
    open_by_drop(qtbot, window, [ct_file])
    assert window.current.image.review == "not reviewed"
    written = export_via_dialog(qtbot, window, tmp_path / "out", "png", confirm=True)
    assert len(written) == 1 and written[0].name == "RadShare-0001.png"


def test_png_export_has_the_arrow_burned_in_and_no_metadata(qtbot, window, ct_file, tmp_path):
    open_by_drop(qtbot, window, [ct_file])
    wait_detected(qtbot, window)
    draw_arrow(qtbot, window)
    qtbot.mouseClick(window.review_panel.accept_all, Qt.LeftButton)
    assert window.current.image.review == "reviewed"
    written = export_via_dialog(qtbot, window, tmp_path / "out", "png")
    data = written[0].read_bytes()
    assert b"DOE" not in data and b"12345678" not in data
    with PILImage.open(io.BytesIO(data)) as im:
        assert not im.info.get("exif") and not getattr(im, "text", {})
        rgb = np.asarray(im.convert("RGB"))
    assert rgb.shape == (512, 512, 3)
    assert yellow_pixels(rgb)[300:400, 150:300].sum() > 100  # the arrow's shaft and head
    assert yellow_pixels(rgb)[:100, :].sum() == 0


@needs_apply
def test_a_hand_drawn_redaction_box_paints_the_name_out_of_png_and_dicom(qtbot, window, ct_file, tmp_path):
    import pydicom

    open_by_drop(qtbot, window, [ct_file])
    state = window.current
    wait_detected(qtbot, window)
    state.image.regions = []  # what detection found goes: the hand-drawn box alone must paint the name out
    state.changed()
    draw_box_over_text(qtbot, window)
    assert len(state.image.regions) == 1 and state.image.regions[0].source == "user"
    assert state.image.review == "reviewed"  # the only box was drawn, hence accepted, by the reviewer
    draw_arrow(qtbot, window)
    written = export_via_dialog(qtbot, window, tmp_path / "png", "png")
    rgb = np.asarray(PILImage.open(written[0]).convert("RGB"))
    x, y, w, h = TEXT_BOX
    patch = rgb[y + 4:y + h - 4, x + 4:x + w - 4, 0]
    original = window.canvas.frame_image()  # the screen still shows the original text
    assert patch.max() - patch.min() <= 2, "the burned-in name is still visible"
    assert original is not None
    written = export_via_dialog(qtbot, window, tmp_path / "dcm", "dicom")
    data = written[0].read_bytes()
    for secret in (b"DOE", b"JANE", b"12345678", b"ACC998877", b"ELSEWHERE", b"19700101"):
        assert secret not in data
    ds = pydicom.dcmread(written[0])
    assert ds.PatientIdentityRemoved == "YES"
    pixels = ds.pixel_array
    assert pixels.ndim == 3 and pixels.shape[-1] == 3  # annotations burned into RGB
    assert yellow_pixels(pixels)[300:400, 150:300].sum() > 100
    region = pixels[y + 4:y + h - 4, x + 4:x + w - 4, 0]
    assert region.max() - region.min() <= 2


@pytest.mark.skipif(not (HAS_DETECT and HAS_APPLY), reason="radshare.core.redact is not in this tree yet")
def test_detection_review_and_next_unreviewed_flow(qtbot, window, ct_dir):
    open_by_drop(qtbot, window, [ct_dir])
    first = window.current
    wait_detected(qtbot, window)  # detection ran by itself
    with qtbot.waitSignal(window.reviewer.detection_finished, timeout=60000):
        qtbot.mouseClick(window.review_panel.detect, Qt.LeftButton)  # and runs again on request
    regions = first.image.regions
    assert regions, "the burned-in name was not found"
    x, y, w, h = TEXT_BOX
    assert any(r.x < x + w and x < r.x + r.w and r.y < y + h and y < r.y + r.h for r in regions)
    assert first.image.review == "not reviewed"
    # the reviewer deletes nothing, accepts every box one by one with the keyboard
    for region in list(regions):
        window.canvas.select("regions", region)
        press_key(qtbot, window, Qt.Key_Y)
    assert first.image.review == "reviewed"
    assert "Reviewed" in window.review_panel.status.text()
    press_key(qtbot, window, Qt.Key_N)
    assert window.current is not first and window.current.image.review == "not reviewed"


def test_cine_gif_export_of_a_multiframe_image_has_every_frame(qtbot, window, multiframe_file, tmp_path):
    open_by_drop(qtbot, window, [multiframe_file])
    wait_detected(qtbot, window)
    qtbot.mouseClick(window.review_panel.accept_all, Qt.LeftButton)
    written = export_via_dialog(qtbot, window, tmp_path / "gif", "gif")
    with PILImage.open(written[0]) as gif:
        assert gif.n_frames == 12
    assert b"DOE" not in written[0].read_bytes()


def test_alt_text_is_saved_beside_the_export_with_identifiers_scrubbed(qtbot, window, ct_file, tmp_path):
    import json

    open_by_drop(qtbot, window, [ct_file])
    wait_detected(qtbot, window)
    qtbot.mouseClick(window.review_panel.accept_all, Qt.LeftButton)
    window.side_tabs.setCurrentWidget(window.properties_panel)
    window.properties_panel.alt_text.setPlainText("Axial CT of Jane Doe showing a normal chest")
    written = export_via_dialog(qtbot, window, tmp_path / "alt", "jpeg")
    alt = json.loads((tmp_path / "alt" / "RadShare-alt-text.json").read_text())
    text = alt[written[0].name]
    assert "Axial CT" in text and "Doe" not in text and "Jane" not in text


def test_mp4_cine_of_a_series_of_single_slices_is_one_loop(qtbot, window, ct_dir, tmp_path):
    import subprocess

    import imageio_ffmpeg

    open_by_drop(qtbot, window, [ct_dir])
    wait_detected(qtbot, window)
    qtbot.mouseClick(window.review_panel.accept_series, Qt.LeftButton)
    written = export_via_dialog(qtbot, window, tmp_path / "mp4", "mp4", scope="series")
    assert [p.suffix for p in written] == [".mp4"]
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(written[0])], capture_output=True, text=True)
    assert "Video: h264" in probe.stderr
    assert b"DOE" not in written[0].read_bytes()


@needs_apply
def test_preview_shows_the_name_painted_out_before_export(qtbot, window, ct_file):
    open_by_drop(qtbot, window, [ct_file])
    wait_detected(qtbot, window)
    window.current.image.regions = []  # the hand-drawn box alone
    window.current.changed()
    draw_box_over_text(qtbot, window)

    def box_spread() -> int:
        qimage = window.canvas.frame_image()
        x, y, w, h = TEXT_BOX
        values = [qimage.pixelColor(px, py).red() for px in range(x + 4, x + w - 4, 3) for py in range(y + 4, y + h - 4, 3)]
        return max(values) - min(values)

    assert box_spread() > 100  # the name is on screen
    press_key(qtbot, window, Qt.Key_P)
    assert window.canvas.preview and box_spread() <= 2
    press_key(qtbot, window, Qt.Key_P)
    assert box_spread() > 100


def test_when_text_boxes_cannot_be_painted_out_nothing_is_exported(qtbot, window, ct_file, tmp_path, monkeypatch):
    from radshare.core.redact import apply

    open_by_drop(qtbot, window, [ct_file])
    wait_detected(qtbot, window)
    window.current.image.regions = []  # the hand-drawn box alone, accepted by drawing it
    window.current.changed()
    draw_box_over_text(qtbot, window)
    assert window.current.image.review == "reviewed"

    def broken(*_args, **_kwargs):
        raise RuntimeError("painting is broken")

    monkeypatch.setattr(apply, "apply_regions", broken)
    written = export_via_dialog(qtbot, window, tmp_path / "out", "png")
    assert written == []
    assert not any(p.is_file() for p in (tmp_path / "out").rglob("*"))
    assert any("Export failed" in p for p in window.log_panel.problems)
