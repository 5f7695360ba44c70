"""The standalone bundle, built from a clean copy of the checkout, works with nothing from the host.

Every run is in a minimal environment: `env -i` with PATH an empty folder (no venv, no python,
no tesseract), no TESSDATA_PREFIX, HOME a fresh temporary folder; whatever the bundle borrowed
from the machine would fail there. The same checks run on the bundle folder and on the .deb
unpacked with `dpkg -x` into a temporary root. The build is cached (tests/bundle/bundle_build.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.bundle import bundle_build
from tests.fixtures.leakscan import scan_tree
from tests.fixtures.xvfb import xvfb_display

pytestmark = pytest.mark.slow

TOKENS = ["DOE", "JANE", "4471093", "19700314", "14/03/1970", "Example General", "ACC-88213", "HOUSE", "ExamplePhone"]
_COMPRESSED = (".png", ".jpg", ".mp4", ".gif", ".zip")
#: Libraries the bundle takes from the host on purpose (the .deb's Depends): glibc, the graphics
#: drivers and the display servers' client libraries. What the drivers load in turn is allowed too.
HOST_LIBRARIES = re.compile(
    r"^(ld-linux.*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libmvec|libnss_.*|"
    r"libGL|libEGL|libGLX|libGLdispatch|libxcb|libwayland-client|libwayland-cursor|libwayland-egl)\.so"
)


def _required(tools: tuple[str, ...]) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        message = f"needed for this test but not installed: {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def build() -> bundle_build.Build:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("PyInstaller is not installed (pyproject's dev/bundle extras)")
        pytest.skip("PyInstaller is not installed (pip install '.[bundle]')")
    _required(("git", "dpkg-deb", "objdump"))
    return bundle_build.built()


@pytest.fixture(scope="session")
def deb_root(build, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("deb-root")
    subprocess.run(["dpkg-deb", "-x", str(build.deb), str(root)], check=True)
    return root


@pytest.fixture(params=["bundle", "deb"])
def program(request, build) -> Path:
    """The radshare program: in the built folder, or where the .deb installs it."""
    if request.param == "bundle":
        return build.bundle / "radshare"
    return request.getfixturevalue("deb_root") / "opt" / "radshare" / "radshare"


def minimal_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """`env -i` with a fresh HOME and, unless `extra` gives one, an empty PATH."""
    home = tmp_path / "home"
    empty = tmp_path / "empty-path"
    home.mkdir(exist_ok=True)
    empty.mkdir(exist_ok=True)
    env = {"PATH": str(empty), "HOME": str(home), **extra}
    assert shutil.which("tesseract", path=env["PATH"]) is None and shutil.which("python3", path=env["PATH"]) is None
    return env


def run(program: Path, args: list[str], tmp_path: Path, timeout: float = 600, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(program), *args], env=minimal_env(tmp_path, **extra), cwd=tmp_path,
                          capture_output=True, text=True, timeout=timeout)


def leaks(path: Path) -> list[tuple[str, str]]:
    """Planted tokens in names or contents (in compressed media a short token can occur by chance)."""
    return [(where, token) for where, token in scan_tree(path, TOKENS)
            if not (len(token) < 6 and where.split("!")[-1].lower().endswith(_COMPRESSED))]


def test_selftest_passes_with_nothing_from_the_host(program, tmp_path):
    result = run(program, ["selftest"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line.split("  ")[0]: line for line in result.stdout.splitlines() if "  " in line}
    for part in ("Qt platform", "DICOM codecs", "De-identification", "OCR", "Text detector", "Face detector",
                 "ffmpeg", "Uploaders", "Certificates", "Output folder"):
        assert re.search(r"\s ok \s", lines[part] + " "), lines.get(part, result.stdout)
    assert "13 transfer syntaxes decoded" in lines["DICOM codecs"]
    assert f"data in {program.parent}" in lines["OCR"]  # the bundle's own eng.traineddata
    assert "offscreen" in lines["Qt platform"] and "xcb" in lines["Qt platform"] and "wayland" in lines["Qt platform"]
    assert "bluesky, discourse, folder, mastodon, wordpress" in lines["Uploaders"]
    # No D-Bus session here: keyring says so and why, and it is not a missing module.
    assert "Secret Service" in lines["Keyring"] and "No module" not in lines["Keyring"]
    assert "standalone bundle" in result.stdout


def test_deflated_data_sets_are_written_by_isa_l(build):
    """ISA-L is imported inside functions under try: missing from the bundle, deflated outputs would
    silently fall back to zlib (17x slower on a 2k CR)."""
    assert list(build.bundle.rglob("isal_zlib*.so")), "isal is not in the bundle"


def test_deid_of_the_sample_case_leaks_nothing(program, tmp_path):
    from radshare.core.sample import write_sample_case

    write_sample_case(tmp_path / "sample")
    out, report = tmp_path / "out", tmp_path / "report.json"
    result = run(program, ["deid", str(tmp_path / "sample"), "-o", str(out), "--report", str(report), "--workers", "2"], tmp_path)
    assert result.returncode == 0, result.stderr
    files = json.loads(report.read_text())["files"]
    images = [entry for entry in files if not entry["input"].endswith("case.md")]  # notes: skipped by deid
    assert [entry["status"] for entry in images] == ["ok"] * 6
    assert sum(entry["text_regions"] for entry in files) > 0  # burned-in text found and painted
    assert len([p for p in out.rglob("*") if p.is_file()]) == 6
    assert leaks(out) == []
    import pydicom
    import pytesseract

    ultrasound = [p for p in out.rglob("*.dcm") if "-US-" in str(p.parent)]
    assert len(ultrasound) == 1
    read = pytesseract.image_to_string(pydicom.dcmread(ultrasound[0]).pixel_array).upper()
    for burned in ("DOE", "JANE", "4471093", "1970", "EXAMPLE"):
        assert burned not in read


def test_export_of_a_case_set_with_a_cine(program, tmp_path):
    from radshare.core.sample import write_sample_case

    write_sample_case(tmp_path / "cases" / "nodule", ct_slices=4)
    out = tmp_path / "out"
    result = run(program, ["export", str(tmp_path / "cases"), "-o", str(out), "--cine", "mp4", "--workers", "1"], tmp_path)
    assert result.returncode == 0, result.stderr
    clips = list(out.rglob("*.mp4"))
    assert len(clips) == 1
    import imageio_ffmpeg

    frames, _seconds = imageio_ffmpeg.count_frames_and_secs(str(clips[0]))
    assert frames == 4
    assert (out / "manifest.json").is_file() or list(out.rglob("manifest.json"))
    assert leaks(out) == []


def test_post_through_the_folder_uploader_leaks_nothing(program, tmp_path):
    from radshare.core.sample import write_sample_case

    write_sample_case(tmp_path / "sample", ct_slices=1)
    share = tmp_path / "share"
    share.mkdir()
    added = run(program, ["accounts", "add", "folder", "local", "--set", f"folder={share}", "--insecure-keyring"], tmp_path)
    assert added.returncode == 0, added.stderr
    posted = run(program, ["post", str(tmp_path / "sample" / "photos" / "jane_doe_wound.jpg"), "--account", "local",
                           "--caption", "Wound on day 3", "--alt", "A healing wound", "--confirm"], tmp_path)
    assert posted.returncode == 0, posted.stderr
    assert len(list(share.rglob("*.jpg"))) == 1
    assert leaks(share) == []


@pytest.fixture
def xvfb():
    _required(("Xvfb", "xdotool"))
    with xvfb_display() as display:
        yield display


def _host_libraries(pid: int, inside: Path) -> set[str]:
    """Shared libraries the process has mapped from outside `inside`."""
    found = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        path = line.split(maxsplit=5)[-1] if len(line.split()) >= 6 else ""
        if ".so" in Path(path).name and not path.startswith(str(inside)):
            found.add(path)
    return found


def _loaded_by(libraries: set[str]) -> set[str]:
    """Libraries that `libraries` load in turn (ldd), by resolved path."""
    result = set()
    for library in libraries:
        listing = subprocess.run(["ldd", library], capture_output=True, text=True).stdout
        result |= {os.path.realpath(m) for m in re.findall(r"=> (/\S+)", listing)}
    return result


def test_gui_window_appears_under_xvfb_with_only_declared_host_libraries(program, tmp_path, xvfb):
    env = minimal_env(tmp_path, DISPLAY=xvfb)
    app = subprocess.Popen([str(program)], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tool_env = {"PATH": os.environ["PATH"], "DISPLAY": xvfb}
    try:
        deadline, windows = time.monotonic() + 120, ""
        while time.monotonic() < deadline and not windows and app.poll() is None:
            windows = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "RadShare"], env=tool_env,
                                     capture_output=True, text=True).stdout.strip()
            time.sleep(0.2)
        assert windows, "no RadShare window appeared: " + (app.stderr.read().decode() if app.poll() is not None else "")
        mapped = _host_libraries(app.pid, program.parent)
        declared = {path for path in mapped if HOST_LIBRARIES.match(Path(path).name)}
        drivers = {path for path in mapped if "/dri/" in path or "/gbm/" in path}
        allowed = {os.path.realpath(p) for p in declared | drivers} | _loaded_by(declared | drivers)
        borrowed = sorted(path for path in mapped if os.path.realpath(path) not in allowed)
        assert borrowed == [], "host libraries the bundle should carry itself"
    finally:
        app.send_signal(signal.SIGTERM)
        try:
            app.wait(30)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait(10)


def test_bundle_links_only_the_host_libraries_the_deb_declares(build):
    inside = str(build.bundle)
    env = dict(os.environ, LD_LIBRARY_PATH=str(build.bundle / "_internal"))
    outside = set()
    for path in build.bundle.rglob("*"):
        if path.is_file() and not path.is_symlink() and (".so" in path.name or path.name == "radshare"):
            listing = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
            for name, where in re.findall(r"^\s*(\S+) => (/\S+)", listing, re.M):
                if not where.startswith(inside):
                    outside.add(name)
            assert "not found" not in listing, f"{path.relative_to(build.bundle)}: {listing}"
    assert outside and all(HOST_LIBRARIES.match(name) for name in outside), sorted(outside)


def test_deb_installs_under_opt_with_a_command_a_menu_entry_and_an_icon(build, deb_root):
    assert (deb_root / "usr" / "bin" / "radshare").is_symlink()
    assert os.readlink(deb_root / "usr" / "bin" / "radshare") == "/opt/radshare/radshare"
    desktop = (deb_root / "usr" / "share" / "applications" / "radshare.desktop").read_text()
    assert "Exec=radshare %F" in desktop and "Icon=radshare" in desktop
    assert (deb_root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps" / "radshare.svg").is_file()
    control = subprocess.run(["dpkg-deb", "-f", str(build.deb)], capture_output=True, text=True, check=True).stdout
    assert "Package: radshare" in control and re.search(r"Depends: libc6 \(>= 2\.\d+\)", control)


def test_user_install_script_installs_and_removes_without_admin_rights(build, tmp_path):
    kit = tmp_path / "kit"
    kit.mkdir()
    subprocess.run(["cp", "-al", str(build.bundle), str(kit / "radshare")], check=True)  # hard links: no copy of 700 MB
    for name, source in (("install-user.sh", "packaging/linux/install-user.sh"), ("radshare.desktop", "packaging/linux/radshare.desktop"),
                         ("radshare.svg", "resources/icons/app.svg")):
        shutil.copy2(bundle_build.REPO / source, kit / name)
    home = tmp_path / "user"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    done = subprocess.run(["sh", str(kit / "install-user.sh")], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    command = home / ".local" / "bin" / "radshare"
    version = run(command, ["--version"], tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("radshare "), version.stderr
    desktop = (home / ".local" / "share" / "applications" / "radshare.desktop").read_text()
    assert f'Exec="{home}/.local/opt/radshare/radshare" %F' in desktop
    done = subprocess.run(["sh", str(kit / "install-user.sh"), "--uninstall"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and not command.exists() and not (home / ".local" / "opt" / "radshare").exists()


def test_keyring_reaches_the_session_bus_through_the_bundles_own_d_bus_client(program, tmp_path):
    """With a D-Bus session (and no keyring daemon on it) keyring's Secret Service backend gets as
    far as asking the bus for the daemon: jeepney and secretstorage are in the bundle and work."""
    _required(("dbus-run-session", "dbus-daemon"))
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "dbus-daemon").symlink_to(shutil.which("dbus-daemon"))  # dbus-run-session starts it by name
    env = minimal_env(tmp_path, PATH=str(tools))
    done = subprocess.run([shutil.which("dbus-run-session"), "--", str(program), "selftest"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    keyring = next(line for line in done.stdout.splitlines() if line.startswith("Keyring"))
    assert "neither running nor activatable" in keyring, keyring
