"""The displayed view of a narrow-window frame is searched without the classical faint passes
(display_view.passes_off): the window has already stretched faint in-window text strong, and on
narrow-window CT those passes were about a fifth of the displayed search's time. The stored
view keeps them (text a few levels off its ground in the stored range), and so does any other
search running beside it."""

from __future__ import annotations

import numpy as np
import pytest

from radshare.core.redact import classical
from radshare.core.redact.search import search_frames
from radshare.core.redact.settings import overridden
from tests.fixtures.dicom_factory import make_image


def _narrow_window_ct():
    ds = make_image(rows=128, cols=128, bits=16, stored=16)
    yy, xx = np.mgrid[0:128, 0:128]
    hu = np.where(((xx - 64) / 60) ** 2 + ((yy - 64) / 58) ** 2 < 1, 30.0, -1000.0)
    hu += np.random.default_rng(4).normal(0, 6, hu.shape)
    hu[100:110, 110:120] = 3000.0  # bone-bright marker: the stored range spans far more than the window
    pixels = np.clip(np.rint(hu) + 1024, 0, 65535).astype(np.uint16)
    ds.PixelData = pixels.tobytes()
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.WindowCenter, ds.WindowWidth = 40, 80
    return ds, pixels[None]


@pytest.fixture
def faint_pass_calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = classical.value_band_lines
    monkeypatch.setattr(classical, "value_band_lines", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


@pytest.mark.parametrize("passes_off", [("repeated_value", "value_bands", "value_bands_vertical"), ()])
def test_the_displayed_view_is_searched_without_the_faint_passes(faint_pass_calls, passes_off):
    ds, frames = _narrow_window_ct()
    with overridden(display_view={"enabled": False}):
        search_frames(frames, ds)  # the stored view alone
    stored_only = len(faint_pass_calls)
    assert stored_only >= 1
    with overridden(display_view={"passes_off": list(passes_off)}):
        search_frames(frames, ds)  # stored and displayed
    both = len(faint_pass_calls) - stored_only
    if passes_off:
        assert both == stored_only  # the stored view ran them; the displayed view did not
    else:  # the setting switched off: the displayed view runs them too (the guard's other side)
        assert both == 2 * stored_only
