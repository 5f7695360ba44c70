"""One run at a time per output folder.

Two runs into one folder used to race: the second deleted the first's in-flight `.part` files at
start-up and the first then failed. The lock is an advisory `flock` on the folder itself, so no
lock file appears among the outputs (a `deid` folder holds only outputs and the manifest), it
works on a folder the user may only read, and the system releases it when the process ends,
however it ends. Where `fcntl` does not exist (Windows) runs are not locked.
"""

from __future__ import annotations

import os
from pathlib import Path

from radshare.core.errors import RadShareError


class OutputLocked(RadShareError):
    """Another RadShare run is writing into the same output folder."""


class OutputLock:
    def __init__(self, fd: int | None):
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def lock_output(out: Path) -> OutputLock:
    """Hold `out` for this process until `release()` (or exit); `OutputLocked` when taken."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return OutputLock(None)
    fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutputLocked(
            f"another RadShare run is writing into {out}: wait for it to finish, or choose another output folder"
        ) from None
    except OSError:
        return OutputLock(fd)  # a file system without flock: run unlocked, as before
    return OutputLock(fd)
