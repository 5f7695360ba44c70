"""Undo commands: every edit of an image's annotations, text regions, review state and geometry.

Items are replaced rather than mutated, so a command can restore the exact previous value.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from radshare.core import render
    from radshare.gui.document import ImageState

LISTS = ("annotations", "regions")


def _items(state: ImageState, which: str) -> list[Any]:
    assert which in LISTS
    return getattr(state.image, which)


class AddItem(QUndoCommand):
    def __init__(self, state: ImageState, which: str, item: Any, text: str):
        super().__init__(text)
        self.state, self.which, self.item = state, which, item
        self.index = len(_items(state, which))

    def redo(self) -> None:
        _items(self.state, self.which).insert(self.index, self.item)
        if self.which == "regions" and self.item.source == "user":
            self.state.accepted.add(id(self.item))  # drawn by the reviewer: accepted as drawn
        _after_region_edit(self.state, self.which)
        self.state.changed()

    def undo(self) -> None:
        _items(self.state, self.which).pop(self.index)
        self.state.accepted.discard(id(self.item))
        _after_region_edit(self.state, self.which)
        self.state.changed()


class RemoveItem(QUndoCommand):
    def __init__(self, state: ImageState, which: str, item: Any, text: str):
        super().__init__(text)
        self.state, self.which, self.item = state, which, item
        self.index = _index_of(_items(state, which), item)
        self.was_accepted = id(item) in state.accepted

    def redo(self) -> None:
        _items(self.state, self.which).pop(self.index)
        self.state.accepted.discard(id(self.item))
        _after_region_edit(self.state, self.which)
        self.state.changed()

    def undo(self) -> None:
        _items(self.state, self.which).insert(self.index, self.item)
        if self.was_accepted:
            self.state.accepted.add(id(self.item))
        _after_region_edit(self.state, self.which)
        self.state.changed()


class ReplaceItem(QUndoCommand):
    """Move, resize or restyle: swaps `old` for `new` at the same place in the list."""

    def __init__(self, state: ImageState, which: str, old: Any, new: Any, text: str, accept: bool = False):
        super().__init__(text)
        self.state, self.which, self.old, self.new = state, which, old, new
        self.index = _index_of(_items(state, which), old)
        self.old_accepted = id(old) in state.accepted
        self.accept = accept

    def _swap(self, out: Any, into: Any, accepted: bool) -> None:
        _items(self.state, self.which)[self.index] = into
        self.state.accepted.discard(id(out))
        if accepted:
            self.state.accepted.add(id(into))
        _after_region_edit(self.state, self.which)
        self.state.changed()

    def redo(self) -> None:
        self._swap(self.old, self.new, self.accept or self.old_accepted)

    def undo(self) -> None:
        self._swap(self.new, self.old, self.old_accepted)


class AcceptRegions(QUndoCommand):
    def __init__(self, state: ImageState, regions: list[Any], text: str = "Accept text regions"):
        super().__init__(text)
        self.state, self.regions = state, list(regions)
        self.before = set(state.accepted)
        self.review_before = state.image.review

    def redo(self) -> None:
        self.state.accepted |= {id(r) for r in self.regions}
        _after_region_edit(self.state, "regions")
        self.state.changed()

    def undo(self) -> None:
        self.state.accepted = set(self.before)
        self.state.image.review = self.review_before
        self.state.changed()


class SetReview(QUndoCommand):
    def __init__(self, state: ImageState, review: str, text: str = "Set review status"):
        super().__init__(text)
        self.state, self.review = state, review
        self.before = state.image.review
        self.accepted_before = set(state.accepted)

    def redo(self) -> None:
        self.state.image.review = self.review
        if self.review == "reviewed":
            self.state.accepted |= {id(r) for r in self.state.image.regions}
        self.state.changed()

    def undo(self) -> None:
        self.state.image.review = self.before
        self.state.accepted = set(self.accepted_before)
        self.state.changed()


class SetDetected(QUndoCommand):
    """Detection results replace the region list (user-drawn regions are kept)."""

    def __init__(self, state: ImageState, regions: list[Any]):
        super().__init__("Detect burned-in text")
        self.state = state
        self.before = list(state.image.regions)
        self.review_before = state.image.review
        self.after = [r for r in self.before if r.source == "user"] + list(regions)

    def redo(self) -> None:
        self.state.image.regions = list(self.after)
        self.state.image.review = "not reviewed"
        self.state.changed()

    def undo(self) -> None:
        self.state.image.regions = list(self.before)
        self.state.image.review = self.review_before
        self.state.changed()


class SetView(QUndoCommand):
    """Crop, rotate and flip are undoable; window/level drags are not (they would flood it)."""

    def __init__(self, state: ImageState, view: render.View, text: str):
        super().__init__(text)
        self.state, self.before, self.after = state, state.view, view

    def redo(self) -> None:
        self.state.set_view(self.after)

    def undo(self) -> None:
        from dataclasses import replace

        # keep the current window/level: only the geometry is undone
        now = self.state.view
        self.state.set_view(replace(self.before, center=now.center, width=now.width, invert=now.invert))


def _index_of(items: list[Any], item: Any) -> int:
    for i, candidate in enumerate(items):
        if candidate is item:
            return i
    raise ValueError("item is not in the list")


def _after_region_edit(state: ImageState, which: str) -> None:
    """An image whose every region is accepted counts as reviewed; a new doubt reopens it."""
    if which != "regions":
        return
    image = state.image
    if image.regions and all(id(r) in state.accepted for r in image.regions):
        image.review = "reviewed"
    elif image.review == "reviewed" and state.unaccepted_regions():
        image.review = "not reviewed"
