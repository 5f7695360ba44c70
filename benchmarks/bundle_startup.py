"""The standalone bundle beside `python -m radshare`: start to window, selftest time, sizes.

Prints, from one run on one machine (the two are interleaved so load affects both alike):
* start to window: from starting the process until `xdotool search --onlyvisible --name RadShare`
  finds the main window on an Xvfb screen (median of N; page cache warm after the first run,
  which is printed apart as the first start);
* `radshare selftest` wall time, bundle and Python;
* the bundle's size on disk, as a .tar.gz (what packaging/linux/make-tarball ships) and the .deb.

The bundle is the one tests/bundle builds and caches (built first when missing), or --bundle DIR.
Run: PYTHONPATH=. .venv/bin/python benchmarks/bundle_startup.py [--runs 5] [--bundle DIR --deb FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def start_to_window(command: list[str], env: dict[str, str], display: str) -> float:
    """Seconds from starting `command` until its RadShare window is visible."""
    log = tempfile.TemporaryFile()
    start = time.perf_counter()
    app = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        while app.poll() is None:
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "RadShare"],
                                   env={"PATH": os.environ["PATH"], "DISPLAY": display}, capture_output=True)
            if found.returncode == 0 and found.stdout.strip():
                return time.perf_counter() - start
            time.sleep(0.02)
        log.seek(0)
        said = log.read().decode(errors="replace")[-2000:]
        raise RuntimeError(f"{command[0]} exited with {app.returncode} before showing a window:\n{said}")
    finally:
        app.terminate()
        app.wait(30)


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def du(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def targz_size(path: Path) -> int:
    tar = subprocess.Popen(["tar", "-C", str(path.parent), "-czf", "-", path.name], stdout=subprocess.PIPE)
    size = sum(len(chunk) for chunk in iter(lambda: tar.stdout.read(1 << 20), b""))
    tar.wait()
    return size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bundle", type=Path, help="a built bundle folder (default: tests/bundle's cached build)")
    parser.add_argument("--deb", type=Path)
    args = parser.parse_args()
    if args.bundle is None:
        from tests.bundle.bundle_build import built

        build = built()
        args.bundle, args.deb = build.bundle, build.deb
    home = Path(tempfile.mkdtemp(prefix="radshare-bench-"))
    (home / "empty").mkdir()
    from tests.fixtures.xvfb import xvfb_display

    with xvfb_display() as display:
        # The bundle in `env -i` style; Python with the venv, this checkout first on its path.
        bundle_env = {"PATH": str(home / "empty"), "HOME": str(home), "DISPLAY": display}
        python_env = dict(os.environ, HOME=str(home), DISPLAY=display, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="xcb")
        commands = {
            "bundle": ([str(args.bundle / "radshare")], bundle_env),
            "python -m radshare": ([sys.executable, "-m", "radshare"], python_env),
        }
        first = {name: start_to_window(cmd, env, display) for name, (cmd, env) in commands.items()}
        times: dict[str, list[float]] = {name: [] for name in commands}
        selftest: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (cmd, env) in commands.items():
                times[name].append(start_to_window(cmd, env, display))
                selftest[name].append(timed([*cmd, "selftest"], env))
    base = statistics.median(times["python -m radshare"])
    print(f"start to window under Xvfb, median of {args.runs} (first start in brackets):")
    for name in commands:
        median = statistics.median(times[name])
        print(f"  {name:<20} {median:6.2f} s  ({first[name]:.2f} s)  ratio to python -m radshare {median / base:.2f}")
    sbase = statistics.median(selftest["python -m radshare"])
    print(f"selftest, median of {args.runs}:")
    for name in commands:
        median = statistics.median(selftest[name])
        print(f"  {name:<20} {median:6.2f} s  ratio {median / sbase:.2f}")
    print("sizes:")
    print(f"  bundle on disk       {du(args.bundle) / 1e6:7.1f} MB ({args.bundle})")
    print(f"  bundle as .tar.gz    {targz_size(args.bundle) / 1e6:7.1f} MB")
    if args.deb:
        print(f"  .deb (zstd)          {args.deb.stat().st_size / 1e6:7.1f} MB ({args.deb.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
