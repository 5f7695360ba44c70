"""selftest refuses a PySide6 release that would crash the desktop app (PySide6 6.12.0 loses a
reference to True on every Signal.emit() and the app aborts on quit)."""

from __future__ import annotations

import ctypes
import sys

import pytest

from radshare.commands import selftest


def test_the_probe_counts_references_taken_from_true_and_gives_them_back():
    before = sys.getrefcount(True)
    lost = selftest.lost_true_refs(lambda: ctypes.pythonapi.Py_DecRef(ctypes.py_object(True)), times=40)
    assert lost == 40
    assert sys.getrefcount(True) == before


def test_the_installed_pyside_keeps_its_references_to_true():
    pytest.importorskip("PySide6.QtCore")
    from PySide6 import QtCore

    assert selftest.lost_true_refs(selftest._signal_emitter(QtCore), times=200) == 0


def test_a_release_known_to_crash_the_app_makes_selftest_fail_and_names_it(monkeypatch, capsys):
    pyside = pytest.importorskip("PySide6")
    monkeypatch.setattr(selftest, "BROKEN_PYSIDE", {pyside.__version__: "a test stands in for the bug"})
    monkeypatch.setattr(selftest, "checks", lambda args: [("Qt", selftest._check_qt_release, True)])
    assert selftest.run(None) == 1
    out = capsys.readouterr().out
    assert f"PySide6 {pyside.__version__} is installed: a test stands in for the bug" in out
    assert "!=6.12.0" in out and "NOT usable" in out


def test_a_good_release_passes_and_is_named(monkeypatch, capsys):
    pyside = pytest.importorskip("PySide6")
    monkeypatch.setattr(selftest, "checks", lambda args: [("Qt", selftest._check_qt_release, True)])
    assert selftest.run(None) == 0
    assert f"(PySide6 {pyside.__version__})" in capsys.readouterr().out
