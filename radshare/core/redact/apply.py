"""Paint regions out of pixel arrays and rewrite a DICOM dataset's pixel data, redacted.

The promise: either the dataset comes back with every region painted on every frame it names,
pixel data uncompressed (Explicit VR Little Endian; palette and YBR colour as RGB) and Burned
In Annotation = NO, or
InputError is raised and the caller writes nothing. There is no half-redacted outcome.
"""

from __future__ import annotations

import cv2
import numpy as np
from pydicom.dataset import FileMetaDataset
from pydicom.pixels import apply_color_lut
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from radshare.core.errors import InputError
from radshare.core.model import TextRegion


def _black_value(frames: np.ndarray, photometric: str):
    """The stored value that displays as black for this photometric interpretation."""
    if frames.ndim == 4:
        return 0
    if np.issubdtype(frames.dtype, np.integer):
        info = np.iinfo(frames.dtype)
        lo, hi = (int(frames.min()), int(frames.max())) if frames.size else (info.min, info.max)
    else:
        lo, hi = float(frames.min()), float(frames.max())
    return hi if photometric.upper() == "MONOCHROME1" else lo


def _blur(patch: np.ndarray) -> np.ndarray:
    """Pixelate to blocks half the box's short side, then smooth: no strokes survive to be read."""
    h, w = patch.shape[:2]
    block = max(6, min(h, w) // 2)
    small = cv2.resize(patch.astype(np.float32), (max(1, w // block), max(1, h // block)), interpolation=cv2.INTER_AREA)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    k = (block | 1) * 2 + 1
    big = cv2.GaussianBlur(big, (k, k), 0)
    if big.ndim == 2 and patch.ndim == 3:
        big = big[..., None]
    return np.rint(big).astype(patch.dtype) if np.issubdtype(patch.dtype, np.integer) else big.astype(patch.dtype)


def apply_regions(frames: np.ndarray, regions: list[TextRegion], photometric: str = "MONOCHROME2") -> np.ndarray:
    """A new array with every region painted (solid black-on-display, or blurred); keep=True left.

    `frames` is (n, rows, cols) or (n, rows, cols, 3). A region with frame=None applies to every
    frame. Raises InputError for a region naming a frame that does not exist or lying wholly
    outside the image (it would silently paint nothing).
    """
    out = frames.copy()
    n, rows, cols = frames.shape[:3]
    black = _black_value(frames, photometric)
    for region in regions:
        if region.keep:
            continue
        if region.frame is not None and not 0 <= region.frame < n:
            raise InputError("a redaction region names a frame the image does not have")
        x0, y0 = max(0, int(region.x)), max(0, int(region.y))
        x1, y1 = min(cols, int(region.x + region.w)), min(rows, int(region.y + region.h))
        if x1 <= x0 or y1 <= y0:
            raise InputError("a redaction region lies outside the image")
        targets = range(n) if region.frame is None else [region.frame]
        for i in targets:
            if region.fill == "blur":
                out[i, y0:y1, x0:x1] = _blur(out[i, y0:y1, x0:x1])
            else:
                out[i, y0:y1, x0:x1] = black
    return out


PALETTE_ELEMENTS = (
    "RedPaletteColorLookupTableDescriptor", "GreenPaletteColorLookupTableDescriptor",
    "BluePaletteColorLookupTableDescriptor", "RedPaletteColorLookupTableData",
    "GreenPaletteColorLookupTableData", "BluePaletteColorLookupTableData",
    "SegmentedRedPaletteColorLookupTableData", "SegmentedGreenPaletteColorLookupTableData",
    "SegmentedBluePaletteColorLookupTableData", "PaletteColorLookupTableUID",
)
_ENCODING_SYNTAX = {  # (implicit VR, little endian) as read -> the native syntax it means
    (True, True): ImplicitVRLittleEndian,
    (False, True): ExplicitVRLittleEndian,
    (False, False): ExplicitVRBigEndian,
}


def _ensure_transfer_syntax(ds) -> None:
    """Give a file read without a file meta (or without its Transfer Syntax UID) the native
    syntax it was read in, so the pixel path decodes what the header path read: native pixel
    data only, as encapsulated data cannot have been read without knowing its syntax."""
    meta = getattr(ds, "file_meta", None)
    if meta is not None and meta.get("TransferSyntaxUID"):
        return
    syntax = _ENCODING_SYNTAX.get(tuple(getattr(ds, "original_encoding", (None, None))))
    if syntax is None:
        return
    if meta is None:
        ds.file_meta = meta = FileMetaDataset()
    meta.TransferSyntaxUID = syntax


def _palette_to_rgb(ds, arr: np.ndarray) -> np.ndarray:
    """Palette indices as 8-bit RGB through the image's own lookup table (16-bit entries are
    scaled to 8 bits): painted and stored as RGB, so the fill shows black in every viewer."""
    rgb = apply_color_lut(arr, ds)
    if rgb.dtype != np.uint8:
        bits = int(ds.RedPaletteColorLookupTableDescriptor[2])
        rgb = (rgb >> max(0, bits - 8)).astype(np.uint8) if bits > 8 else rgb.astype(np.uint8)
    return rgb


def decode_frames(ds) -> tuple[np.ndarray, str]:
    """(frames with a frame axis, photometric after decoding). YBR and palette colour become RGB."""
    if not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        raise InputError("the image has no pixel data to redact")
    _ensure_transfer_syntax(ds)
    try:
        arr = ds.pixel_array  # pydicom 3 converts YBR_* to RGB by default
    except Exception as exc:  # noqa: BLE001 - any decoder failure means "cannot redact"
        syntax = getattr(getattr(ds, "file_meta", None), "get", lambda *_: None)("TransferSyntaxUID")
        name = getattr(syntax, "name", None) or "not stated"
        raise InputError(f"pixel data could not be decoded for redaction (transfer syntax {name})") from exc
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    samples = int(ds.get("SamplesPerPixel", 1))
    frames_count = int(ds.get("NumberOfFrames", 1) or 1)
    if samples == 1 and photometric == "PALETTE COLOR":
        try:
            arr = _palette_to_rgb(ds, arr)
        except Exception as exc:  # noqa: BLE001 - a damaged lookup table
            raise InputError("the palette colour lookup table could not be applied for redaction") from exc
        samples, photometric = 3, "RGB"
    if samples == 3:
        photometric = "RGB"
        if arr.ndim == 3:
            arr = arr[None]
    elif samples == 1:
        if arr.ndim == 2:
            arr = arr[None]
    else:
        raise InputError(f"cannot redact images with {samples} samples per pixel")
    if arr.shape[0] != frames_count:
        raise InputError("the number of decoded frames does not match Number of Frames")
    if photometric not in ("MONOCHROME1", "MONOCHROME2", "RGB"):
        raise InputError(f"cannot redact {photometric} images")
    return arr, photometric


def _as_little_endian(ds) -> None:
    """Decode every element read big endian (each raw element knows its own byte order), then
    call the data set little endian: writers may then write it, as they would not convert."""
    for _ in ds.iterall():
        pass
    ds.set_original_encoding(False, True, ds.original_character_set)


def _store(ds, painted: np.ndarray, photometric: str) -> None:
    """Write painted frames back, native little endian (a big-endian file's whole data set is
    then written little endian; float pixel data keeps its own element)."""
    if painted.shape[0] == 1:
        painted = painted[0]
    painted = np.ascontiguousarray(painted, dtype=painted.dtype.newbyteorder("="))  # big-endian arrays too
    if not getattr(ds, "original_encoding", (None, True))[1]:
        _as_little_endian(ds)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian  # set_pixel_data refuses big endian
    for keyword, dtype in (("FloatPixelData", "<f4"), ("DoubleFloatPixelData", "<f8")):
        if keyword in ds:
            ds[keyword].value = np.ascontiguousarray(painted, dtype=dtype).tobytes()
            return
    bits_stored = int(ds.get("BitsStored", 8 * painted.dtype.itemsize))
    if photometric == "RGB":
        painted = painted.astype(np.uint8, copy=False)
        bits_stored = 8
        for keyword in PALETTE_ELEMENTS:
            if keyword in ds:
                delattr(ds, keyword)
    elif ds.get("BitsAllocated") == 1:
        painted = painted.astype(np.uint8, copy=False)  # stored one byte per pixel, Bits Stored 1
    ds.set_pixel_data(painted, photometric, bits_stored, generate_instance_uid=False)  # keyed UIDs stay stable
    if photometric == "RGB":
        ds.PlanarConfiguration = 0


def redact_dataset(ds, regions: list[TextRegion]) -> None:
    """Paint `regions` into `ds`'s pixels and store them uncompressed; BurnedInAnnotation = NO.

    Every pixel format the reader accepts can be painted: YBR and palette colour are painted
    and stored as RGB, big endian is stored little endian, signed and 1-bit keep their values.
    Raises InputError (the dataset is then left as it was) when the pixels cannot be decoded,
    a region cannot be painted, or the result cannot be stored.
    """
    frames, photometric = decode_frames(ds)
    painted = apply_regions(frames, regions, photometric)
    saved = {tag: ds.get_item(tag) for tag in ds.keys()}  # shallow: elements are replaced, never changed
    syntax, encoding, charset = ds.file_meta.get("TransferSyntaxUID"), ds.original_encoding, ds.original_character_set
    try:
        _store(ds, painted, photometric)
    except Exception as exc:  # noqa: BLE001
        ds.clear()
        for tag, element in saved.items():
            ds[tag] = element
        ds.file_meta.TransferSyntaxUID = syntax
        ds.set_original_encoding(*encoding, charset)
        raise InputError("redacted pixel data could not be stored") from exc
    ds.BurnedInAnnotation = "NO"
