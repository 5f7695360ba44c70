"""Export: format, scope, folder, annotations, and the PHI gate.

The gate (design.md): an image whose burned-in text review is not done is not exported unless
the user ticks an explicit confirmation, which names how many images are unreviewed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from radshare.gui import icons
from radshare.gui.formats import FORMATS

SCOPES = (("current", "Current image"), ("series", "Current series"), ("all", "All open images"))
# render.EXPORT_SIZES, repeated here so that the dialog opens without loading numpy and OpenCV
SIZES = (("1x", "Native size"), ("2x", "Twice the native size"), ("1080", "Fit to 1080 px"),
         ("2048", "Fit to 2048 px"))


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget | None, *, fmt: str, folder: str, burn: bool,
                 counts: dict[str, tuple[int, int, int]], multi_frame: bool, size: str = "1x",
                 native: tuple[int, int] | None = None):
        """`counts`: scope -> (images, unreviewed, with alt text); `native`: the current image's
        exported width and height at 1x, to show what each size gives."""
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setWindowIcon(icons.icon("export"))
        self.setMinimumWidth(520)
        self.counts = counts
        self.multi_frame = multi_frame
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        heading = QLabel("Export de-identified images")
        heading.setObjectName("heading")
        layout.addWidget(heading)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight)
        self.format = QComboBox()
        for key, (label, suffix) in FORMATS.items():
            self.format.addItem(f"{label} ({suffix})", key)
        self.format.setCurrentIndex(max(0, self.format.findData(fmt)))
        form.addRow("Format", self.format)
        self.scope = QComboBox()
        for key, label in SCOPES:
            images = counts.get(key, (0, 0, 0))[0]
            self.scope.addItem(f"{label} ({images} image{'s' if images != 1 else ''})", key)
        form.addRow("Images", self.scope)
        folder_row = QHBoxLayout()
        self.folder = QLineEdit(folder)
        browse = QPushButton("Browse\u2026")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        form.addRow("Folder", folder_row)
        self.size = QComboBox()
        for key, label in SIZES:
            self.size.addItem(self._size_label(key, label, native), key)
        self.size.setCurrentIndex(max(0, self.size.findData(size)))
        self.size.setToolTip("Annotations are drawn at the output resolution and keep their size on the image")
        self.size_label = QLabel("Size")
        form.addRow(self.size_label, self.size)
        self.quality = QSpinBox()
        self.quality.setRange(50, 100)
        self.quality.setValue(92)
        self.quality_label = QLabel("JPEG quality")
        form.addRow(self.quality_label, self.quality)
        self.burn = QCheckBox("Draw annotations into the pixels")
        self.burn.setChecked(burn)
        form.addRow("", self.burn)
        layout.addLayout(form)
        self.note = QLabel()
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.gate_label = QLabel()
        self.gate_label.setObjectName("warning")
        self.gate_label.setWordWrap(True)
        layout.addWidget(self.gate_label)
        self.confirm = QCheckBox("I have checked these images for names, IDs and dates in the pixels myself.")
        self.confirm.toggled.connect(self._update)
        layout.addWidget(self.confirm)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.AcceptRole)
        self.export_button.setIcon(icons.icon("export"))
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.format.currentIndexChanged.connect(self._update)
        self.scope.currentIndexChanged.connect(self._update)
        self.folder.textChanged.connect(self._update)
        self._update()

    # -- values --
    @property
    def fmt(self) -> str:
        return self.format.currentData()

    @property
    def size_key(self) -> str:
        return self.size.currentData()

    @staticmethod
    def _size_label(key: str, label: str, native: tuple[int, int] | None) -> str:
        if native is None:
            return label
        w, h = native
        factor = float(key[:-1]) if key.endswith("x") else int(key) / max(w, h, 1)
        return f"{label} ({round(w * factor)} \u00d7 {round(h * factor)})"

    @property
    def scope_key(self) -> str:
        return self.scope.currentData()

    @property
    def out_dir(self) -> Path:
        return Path(self.folder.text().strip()).expanduser()

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export to folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def _update(self) -> None:
        fmt = self.fmt
        images, unreviewed, with_alt = self.counts.get(self.scope_key, (0, 0, 0))
        self.size.setVisible(fmt != "dicom")
        self.size_label.setVisible(fmt != "dicom")
        self.quality.setVisible(fmt == "jpeg")
        self.quality_label.setVisible(fmt == "jpeg")
        notes = []
        if fmt == "dicom":
            notes.append("DICOM headers are de-identified with your profile; reviewed text boxes are painted out.")
        elif fmt in ("gif", "mp4"):
            if self.scope_key == "current" and not self.multi_frame:
                notes.append("A cine loop needs several frames: choose a multi-frame image or a series.")
            else:
                notes.append("Every frame (or every image of the series, in order) is rendered as you set it up.")
        else:
            notes.append("Only pixels are written: no metadata of any kind.")
        if with_alt:
            notes.append(f"Alt text for {with_alt} image{'s' if with_alt != 1 else ''} is saved beside the files.")
        self.note.setText(" ".join(notes))
        gate = unreviewed > 0
        self.gate_label.setVisible(gate)
        self.confirm.setVisible(gate)
        if gate:
            self.gate_label.setText(
                f"{unreviewed} of {images} image{'s have' if images != 1 else ' has'} not been reviewed for "
                "burned-in text. Review them (Text review panel), or confirm below to export anyway.")
        cine_ok = not (fmt in ("gif", "mp4") and self.scope_key == "current" and not self.multi_frame)
        ready = images > 0 and bool(self.folder.text().strip()) and cine_ok and (not gate or self.confirm.isChecked())
        self.export_button.setEnabled(ready)
