"""Several inputs that are the same DICOM instance make one output: chosen by what they are.

The output path comes from the instance's identity, so copies of one instance (the same image
sent uncompressed and as JPEG, say) all write the same file, and whichever worker finished last
used to win: re-runs differed, and the report could name the wrong source. Here the copy kept
is the lossless one (never lossy-compressed, then uncompressed before compressed), then the
first in input path order; its output is written again from it, and the report names it and
the inputs merged into it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

from pydicom.uid import (
    JPEG2000,
    JPEG2000MC,
    UID,
    HTJ2K,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLSNearLossless,
)

from radshare.core.audit import FileReport

LOSSY_SYNTAXES = frozenset({JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLSNearLossless, JPEG2000, JPEG2000MC, HTJ2K})


def preference(data: bytes) -> tuple[int, int]:
    """(lossy, compressed) of one copy: the smaller sorts first."""
    import pydicom

    try:
        ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, force=True)
        syntax = UID(str(ds.file_meta.get("TransferSyntaxUID", "")))
        lossy = str(ds.get("LossyImageCompression", "")).strip() == "01" or syntax in LOSSY_SYNTAXES
        return int(lossy), int(syntax.is_transfer_syntax and syntax.is_compressed)
    except Exception:
        return 2, 2  # it was processed once, so it is readable; should it not be now, it goes last


def settle_duplicates(files: list[FileReport], items: dict, rerun: Callable[[object], FileReport]) -> None:
    """Rewrite each shared output from its preferred input and mark the others as merged.

    `items` maps a report's input to its `InputItem`; `rerun(item)` processes one item again.
    Entries in `files` are replaced in place.
    """
    groups: dict[str, list[int]] = {}
    for position, entry in enumerate(files):
        if entry.status == "ok":
            for output in entry.outputs:
                groups.setdefault(output, []).append(position)
    for output, positions in groups.items():
        if len(positions) < 2:
            continue
        if files[positions[0]].kind != "dicom":  # a photo's name is the hash of its bytes: the copies are one file
            ranked = sorted(positions, key=lambda p: files[p].input)
            chosen = files[ranked[0]]
        else:
            ranked = sorted(positions, key=lambda p: (preference(items[files[p].input].read_bytes()), files[p].input))
            Path(output).unlink(missing_ok=True)  # written by whichever copy finished last
            for attempt, position in enumerate(ranked):  # should the preferred copy fail now, the next one
                chosen = rerun(items[files[position].input])
                if chosen.status == "ok" or attempt == len(ranked) - 1:
                    ranked = [position] + [p for p in ranked if p != position]
                    break
                files[position] = chosen
        first = ranked[0]
        others = [p for p in ranked[1:] if files[p].status == "ok"]  # a copy that failed again keeps its error
        if chosen.status == "ok":
            chosen.merged = [files[p].input for p in others]
        files[first] = chosen
        for p in others:
            files[p].status = "skipped"
            files[p].error = f"same instance as {chosen.input}: one output written, from that input"
            files[p].outputs = []
