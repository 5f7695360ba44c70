"""An overlay stored in the unused high bits of the pixels (the retired embedded form) never leaves."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest

from radshare.core.pipeline import process_item, settings_for_installation
from radshare.core.sources import InputItem
from tests.fixtures.dicom_factory import dcmtk_available, make_image, to_bytes


def _label_bitmap(rows: int, cols: int) -> np.ndarray:
    """A blocky 'DOE' label, as an overlay plane would hold a name."""
    bitmap = np.zeros((rows, cols), bool)
    top = rows - 14  # lower rows: where the test image's values are highest (positive when signed)
    bitmap[top:top + 8, 4:6] = bitmap[top:top + 2, 4:10] = bitmap[top + 6:top + 8, 4:10] = True  # D
    bitmap[top + 2:top + 6, 10:12] = True
    bitmap[top:top + 8, 14:16] = bitmap[top:top + 8, 20:22] = bitmap[top:top + 2, 14:22] = True  # O
    bitmap[top + 6:top + 8, 14:22] = True
    bitmap[top:top + 8, 24:26] = bitmap[top:top + 2, 24:32] = bitmap[top + 3:top + 5, 24:30] = True  # E
    bitmap[top + 6:top + 8, 24:32] = True
    return bitmap


def _run(tmp_path, data: bytes):
    source = tmp_path / "in.dcm"
    source.write_bytes(data)
    report = process_item(InputItem(path=source, display="in.dcm"), tmp_path / "out",
                          settings_for_installation(text_redaction="off"))
    assert report.status == "ok", report.error
    return report, pydicom.dcmread(report.outputs[0])


@pytest.mark.parametrize("syntax", ["explicit-le", "implicit-le", "explicit-be"])
@pytest.mark.parametrize("signed", [False, True])
def test_bitmap_in_bit_15_is_gone_and_pixel_values_unchanged(syntax, signed, tmp_path, monkeypatch):
    if syntax == "explicit-be" and not dcmtk_available():
        pytest.skip("dcmtk writes big endian")
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    image = make_image(rows=32, cols=40, bits=16, stored=12, signed=signed)
    values = image.pixel_array.copy()
    words = np.frombuffer(image.PixelData, "<u2").reshape(32, 40).copy()
    label = _label_bitmap(32, 40)
    if signed:
        label &= values >= 0  # on negative pixels bit 15 is the sign anyway: plant where it shows
        values = values.copy()
    assert label.sum() > 20
    words[label] |= 0x8000  # the overlay plane in bit 15
    image.PixelData = words.tobytes()
    image.add_new(0x60000010, "US", 32)
    image.add_new(0x60000011, "US", 40)
    image.add_new(0x60000100, "US", 16)  # Overlay Bits Allocated = Bits Allocated: embedded
    image.add_new(0x60000102, "US", 15)  # Overlay Bit Position
    report, out = _run(tmp_path, to_bytes(image, syntax))
    order = ">" if syntax == "explicit-be" else "<"
    cleaned = np.frombuffer(out.PixelData, order + "u2").reshape(32, 40)
    top_bits = cleaned >> 12
    if signed:
        sign = (cleaned >> 11) & 1
        assert np.all(top_bits == np.where(sign == 1, 0xF, 0)), "high bits must only repeat the sign"
    else:
        assert not np.any(top_bits), "the overlay bitmap is still in the high bits"
    np.testing.assert_array_equal(out.pixel_array, values)
    assert not any(tag >> 16 == 0x6000 for tag in out.keys())


def test_clean_pixels_are_copied_byte_for_byte(tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    image = make_image(rows=32, cols=40, bits=16, stored=12)
    report, out = _run(tmp_path, to_bytes(image, "explicit-le"))
    assert out.PixelData == image.PixelData
