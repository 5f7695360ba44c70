"""How much memory one input may claim, checked before or while it grows, never after.

A 1 MB zip can inflate to a gigabyte, a 34-byte WebP can declare 16383×16383 pixels, and a few
megabytes of compressed frames can declare a gigabyte of pixels. Each budget below is checked
from what the file declares (headers) before anything is decoded, and again while inflating
(streams are read in chunks and stopped at the limit), so no input of ten megabytes on disk makes
one worker grow past about 1.5 GB. An input over a budget is refused with a reason naming the
budget; nothing is written for it.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

from radshare.core.errors import InputError

MIB = 1024**2

#: A zip member, or a deflated data set, once inflated. The bytes are then parsed and written
#: out again, so about four times this is held at once.
INFLATED_BYTES = 256 * MIB
#: The pixels of one DICOM data set when text detection must decode them: all frames are decoded,
#: converted, painted and stored again at once, about ten times this at the peak (measured).
DECODED_PIXEL_BYTES = 128 * MIB
#: A larger input may decode to this many times its stored pixel bytes, up to the cap: a long
#: ultrasound cine (2,000 frames of 640x480, 586 MB) must still be cleaned, while a few megabytes
#: that declare a gigabyte stay refused. Native pixels decode to their own size, so memory then
#: follows the input's size; the multiple covers JPEG cines (10-20x) and the cap bounds the rest.
DECODED_PER_STORED_BYTE = 12
DECODED_PIXEL_BYTES_CAP = 1024 * MIB
#: A photo decodes to 3 bytes a pixel and is copied a few times while it is turned upright,
#: converted to sRGB and encoded: 50 MP is more than phones and most cameras take.
PHOTO_PIXELS = 50_000_000
#: Text detection works at about 80 bytes a pixel: larger photos are searched in tiles this big
#: at full resolution, and once whole at the scale that fits (large text, faces).
DETECTION_TILE_PIXELS = 8_000_000

_CHUNK = 1 * MIB


def decoded_budget(stored_bytes: int) -> int:
    """The decoded pixel bytes allowed for an input whose pixel data stores `stored_bytes`."""
    return max(DECODED_PIXEL_BYTES, min(DECODED_PIXEL_BYTES_CAP, DECODED_PER_STORED_BYTE * stored_bytes))


class OverBudget(InputError):
    """An input that would need more memory than its budget allows."""


def megabytes(count: int) -> str:
    return f"{count / MIB:,.0f} MB" if count < 1024 * MIB else f"{count / 1024**3:,.1f} GB"


def read_limited(stream: BinaryIO, limit: int, what: str) -> bytes:
    """All of `stream`, read in chunks and refused as soon as it passes `limit` bytes."""
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(parts)
        total += len(chunk)
        if total > limit:
            raise OverBudget(f"{what} inflates past the {megabytes(limit)} budget; nothing was written")
        parts.append(chunk)


def check_inflated_size(compressed: bytes | memoryview, limit: int, what: str) -> None:
    """Inflate a raw deflate stream chunk by chunk, keeping nothing, and refuse it once the
    output passes `limit` bytes: the caller may then inflate it for real within the budget."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    pending: bytes | memoryview = compressed
    while True:
        try:
            out = inflater.decompress(pending, _CHUNK)
        except zlib.error:
            return  # damaged: the reader that inflates it for real names the damage
        total += len(out)
        if total > limit:
            raise OverBudget(f"{what} inflates past the {megabytes(limit)} budget; nothing was written")
        pending = inflater.unconsumed_tail
        if inflater.eof or (not out and not pending):
            return


#: Inflated in one pass, output kept, up to this (or 16 times the compressed size, if more): every
#: deflated image seen inflates to less than 16 times its size. A stream that goes on past it (a
#: bomb, or an image mostly of one value) is counted to its end without keeping anything, and
#: inflated again only when it ends within the budget: a 1 MB bomb then costs 16 MB, not 256.
KEPT_WHILE_COUNTING = 16 * MIB
KEPT_PER_COMPRESSED_BYTE = 16


def inflate_within(compressed: bytes | memoryview, limit: int, what: str) -> bytes | None:
    """A whole raw deflate stream inflated, refused once it passes `limit` bytes; None when the
    stream is damaged or cut short (the reader then names the damage). The usual stream is
    inflated once, in one call (counting first and inflating again read a deflated file twice);
    see KEPT_WHILE_COUNTING for the rest. ISA-L inflates a quarter faster than zlib, when installed."""
    try:
        from isal import isal_zlib as inflating
    except ImportError:
        inflating = zlib
    kept = min(limit, max(KEPT_WHILE_COUNTING, KEPT_PER_COMPRESSED_BYTE * len(compressed)))
    inflater = inflating.decompressobj(-zlib.MAX_WBITS)
    try:
        out = inflater.decompress(compressed, kept + 1)
    except (zlib.error, inflating.error):
        return None
    if inflater.eof:
        return out if len(out) <= limit else _refuse(limit, what)
    if len(out) <= kept:
        return None  # ended without the stream's end: cut short
    total = len(out)
    del out
    if not _ends_within(inflater, inflating, total, limit, what):
        return None
    return inflating.decompressobj(-zlib.MAX_WBITS).decompress(compressed)


def _ends_within(inflater, inflating, total: int, limit: int, what: str) -> bool:
    """Count the rest of a stream in chunks, keeping nothing: True when it ends within `limit`
    bytes in all, False when it is damaged or cut short; refused once it passes `limit`."""
    while not inflater.eof:
        pending = inflater.unconsumed_tail
        try:
            chunk = inflater.decompress(pending, _CHUNK)
        except (zlib.error, inflating.error):
            return False
        total += len(chunk)
        if total > limit:
            _refuse(limit, what)
        if not chunk and not inflater.unconsumed_tail:
            return inflater.eof
    return True


def _refuse(limit: int, what: str):
    raise OverBudget(f"{what} inflates past the {megabytes(limit)} budget; nothing was written")
