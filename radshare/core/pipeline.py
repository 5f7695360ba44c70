"""One input in, de-identified outputs and a report entry out: used by the CLI, batch and GUI.

`process_item` is a pure function of its input and `Settings` (the key travels inside them), so
it runs the same in this process, in a process pool or on a dask worker. It never writes next
to the input, writes outputs atomically, names them by pseudonyms only, and turns every failure
into a `FileReport` with a clear reason instead of an exception: a bad file never stops a batch,
and a file that cannot be cleaned never leaves a copy behind.
"""

from __future__ import annotations

import errno
import hashlib
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from radshare.core.audit import FileReport, empty_actions, error_report, skipped_report
from radshare.core.choices import PHOTO_FORMATS, TEXT_REDACTION_MODES
from radshare.core.errors import ConfigError, InputError
from radshare.core.fsutil import atomic_write_bytes
from radshare.core.model import Identifiers, Image, TextRegion
from radshare.core.peek import peek
from radshare.core.resources import resource_path
from radshare.core.sources import InputItem, read_dicom, sniff

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DICOM_SUFFIXES = {".dcm", ".dicom", ".dic", ".ima", ""}


@dataclass(frozen=True)
class Settings:
    """Everything that decides an output. Picklable, so workers on any executor get the same."""

    profile: str = "teaching"
    text_redaction: str = "auto"  # auto | off | templates-only | tesseract
    date_shift_days: int | None = None  # a fixed shift; None: keyed per patient (research profile)
    key: bytes = b""
    photo_format: str = "same"  # same | jpeg | png
    series: bool = True  # text: detect once per layout of a series or cine and verify every frame; False: detect every frame in full

    def __post_init__(self) -> None:
        if self.text_redaction not in TEXT_REDACTION_MODES:
            raise ConfigError(f"unknown text redaction mode {self.text_redaction!r}")
        if self.photo_format not in PHOTO_FORMATS:
            raise ConfigError(f"unknown photo format {self.photo_format!r}")


def settings_for_installation(**overrides) -> Settings:
    """Settings with this installation's secret key (from the OS keyring)."""
    from radshare.core.deid.keys import installation_key

    overrides.setdefault("key", installation_key())
    settings = Settings(**overrides)
    profile_for(settings)  # fail early, as configuration errors: an unknown profile,
    pseudonymizer_for(settings)  # a date shift of zero days
    if settings.text_redaction != "off":
        check_detector_settings()  # ... and detector settings that cannot be read
    return settings


def check_detector_settings() -> None:
    """A broken detector settings file or override stops the run before any file, as a
    configuration error naming the key; otherwise every image would fail alike."""
    from radshare.core.redact import settings as detector

    try:
        detector.current()
    except detector.SettingsError as exc:
        raise ConfigError(f"the detector settings cannot be used: {exc}") from None


def detector_changed() -> bool:
    """True when the detector runs with changed settings (RADSHARE_DETECTOR_OVERRIDES): a pass
    may be off, so what it found is not what the product promises and a person must look."""
    from radshare.core.redact import settings as detector

    return bool(detector.overrides_in_force())


@lru_cache(maxsize=8)
def _profile(name: str):
    from radshare.core.deid.profile import load_profile

    return load_profile(name)


def profile_for(settings: Settings):
    return _profile(settings.profile)


@lru_cache(maxsize=8)
def _pseudonymizer(key: bytes, fixed_shift: int | None):
    from radshare.core.deid.pseudonyms import Pseudonymizer

    if not key:
        raise ConfigError("no de-identification key: use settings_for_installation()")
    return Pseudonymizer(key, fixed_date_shift_days=fixed_shift)


def pseudonymizer_for(settings: Settings):
    return _pseudonymizer(settings.key, settings.date_shift_days)


def warm_header_path(settings: Settings) -> None:
    """Load once, in this process, what de-identifying any header needs: its modules, the
    profile's tables, the vocabulary and the compiled text patterns (about 0.1 s of CPU). A batch
    calls it before its worker processes fork, so they inherit all of it instead of each loading
    its own; the small data set cleaned here is made up and never written."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage

    from radshare.core.deid.clean import clean_dataset

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = "2.25.1"
    ds.PatientName, ds.PatientID, ds.StudyDate = "Doe^Jane", "12345678", "20200102"
    ds.StudyDescription, ds.InstitutionName = "CT head without contrast", "General Hospital"
    ds.set_original_encoding(False, True, None)
    clean_dataset(ds, profile_for(settings), pseudonymizer_for(settings))


# ---------------------------------------------------------------------------------------------
# Every image is scanned for burned-in text; the policy file only orders review
# (data: resources/burned_in_policy.toml).


@lru_cache(maxsize=1)
def _burned_in_policy() -> dict:
    with open(resource_path("burned_in_policy.toml"), "rb") as handle:
        return tomllib.load(handle)


def _as_list(value) -> list:
    if value is None or value == "":
        return []
    return [value] if isinstance(value, (str, bytes)) else list(value)


def has_pixels(ds) -> bool:
    """True when the dataset holds an image: then its pixels are always scanned for text.

    Burned In Annotation, modality and SOP class never exempt an image from the look: the flag
    is routinely absent or wrong on reformats, MIPs, 3D screenshots, dose sheets and scans.
    """
    return any(keyword in ds for keyword in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"))


def review_priority(ds) -> int:
    """0 (review first) .. 2 (last): how likely the pixels show text, for ordering review only."""
    policy = _burned_in_policy()
    if str(peek(ds, "BurnedInAnnotation", "")).upper() == "YES":
        return 0
    sop_class = str(peek(ds, "SOPClassUID", ""))
    if any(sop_class.startswith(prefix) for prefix in policy["first_sop_classes"]):
        return 0
    image_type = [str(v).upper() for v in _as_list(peek(ds, "ImageType"))]
    if any(value in image_type for value in policy["first_image_types"]):
        return 0
    return 1 if str(peek(ds, "Modality", "")).upper() in policy["next_modalities"] else 2


# ---------------------------------------------------------------------------------------------
# DICOM


@dataclass
class DicomResult:
    dataset: object
    actions: dict[str, int]
    identifiers: Identifiers
    redaction: object | None = None  # radshare.core.redact.RedactionOutcome when detection ran
    needs_text_review: bool = False
    detector: str = "off"
    regions: list[TextRegion] = field(default_factory=list)


def deidentify_dicom(
    ds, settings: Settings, regions: list[TextRegion] | None = None, found: list[TextRegion] | None = None
) -> DicomResult:
    """Header de-identification plus burned-in text redaction, in place on `ds`.

    With `regions` (reviewed in the GUI) those are painted; otherwise detection runs on every
    image unless the mode is "off" (then the result says the pixels need review), or `found`
    gives what detection already found on these pixels (a series scanned as a whole). Raises
    InputError when pixels must be cleaned and cannot be: the caller then writes nothing.
    """
    from radshare.core.deid.clean import clean_dataset
    from radshare.core.deid.header import mark_pixels_cleaned
    from radshare.core.deid.identifiers import collect_identifiers

    flagged = has_pixels(ds)  # every image is looked at, whatever its header says
    detect = regions is None and flagged and settings.text_redaction != "off"
    # OCR matching needs the identifiers before the header loses them; otherwise the header
    # engine collects them itself, and once is enough.
    identifiers = collect_identifiers(ds) if detect else None
    outcome = None
    detector = "off"
    painted: list[TextRegion] = []
    if detect or (regions is not None and any(not r.keep for r in regions)):
        check_decoded_budget(ds)
    if regions is not None:
        from radshare.core.redact.apply import redact_dataset

        painted = [r for r in regions if not r.keep]
        if painted:
            redact_dataset(ds, painted)
        detector = "reviewed"
    elif detect:
        from radshare.core.redact import redact_dicom

        outcome = redact_dicom(ds, identifiers, mode=settings.text_redaction, series=settings.series, found=found)
        painted = [r for r in outcome.regions if not r.keep]
        detector = outcome.detector
    result = clean_dataset(ds, profile_for(settings), pseudonymizer_for(settings))  # header, frames, bits, bulk data
    cleaned = detector != "off"
    weakened = detector not in ("off", "reviewed") and detector_changed()
    if cleaned and "PixelData" in ds:
        ds.BurnedInAnnotation = "NO"
        mark_pixels_cleaned(ds)
    return DicomResult(
        dataset=ds,
        actions=dict(result.actions),
        identifiers=identifiers if identifiers is not None else result.identifiers,
        redaction=outcome,
        needs_text_review=flagged and (not cleaned or weakened),
        detector=detector,
        regions=painted,
    )


def check_decoded_budget(ds) -> None:
    """Refuse, before decoding, pixels that would not fit their budget once decoded (see
    `budgets.decoded_budget`): text redaction holds every frame decoded at once, several times over."""
    from radshare.core.budgets import OverBudget, decoded_budget, megabytes

    try:
        rows, cols = int(peek(ds, "Rows")), int(peek(ds, "Columns"))
        frames = int(peek(ds, "NumberOfFrames", 1) or 1)
        samples = int(peek(ds, "SamplesPerPixel", 1) or 1)
        bits = int(peek(ds, "BitsAllocated"))
    except (TypeError, ValueError):
        return  # check_dataset has refused what lacks these; decoding then names the problem
    decoded = rows * cols * frames * samples * max(1, (bits + 7) // 8)
    stored = ds.get("PixelData")
    allowed = decoded_budget(len(stored) if isinstance(stored, (bytes, bytearray)) else 0)
    if decoded > allowed:
        raise OverBudget(
            f"the pixels decode to {megabytes(decoded)} ({frames} frames of {rows}×{cols}), over the "
            f"{megabytes(allowed)} budget for text redaction; nothing was written"
        )


def dicom_bytes(ds) -> bytes:
    """The dataset as a DICOM Part 10 file, in its own transfer syntax."""
    from radshare.core.part10 import part10_bytes

    return part10_bytes(ds)


def dicom_pieces(ds) -> list:
    """The same file as consecutive pieces (see part10.part10_pieces), for writing."""
    from radshare.core.part10 import part10_pieces

    return part10_pieces(ds)


def _token(settings: Settings, *parts: str, length: int = 8) -> str:
    """A short keyed name part, from the same keyed hash as every other pseudonym."""
    return pseudonymizer_for(settings).token("\x1f".join(parts), length=length)


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def dicom_output_path(ds, settings: Settings) -> Path:
    """Where an instance goes, from keyed pseudonyms of its original identity only.

    `RS-<patient>/ST-<study>/S<series number>-<modality>-<series>/<instance number>-<instance>.dcm`,
    the patient folder named by the same pseudonym that replaces Patient Name and ID inside.
    Computed before any work is done, so a re-run can skip what is already complete.
    """
    from radshare.core.deid.header import patient_pseudonym

    patient = patient_pseudonym(ds, pseudonymizer_for(settings))
    study = _token(settings, "study", str(ds.get("StudyInstanceUID", "")))  # UIDs: replaced, so decoded for good
    series = _token(settings, "series", str(ds.get("SeriesInstanceUID", "")), length=6)
    instance = _token(settings, "instance", str(ds.get("SOPInstanceUID", "")))
    modality = output_modality(peek(ds, "Modality", "OT"))
    series_number = _int(peek(ds, "SeriesNumber"))
    instance_number = _int(peek(ds, "InstanceNumber"))
    return Path(
        patient, f"ST-{study}", f"S{series_number:03d}-{modality}-{series}", f"{instance_number:04d}-{instance}.dcm"
    )


@lru_cache(maxsize=1)
def _modalities() -> frozenset[str]:
    text = resource_path("modalities.txt").read_text(encoding="utf-8")
    return frozenset(word for line in text.splitlines() if not line.startswith("#") for word in line.split())


def output_modality(value) -> str:
    """The Modality part of an output name: a defined term, else OT. Only a known code may name
    a folder: a header value can hold anything, a patient's name included."""
    code = str(value or "").strip().upper()
    return code[:4] if code in _modalities() else "OT"


def _complete_dicom(path: Path, settings: Settings, original) -> bool:
    """An output left by an earlier run is reused only when it parses, is the same instance, was
    made by this RadShare with the same profile, and has its pixels cleaned when this run would
    clean them: a re-run after an upgrade, with another profile or with text redaction turned on
    redoes the file instead of keeping what the earlier settings left in it."""
    import pydicom

    from radshare.core.deid.header import method_name

    if not path.is_file():
        return False
    try:
        done = pydicom.dcmread(path, stop_before_pixels=True)
        methods = done.get("DeidentificationMethod", "")
    except Exception:
        return False
    made_by = methods if isinstance(methods, str) else next(iter(methods), "")
    if str(made_by) != method_name(settings.profile):
        return False
    if settings.text_redaction != "off" and has_pixels(original) and not _pixels_were_cleaned(done):
        return False
    original_sop_uid = str(original.get("SOPInstanceUID", ""))
    expected = pseudonymizer_for(settings).uid(original_sop_uid) if original_sop_uid else None
    return expected is None or str(done.get("SOPInstanceUID", "")) == expected


def _pixels_were_cleaned(done) -> bool:
    """True when an earlier output records that its pixels went through text redaction (CID 7050
    113101 "Clean Pixel Data"): a file an earlier release passed over on its Burned In Annotation
    says NO but lacks the code, so it is scanned again."""
    codes = {str(item.get("CodeValue", "")) for item in done.get("DeidentificationMethodCodeSequence", None) or []}
    return str(done.get("BurnedInAnnotation", "")) == "NO" and "113101" in codes


def _process_dicom(item: InputItem, data: bytes, out_dir: Path, settings: Settings, found=None) -> FileReport:
    ds = read_dicom(data, item.display)
    relative = dicom_output_path(ds, settings)
    target = out_dir / relative
    report = FileReport(input=item.display, kind="dicom")
    if _complete_dicom(target, settings, ds):
        report.outputs = [str(target)]
        report.resumed = True
        report.text_redaction = "earlier run"
        return report
    result = deidentify_dicom(ds, settings, found=found)
    atomic_write_bytes(target, dicom_pieces(result.dataset))
    report.outputs = [str(target)]
    report.actions = result.actions
    report.text_regions = len(result.regions)
    report.text_redaction = result.detector
    report.needs_text_review = result.needs_text_review
    report.identifier_hits = getattr(result.redaction, "identifier_hits", 0) if result.redaction else 0
    return report


# ---------------------------------------------------------------------------------------------
# Photos


def _photo_format(data: bytes, settings: Settings) -> str:
    if settings.photo_format != "same":
        return settings.photo_format
    lossless = data.startswith((b"\x89PNG", b"II*\x00", b"MM\x00*", b"BM", b"GIF8"))
    return "png" if lossless else "jpeg"


def clean_photo_pixels(data: bytes, display: str, settings: Settings):
    """De-identified photo pixels: metadata dropped, text and faces painted when the mode allows."""
    from radshare.core.deid.photo import clean_photo

    rgb, _ = clean_photo(data, display=display)
    outcome = None
    if settings.text_redaction != "off":
        from radshare.core.tiles import redact_photo_within_budget

        rgb, outcome = redact_photo_within_budget(rgb, Identifiers(), mode=settings.text_redaction)
    return rgb, outcome


def _process_photo(item: InputItem, data: bytes, out_dir: Path, settings: Settings) -> FileReport:
    from radshare.core.export.images import encode_image, extension

    fmt = _photo_format(data, settings)
    name = _token(settings, "photo", hashlib.sha256(data).hexdigest(), length=12)
    target = out_dir / "photos" / f"{name}{extension(fmt)}"
    report = FileReport(input=item.display, kind="photo")
    if target.is_file() and sniff(_head(target)) == "photo":
        report.outputs = [str(target)]
        report.resumed = True
        report.text_redaction = "earlier run"
        return report
    rgb, outcome = clean_photo_pixels(data, item.display, settings)
    atomic_write_bytes(target, encode_image(rgb, fmt, quality=92))
    report.outputs = [str(target)]
    record_photo_cleaning(report, outcome)
    return report


def _head(path: Path, size: int = 64) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def record_photo_cleaning(report: FileReport, outcome) -> None:
    """What cleaning a photo did, in the report: the metadata block, and the text redaction."""
    report.actions = empty_actions() | {"removed": 1}  # the whole metadata block
    if outcome is not None:
        report.text_regions = len([r for r in outcome.regions if not r.keep])
        report.text_redaction = outcome.detector
        report.identifier_hits = outcome.identifier_hits
        report.needs_text_review = detector_changed()
    else:
        report.needs_text_review = True


# ---------------------------------------------------------------------------------------------
# The one entry point


def process_item(item: InputItem, out_dir: Path, settings: Settings, found: list[TextRegion] | None = None) -> FileReport:
    """De-identify one input into `out_dir`. Never raises for a bad input: it reports it.

    Whatever goes wrong inside one item is that item's error, with the reason found: a damaged
    zip member, an input over a memory budget, an output folder that is read-only or full.
    `found`: text regions already detected on this DICOM image's pixels (see core/seriesgroups.py).
    """
    try:
        data = item.read_bytes()
    except InputError as exc:
        return error_report(item.display, _reason(exc, item.display))
    except OSError as exc:
        return error_report(item.display, f"cannot be read ({_os_reason(exc)})")
    except MemoryError:
        return error_report(item.display, "too large to read into memory; nothing was written")
    except Exception as exc:  # a bug must still not stop the batch nor leak a value
        return error_report(item.display, f"internal error while reading ({exc.__class__.__name__}); nothing was written")
    try:
        return _process_data(item, data, Path(out_dir), settings, found)
    except InputError as exc:
        return error_report(item.display, _reason(exc, item.display))
    except MemoryError:
        return error_report(item.display, "too large to process in memory; nothing was written")
    except OSError as exc:  # reading was done: what fails now is writing the output
        return error_report(item.display, f"the output cannot be written ({_os_reason(exc)}); nothing was written")
    except Exception as exc:  # a bug must still not stop the batch nor leak a value
        return error_report(item.display, f"internal error while processing ({exc.__class__.__name__}); nothing was written")


def _process_data(item: InputItem, data: bytes, out_dir: Path, settings: Settings, found=None) -> FileReport:
    if not data:
        return error_report(item.display, "empty file (0 bytes)")
    kind = sniff(data)
    if kind == "dicom":
        return _process_dicom(item, data, out_dir, settings, found)
    if kind == "photo":
        return _process_photo(item, data, out_dir, settings)
    if kind == "dicomdir":
        return skipped_report(item.display, "DICOMDIR index: the files it lists are processed themselves; the index is not copied because it carries names")
    if item.suffix in DICOM_SUFFIXES:
        return error_report(item.display, f"not a DICOM file (no DICOM header found in its {len(data)} bytes)")
    return skipped_report(item.display, "neither a DICOM file nor a supported image")


_OS_REASONS = {
    errno.EROFS: "the output folder is read-only",
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "path too long for this system",
    errno.EMFILE: "too many open files",
    errno.EIO: "input/output error (a failing disk or network share?)",
}


def _os_reason(exc: OSError) -> str:
    """What the system said, in words: never the exception class, never a path (it may hold names)."""
    return _OS_REASONS.get(exc.errno, exc.strerror or f"system error {exc.errno}" if exc.errno else "system error")


def _reason(exc: Exception, display: str) -> str:
    text = str(exc)
    prefix = f"{display}: "
    return text[len(prefix):] if text.startswith(prefix) else text


# ---------------------------------------------------------------------------------------------
# For sharing: de-identified pixels ready to encode (rendered by core/shareable.py).


def shareable_image(item_or_path, settings: Settings, frame: int = 0):
    """Load an original, de-identify and redact it, and render one frame for sharing.

    Returns a `core.shareable.ShareableImage`, rendered by `make_shareable` in the file's own
    window; `text_review_done` says whether detection ran on pixels that may carry text.
    """
    import dataclasses

    from radshare.core.shareable import Review, make_shareable

    item = item_or_path if isinstance(item_or_path, InputItem) else InputItem(str(item_or_path), Path(item_or_path))
    data = item.read_bytes()
    kind = sniff(data)
    if kind == "photo":
        rgb, outcome = clean_photo_pixels(data, item.display, settings)
        photo = Image(origin=item.display, kind="photo", frames=np.asarray(rgb)[None], photometric="RGB")
        shared = make_shareable(photo, Review(), identifiers=Identifiers())  # colour passes through unchanged
        regions = len(outcome.regions) if outcome else 0
        return dataclasses.replace(shared, text_review_done=outcome is not None, text_regions=regions)
    if kind != "dicom":
        raise InputError(f"{item.display}: not a DICOM file or a supported image")
    from radshare.core.sources import image_from_dataset

    ds = read_dicom(data, item.display)
    result = deidentify_dicom(ds, settings)  # detected regions are painted into `ds` already
    image = image_from_dataset(result.dataset, item.display)
    shared = make_shareable(image, Review(), frame=frame, identifiers=result.identifiers)
    return dataclasses.replace(shared, text_review_done=not result.needs_text_review, text_regions=len(result.regions))


def deidentified_image_dicom(
    image: Image, settings: Settings, regions: list[TextRegion] | None = None, burned_frames: np.ndarray | None = None
) -> bytes:
    """De-identified DICOM of a loaded image, for the GUI's export.

    `regions` are the reviewed text regions (painted into the pixels); `burned_frames`, when
    given, are RGB uint8 frames with annotations drawn in, which replace the pixel data as a
    secondary capture-style RGB image.
    """
    import copy

    if image.dataset is None:
        raise InputError(f"{image.origin}: only DICOM images can be exported as DICOM")
    ds = copy.deepcopy(image.dataset)
    result = deidentify_dicom(ds, settings, regions=regions if regions is not None else list(image.regions))
    if burned_frames is not None:
        _replace_pixels_with_rgb(result.dataset, burned_frames)
    return dicom_bytes(result.dataset)


def _replace_pixels_with_rgb(ds, frames: np.ndarray) -> None:
    from pydicom.uid import ExplicitVRLittleEndian

    frames = np.ascontiguousarray(frames, dtype=np.uint8)
    # The rendered pixels are already windowed: the old value transforms no longer apply.
    for keyword in ("RescaleSlope", "RescaleIntercept", "RescaleType", "WindowCenter", "WindowWidth", "VOILUTFunction", "VOILUTSequence", "ModalityLUTSequence", "PixelPaddingValue", "SmallestImagePixelValue", "LargestImagePixelValue"):
        if keyword in ds:
            delattr(ds, keyword)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian  # set_pixel_data writes native little endian
    ds.set_pixel_data(frames[0] if frames.ndim == 4 and frames.shape[0] == 1 else frames, "RGB", 8, generate_instance_uid=False)
    ds.BurnedInAnnotation = "NO"  # teaching marks are in the pixels now, but nothing identifying
    ds.ImageType = ["DERIVED", "SECONDARY"]

