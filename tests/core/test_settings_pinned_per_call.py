"""One frame's detection looks its settings up once (settings.pinned): every ask inside the call
sees the settings in force when it began, and the next call looks again, so an override is never
stale between frames and never half-applied within one."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from radshare.core.redact import settings
from radshare.core.redact.detect import detect_text
from radshare.core.redact.settings import current, in_this_thread, overridden, pinned


@pinned
def _seen_before_and_after_an_override() -> tuple[float, float]:
    before = current().painting.pad
    with overridden(painting={"pad": before + 5}):
        inside = current().painting.pad
    return before, inside


def test_an_override_made_during_a_call_waits_for_the_next_call():
    before, inside = _seen_before_and_after_an_override()
    assert inside == before  # pinned for the call
    with overridden(painting={"pad": before + 7}):
        assert pinned(lambda: current().painting.pad)() == before + 7  # the next call looks again
    assert current().painting.pad == before  # nothing left behind


def test_a_call_inside_a_thread_block_keeps_that_blocks_settings():
    with in_this_thread(painting={"pad": 11}):
        assert pinned(lambda: current().painting.pad)() == 11
        assert current().painting.pad == 11  # the block's settings, not cleared by the call
    assert current().painting.pad != 11


def test_a_call_that_raises_leaves_no_pin_behind():
    @pinned
    def fails() -> None:
        raise RuntimeError("broken frame")

    with pytest.raises(RuntimeError):
        fails()
    pad = current().painting.pad
    with overridden(painting={"pad": pad + 3}):
        assert current().painting.pad == pad + 3


def test_detection_sees_an_override_set_between_frames():
    frame = np.full((128, 256), 30, np.uint8)
    cv2.putText(frame, "ID 4711 SMITH", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 230, 2)
    first = detect_text(frame)
    assert first, "the line is found"
    pad = current().painting.painted_pad
    with overridden(painting={"painted_pad": pad + 6}):
        wider = detect_text(frame)
    assert wider[0].w >= first[0].w + 10  # the second frame's own settings, not the first's
    assert getattr(settings._thread, "active", None) is None
