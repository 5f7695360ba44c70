"""The app's sharing ledger, driven like a user: the composer asks the basis for sharing and records
the post; the Shared dock lists it by case, opens it, and withdraws it after a confirmation that
names every target; a folder post's files are then gone.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from radshare.uploaders.accounts import Account, AccountStore

pytest_plugins = ["tests.uploaders.social_fixtures"]


@pytest.fixture
def doe_image(tmp_path):
    from radshare.core.sources import load_image
    from tests.uploaders.uploader_samples import write_sample_dicom

    return load_image(write_sample_dicom(tmp_path / "doe.dcm", seed=2, size=256))


def _compose(qtbot, image, store):
    from radshare.gui.composer import ComposerDialog

    dialog = ComposerDialog([image], None, store=store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.ready, timeout=60_000)
    dialog.image_list.setCurrentRow(0)
    qtbot.keyClicks(dialog.alt, "Frontal chest radiograph.")
    dialog.review_confirm.setChecked(True)
    dialog.right_to_share.setChecked(True)
    return dialog


def _post_to_folders(qtbot, social_env, image, names=("lms",)):
    store = AccountStore()
    for name in names:
        store.add(Account(name, "folder", {"folder": str(social_env / "out" / name)}), None)
    results = []
    for name in names:
        dialog = _compose(qtbot, image, store)
        dialog.account.setCurrentIndex(dialog.account.findData(name))
        qtbot.waitUntil(dialog.ready, timeout=60_000)
        dialog.basis.setCurrentIndex(dialog.basis.findData("consent"))
        dialog.basis_ref.setText("CF-2024-0193")
        with qtbot.waitSignal(dialog.posted, timeout=60_000) as posted:
            qtbot.mouseClick(dialog.post_button, Qt.LeftButton)
        results.append(posted.args[0])
        dialog.close()
    return results


def test_the_composer_asks_the_basis_refuses_a_name_as_reference_and_remembers_it(qtbot, social_env, doe_image):
    store = AccountStore()
    store.add(Account("lms", "folder", {"folder": str(social_env / "out")}), None)
    dialog = _compose(qtbot, doe_image, store)
    assert "basis for sharing" in dialog.problems.text() and not dialog.post_button.isEnabled()
    dialog.basis.setCurrentIndex(dialog.basis.findData("consent"))
    qtbot.keyClicks(dialog.basis_ref, "Jane Doe")
    assert "never a name" in dialog.problems.text() and not dialog.post_button.isEnabled()
    dialog.basis_ref.clear()
    qtbot.keyClicks(dialog.basis_ref, "CF-2024-0193")
    assert dialog.post_button.isEnabled(), dialog.problems.text()
    dialog.remember.setChecked(True)
    with qtbot.waitSignal(dialog.posted, timeout=60_000):
        qtbot.mouseClick(dialog.post_button, Qt.LeftButton)

    from radshare.core.ledger import Ledger

    with Ledger() as ledger:
        (post,) = ledger.posts()
        assert (post.account, post.target, post.basis, post.basis_ref, post.status) == ("lms", "folder", "consent",
                                                                                       "CF-2024-0193", "live")
        assert post.case_id.startswith("C-") and post.images[0].image_id.startswith("I-")
        assert ledger.remembered_basis("lms") == "consent"
    again = _compose(qtbot, doe_image, store)  # the next post on this account starts with the remembered basis
    assert again.basis.currentData() == "consent"


def test_the_shared_dock_lists_opens_and_withdraws_after_naming_every_target(qtbot, social_env, window, doe_image,
                                                                             monkeypatch):
    from radshare.gui.panels import shared_panel

    results = _post_to_folders(qtbot, social_env, doe_image, names=("lms", "lms2"))
    folders = [social_env / "out" / name / r.id for name, r in zip(("lms", "lms2"), results)]
    assert all(f.is_dir() for f in folders)

    assert window.shared_dock.isHidden()
    panel = window.shared_panel
    with qtbot.waitSignal(panel.loaded, timeout=30_000):
        window.actions["toggle_shared"].trigger()  # View > Shared posts
    assert window.shared_dock.isVisible()
    assert panel.tree.topLevelItemCount() == 1  # one case (the same study posted twice)
    case = panel.tree.topLevelItem(0)
    assert case.childCount() == 2 and {case.child(i).text(2) for i in range(2)} == {"shared"}
    assert "consent CF-2024-0193" in case.child(0).text(4)

    opened = []
    monkeypatch.setattr(shared_panel.QDesktopServices, "openUrl", lambda url: opened.append(url.toString()) or True)
    panel.select_post(panel.posts[0].number)
    assert panel.open_button.isEnabled() and panel.open_selected()
    assert opened == [panel.posts[0].url]

    asked = []
    monkeypatch.setattr(panel, "confirm", lambda posts: asked.append(shared_panel.confirmation_text(posts)) or False)
    case.setSelected(True)  # the whole case: both posts
    assert panel.withdraw_selected() is None  # the user said no: nothing happens
    assert all(f.is_dir() for f in folders)
    assert "folder account 'lms'" in asked[0] and "folder account 'lms2'" in asked[0]
    assert "The post's folder or zip file is deleted" in asked[0]

    monkeypatch.setattr(panel, "confirm", lambda posts: True)
    with qtbot.waitSignal(panel.withdrawn, timeout=30_000) as done:
        panel.withdraw_selected()
    assert sorted(o.state for o in done.args[0]) == ["deleted", "deleted"]
    assert not any(f.exists() for f in folders)
    qtbot.waitUntil(lambda: panel.busy is None and "withdrawn" in panel.status.text(), timeout=30_000)
    refreshed = panel.tree.topLevelItem(0)
    assert {refreshed.child(i).text(2) for i in range(2)} == {"withdrawn"}
    assert not panel.withdraw_button.isEnabled()


def test_a_withdrawal_that_fails_stays_pending_and_retry_finishes_it(qtbot, social_env, doe_image, monkeypatch):
    from radshare.gui.panels.shared_panel import SharedPanel

    (result,) = _post_to_folders(qtbot, social_env, doe_image)
    folder = social_env / "out" / "lms" / result.id
    store = AccountStore()
    account = store.get("lms")
    store.remove("lms")  # e.g. the educator's accounts were cleaned up before the posts
    panel = SharedPanel()
    qtbot.addWidget(panel)
    monkeypatch.setattr(panel, "confirm", lambda posts: True)
    with qtbot.waitSignal(panel.loaded, timeout=30_000):
        panel.refresh()
    panel.select_post(panel.posts[0].number)
    with qtbot.waitSignal(panel.withdrawn, timeout=30_000) as done:
        panel.withdraw_selected()
    assert done.args[0][0].state == "pending" and "no account named 'lms'" in done.args[0][0].note
    qtbot.waitUntil(lambda: panel.busy is None and panel.retry_button.isEnabled(), timeout=30_000)
    row = panel.tree.topLevelItem(0).child(0)
    assert row.text(2) == "withdrawal pending" and "no account named" in row.toolTip(2)
    assert folder.is_dir()

    store.add(account, None)  # the account is back: Retry pending finishes the withdrawal
    outcomes = []
    panel.withdrawn.connect(outcomes.extend)
    with qtbot.waitSignals([panel.withdrawn, panel.loaded], timeout=30_000, order="strict"):  # the list is re-read
        panel.retry_pending()
    assert outcomes[0].state == "deleted" and not folder.exists()
    assert panel.tree.topLevelItem(0).child(0).text(2) == "withdrawn"


def test_a_caseset_export_from_the_app_is_recorded(tmp_path):
    from radshare.core.export.caseset import ExportOptions
    from radshare.core.ledger import Ledger
    from radshare.core.sample import write_sample_case
    from radshare.gui.caseset_dialog import run_caseset_export

    write_sample_case(tmp_path / "cases" / "one", ct_slices=2)
    out = tmp_path / "set"
    run_caseset_export([tmp_path / "cases" / "one"], out, "teaching", "off", ExportOptions(), 1,
                       progress=None, cancel=None, on_error=None)
    with Ledger() as ledger:
        (export,) = ledger.exports()
    assert export.cases == ("Case-01",) and export.folder == str(out.resolve())
