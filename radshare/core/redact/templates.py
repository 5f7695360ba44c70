"""Device templates: fixed regions to paint for known scanners, kept as data in resources/templates.

Why: some devices burn the patient's name into the same place on every image, sometimes in a
font or contrast a detector misses; a template makes that certain. Ultrasound keeps its header
text outside the Sequence of Ultrasound Regions, so for US everything outside those regions is
painted (a rule in the same data file).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from radshare.core.model import TextRegion
from radshare.core.resources import resource_path

TEMPLATE_FILE = ("templates", "devices.toml")


@dataclass(frozen=True)
class DeviceTemplate:
    manufacturer: str
    model: str = ""
    rows: int = 0
    columns: int = 0
    regions: tuple[tuple[int, int, int, int], ...] = ()

    def matches(self, manufacturer: str, model: str, rows: int, columns: int) -> bool:
        if not self.manufacturer or self.manufacturer.lower() not in manufacturer.lower():
            return False
        if self.model and self.model.lower() not in model.lower():
            return False
        return (self.rows in (0, rows)) and (self.columns in (0, columns))


@dataclass(frozen=True)
class TemplateSet:
    devices: tuple[DeviceTemplate, ...] = ()
    outside_us_modalities: frozenset[str] = field(default_factory=frozenset)


@lru_cache(maxsize=4)
def load_templates(path: Path | None = None) -> TemplateSet:
    """Read the template file once per process."""
    path = path or resource_path(*TEMPLATE_FILE)
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    devices = tuple(
        DeviceTemplate(
            manufacturer=str(row.get("manufacturer", "")),
            model=str(row.get("model", "")),
            rows=int(row.get("rows", 0)),
            columns=int(row.get("columns", 0)),
            regions=tuple(tuple(int(v) for v in r) for r in row.get("regions", [])),
        )
        for row in data.get("device", [])
    )
    outside = frozenset(
        str(rule["modality"]).upper() for rule in data.get("rule", []) if rule.get("outside_ultrasound_regions")
    )
    return TemplateSet(devices, outside)


def outside_regions(
    boxes: list[tuple[int, int, int, int]], rows: int, columns: int
) -> list[tuple[int, int, int, int]]:
    """Up to four (x, y, w, h) bands covering everything outside the bounding box of `boxes`.

    `boxes` are (x0, y0, x1, y1) with x1/y1 exclusive, as in Sequence of Ultrasound Regions.
    The bounding box of all regions is kept, not each region, so the scale bars between two
    side-by-side regions are kept too only if inside that box (they are then left to the detector).
    """
    x0 = max(0, min(b[0] for b in boxes))
    y0 = max(0, min(b[1] for b in boxes))
    x1 = min(columns, max(b[2] for b in boxes))
    y1 = min(rows, max(b[3] for b in boxes))
    if x1 <= x0 or y1 <= y0:
        return [(0, 0, columns, rows)]
    bands = [
        (0, 0, columns, y0),
        (0, y1, columns, rows - y1),
        (0, y0, x0, y1 - y0),
        (x1, y0, columns - x1, y1 - y0),
    ]
    return [b for b in bands if b[2] > 0 and b[3] > 0]


def template_regions(context, rows: int, columns: int) -> list[TextRegion]:
    """Regions every frame must lose, from device templates and the ultrasound rule."""
    if context is None:
        return []
    templates = load_templates()
    found: list[TextRegion] = []
    for device in templates.devices:
        if device.matches(context.manufacturer, context.model, rows, columns):
            for x, y, w, h in device.regions:
                x, y = max(0, x), max(0, y)
                w, h = min(w, columns - x), min(h, rows - y)
                if w > 0 and h > 0:
                    found.append(TextRegion(x, y, w, h, frame=None, source="template"))
    if context.modality.upper() in templates.outside_us_modalities and context.ultrasound_regions:
        for x, y, w, h in outside_regions(context.ultrasound_regions, rows, columns):
            found.append(TextRegion(x, y, w, h, frame=None, source="ultrasound"))
    return found
