"""Run the peer de-identifiers over texts for benchmarks/free_text.py, in their own environment.

    /work/.venv-peers-text/bin/python benchmarks/free_text_peers.py IN.json OUT.json

IN.json: {"descriptors": [...], "notes": [...]}. OUT.json: per tool, per set, the cleaned texts
and the seconds taken (one core, one process). Tools: scrubadub (its default detectors), and
presidio-analyzer's pattern recognisers (every predefined recogniser that is a PatternRecognizer,
English; no NER model: no English spaCy model is published on PyPI).
"""

from __future__ import annotations

import json
import sys
import time


def _presidio():
    from presidio_analyzer import PatternRecognizer
    import presidio_analyzer.predefined_recognizers as predefined

    recognizers = []
    for name in dir(predefined):
        cls = getattr(predefined, name)
        if isinstance(cls, type) and issubclass(cls, PatternRecognizer) and cls is not PatternRecognizer:
            try:
                recognizer = cls()
            except Exception:  # noqa: BLE001 - some need arguments or other languages
                continue
            if getattr(recognizer, "supported_language", "en") == "en":
                recognizers.append(recognizer)

    def clean(text: str) -> str:
        spans = []
        for recognizer in recognizers:
            for result in recognizer.analyze(text, recognizer.supported_entities, None) or []:
                spans.append((result.start, result.end))
        out, pos = [], 0
        for start, end in sorted(spans):
            if start < pos:
                start = pos
            if end <= start:
                continue
            out.append(text[pos:start] + "[REDACTED]")
            pos = end
        out.append(text[pos:])
        return "".join(out)

    return clean, len(recognizers)


def main() -> int:
    import logging

    logging.disable(logging.WARNING)  # tldextract's failed look-up of the public suffix list (offline): it falls back to its snapshot
    data = json.load(open(sys.argv[1], encoding="utf-8"))
    import scrubadub

    scrubber = scrubadub.Scrubber()
    presidio, count = _presidio()
    tools = {"scrubadub": scrubber.clean, f"presidio-analyzer ({count} pattern recognisers)": presidio}
    out = {}
    for name, clean in tools.items():
        out[name] = {}
        for kind, texts in data.items():
            clean(texts[0])  # warm up (compiles patterns)
            started = time.perf_counter()
            cleaned = [clean(t) for t in texts]
            out[name][kind] = {"texts": cleaned, "seconds": time.perf_counter() - started}
    json.dump(out, open(sys.argv[2], "w", encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
