"""Cine loops: MP4/GIF from an iterator, sensible size and rate, atomic, bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image as PILImage

from radshare.core.export.cine import EmptyCineError, clamp_fps, fitted_size, write_cine, write_gif, write_mp4


def _frames(n: int, h: int = 128, w: int = 160, colour: bool = False):
    for i in range(n):
        grey = np.tile(np.linspace(0, 255, w, dtype=np.uint8), (h, 1))
        grey[10:30, (i * 4) % (w - 20) : (i * 4) % (w - 20) + 20] = 255
        if colour:
            rgb = np.stack([grey, grey // 2, 255 - grey], axis=2)
            yield rgb
        else:
            yield grey


def _probe(path):
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    count = sum(1 for _ in reader)
    return meta, count


def test_mp4_is_h264_yuv420p_with_every_frame(tmp_path):
    info = write_mp4(_frames(24), tmp_path / "loop.mp4", fps=12)
    meta, count = _probe(tmp_path / "loop.mp4")
    assert meta["codec"] == "h264" and meta["pix_fmt"].startswith("yuv420p")
    assert count == 24 == info.frames
    assert meta["size"] == (160, 128) and meta["fps"] == 12


def test_odd_and_large_frames_become_even_and_at_most_1080(tmp_path):
    frames = (np.full((1501, 2001, 3), i, np.uint8) for i in range(3))
    info = write_mp4(frames, tmp_path / "big.mp4")
    assert max(info.width, info.height) <= 1080
    assert info.width % 2 == 0 and info.height % 2 == 0
    meta, count = _probe(tmp_path / "big.mp4")
    assert meta["size"] == (info.width, info.height) and count == 3


def test_frames_of_another_size_are_fitted_into_the_first_ones(tmp_path):
    frames = [np.zeros((100, 100), np.uint8), np.full((50, 200), 200, np.uint8)]
    info = write_mp4(iter(frames), tmp_path / "mixed.mp4")
    assert (info.width, info.height) == (100, 100)
    assert _probe(tmp_path / "mixed.mp4")[1] == 2


def test_grey_gif_loops_and_keeps_grey_levels(tmp_path):
    info = write_gif(_frames(10), tmp_path / "loop.gif", fps=10)
    gif = PILImage.open(tmp_path / "loop.gif")
    assert gif.n_frames == 10 == info.frames
    assert gif.info["loop"] == 0 and gif.info["duration"] == 100
    gif.seek(7)
    decoded = np.asarray(gif.convert("L")).astype(int)
    expected = list(_frames(8))[7].astype(int)
    assert np.abs(decoded - expected).max() <= 4


def test_colour_gif_keeps_colours_close(tmp_path):
    write_gif(_frames(4, colour=True), tmp_path / "c.gif")
    gif = PILImage.open(tmp_path / "c.gif")
    gif.seek(2)
    decoded = np.asarray(gif.convert("RGB")).astype(int)
    expected = list(_frames(3, colour=True))[2].astype(int)
    assert np.abs(decoded - expected).mean() < 6


def test_gif_long_side_is_capped(tmp_path):
    info = write_gif((np.zeros((900, 1600), np.uint8) for _ in range(2)), tmp_path / "g.gif")
    assert max(info.width, info.height) == 720


@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_a_failure_midway_leaves_no_file_behind(tmp_path, fmt):
    def failing():
        yield from _frames(5)
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError):
        write_cine(failing(), tmp_path / f"loop.{fmt}", fmt)
    assert list(tmp_path.iterdir()) == []


def test_no_frames_is_an_error_and_writes_nothing(tmp_path):
    with pytest.raises(EmptyCineError):
        write_mp4(iter([]), tmp_path / "none.mp4")
    assert list(tmp_path.iterdir()) == []


def test_frame_rate_and_size_helpers():
    assert clamp_fps(None) == 12.0 and clamp_fps(0) == 12.0 and clamp_fps(500) == 30.0 and clamp_fps(1) == 2.0
    assert fitted_size(512, 512, 1080, even=True) == (512, 512)
    assert fitted_size(3000, 1000, 1080, even=True) == (1080, 360)
    assert fitted_size(513, 301, 1080, even=True) == (512, 300)


_MEMORY_PROBE = textwrap.dedent(
    """
    import json, resource, sys
    import numpy as np
    from pathlib import Path
    from radshare.core.export.cine import write_cine

    n, fmt, out = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    def frames():
        for i in range(n):
            f = np.full((384, 384, 3), i % 256, np.uint8)
            f[:, i % 384] = 255
            yield f
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    info = write_cine(frames(), out, fmt)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"frames": info.frames, "grown_mb": (after - before) / 1024, "peak_mb": after / 1024}))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_a_2000_frame_cine_never_holds_all_frames(tmp_path, fmt):
    # 2,000 frames of 384x384 RGB are 885 MB; streaming must keep the writer far below that.
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, "2000", fmt, str(tmp_path / f"long.{fmt}")],
        capture_output=True, text=True, timeout=240, check=True,
    )
    figures = json.loads(result.stdout)
    assert figures["frames"] == 2000
    assert figures["grown_mb"] < 80, figures
