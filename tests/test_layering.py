"""The one dependency rule: only radshare.gui imports Qt; core imports neither gui nor uploaders.

Two independent checks: import-linter's contracts in pyproject.toml (run through its `lint-imports`
console script, and shown to fail on a copy of the package with a bad import planted in it), and a
fresh interpreter that imports every non-GUI module and finds no Qt module loaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

PROBE = """
import sys, importlib, pkgutil
import radshare.core, radshare.uploaders, radshare.commands, radshare.cli
for package in (radshare.core, radshare.uploaders, radshare.commands):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6") or m.startswith("radshare.gui"))
print(",".join(bad))
"""


def _fresh(code: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


def test_core_uploaders_commands_and_cli_load_no_qt_and_no_gui():
    result = _fresh(PROBE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_core_never_imports_uploaders_or_commands():
    probe = "import sys, importlib, pkgutil, radshare.core\n" \
        "for i in pkgutil.walk_packages(radshare.core.__path__, 'radshare.core.'): importlib.import_module(i.name)\n" \
        "print(','.join(sorted(m for m in sys.modules if m.startswith(('radshare.uploaders', 'radshare.commands', 'radshare.gui', 'radshare.cli')))))"
    result = _fresh(probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_the_fresh_interpreter_probe_sees_qt_when_core_loads_it(tmp_path):
    """The probe above is no empty ritual: a core module that imports Qt makes it report Qt."""
    tree = _copy_of_package(tmp_path)
    (tree / "radshare" / "core" / "qt_leak.py").write_text("from PySide6 import QtCore  # noqa: F401\n")
    result = _fresh(PROBE, cwd=tree)
    assert result.returncode == 0, result.stderr
    assert "PySide6.QtCore" in result.stdout.split(",")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(cwd / "pyproject.toml")],
                          capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def _copy_of_package(tmp_path: Path) -> Path:
    """The package and its pyproject.toml (the contracts) in a folder of their own."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "radshare", tree / "radshare", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_import_linter_contracts_hold():
    result = _lint(ROOT)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "0 broken" in output and " kept" in output
    assert "BROKEN" not in output


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/qt_leak.py", "from PySide6 import QtGui  # noqa: F401\n", "Only radshare.gui imports Qt BROKEN"),
        ("uploaders/gui_leak.py", "import radshare.gui.app  # noqa: F401\n", "Only radshare.gui imports Qt BROKEN"),
        ("core/upload_leak.py", "import radshare.uploaders.base  # noqa: F401\n", "Core imports neither the GUI nor the uploaders BROKEN"),
        ("commands/cli_loop.py", "import radshare.cli  # noqa: F401\n", "Sub-commands do not import the command line BROKEN"),
    ],
)
def test_import_linter_fails_on_a_copy_with_a_forbidden_import(tmp_path, module, line, contract):
    tree = _copy_of_package(tmp_path)
    (tree / "radshare" / module).write_text(line)
    result = _lint(tree)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert contract in output, output


def test_the_gui_start_in_cli_is_the_one_declared_exception(tmp_path):
    """Another lazy GUI import in cli.py is not covered by the exception: it breaks the contract."""
    tree = _copy_of_package(tmp_path)
    cli = tree / "radshare" / "cli.py"
    cli.write_text(cli.read_text() + "\n\ndef _settings():\n    from radshare.gui import settings\n\n    return settings\n")
    result = _lint(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "radshare.cli -> radshare.gui.settings" in result.stdout
