"""Does a box hold characters? PP-OCRv4's learned recogniser reads each found box.

Tesseract reads small and faint text badly, so asking it to confirm a faint proposal lost faint
text; the classical pass meanwhile proposes faint boxes on anatomy (MR gyri, NM hot spots, rib
ends, speckle, Doppler, a CT's bone lines). A recogniser trained on photographed and rendered
text reads 8 px and faint glyphs once the crop is stretched to full contrast, and reads anatomy
as nothing or as a single unsure character. The model ships in resources/models (PROVENANCE.md);
it is run by onnxruntime with one thread (onnxsession.py), as the detector is.

`reads_glyphs` says whether the model reads a given number of characters surely in a box (in
either polarity, and for a tall box either way it can be turned). The caller decides what count
confirms text; when the model cannot load, `RecogniserUnavailable` is raised and the
caller keeps every box (fail closed).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from itertools import chain

import cv2
import numpy as np

from radshare.core.redact import onnxsession
from radshare.core.redact.settings import current as settings

MODEL_FILE = ("models", "ch_PP-OCRv4_rec_infer.onnx")
HEIGHT = 48  # the model's input height (fixed by its training)
# Crop margin, turning of tall boxes, piece length and smoothing: [recognition] in resources/detector_settings.toml.

_session = None
_characters: list[str] = []
_lock = threading.Lock()
_kept = threading.local()  # this thread's last readings, by view (`read`), since `forget_readings`


class RecogniserUnavailable(RuntimeError):
    """The recognition model or its runtime cannot load: nothing may be dropped on its word."""


def available() -> bool:
    """True when onnxruntime imports and the model file is present."""
    return onnxsession.available(MODEL_FILE)


def _get_session():
    """The per-process session and the model's character list (from its metadata), loaded on first use."""
    global _session, _characters
    with _lock:
        if _session is None:
            try:
                session = onnxsession.one_thread_session(MODEL_FILE)
                characters = session.get_modelmeta().custom_metadata_map["character"].splitlines()
            except Exception as exc:  # any failure to load is the same fact for the caller
                raise RecogniserUnavailable(f"the text recogniser cannot load: {type(exc).__name__}") from exc
            # CTC classes: 0 is the blank, then the listed characters, then the space
            _characters = ["", *characters, " "]
            _session = session
        return _session, _characters


def _crop(grey: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The box with a margin, stretched to full contrast (2nd..98th percentile -> 0..255)."""
    rows, cols = grey.shape[:2]
    x, y, w, h = box[:4]
    m = int(round(settings().recognition.margin * min(w, h))) + 1
    crop = grey[max(0, y - m) : min(rows, y + h + m), max(0, x - m) : min(cols, x + w + m)].astype(np.float32)
    lo, hi = np.percentile(crop, (2, 98)) if crop.size else (0.0, 0.0)
    if hi - lo < 1:
        return np.zeros(crop.shape, np.uint8)
    return np.clip((crop - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)


def _views(crop: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The crop as the model should see it, in pairs of both polarities (light ground first: dark
    text on light ground reads best); turned both ways when tall (turned first: a tall box is most
    often a vertical label); a long line in overlapping pieces (squeezed into one input, its
    glyphs would be read badly)."""
    turns = [crop]
    if crop.shape[0] > settings().recognition.tall * crop.shape[1]:
        # upright too while a line of two glyphs could fit across (a taller upright crop is a
        # stack of lines, which the model cannot read as one anyway)
        turns = [np.rot90(crop), np.rot90(crop, 3)] + ([crop] if crop.shape[0] < 2 * crop.shape[1] else [])
    for turn in turns:
        rows, cols = turn.shape[:2]
        piece = max(1, settings().recognition.piece_aspect * rows)
        for start in range(0, max(1, cols - piece // 4), max(1, piece - piece // 4)):
            part = turn[:, start : start + piece]
            yield (part, 255 - part) if np.median(part) >= 128 else (255 - part, part)


def _runs(ink: np.ndarray) -> list[tuple[int, int]]:
    """(top, bottom) of the runs of True rows in `ink` at least `recognition.line_min_rows` long."""
    runs, start = [], None
    for row, on in enumerate(list(ink) + [False]):
        if on and start is None:
            start = row
        elif not on and start is not None:
            if row - start >= settings().recognition.line_min_rows:
                runs.append((start, row))
            start = None
    return runs


def _lines(crop: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The crop's lines, when it holds a block of them: runs of rows with ink (over a quarter of
    the grey range off the median) between empty rows, each at least LINE_MIN_ROWS tall, at most
    LINE_MAX_COUNT of them (the model reads one line at a time: a block of three device-setting
    lines on a real ultrasound read as nothing whole)."""
    ink = (np.abs(crop.astype(np.int16) - int(np.median(crop))) > 64).any(axis=1)
    runs = _runs(ink)
    if len(runs) < 2:
        return []
    pairs = []
    for top, bottom in runs[: settings().recognition.line_max_count]:
        margin = max(1, (bottom - top) // 4)
        part = crop[max(0, top - margin) : bottom + margin]
        pairs.append((part, 255 - part) if np.median(part) >= 128 else (255 - part, part))
    return pairs


def _dim_lines(crop: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The dim lines of a crop that also holds a bright one, each stretched on its own: the bright
    rows (ink over a quarter of the grey range off the median, as `_lines` finds them) and a row
    either side set to the ground, the rest stretched 2nd..98th percentile, and every run of rows
    in which `dim_lines.row_share` of the pixels stand over a quarter of that range off its median,
    at most `dim_lines.max_height` times as tall as the tallest bright line (none with the pass off).

    Why: a crop is stretched by its brightest ink, so a dim line that a box holds with a bright
    one (a device's corner block: a line in grey 28 under one in 255 on a 256 px MR) stays a few
    grey levels off its ground, which neither the model nor `_lines` sees as ink; stretched on
    its own it reads as surely as any line. None where most of the rest is ink too (noise or
    texture stretched to full range, not a line on empty ground). A generator: only looked at
    when every other view failed."""
    if not settings().dim_lines.enabled:
        return
    median = int(np.median(crop))
    bright = (np.abs(crop.astype(np.int16) - median) > 64).any(axis=1)
    lit = _runs(bright)
    if not lit or bright.all():
        return
    blank = bright.copy()
    blank[1:] |= bright[:-1]
    blank[:-1] |= bright[1:]
    rest = crop[~blank].astype(np.float32)
    if rest.size == 0:
        return
    lo, hi = np.percentile(rest, (2, 98))
    if hi - lo < 1:
        return
    view = crop.astype(np.float32)
    view[blank] = float(np.median(rest))
    view = np.clip((view - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
    share = (np.abs(view.astype(np.int16) - int(np.median(view))) > 64).mean(axis=1)
    if np.median(share[~blank]) >= settings().dim_lines.row_share:  # the rest is texture or noise
        return  # stretched to full range, not a dim line on empty ground
    tallest = max(bottom - top for top, bottom in lit)
    for top, bottom in _runs((share >= settings().dim_lines.row_share) & ~blank)[: settings().recognition.line_max_count]:
        if bottom - top <= settings().dim_lines.max_height * tallest:
            margin = max(1, (bottom - top) // 4)
            part = view[max(0, top - margin) : bottom + margin]
            yield (part, 255 - part) if np.median(part) >= 128 else (255 - part, part)


def _input(view: np.ndarray) -> np.ndarray:
    """1 x 3 x 48 x W float32 in -1..1, aspect kept."""
    rows, cols = view.shape[:2]
    width = int(max(HEIGHT // 2, round(cols * HEIGHT / max(rows, 1))))
    resized = cv2.resize(np.ascontiguousarray(view), (width, HEIGHT), interpolation=cv2.INTER_CUBIC)
    scaled = resized.astype(np.float32) * (2.0 / 255.0) - 1.0
    return np.repeat(scaled[None, None], 3, axis=1)


def read(view: np.ndarray) -> list[tuple[str, float]]:
    """CTC greedy decoding of one uint8 view: (character, confidence) for each character read.

    The last `economy.reading_cache` readings of this thread's frame are kept by the view's bytes:
    passes read the same box again (a line a pass confirmed, then read by `verify.read_as_text`),
    and the model gives the same answer to the same pixels."""
    _get_session()  # a model that cannot load fails here whatever was read before
    kept = settings().economy.reading_cache
    if not kept:
        return _decoded(view)
    readings = _readings()
    key = (view.shape, hashlib.blake2b(np.ascontiguousarray(view).tobytes(), digest_size=16).digest())
    if key not in readings:
        readings[key] = tuple(_decoded(view))
        while len(readings) > kept:
            readings.popitem(last=False)
    return list(readings[key])


def _readings() -> OrderedDict:
    if not hasattr(_kept, "readings"):
        _kept.readings = OrderedDict()
    return _kept.readings


def forget_readings() -> None:
    """Start a new frame: this thread's kept readings are dropped (detect.detect_text calls it, so
    a frame is never read from another's readings and the kept ones stay few)."""
    _readings().clear()


def _decoded(view: np.ndarray) -> list[tuple[str, float]]:
    """The model run on one view, its output decoded (see `read`)."""
    session, characters = _get_session()
    probs = session.run(None, {session.get_inputs()[0].name: _input(view)})[0][0]
    best = probs.argmax(axis=1)
    out: list[tuple[str, float]] = []
    previous = 0
    for step, index in enumerate(best):
        if index != previous and index != 0:
            out.append((characters[index], float(probs[step, index])))
        previous = index
    return out


def _blurred(view: np.ndarray) -> np.ndarray:
    """The view smoothed by `recognition.blur` px and stretched again: faint text on noise (mammograms, speckle),
    stretched to full contrast, is read more surely without its grain."""
    smooth = cv2.GaussianBlur(view.astype(np.float32), (0, 0), settings().recognition.blur)
    lo, hi = np.percentile(smooth, (2, 98))
    return np.clip((smooth - lo) * (255.0 / max(hi - lo, 1.0)), 0, 255).astype(np.uint8)


def _accepted(characters: list[tuple[str, float]], count: int, confidence: float) -> bool:
    """`count` characters at `confidence` or above; when two or more are needed, two different ones,
    a letter or digit among them (`recognition.two_different`): anatomy read as text is mostly one
    character over and over (a rib's edge as 1111, gyri as DD) or dashes and dots. Sure punctuation
    beside one letter or digit still counts ("10:" of a faint "ID:"). (A looser rule, four letters or
    digits at 0.4, kept the same faint labels as the smoothed second read but added boxes on
    text-free Doppler and hand images.)"""
    sure = [c for c, p in characters if p >= confidence]
    if len(sure) < count:
        return False
    if count < 2 or not settings().recognition.two_different:
        return True
    return len(set(sure)) >= 2 and any(c.isalnum() for c in sure)


def _acceptance(grey: np.ndarray, box: tuple[int, int, int, int], count: int, confidence: float, smooth: bool,
                steady: bool):
    """`_accepted` for the readings of this box; with `steady`, when two or more characters are
    asked, a reading of fewer than `recognition.steady_below` sure characters counts only when the
    box still reads moved by a pixel (`_steady`, asked once per box, only for such a reading); with
    `recognition.steady_tall_only`, only in a box read turned (taller than `recognition.tall` times
    its width): a faint 8 px line read weakly lost its reading moved by a pixel, and most chance
    readings are of tall boxes (rib ends, bone shafts, vessels stack along a column and are read
    in two turns and upright)."""
    verdict: list[bool] = []

    def accepted(characters: list[tuple[str, float]]) -> bool:
        if not _accepted(characters, count, confidence):
            return False
        if (not steady or count < 2 or sum(p >= confidence for _, p in characters) >= settings().recognition.steady_below
                or (settings().recognition.steady_tall_only and box[3] <= settings().recognition.tall * box[2])):
            return True
        if not verdict:
            verdict.append(_steady(grey, box, count, confidence, smooth))
        return verdict[0]

    return accepted


def reads_glyphs(grey: np.ndarray, box: tuple[int, int, int, int], count: int, confidence: float, smooth: bool = True,
                 steady: bool = True) -> bool:
    """True when, in some view of the box, the model reads `count` characters (not spaces) at
    `confidence` or above. Views are read until one does: text usually reads in the first. A
    view read as two or more unsure letters or digits, one of them at least
    `recognition.blur_min_share` as sure as needed, is read again smoothed (`_blurred`).

    A view in which the model reads nothing at all is not read again inverted: on the
    benchmark's boxes (both generators, text-free anatomy, real-world images; 2,387 such views)
    the inverted view never read two sure characters either. `smooth=False` never reads a view
    smoothed (confirming a box nothing else found: smoothed, Doppler speckle read as a word).
    A weak reading must be steady (`_acceptance`; `steady=False` is how `_steady` reads)."""
    crop = _crop(grey, box)
    if crop.size == 0:
        return False
    accepted = _acceptance(grey, box, count, confidence, smooth, steady)
    for first, inverted in chain(_views(crop), _lines(crop), _dim_lines(crop)):
        for view in (first, inverted):
            characters = [(c, p) for c, p in read(view) if c.strip()]
            if accepted(characters):
                return True
            if smooth and sum(c.isalnum() for c, _ in characters) >= 2 and (
                max(p for _, p in characters) >= settings().recognition.blur_min_share * confidence
            ):
                if accepted([(c, p) for c, p in read(_blurred(view)) if c.strip()]):
                    return True
            if not characters:
                break
    return False


def _steady(grey: np.ndarray, box: tuple[int, int, int, int], count: int, confidence: float, smooth: bool) -> bool:
    """The box still reads (`reads_glyphs` by the same rule) moved by `recognition.steady_moves`
    (dx, dy, dw, dh) in at least `recognition.steady_min_reads` of them.

    Why: the crop is stretched to full contrast before it is read, so a box over texture or noise
    (a bone shaft, a hot spot's flank, rib ends at a chest wall, Doppler speckle) shows the model
    whatever the stretch makes of it, and now and then it reads two or three characters surely.
    Such a reading is chance: moved by a pixel, the crop reads as something else or nothing sure.
    Glyphs read as the same glyphs wherever the crop starts. Stops reading once the verdict is known."""
    moves, need = settings().recognition.steady_moves, settings().recognition.steady_min_reads
    x, y, w, h = box[:4]
    reads = 0
    for done, (dx, dy, dw, dh) in enumerate(moves, 1):
        reads += reads_glyphs(grey, (x + dx, y + dy, max(1, w + dw), max(1, h + dh)), count, confidence, smooth, steady=False)
        if reads >= need or reads + len(moves) - done < need:
            break
    return reads >= need


def reads_word(grey: np.ndarray, box: tuple[int, int, int, int], count: int, word: int, advance: tuple[float, ...],
               confidence: float) -> bool:
    """True when, in some view of the box (never smoothed), the model reads `count` characters at
    `confidence`, or reads a short word cleanly: `word` characters or more, every one of them
    at `confidence`, and as many as glyphs of the box's thickness fit along it (its length per
    character within `advance` times its thickness).

    Why: a 3-letter label ("CFM", "LAT") is read as exactly its three letters, each surely, while
    noise grouped into a line and read as a word is read with unsure characters among the sure
    ones (sector-edge speckle read "13243", three of them sure), or as more or fewer characters
    than its length holds glyphs."""
    crop = _crop(grey, box)
    if crop.size == 0:
        return False
    length, thickness = max(box[2], box[3]), max(1, min(box[2], box[3]))
    for first, inverted in [*_views(crop), *_lines(crop)]:
        for view in (first, inverted):
            characters = [(c, p) for c, p in read(view) if c.strip()]
            if _accepted(characters, count, confidence):
                return True
            if (len(characters) >= word and all(p >= confidence for _, p in characters)
                    and advance[0] <= length / len(characters) / thickness <= advance[1]):
                return True
            if not characters:
                break
    return False
