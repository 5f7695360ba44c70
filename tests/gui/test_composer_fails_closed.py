"""The composer posts nothing when an image cannot be cleaned, and closes the uploaders it makes.

The composer's images are made by `core.shareable.make_shareable`. When a cleaning step cannot
run (here: reading the identifiers every text is checked against), the image is never prepared,
the Post button stays disabled and nothing reaches the target (a Folder account, so no server).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt


@pytest.fixture
def folder_account(tmp_path, monkeypatch):
    from radshare.uploaders.accounts import Account, AccountStore

    monkeypatch.setenv("RADSHARE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    store = AccountStore()
    store.add(Account("handouts", "folder", {"folder": str(tmp_path / "posts")}), None)
    return store, tmp_path / "posts"


@pytest.fixture
def doe_image(tmp_path):
    from radshare.core.sources import load_image
    from tests.uploaders.uploader_samples import write_sample_dicom

    return load_image(write_sample_dicom(tmp_path / "DOE_JANE.dcm", size=256))


def _composer(qtbot, images, store):
    from radshare.gui.composer import ComposerDialog

    dialog = ComposerDialog(images, None, store=store)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _confirm_everything(dialog):
    dialog.set_alt_text(0, "Frontal chest radiograph")
    dialog.review_confirm.setChecked(True)
    dialog.right_to_share.setChecked(True)
    dialog.basis.setCurrentIndex(dialog.basis.findData("policy"))


def test_the_composer_posts_to_a_folder_when_cleaning_runs(qtbot, folder_account, doe_image):
    store, posts = folder_account
    dialog = _composer(qtbot, [doe_image], store)
    qtbot.waitUntil(dialog.ready, timeout=60_000)
    _confirm_everything(dialog)
    assert dialog.post_button.isEnabled(), dialog.problems.text()
    with qtbot.waitSignal(dialog.posted, timeout=60_000):
        qtbot.mouseClick(dialog.post_button, Qt.LeftButton)
    assert any(p.is_file() for p in posts.rglob("*"))


def test_when_the_identifiers_cannot_be_read_nothing_is_posted(qtbot, folder_account, doe_image, monkeypatch):
    from radshare.core.deid import identifiers

    def broken(_ds):
        raise RuntimeError("cannot read the header")

    monkeypatch.setattr(identifiers, "collect_identifiers", broken)
    store, posts = folder_account
    dialog = _composer(qtbot, [doe_image], store)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Could not prepare"), timeout=60_000)
    _confirm_everything(dialog)
    assert not dialog.ready() and not dialog.post_button.isEnabled()
    assert dialog.start_post() is None
    assert not posts.exists() or not any(posts.rglob("*"))


def test_the_composer_closes_the_uploaders_it_makes(qtbot, folder_account, doe_image, monkeypatch):
    from radshare.uploaders.folder import FolderUploader

    made, closed = [], []
    monkeypatch.setattr(FolderUploader, "__init__", lambda self, *a, **k: (made.append(self),
                                                                           super(FolderUploader, self).__init__(*a, **k))[1])
    monkeypatch.setattr(FolderUploader, "close", lambda self: closed.append(self))
    store, _posts = folder_account
    dialog = _composer(qtbot, [doe_image], store)
    qtbot.waitUntil(dialog.ready, timeout=60_000)
    _confirm_everything(dialog)
    with qtbot.waitSignal(dialog.posted, timeout=60_000):
        qtbot.mouseClick(dialog.post_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.post_worker is None, timeout=10_000)
    assert made and sorted(map(id, closed)) == sorted(map(id, made))
