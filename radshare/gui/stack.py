"""The open images as stacks, one per series, ordered as a PACS orders slices.

A series' slices are ordered by Instance Number, then by Image Position (Patient) along the
slice normal, then by origin (so the order never depends on file names or on which file a
worker read first). The wheel, the arrow keys, the slice bar and cine step through a stack.
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from radshare.core.model import Image
    from radshare.gui.document import ImageState


def series_of(image: Image) -> str:
    return image.series_key or image.origin


def slice_position(image: Image) -> float:
    """Where the slice lies along its normal (mm); 0 when the file does not say."""
    ds = image.dataset
    if ds is None:
        return 0.0
    try:
        position = [float(v) for v in ds.get("ImagePositionPatient") or ()]
        orientation = [float(v) for v in ds.get("ImageOrientationPatient") or ()]
    except (TypeError, ValueError):
        return 0.0
    if len(position) != 3:
        return 0.0
    if len(orientation) != 6:
        return position[2]
    row, column = orientation[:3], orientation[3:]
    normal = (row[1] * column[2] - row[2] * column[1],
              row[2] * column[0] - row[0] * column[2],
              row[0] * column[1] - row[1] * column[0])
    return sum(p * n for p, n in zip(position, normal))


def slice_key(image: Image) -> tuple:
    number = image.instance_number or 0
    return (number if number > 0 else math.inf, slice_position(image), image.origin)


class Stacks:
    """Series key -> the series' states in slice order."""

    def __init__(self) -> None:
        self._stacks: dict[str, list[ImageState]] = {}
        self._keys: dict[str, list[tuple]] = {}

    def add(self, state: ImageState) -> int:
        """Insert `state` into its series; returns its index there."""
        series = series_of(state.image)
        stack = self._stacks.setdefault(series, [])
        keys = self._keys.setdefault(series, [])
        key = slice_key(state.image)
        index = bisect.bisect_right(keys, key)
        keys.insert(index, key)
        stack.insert(index, state)
        return index

    def stack(self, state: ImageState) -> list[ImageState]:
        return self._stacks.get(series_of(state.image), [state])

    def position(self, state: ImageState) -> tuple[int, int]:
        """(index, count) of `state` in its series."""
        stack = self.stack(state)
        return (stack.index(state) if state in stack else 0), len(stack)

    def step(self, state: ImageState, delta: int, wrap: bool = False) -> ImageState:
        """The slice `delta` away in the same series: held at the ends, or wrapped (cine)."""
        stack = self.stack(state)
        index, count = self.position(state)
        target = (index + delta) % count if wrap else max(0, min(count - 1, index + delta))
        return stack[target]

    def ordered(self) -> list[ImageState]:
        """Every state, series by series, in slice order (the image list's order)."""
        return [state for stack in self._stacks.values() for state in stack]

    def same_series(self, a: ImageState | None, b: ImageState | None) -> bool:
        return a is not None and b is not None and series_of(a.image) == series_of(b.image)
