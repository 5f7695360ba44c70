"""The `radshare` command. With no sub-command (or only files) it starts the desktop app.

Sub-commands live in `radshare.commands`, one module each, so that every part of the product
adds its own without touching this file's logic. No Qt is imported here: the GUI is imported
only when it is started.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
import warnings
from pathlib import Path

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
        refusal = _refuse_gui_arguments(argv) or _refuse_without_display()
        if refusal:
            print(f"radshare: {refusal}", file=sys.stderr)
            return 2
        return _start_gui(argv)
    warnings.formatwarning = _one_line_warning
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


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings meant for the user (e.g. an insecure keyring) as one plain line, not Python's
    file, line number and source line."""
    return f"radshare: warning: {message}\n"


def _refuse_gui_arguments(argv: list[str]) -> str | None:
    """Why these arguments are not files to open, if they are not: a mistyped sub-command
    (`radshare delid scan.dcm -o out`) must not start the window on 'delid' and '-o'."""
    if not argv:
        return None
    first = argv[0]
    if not Path(first).exists():
        close = difflib.get_close_matches(first, COMMANDS, n=1, cutoff=0.6)
        if close:
            return f"unknown command '{first}' (did you mean '{close[0]}'?); see 'radshare --help'"
        if os.sep not in first and "/" not in first and not Path(first).suffix:
            return f"unknown command '{first}' and no such file; see 'radshare --help'"
    option = next((arg for arg in argv if arg.startswith("-")), None)
    if option is not None:
        return (f"'{option}' is not an option of the desktop app, which takes only files to open; "
                "see 'radshare --help'")
    return None


def _refuse_without_display() -> str | None:
    """Why the desktop app cannot start here, when there is plainly no display to show it on:
    said in one line instead of Qt's abort (exit 134 and a core dump) over SSH or in a console.
    A platform chosen in QT_QPA_PLATFORM (offscreen, vnc, eglfs...) is the user's to try."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform not in ("", "xcb"):
        return None
    commands = ", ".join(COMMANDS)
    works = f"these commands work without one: {commands} (see 'radshare COMMAND --help')"
    display = os.environ.get("DISPLAY", "")
    if os.environ.get("WAYLAND_DISPLAY") and platform != "xcb":
        return None
    if not display:
        return f"no display found (DISPLAY and WAYLAND_DISPLAY are not set), so the desktop app cannot start; {works}"
    if _x_display_refuses(display):
        return f"the display {display} cannot be reached, so the desktop app cannot start; {works}"
    return None


def _x_display_refuses(display: str) -> bool:
    """True when an X server at `display` plainly refuses a connection (a stale DISPLAY over SSH).
    Asked through libxcb, which Qt's own xcb plugin uses; where it is missing, Qt is left to try."""
    import ctypes
    import ctypes.util

    try:
        xcb = ctypes.CDLL(ctypes.util.find_library("xcb") or "libxcb.so.1")
    except OSError:
        return False
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return bool(xcb.xcb_connection_has_error(connection))
    finally:
        xcb.xcb_disconnect(connection)


def _start_gui(files: list[str]) -> int:
    try:
        from radshare.gui.app import run_app
    except ImportError as exc:  # Qt missing or the platform plugin cannot load
        print(f"radshare: the desktop app cannot start here ({exc}).", file=sys.stderr)
        print("radshare: the command-line tools still work: see 'radshare --help'.", file=sys.stderr)
        return 2
    return int(run_app(files))
