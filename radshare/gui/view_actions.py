"""The window's view commands: tools, window/level presets, invert, rotate/flip, frames, cine.

A mixin of MainWindow (it uses the window's canvas, actions, frame bar and current image), kept
apart so that each module keeps one job.
"""

from __future__ import annotations

from dataclasses import replace

from radshare.gui import icons, services
from radshare.gui.lazy import lazy
from radshare.gui.viewer import commands
from radshare.gui.viewer.tools import TOOLS, make_tool

render = lazy("radshare.core.render")


class ViewActions:
    def set_tool(self, tool_id: str) -> None:
        self.canvas.set_tool(make_tool(tool_id))
        action = self.actions.get(f"tool_{tool_id}")
        if action is not None and not action.isChecked():
            action.setChecked(True)
        label = next((t.label for t in TOOLS if t.id == tool_id), tool_id)
        self.status_label.setText(f"{label}: {next((t.tip for t in TOOLS if t.id == tool_id), '')}")

    def apply_window(self, center: float, width: float) -> None:
        if self.current is not None:
            self.current.set_window(center, width)

    def apply_file_window(self) -> None:
        if self.current is not None:
            self.apply_window(*render.default_window(self.current.image, self.current.frame))

    def apply_auto_window(self) -> None:
        if self.current is not None:
            image = replace(self.current.image, window=None)
            self.apply_window(*render.default_window(image, self.current.frame))

    def toggle_invert(self) -> None:
        if self.current is not None:
            self.current.set_view(replace(self.current.view, invert=not self.current.view.invert))

    def rotate(self, degrees: int) -> None:
        if self.current is not None:
            state = self.current
            state.undo_stack.push(commands.SetView(state, state.view.rotated(degrees), "Rotate"))
            self.canvas.fit()

    def flip(self, axis: str) -> None:
        if self.current is not None:
            state = self.current
            view = replace(state.view, flip_h=not state.view.flip_h) if axis == "h" else replace(state.view, flip_v=not state.view.flip_v)
            state.undo_stack.push(commands.SetView(state, view, "Flip"))

    def reset_view(self) -> None:
        if self.current is not None:
            state = self.current
            state.undo_stack.push(commands.SetView(state, state.default_view, "Reset view"))
            state.set_view(state.default_view)
            self.canvas.fit()

    def set_preview(self, on: bool) -> None:
        status = services.redaction_status()
        if on and not status.ok:
            self.status_label.setText(f"The export preview cannot paint out text. {status.reason}")
        self.canvas.preview = on
        self.canvas.update()

    def set_show_regions(self, shown: bool) -> None:
        self.canvas.show_regions = shown
        self.canvas.update()

    def go_frame(self, frame: int) -> None:
        """Frame `frame` of a multi-frame image, else slice `frame` of the series (-1: the last)."""
        state = self.current
        if state is None:
            return
        if state.image.frame_count > 1:
            state.set_frame(frame if frame >= 0 else state.image.frame_count - 1)
        else:
            stack = self.stacks.stack(state)
            self.show_state(stack[frame if 0 <= frame < len(stack) else -1])
        self._update_frame_bar()

    def _on_frame_changed(self, _frame: int) -> None:
        self._update_frame_bar()

    def _update_frame_bar(self) -> None:
        """The bar under the image: where you are among the frames, or the series' slices."""
        state = self.current
        if state is None:
            self.frame_bar.hide()
            return
        if state.image.frame_count > 1:
            word, index, count = "Frame", state.frame, state.image.frame_count
        else:
            word, (index, count) = "Slice", self.stacks.position(state)
        self.canvas.position_text = f"{word} {index + 1} / {count}" if count > 1 and word == "Slice" else ""
        if count <= 1:
            self.frame_bar.hide()
            return
        self.frame_bar.show()
        self.frame_slider.blockSignals(True)
        self.frame_slider.setRange(0, count - 1)
        self.frame_slider.setValue(index)
        self.frame_slider.blockSignals(False)
        self.frame_label.setText(f"{word} {index + 1} / {count}")
        self.frame_slider.setToolTip(f"{word}s: wheel or arrow keys step, Ctrl+wheel zooms")

    def set_link_series(self, on: bool) -> None:
        self.settings.link_series = on

    def toggle_cine(self, playing: bool) -> None:
        state = self.current
        if playing and state is not None and (state.image.frame_count > 1 or len(self.stacks.stack(state)) > 1):
            self.cine_timer.start()
            self.play_button.setIcon(icons.icon("pause"))
        else:
            self.stop_cine()

    def stop_cine(self) -> None:
        self.cine_timer.stop()
        self.play_button.setIcon(icons.icon("play"))
        action = self.actions.get("play")
        if action is not None and action.isChecked():
            action.blockSignals(True)
            action.setChecked(False)
            action.blockSignals(False)
