"""Every background task in the GUI goes through the typed `Op`: no module but workers.py builds
a `Worker` itself or connects its untyped signals (`result`/`yielded` carry `object`)."""

from __future__ import annotations

import ast
from pathlib import Path

import radshare.gui

GUI = Path(radshare.gui.__file__).parent


def _offences(path: Path, root: Path = GUI) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Worker":
            found.append(f"{path.relative_to(root)}:{node.lineno} builds Worker(...)")
        if isinstance(node, ast.Attribute) and node.attr == "signals":
            found.append(f"{path.relative_to(root)}:{node.lineno} touches .signals")
    return found


def test_only_workers_module_builds_workers_or_touches_their_signals():
    offences = [o for path in sorted(GUI.rglob("*.py")) if path.name != "workers.py" for o in _offences(path)]
    assert not offences, "use Op (radshare/gui/workers.py) instead:\n" + "\n".join(offences)


def test_the_scan_sees_an_offence(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("w = Worker(f)\nw.signals.result.connect(print)\n")
    assert _offences(bad, tmp_path) == ["bad.py:1 builds Worker(...)", "bad.py:2 touches .signals"]
