"""A part this installation cannot run is switched off with its reason, never offered and then failing.

The checks ask core itself (an import attempt and the detector's own `available()`), not whether a
module file exists: a bundle can carry `detect.py` while the detector's model file or onnxruntime
is missing, and then Detect must be off and say why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import open_by_drop


@pytest.fixture(autouse=True)
def _ask_again():
    from radshare.gui import services

    services.forget_availability()
    yield
    services.forget_availability()


@pytest.fixture
def bundle_without_the_detector_model(tmp_path, monkeypatch) -> Path:
    """A bundle folder whose resources hold everything but the text detector's model file."""
    from radshare.core.resources import resources_dir

    real = resources_dir()
    bundle = tmp_path / "bundle"
    (bundle / "resources" / "models").mkdir(parents=True)
    for entry in real.iterdir():
        if entry.name != "models":
            (bundle / "resources" / entry.name).symlink_to(entry)
    for model in (real / "models").iterdir():
        if not model.name.endswith(".onnx"):
            (bundle / "resources" / "models" / model.name).symlink_to(model)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)  # where a bundle's resources are read
    assert resources_dir() == bundle / "resources"
    return bundle


def test_without_the_detector_model_detect_is_off_and_says_why(qtbot, window, ct_dir, bundle_without_the_detector_model):
    open_by_drop(qtbot, window, sorted(ct_dir.glob("*.dcm")))
    qtbot.waitUntil(lambda: window.review_panel.unavailable.isVisible(), timeout=20_000)
    panel = window.review_panel
    assert not panel.detect.isEnabled()
    assert "model file is missing" in panel.detect.toolTip() and "model file is missing" in panel.unavailable.text()
    window.reviewer.detect()  # the Detect shortcut says why as well, and starts nothing
    assert window.reviewer.worker is None and "model file is missing" in window.status_label.text()
    assert not any(s.detected for s in window.states)  # nothing was taken for a review it was not


def test_without_onnxruntime_the_reason_names_it(monkeypatch):
    from radshare.gui import services

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # installed without it: the import fails
    status = services.detection_status()
    assert not status.ok and not services.detection_available()
    assert "onnxruntime cannot load (ModuleNotFoundError" in status.reason


def test_with_everything_installed_detection_is_available():
    from radshare.gui import services

    assert services.detection_status().ok and services.redaction_status().ok and services.composer_status().ok


def test_when_the_composer_cannot_load_post_says_why(qtbot, window, ct_dir, monkeypatch):
    open_by_drop(qtbot, window, sorted(ct_dir.glob("*.dcm")))
    monkeypatch.setitem(sys.modules, "radshare.gui.composer", None)
    window.open_composer()
    assert getattr(window, "composer", None) is None
    assert "Posting is not available in this installation: composer cannot load" in window.status_label.text()
