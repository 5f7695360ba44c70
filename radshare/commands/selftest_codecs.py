"""Selftest of pydicom's pixel codecs: one tiny sample per transfer syntax, decoded and compared.

The samples in resources/selftest/codecs/ hold no patient data, only a known pattern
(`expected_pixels`), written by packaging/make-codec-samples (dcmtk for the JPEG family,
JPEG-LS and big endian; pydicom for the rest). Decoding them proves that the codec plugins are
present *and found*: pylibjpeg finds its libjpeg/openjpeg/rle plugins through package metadata,
which a frozen bundle loses unless its recipe copies it, and pydicom then silently lacks codecs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROWS = COLS = 32  # openjpeg refuses smaller images at its default resolution levels

#: sample name -> (bits allocated, bits stored, lossy)
SAMPLES: dict[str, tuple[int, int, bool]] = {
    "implicit-le": (16, 12, False),
    "explicit-le": (16, 12, False),
    "explicit-be": (16, 12, False),
    "deflate": (16, 12, False),
    "rle": (16, 12, False),
    "jpeg-baseline": (8, 8, True),
    "jpeg-extended": (16, 12, True),
    "jpeg-lossless": (16, 12, False),
    "jpeg-lossless-sv1": (16, 12, False),
    "jpeg-ls-lossless": (16, 12, False),
    "jpeg-ls-near": (16, 12, True),
    "jpeg2000-lossless": (16, 12, False),
    "jpeg2000": (16, 12, True),
}


def expected_pixels(bits_allocated: int, bits_stored: int) -> np.ndarray:
    """The samples' pattern: a diagonal ramp over the stored range with a bright square."""
    top = 2**bits_stored - 1
    yy, xx = np.mgrid[0:ROWS, 0:COLS]
    pixels = (xx + yy) * top // (ROWS + COLS)
    pixels[8:16, 8:16] = top
    return pixels.astype(np.uint8 if bits_allocated == 8 else np.uint16)


def samples_dir() -> Path:
    from radshare.core.resources import resource_path

    return resource_path("selftest", "codecs")


@dataclass
class CodecResult:
    name: str
    syntax: str
    ok: bool
    detail: str  # the plugin that decoded it, or why it failed


def check_sample(path: Path) -> CodecResult:
    """Decode one sample with every plugin pydicom has for its syntax and compare each result with
    the pattern (exactly, or within a lossy codec's error). Fails when no plugin decodes it or one
    decodes it wrongly; `detail` names the plugins that decoded it."""
    import pydicom
    from pydicom.pixels import get_decoder, pixel_array

    name = path.stem
    bits, stored, lossy = SAMPLES[name]
    expected = expected_pixels(bits, stored).astype(np.int32)
    tolerance = (2**stored - 1) * 0.03 if lossy else 0.0
    try:
        ds = pydicom.dcmread(path)
        syntax = ds.file_meta.TransferSyntaxUID
        decoder = get_decoder(syntax)
    except Exception as exc:  # noqa: BLE001 - any failure is this codec's failing line
        return CodecResult(name, name, False, f"cannot read the sample ({type(exc).__name__})")
    if not decoder.is_available:
        return CodecResult(name, syntax.name, False, "no decoder plugin available")
    plugins = list(decoder.available_plugins) if not decoder.is_native else [""]
    decoded, refused = [], []
    for plugin in plugins:
        label = plugin or "native"
        try:
            pixels = pixel_array(ds, decoding_plugin=plugin).astype(np.int32)
        except Exception:  # noqa: BLE001 - a plugin may not support this sample's precision
            refused.append(label)  # (Pillow refuses 12-bit JPEG); another plugin must decode it
            continue
        error = float(np.abs(pixels - expected).mean()) if pixels.shape == expected.shape else float("inf")
        if error > tolerance:
            return CodecResult(name, syntax.name, False, f"{label} decodes it wrongly (mean error {error:.1f})")
        decoded.append(label)
    if not decoded:
        return CodecResult(name, syntax.name, False, f"no plugin could decode it (tried {', '.join(refused)})")
    return CodecResult(name, syntax.name, True, "+".join(decoded))


def check_all(folder: Path | None = None) -> list[CodecResult]:
    """One result per known sample; a sample missing from the installation is a failure too."""
    folder = folder or samples_dir()
    results = []
    for name in SAMPLES:
        path = folder / f"{name}.dcm"
        if path.is_file():
            results.append(check_sample(path))
        else:
            results.append(CodecResult(name, name, False, "sample missing from this installation"))
    return results


def pylibjpeg_plugins() -> list[str]:
    """The decoders pylibjpeg found through entry points (empty when package metadata is lost)."""
    try:
        from pylibjpeg.utils import get_pixel_data_decoders
    except ImportError:
        return []
    return sorted({func.__module__.split(".")[0] for func in get_pixel_data_decoders().values()})
