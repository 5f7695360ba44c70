#!/usr/bin/env python3
"""Time to post 4 images to Mastodon and to Bluesky, and the bytes sent against each limit.

Runs against local servers only, started here and stopped by PID: mastodon-mock
(scripts/mastodon/serve.py) and the reference Bluesky PDS (scripts/bluesky/server.js; install it
first with scripts/bluesky/install). The 4 images are 2 grey radiograph-like 2048x2048 images and
2 colour 4000x3000 photo-like images, so the Bluesky fit (1,000,000 bytes, 2000 px) has work to do.

For each target it prints: core preparation time (fit to the target's limits), publish time
(uploads + post, through the plugin), and a same-run baseline: the same prepared bytes sent with
plain HTTP uploads (no plugin, no post) to show what the plugin adds. Then each image's format,
size in pixels and bytes against the target's byte limit.

Usage: .venv/bin/python benchmarks/upload_social.py [--repeat N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from statistics import median

import numpy as np
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from radshare.core.model import Identifiers  # noqa: E402
from radshare.uploaders.compose import SourceImage, build_post  # noqa: E402


def start(argv: list[str], timeout: float = 120.0) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            text=True, start_new_session=True)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not line or not line[0].strip():
        stop(proc)
        raise SystemExit(f"server did not start: {argv[:2]}")
    return proc, json.loads(line[0])


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)


def images() -> list[SourceImage]:
    rng = np.random.default_rng(42)
    out = []
    for n in range(2):
        size = 2048
        y, x = np.mgrid[0:size, 0:size]
        body = ((x - size / 2) ** 2 / (size / 2.6) ** 2 + (y - size / 2) ** 2 / (size / 2.2) ** 2) < 1
        grey = np.clip(30 + 160 * body + rng.normal(0, 9, (size, size)) + 10 * np.sin(x / (30 + n)), 0, 255)
        out.append(SourceImage(np.stack([grey.astype(np.uint8)] * 3, -1), Identifiers(), True))
    for n in range(2):
        h, w = 3000, 4000
        y, x = np.mgrid[0:h, 0:w]
        rgb = np.stack([x * 255 / w, y * 255 / h, (x + y) * 127 / (w + h) + 64 + 20 * np.sin(x / (17 + n))], -1)
        rgb = np.clip(rgb + rng.normal(0, 10, rgb.shape), 0, 255).astype(np.uint8)
        out.append(SourceImage(rgb, Identifiers(), True))
    return out


def measure(name: str, uploader, sources, repeat: int, baseline, sign_in_s: float) -> dict:
    alts = [f"Benchmark image {n}" for n in range(1, 5)]
    t0 = time.perf_counter()
    post, _ = build_post(sources, uploader.limits, alt_texts=alts, caption=f"RadShare benchmark #{name}")
    prepare_s = time.perf_counter() - t0
    publish, raw = [], []
    for _ in range(repeat):
        post.caption += " ."  # a new post each time (Mastodon's Idempotency-Key would dedupe)
        t0 = time.perf_counter()
        uploader.publish(post)
        publish.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        baseline(post)
        raw.append(time.perf_counter() - t0)
    limits = uploader.limits
    return {
        "target": name, "sign_in_s": round(sign_in_s, 3), "prepare_s": round(prepare_s, 3), "publish_s": round(median(publish), 3),
        "baseline_raw_uploads_s": round(median(raw), 3), "repeat": repeat,
        "max_bytes": limits.max_bytes, "max_dimension": limits.max_dimension, "max_pixels": limits.max_pixels,
        "images": [{"format": i.format, "width": i.width, "height": i.height, "bytes": i.size,
                    "percent_of_limit": round(100 * i.size / limits.max_bytes, 1) if limits.max_bytes else None}
                   for i in post.images],
        "total_bytes": sum(i.size for i in post.images),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sources = images()
    results = []

    proc, info = start([sys.executable, str(REPO / "scripts/mastodon/serve.py")])
    try:
        from radshare.uploaders.mastodon import MastodonUploader

        token = info["accounts"]["alice"]
        uploader = MastodonUploader({"url": info["url"]}, token)
        t0 = time.perf_counter()
        uploader.verify()
        sign_in = time.perf_counter() - t0
        uploader.fetch_limits()
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"

        def raw_mastodon(post) -> None:
            for image in post.images:
                session.post(f"{info['url']}/api/v2/media", files={"file": (image.filename, image.data, image.mime_type)},
                             data={"description": image.alt_text}, timeout=60).raise_for_status()

        results.append(measure("mastodon", uploader, sources, args.repeat, raw_mastodon, sign_in))
    finally:
        stop(proc)

    if (REPO / "scripts/bluesky/node_modules/@atproto/pds").is_dir():
        proc, info = start(["node", str(REPO / "scripts/bluesky/server.js"), "--accounts", "bench"])
        try:
            from radshare.uploaders.bluesky import BlueskyUploader

            account = info["accounts"][0]
            uploader = BlueskyUploader({"handle": account["handle"], "pds_url": info["url"]}, account["app_password"])
            t0 = time.perf_counter()
            uploader.verify()
            sign_in = time.perf_counter() - t0
            jwt = uploader.client()._session.access_jwt  # noqa: SLF001

            def raw_bluesky(post) -> None:
                for image in post.images:
                    requests.post(f"{info['url']}/xrpc/com.atproto.repo.uploadBlob", data=image.data, timeout=60,
                                  headers={"Authorization": f"Bearer {jwt}", "Content-Type": image.mime_type}
                                  ).raise_for_status()

            results.append(measure("bluesky", uploader, sources, args.repeat, raw_bluesky, sign_in))
        finally:
            stop(proc)
    else:
        print("bluesky: skipped (run scripts/bluesky/install)", file=sys.stderr)

    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    for r in results:
        print(f"{r['target']}: sign-in/verify {r['sign_in_s']:.2f} s, prepare {r['prepare_s']:.2f} s, post 4 images {r['publish_s']:.2f} s "
              f"(median of {r['repeat']}; baseline raw uploads of the same bytes {r['baseline_raw_uploads_s']:.2f} s)")
        for n, i in enumerate(r["images"], 1):
            limit = f"{r['max_bytes']:,}" if r["max_bytes"] else "none"
            print(f"  image {n}: {i['format']} {i['width']}x{i['height']}, {i['bytes']:,} bytes "
                  f"(limit {limit}, {i['percent_of_limit']}%)")
        print(f"  total sent: {r['total_bytes']:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
