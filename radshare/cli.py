"""The `radshare` command. With no sub-command (or only files) it starts the desktop app.

Sub-commands live in `radshare.commands`, one module each, so that every part of the product
adds its own without touching this file's logic. No Qt is imported here: the GUI is imported
only when it is started.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from radshare import __version__

# Sub-command name -> module in radshare.commands. A module missing from this installation is
# left out of the help rather than failing the whole command.
COMMANDS = {
    "deid": "radshare.commands.deid",
    "export": "radshare.commands.export",
    "post": "radshare.commands.post",
    "accounts": "radshare.commands.accounts",
    "shared": "radshare.commands.shared",
    "selftest": "radshare.commands.selftest",
    "demo": "radshare.commands.demo",
}


def build_parser(only: str | None = None) -> tuple[argparse.ArgumentParser, dict[str, object]]:
    """The argument parser; `only` names the one sub-command to load (the others' modules pull in
    the uploaders and imaging stacks, which would slow every short run down)."""
    parser = argparse.ArgumentParser(
        prog="radshare",
        description="De-identify clinical images, redact burned-in text, annotate and share them.",
        epilog="Run 'radshare [FILES...]' with no sub-command to start the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"radshare {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, object] = {}
    for name, module_name in COMMANDS.items():
        if only is not None and name != only:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.add_parser(subparsers)
        modules[name] = module
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        return _start_gui(argv)
    parser, modules = build_parser(only=argv[0] if argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        return _start_gui([])
    if args.command not in modules:
        parser.error(f"the '{args.command}' command is not available in this installation")
    try:
        return int(modules[args.command].run(args))
    except KeyboardInterrupt:
        print("radshare: cancelled", file=sys.stderr)
        return 130


def _start_gui(files: list[str]) -> int:
    try:
        from radshare.gui.app import run_app
    except ImportError as exc:  # Qt missing or the platform plugin cannot load
        print(f"radshare: the desktop app cannot start here ({exc}).", file=sys.stderr)
        print("radshare: the command-line tools still work: see 'radshare --help'.", file=sys.stderr)
        return 2
    return int(run_app(files))
