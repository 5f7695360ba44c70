"""Build the standalone bundle and its .deb once, from a clean copy of the checkout, and cache them.

The copy holds exactly what a clean clone would (git's tracked files plus new files not ignored,
as they are on disk now), so nothing left in the working tree (build/, a stray resource) can
slip into the bundle. The build is cached under a key hashed from those files, the Python
version and the installed packages; an unchanged tree reuses it, so the suite pays for the
build (about a minute here) only when something that goes into the bundle changed.

    RADSHARE_BUNDLE_CACHE=DIR   where builds are kept (default ~/.cache/radshare/bundle-test)
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: What goes into the bundle; tests, benchmarks and docs do not.
BUNDLE_INPUTS = ("radshare/", "resources/", "packaging/", "radshare.spec", "pyproject.toml")
KEEP_BUILDS = 2  # the newest builds kept whatever their age (a build is about 1 GB with its .deb)
IDLE_HOURS = 1.0  # others are deleted once unused this long (another checkout may be testing one)


@dataclass(frozen=True)
class Build:
    bundle: Path  # the one-folder bundle: bundle/radshare is the program
    deb: Path
    log: Path


def cache_root() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "radshare" / "bundle-test"
    return Path(os.environ.get("RADSHARE_BUNDLE_CACHE", default))


def source_files(repo: Path = REPO) -> list[str]:
    """The checkout's files a clean clone would hold, limited to what goes into the bundle."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *BUNDLE_INPUTS],
        cwd=repo, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    return sorted(name for name in set(listed) if name and (repo / name).is_file())


def build_key(files: list[str], repo: Path = REPO) -> str:
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    for dist in sorted(importlib.metadata.distributions(), key=lambda d: (d.metadata["Name"] or "").lower()):
        digest.update(f"{dist.metadata['Name']}=={dist.version}\n".encode())
    for name in files:
        path = repo / name
        digest.update(name.encode() + b"\0" + oct(path.stat().st_mode & 0o111).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:20]


def built(repo: Path = REPO) -> Build:
    """The cached build for the checkout as it is now, building it first when missing."""
    files = source_files(repo)
    key = build_key(files, repo)
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / key
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time, whoever else runs the suite
        if not (target / "done").is_file():
            shutil.rmtree(target, ignore_errors=True)
            _build(repo, files, target)
            (target / "done").write_text(key)
        (target / "done").touch()  # last used: see _prune
        _prune(root)
    return Build(target / "dist" / "radshare", next((target / "pkg").glob("radshare_*.deb")), target / "build.log")


def _build(repo: Path, files: list[str], target: Path) -> None:
    clone = target / "src"
    for name in files:
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, clone / name)
    log = target / "build.log"
    env = dict(os.environ, PYTHON=sys.executable, PYI_LOG_LEVEL="WARN")
    env.pop("PYTHONPATH", None)
    with open(log, "w") as out:
        for command in (
            [str(clone / "packaging" / "build-bundle"), str(target / "dist"), str(target / "work")],
            [str(clone / "packaging" / "linux" / "make-deb"), str(target / "dist" / "radshare"), str(target / "pkg")],
        ):
            out.write("$ " + " ".join(command) + "\n")
            out.flush()
            done = subprocess.run(command, cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=1800)
            if done.returncode != 0:
                raise RuntimeError(f"{Path(command[0]).name} failed (exit {done.returncode}); see {log}")
    shutil.rmtree(target / "work", ignore_errors=True)


def _prune(root: Path) -> None:
    """Delete builds unused for IDLE_HOURS, keeping the KEEP_BUILDS most recently used."""
    def last_used(build: Path) -> float:
        marker = build / "done"
        return marker.stat().st_mtime if marker.exists() else build.stat().st_mtime

    builds = sorted((p for p in root.iterdir() if p.is_dir()), key=last_used, reverse=True)
    for old in builds[KEEP_BUILDS:]:
        if time.time() - last_used(old) > IDLE_HOURS * 3600:
            shutil.rmtree(old, ignore_errors=True)
