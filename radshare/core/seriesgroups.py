"""The slices of one series as one unit of work, so burned-in text is detected once per layout.

A series arrives as many files, and a batch spreads files over worker processes. To let the
text detector reuse what it found on one slice (redact.series), `series_units` groups the
single-frame DICOM inputs of each series (same Series Instance UID and size, in instance-number
order) into chunks of about SERIES_CHUNK slices; everything else stays a unit of its own. A
chunk's membership and order depend on the inputs alone (never on the worker count or on what
an earlier run left), and `process_unit` scans every slice of its chunk from the first, also on a
resumed run, so outputs are byte-identical however often a run is stopped and resumed.

Every input still ends as an output or a named error: `process_unit` returns one report per
input, and a slice that cannot be read or decoded is left out of the scan and then reported by
the ordinary per-file path.
"""

from __future__ import annotations

from pathlib import Path

from radshare.core.audit import FileReport
from radshare.core.sources import InputItem

SERIES_CHUNK = 32  # slices per unit: two full detections per unit, and enough units to keep every worker busy
_TAGS = ("SeriesInstanceUID", "InstanceNumber", "Rows", "Columns", "NumberOfFrames")


def _series_key(item: InputItem):
    """(series key, instance number) from the header, or None when the file is not a one-frame DICOM image on disk."""
    if item.member is not None:
        return None
    import pydicom

    try:
        meta = pydicom.filereader.read_file_meta_info(item.path)
        if str(meta.get("TransferSyntaxUID", "")) == pydicom.uid.DeflatedExplicitVRLittleEndian:
            return None  # inflating it here would bypass the per-file decompression budget
        ds = pydicom.dcmread(item.path, stop_before_pixels=True, specific_tags=list(_TAGS))
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        key = (str(ds.SeriesInstanceUID), int(ds.Rows), int(ds.Columns))
        number = int(ds.get("InstanceNumber", 0) or 0)
    except Exception:  # not DICOM, damaged, no series: processed on its own, which reports why
        return None
    return (key, number) if frames == 1 and key[0] else None


def series_units(items: list[InputItem], settings) -> list[list[InputItem]]:
    """Units of work: chunks of the slices of each series, every other input alone."""
    if settings.text_redaction == "off" or not settings.series:
        return [[item] for item in items]
    units: list[list[InputItem]] = []
    series: dict[tuple, list[tuple[int, str, InputItem]]] = {}
    for item in items:
        found = _series_key(item)
        if found is None:
            units.append([item])
            continue
        key, number = found
        if key not in series:
            series[key] = []
            units.append(series[key])  # placeholder, filled below, keeps first-seen order
        series[key].append((number, item.display, item))
    out: list[list[InputItem]] = []
    for unit in units:
        if unit and isinstance(unit[0], InputItem):
            out.append(unit)
            continue
        ordered = [item for _, _, item in sorted(unit, key=lambda entry: entry[:2])]
        chunks = max(1, -(-len(ordered) // SERIES_CHUNK))
        size = -(-len(ordered) // chunks)
        out += [ordered[i : i + size] for i in range(0, len(ordered), size)]
    return out


def process_unit(items: list[InputItem], out_dir: Path, settings) -> list[FileReport]:
    """Reports for every input of a unit, in order; a series chunk is scanned for text as a whole."""
    from radshare.core.pipeline import process_item

    if len(items) == 1:
        return [process_item(items[0], out_dir, settings)]
    try:
        found = _scan(items, Path(out_dir), settings)
    except Exception:  # a fault in the shared scan must not cost the unit: every slice is then detected on its own
        found = {}
    return [process_item(item, out_dir, settings, found=found.get(index)) for index, item in enumerate(items)]


def _scan(items: list[InputItem], out_dir: Path, settings) -> dict[int, list]:
    """Text regions per input index, from one series scan over the slices that will be detected.

    Empty when every output is already complete (a resumed run has nothing to write).
    """
    from radshare.core.pipeline import _complete_dicom, dicom_output_path, has_pixels
    from radshare.core.redact.apply import decode_frames
    from radshare.core.redact.detect import DetectContext
    from radshare.core.redact.search import Slice, search_series
    from radshare.core.sources import read_dicom

    slices: list[tuple[int, Slice]] = []  # (input index, the slice with its data set, for every view)
    pending = False
    for index, item in enumerate(items):
        try:
            ds = read_dicom(item.read_bytes(), item.display)
            if not has_pixels(ds):
                continue
            pending |= not _complete_dicom(out_dir / dicom_output_path(ds, settings), settings, ds)
            frames, _ = decode_frames(ds)
        except Exception:  # reported by the per-file path, which meets the same problem
            continue
        if frames.shape[0] == 1:
            slices.append((index, Slice(frames[0], ds, DetectContext.from_dataset(ds))))
    if not pending or not slices:
        return {}
    scan = search_series([one for _, one in slices], settings.text_redaction)
    return {index: regions for (index, _), regions in zip(slices, scan)}
