"""RLE frames that already hold their pixels and nothing else, told without re-encoding them.

An RLE decoder stops once a frame is full, so bytes after a segment's runs, header offsets past the
last segment and bits above High Bit ride along unseen; codestream.py decodes such frames and
encodes them again. Encoding costs four to five times what decoding does, and on images of real
sizes the cycle was the largest part of de-identification (40% of `radshare deid` on 2-3k-pixel
RLE), so a frame is first checked here, at about one decode, and kept byte for byte when:

- its header names exactly the segments the pixel format needs (PS3.5 G.5), the first at byte 64,
  in order, every unused offset zero;
- each segment's runs make exactly Rows x Columns bytes and end where the segment does (no run,
  no-op or stray header after them; told in one decode, see _runs_only); a segment of even
  length may end in the one zero byte that pads it;
- no bits above High Bit are set (or, for signed pixels, they repeat the sign bit).

Anything else takes the decode and encode path, as before. The runs themselves are kept as the
encoder chose them (the pixels they code are exactly the same either way), no-op headers inside
them included: they code nothing.
"""

from __future__ import annotations

import struct

import numpy as np

_HEADER_BYTES = 64
_MAX_SEGMENTS = 15


def frames_hold_only_pixels(fragments: list[bytes | memoryview], rows: int, columns: int, samples: int,
                            allocated: int, bit_layout: tuple[int, int, bool] | None) -> bool:
    """True when every RLE frame is as described above; `bit_layout` is pixelbits' (Bits Allocated,
    High Bit, signed), None when no bits lie above High Bit. Fragments may be views into Pixel
    Data: each segment is then copied once, with the probe, for the decoder."""
    try:
        import rle.rle as codec  # pylibjpeg-rle
    except ImportError:
        return False
    if allocated % 8 or rows <= 0 or columns <= 0:
        return False
    size = allocated // 8
    for fragment in fragments:
        planes = _segments(codec, fragment, samples * size, rows * columns)
        if planes is None:
            return False
        if bit_layout is not None and any(_bits_above_high_bit(planes[i * size : (i + 1) * size], bit_layout)
                                          for i in range(samples)):
            return False
    return True


def _bits_above_high_bit(planes: list[memoryview], bit_layout: tuple[int, int, bool]) -> bool:
    """Whether one sample's byte planes (most significant first) set bits above High Bit."""
    allocated, high, signed = bit_layout
    size = allocated // 8
    if not signed:  # every byte must stay below its share of 2**(High Bit + 1)
        for index, plane in enumerate(planes):
            lowest_bit = 8 * (size - 1 - index)
            allowed = min(8, max(0, high + 1 - lowest_bit))
            if allowed < 8 and int(np.frombuffer(plane, dtype=np.uint8).max(initial=0)) >> allowed:
                return True
        return False
    from radshare.core.deid.pixelbits import _cleaned_words

    words = np.zeros(len(planes[0]), dtype=f"<u{size}")
    for index, plane in enumerate(planes):
        words |= np.frombuffer(plane, dtype=np.uint8).astype(words.dtype) << (8 * (size - 1 - index))
    return _cleaned_words(words, *bit_layout) is not None


def _segments(codec, fragment: bytes | memoryview, count: int, pixels: int) -> list[memoryview] | None:
    """The decoded segments of one frame, or None when the frame holds more than its runs."""
    if len(fragment) < _HEADER_BYTES or not 0 < count <= _MAX_SEGMENTS:
        return None
    fragment = memoryview(fragment)  # segments are views: copied only once, with the probe
    header = struct.unpack_from("<16I", fragment)
    offsets = list(header[1 : 1 + count])
    if header[0] != count or any(header[1 + count :]) or offsets[0] != _HEADER_BYTES:
        return None
    ends = offsets[1:] + [len(fragment)]
    if any(end <= start for start, end in zip(offsets, ends)):
        return None
    planes = []
    for start, end in zip(offsets, ends):
        plane = _runs_only(codec, fragment[start:end], pixels)
        if plane is None:
            return None
        planes.append(plane)
    return planes


# Appended to a segment to tell in one decode whether its runs end where the segment does: two
# replicate runs of 128 "Z". A header left without its data (which decoders ignore) would take the
# first byte as its own, and the decoded tail would then not be 256 "Z".
_PROBE, _PROBE_OUTPUT = b"\x81Z\x81Z", b"Z" * 256


def _runs_only(codec, segment: memoryview, pixels: int) -> memoryview | None:
    """The segment decoded, when its runs make exactly `pixels` bytes and nothing follows them
    but, in a segment of even length, one zero byte of padding (PS3.5 G.3.1); else None.

    A decoder ignores a header byte without its data, and no-op headers (80h) make no pixels:
    decoding with _PROBE appended finds the first; runs ending in 80h are checked by decoding
    without their last byte, which must then fall short."""
    candidates = [segment[:-1], segment] if len(segment) % 2 == 0 and segment[-1] == 0 else [segment]
    for runs in candidates:
        decoded = _decoded(codec, b"".join((runs, _PROBE)))
        if decoded is None or len(decoded) != pixels + len(_PROBE_OUTPUT) or decoded[pixels:] != _PROBE_OUTPUT:
            continue
        if runs[-1] == 0x80:  # a no-op, or the last byte of a run: decode without it to tell
            shorter = _decoded(codec, bytes(runs[:-1]))
            if shorter is not None and len(shorter) == pixels:
                return None
        return memoryview(decoded)[:pixels]
    return None


def _decoded(codec, segment: bytes) -> bytes | None:
    """All the segment's runs decoded; None when a literal run is cut short."""
    try:
        return codec.decode_segment(segment)
    except ValueError:
        return None
