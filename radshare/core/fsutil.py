"""Atomic writes: an output is either complete or absent, never half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes | list[bytes], durable: bool = False) -> None:
    """Write `data` (bytes, or consecutive pieces of the file) to `path` through a temporary
    file in the same folder, then rename.

    The rename makes the file appear whole or not at all to every reader. `durable` adds an
    fsync (survives a power cut, at ~5 ms a file); batch outputs skip it because a re-run
    verifies what it finds before reusing it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb", buffering=0) as handle:
            for piece in data if isinstance(data, list) else (data,):
                _write_all(handle, piece)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# Bytes per write call. On Linux ext4, one write() of several megabytes took ten to twenty times
# longer than the same bytes in 1 MB calls (15 MB: 40-80 ms against 3-7 ms, measured), and
# de-identified images of 2-3k pixels are 10-20 MB.
WRITE_CHUNK = 1 << 20


def _write_all(handle, data: bytes) -> None:
    view = memoryview(data).cast("B")
    while view:
        written = handle.write(view[:WRITE_CHUNK])
        view = view[written:]


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def is_inside(child: Path, parent: Path) -> bool:
    """True when `child` is `parent` or lies below it (after resolving links)."""
    try:
        Path(child).resolve().relative_to(Path(parent).resolve())
        return True
    except ValueError:
        return False
