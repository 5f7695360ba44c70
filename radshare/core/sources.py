"""Find inputs (files, folders, zip archives, DICOMDIRs) and load them into the model.

DICOM is recognised by content, never by extension. Every file found becomes an `InputItem`
(or an `InputError` when it cannot even be listed), so a batch can account for each one: nothing
found is silently dropped. Originals are only ever opened for reading.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal

import numpy as np
import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.multival import MultiValue
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian

from radshare.core.audit import printable
from radshare.core.budgets import INFLATED_BYTES, OverBudget, check_inflated_size, megabytes, read_limited
from radshare.core.deid.pixelbits import expected_pixel_bytes
from radshare.core.errors import InputError
from radshare.core.model import Image, Series
from radshare.core.part10 import follow_read_encoding, read_usual
from radshare.core.peek import peek

Sniffed = Literal["dicom", "dicomdir", "photo"]

# pydicom's value validation warns and logs with the offending value quoted, and a header value
# may be a patient's name: RadShare checks what it needs itself, so those messages are switched off.
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE
logging.getLogger("pydicom").setLevel(logging.ERROR)

DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
_DICOMDIR_UID = re.compile(re.escape(DICOMDIR_SOP_CLASS.encode()) + rb"(?![0-9.])")
MAX_PIXELS_PER_FRAME = 30_000 * 30_000
SHORT_FILE = 256  # fewer bytes than the smallest image header
MAX_TOTAL_PIXEL_BYTES = 8 * 1024**3
# Magic numbers of the photo formats Pillow (with pillow-heif) reads for us.
_PHOTO_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"II*\x00",  # TIFF little endian
    b"MM\x00*",  # TIFF big endian
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
)


@dataclass(frozen=True)
class InputItem:
    """One input file: a path on disk, or a member of a zip archive at `path`.

    `index` is the member's position in the archive's directory: two members may carry the
    same name, and each is read as itself.
    """

    display: str
    path: Path
    member: str | None = None
    index: int | None = None

    def read_bytes(self) -> bytes:
        """The file's bytes; a zip member is inflated within `budgets.INFLATED_BYTES`.

        Raises `InputError` naming what is wrong with a member (damaged, encrypted, an
        unsupported compression, over the budget) and `OSError` when the file cannot be read.
        """
        if self.member is None:
            with open(self.path, "rb") as handle:  # read-only: originals are never changed
                return handle.read()
        try:
            archive = open_archive(self.path)
            info = archive.infolist()[self.index] if self.index is not None else archive.getinfo(self.member)
            if info.file_size > INFLATED_BYTES:
                raise OverBudget(
                    f"{self.display}: the zip member declares {megabytes(info.file_size)}, over the "
                    f"{megabytes(INFLATED_BYTES)} budget; nothing was written"
                )
            with archive.open(info) as stream:
                return read_limited(stream, INFLATED_BYTES, f"{self.display}: the zip member")
        except zipfile.BadZipFile as exc:
            reason = "its data fails the CRC check" if "CRC" in str(exc) else "the archive is damaged or truncated"
            raise InputError(f"{self.display}: zip member cannot be read ({reason})") from None
        except NotImplementedError:  # before RuntimeError, its base class
            raise InputError(f"{self.display}: zip member uses a compression method RadShare cannot read (e.g. deflate64); re-zip it with plain deflate") from None
        except RuntimeError:  # zipfile: "File ... is encrypted, password required"
            raise InputError(f"{self.display}: zip member is encrypted (no password is ever tried)") from None
        except (zlib.error, EOFError):
            raise InputError(f"{self.display}: zip member cannot be read (its compressed data is damaged)") from None

    @property
    def suffix(self) -> str:
        return Path(self.member or self.path.name).suffix.lower()


_ARCHIVES: dict[tuple, zipfile.ZipFile] = {}
_OPEN_ARCHIVES = 4


def open_archive(path: Path) -> zipfile.ZipFile:
    """The archive at `path`, opened once per process and kept open for its next member.

    Opening reads the whole central directory: per member, an archive of 8,000 entries took
    263 s. Keyed by process too (a worker forked from a process holding one open must not share
    its file offset), and by size and time of change (an archive rewritten since is read afresh).
    """
    info = os.stat(path)
    key = (os.getpid(), str(path), info.st_size, info.st_mtime_ns)
    archive = _ARCHIVES.get(key)
    if archive is None:
        while len(_ARCHIVES) >= _OPEN_ARCHIVES:
            _ARCHIVES.pop(next(iter(_ARCHIVES))).close()
        archive = _ARCHIVES[key] = zipfile.ZipFile(path)
    return archive


def sniff(data: bytes) -> Sniffed | None:
    """What the bytes are, judged by content alone."""
    if len(data) >= 132 and data[128:132] == b"DICM":
        return "dicomdir" if _is_dicomdir(data) else "dicom"
    if _looks_like_raw_dataset(data):
        return "dicom"
    if data.startswith(_PHOTO_MAGIC) or _is_webp(data) or _is_heif(data):
        return "photo"
    return None


def _is_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _is_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"avif")


def _is_dicomdir(data: bytes) -> bool:
    # The Media Storage SOP Class UID sits in the first few hundred bytes of the file meta.
    return _DICOMDIR_UID.search(data, 132, 700) is not None


def _looks_like_raw_dataset(data: bytes) -> bool:
    """A DICOM data set written without the 128-byte preamble (older or network-dumped files).

    Accepted only when it starts with a plausible group 0002/0008 element; the full parse later
    decides whether it really is one.
    """
    if len(data) < 8:
        return False
    group, element = struct.unpack("<HH", data[:4])
    if group not in (0x0002, 0x0008) or element > 0x0020:
        return False
    vr = data[4:6]
    if vr.isalpha() and vr.isupper():
        return True  # explicit VR
    (length,) = struct.unpack("<I", data[4:8])
    return 0 < length < 1024  # implicit VR with a short first value


def iter_inputs(paths: Iterable[Path | str]) -> Iterator[InputItem | InputError]:
    """Every file below `paths`, zip members included, each exactly once, in a stable order.

    Whatever cannot be an input is an `InputError` naming it and why, never dropped: a dangling
    or looping symbolic link, a FIFO, a device or socket, a path too long, an unreadable folder.
    """
    seen: set[tuple[str, str | None]] = set()
    for raw in paths:
        path = Path(raw)
        kind, problem = _classify(path)
        if problem is not None:
            yield listing_error(printable(str(raw)), problem)
            continue
        found = [(path, None)] if kind == "file" else sorted(_walk(path), key=lambda entry: str(entry[0]))
        for file, problem in found:
            if problem is not None:
                yield listing_error(printable(str(file)), problem)
            else:
                yield from _expand_file(file, seen)


def listing_error(display: str, reason: str) -> InputError:
    """An input that cannot even be listed; `display` and `reason` kept apart for the report
    (a file name may itself hold ": ")."""
    error = InputError(f"{display}: {reason}")
    error.display, error.reason = display, reason
    return error


_NOT_A_FILE = {
    stat.S_IFIFO: "a named pipe (FIFO), not a file",
    stat.S_IFCHR: "a device, not a file",
    stat.S_IFBLK: "a device, not a file",
    stat.S_IFSOCK: "a socket, not a file",
}


def _classify(path: Path) -> tuple[str, str | None]:
    """("file" | "dir" | "other", the problem when it cannot be an input)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return "other", "a dangling symbolic link (its target does not exist)"
        return "other", "no such file or folder"
    except OSError as exc:
        return "other", _os_problem(exc)
    if stat.S_ISDIR(info.st_mode):
        return "dir", None
    if stat.S_ISREG(info.st_mode):
        return "file", None
    return "other", _NOT_A_FILE.get(stat.S_IFMT(info.st_mode), "not a regular file")


def _os_problem(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop"
    if exc.errno == errno.ENAMETOOLONG:
        return "path too long for this system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or exc.__class__.__name__


def _walk(folder: Path, ancestors: frozenset[tuple[int, int]] = frozenset()) -> Iterator[tuple[Path, str | None]]:
    """(file, None) for every regular file below `folder`, (path, problem) for everything else.

    Symbolic links to folders are followed, unless they lead back to a folder above them (a loop).
    """
    try:
        info = os.stat(folder)
        here = ancestors | {(info.st_dev, info.st_ino)}
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        yield folder, f"folder cannot be read ({_os_problem(exc)})"
        return
    for entry in entries:
        path = Path(entry.path)
        kind, problem = _classify(path)
        if problem is not None:
            yield path, problem
        elif kind == "file":
            yield path, None
        else:
            target = os.stat(path)
            if (target.st_dev, target.st_ino) in here:
                yield path, "a symbolic link loop (it leads back to a folder above it)"
            else:
                yield from _walk(path, here)


def _expand_file(file: Path, seen: set[tuple[str, str | None]]) -> Iterator[InputItem | InputError]:
    key = (os.path.realpath(file), None)
    if key in seen:
        return
    seen.add(key)
    if _is_zip(file):
        try:
            with zipfile.ZipFile(file) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            reason = _os_problem(exc) if isinstance(exc, OSError) else "damaged or truncated"
            yield listing_error(printable(str(file)), f"cannot read the zip archive ({reason})")
            return
        members = sorted((info.filename, index) for index, info in enumerate(infos) if not info.is_dir())
        names: dict[str, int] = {}
        for member, index in members:
            names[member] = names.get(member, 0) + 1
            copy = f" #{names[member]}" if names[member] > 1 else ""  # a second member of the same name
            yield InputItem(display=printable(f"{file}!{member}{copy}"), path=file, member=member, index=index)
        return
    yield InputItem(display=printable(str(file)), path=file)


ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive


def _is_zip(file: Path) -> bool:
    """A zip archive by its first bytes; one with a stub before them (self-extracting) counts
    only when named .zip. Asking zipfile of every input read each file to its end a second time,
    before any worker started. Office documents are zips too, but never images."""
    if file.suffix.lower() in (".docx", ".xlsx", ".pptx"):
        return False
    try:
        with open(file, "rb") as handle:
            start = handle.read(4)
    except OSError:
        return False  # the worker reports the read error, naming the file
    return start in ZIP_STARTS or (file.suffix.lower() == ".zip" and zipfile.is_zipfile(file))


def dicomdir_references(item: InputItem, data: bytes) -> list[Path]:
    """Files a DICOMDIR on disk points at (the index itself is never copied: it carries names)."""
    import pydicom

    ds = pydicom.dcmread(io.BytesIO(data), force=True)
    base = item.path.parent
    found = []
    for record in getattr(ds, "DirectoryRecordSequence", []):
        file_id = record.get("ReferencedFileID")
        if file_id is None:
            continue
        parts = [file_id] if isinstance(file_id, str) else list(file_id)
        found.append(base.joinpath(*parts))
    return found


# ---------------------------------------------------------------------------------------------
# Loading into the model (decoded pixels), for the GUI, case sets and sharing.


def read_dicom(data: bytes, display: str):
    """Parse DICOM bytes, with a clear error for the usual ways files are broken."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    if not data:
        raise InputError(f"{display}: empty file (0 bytes)")
    try:
        ds = read_usual(data, display)  # a deflated data set is inflated once, within its budget
        if ds is None:
            check_deflated_size(data, display)
            ds = pydicom.dcmread(io.BytesIO(data), force=sniff(data) == "dicom")
        if getattr(ds, "file_meta", None) is not None:
            follow_read_encoding(ds, _read_implicit(ds))
    except OverBudget:
        raise
    except InvalidDicomError:
        raise InputError(f"{display}: not a DICOM file") from None
    except (EOFError, struct.error):
        raise InputError(f"{display}: truncated DICOM file (ends inside an element)") from None
    except Exception:  # pydicom raises many kinds on malformed headers; their texts may quote values
        if len(data) < SHORT_FILE:
            raise InputError(f"{display}: a {len(data)}-byte file: too short to hold a DICOM header and an image") from None
        raise InputError(f"{display}: the DICOM header cannot be parsed ({len(data)} bytes; its element structure is damaged)") from None
    check_dataset(ds, display)
    return ds


def _read_implicit(ds) -> bool | None:
    """True when the elements were read without VRs (Implicit VR), whatever the meta says."""
    for raw in ds._dict.values():  # noqa: SLF001 - the elements as read, before conversion
        if isinstance(raw, RawDataElement):
            return raw.VR is None
    return ds.original_encoding[0]


def check_deflated_size(data: bytes, display: str) -> None:
    """A Deflated Explicit VR data set is inflated by the reader in one piece: count what it
    inflates to first, in chunks, and refuse it over `budgets.INFLATED_BYTES`."""
    if DeflatedExplicitVRLittleEndian.encode() not in data[:2048]:
        return
    import pydicom.filereader

    stream = io.BytesIO(data)
    try:
        pydicom.filereader.read_preamble(stream, force=True)
        meta = pydicom.filereader._read_file_meta_info(stream)  # noqa: SLF001 - where the data set starts
    except Exception:
        return  # the full read names what is wrong with the file meta
    if str(meta.get("TransferSyntaxUID", "")) == DeflatedExplicitVRLittleEndian:
        check_inflated_size(memoryview(data)[stream.tell():], INFLATED_BYTES, f"{display}: the deflated data set")


def check_dataset(ds, display: str) -> None:
    """Reject what no viewer should trust: missing identity, absurd sizes, short pixel data."""
    try:
        elements = list(ds.keys())
    except Exception:
        raise InputError(f"{display}: unreadable DICOM header") from None
    if not elements:
        if getattr(ds, "file_meta", None):
            raise InputError(f"{display}: truncated DICOM file (nothing after the file meta)")
        raise InputError(f"{display}: not a DICOM file (no data elements)")
    try:
        sop_class = peek(ds, "SOPClassUID") or ds.file_meta.get("MediaStorageSOPClassUID")
    except Exception:
        raise InputError(f"{display}: unreadable DICOM header (bad SOP Class UID)") from None
    if not sop_class:
        raise InputError(f"{display}: not a DICOM image (no SOP Class UID)")
    if _short_element(ds):
        raise InputError(f"{display}: truncated DICOM file (an element's length runs past the end of the file)")
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        if "Rows" in ds or "BitsAllocated" in ds or "Image Storage" in UID(str(sop_class)).name:
            raise InputError(f"{display}: no pixel data: the header describes an image but holds no Pixel Data element")
        return
    try:
        rows = int(peek(ds, "Rows"))
        cols = int(peek(ds, "Columns"))
        frames = int(peek(ds, "NumberOfFrames", 1) or 1)
        samples = int(peek(ds, "SamplesPerPixel", 1) or 1)
        bits = int(peek(ds, "BitsAllocated"))
        photometric = str(peek(ds, "PhotometricInterpretation", ""))
    except Exception:
        raise InputError(f"{display}: image size attributes missing or unreadable") from None
    if rows <= 0 or cols <= 0 or frames <= 0 or rows * cols > MAX_PIXELS_PER_FRAME or samples not in (1, 3, 4):
        raise InputError(f"{display}: absurd image dimensions ({rows}×{cols}, {frames} frames)")
    if bits not in (1, 8, 16, 32, 64):
        raise InputError(f"{display}: unsupported Bits Allocated ({bits})")
    expected = expected_pixel_bytes(rows, cols, frames, samples, bits, photometric)
    if expected > MAX_TOTAL_PIXEL_BYTES:
        raise InputError(f"{display}: absurd image dimensions ({rows}×{cols}, {frames} frames)")
    syntax = UID(str(getattr(ds, "file_meta", {}).get("TransferSyntaxUID", ImplicitVRLittleEndian)))
    if not syntax.is_transfer_syntax:
        known = f" ({syntax.name})" if syntax.name != str(syntax) else ""
        raise InputError(f"{display}: unsupported transfer syntax {syntax}{known}")
    if "PixelData" in ds and not syntax.is_compressed:
        try:
            held = len(peek(ds, "PixelData"))
        except Exception:
            raise InputError(f"{display}: truncated DICOM file (pixel data cannot be read)") from None
        if held < expected:
            raise InputError(f"{display}: truncated pixel data ({held} of {expected} bytes)")


def _short_element(ds) -> bool:
    """True when a top-level element holds fewer bytes than its declared length says.

    pydicom reads a value that runs past the end of the file as far as the file goes, without
    complaint; the still-raw element keeps the declared length, which tells the damage.
    """
    for raw in ds._dict.values():
        length = getattr(raw, "length", None)
        value = getattr(raw, "value", None)
        if isinstance(length, int) and length != 0xFFFFFFFF and isinstance(value, bytes) and len(value) < length:
            return True
    return False


def decode_frames(ds, display: str) -> np.ndarray:
    """All frames as (n, rows, cols[, 3]); YBR becomes RGB. Clear error on unsupported codecs."""
    try:
        array = ds.pixel_array
    except NotImplementedError as exc:
        syntax = ds.file_meta.get("TransferSyntaxUID")
        name = getattr(syntax, "name", str(syntax))
        raise InputError(f"{display}: unsupported compression ({name})") from None
    except Exception as exc:
        raise InputError(f"{display}: pixel data cannot be decoded ({exc.__class__.__name__})") from None
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    if frames == 1:
        array = array[np.newaxis, ...]
    if samples == 1 and array.ndim != 3 or samples == 3 and array.ndim != 4:
        raise InputError(f"{display}: pixel data does not match its declared shape")
    return array


def _first(value):
    """The first of a multi-valued element (Window Center may hold several windows)."""
    if isinstance(value, (MultiValue, list, tuple)):
        return value[0]
    return value


def image_from_dataset(ds, display: str) -> Image:
    frames = decode_frames(ds, display)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    if frames.ndim == 4:
        photometric = "RGB"  # pydicom converts YBR to RGB when decoding
    spacing = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")
    window = None
    if "WindowCenter" in ds and "WindowWidth" in ds:
        try:
            window = (float(_first(ds.WindowCenter)), float(_first(ds.WindowWidth)))
        except (TypeError, ValueError, IndexError):
            window = None
    try:
        instance = int(ds.get("InstanceNumber", 0) or 0)
    except (TypeError, ValueError):
        instance = 0
    return Image(
        origin=display,
        kind="dicom",
        frames=frames,
        photometric=photometric,
        dataset=ds,
        modality=str(ds.get("Modality", "")),
        pixel_spacing=(float(spacing[0]), float(spacing[1])) if spacing else None,
        rescale=(float(ds.get("RescaleSlope", 1) or 1), float(ds.get("RescaleIntercept", 0) or 0)),
        window=window,
        series_key=str(ds.get("SeriesInstanceUID", "")) or str(Path(display).parent),
        instance_number=instance,
    )


def load_image(item: InputItem | Path | str) -> Image:
    """Decode one input (DICOM or photo) into an `Image`; `InputError` names file and reason."""
    if not isinstance(item, InputItem):
        item = InputItem(display=str(item), path=Path(item))
    try:
        data = item.read_bytes()
    except OSError as exc:
        raise InputError(f"{item.display}: cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    kind = sniff(data)
    if not data:
        raise InputError(f"{item.display}: empty file (0 bytes)")
    if kind == "dicom":
        return image_from_dataset(read_dicom(data, item.display), item.display)
    if kind == "dicomdir":
        raise InputError(f"{item.display}: a DICOMDIR index; open its folder instead")
    if kind == "photo":
        from radshare.core.deid.photo import clean_photo, describe_photo_metadata

        rgb, _ = clean_photo(data, display=item.display)
        return Image(
            origin=item.display,
            kind="photo",
            frames=rgb[np.newaxis, ...],
            photometric="RGB",
            series_key=str(Path(item.display).parent),
            photo_metadata=describe_photo_metadata(data),
        )
    raise InputError(f"{item.display}: not a DICOM file or a supported image")


def load_paths(
    paths: Iterable[Path | str],
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Iterator[Image | InputError]:
    """Load everything below `paths`, yielding images and errors as they come.

    A case folder's notes file (case.md...) is not an image and not an error: case sets read it.
    """
    from radshare.core.notes import NOTE_FILES

    items: list[InputItem | InputError] = []
    for entry in iter_inputs(paths):
        if isinstance(entry, InputItem) and entry.member is None and entry.path.name.upper() == "DICOMDIR":
            continue  # the files it indexes lie in the same tree and are loaded themselves
        if isinstance(entry, InputItem) and entry.member is None and entry.path.name.lower() in NOTE_FILES:
            continue
        items.append(entry)
    for done, entry in enumerate(items, start=1):
        if cancel is not None and cancel():
            return
        if isinstance(entry, InputError):
            yield entry
        else:
            try:
                yield load_image(entry)
            except InputError as exc:
                yield exc
        if progress is not None:
            progress(done, len(items))


def group_series(images: list[Image]) -> list[Series]:
    """Images grouped by series, each series ordered by instance number."""
    grouped: dict[str, Series] = {}
    for image in images:
        key = image.series_key or image.origin
        if key not in grouped:
            ds = image.dataset
            description = str(ds.get("SeriesDescription", "")) if ds is not None else "Photos"
            grouped[key] = Series(key=key, description=description, modality=image.modality or image.kind)
        grouped[key].images.append(image)
    for series in grouped.values():
        series.images.sort(key=lambda im: (im.instance_number, im.origin))
    return list(grouped.values())

