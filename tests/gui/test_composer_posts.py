"""The composer, driven like a user: pick images, write alt texts, confirm, post, see the link.

Posts go to local servers only: mastodon-mock and the real Bluesky reference PDS (see
tests/uploaders/social_fixtures.py). The preview's bytes are the bytes the server receives.
"""

from __future__ import annotations

import pytest
import requests
from PySide6.QtCore import Qt

from radshare.uploaders.accounts import Account, AccountStore

pytest_plugins = ["tests.uploaders.social_fixtures"]
pytestmark = pytest.mark.server


@pytest.fixture
def doe_images(tmp_path):
    """Two loaded DICOM images of the fake patient DOE^JANE, as the main window holds them."""
    from radshare.core.sources import load_image
    from tests.uploaders.uploader_samples import write_sample_dicom

    return [load_image(write_sample_dicom(tmp_path / f"doe{n}.dcm", seed=n, size=384)) for n in range(2)]


def _composer(qtbot, images, store):
    from radshare.gui.composer import ComposerDialog

    dialog = ComposerDialog(images, None, store=store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.ready, timeout=60_000)
    return dialog


def _fill(qtbot, dialog, alts):
    for row, text in enumerate(alts):
        dialog.image_list.setCurrentRow(row)
        dialog.alt.clear()
        qtbot.keyClicks(dialog.alt, text)
    dialog.review_confirm.setChecked(True)
    dialog.basis.setCurrentIndex(dialog.basis.findData("policy"))  # the basis for sharing, for the ledger


def test_composer_posts_to_mastodon_and_shows_the_link(qtbot, social_env, mastodon_server, doe_images, capfd, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    store = AccountStore()
    store.add(Account("teaching", "mastodon", {"url": mastodon_server["url"]}), mastodon_server["accounts"]["alice"])
    dialog = _composer(qtbot, doe_images, store)

    assert not dialog.post_button.isEnabled()
    assert "alt text" in dialog.problems.text() and "right to share" in dialog.problems.text()
    assert dialog.visibility.isVisible() and dialog.content_warning.isVisible()
    assert dialog.schedule_row.isVisible() and not dialog.draft.isVisible()
    assert "no drafts" in dialog.target_note.text()

    _fill(qtbot, dialog, ["Frontal chest radiograph, right lower zone opacity.", "Same patient, follow-up film."])
    qtbot.keyClicks(dialog.caption, "Round pneumonia in an adult")
    qtbot.keyClicks(dialog.hashtags, "RadEd #FOAMrad")
    assert dialog.caption_count.text().startswith(f"{len('Round pneumonia in an adult') + 2 + len('#RadEd #FOAMrad')} / 500")
    assert not dialog.post_button.isEnabled()  # the right to share is not yet confirmed

    # An identifier of the image's own patient in a text holds the post back.
    dialog.image_list.setCurrentRow(1)
    qtbot.keyClicks(dialog.alt, " DOE")
    dialog.right_to_share.setChecked(True)
    assert "contains the patient's name" in dialog.problems.text()
    assert not dialog.post_button.isEnabled()
    for _ in range(4):
        qtbot.keyClick(dialog.alt, Qt.Key_Backspace)
    assert dialog.post_button.isEnabled(), dialog.problems.text()

    dialog.visibility.setCurrentIndex(dialog.visibility.findData("unlisted"))
    prepared = [dialog.prepared[r].data for r in dialog.chosen()]
    with qtbot.waitSignal(dialog.posted, timeout=60_000) as posted:
        qtbot.mouseClick(dialog.post_button, Qt.LeftButton)
    result = posted.args[0]
    assert result.url in dialog.link.text() and dialog.link.text().startswith("<a href=")
    qtbot.waitUntil(lambda: dialog.post_worker is None, timeout=10_000)
    assert not dialog.post_button.isEnabled()

    from mastodon import Mastodon

    status = Mastodon(access_token=mastodon_server["accounts"]["alice"], api_base_url=mastodon_server["url"]).status(result.id)
    assert status["visibility"] == "unlisted"
    assert [m["description"] for m in status["media_attachments"]] == [
        "Frontal chest radiograph, right lower zone opacity.", "Same patient, follow-up film."]
    assert "#FOAMrad" in status["content"] or "FOAMrad" in status["content"]
    served = [requests.get(m["url"], timeout=10).content for m in status["media_attachments"]]
    assert served == prepared  # the preview showed exactly what was sent

    token = mastodon_server["accounts"]["alice"]
    out, err = capfd.readouterr()
    shown = [dialog.status.text(), dialog.link.text(), dialog.problems.text(), dialog.preview_info.text()]
    for text in [out, err, caplog.text, *shown]:
        assert token not in text


def test_composer_says_bluesky_has_no_drafts_and_posts_there(qtbot, social_env, bluesky_pds, doe_images):
    account = bluesky_pds["accounts"][0]
    store = AccountStore()
    store.add(Account("sky", "bluesky", {"handle": account["handle"], "pds_url": bluesky_pds["url"]}),
              account["app_password"])
    dialog = _composer(qtbot, doe_images[:1], store)
    assert not dialog.visibility.isVisible() and not dialog.draft.isVisible() and not dialog.schedule_row.isVisible()
    assert "no drafts and no visibility" in dialog.target_note.text()
    assert "1,000,000 allowed" in dialog.preview_info.text()
    assert dialog.prepared[0].size <= 1_000_000

    _fill(qtbot, dialog, ["Frontal chest radiograph."])
    dialog.right_to_share.setChecked(True)
    dialog.remember.setChecked(True)
    qtbot.keyClicks(dialog.caption, "x" * 301)
    assert "301 / 300" in dialog.caption_count.text()
    assert not dialog.post_button.isEnabled()
    dialog.caption.setPlainText("Teaching case #RadEd")
    with qtbot.waitSignal(dialog.posted, timeout=60_000) as posted:
        qtbot.mouseClick(dialog.post_button, Qt.LeftButton)
    assert posted.args[0].url.startswith("https://bsky.app/profile/alice.test/post/")
    assert store.get("sky").remember_right_to_share is True


def test_cancel_stops_a_post_between_steps(qtbot, social_env, mastodon_server, mastodon_fault, doe_images):
    store = AccountStore()
    store.add(Account("slow", "mastodon", {"url": mastodon_server["url"]}), mastodon_server["accounts"]["bob"])
    dialog = _composer(qtbot, doe_images, store)
    _fill(qtbot, dialog, ["first", "second"])
    dialog.right_to_share.setChecked(True)
    mastodon_fault({"match": {"methods": ["POST"], "path": "/api/v2/media"},
                    "effect": {"type": "latency", "delay_ms": 1500}})
    worker = dialog.start_post()
    assert worker is not None and dialog.cancel_button.text() == "Stop"
    qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.post_worker is None, timeout=30_000)
    assert dialog.result is None
    assert dialog.status.text().startswith("Stopped")
    assert dialog.isVisible()  # the dialog stays, the user decides what next


def test_other_open_images_are_offered_unchecked_and_prepared_when_chosen(qtbot, social_env, doe_images):
    """The main window passes the current image; the other open images can be added."""
    from types import SimpleNamespace

    from PySide6.QtWidgets import QWidget

    from radshare.gui.composer import ComposerDialog

    window = QWidget()
    qtbot.addWidget(window)
    window.states = [SimpleNamespace(image=im, view=None, frame=0) for im in doe_images]
    store = AccountStore()
    store.add(Account("folder", "folder", {"folder": str(social_env / "out")}), None)
    dialog = ComposerDialog([doe_images[1]], window, store=store)
    qtbot.waitUntil(dialog.ready, timeout=60_000)
    assert dialog.image_list.count() == 2
    assert dialog.chosen() == [0] and dialog.images[0] is doe_images[1]
    assert set(dialog.prepared) == {0}
    dialog.image_list.item(1).setCheckState(Qt.Checked)
    assert not dialog.ready()
    qtbot.waitUntil(dialog.ready, timeout=60_000)
    assert set(dialog.prepared) == {0, 1}
    assert not dialog.target_note.isVisible() and not dialog.visibility.isVisible()

    _fill(qtbot, dialog, ["second image", "first image"])
    dialog.right_to_share.setChecked(True)
    with qtbot.waitSignal(dialog.posted, timeout=60_000) as posted:
        qtbot.mouseClick(dialog.post_button, Qt.LeftButton)
    written = sorted(p.name for p in (social_env / "out").rglob("*") if p.suffix in (".png", ".jpg"))
    assert len(written) == 2, written
    assert posted.args[0].url
    dialog.close()


def test_main_window_post_action_opens_the_composer_on_the_open_images(qtbot, social_env, window, ct_dir, monkeypatch):
    from conftest import open_by_drop

    from radshare.gui import composer

    open_by_drop(qtbot, window, sorted(ct_dir.glob("*.dcm")))
    opened = []
    monkeypatch.setattr(composer.ComposerDialog, "open", lambda self: opened.append(self) or self.show())
    monkeypatch.setattr(composer.ComposerDialog, "exec", lambda self: opened.append(self) or self.show() or 0)
    window.open_composer()
    assert len(opened) == 1
    dialog = opened[0]
    assert dialog.images[0] is window.current.image
    assert dialog.image_list.count() == len(window.states)  # every open image is offered
    assert dialog.chosen() == list(range(min(4, len(window.states))))
    assert "No account yet" in dialog.account.currentText()
    assert "add an account" in dialog.problems.text()
    dialog.close()


def test_scheduling_is_offered_for_mastodon_and_refused_too_soon(qtbot, social_env, mastodon_server, doe_images):
    from PySide6.QtCore import QDateTime

    store = AccountStore()
    store.add(Account("later", "mastodon", {"url": mastodon_server["url"]}), mastodon_server["accounts"]["carol"])
    dialog = _composer(qtbot, doe_images[:1], store)
    _fill(qtbot, dialog, ["Lateral radiograph."])
    dialog.right_to_share.setChecked(True)
    dialog.schedule.setChecked(True)
    dialog.schedule_at.setDateTime(QDateTime.currentDateTime().addSecs(120))
    assert "at least 5 minutes" in dialog.problems.text() and not dialog.post_button.isEnabled()
    dialog.schedule_at.setDateTime(QDateTime.currentDateTime().addSecs(3600))
    assert dialog.post_button.isEnabled(), dialog.problems.text()
    with qtbot.waitSignal(dialog.posted, timeout=60_000) as posted:
        qtbot.mouseClick(dialog.post_button, Qt.LeftButton)
    assert posted.args[0].draft is True and "scheduled_statuses" in posted.args[0].url
    assert dialog.status.text() == "Scheduled:" and posted.args[0].url in dialog.link.text()
