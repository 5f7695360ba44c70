"""The detector's thresholds live in one data file (resources/detector_settings.toml), read into one
checked object; the redact modules read it at call time, so an override reaches every pass, in
worker processes too, and no threshold hides in a module constant."""

from __future__ import annotations

import ast
import multiprocessing
import os
import re
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from radshare.core.batch import run_batch
from radshare.core.redact import settings
from radshare.core.redact.settings import OVERRIDES_ENV, SettingsError, current, load, overridden
from radshare.core.resources import resource_path

REDACT = Path(settings.__file__).parent
FILE = resource_path(*settings.SETTINGS_FILE)

# Module-level numbers in radshare/core/redact that are not tuning knobs, with why.
NOT_KNOBS = {
    ("__init__.py", "_READINGS_MAX"): "size of the cache of OCR readings, not a detection threshold",
    ("recognise.py", "HEIGHT"): "the recognition model's input height, fixed by its training",
}


def _numeric(node: ast.expr) -> bool:
    """A number, a bool, or a tuple/list of them: what a threshold looks like."""
    if isinstance(node, (ast.Tuple, ast.List)):
        return bool(node.elts) and all(_numeric(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        return _numeric(node.operand)
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float, bool))


def _reads_settings(node: ast.expr) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("settings", "current")
               for n in ast.walk(node))


def module_constants(folder: Path) -> list[str]:
    """'file: NAME' for every module-level assignment in `folder` of a number (or a tuple of
    numbers), and for every value read from the settings at import (a module constant, a default
    argument, a class attribute), which an override would not reach."""
    found = []
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
                if _numeric(node.value) or _reads_settings(node.value):
                    found += [f"{path.name}: {name}" for name in names if (path.name, name) not in NOT_KNOBS]
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                at_import = node.args.defaults + [d for d in node.args.kw_defaults if d is not None]
            elif isinstance(node, ast.ClassDef):
                at_import = [s.value for s in node.body if isinstance(s, (ast.Assign, ast.AnnAssign)) and s.value is not None]
            else:
                continue
            if any(_reads_settings(e) for e in at_import):
                found.append(f"{path.name}: {getattr(node, 'name', 'lambda')} reads the settings at import")
    return found


def test_no_threshold_sits_in_a_module_constant():
    assert module_constants(REDACT) == []


def test_the_constant_scan_finds_a_constant_that_sneaks_back(tmp_path):
    (tmp_path / "sneaky.py").write_text("MIN_INK = 12.0\nBAND_OFF = (15.0, 60.0)\nPAD = settings().painting.pad\nMODES = ('auto',)\n"
                                        "def grow(box, pad=settings().painting.pad):\n    return box\n")
    assert module_constants(tmp_path) == ["sneaky.py: MIN_INK", "sneaky.py: BAND_OFF", "sneaky.py: PAD",
                                          "sneaky.py: grow reads the settings at import"]


def test_every_entry_says_why_and_what_it_was_tuned_on():
    raw = tomllib.loads(FILE.read_text())
    for section, entries in raw.items():
        for key, entry in entries.items():
            assert entry["why"].strip() and entry["tuned_on"].strip(), f"{section}.{key}"


def test_every_entry_is_read_by_a_redact_module():
    code = "".join(p.read_text() for p in REDACT.glob("*.py") if p.name != "settings.py")
    raw = tomllib.loads(FILE.read_text())
    unread = [f"{s}.{k}" for s, entries in raw.items() for k in entries if not re.search(rf"\.{s}\.{k}\b", code)]
    assert unread == []


def test_values_keep_their_types():
    s = current()
    assert s.painting.pad == 3 and type(s.painting.pad) is int
    assert s.classical.min_ink == 12.0 and type(s.classical.min_ink) is float
    assert s.value_bands.band_off == (15.0, 60.0) and s.value_bands.band_heights == (6, 9, 12)
    assert s.passes.verify is True


@pytest.mark.parametrize("change,named", [
    (lambda t: t.replace("pad = {", "padding = {"), "padding"),  # unknown (and so pad missing)
    (lambda t: re.sub(r"\nunclip_ratio = .*\n", "\n", t), "unclip_ratio"),  # missing
    (lambda t: t.replace("pad = { value = 3,", 'pad = { value = "3",'), "painting.pad"),  # wrong type
    (lambda t: t.replace("verify = { value = true,", "verify = { value = 1,"), "passes.verify"),  # an int is not a switch
    (lambda t: t + "\n[ocr_tricks]\nx = { value = 1, why = \"\", tuned_on = \"\" }\n", "ocr_tricks"),  # unknown section
])
def test_a_bad_settings_file_is_an_error_naming_the_key(tmp_path, change, named):
    bad = tmp_path / "detector_settings.toml"
    bad.write_text(change(FILE.read_text()))
    with pytest.raises(SettingsError, match=named):
        load(bad)


def test_an_override_switches_a_pass_for_the_block_only():
    with overridden(passes={"verify": False}) as inside:
        assert current() is inside and current().passes.verify is False
        with overridden(second_look={"second_look_budget": 0.0}):
            assert current().passes.verify is False and current().second_look.second_look_budget == 0.0
        assert current().second_look.second_look_budget == 0.35
    assert current().passes.verify is True and OVERRIDES_ENV not in os.environ


def test_an_override_of_an_unknown_key_is_an_error():
    with pytest.raises(SettingsError, match="verfiy"):
        with overridden(passes={"verfiy": False}):
            pass
    assert OVERRIDES_ENV not in os.environ


def test_an_override_reaches_batch_workers():
    """`radshare deid` detects in run_batch's worker processes: they see the override."""
    with overridden(passes={"verify": False}):
        seen = list(run_batch([0, 1, 2], _verify_in_worker, workers=2))
    assert {verify for verify, _ in seen} == {False}
    assert any(pid != os.getpid() for _, pid in seen)


def test_an_override_reaches_a_freshly_started_process():
    """A process that imports the settings anew (spawn, or a subprocess) reads the override from
    the environment."""
    with overridden(passes={"verify": False}, value_bands={"band_off": (10.0, 50.0)}):
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            there = pool.submit(current).result()
    assert there.passes.verify is False and there.value_bands.band_off == (10.0, 50.0)


def _verify_in_worker(_item: int) -> tuple[bool, int]:
    return current().passes.verify, os.getpid()


def test_a_block_for_this_thread_changes_no_other_thread():
    """The displayed search runs without some passes (search.py) while the app may detect another
    image in another worker thread: that thread keeps the settings in force, and so does the
    environment, which subprocesses read."""
    import threading

    from radshare.core.redact.settings import in_this_thread

    seen: dict[str, bool] = {}
    inside, looked = threading.Event(), threading.Event()

    def other() -> None:
        inside.wait(10)
        seen["other thread"] = current().passes.value_bands
        looked.set()

    thread = threading.Thread(target=other)
    thread.start()
    with in_this_thread(passes={"value_bands": False}):
        seen["this thread"] = current().passes.value_bands
        inside.set()
        looked.wait(10)
    thread.join()
    assert seen == {"this thread": False, "other thread": True}
    assert current().passes.value_bands and OVERRIDES_ENV not in os.environ
