"""The de-identification table shows its Result column whole in the inspector's width: the
result (what leaves) is the column a reviewer reads, and it was cut off at the right edge."""

from __future__ import annotations

from conftest import open_by_drop
from dicomfactory import write_ct


def test_the_result_column_fits_the_table_at_the_inspectors_width(qtbot, window, tmp_path):
    window.resize(1400, 860)
    window.show()
    qtbot.waitExposed(window)
    path = write_ct(tmp_path / "slice.dcm", size=64, text=False)
    open_by_drop(qtbot, window, [path])
    panel = window.deid_panel
    window.side_tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: bool(panel.rows), timeout=10000)
    tree = panel.tree
    for width in (420, 560):
        tree.resize(width, 400)
        qtbot.wait(20)
        header = tree.header()
        right = header.sectionViewportPosition(3) + header.sectionSize(3)
        assert right <= tree.viewport().width(), (width, right, tree.viewport().width())
        assert header.sectionSize(3) >= 80, width  # room to read the start of a result
        assert not tree.horizontalScrollBar().isVisible()
