"""The decoded-pixel budget for text redaction: a few megabytes that declare a gigabyte are
refused (issue: hostile inputs), while a long cine that really is that large is cleaned (issue:
whole series at speed): the budget grows with the pixel bytes the input stores, up to a cap."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset

from radshare.core.budgets import DECODED_PIXEL_BYTES, DECODED_PIXEL_BYTES_CAP, MIB, OverBudget, decoded_budget
from radshare.core.pipeline import check_decoded_budget


def _image(frames: int, stored: int, rows: int = 480, cols: int = 640) -> Dataset:
    ds = Dataset()
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, cols, frames
    ds.SamplesPerPixel, ds.BitsAllocated = 1, 8
    ds.PixelData = bytes(stored)
    return ds


def test_small_inputs_keep_the_fixed_budget_and_large_ones_grow_to_the_cap():
    assert decoded_budget(0) == decoded_budget(5 * MIB) == DECODED_PIXEL_BYTES
    assert decoded_budget(50 * MIB) == 600 * MIB
    assert decoded_budget(600 * MIB) == DECODED_PIXEL_BYTES_CAP


def test_a_small_file_declaring_a_long_cine_is_refused_with_the_fixed_budget():
    with pytest.raises(OverBudget, match="over the 128 MB budget"):
        check_decoded_budget(_image(frames=2000, stored=2 * MIB))


def test_a_native_cine_of_2000_frames_is_allowed_because_it_stores_what_it_decodes():
    check_decoded_budget(_image(frames=2000, stored=2000 * 480 * 640))


def test_even_a_large_input_cannot_decode_past_the_cap():
    with pytest.raises(OverBudget, match="over the 1.0 GB budget"):
        check_decoded_budget(_image(frames=4000, stored=200 * MIB, rows=1024, cols=1024))
