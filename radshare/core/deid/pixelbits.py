"""Native pixel data that holds more than its pixels: bits above High Bit, bytes after the last frame.

Bytes after the last frame are ignored by every reader, so anything can ride there (a name, a
report); they are cut (trim_to_frames). The retired embedded form of overlays (PS3.5 8.1.2, before 2004) stores the overlay bitmap in the
bits of each pixel above High Bit: 12-bit CT in 16-bit words with a name label in bit 15. Removing
the 60xx attributes leaves that bitmap in Pixel Data, where viewers ignore it but any tool can lift
it out. Those bits carry nothing else, so they are set to what they would hold in a clean file:
zero, or the sign extension of signed pixels. Decoded pixel values stay exactly the same.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import get_decoder, iter_pixels
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, RLELossless

from radshare.core.deid import codestream, videostream
from radshare.core.errors import InputError
from radshare.core.peek import peek, transfer_syntax

_DTYPES = {8: "u1", 16: "u2", 32: "u4"}


def expected_pixel_bytes(rows: int, cols: int, frames: int, samples: int, allocated: int, photometric: str = "") -> int:
    """The size of native Pixel Data without padding (PS3.5 8.1.1; YBR_FULL_422 holds 2 samples a pixel)."""
    values = rows * cols * frames * samples
    if allocated == 1:
        return (values + 7) // 8
    size = values * allocated // 8
    return size // 3 * 2 if photometric.strip() == "YBR_FULL_422" and samples == 3 else size


# Native pixel data elements and the bits per value each holds (Float ones: always 32 and 64).
_PIXEL_ELEMENTS = (("PixelData", None), ("FloatPixelData", 32), ("DoubleFloatPixelData", 64))


def trim_to_frames(ds: Dataset) -> int:
    """Cut native (Float) Pixel Data to its frames (plus one padding byte); 1 for each element
    where anything but zeros went."""
    if transfer_syntax(ds).is_compressed:
        return 0
    trimmed = 0
    for keyword, bits in _PIXEL_ELEMENTS:
        if keyword in ds:
            trimmed += _trim(ds, keyword, bits)
    return trimmed


def _trim(ds: Dataset, keyword: str, bits: int | None) -> int:
    try:
        expected = expected_pixel_bytes(
            int(peek(ds, "Rows")), int(peek(ds, "Columns")), int(peek(ds, "NumberOfFrames", 1) or 1),
            int(peek(ds, "SamplesPerPixel", 1) or 1), bits or int(peek(ds, "BitsAllocated")),
            str(peek(ds, "PhotometricInterpretation", "")),
        )
    except (TypeError, ValueError):
        return 0
    data = peek(ds, keyword)
    padded = expected + expected % 2
    if not isinstance(data, (bytes, bytearray)) or len(data) <= padded:
        return 0
    setattr(ds, keyword, data[:expected] + b"\x00" * (expected % 2))
    return 1 if data[expected:].strip(b"\x00") else 0


def clear_unused_bits(ds: Dataset) -> int:
    """Clean the bits above High Bit of native (uncompressed) Pixel Data; 1 when anything was there."""
    syntax = transfer_syntax(ds)
    if syntax.is_compressed or "PixelData" not in ds:
        return 0
    layout = _bit_layout(ds)
    if layout is None:
        return 0
    allocated = layout[0]
    data = peek(ds, "PixelData")
    order = ">" if syntax == ExplicitVRBigEndian else "<"
    size = allocated // 8
    words = np.frombuffer(data, dtype=order + _DTYPES[allocated], count=len(data) // size)
    cleaned = _cleaned_words(words, *layout)
    if cleaned is None:
        return 0
    ds.PixelData = cleaned.tobytes() + data[len(words) * size :]
    return 1


def clear_unused_compressed_bits(ds: Dataset) -> int:
    """The same for compressed frames whose codestream holds more bits than High Bit allows: they
    are decoded and checked one at a time, and when bits above High Bit are set, Pixel Data is
    stored native (Explicit VR Little Endian) with them cleaned; 1 then. Frames coded at High
    Bit's precision cannot hold such bits and are not decoded. RLE is re-encoded by codestream.py."""
    syntax = transfer_syntax(ds)
    if not syntax.is_compressed or syntax == RLELossless or "PixelData" not in ds or videostream.kind_of(syntax):
        return 0
    layout = _bit_layout(ds)
    if layout is None:
        return 0
    allocated, high, signed = layout
    precision = codestream.max_precision(peek(ds, "PixelData"))
    if precision is not None and precision <= high + 1:
        return 0
    if not any(_cleaned_words(words, *layout) is not None for words in _frames_as_words(ds, precision, layout)):
        return 0
    if int(peek(ds, "SamplesPerPixel", 1) or 1) != 1:
        raise InputError("colour pixel data holds bits above High Bit in compressed frames; nothing was written")
    cleaned = []
    for words in _frames_as_words(ds, precision, layout):
        fixed = _cleaned_words(words, *layout)
        cleaned.append((words if fixed is None else fixed).tobytes())
    ds.PixelData = b"".join(cleaned)
    ds["PixelData"].VR = "OB" if allocated == 8 else "OW"
    ds["PixelData"].is_undefined_length = False
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    codestream.drop_extended_offsets(ds)
    return 1


def _frames_as_words(ds: Dataset, precision: int | None, layout: tuple[int, int, bool]) -> Iterator[np.ndarray]:
    """Each frame decoded at the codestream's own precision (decoders otherwise mask to Bits
    Stored), as unsigned little-endian words of Bits Allocated; one frame in memory at a time."""
    allocated, _, signed = layout
    size = allocated // 8
    frames = iter_pixels(ds, raw=True, bits_stored=min(precision or allocated, allocated),
                         decoding_plugin=_fastest_plugin(transfer_syntax(ds)))
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - frames that cannot be checked are refused, never passed on
            raise InputError(f"compressed pixel data cannot be decoded to check it ({type(exc).__name__}); "
                             "nothing was written") from None
        yield frame.astype(f"<i{size}" if signed else f"<u{size}").view(f"<u{size}")


def _bit_layout(ds: Dataset) -> tuple[int, int, bool] | None:
    """(Bits Allocated, High Bit, signed) when some bits of each word lie above High Bit, else None."""
    try:
        allocated, stored = int(peek(ds, "BitsAllocated")), int(peek(ds, "BitsStored"))
        high = int(peek(ds, "HighBit", stored - 1))
        signed = int(peek(ds, "PixelRepresentation", 0)) == 1
    except (TypeError, ValueError):
        return None
    if allocated not in _DTYPES or not 0 < stored < allocated or not stored - 1 <= high < allocated:
        return None
    return allocated, high, signed


def _cleaned_words(words: np.ndarray, allocated: int, high: int, signed: bool) -> np.ndarray | None:
    """`words` (unsigned) with the bits above High Bit as in a clean file; None when they already are."""
    if _in_range(words, allocated, high, signed):  # one pass, no temporaries: the usual case
        return None
    unused = ((1 << allocated) - 1) ^ ((1 << (high + 1)) - 1)  # every bit above High Bit
    expected = _sign_extension(words, high, unused) if signed else 0
    if not np.any((words & unused) != expected):
        return None
    return ((words & ~np.array(unused, dtype=words.dtype)) | expected).astype(words.dtype)


def _in_range(words: np.ndarray, allocated: int, high: int, signed: bool) -> bool:
    """Whether every word already is clean: below 2**(High Bit + 1), or for signed pixels a two's
    complement value that fits in High Bit + 1 bits (its upper bits then repeat the sign)."""
    if not words.size:
        return True
    if not signed:
        return int(words.max()) >> (high + 1) == 0
    values = words.view(words.dtype.str.replace("u", "i"))
    limit = 1 << high
    return -limit <= int(values.min()) and int(values.max()) < limit


def _sign_extension(words: np.ndarray, high: int, unused: int) -> np.ndarray:
    """The high bits of each word when they repeat its sign bit, as two's complement readers expect."""
    negative = (words >> high) & 1
    return np.where(negative == 1, np.array(unused, dtype=words.dtype), np.array(0, dtype=words.dtype))


def _fastest_plugin(syntax) -> str:
    """CharLS (pyjpegls) for JPEG-LS, 2.5 times faster here than libjpeg, which pydicom would try
    first; otherwise "" (pydicom's own choice)."""
    try:
        available = get_decoder(syntax).available_plugins
    except Exception:  # noqa: BLE001 - no decoder: iter_pixels says so, and the file is refused
        return ""
    return "pyjpegls" if "pyjpegls" in available and "JPEG-LS" in syntax.name else ""
