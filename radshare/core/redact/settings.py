"""Every threshold and switch of the text detector, from one data file: resources/detector_settings.toml.

The file says for each value why it is what it is and the figure it was tuned on; this module
reads it once, at the detector's first use, into a typed, frozen object (a missing or unknown
key, or a value of the wrong type, is an error naming it: no detection runs on a broken file)
and hands it out with `current()`. The redact modules call `current()` where they use a value,
never copy one into a module constant or a default argument, so an override reaches them.

`overridden(passes={"verify": False})` switches a pass off (or changes any value) for a block:
tests and benchmarks use it instead of patching module constants. It also sets the
RADSHARE_DETECTOR_OVERRIDES environment variable (JSON of the changes), which this module reads
with the file, so the worker processes `radshare deid` detects in, and any subprocess started
in the block, see the same values. See docs/detector.md.
"""

from __future__ import annotations

import json
import os
import threading
import tomllib
import functools
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

from radshare.core.resources import resource_path

SETTINGS_FILE = ("detector_settings.toml",)
OVERRIDES_ENV = "RADSHARE_DETECTOR_OVERRIDES"


@dataclass(frozen=True)
class Passes:
    """On/off switches of whole passes (what tests and the benchmark turn off)."""

    repeated_value: bool
    value_bands: bool
    value_bands_vertical: bool
    ruler_veto: bool
    ground_change: bool
    ink_value_growth: bool
    verify: bool
    blob_clusters: bool
    unseen_looks: bool
    turned_looks: bool
    small_frame_pass: bool
    luminance_pass: bool
    recognise: bool


@dataclass(frozen=True)
class Painting:
    """How far a painted region reaches past the ink, and when two regions become one."""

    pad: int
    merge_added: float
    painted_pad: int
    column_crossings: int


@dataclass(frozen=True)
class Learned:
    """The DB text detector (dbnet.py) and its input size."""

    db_long_side: int
    prob_threshold: float
    box_threshold: float
    unclip_ratio: float


@dataclass(frozen=True)
class Classical:
    """Ink maps and character-sized blobs (classical.py)."""

    background_kernel: int
    noise_window: int
    min_ink: float
    z_threshold: float
    min_char: int
    max_char: int
    flat_spread: float
    flat_z: float
    flat_value_tolerance: int
    flat_value_share: float
    flat_min_pixels: int
    small_word_side: tuple[int, ...]
    small_word_fill: float
    small_word_long: float


@dataclass(frozen=True)
class RepeatedValue:
    """Faint lines drawn in one repeated grey, on a smoothed map (classical.repeated_value_proposals)."""

    smooth_sigma: float
    smooth_z: float
    smooth_strong: int
    smooth_strong_share: float
    value_density: float
    value_ratio: float
    value_tolerance: int
    value_off_ground: float
    value_off_z: float
    raw_z: float
    raw_min: float


@dataclass(frozen=True)
class ValueBands:
    """Faint lines in one grey from per-row-band histograms (classical.value_band_proposals)."""

    band_step: int
    band_quant: int
    band_heights: tuple[int, ...]
    band_density: float
    band_ratio: float
    band_max_density: float
    band_off: tuple[float, ...]
    band_min_chunks: int
    band_min_bands: int
    band_row_shares: tuple[float, ...]
    band_z: float
    band_rule: float
    band_quiet: float
    band_min_width: int
    band_end_gap: float
    short_lines: bool
    short_min_width: int
    short_max_looks: int


@dataclass(frozen=True)
class Rulers:
    """What makes a found box a ruler and nothing else (classical.is_ruler)."""

    ruler_bar: float
    ruler_tick_width: int
    ruler_min_ticks: int
    ruler_stray: int


@dataclass(frozen=True)
class VerticalLabels:
    """The turned pass for vertical labels (detect.py)."""

    tall_ratio: float
    strip_margin: int
    strip_reach: int


@dataclass(frozen=True)
class SecondLook:
    """Enlarged second looks around faint boxes and small word-shaped blobs (detect.py)."""

    second_look_scale: int
    second_look_max_side: int
    second_look_faint: int
    second_look_budget: float
    small_word_looks: int
    small_word_scales: tuple[int, ...]
    turned_look_budget: float


@dataclass(frozen=True)
class SmallFrames:
    """The whole of a small frame looked at again enlarged, for small text (detect._enlarged_boxes)."""

    max_side: int
    long_side: int
    thick: int
    line: float


@dataclass(frozen=True)
class FineScale:
    """Big frames also searched by DB at a finer scale than the main pass's (finescale.py)."""

    enabled: bool
    min_side: int
    long_side: int
    native: bool


@dataclass(frozen=True)
class Chroma:
    """Colour frames also searched by DB in their chroma, where text that differs from its ground in colour stands out (chroma.py)."""

    enabled: bool
    read_surely: bool
    min_spread: int


@dataclass(frozen=True)
class LineGrowth:
    """Growing boxes along their line of text (lines.py) and at ground changes (detect.py)."""

    ink_z: float
    min_ink: float
    min_density: float
    contrast: float
    reach: int
    gap: float
    empty_gap: float
    rule_share: float
    min_side: int
    max_side: int
    ground_step: int


@dataclass(frozen=True)
class InkValueGrowth:
    """Growing boxes over their own flat ink value (lines.grow_by_ink_value)."""

    value_tolerance: int
    value_off_ground: float
    value_off_z: float
    value_min_pixels: int
    value_candidates: int
    value_density: float
    value_contrast: float
    value_gap: float
    value_empty_gap: float


@dataclass(frozen=True)
class Verification:
    """Is a box text or anatomy (verify.py, detect._confirmed)."""

    confirm_share: float
    line_max_share: float
    line_min_side: int
    area_max_share: float
    ocr_confidence: float
    ocr_min_chars: int
    large_min_chars: int
    large_confidence: float
    stack_min_rows: int
    stack_gap: float
    stack_heights: float
    align_tol: float
    stack_reach: int
    blob_aspect: float


@dataclass(frozen=True)
class Recognition:
    """Reading each found box with the learned recogniser before it is painted (recognise.py, verify.read_as_text)."""

    read_min_chars: int
    read_confidence: float
    read_shared: float
    margin: float
    tall: float
    piece_aspect: int
    blur: float
    blur_min_share: float
    line_min_rows: int
    line_max_count: int
    thick_min_chars: int
    thick_max_share: float
    two_different: bool
    steady_below: int
    steady_moves: tuple[tuple[int, ...], ...]
    steady_min_reads: int
    steady_tall_only: bool


@dataclass(frozen=True)
class DimLines:
    """A dim line read on its own where a box holds it with a bright one (recognise._dim_lines)."""

    enabled: bool
    row_share: float
    max_height: float


@dataclass(frozen=True)
class WholeLines:
    """Lines of text found but not painted whole: classical proposals the recogniser confirms
    (detect._confirmed) and read boxes grown to the end of their string (string_ends.grow_read_boxes), and flat label patches read (labels.py)."""

    recogniser_confirms: bool
    confirm_min_chars: int
    confirm_confidence: float
    confirm_min_aspect: float
    string_ends: bool
    label_patches: bool
    label_min_height: int
    label_max_height: int
    label_min_aspect: float
    label_max_share: float
    label_min_fill: float
    label_max_looks: int
    label_covered: float
    end_row_share: float
    end_band_slack: float
    end_min_height: float
    end_max_width: float
    end_gap: float
    end_reach: float
    end_min_growth: float
    end_covered: float
    join_pieces: bool
    join_gap: float
    join_chain_gap: float
    join_height_ratio: float
    join_tall_ends: bool
    join_tall_piece_aspect: float


@dataclass(frozen=True)
class VerticalText:
    """Labels no pass proposed or painted whole: text in one grey beyond its ground (beyond_ground.py),
    and read tall boxes grown to the ends of their string (string_ends.grow_read_tall_boxes)."""

    beyond_ground: bool
    beyond_off_ground: float
    beyond_off_z: float
    beyond_min_pixels: int
    beyond_spike: float
    beyond_values: int
    beyond_ring_share: float
    beyond_join_gap: float
    beyond_join_max_across: float
    tall_string_ends: bool
    tall_ends_min_aspect: float
    pixel_font_reads: bool
    pixel_font_min_runs: int
    pixel_font_share: float
    pixel_font_max_factor: int
    pixel_font_smooth: float
    column_joins: bool
    column_join_gap: float
    column_join_width: float
    trimmed_reads: bool
    trim_ink_shares: tuple[float, ...]
    trim_column_share: float
    trim_min_cut: float


@dataclass(frozen=True)
class Series:
    """Frames of one series checked against the layout of the first (series.py)."""

    layout_frames: int
    cell: int
    band_margin: int
    full_share: float
    run: int
    run_spread: int
    value_step: int
    ink_kernel: int
    ink_step: int
    strong_z: float
    novel_ink: int
    chance_margin: float
    ink_share: float
    local_chance: bool
    new_value: bool
    beyond_margin: int
    beyond_ink: int
    chance_reach: int
    skip_carried: bool
    carried_ring: int


@dataclass(frozen=True)
class Faces:
    """Face detection on photos (faces.py)."""

    max_side: int


@dataclass(frozen=True)
class DisplayView:
    """DICOM frames also searched as the user sees them, in their own window or VOI LUT (window.py)."""

    enabled: bool
    max_window_share: float
    passes_off: tuple[str, ...]


@dataclass(frozen=True)
class FaintLines:
    """Faint small lines no pass proposed, kept where the recogniser reads them (faint_lines.py)."""

    enabled: bool
    raw_z: float
    raw_min: float
    hat_kernel: int
    hat_z: float
    blob_crossings: float
    min_height: int
    max_height: int
    min_aspect: float
    covered: float
    max_looks: int
    read_min_chars: int
    clean_words: bool
    word_min_chars: int
    word_advance: tuple[float, ...]


@dataclass(frozen=True)
class Economy:
    """Work skipped where its answer is already known (recognise.py, detect.py): speed only, the same boxes."""

    reading_cache: int
    skip_read_inside: bool


@dataclass(frozen=True)
class LineExtent:
    """Unread line boxes longer than their line, read again at the extent of their ink (line_extent.py)."""

    enabled: bool
    min_aspect: float
    share: float
    min_cut: float
    max_looks: int


@dataclass(frozen=True)
class OneGreyView:
    """Unread boxes whose commonest grey crosses grounds darker and brighter than itself, read as a mask of that grey (one_grey_view.py)."""

    enabled: bool
    min_off: float
    range_ratio: float
    max_looks: int


@dataclass(frozen=True)
class DetectorSettings:
    """The whole file: one attribute per pass."""

    passes: Passes
    painting: Painting
    learned: Learned
    classical: Classical
    repeated_value: RepeatedValue
    value_bands: ValueBands
    rulers: Rulers
    vertical_labels: VerticalLabels
    second_look: SecondLook
    small_frames: SmallFrames
    fine_scale: FineScale
    chroma: Chroma
    line_growth: LineGrowth
    ink_value_growth: InkValueGrowth
    verification: Verification
    recognition: Recognition
    dim_lines: DimLines
    whole_lines: WholeLines
    vertical_text: VerticalText
    series: Series
    faces: Faces
    display_view: DisplayView
    faint_lines: FaintLines
    economy: Economy
    line_extent: LineExtent
    one_grey_view: OneGreyView


class SettingsError(ValueError):
    """The detector settings file (or an override) names a key that does not exist, lacks one, or has a wrong type."""


def _value(where: str, kind: Any, raw: Any) -> Any:
    """raw as the field's type (TOML arrays become tuples); a wrong type is an error naming `where`."""
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        if not isinstance(raw, (list, tuple)):
            raise SettingsError(f"detector setting {where}: expected a list, got {raw!r}")
        return tuple(_value(where, item, x) for x in raw)
    if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
        raw = float(raw)
    if type(raw) is not kind:
        raise SettingsError(f"detector setting {where}: expected {kind.__name__}, got {raw!r}")
    return raw


def _section(name: str, cls: type, raw: dict[str, Any], entries: bool) -> Any:
    """One pass's values from its table: entries are {value, why, tuned_on} in the file, bare values in overrides."""
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown, missing = sorted(set(raw) - known), sorted(known - set(raw))
    if unknown:
        raise SettingsError(f"unknown detector setting(s) in [{name}]: {', '.join(unknown)}")
    if missing and entries:
        raise SettingsError(f"missing detector setting(s) in [{name}]: {', '.join(missing)}")
    values = {}
    for key, item in raw.items():
        if entries:
            if not isinstance(item, dict) or set(item) != {"value", "why", "tuned_on"}:
                raise SettingsError(f"detector setting {name}.{key}: needs exactly value, why and tuned_on")
            item = item["value"]
        values[key] = _value(f"{name}.{key}", hints[key], item)
    return values


def _apply(base: DetectorSettings | None, raw: dict[str, Any], entries: bool) -> DetectorSettings:
    hints = typing.get_type_hints(DetectorSettings)
    unknown = sorted(set(raw) - set(hints))
    if unknown:
        raise SettingsError(f"unknown detector settings section(s): {', '.join(unknown)}")
    if base is None:
        missing = sorted(set(hints) - set(raw))
        if missing:
            raise SettingsError(f"missing detector settings section(s): {', '.join(missing)}")
        return DetectorSettings(**{name: hints[name](**_section(name, hints[name], raw[name], entries)) for name in hints})
    changed = {name: replace(getattr(base, name), **_section(name, hints[name], raw[name], entries)) for name in raw}
    return replace(base, **changed)


def load(path: str | os.PathLike[str] | None = None) -> DetectorSettings:
    """The settings file read and checked (the packaged one unless `path` is given)."""
    with open(path or resource_path(*SETTINGS_FILE), "rb") as handle:
        return _apply(None, tomllib.load(handle), entries=True)


def _from_environment(base: DetectorSettings) -> DetectorSettings:
    changes = overrides_in_force()
    return _apply(base, changes, entries=False) if changes else base


def overrides_in_force() -> dict[str, Any]:
    """The changes in force over the packaged file ({} when none), as sections of keys."""
    text = os.environ.get(OVERRIDES_ENV)
    if not text:
        return {}
    try:
        raw = json.loads(text)
    except ValueError:
        raise SettingsError(f"{OVERRIDES_ENV} is not JSON") from None
    return raw if isinstance(raw, dict) else {"?": raw}


_active: DetectorSettings | None = None  # read at first use, not at import (importing reads no files)


_active_env: str | None = None  # the override text _active was built with
_packaged: DetectorSettings | None = None


_thread = threading.local()  # `in_this_thread`'s settings, where a block of this thread set them


def current() -> DetectorSettings:
    """The settings in force: the file's, changed by the override in the environment (or by
    `overridden`); built again when that override changes, so a run never uses stale changes.
    Inside an `in_this_thread` block, that block's settings."""
    global _active, _active_env, _packaged
    mine = getattr(_thread, "active", None)
    if mine is not None:
        return mine
    env = os.environ.get(OVERRIDES_ENV)
    if _active is None or env != _active_env:
        if _packaged is None:
            _packaged = load()
        _active, _active_env = _from_environment(_packaged), env
    return _active


_Result = TypeVar("_Result")


def pinned(function: Callable[..., _Result]) -> Callable[..., _Result]:
    """`function` run with the settings in force when it is called, looked up once for the whole
    call on this thread: one frame's detection asks for its settings thousands of times, and each
    ask otherwise reads the environment (about 2 us; 7 ms a 512 px frame). A call inside an
    `in_this_thread` block keeps that block's settings; the next call looks again."""
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> _Result:
        if getattr(_thread, "active", None) is not None:
            return function(*args, **kwargs)
        _thread.active = current()
        try:
            return function(*args, **kwargs)
        finally:
            _thread.active = None
    return run


@contextmanager
def overridden(**changes: dict[str, Any]) -> Iterator[DetectorSettings]:
    """Values changed for the block, e.g. overridden(passes={"verify": False}, second_look={"second_look_budget": 0.0}).

    Nested blocks add to the outer one. Worker processes and subprocesses started inside the
    block see the changes through the environment; values the block changed are restored after it.
    """
    global _active, _active_env
    before_active, before_env = current(), os.environ.get(OVERRIDES_ENV)
    merged = json.loads(before_env) if before_env else {}
    for name, values in changes.items():
        if not isinstance(values, dict):
            raise SettingsError(f"override of [{name}] must be a dict of values")
        merged.setdefault(name, {}).update(values)
    _active = _apply(before_active, changes, entries=False)
    os.environ[OVERRIDES_ENV] = _active_env = json.dumps(merged)
    try:
        yield _active
    finally:
        _active, _active_env = before_active, before_env
        if before_env is None:
            os.environ.pop(OVERRIDES_ENV, None)
        else:
            os.environ[OVERRIDES_ENV] = before_env


@contextmanager
def in_this_thread(**changes: dict[str, Any]) -> Iterator[DetectorSettings]:
    """Values changed for the block in this thread alone (the environment and other threads keep
    theirs): one search run with other passes than the searches beside it, e.g. the displayed
    search of search.py while the app detects another image in another worker. Built on the
    settings in force when the block starts; nested blocks add to the outer one."""
    before = getattr(_thread, "active", None)
    _thread.active = _apply(current(), changes, entries=False)
    try:
        yield _thread.active
    finally:
        _thread.active = before
