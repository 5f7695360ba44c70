"""The case-set dialog, finished: one fixed size from start to summary with buttons that stay put,
a non-empty output folder refused (an earlier case set is completed instead), and a cancel that
says how many cases were written, never "7 of 7" beside "Cancelled"."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from test_caseset_dialog import case_root, dialog, many_cases, set_up  # noqa: F401 (fixtures)


def _where(dialog) -> tuple:
    return (dialog.size().width(), dialog.size().height(),
            dialog.export_button.mapTo(dialog, QPoint(0, 0)), dialog.close_button.mapTo(dialog, QPoint(0, 0)))


def test_the_dialog_keeps_its_size_and_its_buttons_from_start_to_summary(qtbot, dialog, case_root, tmp_path):
    start = _where(dialog)
    assert start[1] <= 740, start  # it grew to about 790 before
    cluttered = tmp_path / "cluttered"
    cluttered.mkdir()
    (cluttered / "holiday.jpg").write_bytes(b"x")
    set_up(qtbot, dialog, [case_root], cluttered)
    qtbot.wait(50)
    assert dialog.problem.isVisible() and _where(dialog) == start  # a warning comes: nothing moves
    dialog.output.setText(str(tmp_path / "set"))
    qtbot.wait(50)
    assert _where(dialog) == start  # and goes
    with qtbot.waitSignal(dialog.export_finished, timeout=60000):
        qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
        qtbot.wait(20)
        assert _where(dialog) == start  # running: Cancel appears beside, nothing shifts
    qtbot.wait(50)
    assert dialog.summary.isVisible() and dialog.open_button.isVisible()
    assert _where(dialog) == start


def test_a_non_empty_output_folder_is_refused_and_an_earlier_case_set_is_completed(qtbot, dialog, case_root, tmp_path):
    cluttered = tmp_path / "documents"
    cluttered.mkdir()
    (cluttered / "letter.txt").write_text("private")
    set_up(qtbot, dialog, [case_root], cluttered)
    assert not dialog.export_button.isEnabled()
    assert "not empty" in dialog.problem.text()
    out = tmp_path / "set"
    dialog.output.setText(str(out))
    assert dialog.export_button.isEnabled()
    with qtbot.waitSignal(dialog.export_finished, timeout=60000):
        qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    dialog.output.setText(str(out))  # the same set again: it is completed, not refused
    dialog._update()
    assert dialog.export_button.isEnabled()
    assert "exported before" in dialog.problem.text()
    assert (cluttered / "letter.txt").read_text() == "private" and len(list(cluttered.iterdir())) == 1


def test_after_cancel_the_count_is_what_was_written_out_of_all(qtbot, dialog, many_cases, tmp_path):
    out = tmp_path / "cancelled"
    set_up(qtbot, dialog, [many_cases], out)
    dialog.workers.setCurrentIndex(dialog.workers.findData(1))
    with qtbot.waitSignal(dialog.export_finished, timeout=60000):
        with qtbot.waitSignal(dialog.bridge.progress, timeout=30000):
            qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
        qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)
    written = len(list(out.glob("Case-*"))) if out.exists() else 0
    assert written < 8
    assert dialog.summary.text().startswith(("Cancelled.", "Export cancelled"))
    if dialog.summary.text().startswith("Cancelled."):  # the core's result arrived: counted from the disk
        assert dialog.set_bar.format() == f"{written} of 8 cases written"
        assert f"{written} case{'s' if written != 1 else ''} exported" in dialog.summary.text()
        assert dialog.status.text() == "Cancelled."


def test_a_cancel_that_came_after_the_last_case_is_reported_as_finished(qtbot, dialog, tmp_path):
    from radshare.core.audit import Report
    from radshare.core.export.caseset import CaseOutcome, CaseSetResult

    dialog._case_total = 7
    dialog._out = tmp_path
    for n in range(1, 8):
        (tmp_path / f"Case-0{n}").mkdir()
    result = CaseSetResult(report=Report(profile="teaching"), cancelled=True,
                           cases=[CaseOutcome(case_id=f"Case-0{n}", source=f"/cases/{n}") for n in range(1, 8)])
    dialog._show_summary(result)
    assert dialog.set_bar.format() == "7 of 7 cases written"
    assert dialog.status.text().startswith("Finished")
    assert not dialog.summary.text().startswith("Cancelled")
