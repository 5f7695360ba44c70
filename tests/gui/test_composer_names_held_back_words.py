"""The posting gate holds back a caption with a word RadShare's vocabulary does not know (it may be
a name); the composer says which word and where, keeps Post disabled, sends nothing to the
server, and shows the two ways on: reword, or add a plain word to the personal vocabulary.
The held-back word never reaches a log or the console.
"""

from __future__ import annotations

import logging

import pytest
import requests
from PySide6.QtCore import Qt

from radshare.uploaders.accounts import Account, AccountStore
from test_composer_posts import _composer, doe_images  # noqa: F401 (a fixture)

pytest_plugins = ["tests.uploaders.social_fixtures"]
pytestmark = pytest.mark.server

SURNAME = "Zarkowski"  # not in the vocabulary, not the image's patient (DOE^JANE)


def _ready_to_post(qtbot, dialog) -> None:
    dialog.set_alt_text(0, "Frontal chest radiograph.")
    dialog.review_confirm.setChecked(True)
    dialog.right_to_share.setChecked(True)
    dialog.basis.setCurrentIndex(dialog.basis.findData("policy"))
    qtbot.keyClicks(dialog.caption, "Left pneumothorax")
    assert dialog.post_button.isEnabled(), dialog.problems.text()


def _statuses(server: dict, user: str) -> int:
    from mastodon import Mastodon

    api = Mastodon(access_token=server["accounts"][user], api_base_url=server["url"])
    return len(api.account_statuses(api.me()["id"])) + len(api.scheduled_statuses())


def test_an_unknown_surname_in_the_caption_is_named_and_nothing_is_sent(
        qtbot, social_env, mastodon_server, doe_images, caplog, capfd, monkeypatch):
    caplog.set_level(logging.DEBUG)
    store = AccountStore()
    store.add(Account("teaching", "mastodon", {"url": mastodon_server["url"]}), mastodon_server["accounts"]["bob"])
    dialog = _composer(qtbot, doe_images[:1], store)
    _ready_to_post(qtbot, dialog)
    assert not dialog.held_back.isVisible()
    before = _statuses(mastodon_server, "bob")

    qtbot.keyClicks(dialog.caption, f", seen by {SURNAME}")
    shown = dialog.held_back.text.text()
    assert dialog.held_back.isVisible() and f"“{SURNAME}”" in shown and "in the caption" in shown
    assert "Reword" in shown and "add it to your vocabulary" in shown  # the ways on
    assert [dialog.held_back.word_choice.itemText(i) for i in range(dialog.held_back.word_choice.count())] == [SURNAME]
    assert "does not know" in dialog.problems.text() and not dialog.post_button.isEnabled()

    sent: list[str] = []  # every HTTP request the app would send from here
    with monkeypatch.context() as patched:
        patched.setattr(requests.Session, "send", lambda self, request, **kw: sent.append(request.url))
        qtbot.mouseClick(dialog.post_button, Qt.LeftButton)
        assert dialog.start_post() is None and dialog.post_worker is None
        qtbot.wait(200)
    assert sent == []  # not one request left the app
    assert _statuses(mastodon_server, "bob") == before

    out, err = capfd.readouterr()
    for text in (out, err, caplog.text, dialog.problems.text(), dialog.status.text()):
        assert SURNAME not in text

    # Reworded, the post goes.
    dialog.caption.setPlainText("Left pneumothorax #RadEd")
    assert not dialog.held_back.isVisible() and dialog.post_button.isEnabled(), dialog.problems.text()
    with qtbot.waitSignal(dialog.posted, timeout=60_000):
        qtbot.mouseClick(dialog.post_button, Qt.LeftButton)
    assert _statuses(mastodon_server, "bob") == before + 1


def test_a_plain_word_added_to_the_vocabulary_from_the_composer_lets_the_post_go(qtbot, social_env, doe_images):
    from radshare.core.deid.vocabulary import personal_path

    store = AccountStore()
    store.add(Account("handouts", "folder", {"folder": str(social_env / "out")}), None)
    dialog = _composer(qtbot, doe_images[:1], store)
    _ready_to_post(qtbot, dialog)
    dialog.set_alt_text(0, "Frontal chest radiograph, pneumothorax outlined in Quillbrook")  # an unknown tool name
    assert "in the alt text of image 1" in dialog.held_back.text.text() and not dialog.post_button.isEnabled()
    assert dialog.held_back.word_choice.currentText() == "Quillbrook"
    qtbot.mouseClick(dialog.held_back.add_word, Qt.LeftButton)
    assert "quillbrook" in personal_path().read_text().split()
    assert not dialog.held_back.isVisible() and dialog.post_button.isEnabled(), dialog.problems.text()
