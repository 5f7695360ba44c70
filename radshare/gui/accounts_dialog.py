"""Accounts: add, verify and remove sharing accounts for every registered target.

Each target's form is built from the fields its plugin declares (`account_fields`: URL, text,
password, choice, path). The secret field goes to the keyring through `AccountStore`; when only a
non-system keyring is available the user is warned and asked before anything is stored. Targets
that declare browser sign-in (`Features.browser_sign_in`, e.g. Mastodon; a third-party uploader
the same way) get "Sign in with the browser…": the plugin's `oauth_begin` registers the app on
the server and names the authorization page, the app opens it, receives the code on a loopback
address (127.0.0.1) and hands it to the plugin's `oauth_finish` for a token, all in a worker;
"I have a code…" does the same with a code the user pastes. Verification (`verify()`) also runs
in a worker. Nothing here depends on which plugin it is: only on what the plugin declares.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QInputDialog, QLabel, QLineEdit,
    QMessageBox, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from radshare.gui.workers import Op, Worker, WorkerPool, dialog_pool
from radshare.uploaders.base import Identity, Uploader, UploaderProtocol, UploadError

#: RadShare's own module the sign-in work imports, loaded on the UI thread first (gui/qtcompat.py).
WORKER_IMPORTS = ("radshare.uploaders.oauth",)


def _explain(exc: BaseException) -> str:
    """The one explanation every target's errors share (`UploadError.explain`), else the text."""
    return exc.explain() if isinstance(exc, UploadError) else (str(exc) or type(exc).__name__)


def offers_browser_sign_in(cls: type[UploaderProtocol]) -> bool:
    """The plugin declares browser sign-in (`Features.browser_sign_in`)."""
    return cls.features.browser_sign_in


def verify_account(uploader: UploaderProtocol, progress=None, cancel=None) -> Identity:
    """`uploader.verify()`, explained as every target's errors are; the uploader is closed after."""
    from radshare.uploaders.base import close_uploader

    try:
        return uploader.verify()
    except Exception as exc:
        raise RuntimeError(_explain(exc)) from None
    finally:
        close_uploader(uploader)


def browser_sign_in(cls: type[Uploader], settings: dict[str, str], open_url, progress=None, cancel=None) -> str:
    """Loopback authorization-code flow; returns the secret. `open_url` is called on this thread
    with the page to show (the dialog passes a signal emit, so the browser opens from the UI)."""
    from radshare.uploaders.oauth import LoopbackReceiver, new_state

    try:
        state = new_state()
        with LoopbackReceiver(state) as receiver:
            url, context = cls.oauth_begin(settings, receiver.redirect_uri, state)
            open_url(url)
            if progress is not None:
                progress(1, 2, "waiting for the browser")
            code = receiver.wait(timeout=600, cancel=cancel)
        return cls.oauth_finish(settings, context, code)
    except Exception as exc:
        raise RuntimeError(_explain(exc)) from None


def code_sign_in_begin(cls: type[Uploader], settings: dict[str, str], progress=None, cancel=None) -> tuple[str, dict]:
    from radshare.uploaders.oauth import OOB_REDIRECT, new_state

    try:
        return cls.oauth_begin(settings, OOB_REDIRECT, new_state())
    except Exception as exc:
        raise RuntimeError(_explain(exc)) from None


def code_sign_in_finish(cls: type[Uploader], settings: dict[str, str], context: dict, code: str, progress=None, cancel=None) -> str:
    try:
        return cls.oauth_finish(settings, context, code)
    except Exception as exc:
        raise RuntimeError(_explain(exc)) from None


class AccountEditor(QDialog):
    """The form for one new account: target, name, and the target's declared fields."""

    open_url_requested = Signal(str)

    def __init__(self, parent: QWidget | None, registry: Any, store: Any, target: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("Add an account — RadShare")
        self.registry = registry
        self.store = store
        self.pool = WorkerPool(dialog_pool())
        self.fields: dict[str, Any] = {}
        self.sign_in_worker: Worker | None = None
        self.open_url_requested.connect(self._open_url)

        layout = QVBoxLayout(self)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        top = self.form
        self.target = QComboBox()
        for target_id in registry.ids():
            self.target.addItem(registry.get(target_id).display_name, target_id)
        if target:
            self.target.setCurrentIndex(max(0, self.target.findData(target)))
        self.target.currentIndexChanged.connect(self._build_fields)
        top.addRow("Service:", self.target)
        self.name = QLineEdit()
        self.name.setPlaceholderText("a name you choose, e.g. teaching-mastodon")
        top.addRow("Account name:", self.name)
        layout.addWidget(self.form_host)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self._on_cancel)
        layout.addWidget(self.buttons)
        self._build_fields()

    def cls(self) -> Any:
        return self.registry.get(self.target.currentData())

    def _build_fields(self, *_args: Any) -> None:
        while self.form.rowCount() > 2:  # keep "Service" and "Account name"
            self.form.removeRow(2)
        self.fields = {}
        cls = self.cls()
        for field in cls.account_fields:
            if field.kind == "choice":
                editor: Any = QComboBox()
                for choice in field.choices:
                    editor.addItem(choice, choice)
                editor.setCurrentIndex(max(0, editor.findData(field.default)))
            else:
                editor = QLineEdit(field.default)
                if field.kind == "password" or field.secret:
                    editor.setEchoMode(QLineEdit.Password)
                if field.kind == "url":
                    editor.setPlaceholderText("https://")
            editor.setToolTip(field.help)
            editor.setObjectName(f"field_{field.name}")
            self.fields[field.name] = editor
            label = field.label + ("" if field.required else " (optional)")
            row: Any = editor
            if field.kind == "path":
                row = QHBoxLayout()
                row.addWidget(editor, 1)
                browse = QPushButton("Browse…")
                browse.clicked.connect(lambda _c=False, e=editor: e.setText(QFileDialog.getExistingDirectory(self) or e.text()))
                row.addWidget(browse)
            if field.secret and offers_browser_sign_in(cls):
                row = QHBoxLayout()
                row.addWidget(editor, 1)
                self.browser_button = QPushButton("Sign in with the browser…")
                self.browser_button.clicked.connect(self.sign_in_with_browser)
                self.code_button = QPushButton("I have a code…")
                self.code_button.clicked.connect(self.sign_in_with_code)
                row.addWidget(self.browser_button)
                row.addWidget(self.code_button)
            self.form.addRow(label + ":", row)
            if field.help:
                hint = QLabel(field.help)
                hint.setWordWrap(True)
                hint.setStyleSheet("color: gray;")
                self.form.addRow("", hint)

    def values(self) -> tuple[dict[str, str], str | None]:
        settings: dict[str, str] = {}
        secret = None
        for field in self.cls().account_fields:
            editor = self.fields[field.name]
            value = editor.currentData() if isinstance(editor, QComboBox) else editor.text().strip()
            if field.secret:
                secret = value or None
            elif value:
                settings[field.name] = value
        return settings, secret

    # --------------------------------------------------------------------------- sign-in
    def _secret_editor(self) -> QLineEdit:
        secret = self.cls().secret_field()
        return self.fields[secret.name]

    def _open_url(self, url: str) -> None:
        QDesktopServices.openUrl(QUrl(url))

    def _start(self, op: Op[Any]) -> Worker:
        from radshare.gui.qtcompat import preload

        preload(WORKER_IMPORTS)
        worker = op.failure(self._on_sign_in_error).on_finished(self._on_sign_in_finished).worker()
        self.sign_in_worker = worker
        self.pool.start(worker)
        return worker

    def _missing_before_sign_in(self, settings: dict[str, str]) -> bool:
        """Say which required fields sign-in needs first (the server's address, for example)."""
        missing = [f.label for f in self.cls().account_fields if f.required and not f.secret and not settings.get(f.name)]
        if missing:
            self.status.setText(f"Fill in {', '.join(missing)} first.")
        return bool(missing)

    def sign_in_with_browser(self) -> Worker | None:
        settings, _ = self.values()
        if self._missing_before_sign_in(settings):
            return None
        self.status.setText("Opening the browser: approve RadShare there, then come back here.")
        return self._start(Op(browser_sign_in, self.cls(), settings, self.open_url_requested.emit,
                                  success=self._on_secret, cancellable=True))

    def sign_in_with_code(self) -> Worker | None:
        settings, _ = self.values()
        if self._missing_before_sign_in(settings):
            return None
        self.status.setText("Registering RadShare with the server…")
        return self._start(Op(code_sign_in_begin, self.cls(), settings, success=self._on_code_page, cancellable=True))

    def _on_code_page(self, answer: tuple[str, dict]) -> None:
        url, context = answer
        self._open_url(url)
        code, ok = QInputDialog.getText(self, "Sign-in code", "Paste the code the server shows after you approve RadShare:")
        if ok and code.strip():
            settings, _ = self.values()
            self.finish_with_code(settings, context, code.strip())

    def finish_with_code(self, settings: dict[str, str], context: dict, code: str) -> Worker:
        self.status.setText("Exchanging the code…")
        return self._start(Op(code_sign_in_finish, self.cls(), settings, context, code, success=self._on_secret,
                                  cancellable=True))

    def _on_secret(self, secret: str) -> None:
        self._secret_editor().setText(secret)
        self.status.setText("Signed in. Press Save to keep the account (the token goes to the keyring).")

    def _on_sign_in_error(self, text: str) -> None:
        self.status.setText(text)

    def _on_sign_in_finished(self) -> None:
        self.sign_in_worker = None

    def _on_cancel(self) -> None:
        self.pool.cancel_all(wait_ms=500)
        self.reject()

    # ------------------------------------------------------------------------------ save
    def save(self) -> bool:
        from radshare.uploaders.accounts import Account, AccountError, InsecureKeyring

        settings, secret = self.values()
        account = Account(name=self.name.text().strip(), target=self.target.currentData(), settings=settings)
        try:
            try:
                status = self.store.add(account, secret, self.cls())
            except InsecureKeyring as exc:
                answer = QMessageBox.warning(self, "Keyring", f"{exc}\n\nStore the secret there anyway?",
                                             QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
                if answer != QMessageBox.Yes:
                    return False
                status = self.store.add(account, secret, self.cls(), accept_insecure=True)
        except AccountError as exc:
            self.status.setText(str(exc))
            return False
        self.keyring_warning = status.warning if not status.secure else None
        self.accept()
        return True


class AccountsDialog(QDialog):
    """All accounts, with Add…, Verify and Remove."""

    verified = Signal(str, str)  # account name, "Signed in as ..." or the error explanation

    def __init__(self, parent: QWidget | None = None, *, store: Any = None, registry: Any = None):
        super().__init__(parent)
        from radshare.uploaders.accounts import AccountStore
        from radshare.uploaders.registry import registry as default_registry

        self.setWindowTitle("Accounts — RadShare")
        self.resize(720, 380)
        self.store = store or AccountStore()
        self.registry = registry or default_registry()
        self.pool = WorkerPool(dialog_pool())
        self.verify_worker: Worker | None = None
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Account", "Service", "Where"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table, 1)
        self.keyring = QLabel("")
        self.keyring.setWordWrap(True)
        self.keyring.setObjectName("warning")  # the theme's warning colour, readable in both themes
        layout.addWidget(self.keyring)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add…")
        self.add_button.clicked.connect(self.add_account)
        self.verify_button = QPushButton("Verify")
        self.verify_button.clicked.connect(self.verify_selected)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        for button in (self.add_button, self.verify_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.refresh()
        try:
            status = self.store.status()
            if status.warning:
                self.keyring.setText(status.warning)
        except Exception as exc:
            self.keyring.setText(str(exc))
        for problem in self.registry.problems:
            self.status.setText(f"Uploader {problem.name} is unavailable: {problem.reason}")

    def refresh(self) -> None:
        accounts = self.store.list()
        self.table.setRowCount(len(accounts))
        for row, account in enumerate(accounts):
            cls = self.registry.uploaders.get(account.target)
            where = account.settings.get("handle") or account.settings.get("user") or ""
            url = account.settings.get("url") or account.settings.get("pds_url") or account.settings.get("folder") or ""
            where = f"{where} @ {url}" if where and url else (where or url)
            for col, text in enumerate((account.name, cls.display_name if cls else f"{account.target} (not installed)", where)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.verify_button.setEnabled(bool(accounts))
        self.remove_button.setEnabled(bool(accounts))
        if accounts and self.table.currentRow() < 0:
            self.table.selectRow(0)

    def selected_name(self) -> str | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.text() if item else None

    def editor(self, target: str | None = None) -> AccountEditor:
        return AccountEditor(self, self.registry, self.store, target)

    def add_account(self) -> None:
        editor = self.editor()
        if editor.exec():
            self.refresh()
            self.status.setText("Account saved." + (f" {editor.keyring_warning}" if editor.keyring_warning else ""))
            names = [self.table.item(r, 0).text() for r in range(self.table.rowCount())]
            name = editor.name.text().strip()
            if name in names:  # check the new credentials at once, in the background
                self.table.selectRow(names.index(name))
                self.verify_selected()

    def verify_selected(self) -> Worker | None:
        from radshare.gui.qtcompat import preload

        name = self.selected_name()
        if not name or self.verify_worker is not None:
            return None
        account = self.store.get(name)
        cls = self.registry.get(account.target)
        try:
            secret = self.store.secret(name) if cls.secret_field() else None
        except Exception as exc:
            self.status.setText(str(exc))
            return None
        self.status.setText(f"Checking {name}…")
        preload(WORKER_IMPORTS)
        worker = (Op(verify_account, cls(dict(account.settings), secret), success=self._on_verified, cancellable=True)
                  .failure(self._on_verify_error).on_finished(self._on_verify_finished).worker())
        self._verifying = name
        self.verify_worker = worker
        self.pool.start(worker)
        return worker

    def _on_verified(self, identity: Any) -> None:
        who = identity.username + (f" ({identity.display_name})" if identity.display_name else "")
        text = f"{self._verifying}: signed in as {who}."
        self.status.setText(text)
        self.verified.emit(self._verifying, text)

    def _on_verify_error(self, text: str) -> None:
        self.status.setText(f"{self._verifying}: {text}")
        self.verified.emit(self._verifying, text)

    def _on_verify_finished(self) -> None:
        self.verify_worker = None

    def remove_selected(self, confirm: bool = True) -> None:
        name = self.selected_name()
        if not name:
            return
        if confirm and QMessageBox.question(
                self, "Remove account", f"Remove the account '{name}' and its stored secret from this computer?"
        ) != QMessageBox.Yes:
            return
        self.store.remove(name)
        self.refresh()
        self.status.setText(f"Removed {name}.")

    def done(self, code: int) -> None:
        self.pool.cancel_all(wait_ms=500)
        super().done(code)
