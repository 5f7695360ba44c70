"""Synthetic images for uploader tests (no patient data)."""

from __future__ import annotations

import numpy as np


def smooth_rgb(height: int = 600, width: int = 800, seed: int = 0) -> np.ndarray:
    """A photo-like colour image: gradients plus mild noise (compresses like a real picture)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([(x * 255 / width), (y * 255 / height), ((x + y) * 127 / (width + height)) + 64], -1)
    rgb = rgb + rng.normal(0, 12, rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def grey_radiograph(size: int = 512, seed: int = 1) -> np.ndarray:
    """A grey, radiograph-like image (a bright disc on a dark field with noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    disc = ((x - size / 2) ** 2 + (y - size / 2) ** 2) < (size / 3) ** 2
    grey = 40 + 150 * disc + rng.normal(0, 10, (size, size))
    return np.clip(grey, 0, 255).astype(np.uint8)
