"""Time to post 4 images to each target, and the bytes sent against each target's limits.

    .venv/bin/python benchmarks/upload_targets.py [--json]

Targets: a real WordPress (scripts/wordpress/start.sh; skipped when not installed), the Discourse
contract server (pytest-httpserver, the documented shapes), the Folder target, and a
prepare-only row with Bluesky's documented cap (1,000,000 bytes per image) for the social
uploaders built on this protocol. The 4 images are synthetic: two 4000x3000 colour photos and
two 2048x2048 grey radiographs. Baseline printed beside each figure in the same run: the bytes of
the same pixels as full-resolution PNG (what sending without preparation would cost).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from radshare.core.export.images import encode_image  # noqa: E402
from radshare.core.model import Identifiers  # noqa: E402
from radshare.uploaders.base import Limits  # noqa: E402
from radshare.uploaders.compose import SourceImage, build_post  # noqa: E402
from radshare.uploaders.discourse import DiscourseUploader  # noqa: E402
from radshare.uploaders.folder import FolderUploader  # noqa: E402
from radshare.uploaders.wordpress import WordPressUploader  # noqa: E402

BLUESKY_LIMITS = Limits(max_images=4, max_bytes=1_000_000, formats=("jpeg", "png"), alt_max=2000)


def sample_pixels() -> list[np.ndarray]:
    rng = np.random.default_rng(42)
    out = []
    for seed in range(2):
        y, x = np.mgrid[0:3000, 0:4000]
        rgb = np.stack([(x / 16 + seed * 30) % 256, (y / 12) % 256, ((x + y) / 20) % 256], -1)
        rgb = rgb + rng.normal(0, 14, rgb.shape)
        out.append(np.clip(rgb, 0, 255).astype(np.uint8))
    for seed in range(2):
        size = 2048
        y, x = np.mgrid[0:size, 0:size]
        body = ((x - size / 2) ** 2 / (size / 2.6) ** 2 + (y - size / 2) ** 2 / (size / 2.2) ** 2) < 1
        grey = 30 + 150 * body + rng.normal(0, 9 + seed, (size, size))
        out.append(np.clip(grey, 0, 255).astype(np.uint8))
    return out


def discourse_server():
    from pytest_httpserver import HTTPServer
    from werkzeug import Request, Response

    server = HTTPServer(host="127.0.0.1", port=0)
    counter = {"n": 0}

    def handle(request: Request) -> Response:
        if request.path == "/uploads.json":
            counter["n"] += 1
            data = request.files["file"].read()
            body = {"id": counter["n"], "short_url": f"upload://b{counter['n']}.jpg", "width": 1, "height": 1, "filesize": len(data)}
        elif request.path == "/session/current.json":
            body = {"current_user": {"username": "bench"}}
        else:
            body = {"id": 1, "topic_id": 1, "topic_slug": "bench"}
        return Response(json.dumps(body), content_type="application/json")

    for path in ("/uploads.json", "/posts.json", "/session/current.json"):
        server.expect_request(path).respond_with_handler(handle)
    server.start()
    return server


def run_target(name: str, uploader, sources: list[SourceImage], limits: Limits, publish: bool = True) -> dict:
    started = time.perf_counter()
    post, _ = build_post(sources, limits, alt_texts=["Benchmark image"], caption="Benchmark post",
                         title="Benchmark post with four images", draft=bool(getattr(uploader, "features", None) and uploader.features.drafts))
    prepared = time.perf_counter()
    if publish:
        problems = uploader.validate(post)
        if problems:
            raise SystemExit(f"{name}: {problems}")
        uploader.publish(post)
    finished = time.perf_counter()
    return {
        "target": name,
        "prepare_s": round(prepared - started, 2),
        "publish_s": round(finished - prepared, 2) if publish else None,
        "total_s": round(finished - started, 2),
        "max_bytes": limits.max_bytes,
        "images": [{"format": i.format, "size": f"{i.width}x{i.height}", "bytes": i.size} for i in post.images],
    }


def main() -> int:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    pixels = sample_pixels()
    sources = [SourceImage(p, Identifiers(), True) for p in pixels]
    t0 = time.perf_counter()
    baseline = [len(encode_image(p, "png")) for p in pixels]
    baseline_s = time.perf_counter() - t0
    rows = []

    with tempfile.TemporaryDirectory() as folder:
        rows.append(run_target("folder", FolderUploader({"folder": folder}), sources, FolderUploader.limits))

    server = discourse_server()
    try:
        url = server.url_for("/").rstrip("/")
        rows.append(run_target("discourse (contract server)", DiscourseUploader({"url": url}, "bench-key"), sources, DiscourseUploader.limits))
    finally:
        server.stop()

    start = REPO / "scripts/wordpress/start.sh"
    if Path("/usr/share/wordpress/wp-settings.php").is_file():
        t = time.perf_counter()
        info = json.loads(subprocess.run([str(start)], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
        server_start_s = time.perf_counter() - t
        try:
            up = WordPressUploader({"url": info["url"], "user": info["user"]}, info["app_password"])
            row = run_target("wordpress (real, php -S)", up, sources, WordPressUploader.limits)
            row["server_start_s"] = round(server_start_s, 1)
            rows.append(row)
        finally:
            subprocess.run([str(REPO / "scripts/wordpress/stop.sh"), info["state_dir"]], check=False)
    else:
        print("wordpress: not installed (scripts/apt/uploaders.txt); skipped", file=sys.stderr)

    rows.append(run_target("bluesky limits (prepare only)", None, sources, BLUESKY_LIMITS, publish=False))

    if args.json:
        print(json.dumps({"baseline_png_bytes": baseline, "baseline_png_s": round(baseline_s, 2), "targets": rows}, indent=2))
        return 0
    print(f"4 images: 2 colour 4000x3000, 2 grey 2048x2048; cores: {os.cpu_count()}")
    print(f"baseline (same pixels as full-size PNG, no fitting): {', '.join(f'{b:,}' for b in baseline)} bytes; {baseline_s:.2f} s to encode")
    for row in rows:
        publish = f"publish {row['publish_s']:.2f} s" if row["publish_s"] is not None else "not sent"
        extra = f", server start {row['server_start_s']} s" if "server_start_s" in row else ""
        print(f"\n{row['target']}: total {row['total_s']:.2f} s (prepare {row['prepare_s']:.2f} s, {publish}{extra}); limit {row['max_bytes'] or 'none'} bytes/image")
        for image, base in zip(row["images"], baseline):
            share = f" = {image['bytes'] / row['max_bytes']:.0%} of the cap" if row["max_bytes"] else ""
            print(f"  {image['format']:4} {image['size']:>9}  {image['bytes']:>10,} bytes{share}  (full-size PNG {base:,})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
