"""The post dialog, finished: problems name images as the list does, the preview appears before
any account exists, the "Posted" link reads on the dark theme, one control decides draft or
publish, and a blog post gets a title (the caption's first line unless one is typed)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from radshare.uploaders.accounts import Account, AccountStore
from test_composer_posts import _composer, doe_images  # noqa: F401 (a fixture)

pytest_plugins = ["tests.uploaders.social_fixtures"]


def _luminance(color) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())


def contrast(a, b) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_a_problem_names_the_image_as_the_list_numbers_it(qtbot, social_env, doe_images):
    store = AccountStore()
    store.add(Account("folder", "folder", {"folder": str(social_env / "out")}), None)
    dialog = _composer(qtbot, doe_images, store)
    dialog.image_list.item(0).setCheckState(Qt.Unchecked)  # only "Image 2" is chosen
    qtbot.waitUntil(dialog.ready, timeout=60_000)
    dialog._refresh()
    assert dialog.image_list.item(1).text().startswith("Image 2")
    assert "image 2 has no alt text" in dialog.problems.text()
    assert "image 1" not in dialog.problems.text()


def test_the_preview_is_shown_before_any_account_exists(qtbot, social_env, doe_images):
    dialog = _composer(qtbot, doe_images, AccountStore())
    assert "No account yet" in dialog.account.currentText()
    pixmap = dialog.preview.pixmap()
    assert pixmap is not None and not pixmap.isNull() and pixmap.width() > 100
    assert "PNG" in dialog.preview_info.text()
    assert "add an account" in dialog.problems.text() and not dialog.post_button.isEnabled()


def test_the_posted_link_reads_on_the_dark_theme(qtbot, social_env, doe_images):
    from radshare.gui.theme import apply_theme
    from radshare.uploaders.base import PublishResult

    apply_theme(QApplication.instance(), "dark")
    dialog = _composer(qtbot, doe_images, AccountStore())
    dialog._on_posted(PublishResult(url="https://blog.example.org/?p=12", id="12", draft=False))
    assert dialog.status.text() == "Posted:"
    link = dialog.link.palette().color(QPalette.Link)
    background = dialog.palette().color(QPalette.Window)
    assert contrast(link, background) >= 4.5, (link.name(), background.name())
    # and on screen: the label's inked pixels stand out from its background
    image = dialog.link.grab().toImage()
    colors = {image.pixelColor(x, y).rgb() for x in range(image.width()) for y in range(image.height())}
    from PySide6.QtGui import QColor

    best = max(contrast(QColor.fromRgb(c), background) for c in colors)
    assert best >= 4.5


def test_one_control_decides_draft_or_publish_and_the_title_defaults_to_the_caption(qtbot, social_env, doe_images):
    store = AccountStore()
    store.add(Account("blog", "wordpress", {"url": "https://blog.example.org", "user": "editor"}), "app pass word")
    dialog = _composer(qtbot, doe_images, store)
    assert not dialog.draft.isVisible()
    choices = [dialog.visibility.itemData(i) for i in range(dialog.visibility.count())]
    assert choices == ["draft", "publish", "pending", "private"]
    assert dialog.visibility.currentData() == "draft"  # a blog post starts as a draft
    dialog.caption.setPlainText("Pneumothorax on a supine film\nLook for the deep sulcus sign.")
    assert dialog.title.isVisible() and "first line" in dialog.title.placeholderText()
    post, _ = dialog.build_post()
    assert post.draft and post.visibility is None
    assert post.title == "Pneumothorax on a supine film"
    dialog.visibility.setCurrentIndex(dialog.visibility.findData("publish"))
    dialog.title.setText("Deep sulcus sign")
    post, _ = dialog.build_post()
    assert not post.draft and post.visibility == "publish" and post.title == "Deep sulcus sign"
