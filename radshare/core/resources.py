"""Finds the files in `resources/` whether RadShare runs from a checkout, a wheel or a frozen bundle.

In the standalone bundle (radshare.spec) `resources/` sits in the bundle's own folder,
`sys._MEIPASS`; the other candidates are relative to this module, which there lies inside that
same folder, so a bundle never reads resources from anywhere else.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = []
    if frozen:
        candidates.append(Path(frozen) / "resources")
    here = Path(__file__).resolve()
    candidates.append(here.parents[2] / "resources")  # checkout / editable install
    candidates.append(here.parents[1] / "resources")  # installed wheel with data inside the package
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("RadShare's resources folder is missing from this installation")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
