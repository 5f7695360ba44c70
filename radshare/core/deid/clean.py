"""core/deid's one entry point: clean a DICOM data set, or say what cleaning it would do.

    clean_dataset(ds, profile, pseudo) -> Cleaned        in place, for the output
    describe_dataset(ds, profile, pseudo) -> [PlannedAction]   the what-if; `ds` is not changed

Cleaning is a list of cleaners run in order (CLEANERS), each a small function of its own module
that both acts and, through the same function, describes: the header (header.py: the PS3.15
profile, every element at every depth), then what the header rules cannot see: metadata inside
compressed frames (codestream.py; RLE frames that hold more than their runs, via rlestream.py),
bytes after the last frame and bits above High Bit (pixelbits.py), and bulk values beyond what
their description says (bulkdata.py). As in dicognito, where each element handler can
`describe_actions()`, the what-if lists every cleaner; it runs the same functions on a copy, so
the preview cannot disagree with what is written.

Burned-in text is not cleaned here: redaction paints the pixels before (core/redact), and the
pipeline records it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from pydicom.dataset import Dataset

from radshare.core.deid import bulkdata, codestream, pixelbits
from radshare.core.deid.header import PlannedAction, deidentify_dataset, describe
from radshare.core.deid.profile import Profile
from radshare.core.deid.pseudonyms import Pseudonymizer
from radshare.core.errors import InputError
from radshare.core.model import Identifiers
from radshare.core.peek import peek


@dataclass
class Cleaned:
    """What cleaning did, as counts only (safe for reports and logs)."""

    actions: dict[str, int]  # exactly "removed", "replaced", "emptied", "uids"
    identifiers: Identifiers  # read from the original header: never write these anywhere
    options_applied: list[str] = field(default_factory=list)
    steps: dict[str, int] = field(default_factory=dict)  # cleaner name -> pieces it removed


@dataclass(frozen=True)
class Cleaner:
    """One step after the header: `run(ds, identifiers)` cleans in place and returns how many
    pieces went; `applies(profile)` says whether the profile asks for it."""

    name: str
    element: str  # where it acts, for the what-if: "(7FE0,0010) PixelData"
    what: str  # one line for the what-if: what it looks for
    run: Callable[[Dataset, Identifiers], int]
    applies: Callable[[Profile], bool] = lambda profile: True


def _pixel_bits(ds: Dataset, identifiers: Identifiers) -> int:
    return pixelbits.clear_unused_bits(ds) + pixelbits.clear_unused_compressed_bits(ds)


CLEANERS: tuple[Cleaner, ...] = (
    Cleaner("codestream", "(7FE0,0010) PixelData",
            "comments, EXIF/XMP and vendor segments inside compressed frames; RLE bytes beyond the runs",
            lambda ds, identifiers: codestream.strip_codestream_metadata(ds)),
    Cleaner("frames", "(7FE0,0010) PixelData", "bytes after the last frame of native pixel data",
            lambda ds, identifiers: pixelbits.trim_to_frames(ds)),
    Cleaner("bulk data", "(0028,xxxx) LUT data, ICC profile, offset tables",
            "LUT entries past their descriptor, ICC profile text naming the patient, stale offset tables",
            bulkdata.clean_bulk_values),
    Cleaner("pixel bits", "(7FE0,0010) PixelData", "bits above High Bit (overlays embedded in the pixels)",
            _pixel_bits, applies=lambda profile: not profile.options.clean_graphics),  # overlays go, embedded ones too
)


def clean_dataset(ds: Dataset, profile: Profile, pseudo: Pseudonymizer) -> Cleaned:
    """De-identify `ds` in place: the header, then every cleaner that applies, in order.

    Raises InputError when pixel data cannot be checked (a frame that does not parse, RLE that
    does not decode): the caller then writes nothing.
    """
    header = deidentify_dataset(ds, profile, pseudo)
    actions = dict(header.actions)
    steps = {}
    for cleaner in CLEANERS:
        if cleaner.applies(profile):
            steps[cleaner.name] = cleaner.run(ds, header.identifiers)
            actions["removed"] += steps[cleaner.name]
    return Cleaned(actions=actions, identifiers=header.identifiers, options_applied=header.options_applied, steps=steps)


def describe_dataset(ds: Dataset, profile: Profile, pseudo: Pseudonymizer) -> list[PlannedAction]:
    """What `clean_dataset` would do: the header element by element, then one line per cleaner
    that applies (what it looks for, and how many pieces it would remove). `ds` is not changed.

    A cleaner that would refuse the file (InputError) is listed with its reason: nothing would
    be written."""
    plan = describe(ds, profile, pseudo)
    work = copy.deepcopy(ds)  # values are shared until changed: pixel bytes are not copied
    header = deidentify_dataset(work, profile, pseudo)
    for cleaner in CLEANERS:
        if cleaner.applies(profile):
            plan.append(_described(cleaner, work, header.identifiers))
    return plan


def _described(cleaner: Cleaner, work: Dataset, identifiers: Identifiers) -> PlannedAction:
    """Run `cleaner` on the working copy and say what it did (re-encoded frames count as cleaned)."""
    keyword = cleaner.element.split(" ", 1)[1]
    before = peek(work, "PixelData")
    try:
        removed = cleaner.run(work, identifiers)
    except InputError as exc:
        return PlannedAction(cleaner.element, keyword, "", "removed", "",
                             f"{cleaner.name}: {exc}")
    if removed:
        action, result = "cleaned", f"{removed} removed"
    elif peek(work, "PixelData") != before:
        action, result = "cleaned", "encoded again, the same pixel values"
    else:
        action, result = "kept", ""
    return PlannedAction(cleaner.element, keyword, "", action, result, f"{cleaner.name}: {cleaner.what}")
