"""Turn stored pixels into what a person sees: window/level, geometry and burned-in annotations.

Pure numpy/OpenCV/Pillow (no Qt), so the desktop app, the CLI and case-set export draw exactly
the same pixels. The contract:

* `window_frame` applies Modality LUT (rescale slope/intercept), the DICOM linear VOI function
  (PS3.3 C.11.2.1.2), MONOCHROME1 inversion and an optional user inversion, giving uint8.
* `View` is the display state an export reproduces: window, invert, crop (in original image
  pixels), then clockwise rotation by a multiple of 90 degrees, then flips.
* `draw_annotations` draws `model.Annotation`s into an RGB array whose coordinates the
  annotations' points are already in (use `map_annotations` to follow a `View`'s geometry).
  Labels are kept inside the picture.
* `render_frame(..., zoom=)` renders at a chosen output size (`output_zoom`: 1x, 2x, fit to
  1080 or 2048 px): pixels are resampled, annotations are drawn afterwards at the output
  resolution with widths and fonts multiplied by the same factor, so they keep their size
  relative to the image and stay sharp.
* Window presets are data: `resources/presets/window.json`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from radshare.core.model import Annotation, Identifiers, Image
from radshare.core.resources import resource_path

Box = tuple[int, int, int, int]  # x, y, w, h


# --- presets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    id: str
    label: str
    center: float
    width: float
    modalities: tuple[str, ...] = ()
    shortcut: str = ""


@lru_cache(maxsize=1)
def load_presets() -> tuple[Preset, ...]:
    """Every window preset in resources/presets/window.json, in file order."""
    data = json.loads(resource_path("presets", "window.json").read_text(encoding="utf-8"))
    return tuple(
        Preset(
            id=p["id"],
            label=p["label"],
            center=float(p["center"]),
            width=float(p["width"]),
            modalities=tuple(p.get("modalities", ())),
            shortcut=p.get("shortcut", ""),
        )
        for p in data["presets"]
    )


def presets_for(image: Image) -> list[Preset]:
    """The file's own VOI first (when it has one), then the presets for its modality."""
    found: list[Preset] = []
    if image.window is not None:
        found.append(Preset("file", "File window", float(image.window[0]), float(image.window[1])))
    for preset in load_presets():
        if "all" in preset.modalities or image.modality in preset.modalities:
            found.append(preset)
    return found


def default_window(image: Image, frame: int = 0) -> tuple[float, float]:
    """The file's VOI window, else one spanning the 0.5-99.5 percentile of the frame's values."""
    if image.window is not None and image.window[1] > 0:
        return float(image.window[0]), float(image.window[1])
    if image.is_color:
        return 127.5, 256.0
    values = modality_values(image.frames[frame], image.rescale)
    sample = values[:: max(1, values.shape[0] // 256), :: max(1, values.shape[1] // 256)]
    lo, hi = np.percentile(sample, [0.5, 99.5])
    if hi <= lo:
        lo, hi = float(sample.min()), float(sample.max()) + 1.0
    return float((lo + hi) / 2), float(max(hi - lo, 1.0))


# --- grey levels ---------------------------------------------------------------------------


def modality_values(frame: np.ndarray, rescale: tuple[float, float] = (1.0, 0.0)) -> np.ndarray:
    """Stored values to modality values (e.g. Hounsfield units) as float32."""
    slope, intercept = rescale
    values = frame.astype(np.float32, copy=False)
    if slope != 1.0 or intercept != 0.0:
        values = values * np.float32(slope) + np.float32(intercept)
    return values


def window_frame(
    frame: np.ndarray,
    center: float,
    width: float,
    rescale: tuple[float, float] = (1.0, 0.0),
    photometric: str = "MONOCHROME2",
    invert: bool = False,
) -> np.ndarray:
    """One grey frame to uint8 (rows, cols) as displayed; colour frames pass through as uint8."""
    if frame.ndim == 3:
        rgb = frame if frame.dtype == np.uint8 else _to_uint8(frame)
        return 255 - rgb if invert else rgb
    values = modality_values(frame, rescale)
    lo = center - 0.5 - (max(width, 1.0) - 1.0) / 2.0
    hi = center - 0.5 + (max(width, 1.0) - 1.0) / 2.0
    scaled = (np.clip(values, lo, hi) - lo) * np.float32(255.0 / max(hi - lo, 1e-6))
    grey = (scaled + 0.5).astype(np.uint8)
    if (photometric == "MONOCHROME1") != bool(invert):
        grey = 255 - grey
    return grey


def _to_uint8(frame: np.ndarray) -> np.ndarray:
    frame = frame.astype(np.float32)
    lo, hi = float(frame.min()), float(frame.max())
    return ((frame - lo) * (255.0 / max(hi - lo, 1e-6)) + 0.5).astype(np.uint8)


def to_rgb(grey_or_rgb: np.ndarray) -> np.ndarray:
    """(rows, cols) or (rows, cols, 3) uint8 to a contiguous (rows, cols, 3) uint8 array."""
    if grey_or_rgb.ndim == 2:
        return np.ascontiguousarray(np.repeat(grey_or_rgb[:, :, None], 3, axis=2))
    return np.ascontiguousarray(grey_or_rgb[:, :, :3])


# --- geometry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """What the reader set up: an export reproduces it exactly."""

    center: float = 127.5
    width: float = 256.0
    invert: bool = False
    rotation: int = 0  # clockwise degrees: 0, 90, 180, 270
    flip_h: bool = False
    flip_v: bool = False
    crop: Box | None = None  # in original image pixels

    def rotated(self, degrees: int) -> "View":
        return replace(self, rotation=(self.rotation + degrees) % 360)


def crop_box(view: View, rows: int, cols: int) -> Box:
    """The crop clipped to the image (the whole image when there is no crop)."""
    if view.crop is None:
        return (0, 0, cols, rows)
    x, y, w, h = view.crop
    x0, y0 = max(0, int(round(x))), max(0, int(round(y)))
    x1, y1 = min(cols, int(round(x + w))), min(rows, int(round(y + h)))
    if x1 - x0 < 1 or y1 - y0 < 1:
        return (0, 0, cols, rows)
    return (x0, y0, x1 - x0, y1 - y0)


def apply_geometry(pixels: np.ndarray, view: View) -> np.ndarray:
    """Crop, then rotate clockwise, then flip: the same order as `map_points`."""
    x, y, w, h = crop_box(view, pixels.shape[0], pixels.shape[1])
    out = pixels[y : y + h, x : x + w]
    k = (view.rotation // 90) % 4
    if k:
        out = np.rot90(out, k=-k)
    if view.flip_h:
        out = out[:, ::-1]
    if view.flip_v:
        out = out[::-1, :]
    return np.ascontiguousarray(out)


def map_points(
    points: list[tuple[float, float]], view: View, rows: int, cols: int
) -> list[tuple[float, float]]:
    """Original-image points (continuous pixel coordinates) to the output of `apply_geometry`."""
    x0, y0, w, h = crop_box(view, rows, cols)
    k = (view.rotation // 90) % 4
    out_w, out_h = (h, w) if k % 2 else (w, h)
    mapped = []
    for px, py in points:
        x, y = px - x0, py - y0
        if k == 1:
            x, y = h - y, x
        elif k == 2:
            x, y = w - x, h - y
        elif k == 3:
            x, y = y, w - x
        if view.flip_h:
            x = out_w - x
        if view.flip_v:
            y = out_h - y
        mapped.append((x, y))
    return mapped


def map_annotations(
    annotations: list[Annotation], view: View, rows: int, cols: int
) -> list[Annotation]:
    return [replace(a, points=map_points(a.points, view, rows, cols)) for a in annotations]


def mapped_spacing(spacing: tuple[float, float] | None, view: View) -> tuple[float, float] | None:
    """Pixel spacing (row, column) after the view's rotation (a quarter turn swaps the axes)."""
    if spacing is None:
        return None
    return (spacing[1], spacing[0]) if (view.rotation // 90) % 2 else spacing


# Export sizes: key -> label. "Nx" multiplies the native size; a number fits the longer side.
EXPORT_SIZES = {"1x": "Native size", "2x": "Twice the native size", "1080": "Fit to 1080 px",
                "2048": "Fit to 2048 px"}


def output_zoom(size: str, view: View, rows: int, cols: int) -> float:
    """The factor from the view's native output (after crop and rotation) to `size`."""
    _, _, w, h = crop_box(view, rows, cols)
    if size.endswith("x"):
        return max(0.01, float(size[:-1]))
    return max(1, int(size)) / max(w, h, 1)


def resample(rgb: np.ndarray, zoom: float) -> np.ndarray:
    """`rgb` resized by `zoom` (area averaging down, bicubic up); unchanged at 1."""
    h, w = rgb.shape[:2]
    size = (max(1, int(round(w * zoom))), max(1, int(round(h * zoom))))
    if size == (w, h):
        return rgb
    method = cv2.INTER_AREA if zoom < 1 else cv2.INTER_CUBIC
    return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=method))


def render_frame(
    image: Image,
    frame: int,
    view: View,
    annotations: list[Annotation] | None = None,
    scale: float = 1.0,
    frames: np.ndarray | None = None,
    zoom: float = 1.0,
    identifiers: Identifiers | None = None,
) -> np.ndarray:
    """One frame as an RGB uint8 array, exactly as the reader set it up (and annotated it).

    `frames` replaces `image.frames` (e.g. frames whose text regions were painted out).
    Annotations whose `frame` is set are drawn only on that frame. `zoom` resamples the
    output (see `output_zoom`); annotations are then drawn at that resolution, `zoom` times
    wider and larger (times `scale`), so they look as they did on the image. Label text is
    scrubbed with `identifiers`, by default those of `image` (give the original's when `image`
    holds an already de-identified header).
    """
    source = image.frames if frames is None else frames
    grey = window_frame(
        source[frame], view.center, view.width, image.rescale, image.photometric, view.invert
    )
    native = apply_geometry(grey, view)
    rgb = resample(to_rgb(native), zoom)
    if annotations:
        sx, sy = rgb.shape[1] / native.shape[1], rgb.shape[0] / native.shape[0]
        visible = [a for a in annotations if a.frame is None or a.frame == frame]
        mapped = [replace(a, points=[(x * sx, y * sy) for x, y in a.points])
                  for a in map_annotations(visible, view, image.rows, image.columns)]
        spacing = mapped_spacing(image.pixel_spacing, view)
        if spacing is not None:  # a ruler measures the same millimetres at any output size
            spacing = (spacing[0] / sy, spacing[1] / sx)
        if identifiers is None and any(a.text for a in mapped):
            identifiers = image_identifiers(image)
        rgb = draw_annotations(rgb, mapped, spacing, scale * (sx + sy) / 2, identifiers)
    return rgb


# --- annotations ---------------------------------------------------------------------------

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/Library/Fonts/Arial Bold.ttf",
    "C:/Windows/Fonts/arialbd.ttf",
)


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def parse_color(color: str) -> tuple[int, int, int]:
    """'#RRGGBB' (or '#RGB') to an (r, g, b) tuple; anything else is the default yellow."""
    text = color.lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except (ValueError, IndexError):
        return (255, 212, 0)


def ruler_length_text(
    p0: tuple[float, float], p1: tuple[float, float], pixel_spacing: tuple[float, float] | None
) -> str:
    """'42.5 mm' when Pixel Spacing (row, column) is known, else '118 px'."""
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    if pixel_spacing:
        length = math.hypot(dx * pixel_spacing[1], dy * pixel_spacing[0])
        return f"{length:.1f} mm"
    return f"{math.hypot(dx, dy):.0f} px"


def ellipse_box(p0: tuple[float, float], p1: tuple[float, float]) -> tuple[float, float, float, float]:
    x0, x1 = sorted((p0[0], p1[0]))
    y0, y1 = sorted((p0[1], p1[1]))
    return x0, y0, x1, y1


def arrow_head(
    tail: tuple[float, float], tip: tuple[float, float], width: float
) -> list[tuple[float, float]]:
    """The three corners of an arrow's head: long enough to read at thumbnail size."""
    angle = math.atan2(tip[1] - tail[1], tip[0] - tail[0])
    length = max(10.0, width * 4.5)
    spread = math.radians(26)
    return [
        tip,
        (tip[0] - length * math.cos(angle - spread), tip[1] - length * math.sin(angle - spread)),
        (tip[0] - length * math.cos(angle + spread), tip[1] - length * math.sin(angle + spread)),
    ]


_SHIFT = 4  # OpenCV sub-pixel bits
_ONE = 1 << _SHIFT


def _pt(p: tuple[float, float]) -> tuple[int, int]:
    return (int(round(p[0] * _ONE)), int(round(p[1] * _ONE)))


def draw_annotations(
    rgb: np.ndarray,
    annotations: list[Annotation],
    pixel_spacing: tuple[float, float] | None = None,
    scale: float = 1.0,
    identifiers: Identifiers | None = None,
) -> np.ndarray:
    """A copy of `rgb` (h, w, 3 uint8) with every annotation drawn in, anti-aliased.

    Points are in `rgb`'s pixel coordinates; `scale` multiplies line widths and font sizes
    (an export at twice the resolution passes 2). Numbered markers without text are numbered
    in list order. Text gets a dark outline so it reads on any background.

    Label text is scrubbed first (the image's own `identifiers`, plus dates, IDs and phone
    numbers): a label typed as "Mrs Doe, 12/03/2021" must not be burned into shared pixels.
    """
    out = np.ascontiguousarray(rgb.copy())
    labels: list[tuple[tuple[float, float], str, float, tuple[int, int, int], str]] = []
    marker_number = 0
    for ann in annotations:
        color = parse_color(ann.color)
        thick = max(1, int(round(ann.width * scale)))
        pts = ann.points
        if not pts:
            continue
        if ann.kind in ("arrow", "line", "ruler") and len(pts) >= 2:
            p0, p1 = pts[0], pts[-1]
            cv2.line(out, _pt(p0), _pt(p1), color, thick, cv2.LINE_AA, _SHIFT)
            if ann.kind == "arrow":
                head = np.array([_pt(p) for p in arrow_head(p0, p1, ann.width * scale)], np.int32)
                cv2.fillPoly(out, [head], color, cv2.LINE_AA, _SHIFT)
            if ann.kind == "ruler":
                _draw_ticks(out, p0, p1, color, thick, scale)
                mid = ((p0[0] + p1[0]) / 2 + 6 * scale, (p0[1] + p1[1]) / 2 + 6 * scale)
                labels.append((mid, ruler_length_text(p0, p1, pixel_spacing), ann.font_size * scale, color, "lt"))
        elif ann.kind == "rect" and len(pts) >= 2:
            x0, y0, x1, y1 = ellipse_box(pts[0], pts[-1])
            cv2.rectangle(out, _pt((x0, y0)), _pt((x1, y1)), color, thick, cv2.LINE_AA, _SHIFT)
        elif ann.kind == "ellipse" and len(pts) >= 2:
            x0, y0, x1, y1 = ellipse_box(pts[0], pts[-1])
            center = _pt(((x0 + x1) / 2, (y0 + y1) / 2))
            axes = (int(round((x1 - x0) / 2 * _ONE)), int(round((y1 - y0) / 2 * _ONE)))
            cv2.ellipse(out, center, axes, 0, 0, 360, color, thick, cv2.LINE_AA, _SHIFT)
        elif ann.kind == "freehand" and len(pts) >= 2:
            poly = np.array([_pt(p) for p in pts], np.int32)
            cv2.polylines(out, [poly], False, color, thick, cv2.LINE_AA, _SHIFT)
        elif ann.kind == "marker":
            marker_number += 1
            radius = max(6.0, ann.font_size * scale * 0.75)
            cv2.circle(out, _pt(pts[0]), int(round(radius * _ONE)), color, -1, cv2.LINE_AA, _SHIFT)
            cv2.circle(out, _pt(pts[0]), int(round(radius * _ONE)), (0, 0, 0), max(1, int(scale)), cv2.LINE_AA, _SHIFT)
            text = safe_label(ann.text, identifiers) or str(marker_number)
            labels.append((pts[0], text, ann.font_size * scale * 0.9, _contrast(color), "mm"))
        elif ann.kind == "text" and ann.text:
            labels.append((pts[0], safe_label(ann.text, identifiers), ann.font_size * scale, color, "lt"))
    if labels:
        out = _draw_labels(out, labels)
    return out


def _draw_ticks(out, p0, p1, color, thick, scale) -> None:
    angle = math.atan2(p1[1] - p0[1], p1[0] - p0[0]) + math.pi / 2
    half = 6.0 * scale
    for p in (p0, p1):
        a = (p[0] + half * math.cos(angle), p[1] + half * math.sin(angle))
        b = (p[0] - half * math.cos(angle), p[1] - half * math.sin(angle))
        cv2.line(out, _pt(a), _pt(b), color, thick, cv2.LINE_AA, _SHIFT)


def _contrast(color: tuple[int, int, int]) -> tuple[int, int, int]:
    luminance = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    return (0, 0, 0) if luminance > 140 else (255, 255, 255)


def safe_label(text: str, identifiers: Identifiers | None) -> str:
    """`text` as it may appear in exported pixels (scrubbed: see draw_annotations)."""
    from radshare.core.deid.text import scrub_text

    return scrub_text(text, identifiers).text if text else text


def image_identifiers(image: Image) -> Identifiers | None:
    """The identifiers of an image's original header and of its input's name (for its labels)."""
    from radshare.core.deid.identifiers import image_identifiers as identifiers_of

    return identifiers_of(image)


def _draw_labels(out: np.ndarray, labels) -> np.ndarray:
    pil = PILImage.fromarray(out)
    draw = ImageDraw.Draw(pil)
    for (x, y), text, size, color, anchor in labels:
        font = _font(max(6, int(round(size))))
        is_marker = anchor == "mm"
        outline = 0 if is_marker else max(1, int(round(size / 9)))
        stroke = (0, 0, 0) if sum(color) > 300 else (255, 255, 255)
        if not is_marker:  # a label near an edge moves inside rather than being cut off
            x, y = _inside(draw.textbbox((x, y), text, font=font, anchor=anchor, stroke_width=outline),
                           (x, y), pil.size)
        draw.text((x, y), text, fill=tuple(color), font=font, anchor=anchor,
                  stroke_width=outline, stroke_fill=stroke)
    return np.asarray(pil).copy()


def _inside(box: tuple[float, float, float, float], at: tuple[float, float],
            size: tuple[int, int]) -> tuple[float, float]:
    """`at` moved so that `box` (drawn from `at`) lies within an image of `size`, where it fits."""
    x, y = at
    left, top, right, bottom = box
    width, height = size
    x += max(0.0, -left) if right - left >= width or left < 0 else -max(0.0, right - width)
    y += max(0.0, -top) if bottom - top >= height or top < 0 else -max(0.0, bottom - height)
    return x, y
