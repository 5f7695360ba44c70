"""`radshare selftest`: proves an installation works (IT admins run it after deploying).

Each part RadShare uses at run time is exercised, not merely imported: codecs decode a sample of
every transfer syntax, OCR reads a rendered word, the detector finds text, ffmpeg writes a short
clip, Qt opens its platform plugin in a child process (a plugin that cannot load aborts the
process that tries). One line per part; exit 0 only when every required part works. In the
standalone bundle a part found outside the bundle (the host's ffmpeg, tessdata) is a failure:
the bundle must stand alone.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

QT_PLATFORMS = ("xcb", "wayland", "offscreen")  # the platform plugins a bundle must carry


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "selftest",
        help="check OCR, codecs, the text detector, Qt, ffmpeg, the keyring and the uploaders",
        description="Run quick checks of every part RadShare needs and print a table; exit 0 when usable.",
    )
    parser.add_argument("--output", metavar="DIR", help="the output folder to check for write access (default: Documents)")
    parser.add_argument("--qt-probe", metavar="PLATFORM", help=argparse.SUPPRESS)  # the child process of the Qt check


def frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _inside_bundle(path: str | os.PathLike) -> bool:
    base = getattr(sys, "_MEIPASS", None)
    return not frozen() or (base is not None and Path(path).resolve().is_relative_to(Path(base).resolve()))


def _check_codecs() -> str:
    from radshare.commands.selftest_codecs import check_all, pylibjpeg_plugins

    results = check_all()
    failed = [f"{r.syntax}: {r.detail}" for r in results if not r.ok]
    missing = sorted({"libjpeg", "openjpeg", "rle"} - set(pylibjpeg_plugins()))
    if missing:
        failed.insert(0, f"pylibjpeg finds no {', '.join(missing)} plugin (package metadata missing)")
    if failed:
        raise RuntimeError("; ".join(failed))
    plugins = sorted({p for r in results for p in r.detail.split("+")})
    return f"{len(results)} transfer syntaxes decoded ({', '.join(plugins)})"


def _check_ocr() -> str:
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from radshare.core.model import TextRegion
    from radshare.core.redact.ocr import engine_version, read_text

    image = Image.new("L", (260, 60), 0)
    ImageDraw.Draw(image).text((10, 12), "RADSHARE", fill=255, font=ImageFont.load_default(size=28))
    text, _ = read_text(np.asarray(image), TextRegion(x=0, y=0, w=260, h=60))
    if "RADSHARE" not in text.upper().replace(" ", ""):
        raise RuntimeError("tesseract did not read a test word")
    return engine_version()


def _check_detector() -> str:
    import cv2
    import numpy as np

    from radshare.core.redact import dbnet
    from radshare.core.redact.detect import detect_text, detector_name

    if not dbnet.available():
        raise RuntimeError("the text detector model or onnxruntime is missing")
    frame = np.zeros((128, 256), dtype=np.uint8)
    cv2.putText(frame, "TEST 123", (10, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    if not detect_text(frame):
        raise RuntimeError("the text detector found nothing in a test image")
    return detector_name("auto")


def _check_faces() -> str:
    import cv2

    from radshare.core.redact import faces

    if not faces.available():
        raise RuntimeError("OpenCV's face cascade cannot be loaded: faces in photos would not be proposed")
    return f"OpenCV {cv2.__version__}, Haar cascades"


def _check_ffmpeg() -> str:
    import imageio_ffmpeg
    import numpy as np

    from radshare.core.export.cine import write_mp4

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    if not _inside_bundle(exe):
        raise RuntimeError(f"ffmpeg comes from outside the bundle ({exe})")
    with tempfile.TemporaryDirectory(prefix="radshare-selftest-") as tmp:
        frames = [np.full((32, 32), 40 * i, dtype=np.uint8) for i in range(3)]
        info = write_mp4(frames, Path(tmp) / "clip.mp4", fps=5)
        if info.frames != 3 or (Path(tmp) / "clip.mp4").stat().st_size == 0:
            raise RuntimeError("ffmpeg wrote no clip")
    return f"ffmpeg {imageio_ffmpeg.get_ffmpeg_version()} (H.264 clip written)"


def _check_deid() -> str:
    import pydicom

    from radshare.core.pipeline import deidentify_dicom, dicom_bytes, settings_for_installation
    from radshare.core.sample import _ct_slice

    settings = settings_for_installation(text_redaction="off")
    ds = _ct_slice(0, "1.2.3", "1.2.3.4")
    data = dicom_bytes(deidentify_dicom(ds, settings).dataset)
    if b"DOE" in data.upper() or b"4471093" in data:
        raise RuntimeError("the sample's identifiers survived de-identification")
    pydicom.dcmread(io.BytesIO(data))
    return "sample de-identified, no identifier left"


def _qt_command(platform: str) -> list[str]:
    me = [sys.executable] if frozen() else [sys.executable, "-m", "radshare"]
    return [*me, "selftest", "--qt-probe", platform]


def _probe_platform(platform: str) -> tuple[bool, str]:
    """Start Qt on `platform` in a child process: (worked, what it said)."""
    env = dict(os.environ, QT_QPA_PLATFORM=platform)
    try:
        done = subprocess.run(_qt_command(platform), capture_output=True, text=True, env=env, timeout=120)
    except subprocess.TimeoutExpired:
        return False, f"{platform}: no answer in 120 s"
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        reason = next((line.strip() for line in done.stderr.splitlines() if "plugin" in line.lower()), "")
        return False, f"{platform}: Qt cannot start ({reason or f'exit {done.returncode}'})"
    return True, lines[-1]


def _check_qt() -> str:
    """Whether the desktop app's toolkit starts here, offscreen and on this session's display."""
    ok, said = _probe_platform("offscreen")
    if not ok:
        raise RuntimeError(said)
    info = json.loads(said)
    missing = [p for p in QT_PLATFORMS if p not in info["platforms"]]
    if frozen() and missing:
        raise RuntimeError(f"platform plugins missing from the bundle: {', '.join(missing)}")
    if "svg" not in info["image_formats"]:
        raise RuntimeError("Qt's SVG image format plugin is missing: icons would not draw")
    shown = ["offscreen"]
    display = "wayland" if os.environ.get("WAYLAND_DISPLAY") else "xcb" if os.environ.get("DISPLAY") else None
    if display:
        ok, said = _probe_platform(display)
        if not ok:
            raise RuntimeError(said)
        shown.append(f"{display} on this display")
    return f"Qt {info['version']}: {', '.join(shown)} work; plugins {', '.join(sorted(info['platforms']))}"


def qt_probe(platform: str) -> int:
    """The child process of the Qt check: start a QApplication and print what Qt offers as JSON.
    Qt is looked up by name: only radshare.gui imports Qt, and this module must load without it."""
    import importlib

    qt_core = importlib.import_module("PySide6.QtCore")
    qt_gui = importlib.import_module("PySide6.QtGui")
    qt_widgets = importlib.import_module("PySide6.QtWidgets")
    app = qt_widgets.QApplication([sys.argv[0], "-platform", platform])
    plugins = Path(qt_core.QLibraryInfo.path(qt_core.QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    platforms = sorted(
        name.removeprefix("libq").split(".")[0] for name in os.listdir(plugins) if name.startswith("libq")
    ) if plugins.is_dir() else []
    formats = sorted(bytes(f.data()).decode() for f in qt_gui.QImageReader.supportedImageFormats())
    print(json.dumps({"version": qt_core.qVersion(), "platform": app.platformName(), "platforms": platforms, "image_formats": formats}))
    return 0


# PySide6 releases that break the desktop app, with why. 6.12.0's Signal.emit() returns True
# without a reference of its own: every emit from Python takes one from True, and the app aborts
# on quit after real work ("bool_dealloc: deallocating True or False"). pyproject excludes them.
BROKEN_PYSIDE = {
    "6.12.0": "its Signal.emit() loses a reference to True on every call and the app aborts on quit",
}


class BrokenInstall(RuntimeError):
    """A part that is installed but known to crash: the installation is not usable as it is."""


def _check_qt_release() -> str:
    """Whether the installed Qt binding is a release known to crash the app (checked in this
    process: the probe counts references). Looked up by name: only radshare.gui imports Qt."""
    import importlib

    try:
        qt_core = importlib.import_module("PySide6.QtCore")
        importlib.import_module("PySide6.QtWidgets")
        pyside = importlib.import_module("PySide6")
    except ImportError as exc:
        raise RuntimeError(f"the desktop app's Qt libraries cannot load ({exc})") from None
    version = str(pyside.__version__)
    problem = BROKEN_PYSIDE.get(version)
    if problem is None and lost_true_refs(_signal_emitter(qt_core)):
        problem = "its Signal.emit() loses a reference to True on every call and the app would abort on quit"
    if problem:
        raise BrokenInstall(f"PySide6 {version} is installed: {problem}; "
                            "install another release: pip install 'PySide6-Essentials>=6.6,!=6.12.0'")
    return f"Qt {qt_core.qVersion()} (PySide6 {version})"


def _signal_emitter(qt_core) -> Callable[[], object]:
    class Probe(qt_core.QObject):
        ping = qt_core.Signal()

    probe = Probe()
    return lambda: probe.ping.emit()  # the closure keeps the QObject alive


def lost_true_refs(call: Callable[[], object], times: int = 64) -> int:
    """How many references to True `times` calls of `call` took without owning them. What was
    lost is given back, so that the probe itself cannot crash this process at exit."""
    import ctypes

    call()  # a first call may create caches that hold True
    before = sys.getrefcount(True)
    for _ in range(times):
        call()
    lost = max(0, before - sys.getrefcount(True))
    for _ in range(lost):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost


def _check_keyring() -> str:
    from radshare.uploaders.accounts import keyring_status

    status = keyring_status()
    why = f"; Secret Service: {_secret_service_state()}" if sys.platform.startswith("linux") else ""
    if not status.usable:
        raise Warning(f"no keyring here: accounts cannot be saved ({status.backend}{why})")
    if not status.secure:
        raise Warning(f"{status.backend}: not the system's secure store, accounts' secrets would be kept in a file{why}")
    return f"{status.backend} (secure)"


def _secret_service_state() -> str:
    """Whether keyring's Secret Service backend (D-Bus through jeepney) could serve, or why not."""
    try:
        from keyring.backends import SecretService

        SecretService.Keyring.priority  # noqa: B018 - raises with the reason when unusable
    except Exception as exc:  # noqa: BLE001
        return str(exc) or type(exc).__name__
    return "available"


def _check_uploaders() -> str:
    from radshare.uploaders.registry import BUILTINS, GROUP, load_registry

    registry = load_registry()
    broken = [f"{p.name}: {p.reason}" for p in registry.problems]
    missing = sorted(set(BUILTINS) - set(registry.ids()))
    if missing or broken:
        raise RuntimeError("; ".join([*(f"built-in {m} not loaded" for m in missing), *broken]))
    from importlib.metadata import entry_points

    plugins = len(entry_points(group=GROUP))
    return f"{', '.join(registry.ids())} ({plugins} registered through entry points)"


def _check_certificates() -> str:
    import certifi

    path = certifi.where()
    if not Path(path).is_file():
        raise RuntimeError("the CA certificate bundle is missing: uploads over HTTPS would fail")
    if not _inside_bundle(path):
        raise RuntimeError(f"the CA certificate bundle comes from outside the bundle ({path})")
    return "certifi CA bundle present"


def _output_folder(args: argparse.Namespace) -> Path:
    """--output, or where the app exports by default: Documents/RadShare exports."""
    if getattr(args, "output", None):
        return Path(args.output).expanduser()
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "RadShare exports"


def _check_output(folder: Path) -> str:
    """Write access to `folder`, or to the nearest existing folder above it (the export creates the rest)."""
    existing = folder
    while not existing.is_dir():
        if existing.exists() or existing.parent == existing:
            raise RuntimeError(f"the output folder {folder} cannot be created")
        existing = existing.parent
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".radshare-selftest-"):
            pass
    except OSError as exc:
        raise RuntimeError(f"cannot write to the output folder {folder} ({exc.strerror or type(exc).__name__})") from None
    return f"{folder} is writable" if existing == folder else f"{folder} can be created in {existing}"


def checks(args: argparse.Namespace) -> list[tuple[str, Callable[[], str], bool]]:
    """(part, check, required): a failing required part makes RadShare unusable here."""
    return [
        ("Qt platform", _check_qt, True),
        ("Qt release", _check_qt_release, True),
        ("DICOM codecs", _check_codecs, True),
        ("De-identification", _check_deid, True),
        ("OCR", _check_ocr, True),
        ("Text detector", _check_detector, True),
        ("Face detector", _check_faces, True),
        ("ffmpeg", _check_ffmpeg, True),
        ("Keyring", _check_keyring, False),
        ("Uploaders", _check_uploaders, True),
        ("Certificates", _check_certificates, True),
        ("Output folder", lambda: _check_output(_output_folder(args)), True),
    ]


def run(args: argparse.Namespace) -> int:
    if getattr(args, "qt_probe", None):
        return qt_probe(args.qt_probe)
    started = time.perf_counter()
    failed_required = False
    parts = checks(args)
    width = max(len(name) for name, _, _ in parts)
    for name, check, required in parts:
        try:
            status, detail = "ok", check()
        except Warning as exc:  # usable, with a caveat the admin should know
            status, detail = "warn", str(exc)
        except Exception as exc:  # every failure is reported, never raised
            status, detail = "FAIL", str(exc) or exc.__class__.__name__
            failed_required |= required
        print(f"{name:<{width}}  {status:<4}  {' '.join(detail.split())}", flush=True)
    seconds = time.perf_counter() - started
    where = "standalone bundle" if frozen() else "Python installation"
    if failed_required:
        print(f"RadShare is NOT usable here ({where}, {seconds:.1f} s): see the failures above.")
        return 1
    print(f"RadShare is usable. ({where}, checked in {seconds:.1f} s)")
    return 0
