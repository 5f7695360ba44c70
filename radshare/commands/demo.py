"""`radshare demo`: the built-in sample case, opened in the app or de-identified on the terminal."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="open RadShare on a built-in sample case (a fake patient)",
        description="Generate a synthetic sample case (fake patient DOE^JANE with identifiers in the "
        "header, private tags, an overlay, text burned into the pixels and a photo with GPS) and open "
        "it in the app; without a display, de-identify it and show what was removed.",
    )
    parser.add_argument("--no-gui", action="store_true", help="de-identify on the terminal even when a display exists")
    parser.add_argument("--folder", metavar="DIR", help="where to write the sample (default: a new temporary folder)")


def has_display() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    from radshare.core.sample import write_sample_case

    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="radshare-sample-"))
    sample = folder / "sample-case"
    write_sample_case(sample)
    print(f"RadShare sample case (fake patient DOE^JANE) written to {sample}")
    if has_display() and not args.no_gui:
        return _open_in_app([str(sample)])
    return _deidentify_on_terminal(sample, folder / "de-identified")


def _open_in_app(files: list[str]) -> int:
    """Start the app on `files` as `radshare FILES...` does, in a process of its own: a
    sub-command never imports the command line (it imports the sub-commands) nor the GUI."""
    command = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "radshare"]
    return subprocess.call([*command, *files])


def _run_deid(argv: list[str]) -> int:
    """`radshare deid ARGS...`, through that sub-command's own parser and run()."""
    from radshare.commands import deid

    parser = argparse.ArgumentParser(prog="radshare")
    deid.add_parser(parser.add_subparsers(dest="command"))
    return int(deid.run(parser.parse_args(["deid", *argv])))


def _deidentify_on_terminal(sample: Path, out: Path) -> int:
    import pydicom

    from radshare.core.deid.clean import describe_dataset as describe
    from radshare.core.pipeline import profile_for, pseudonymizer_for, settings_for_installation

    print("No display found: de-identifying the sample on the terminal instead.\n")
    settings = settings_for_installation()
    first = sorted((sample / "DOE_JANE_CT").iterdir())[0]
    actions = describe(pydicom.dcmread(first), profile_for(settings), pseudonymizer_for(settings))
    changed = [a for a in actions if a.action != "kept"]
    print(f"What happens to one CT slice's header ({len(changed)} of {len(actions)} attributes change):")
    for action in changed[:25]:
        before = action.original if len(action.original) <= 28 else action.original[:27] + "…"
        after = f" -> {action.new_value}" if action.new_value and action.action in ("replaced", "shifted", "cleaned") else ""
        print(f"  {action.action:<8} {action.keyword or action.path:<34} {before}{after}")
    if len(changed) > 25:
        print(f"  … and {len(changed) - 25} more")
    print()
    code = _run_deid([str(sample), "-o", str(out), "--workers", "1"])
    print(f"\nOpen {out} to see the de-identified files; the originals in {sample} are unchanged.")
    return code
