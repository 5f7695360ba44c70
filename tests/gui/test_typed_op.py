"""Op: a typed background operation (Anki's QueryOp): result to `success`, errors to `failure`,
progress on the UI thread, cancel through the Worker it returns; old Worker call sites unchanged."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from radshare.gui.workers import Op, WorkerPool


def test_the_result_reaches_success_on_the_ui_thread(qtbot):
    seen: list[tuple[int, bool]] = []
    worker_threads: list[bool] = []

    def op(a: int, b: int) -> int:
        worker_threads.append(threading.current_thread() is threading.main_thread())
        return a + b

    worker = Op(op, 2, 3, success=lambda total: seen.append((total, QThread.currentThread() is QApplication.instance().thread()))).worker()
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        WorkerPool().start(worker)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [(5, True)] and worker_threads == [False]


def test_an_error_goes_to_failure_with_its_text_and_never_to_success(qtbot):
    errors: list[str] = []
    results: list[object] = []

    def op() -> int:
        raise ValueError("scan.dcm: truncated DICOM file")

    worker = Op(op, success=results.append).failure(errors.append).worker()
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        WorkerPool().start(worker)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert errors == ["scan.dcm: truncated DICOM file"] and results == []


def test_progress_reaches_the_handler_and_cancel_stops_the_work(qtbot):
    steps: list[tuple[int, int, str]] = []
    results: list[int] = []
    started = threading.Event()

    def op(progress, cancel) -> int:
        done = 0
        for done in range(1, 1000):
            progress(done, 1000, "file")
            started.set()
            if cancel():
                break
            QThread.msleep(2)
        return done

    pool = WorkerPool()
    worker = Op(op, success=results.append).with_progress(lambda *step: steps.append(step)).run_in_background(pool)
    assert started.wait(5)
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        worker.request_cancel()
    qtbot.wait(50)
    assert steps and steps[0] == (1, 1000, "file")
    assert results == []  # a cancelled operation reports no result
    assert worker.cancelled and not pool.busy


def test_the_what_if_is_worked_out_off_the_ui_thread_and_lists_the_pixel_cleaners(qtbot, window, ct_file, monkeypatch):
    from conftest import open_by_drop

    from radshare.gui import services

    threads: list[bool] = []
    real = services.describe_image

    def watched(image, profile):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(image, profile)

    monkeypatch.setattr(services, "describe_image", watched)
    open_by_drop(qtbot, window, [ct_file])
    qtbot.waitUntil(lambda: bool(window.deid_panel.rows), timeout=20000)
    assert threads and not any(threads)
    reasons = " ".join(row.reason for row in window.deid_panel.rows)
    for cleaner in ("codestream:", "frames:", "bulk data:"):
        assert cleaner in reasons



def test_a_result_arriving_after_its_owner_is_gone_is_dropped(qtbot):
    """A window closed while its what-if ran: the late result must not touch deleted widgets."""
    import shiboken6
    from PySide6.QtWidgets import QLabel

    gate = threading.Event()
    delivered: list[str] = []
    label = QLabel()

    def op() -> str:
        gate.wait(5)
        return "late"

    worker = Op(op, success=lambda text: (label.setText(text), delivered.append(text)), owner=label).worker()
    WorkerPool().start(worker)
    shiboken6.delete(label)
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        gate.set()
    qtbot.wait(50)
    assert delivered == []

    kept = QLabel()
    worker = Op(lambda: "on time", success=kept.setText, owner=kept).worker()
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        WorkerPool().start(worker)
    qtbot.waitUntil(lambda: kept.text() == "on time", timeout=5000)


def test_a_generator_delivers_each_item_then_finished_runs_last(qtbot):
    events: list[object] = []

    def op(n: int, progress, cancel):
        for i in range(n):
            progress(i + 1, n, "")
            yield (i, f"image {i}")

    worker = (Op(op, 3, success=lambda items: events.append(("all", len(items))), cancellable=True)
              .on_item(lambda item: events.append(item))
              .on_finished(lambda: events.append("finished")).worker())
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        WorkerPool().start(worker)
    qtbot.waitUntil(lambda: "finished" in events, timeout=5000)
    assert events == [(0, "image 0"), (1, "image 1"), (2, "image 2"), ("all", 3), "finished"]


def test_finished_runs_after_a_failure_too(qtbot):
    events: list[str] = []

    def op() -> int:
        raise OSError("out.png: disk full")

    worker = Op(op).failure(events.append).on_finished(lambda: events.append("finished")).worker()
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        WorkerPool().start(worker)
    qtbot.waitUntil(lambda: "finished" in events, timeout=5000)
    assert events == ["out.png: disk full", "finished"]
