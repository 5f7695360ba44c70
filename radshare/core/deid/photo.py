"""Clinical photos: keep the pixels, drop everything else.

Editing metadata out of a file misses what the editor does not know about (maker notes, vendor
IFDs, XMP sidecars in the stream, thumbnails that show the uncropped original). So RadShare
decodes the pixels, applies the EXIF orientation, converts colour to sRGB through the embedded
ICC profile, and hands a bare RGB array to the encoder. Nothing from the input file survives
except what the pixels show.
"""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, UnidentifiedImageError

from radshare.core.budgets import PHOTO_PIXELS, OverBudget
from radshare.core.errors import InputError

try:  # iPhone HEIC/HEIF
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - optional at run time, required by the package
    pillow_heif = None

MAX_PHOTO_PIXELS = PHOTO_PIXELS
# Pillow only warns up to twice this and refuses beyond; RadShare checks the budget itself, from
# the header, before decoding (see `_open`).
PILImage.MAX_IMAGE_PIXELS = MAX_PHOTO_PIXELS
_SRGB = ImageCms.createProfile("sRGB")

# EXIF tags shown by name in the review panel; GPS and maker notes are summarised.
_EXIF_NAMES = {
    0x010F: "Make",
    0x0110: "Model",
    0x0131: "Software",
    0x0132: "DateTime",
    0x013B: "Artist",
    0x8298: "Copyright",
    0x010E: "ImageDescription",
    0x9003: "DateTimeOriginal",
    0x9004: "DateTimeDigitized",
    0x927C: "MakerNote",
    0x9286: "UserComment",
    0xA430: "CameraOwnerName",
    0xA431: "BodySerialNumber",
    0xA434: "LensModel",
    0xA435: "LensSerialNumber",
    0xA420: "ImageUniqueID",
    0x8825: "GPSInfo",
}


def _open(data: bytes, display: str) -> PILImage.Image:
    if not data:
        raise InputError(f"{display}: empty file (0 bytes)")
    over = f"over the {MAX_PHOTO_PIXELS // 1_000_000} megapixel budget for one photo; nothing was written"
    try:
        image = PILImage.open(io.BytesIO(data))
        if image.width * image.height > MAX_PHOTO_PIXELS:  # from the header, before decoding
            pixels = image.width * image.height
            raise OverBudget(f"{display}: a photo of {image.width}×{image.height} pixels ({pixels / 1e6:,.0f} MP) is {over}")
        image.load()
    except PILImage.DecompressionBombError as exc:  # Pillow's own check, at open for some formats
        declared = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(declared.group(1)) / 1e6:,.0f} MP" if declared else "more pixels than that"
        raise OverBudget(f"{display}: the photo declares {size}, {over}") from None
    except UnidentifiedImageError:
        raise InputError(f"{display}: not a supported image") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{display}: damaged or truncated image ({exc.__class__.__name__})") from None
    if image.width <= 0 or image.height <= 0:
        raise InputError(f"{display}: absurd image dimensions")
    return image


def clean_photo(data: bytes, display: str = "photo") -> tuple[np.ndarray, bytes | None]:
    """RGB uint8 pixels, upright and in sRGB, with no metadata; the second value is always None.

    The contract allows an ICC profile to be returned; RadShare converts to sRGB instead, so not
    even a profile's free-text description can leave.
    """
    image = _open(data, display)
    icc = image.info.get("icc_profile")
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # a broken orientation tag must not stop de-identification
        pass
    image = _to_rgb(image)
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            image = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, TypeError, ValueError):
            pass  # an unreadable profile: keep the pixels as they are
    return np.asarray(image, dtype=np.uint8).copy(), None


def _to_rgb(image: PILImage.Image) -> PILImage.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        low, high = np.percentile(array, (0.5, 99.5))
        scaled = np.clip((array - low) / max(high - low, 1e-9) * 255.0, 0, 255).astype(np.uint8)
        return PILImage.fromarray(scaled, mode="L").convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        return PILImage.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def describe_photo_metadata(data: bytes) -> dict[str, str]:
    """What the photo carries and RadShare will drop, for the reviewer's screen only."""
    try:
        image = PILImage.open(io.BytesIO(data))
    except Exception:
        return {}
    found: dict[str, str] = {"Format": f"{image.format} {image.width}×{image.height}"}
    try:
        exif = image.getexif()
    except Exception:
        exif = {}
    for tag, name in _EXIF_NAMES.items():
        if tag in exif:
            found[name] = "present (location data)" if name == "GPSInfo" else _short(exif[tag])
    try:
        sub = exif.get_ifd(0x8769) if exif else {}
        for tag, name in _EXIF_NAMES.items():
            if tag in sub and name not in found:
                found[name] = "present" if name == "MakerNote" else _short(sub[tag])
        gps = exif.get_ifd(0x8825) if exif else {}
        if gps:
            found["GPSInfo"] = f"{len(gps)} location fields"
    except Exception:
        pass
    if exif and len(exif):
        found.setdefault("EXIF", f"{len(exif)} tags")
    for key in ("xmp", "XML:com.adobe.xmp"):
        if key in image.info:
            found["XMP"] = "present"
    if "photoshop" in image.info or "iptc" in image.info or _has_iptc(image):
        found["IPTC"] = "present"
    if "comment" in image.info:
        found["Comment"] = _short(image.info["comment"])
    if "icc_profile" in image.info:
        found["ICC profile"] = "converted to sRGB, then dropped"
    if "thumbnail" in image.info or data.count(b"\xff\xd8\xff") > 1:
        found["Thumbnail"] = "present"
    for key, value in getattr(image, "text", {}).items():
        found[f"PNG text: {key}"] = _short(value)
    return found


def _has_iptc(image: PILImage.Image) -> bool:
    try:
        from PIL import IptcImagePlugin

        return bool(IptcImagePlugin.getiptcinfo(image))
    except Exception:
        return False


def _short(value: object) -> str:
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    text = str(value).strip()
    return text if len(text) <= 80 else text[:77] + "…"
