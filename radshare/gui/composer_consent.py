"""The composer's "Before sharing" box: the right to share, the basis for sharing, the review.

The sharer confirms the right to share and chooses the basis (patient consent, institutional
policy, a fully anonymous image; `core.sharing.BASES`), optionally with a consent-form number;
the sharing ledger records both with the post, and both can be remembered per account. Images
whose burned-in text no person reviewed need an explicit confirmation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout

from radshare.gui.ledger_jobs import remembered_basis

if TYPE_CHECKING:
    from radshare.uploaders.accounts import Account
    from radshare.uploaders.gate import GateImage


class ConsentBox(QGroupBox):
    """The confirmations the PHI gate and the ledger need, remembered per account on request."""

    def __init__(self) -> None:
        super().__init__("Before sharing")
        from radshare.core.sharing import BASES

        layout = QVBoxLayout(self)
        self.right_to_share = QCheckBox("I have the right to share these images (patient consent or my "
                                        "institution's policy allows it)")
        self.remember = QCheckBox("Remember this confirmation and the basis for this account")
        self.review_confirm = QCheckBox("Post images whose burned-in text was not reviewed by a person")
        self.basis = QComboBox()  # recorded in the sharing ledger with the post
        self.basis.addItem("Choose…", None)
        for name, label in BASES.items():
            self.basis.addItem(label, name)
        self.basis.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.basis.setMinimumContentsLength(18)
        self.basis_ref = QLineEdit()
        self.basis_ref.setPlaceholderText("Consent form no. (optional)")
        self.basis_ref.setToolTip("A form number such as CF-2024-0193: digits after an optional form code, never a name")
        self.basis_ref.setMinimumWidth(190)
        basis_row = QHBoxLayout()
        basis_row.addWidget(QLabel("Basis for sharing:"))
        basis_row.addWidget(self.basis, 1)
        basis_row.addWidget(self.basis_ref, 1)
        layout.addWidget(self.right_to_share)
        layout.addLayout(basis_row)
        layout.addWidget(self.remember)
        layout.addWidget(self.review_confirm)

    def changed_signals(self) -> list:
        return [self.right_to_share.toggled, self.review_confirm.toggled, self.basis.currentIndexChanged,
                self.basis_ref.textChanged]

    def show_remembered(self, account: Account | None) -> None:
        """The right-to-share confirmation and the basis remembered for the account."""
        self.remember.setChecked(bool(account and account.remember_right_to_share))
        if account and account.remember_right_to_share:
            self.right_to_share.setChecked(True)
        basis = remembered_basis(account.name) if account else None
        if basis:
            self.basis.setCurrentIndex(max(0, self.basis.findData(basis)))

    def basis_problems(self, gates: list[GateImage]) -> list[str]:
        """The basis for sharing must be chosen; its reference must be a form number (see core.sharing)."""
        from radshare.core.errors import ConfigError
        from radshare.core.sharing import check_basis

        if self.basis.currentData() is None:
            return ["choose the basis for sharing (patient consent, institutional policy or a fully anonymous image)"]
        try:
            check_basis(self.basis.currentData(), self.basis_ref.text(), [g.identifiers for g in gates])
        except ConfigError as exc:
            return [str(exc)]
        return []

    def record(self, account: Account) -> dict[str, str]:
        """What the ledger records with the post: account, target, basis, reference, what to remember."""
        from radshare.core.sharing import check_basis

        basis, reference = check_basis(self.basis.currentData(), self.basis_ref.text())
        return {"account": account.name, "target": account.target, "basis": basis, "basis_ref": reference,
                "remember_basis": basis if self.remember.isChecked() else ""}
