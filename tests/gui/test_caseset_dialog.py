"""Export case set from the window: folders dropped in, options ticked, Export clicked, and the set
on disk names nobody; cancelling or closing mid-export leaves no half-written case."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from conftest import press_key
from tests.core.test_caseset import leaks, write_case

NOTES = """# Pneumothorax

## History
Jane Doe attended with sudden breathlessness.

## Diagnosis
Spontaneous pneumothorax.
"""
PHI = ["DOE", "JANE"]


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "installation.key"))


@pytest.fixture(scope="module")
def case_root(tmp_path_factory) -> Path:
    """Two case folders of the fake patient: a few 64x64 CT slices each and notes naming her."""
    root = tmp_path_factory.mktemp("cases")
    write_case(root / "doe_jane_ptx", slices=3, photos=0, notes=NOTES)
    write_case(root / "second_case", slices=2, photos=0, notes=NOTES)
    return root


@pytest.fixture(scope="module")
def many_cases(tmp_path_factory) -> Path:
    """Eight cases with a cine each: enough work that a cancel lands before the set is done."""
    root = tmp_path_factory.mktemp("many")
    for index in range(8):
        write_case(root / f"case_{index}", slices=12, photos=0, notes=NOTES)
    return root


@pytest.fixture
def dialog(qtbot, settings):
    from radshare.gui.caseset_dialog import CaseSetDialog

    dlg = CaseSetDialog(None, settings=settings)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    yield dlg
    if dlg.worker is not None:  # never leave a worker running past the test
        dlg.cancel_export()
        qtbot.waitUntil(lambda: dlg.worker is None, timeout=20000)


def drop_folders(dialog, folders: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in folders])
    pos = QPointF(dialog.cases.mapTo(dialog, dialog.cases.rect().center()))
    with warnings.catch_warnings():  # PySide marks the QPoint constructor deprecated; Qt has no other
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(dialog, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(dialog, QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def tick(qtbot, box) -> None:
    qtbot.mouseClick(box, Qt.LeftButton, pos=QPoint(8, box.height() // 2))


def set_up(qtbot, dialog, folders: list[Path], out: Path, text: str = "auto") -> None:
    drop_folders(dialog, folders)
    dialog.output.clear()
    qtbot.keyClicks(dialog.output, str(out))
    dialog.text_mode.setCurrentIndex(dialog.text_mode.findData(text))


def partials(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.endswith(".partial")] if out.exists() else []


def test_a_parent_folder_of_two_cases_exports_a_set_that_names_nobody(qtbot, dialog, case_root, tmp_path, settings):
    out = tmp_path / "teaching-set"
    set_up(qtbot, dialog, [case_root], out)
    assert dialog.cases.count() == 2 and len(dialog.checked_cases()) == 2
    assert "2 of 2" in dialog.case_count.text()
    dialog.cine.setCurrentIndex(dialog.cine.findData("gif"))
    tick(qtbot, dialog.dicom)
    assert dialog.dicom.isChecked() and dialog.export_button.isEnabled()

    with qtbot.waitSignal(dialog.export_finished, timeout=60000) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
        assert dialog.state == "running" and not dialog.export_button.isEnabled()
    result = blocker.args[0]

    assert result is not None and not result.failed and not result.cancelled
    names = sorted(p.name for p in out.iterdir())
    assert {"Case-01", "Case-02", "manifest.json", "index.html"} <= set(names)
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(c["case_id"] for c in manifest["cases"]) == ["Case-01", "Case-02"]
    assert list((out / "Case-01" / "dicom").rglob("*.dcm")) and list((out / "Case-01" / "cine").glob("*.gif"))
    assert leaks(out, PHI) == []
    assert dialog.state == "idle" and dialog.export_button.isEnabled() and not dialog.cancel_button.isVisible()
    assert "2 cases exported" in dialog.summary.text() and "0 failed" in dialog.summary.text()
    assert dialog.open_button.isVisible() and not dialog.failures.isVisible()

    from radshare.gui.caseset_dialog import CaseSetDialog  # the choices are remembered

    again = CaseSetDialog(None, settings=settings)
    qtbot.addWidget(again)
    assert Path(again.output.text()) == out.resolve()
    assert again.cine.currentData() == "gif" and again.dicom.isChecked() and again.text_mode.currentData() == "auto"


def test_an_output_folder_inside_a_case_folder_is_refused(qtbot, dialog, case_root):
    set_up(qtbot, dialog, [case_root / "doe_jane_ptx", case_root / "second_case"], case_root / "second_case" / "out")
    assert dialog.cases.count() == 2
    assert not dialog.export_button.isEnabled()
    assert "inside a case folder" in dialog.problem.text()


def test_cancel_right_after_start_leaves_no_partial_case_and_the_dialog_idle(qtbot, dialog, many_cases, tmp_path):
    out = tmp_path / "cancelled"
    set_up(qtbot, dialog, [many_cases], out)
    dialog.workers.setCurrentIndex(dialog.workers.findData(1))
    with qtbot.waitSignal(dialog.export_finished, timeout=30000) as blocker:
        with qtbot.waitSignal(dialog.bridge.progress, timeout=30000):
            qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
        qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)
        assert dialog.state == "cancelling"
    result = blocker.args[0]
    assert result is None or result.cancelled
    assert partials(out) == []
    listed = {c["case_id"] for c in json.loads((out / "manifest.json").read_text())["cases"]} if out.exists() else set()
    assert {p.name for p in out.glob("Case-*")} == listed  # only complete cases, each in the manifest
    assert dialog.state == "idle" and dialog.export_button.isEnabled() and not dialog.cancel_button.isVisible()
    assert "cancelled" in dialog.summary.text().lower()


def test_closing_the_dialog_mid_export_cancels_and_then_closes(qtbot, dialog, many_cases, tmp_path):
    out = tmp_path / "closed"
    set_up(qtbot, dialog, [many_cases], out)
    dialog.workers.setCurrentIndex(dialog.workers.findData(1))
    with qtbot.waitSignal(dialog.export_finished, timeout=30000):
        qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
        dialog.close()
        assert dialog.isVisible() and dialog.state == "cancelling"  # stays until the worker stopped
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert partials(out) == []


def test_file_menu_opens_the_case_set_dialog_with_its_shortcut(qtbot, window):
    action = window.actions["export_caseset"]
    file_menu = window.menuBar().actions()[0].menu()
    assert action in file_menu.actions() and not action.icon().isNull()
    assert action.shortcut().toString() == "Ctrl+Shift+E"
    press_key(qtbot, window, Qt.Key_E, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: getattr(window, "caseset_dialog", None) is not None and window.caseset_dialog.isVisible(),
                    timeout=5000)
    dialog = window.caseset_dialog
    assert dialog.workers.currentData() == max(1, os.cpu_count() or 1)  # all cores by default
    dialog.close()
    qtbot.waitUntil(lambda: window.caseset_dialog is None, timeout=5000)


def test_a_broken_file_is_listed_with_its_reason_while_the_other_cases_finish(qtbot, dialog, case_root, tmp_path):
    broken = tmp_path / "more" / "third_case"
    write_case(broken, slices=2, photos=0, notes=NOTES)
    (broken / "broken.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7f" + b"broken")
    out = tmp_path / "with-failure"
    set_up(qtbot, dialog, [case_root, broken], out, text="off")
    assert dialog.cases.count() == 3
    with qtbot.waitSignal(dialog.export_finished, timeout=60000) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    result = blocker.args[0]
    assert result is not None and result.failed
    assert dialog.failures.isVisible() and dialog.failures.count() == 1
    line = dialog.failures.item(0).text()
    names_the_file = "broken.dcm" in line and "DOE" not in line.upper()  # no patient value echoed on failure
    assert names_the_file
    assert "2 cases exported" in dialog.summary.text() and "without the files that failed" in dialog.summary.text()
    assert {p.name for p in out.glob("Case-*")} == {"Case-01", "Case-02", "Case-03"} and partials(out) == []


def test_a_missing_folder_is_explained_and_adds_no_case(qtbot, dialog, tmp_path):
    assert dialog.add_folders([tmp_path / "no-such-folder"]) == 0
    assert dialog.cases.count() == 0 and "not a folder" in dialog.problem.text()
    assert not dialog.export_button.isEnabled()
