"""Measure burned-in text redaction on generated images, beside pytesseract in the same run.

    .venv/bin/python benchmarks/text_redaction.py            # ~200 images 512x512, ~1000 boxes
    .venv/bin/python benchmarks/text_redaction.py --quick    # 30 images

Prints recall (a planted text box counts when >= 90% of it is painted), recall by condition
(low contrast, <= 12 px, vertical), the share of non-text markings (calipers, dotted lines,
rulers, arrows) wrongly covered (>= 50% of the marking's box painted), the share of image area
painted, and ms per 512x512 image on one core (OMP/OpenCV/onnxruntime limited to one thread).

The same images are then measured again after a lossy JPEG round trip (quality 85, as many
ultrasound archives store frames), reported on their own lines: the lossless figures are the
ones the targets refer to, the JPEG ones show whether gains survive compression.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from radshare.core.redact.detect import detect_text  # noqa: E402
from tests.fixtures.textimages import coverage, jpeg_copy, make_set  # noqa: E402

cv2.setNumThreads(1)
JPEG_QUALITY = 85  # the extra lossy condition, reported on its own lines


def pytesseract_boxes(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    import pytesseract

    data = pytesseract.image_to_data(image, config="--psm 11", output_type=pytesseract.Output.DICT)
    return [
        (x, y, w, h)
        for x, y, w, h, t in zip(data["left"], data["top"], data["width"], data["height"], data["text"])
        if t.strip()
    ]


def evaluate(name: str, samples, boxes_of) -> None:
    stats = {"all": [0, 0], "low contrast": [0, 0], "<= 12 px": [0, 0], "vertical": [0, 0]}
    marks_hit = marks = 0
    painted = area = 0.0
    seconds = 0.0
    for sample in samples:
        start = time.perf_counter()
        boxes = boxes_of(sample.image)
        seconds += time.perf_counter() - start
        mask = np.zeros(sample.image.shape[:2], bool)
        for x, y, w, h in boxes:
            mask[max(0, y) : y + h, max(0, x) : x + w] = True
        painted += mask.sum()
        area += mask.size
        for text in sample.texts:
            hit = coverage(mask, text.box) >= 0.9
            for key, applies in (("all", True), ("low contrast", text.low_contrast),
                                 ("<= 12 px", text.height <= 12), ("vertical", text.vertical)):
                if applies:
                    stats[key][0] += hit
                    stats[key][1] += 1
        for box in sample.marks:
            marks_hit += coverage(mask, box) >= 0.5
            marks += 1
    print(f"\n{name}")
    for key, (hit, total) in stats.items():
        print(f"  recall {key:<13} {100 * hit / max(total, 1):5.1f}%  ({hit}/{total})")
    print(f"  non-text markings covered {100 * marks_hit / max(marks, 1):5.1f}%  ({marks_hit}/{marks})")
    print(f"  image area painted        {100 * painted / max(area, 1):5.1f}%")
    print(f"  ms per 512x512 image      {1000 * seconds / len(samples):5.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 images instead of 200")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    samples = make_set(30 if args.quick else 200, seed=args.seed)
    print(f"{len(samples)} images, {sum(len(s.texts) for s in samples)} text boxes, "
          f"{sum(len(s.marks) for s in samples)} non-text markings")
    detect_text(samples[0].image)  # load the model outside the timing
    evaluate("RadShare detect_text(mode='auto')", samples, lambda im: [r.as_box() for r in detect_text(im)])
    evaluate("pytesseract whole image, psm 11", samples, pytesseract_boxes)
    evaluate(f"RadShare detect_text(mode='auto'), JPEG q={JPEG_QUALITY}",
             [jpeg_copy(s, JPEG_QUALITY) for s in samples], lambda im: [r.as_box() for r in detect_text(im)])


if __name__ == "__main__":
    main()
