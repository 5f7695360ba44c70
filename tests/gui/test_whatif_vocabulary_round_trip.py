"""An educator sees which words the cleaner strikes from a description, adds one to their own
vocabulary, and the what-if view and the next export keep it."""

from __future__ import annotations

import pydicom
from PySide6.QtCore import Qt

from conftest import open_by_drop
from dicomfactory import write_ct


def test_a_removed_word_added_to_the_personal_vocabulary_is_kept_from_then_on(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "in").mkdir()
    path = write_ct(tmp_path / "in" / "slice.dcm", size=64, text=False)
    ds = pydicom.dcmread(path)
    ds.StudyDescription = "CT CHEST GLOWBERTON PROTOCOL"  # an unknown word: a name, as far as RadShare knows
    ds.save_as(path)
    open_by_drop(qtbot, window, [path])
    panel = window.deid_panel
    qtbot.waitUntil(lambda: panel.select_row("StudyDescription"), timeout=10000)  # worked out off the UI thread
    row = panel.tree.currentItem().data(0, Qt.UserRole)
    assert row.action == "cleaned" and row.result == "CT CHEST [removed] PROTOCOL"
    assert "<s " in panel.marked.text() and "GLOWBERTON</s>" in panel.marked.text()
    assert panel.word_choice.currentText() == "GLOWBERTON"
    assert not (tmp_path / "config" / "vocabulary.txt").exists()  # never added by itself

    with qtbot.waitSignal(panel.vocabulary_changed, timeout=5000):
        qtbot.mouseClick(panel.add_word, Qt.LeftButton)
    assert "glowberton" in (tmp_path / "config" / "vocabulary.txt").read_text().split()

    def kept() -> bool:
        return panel.select_row("StudyDescription") and panel.tree.currentItem().data(0, Qt.UserRole).action == "kept"

    qtbot.waitUntil(kept, timeout=10000)  # the view is worked out again off the UI thread
    row = panel.tree.currentItem().data(0, Qt.UserRole)
    assert row.action == "kept" and row.result == "CT CHEST GLOWBERTON PROTOCOL"

    # the next run honours it too
    from radshare.core.deid.header import deidentify_dataset
    from radshare.core.deid.profile import load_profile
    from radshare.core.deid.pseudonyms import Pseudonymizer

    again = pydicom.dcmread(path)
    deidentify_dataset(again, load_profile("teaching"), Pseudonymizer(b"k" * 32))
    assert again.StudyDescription == "CT CHEST GLOWBERTON PROTOCOL"
