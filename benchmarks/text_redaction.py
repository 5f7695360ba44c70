"""Measure burned-in text redaction: recall on two independent generators, precision on text-free
anatomy of every modality, what stays legible, and speed beside pytesseract in the same run.

    .venv/bin/python benchmarks/text_redaction.py                      # seeds 7 13 31, 200 images each
    .venv/bin/python benchmarks/text_redaction.py --quick              # 30 images per seed
    .venv/bin/python benchmarks/text_redaction.py --seeds 7 --jpeg     # also after a JPEG round trip
    .venv/bin/python benchmarks/text_redaction.py --realworld          # painted area on real text-free files
    .venv/bin/python benchmarks/text_redaction.py --held-out           # held out: identifiers planted in real images
    .venv/bin/python benchmarks/text_redaction.py --speed --count 20   # ms per image: checks on, recogniser off, recall passes off, checks off, pytesseract
    .venv/bin/python benchmarks/text_redaction.py --no-recognise       # without the learned recogniser, for a before/after

For each seed and each generator (tests/fixtures/textimages.py, the first; textimages2.py, the
second, written apart and never tuned on) it prints:
- recall: a planted text box counts when >= 90% of it is painted; also for low contrast,
  <= 12 px and vertical text;
- non-text markings covered (calipers, rulers...; first generator only);
- non-text pixels painted on the text images (outside the planted boxes grown by 4 px);
- characters still legible: after painting, tesseract (psm 6 and 11, both polarities, 2x) reads
  the crop around each planted string; a string counts the characters it reads in a row (>= 3);
- ms per image on one core.
And once per seed, on text-free images of every modality (tests/fixtures/anatomy.py): false
boxes per image, the share of pixels painted (mean and max), and boxes over 10% of an image.

--realworld reads the files benchmarks/realworld_fetch.py put in its cache and listed as
text-free in benchmarks/realworld_text_free.csv, and prints the painted share of each.

--held-out plants identifiers device-style into those same real images (tests/fixtures/textimages3.py:
stored values, the file's own window, text at the maximum stored value or the window's edge, dim
text, colour text on RGB, JPEG round trips, fonts and rendering neither generator uses) and prints
the same recall and legibility figures, also by ink style. It is measured, never tuned on.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from radshare.core.redact.detect import detect_text  # noqa: E402
from radshare.core.redact.settings import overridden  # noqa: E402
from tests.fixtures.anatomy import make_text_free_set  # noqa: E402
from tests.fixtures.legibility import still_legible  # noqa: E402
from tests.fixtures.textimages import coverage, jpeg_copy, make_set  # noqa: E402
from tests.fixtures.textimages2 import make_set2  # noqa: E402

cv2.setNumThreads(1)
JPEG_QUALITY = 85  # the extra lossy condition, reported on its own lines
TEXT_MARGIN = 4  # px around a planted box that still counts as text (the detector pads by 3)
LARGE_BOX = 0.10  # a box over this share of an image must hold text


def pytesseract_boxes(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    import pytesseract

    data = pytesseract.image_to_data(image, config="--psm 11", output_type=pytesseract.Output.DICT)
    return [
        (x, y, w, h)
        for x, y, w, h, t in zip(data["left"], data["top"], data["width"], data["height"], data["text"])
        if t.strip()
    ]


def radshare_boxes(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    return [r.as_box() for r in detect_text(image)]


def _mask(shape, boxes) -> np.ndarray:
    mask = np.zeros(shape[:2], bool)
    for x, y, w, h in boxes:
        mask[max(0, y) : y + h, max(0, x) : x + w] = True
    return mask


def _paint(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    painted = image.copy()
    painted[mask] = 0
    return painted


def evaluate(name: str, samples, boxes_of, legibility: bool = True) -> dict:
    """Recall, markings, non-text painting, legibility and time on images with planted text."""
    stats = {"all": [0, 0], "low contrast": [0, 0], "<= 12 px": [0, 0], "vertical": [0, 0]}
    marks_hit = marks = large = 0
    shares, seconds, legible, planted_chars, legible_strings = [], 0.0, 0, 0, 0
    missed = []
    for sample in samples:
        start = time.perf_counter()
        boxes = boxes_of(sample.image)
        seconds += time.perf_counter() - start
        mask = _mask(sample.image.shape, boxes)
        text_area = np.zeros_like(mask)
        for text in sample.texts:
            x, y, w, h = text.box
            text_area[max(0, y - TEXT_MARGIN) : y + h + TEXT_MARGIN, max(0, x - TEXT_MARGIN) : x + w + TEXT_MARGIN] = True
            hit = coverage(mask, text.box) >= 0.9
            if not hit:
                missed.append(text)
            for key, applies in (("all", True), ("low contrast", text.low_contrast),
                                 ("<= 12 px", text.height <= 12), ("vertical", text.vertical)):
                if applies:
                    stats[key][0] += hit
                    stats[key][1] += 1
            if getattr(text, "style", ""):  # the held-out set's ink: max value, window edge, dim, colour
                stats.setdefault(f"ink {text.style}", [0, 0])
                stats[f"ink {text.style}"][0] += hit
                stats[f"ink {text.style}"][1] += 1
        shares.append(float((mask & ~text_area).sum()) / max(1, int((~text_area).sum())))
        for x, y, w, h in boxes:
            if w * h > LARGE_BOX * mask.size and not text_area[y : y + h, x : x + w].any():
                large += 1
        for box in sample.marks:
            marks_hit += coverage(mask, box) >= 0.5
            marks += 1
        if legibility:
            shown = getattr(sample, "display", None)  # the held-out set's stored frames: read what the user sees
            painted = _paint(shown(sample.image) if shown else sample.image, mask)
            for text in sample.texts:
                x, y, w, h = text.box
                whole = coverage(mask, (max(0, x - 2), max(0, y - 2), w + 4, h + 4)) == 1.0
                chars = 0 if whole else still_legible(painted, text.box, text.text, text.height)  # nothing left to read
                legible += chars
                legible_strings += chars > 0
                planted_chars += sum(ch.isalnum() for ch in text.text)
    print(f"\n{name}")
    for key, (hit, total) in stats.items():
        print(f"  recall {key:<13} {100 * hit / max(total, 1):5.1f}%  ({hit}/{total})")
    if marks:
        print(f"  non-text markings covered {100 * marks_hit / max(marks, 1):5.1f}%  ({marks_hit}/{marks})")
    print(f"  non-text pixels painted   {100 * np.mean(shares):5.2f}% mean, {100 * max(shares):5.2f}% max")
    print(f"  boxes > 10% without text  {large}")
    if legibility:
        print(f"  characters still legible  {legible} of {planted_chars} planted ({legible_strings} strings)")
    print(f"  ms per image              {1000 * seconds / len(samples):5.0f}")
    return {"recall": stats, "ms": 1000 * seconds / len(samples), "legible": legible, "missed": missed}


def evaluate_text_free(name: str, images, boxes_of) -> None:
    """False boxes and painted share on images without any text."""
    boxes_total, shares, large, by_kind = 0, [], 0, {}
    for kind, image in images:
        boxes = boxes_of(image)
        mask = _mask(image.shape, boxes)
        boxes_total += len(boxes)
        shares.append(float(mask.mean()))
        large += sum(w * h > LARGE_BOX * mask.size for _, _, w, h in boxes)
        by_kind[kind] = by_kind.get(kind, 0) + len(boxes)
    print(f"\n{name}")
    print(f"  false boxes per image     {boxes_total / len(images):5.2f}  ({boxes_total} on {len(images)} images)")
    print(f"  pixels painted            {100 * np.mean(shares):5.2f}% mean, {100 * max(shares):5.2f}% max")
    print(f"  boxes > 10% of an image   {large}")
    print("  false boxes by kind       " + ", ".join(f"{k} {v}" for k, v in by_kind.items() if v))


def realworld(boxes_of) -> None:
    """Painted share on the real text-free images, searched as deid searches them: as stored, and
    as displayed in their own window where that differs (and 1-bit stretched)."""
    from tests.fixtures.textimages3 import Sample3, real_bases

    rows = []
    samples = [Sample3(image=b.frame, label=b.label, dataset=b.ds) for b in real_bases(min_side=0)]
    searched = _as_deid(samples)
    for sample in samples:
        boxes = searched(sample.image)
        rows.append((float(_mask(sample.image.shape, boxes).mean()), len(boxes), sample.label))
    if not rows:
        print("\nreal-world text-free images: none in the cache (run benchmarks/realworld_fetch.py)")
        return
    shares = [r[0] for r in rows]
    print(f"\nreal-world text-free images ({len(rows)}): painted {100 * np.mean(shares):.2f}% mean, "
          f"{100 * max(shares):.2f}% max; {sum(r[1] for r in rows) / len(rows):.2f} boxes per image")
    for share, count, label in sorted(rows, reverse=True)[:10]:
        print(f"  {100 * share:6.2f}%  {count:3d} boxes  {label}")


def _as_deid(samples):
    """boxes_of for stored frames as deid searches them (radshare.core.redact.search.search_frames,
    the entry every path uses): as stored, and as displayed in the file's own window where that
    differs; frames over the memory budget scaled down and in tiles."""
    from radshare.core.redact.search import search_frames

    datasets = {id(s.image): s.dataset for s in samples}

    def boxes_of(image: np.ndarray) -> list[tuple[int, int, int, int]]:
        ds = datasets.get(id(image))
        return [r.as_box() for r in search_frames(image[None], ds if image.ndim == 2 else None)]

    return boxes_of


def held_out(seeds: list[int], count: int | None, legibility: bool) -> None:
    """Recall on identifiers planted device-style into the real text-free images (stored values,
    their own windows, JPEG round trips): the data nobody tuned on. Never tune on it."""
    from tests.fixtures.textimages3 import make_set3, real_bases

    bases = real_bases()
    if not bases:
        print("\nheld-out set: no real images in the cache (run benchmarks/realworld_fetch.py)")
        return
    for seed in seeds:
        samples = make_set3(count, seed, bases)
        print(f"\n=== held-out seed {seed}: {len(samples)} real images, {sum(len(s.texts) for s in samples)} text boxes")
        result = evaluate(f"held-out set (real pixels), seed {seed}: RadShare, stored frame and its display as deid searches them",
                          samples, _as_deid(samples), legibility)
        misses = [(s.label, t.font, t.height, t.style, t.vertical) for s in samples for t in s.texts
                  if t in result["missed"]]
        print(f"  missed by base image      " + ", ".join(sorted({m[0].rsplit('/', 1)[-1] for m in misses})))


RECALL_PASSES_OFF = {  # the recall passes added for issue 19's hard kinds, off: the "before" of their cost
    "passes": {"unseen_looks": False, "turned_looks": False, "small_frame_pass": False, "luminance_pass": False},
    "second_look": {"small_word_scales": (2,)}, "classical": {"small_word_long": 5.0},
}


# the passes added last (faint_lines.py, beyond_ground.py, string_ends' tall growth, finescale.py,
# chroma.py): off, the detector as it was before them, for their cost in the same run
NEWEST_PASSES_OFF = {"faint_lines": {"enabled": False}, "vertical_text": {"beyond_ground": False, "tall_string_ends": False},
                     "fine_scale": {"enabled": False}, "chroma": {"enabled": False}}


def speed(count: int, seed: int) -> None:
    """ms per image with every check on, the recogniser off, the recall passes off, all checks off,
    the whole-line passes off (detect._confirmed's reading, string_ends.py, labels.py), the faint-line look off
    (faint_lines.py), the newest passes off (NEWEST_PASSES_OFF: what the detector cost before them), and pytesseract, interleaved image by image so the load of a shared machine falls on all alike;
    ratios are the figures to compare. Also this process's CPU ms per image (pytesseract runs in a
    child process, so it has none): on a loaded machine the CPU ratio varies less than the wall-clock
    one. Also on small frames (the same images at 256 px), where the small-frame pass runs."""
    from radshare.core.redact.pixels import to_uint8

    images = [s.image for s in make_set(count, seed)] + [s.image for s in make_set2(count // 2, seed)]
    images += [to_uint8(image) for _, image in make_text_free_set(per_kind=1, seed=seed)]
    small = [cv2.resize(image, (256, 256), interpolation=cv2.INTER_AREA) for image in images]
    modes = {
        "checks on": {},
        "recogniser off": {"passes": {"recognise": False}},
        "recall off": RECALL_PASSES_OFF,
        "checks off": {"passes": {"verify": False, "recognise": False}},
        "whole lines off": {"whole_lines": {"recogniser_confirms": False, "string_ends": False, "label_patches": False}},
        "faint lines off": {"faint_lines": {"enabled": False}},
        "newest off": NEWEST_PASSES_OFF,
    }
    for label, group in (("", images), (" at 256 px", small)):
        spent = dict.fromkeys([*modes, "pytesseract"], 0.0)
        cpu = dict.fromkeys(spent, 0.0)
        for image in group:
            for name in spent:
                start, start_cpu = time.perf_counter(), time.process_time()
                if name == "pytesseract":
                    pytesseract_boxes(image)
                else:
                    with overridden(**modes[name]):
                        radshare_boxes(image)
                spent[name] += time.perf_counter() - start
                cpu[name] += time.process_time() - start_cpu
        print(f"\nms per image{label}, interleaved over {len(group)} images (both generators and text-free, seed {seed}):")
        for name, seconds in spent.items():
            print(f"  {name:<14} {1000 * seconds / len(group):6.0f}  ({seconds / spent['recogniser off']:.2f}x recogniser off, "
                  f"{seconds / spent['recall off']:.2f}x recall off, {seconds / spent['checks off']:.2f}x checks off, "
                  f"{seconds / spent['pytesseract']:.2f}x pytesseract)"
                  + ("" if name == "pytesseract" else
                     f"; CPU {1000 * cpu[name] / len(group):4.0f} ms ({cpu[name] / cpu['recogniser off']:.2f}x recogniser off)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 images per seed instead of 200")
    parser.add_argument("--count", type=int, help="images per seed and generator (default 200, --quick 30)")
    parser.add_argument("--no-verify", action="store_true", help="the detector without its anatomy checks (passes.verify off in resources/detector_settings.toml), for a before/after")
    parser.add_argument("--no-recognise", action="store_true", help="the detector without the learned recogniser's reading (passes.recognise off), for a before/after")
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 13, 31])
    parser.add_argument("--jpeg", action="store_true", help=f"also measure after a JPEG q={JPEG_QUALITY} round trip")
    parser.add_argument("--no-baseline", action="store_true", help="skip pytesseract (the speed baseline)")
    parser.add_argument("--no-legibility", action="store_true", help="skip the tesseract reading after painting")
    parser.add_argument("--realworld", action="store_true", help="only the real-world text-free images")
    parser.add_argument("--held-out", action="store_true", help="only the held-out set: identifiers planted in the real text-free images (tests/fixtures/textimages3.py)")
    parser.add_argument("--speed", action="store_true", help="only ms per image, checks on/off and pytesseract interleaved")
    args = parser.parse_args()
    switched = {"verify": False} if args.no_verify else {}
    if args.no_recognise:
        switched["recognise"] = False
    with overridden(passes=switched) if switched else nullcontext():
        run(args)


def run(args: argparse.Namespace) -> None:
    count = args.count or (30 if args.quick else 200)
    radshare_boxes(np.zeros((64, 64), np.uint8))  # load the model outside the timing
    if args.realworld:
        realworld(radshare_boxes)
        return
    if args.speed:
        speed(count, args.seeds[0])
        return
    if args.held_out:
        held_out(args.seeds, args.count, not args.no_legibility)
        return
    for seed in args.seeds:
        first, second = make_set(count, seed=seed), make_set2(count, seed=seed)
        free = make_text_free_set(per_kind=1 if args.quick else 3, seed=seed)
        print(f"\n=== seed {seed}: first generator {len(first)} images, {sum(len(s.texts) for s in first)} text boxes, "
              f"{sum(len(s.marks) for s in first)} markings; second generator {len(second)} images, "
              f"{sum(len(s.texts) for s in second)} text boxes; {len(free)} text-free images")
        legibility = not args.no_legibility
        evaluate(f"first generator, seed {seed}: RadShare detect_text(mode='auto')", first, radshare_boxes, legibility)
        evaluate(f"second generator, seed {seed}: RadShare detect_text(mode='auto')", second, radshare_boxes, legibility)
        evaluate_text_free(f"text-free anatomy, seed {seed}: RadShare detect_text(mode='auto')", free, radshare_boxes)
        if not args.no_baseline and seed == args.seeds[0]:
            evaluate(f"first generator, seed {seed}: pytesseract whole image, psm 11 (baseline)", first,
                     pytesseract_boxes, legibility=False)
        if args.jpeg:
            evaluate(f"first generator, seed {seed}: RadShare, JPEG q={JPEG_QUALITY}",
                     [jpeg_copy(s, JPEG_QUALITY) for s in first], radshare_boxes, legibility=False)


if __name__ == "__main__":
    main()
