"""DICOM Part 10 files, read and written quickly for the common case, exactly as pydicom would.

Reading: `read_usual` parses the preamble and file meta of the usual file itself and hands the
data set to pydicom's `read_dataset`; anything unusual is left to `dcmread`.

Writing: a de-identified header is mostly elements that were read and kept as they were, which
pydicom still holds as raw elements (bytes not yet decoded). pydicom's writer spends tens of
microseconds on each element; `part10_bytes` writes a raw element as its header plus its original
value bytes, encodes plain ASCII values itself, hands every other decoded element to pydicom's
`write_data_element`, and builds sequences itself so raw elements inside them stay cheap too.

Both give exactly what pydicom gives (tests/core/test_part10_read_matches_dcmread.py,
tests/core/test_part10_matches_pydicom.py); whenever a file needs what only pydicom does (a
change of encoding or character set, an unusual transfer syntax, incomplete file meta), the
whole file is left to pydicom.
"""

from __future__ import annotations

import io
import struct
import zlib

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filereader import data_element_generator, read_dataset
from pydicom.filewriter import write_data_element, write_dataset
from pydicom.uid import (
    HTJ2K,
    JPEG2000,
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    HTJ2KLossless,
    HTJ2KLosslessRPCL,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32

from radshare.core.budgets import INFLATED_BYTES, inflate_within

UNDEFINED = 0xFFFFFFFF
_META_GROUP_LENGTH = b"\x02\x00\x00\x00UL\x04\x00"
# Transfer syntax -> (implicit VR, little endian) of the data set: the common standard ones.
_SYNTAX_ENCODINGS = {
    ImplicitVRLittleEndian: (True, True),
    ExplicitVRLittleEndian: (False, True),
    ExplicitVRBigEndian: (False, False),
    DeflatedExplicitVRLittleEndian: (False, True),
    **{str(uid): (False, True) for uid in (
        JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLossless, JPEGLosslessSV1, JPEGLSLossless, JPEGLSNearLossless,
        JPEG2000Lossless, JPEG2000, RLELossless, HTJ2KLossless, HTJ2KLosslessRPCL, HTJ2K)},
}
_LONG_VRS = frozenset(str(vr) for vr in EXPLICIT_VR_LENGTH_32)
PIXEL_DATA = 0x7FE00010
_OWN_PIECE = 1 << 16  # raw values this large are written from the bytes they were read into
_STRING_VRS = frozenset({"AE", "AS", "CS", "DA", "DT", "LO", "LT", "SH", "ST", "TM", "UC", "UI", "UR", "UT"})
_ASCII_SAFE_CHARSETS = frozenset({"", "iso8859", "ISO_IR 6", "ISO_IR 100", "ISO_IR 192"})
# dcmwrite adds or fills in (0002,0001), (0002,0012) and (0002,0013) itself: files lacking them go to it.
_REQUIRED_META = (0x00020001, 0x00020002, 0x00020003, 0x00020010, 0x00020012, 0x00020013)


def read_usual(data: bytes, display: str = "the file") -> FileDataset | None:
    """What `dcmread` returns, for the usual file: preamble, "DICM", a file meta group that
    states its length, a standard transfer syntax. pydicom's general meta reader, which also copes
    with files lacking any of these, is a third of the read time of a small file; anything
    unusual returns None and is left to it. Errors in the data set itself (truncation, damaged
    lengths) raise exactly as from dcmread, which reads it with the same `read_dataset`.

    A deflated data set is inflated within `budgets.INFLATED_BYTES` (OverBudget past it, naming
    `display`); a damaged or cut-short stream returns None, for dcmread to name the damage.
    """
    if len(data) < 144 or data[128:132] != b"DICM" or data[132:140] != _META_GROUP_LENGTH:
        return None
    start = 144 + struct.unpack_from("<I", data, 140)[0]
    if start > len(data):
        return None
    meta = FileMetaDataset()
    try:
        for raw in data_element_generator(io.BytesIO(data[132:start]), False, True):
            if not isinstance(raw, RawDataElement) or raw.tag >> 16 != 2:
                return None
            meta[raw.tag] = raw
    except Exception:  # noqa: BLE001 - a damaged meta group: dcmread reads it, or says why not
        return None
    syntax_raw = meta.get_item(0x00020010)
    syntax = syntax_raw.value.decode("ascii", "replace").strip(" \x00") if syntax_raw is not None else ""
    if syntax not in _SYNTAX_ENCODINGS:
        return None
    implicit, little = _SYNTAX_ENCODINGS[syntax]
    if syntax == DeflatedExplicitVRLittleEndian:
        inflated = inflate_within(memoryview(data)[start:], INFLATED_BYTES, f"{display}: the deflated data set")
        if inflated is None:
            return None
        body = DicomBytesIO(inflated)
    else:
        body = DicomBytesIO(data)
        body.seek(start)
    dataset = read_dataset(body, implicit, little)
    ds = FileDataset(body, dataset, data[:128], meta, implicit, little)
    ds.set_original_encoding(implicit, little, dataset._character_set)
    return ds


def follow_read_encoding(ds: FileDataset, read_implicit: bool) -> FileDataset:
    """A data set written in another VR encoding than its file meta says (Explicit VR declared,
    Implicit VR written) is read as it was written, by pydicom as by us: it is then written out
    the same way, its meta naming the encoding its bytes really have. Compressed syntaxes are
    always explicit: the elements take their VRs from the dictionary instead."""
    syntax = UID(str(ds.file_meta.get("TransferSyntaxUID", "")))
    if not syntax.is_transfer_syntax or syntax.is_implicit_VR == read_implicit:
        return ds
    if read_implicit and not syntax.is_compressed and not syntax.is_deflated:
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
        ds.set_original_encoding(True, True, ds._character_set)  # noqa: SLF001
    elif read_implicit:
        for _ in ds.iterall():  # looking at each element gives it its dictionary VR
            pass
    return ds


class Unhandled(Exception):
    """Something only pydicom's writer does: the file is written by pydicom instead."""


class Encoding:
    """Packs element, item and delimiter headers for one transfer syntax encoding."""

    def __init__(self, implicit: bool, little: bool):
        self.implicit, self.little = implicit, little
        order = "<" if little else ">"
        self._tag_ul = struct.Struct(order + "HHI")
        self._short = struct.Struct(order + "HH2sH")
        self._long = struct.Struct(order + "HH2sHI")
        self.item_undefined = self._tag_ul.pack(0xFFFE, 0xE000, UNDEFINED)
        self.item_end = self._tag_ul.pack(0xFFFE, 0xE00D, 0)
        self.sequence_end = self._tag_ul.pack(0xFFFE, 0xE0DD, 0)

    @property
    def key(self) -> tuple[bool, bool]:
        return self.implicit, self.little

    def item(self, length: int) -> bytes:
        return self._tag_ul.pack(0xFFFE, 0xE000, length)

    def header(self, tag: int, vr: str | None, length: int) -> bytes:
        group, element = tag >> 16, tag & 0xFFFF
        if self.implicit:
            return self._tag_ul.pack(group, element, length)
        if not vr or len(vr) != 2:
            raise Unhandled(f"no VR to write for ({group:04X},{element:04X})")
        if vr in _LONG_VRS:
            return self._long.pack(group, element, vr.encode("ascii"), 0, length)
        if length > 0xFFFF:
            raise Unhandled("value too long for its VR")  # pydicom rewrites it as UN, with a warning
        return self._short.pack(group, element, vr.encode("ascii"), length)


_ENCODINGS = {key: Encoding(*key) for key in set(_SYNTAX_ENCODINGS.values())}  # one per (implicit, little)
_META = _ENCODINGS[(False, True)]  # PS3.10 7.1: file meta is always Explicit VR Little Endian


def part10_bytes(ds: Dataset) -> bytes:
    """`ds` (with its `file_meta`) as a Part 10 file, in the transfer syntax its meta names."""
    return b"".join(part10_pieces(ds))


def part10_pieces(ds: Dataset) -> list[bytes | bytearray]:
    """The same file as consecutive pieces: a large Pixel Data value is a piece of its own, the
    very bytes object read from the input, so writing the file copies it once, into the output,
    instead of into a header buffer and a joined file first (megabytes on large images)."""
    try:
        return _fast(ds)
    except Unhandled:
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        return [buffer.getvalue()]


def _fast(ds: Dataset) -> list[bytes | bytearray]:
    meta = getattr(ds, "file_meta", None)
    syntax, encoding = target(ds, meta)
    if min(map(int, ds.keys()), default=0x00080000) < 0x00030000:
        raise Unhandled("group 0000/0002 elements in the data set")  # dcmwrite refuses them, with its message
    for meta_tag, keyword in ((0x00020002, "SOPClassUID"), (0x00020003, "SOPInstanceUID")):
        value = ds.get(keyword)
        if value and value != meta[meta_tag].value:
            raise Unhandled("file meta disagrees with the data set")  # dcmwrite would correct it
    body = _Pieces()
    _write_dataset(body, ds, encoding, "iso8859", top=True)
    if syntax == DeflatedExplicitVRLittleEndian:  # compressed whole
        return [file_bytes(meta, b"".join(body.pieces()), syntax, getattr(ds, "preamble", None))]
    return [file_bytes(meta, b"", syntax, getattr(ds, "preamble", None)), *body.pieces()]


class _Pieces(bytearray):
    """A growing buffer that takes large values (`keep`) as pieces of their own, uncopied."""

    def __init__(self) -> None:
        super().__init__()
        self._done: list[bytes | bytearray] = []

    def keep(self, value: bytes) -> None:
        self._done += [bytes(self), value]
        self.clear()

    def pieces(self) -> list[bytes | bytearray]:
        return [piece for piece in (*self._done, bytes(self)) if piece]


def target(ds: Dataset, meta: Dataset | None) -> tuple[UID, "Encoding"]:
    """The transfer syntax and encoding `ds` is written in under `meta`; Unhandled when only
    pydicom's writer can write it (incomplete meta, a change of encoding or character set...)."""
    if meta is None or any(tag not in meta or meta[tag].is_empty for tag in _REQUIRED_META):
        raise Unhandled("incomplete file meta")
    if any(tag >> 16 != 2 for tag in meta.keys()):
        raise Unhandled("elements other than group 0002 in the file meta")  # dcmwrite refuses them
    syntax = UID(str(meta[0x00020010].value))
    if not syntax.is_transfer_syntax or syntax.is_private:
        raise Unhandled("transfer syntax pydicom decides the encoding of")
    encoding = _ENCODINGS[_SYNTAX_ENCODINGS.get(syntax, (False, True))]  # other standard syntaxes: explicit LE
    if ds.original_encoding != encoding.key:
        raise Unhandled("encoding changes")
    if ds.original_character_set != ds._character_set:
        raise Unhandled("character set changes")
    _check_pixel_data_length(ds, syntax)
    return syntax, encoding


def file_bytes(meta: Dataset, body: bytes | bytearray, syntax: UID, preamble: bytes | None = None) -> bytes:
    """Preamble, prefix, file meta and the encoded data set (deflated when the syntax says so)."""
    if syntax == DeflatedExplicitVRLittleEndian:
        body = deflate(body)
        if len(body) % 2:
            body += b"\x00"
    return b"".join((preamble or b"\x00" * 128, b"DICM", _meta_bytes(meta), body))


def deflate(body: bytes | bytearray) -> bytes:
    """`body` as a raw deflate stream (PS3.5 A.5: no zlib header), which any inflater reads.

    ISA-L's fastest level when installed (python-isal): on 2k-pixel CR, 17 times faster than
    zlib's default level, which had been half the time of de-identifying a deflated file, for
    output 5-7% larger. zlib's level 1 otherwise, about twice as fast as its default."""
    try:
        from isal import isal_zlib
    except ImportError:
        return zlib.compress(body, 1, -zlib.MAX_WBITS)
    return isal_zlib.compress(body, 1, -zlib.MAX_WBITS)


def _check_pixel_data_length(ds: Dataset, syntax: UID) -> None:
    """dcmwrite gives Pixel Data an undefined length exactly when the syntax is compressed."""
    raw = ds.get_item(PIXEL_DATA) if PIXEL_DATA in ds else None
    if raw is None:
        return
    undefined = raw.length == UNDEFINED if isinstance(raw, RawDataElement) else raw.is_undefined_length
    if undefined != syntax.is_compressed:
        raise Unhandled("pixel data length form changes")


def _meta_bytes(meta: Dataset) -> bytes:
    body = bytearray()
    for tag in sorted(meta.keys(), key=int):
        if tag == 0x00020000:
            continue
        write_element(body, meta.get_item(tag), _META, ["iso8859"])
    group_length = _META.header(0x00020000, "UL", 4) + struct.pack("<I", len(body))
    return group_length + bytes(body)


def _write_dataset(out: bytearray, ds: Dataset, encoding: Encoding, parent_charset, top: bool = False) -> None:
    if not top and (ds.original_encoding != encoding.key or ds.original_character_set != ds._character_set):
        out += _pydicom_dataset(ds, encoding, parent_charset)  # pydicom converts what must change
        return
    charset = ds.get("SpecificCharacterSet", parent_charset)
    for tag, elem in sorted(ds.items(), key=_tag_order):
        if tag & 0xFFFF == 0 and tag >> 16 > 6:
            continue  # retired group lengths are never written (PS3.5 7.2)
        if isinstance(elem, RawDataElement) and elem.value is None and elem.length:
            elem = ds.get_item(tag)  # a deferred read: get_item reads it
        write_element(out, elem, encoding, charset, pixel_padding=top and tag == PIXEL_DATA)


def _tag_order(item) -> int:
    return int(item[0])  # as ints: BaseTag compares in Python, slowly


def write_element(out: bytearray, elem, encoding: Encoding, charset, pixel_padding: bool = False) -> None:
    """Append `elem` (raw: copied; decoded: encoded) to `out`; `pixel_padding` for top-level Pixel Data."""
    if isinstance(elem, RawDataElement):
        _write_raw(out, elem, encoding, pixel_padding)
    elif elem.VR == "SQ":
        _write_sequence(out, elem, encoding, charset)
    elif (value := _plain_text(elem, charset)) is not None:
        out += encoding.header(elem.tag, elem.VR, len(value)) + value
    else:
        scratch = DicomBytesIO()
        scratch.is_implicit_VR, scratch.is_little_endian = encoding.key
        write_data_element(scratch, elem, charset)
        out += scratch.getvalue()


def _plain_text(elem, charset) -> bytes | None:
    """The encoded value of a single plain ASCII string (the UIDs, dates and dummies
    de-identification writes), else None for pydicom to encode. ASCII is the same bytes in
    every character set listed, so only the padding is left: NUL for UI, space otherwise."""
    value = elem.value
    if type(value) not in (str, UID) or elem.VR not in _STRING_VRS or not value.isascii():
        return None
    if (charset if isinstance(charset, str) else "\\".join(charset or ())) not in _ASCII_SAFE_CHARSETS:
        return None
    data = value.encode("ascii")
    if len(data) % 2:
        data += b"\x00" if elem.VR == "UI" else b" "
    return data


def _write_raw(out: bytearray, raw: RawDataElement, encoding: Encoding, pixel_padding: bool) -> None:
    value = raw.value
    if value is None:
        raise Unhandled("deferred value")
    undefined = raw.length == UNDEFINED
    if pixel_padding and not undefined and len(value) % 2:
        value = value + b"\x00"  # dcmwrite decodes Pixel Data and pads it to even length
    out += encoding.header(raw.tag, raw.VR, UNDEFINED if undefined else len(value))
    if isinstance(out, _Pieces) and len(value) >= _OWN_PIECE:
        out.keep(value)
    else:
        out += value
    if undefined:
        out += encoding.sequence_end


def _write_sequence(out: bytearray, elem, encoding: Encoding, charset) -> None:
    bodies = []
    for item in elem.value:
        body = bytearray()
        _write_dataset(body, item, encoding, charset)
        bodies.append((body, getattr(item, "is_undefined_length_sequence_item", False)))
    write_sequence(out, elem, bodies, encoding)


def write_sequence(out: bytearray, elem, bodies: list, encoding: Encoding) -> None:
    """Append the sequence `elem` with its items already encoded: (body, undefined length?) pairs."""
    items = bytearray()
    for body, undefined in bodies:
        if undefined:
            items += encoding.item_undefined + body + encoding.item_end
        else:
            items += encoding.item(len(body)) + body
    if elem.is_undefined_length:
        out += encoding.header(elem.tag, "SQ", UNDEFINED) + items + encoding.sequence_end
    else:
        out += encoding.header(elem.tag, "SQ", len(items)) + items


def _pydicom_dataset(ds: Dataset, encoding: Encoding, parent_charset) -> bytes:
    buffer = DicomBytesIO()
    buffer.is_implicit_VR, buffer.is_little_endian = encoding.key
    write_dataset(buffer, ds, parent_encoding=parent_charset)
    return buffer.getvalue()
