"""The Shared panel: every post of the sharing ledger by case, its status, and taking it back.

A tree of cases, each with its posts (target and account, status, time, basis, address). Open
shows the post in the browser; Withdraw asks first, naming every target and what withdrawal
means there (the plugin's `withdraw_note`), then runs `core.sharing.withdraw_posts` in the
thread pool; Retry pending does the same for unfinished withdrawals. The ledger is read in the
pool as well, and only when the panel is shown, so the window opens without it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QDockWidget, QHBoxLayout, QLabel, QMessageBox, QPushButton, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)

from radshare.gui.workers import Op, Worker, WorkerPool

#: Imported on the UI thread before a worker needs them (see gui/qtcompat.py).
WORKER_IMPORTS = ("sqlite3", "radshare.core.ledger", "radshare.core.sharing", "radshare.uploaders.withdraw",
                  "radshare.uploaders.registry", "radshare.uploaders.wordpress", "radshare.uploaders.discourse",
                  "radshare.uploaders.folder", "radshare.uploaders.mastodon", "radshare.uploaders.bluesky",
                  "mastodon", "atproto", "requests")
COLUMNS = ("Case / post", "Target", "Status", "Posted", "Basis", "Address")
STATUS_TEXT = {
    "live": "shared", "sending": "sending interrupted", "pending": "withdrawal pending",
    "deleted": "withdrawn", "trashed": "withdrawn (in the site's trash)", "hidden": "hidden (kept by the service)",
}


# --------------------------------------------------------------------------------------------
# Work done in the pool (no widgets touched)
# --------------------------------------------------------------------------------------------


def load_posts(progress=None, cancel=None) -> list:
    from radshare.core.ledger import Ledger

    with Ledger() as ledger:
        return ledger.posts()


def withdraw(numbers: list[int], force: bool = False, progress=None, cancel=None) -> list:
    """Withdraw the ledger's posts `numbers` through their accounts; the outcomes, one per post."""
    from radshare.core.ledger import Ledger
    from radshare.core.sharing import withdraw_posts
    from radshare.uploaders.withdraw import opener

    with Ledger() as ledger:
        return withdraw_posts(ledger, ledger.posts(numbers=numbers), opener(), force=force, progress=progress,
                              cancel=cancel)


def confirmation_text(posts: list) -> str:
    """What the sharer confirms: every post with its target, account and address, and what
    withdrawal does on each target."""
    from radshare.uploaders.withdraw import withdraw_note

    lines = [f"Withdraw {len(posts)} post(s)? This deletes them and their images from:", ""]
    for post in posts:
        lines.append(f"• {post.target} account '{post.account}': {post.url or post.post_id}")
    notes = {post.target: withdraw_note(post.target) for post in posts}
    lines.append("")
    lines += [f"{target}: {note}" for target, note in sorted(notes.items()) if note]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The panel
# --------------------------------------------------------------------------------------------


class SharedPanel(QWidget):
    """Posts by case from the sharing ledger, with Open, Withdraw and Retry pending."""

    loaded = Signal(list)  # the posts shown
    withdrawn = Signal(list)  # WithdrawOutcome per post, after a withdrawal finished

    def __init__(self, parent: QWidget | None = None, pool: WorkerPool | None = None):
        super().__init__(parent)
        self.pool = pool or WorkerPool()
        self.posts: list = []
        self.busy: Worker | None = None
        self._summary = ""  # the last withdrawal's outcomes, shown once the list is read again
        layout = QVBoxLayout(self)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemDoubleClicked.connect(lambda *_: self.open_selected())
        layout.addWidget(self.tree, 1)
        row = QHBoxLayout()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(self.open_selected)
        self.withdraw_button = QPushButton("Withdraw…")
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        self.retry_button = QPushButton("Retry pending")
        self.retry_button.clicked.connect(self.retry_pending)
        self.force = QCheckBox("Delete for good where the service keeps a trash")
        for widget in (self.refresh_button, self.open_button, self.withdraw_button, self.retry_button):
            row.addWidget(widget)
        row.addWidget(self.force)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self._update_buttons()

    # ------------------------------------------------------------------------------- loading
    def _start(self, worker: Worker) -> Worker:
        from radshare.gui.qtcompat import preload

        preload(WORKER_IMPORTS)
        self.pool.start(worker)
        return worker

    def refresh(self, note: str = "") -> Worker:
        """Read the ledger in the pool and show it; `note` replaces the count line afterwards."""
        op = Op(load_posts, success=self.show_posts, cancellable=True).failure(
            lambda text: self.status.setText(f"The sharing ledger could not be read: {text}"))
        if note:  # connected before the worker starts: it may finish at once
            op.on_finished(lambda: self.status.setText(note))
        return self._start(op.worker())

    def show_posts(self, posts: list) -> None:
        self.posts = list(posts)
        self.tree.clear()
        by_case: dict[str, QTreeWidgetItem] = {}
        for post in self.posts:
            case = by_case.get(post.case_id)
            if case is None:
                case = QTreeWidgetItem([post.case_id or "(no case)"])
                case.setFirstColumnSpanned(False)
                self.tree.addTopLevelItem(case)
                by_case[post.case_id] = case
            title = post.title or (post.caption.splitlines()[0] if post.caption else "") or f"post {post.number}"
            basis = post.basis + (f" {post.basis_ref}" if post.basis_ref else "")
            item = QTreeWidgetItem([
                f"{post.number}: {title[:60]}", f"{post.target}: {post.account}",
                STATUS_TEXT.get(post.status, post.status) + ("" if not post.draft else " (draft)"),
                post.posted_at.replace("T", " ")[:16], basis, post.url,
            ])
            item.setData(0, Qt.UserRole, post.number)
            if post.status_note:
                item.setToolTip(2, post.status_note)
            case.addChild(item)
        self.tree.expandAll()
        for column in range(len(COLUMNS) - 1):
            self.tree.resizeColumnToContents(column)
        pending = sum(p.status == "pending" for p in self.posts)
        self.status.setText(f"{len(self.posts)} post(s) in {len(by_case)} case(s)"
                            + (f"; {pending} withdrawal(s) pending" if pending else "") + ".")
        self._update_buttons()
        self.loaded.emit(self.posts)

    # ----------------------------------------------------------------------------- selection
    def selected_posts(self) -> list:
        """The posts of the selected rows; a selected case stands for all its posts."""
        numbers: list[int] = []
        for item in self.tree.selectedItems():
            children = [item.child(i) for i in range(item.childCount())] or [item]
            for child in children:
                number = child.data(0, Qt.UserRole)
                if number is not None and number not in numbers:
                    numbers.append(int(number))
        return [p for p in self.posts if p.number in numbers]

    def select_post(self, number: int) -> None:
        self.tree.clearSelection()
        for i in range(self.tree.topLevelItemCount()):
            case = self.tree.topLevelItem(i)
            for j in range(case.childCount()):
                if case.child(j).data(0, Qt.UserRole) == number:
                    case.child(j).setSelected(True)

    def _update_buttons(self) -> None:
        chosen = self.selected_posts() if self.posts else []
        idle = self.busy is None
        self.open_button.setEnabled(len(chosen) == 1 and bool(chosen[0].url))
        self.withdraw_button.setEnabled(idle and any(not p.withdrawn and p.status != "sending" for p in chosen))
        self.retry_button.setEnabled(idle and any(p.status == "pending" for p in self.posts))

    # ------------------------------------------------------------------------------- actions
    def open_selected(self) -> bool:
        chosen = self.selected_posts()
        if len(chosen) != 1 or not chosen[0].url:
            return False
        return QDesktopServices.openUrl(QUrl(chosen[0].url))

    def confirm(self, posts: list) -> bool:
        """Ask before anything is deleted (tests replace this)."""
        answer = QMessageBox.question(self, "Withdraw posts — RadShare", confirmation_text(posts),
                                      QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        return answer == QMessageBox.Yes

    def withdraw_selected(self) -> Worker | None:
        posts = [p for p in self.selected_posts() if not p.withdrawn and p.status != "sending"]
        if not posts or self.busy is not None or not self.confirm(posts):
            return None
        return self._start_withdrawal([p.number for p in posts])

    def retry_pending(self) -> Worker | None:
        posts = [p for p in self.posts if p.status == "pending"]
        if not posts or self.busy is not None or not self.confirm(posts):
            return None
        return self._start_withdrawal([p.number for p in posts])

    def _start_withdrawal(self, numbers: list[int]) -> Worker:
        worker = (Op(withdraw, numbers, self.force.isChecked(), success=self._on_withdrawn)
                  .with_progress(lambda done, total, what: self.status.setText(f"Withdrawing… ({done}/{total})"))
                  .failure(lambda text: self.status.setText(f"Withdrawal stopped: {text}"))
                  .on_finished(self._on_finished).worker())
        self.busy = worker
        self._update_buttons()
        self.status.setText("Withdrawing…")
        return self._start(worker)

    def _on_withdrawn(self, outcomes: list) -> None:
        lines = []
        for outcome in outcomes:
            post = outcome.post
            lines.append(f"Post {post.number} ({post.target}: {post.account}): "
                         f"{STATUS_TEXT.get(outcome.state, outcome.state)}. {outcome.note}")
        self._summary = "\n".join(lines)
        self.withdrawn.emit(outcomes)

    def _on_finished(self) -> None:
        self.busy = None
        summary, self._summary = self._summary, ""
        self.refresh(summary)


def install(window: Any) -> QDockWidget:
    """The Shared dock (bottom, hidden at first) and its View menu entry; it reads the ledger when shown."""
    panel = SharedPanel(window, pool=getattr(window, "workers", None))
    dock = QDockWidget("Shared", window)
    dock.setObjectName("shared")
    dock.setWidget(panel)
    dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable | QDockWidget.DockWidgetClosable)
    window.addDockWidget(Qt.BottomDockWidgetArea, dock)
    dock.hide()
    dock.visibilityChanged.connect(lambda visible: panel.refresh() if visible else None)
    toggle = dock.toggleViewAction()
    toggle.setText("&Shared posts")
    toggle.setStatusTip("What was shared where, and withdrawing it")
    window.actions["toggle_shared"] = toggle
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is not None and menu_action.text().replace("&", "") == "View":
            menu.addAction(toggle)
            break
    window.shared_panel, window.shared_dock = panel, dock
    return dock
