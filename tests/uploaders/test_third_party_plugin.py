"""A third-party uploader installed with pip appears and posts, with no change to RadShare.

The distribution in tests/uploaders/example_plugin has its own pyproject and entry point; the
fixture pip-installs it into this interpreter's environment and uninstalls it afterwards.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image as PILImage

from tests.uploaders.uploader_samples import PATIENT_ID, write_sample_dicom

PLUGIN = Path(__file__).resolve().parent / "example_plugin"
DIST = "radshare-example-uploader"


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory):
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check"]
    try:
        import setuptools  # noqa: F401  (build offline when the build backend is already here)
        import wheel  # noqa: F401

        pip.append("--no-build-isolation")
    except ImportError:
        pass
    build = tmp_path_factory.mktemp("plugin-src")
    subprocess.run(["cp", "-r", f"{PLUGIN}/.", str(build)], check=True)  # keep the repo free of build files
    done = subprocess.run([*pip, str(build)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"installing the example plugin failed: {done.stderr[-1500:]}")
    importlib.invalidate_caches()
    try:
        yield
    finally:
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", DIST], capture_output=True, timeout=300)
        importlib.invalidate_caches()


def _radshare(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "radshare", *args], input=stdin, capture_output=True, text=True, timeout=300)


def test_plugin_is_listed_by_the_registry(installed_plugin):
    from radshare.uploaders.registry import load_registry

    registry = load_registry()
    assert "example-inbox" in registry
    assert registry.get("example-inbox").__module__ == "radshare_example_uploader"
    listing = _radshare("accounts", "targets")
    assert listing.returncode == 0 and "example-inbox" in listing.stdout


def test_plugin_posts_prepared_images_through_the_cli(installed_plugin, tmp_path):
    inbox = tmp_path / "inbox"
    added = _radshare("accounts", "add", "example-inbox", "mine", "--set", f"inbox={inbox}", stdin="plugin-token\n")
    assert added.returncode == 0, added.stderr
    original = write_sample_dicom(tmp_path / "scan.dcm", size=1024)
    posted = _radshare("post", str(original), "--account", "mine", "--alt", "Chest radiograph", "--draft", "--confirm", "--json", "-q")
    assert posted.returncode == 0, posted.stderr
    result = json.loads(posted.stdout)
    assert result["target"] == "example-inbox" and result["draft"] is True
    sent = json.loads(next(inbox.iterdir()).read_text())
    image = sent["images"][0]
    data = base64.b64decode(image["data"])
    # Core fitted the pixels to the plugin's limits: JPEG only, 800 px, 300 kB.
    assert image["format"] == "jpeg" and max(image["width"], image["height"]) <= 800 and len(data) <= 300_000
    assert PILImage.open(io.BytesIO(data)).format == "JPEG"
    assert PATIENT_ID.encode() not in data and b"DOE" not in data
