"""A colour frame's chroma: how far each pixel is from grey, a view where coloured text stands out.

Why: the detectors look at a colour frame's brightest channel (which keeps yellow and green
overlay text bright on dark anatomy) and at its luminance (which keeps a neutral date on a
coloured photo). Text that differs from its ground mainly in colour is faint in both: yellow on
white matches it in the brightest channel and stands about 30 levels off it in luminance; green
on a pale blue shirt, or yellow on a blue sky, matches the ground's luminance. In the chroma,
max - min of R, G and B, saturated ink on a neutral ground (and neutral ink on a coloured one)
stands far off its ground. DB searches this view too, and a box the recogniser cannot read in
the brightest channel or luminance is read in the chroma with the stricter rule that confirms a
classical proposal (verify.reads_characters): green on a pale blue shirt reads only there. Read
there with the painting rule, two boxes were read on 72 text-free colour Doppler, echo,
endoscopy and photo images (one over 3% of a Doppler frame); with the stricter rule, none.
"""

from __future__ import annotations

import numpy as np

from radshare.core.redact.pixels import to_grey_and_rgb
from radshare.core.redact.settings import current as settings


def chroma(frame: np.ndarray) -> np.ndarray | None:
    """uint8 max - min over the channels of an HxWx3 frame; None for a grey frame, a colour frame
    whose chroma spans fewer than chroma.min_spread levels (grey kept as RGB), or the view off."""
    if frame.ndim != 3 or not settings().chroma.enabled:
        return None
    rgb = to_grey_and_rgb(frame)[1]
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]  # pairwise: numpy's max over an axis of 3 was 15x slower
    view = np.maximum(np.maximum(red, green), blue) - np.minimum(np.minimum(red, green), blue)
    if int(view.max()) - int(view.min()) < settings().chroma.min_spread:
        return None
    return view
