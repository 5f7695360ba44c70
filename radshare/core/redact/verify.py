"""Is a found box text, or anatomy? Checks every box passes before it is painted.

Every image of every modality is scanned, so the detectors meet far more anatomy than text.
After contrast normalisation an organ edge is as crisp as a stroke, and DB called a whole CT
body (the demo's CT: one 224x167 box), a chest's ribs, a hand or a colour-Doppler region one
line of text. No burned-in line is that thick: a box thicker across its line than a few glyph
heights, or covering a tenth of the frame, is anatomy (`within_line_size`) unless the recogniser
or tesseract reads it (`reads_large`). The classical pass's strong proposals must also be confirmed by DB or by
tesseract (detect._confirmed, using `reads_as_text`), as there it mostly finds calcifications,
hot spots and rib ends. Boxes that each pass as a line can still merge into a block when painted:
a texture's stack of line boxes (`without_textures`) and scattered spots (`without_blob_clusters`)
are judged together, as the region they merge into.

Last, every box must be read (`read_as_text`): PP-OCRv4's learned recogniser (recognise.py) must
read two characters in it at 0.8 confidence or more. Tesseract reads faint and small text badly,
so the boxes it could not confirm were kept, and most were anatomy (MR gyri, NM hot spots, rib
ends, speckle, Doppler, a CT's bone lines); the recogniser reads faint 8 px text once its crop is
stretched to full contrast, and anatomy as nothing or one unsure character.

Measured (benchmarks/text_redaction.py --count 100, seed 7, checks off -> on): text-free images
of 16 kinds, pixels painted 20.5% -> 1.5% mean and 80.8% -> 12.6% max, boxes over a tenth of an
image 22 -> 0, false boxes per image 5.65 -> 4.3; recall 100% -> 99.8% (first generator) and
97.5% -> 96.2% (second); 31 real-world text-free images, painted 11.9% -> 1.7% mean.
The recogniser's reading (--count 100, seeds 7 13 31, --no-recognise -> on): false boxes per
text-free image 4.35 / 4.08 / 4.60 -> 0.04 / 0.04 / 0.04, painted 1.50 / 1.33 / 1.63% -> 0.01 /
0.02 / 0.01% mean and 12.6 / 5.0 / 8.9% -> 0.54 / 0.48 / 0.46% max; 48 real-world text-free
images 9.62 -> 0.06 boxes, 2.80% -> 0.00% painted; first-generator recall unchanged, second
generator 0.3-0.4 points lower (2 of 600 boxes: a blocky pixel font, thin vertical serif and
Hershey labels the model cannot read).
"""

from __future__ import annotations

import logging

import numpy as np

from radshare.core.redact.settings import current as settings

log = logging.getLogger(__name__)


def max_side(rows: int, cols: int) -> int:
    """The thickest a text line's box may be across its line on a rows x cols frame."""
    return max(settings().verification.line_min_side, int(settings().verification.line_max_share * min(rows, cols)))


def within_line_size(box: tuple[int, int, int, int], rows: int, cols: int) -> bool:
    """True when `box` is no thicker than a line of text and covers at most AREA_MAX_SHARE of the frame."""
    _, _, w, h = box[:4]
    return min(w, h) <= max_side(rows, cols) and w * h <= settings().verification.area_max_share * rows * cols


def line_sized(grey: np.ndarray, boxes: list) -> list:
    """The boxes that pass `within_line_size`, and larger ones that read as text (`reads_large`)."""
    rows, cols = grey.shape[:2]
    return [b for b in boxes if within_line_size(b, rows, cols) or reads_large(grey, b)]


def reads_large(grey: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """A box thicker than a line holds text when the learned recogniser reads
    `recognition.thick_min_chars` characters surely in it, when it is at most
    `recognition.thick_max_share` of the frame's short side thick (as one line of large text, turned when
    tall, or line by line: `recognise.reads_glyphs`), or tesseract reads a word surely (large text:
    a screenshot's labels, 70 px letters on a test image).

    On 256-320 px frames a line may be only 24-30 px thick, and 20-24 px text makes 28-33 px
    boxes: thin Hershey lines and vertical labels, which tesseract reads poorly, were dropped
    (5 of the 6 pixel leaks left on the unseen-data probe). When the recogniser is switched off
    or cannot load, tesseract alone decides, as before it existed.

    Measured (benchmarks/unseen_leaks.py, quick set, tesseract alone -> with the recogniser):
    pixel leaks 6 -> 1 of 360, partly painted 4 -> 1, text-free painted 0.00% on every kind before
    and after; benchmarks/text_redaction.py --count 40 --seeds 7 31 (512 px frames): recall and
    false boxes per text-free image (0.04) unchanged."""
    rows, cols = grey.shape[:2]
    if settings().passes.recognise and min(box[2], box[3]) <= settings().recognition.thick_max_share * min(rows, cols):
        from radshare.core.redact.recognise import RecogniserUnavailable, reads_glyphs

        try:
            if reads_glyphs(grey, box[:4], settings().recognition.thick_min_chars, settings().recognition.read_confidence):
                return True
        except RecogniserUnavailable:
            pass  # read_as_text logs it and keeps every box
    return reads_as_text(grey, box, settings().verification.large_min_chars, settings().verification.large_confidence)


def reads_as_text(grey: np.ndarray, box: tuple[int, int, int, int], min_chars: int = 0, confidence: float = 0.0) -> bool:
    """Tesseract reads OCR_MIN_CHARS letters or digits in the box with OCR_CONFIDENCE: text the
    network did not confirm (bold or touching glyphs) is kept. Never used to drop a box DB found."""
    from radshare.core.model import TextRegion
    from radshare.core.redact.ocr import read_text

    read, sure = read_text(grey, TextRegion(*box[:4]))
    return sum(ch.isalnum() for ch in read) >= (min_chars or settings().verification.ocr_min_chars) and sure >= (confidence or settings().verification.ocr_confidence)


def reads_characters(grey: np.ndarray, box: tuple[int, int, int, int], also=None, count: int | None = None) -> bool:
    """The recogniser reads `whole_lines.confirm_min_chars` characters at `whole_lines.confirm_confidence`
    in the box (in `grey`, or in `also`: a colour frame's luminance, or it and its chroma). One more character, and
    surer, than a painted box needs, and never smoothed: it confirms a proposal nothing else did,
    and those are mostly anatomy.
    `count` asks for more characters than that (faint_lines.read_min_chars).
    False when the recogniser is off or cannot load (the caller's other tests decide)."""
    if not settings().passes.recognise:
        return False
    count, confidence = count or settings().whole_lines.confirm_min_chars, settings().whole_lines.confirm_confidence
    return _recogniser_reads(grey, box, also, count, confidence, smooth=False, bitmaps=True)


def reads_faint_line(grey: np.ndarray, box: tuple[int, int, int, int], also=None) -> bool:
    """The rule a faint line no pass proposed must pass (faint_lines.py): the recogniser reads
    `faint_lines.read_min_chars` characters at `whole_lines.confirm_confidence` in it, or, with
    `faint_lines.clean_words`, a short word cleanly (recognise.reads_word: `faint_lines.word_min_chars`
    characters or more, all of them sure, as many as the box's length holds glyphs). Never smoothed;
    in `grey` or in `also` (a colour frame's luminance). False when the recogniser is off or cannot load."""
    if not settings().passes.recognise:
        return False
    if not settings().faint_lines.clean_words:
        return reads_characters(grey, box, also, settings().faint_lines.read_min_chars)
    from radshare.core.redact.recognise import RecogniserUnavailable, reads_word

    try:
        return any(reads_word(view, box[:4], settings().faint_lines.read_min_chars, settings().faint_lines.word_min_chars,
                              settings().faint_lines.word_advance, settings().whole_lines.confirm_confidence)
                   for view in (grey, *_views(also)))
    except RecogniserUnavailable:
        return False


def reads_one_character(grey: np.ndarray, box: tuple[int, int, int, int], also: np.ndarray | None = None) -> bool:
    """The recogniser reads one character at `recognition.read_confidence` in the box (or in `also`),
    as `read_as_text` asks of a box painted beside a read one. False when it cannot load: then every
    found box is kept as found, as in a run without the recogniser (`read_as_text`)."""
    return _recogniser_reads(grey, box, also, 1, settings().recognition.read_confidence, smooth=True)


def _recogniser_reads(grey, box, also, count: int, confidence: float, smooth: bool, bitmaps: bool = False) -> bool:
    """`recognise.reads_glyphs` in `grey` or else in `also`, or (`bitmaps`: confirming a line nothing
    else found) in `grey` smoothed where the box holds a bitmap font (pixel_fonts.py); False when the
    recogniser cannot load."""
    from radshare.core.redact.recognise import RecogniserUnavailable, reads_glyphs

    try:
        return any(reads_glyphs(view, box[:4], count, confidence, smooth=smooth) for view in (grey, *_views(also))) or any(
            reads_glyphs(view, box[:4], count, confidence, smooth=False) for view in (_bitmap_views(grey, box) if bitmaps else ()))
    except RecogniserUnavailable:
        return False


def _bitmap_views(grey: np.ndarray, box) -> tuple:
    """`grey` smoothed around `box` when the box holds glyphs drawn in square blocks (pixel_fonts.py), else none."""
    from radshare.core.redact.pixel_fonts import smoothed_view

    view = smoothed_view(grey, box[:4])
    return () if view is None else (view,)


def _views(also) -> tuple:
    """`also` as a tuple of views: none, one, or several (a colour frame's luminance and chroma)."""
    if also is None:
        return ()
    return (also,) if isinstance(also, np.ndarray) else tuple(v for v in also if v is not None)


# A texture (brain gyri) gives DB many line-sized boxes stacked without a gap, each passing
# `within_line_size`; merged for painting they were one block over the anatomy (a text-free MR
# phantom: 35-47% of its pixels, now 0-1.4%). Lines of a text block are aligned at one end.
# Benchmark recall and painted shares are unchanged (its texture-free sets hold no such stack).


def without_textures(grey: np.ndarray, boxes: list, proposals: list, pad: int) -> list:
    """`boxes` (DB's) without the rows of a texture: a stack of STACK_MIN_ROWS or more touching
    rows of line boxes, most of them aligned at neither end, in a region (the boxes merged as for painting)
    larger than a line that tesseract does not read as text. The stack stays when a classical
    proposal shares one of its rows or tesseract reads a word in one: a block of text lines
    merged with texture rows beside it keeps every box."""
    from radshare.core.redact.boxes import merge_boxes

    rows, cols = grey.shape[:2]
    regions = merge_boxes([(*b[:4], "") for b in list(boxes) + list(proposals)], pad + settings().verification.stack_reach, rows, cols)
    dropped: set = set()
    for region in regions:
        if within_line_size(region, rows, cols):
            continue
        members = [b for b in boxes if _inside(b, region, pad + settings().verification.stack_reach)]
        stack = _stack(members)
        if not stack or reads_as_text(grey, region[:4], settings().verification.large_min_chars, settings().verification.large_confidence):
            continue
        if not any(_shares(p, b) for p in proposals for row in stack for b in row) and not any(
            reads_as_text(grey, _union(row)) for row in stack
        ):
            dropped.update(b for row in stack for b in row)
    return [b for b in boxes if b not in dropped]


def _inside(box, region, pad: int) -> bool:
    x, y, w, h = box[:4]
    rx, ry, rw, rh = region[:4]
    return x - pad >= rx - 1 and y - pad >= ry - 1 and x + w <= rx + rw and y + h <= ry + rh


def _union(row: list) -> tuple[int, int, int, int]:
    x0, y0 = min(b[0] for b in row), min(b[1] for b in row)
    x1, y1 = max(b[0] + b[2] for b in row), max(b[1] + b[3] for b in row)
    return (x0, y0, x1 - x0, y1 - y0)


def _shares(a, b) -> bool:
    """True when the boxes share half of the smaller one."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy >= 0.5 * max(1, min(a[2] * a[3], b[2] * b[3]))


def _stack(members: list) -> list[list]:
    """The longest run of touching rows of upright line boxes among `members`, when it has
    STACK_MIN_ROWS rows of like height aligned at neither end (all rows, or all but the first or
    the last); else []."""
    rows_: list[list] = []
    for b in sorted((m for m in members if m[2] >= m[3]), key=lambda m: m[1] + m[3] / 2):
        centre = b[1] + b[3] / 2
        if rows_ and abs(centre - (rows_[-1][0][1] + rows_[-1][0][3] / 2)) <= 0.5 * rows_[-1][0][3]:
            rows_[-1].append(b)
        else:
            rows_.append([b])
    best: list[list] = []
    run: list[list] = []
    for row in rows_:
        if run:
            last, this = _union(run[-1]), _union(row)
            height = min(last[3], this[3])
            touching = this[1] - (last[1] + last[3]) <= settings().verification.stack_gap * height
            alike = max(last[3], this[3]) <= settings().verification.stack_heights * height
            if not (touching and alike):
                run = []
        run.append(row)
        if len(run) > len(best):
            best = list(run)
    if len(best) < settings().verification.stack_min_rows:
        return []
    spans = [_union(row) for row in best]
    height = float(np.median([s[3] for s in spans]))
    aligned = any(_aligned(part, settings().verification.align_tol * height) for part in (spans, spans[1:], spans[:-1]))  # a texture's
    return [] if aligned else best  # row at either end may touch a block of text


def _aligned(spans: list, tolerance: float) -> bool:
    """True when the spans' left ends, or their right ends, lie within `tolerance` of one another."""
    lefts, rights = [s[0] for s in spans], [s[0] + s[2] for s in spans]
    return min(max(lefts) - min(lefts), max(rights) - min(rights)) <= tolerance


def without_blob_clusters(grey: np.ndarray, learned: list, proposals: list, pad: int) -> list:
    """`proposals` without the blob-shaped ones (BLOB_ASPECT) that no DB box shares, in a region
    (all boxes merged as for painting) larger than a line that tesseract does not read as text:
    scattered bright spots (vessels, calcifications) merged into one block over the anatomy.

    Measured (benchmarks/text_redaction.py --count 100 --seeds 7 31, off -> on): recall and
    characters still legible unchanged on both generators; text-free painted 1.58% -> 1.50%
    (seed 7), non-text pixels painted on the second generator 8.55% -> 8.28% and 9.73% -> 9.33%;
    real-world text-free images 3.02% -> 2.85% mean (MR2_UNCR 5.94% -> 3.76%, CT_small 9.7% -> 7.6%)."""
    from radshare.core.redact.boxes import merge_boxes

    rows, cols = grey.shape[:2]
    regions = merge_boxes([(*b[:4], "") for b in list(learned) + list(proposals)], pad, rows, cols)
    dropped: set = set()
    for region in regions:
        if within_line_size(region, rows, cols):
            continue
        blobs = [
            p for p in proposals
            if _inside(p, region, pad) and max(p[2], p[3]) < settings().verification.blob_aspect * min(p[2], p[3])
            and not any(_shares(p, d) for d in learned)
        ]
        if blobs and not reads_as_text(grey, region[:4], settings().verification.large_min_chars, settings().verification.large_confidence):
            dropped.update(blobs)
    return [p for p in proposals if p not in dropped]


_warnings_given: set[str] = set()  # logged once per process


def read_as_text(grey: np.ndarray, boxes: list, pad: int, also: np.ndarray | None = None) -> list:
    """The boxes in which the recogniser reads `recognition.read_min_chars` characters at
    `recognition.read_confidence`; those lying mostly (`recognition.read_shared`) inside boxes it
    read, unread (a line found by several passes is read once, largest box first); and those
    that would be painted as one region with a box it read (within 2 * `pad`) where it reads one
    character (the last glyph of "SAG", found apart from "SA"). A box thicker than a line is kept
    unread: `line_sized` kept it because it was read already (`reads_large`), and the model reads
    one line at a time (a block of six device-setting lines on a real ultrasound lost four of them).

    `also`: a second view of the same frame (a colour frame's luminance) in which a box may be
    read instead: a neutral date on a coloured photo is faint in the brightest channel `grey`.

    Fails closed: when the recogniser cannot load, every box is kept (and a warning is logged
    once per process); nothing is dropped because a check could not run."""
    from radshare.core.redact.recognise import RecogniserUnavailable, reads_glyphs

    shared, count, confidence = (settings().recognition.read_shared, settings().recognition.read_min_chars,
                                 settings().recognition.read_confidence)
    read = np.zeros(grey.shape[:2], bool)
    kept: set = set()
    try:
        for box in sorted(set(boxes), key=lambda b: b[2] * b[3], reverse=True):
            x, y, w, h = box[:4]
            beside = read[max(0, y - 2 * pad) : y + h + 2 * pad, max(0, x - 2 * pad) : x + w + 2 * pad].any()
            thicker_than_a_line = not within_line_size(box, *grey.shape[:2])  # kept by `line_sized` only when
            if (thicker_than_a_line or read[y : y + h, x : x + w].mean() >= shared  # `reads_large` read it;
                    or reads_glyphs(grey, box[:4], 1 if beside else count, confidence)  # the model reads one line
                    or (also is not None and reads_glyphs(also, box[:4], 1 if beside else count, confidence))):
                read[y : y + h, x : x + w] = True
                kept.add(box)
    except RecogniserUnavailable as exc:
        if str(exc) not in _warnings_given:
            log.warning("%s; every found text box is kept unread", exc)
            _warnings_given.add(str(exc))
        return list(boxes)
    return [b for b in boxes if b in kept]
