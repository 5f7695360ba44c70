"""A synthetic sample case, generated on demand, so a new user sees RadShare work at once.

The fake patient DOE^JANE carries identifiers everywhere a real file would: the header, a
nested sequence, private tags, an overlay, text burned into an ultrasound image's pixels, and a
clinical photo with EXIF GPS, camera serial, dates and a name label in the frame. Nothing here is real.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from radshare.core.fsutil import atomic_write_bytes

PATIENT_NAME = "DOE^JANE"
PATIENT_ID = "MRN-4471093"
BIRTH_DATE = "19700314"
STUDY_DATE = "20240612"
INSTITUTION = "St Example General Hospital"
ACCESSION = "ACC-88213"
BURNED_IN_LINES = ("DOE JANE", "ID MRN-4471093", "DOB 14/03/1970", "ST EXAMPLE GENERAL")

_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _font(size: int):
    try:
        return ImageFont.truetype(_FONT, size)
    except OSError:
        return ImageFont.load_default(size=size)


def frame_of_reference(study_uid: str) -> str:
    """One frame of reference per study, derived so every slice of the study shares it."""
    from pydicom.uid import generate_uid

    return generate_uid(entropy_srcs=[study_uid, "frame-of-reference"])


def _base_dataset(sop_class: str, modality: str, series: int, instance: int, study_uid: str, series_uid: str):
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.SourceApplicationEntityTitle = "EXAMPLE_PACS"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.FrameOfReferenceUID = frame_of_reference(study_uid)
    ds.PatientName = PATIENT_NAME
    ds.PatientID = PATIENT_ID
    ds.PatientBirthDate = BIRTH_DATE
    ds.PatientSex = "F"
    ds.PatientAge = "054Y"
    ds.PatientAddress = "12 Sample Street, Exampletown"
    ds.PatientTelephoneNumbers = "+1 555 0100 2233"
    ds.OtherPatientIDs = "SSN-078-05-1120"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = STUDY_DATE
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
    ds.AccessionNumber = ACCESSION
    ds.StudyID = "S-2024-0612"
    ds.InstitutionName = INSTITUTION
    ds.InstitutionAddress = "1 Hospital Road, Exampletown"
    ds.ReferringPhysicianName = "HOUSE^GREGORY"
    ds.OperatorsName = "TECH^ALEX"
    ds.StationName = "EXAMPLE-CT01"
    ds.DeviceSerialNumber = "SN-55012"
    ds.Manufacturer = "ExampleMed"
    ds.ManufacturerModelName = "Imager 3000"
    ds.StudyDescription = "CT CHEST for Jane Doe"
    ds.SeriesDescription = "AXIAL LUNG"
    ds.Modality = modality
    ds.SeriesNumber = series
    ds.InstanceNumber = instance
    ds.AdditionalPatientHistory = "Jane Doe, seen 12/06/2024, MRN-4471093"
    request = Dataset()
    request.RequestingPhysician = "WATSON^JOHN"
    request.RequestedProcedureID = "RP-99120"
    ds.RequestAttributesSequence = Sequence([request])
    # A vendor's private block, as real scanners write them.
    block = ds.private_block(0x0029, "EXAMPLEMED PRIVATE", create=True)
    block.add_new(0x10, "LO", "DOE JANE MRN-4471093")
    block.add_new(0x11, "DA", BIRTH_DATE)
    return ds


def _ct_slice(index: int, study_uid: str, series_uid: str):
    ds = _base_dataset("1.2.840.10008.5.1.4.1.1.2", "CT", 2, index + 1, study_uid, series_uid)
    size = 256
    yy, xx = np.mgrid[0:size, 0:size]
    body = ((xx - 128) ** 2 / 110**2 + (yy - 128) ** 2 / 80**2) <= 1
    lungs = (((xx - 85) ** 2 / 35**2 + (yy - 125) ** 2 / 50**2) <= 1) | (((xx - 171) ** 2 / 35**2 + (yy - 125) ** 2 / 50**2) <= 1)
    hu = np.full((size, size), -1000, dtype=np.int16)
    hu[body] = 40
    hu[lungs] = -850
    nodule = ((xx - 160 - index) ** 2 + (yy - 110) ** 2) <= 36
    hu[nodule] = 30
    spine = ((xx - 128) ** 2 + (yy - 190) ** 2) <= 120
    hu[spine] = 700
    ds.set_pixel_data((hu + 1024).astype(np.uint16), "MONOCHROME2", 12, generate_instance_uid=False)
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    ds.WindowCenter = -600
    ds.WindowWidth = 1500
    ds.PixelSpacing = [0.8, 0.8]
    ds.SliceThickness = 2.5
    ds.ImagePositionPatient = [-102.4, -102.4, -50.0 + 2.5 * index]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.BurnedInAnnotation = "NO"
    # An overlay plane with a label: graphics that can carry names.
    overlay = np.zeros((size, size), dtype=np.uint8)
    overlay[10:20, 10:120] = 1
    ds.add_new(0x60000010, "US", size)
    ds.add_new(0x60000011, "US", size)
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60001500, "LO", "DOE JANE")
    ds.add_new(0x60003000, "OW", np.packbits(overlay.ravel(), bitorder="little").tobytes())
    return ds


def _ultrasound(study_uid: str, series_uid: str):
    ds = _base_dataset("1.2.840.10008.5.1.4.1.1.6.1", "US", 3, 1, study_uid, series_uid)
    ds.StudyDescription = "US ABDOMEN"
    ds.SeriesDescription = "LIVER"
    rows, cols = 480, 640
    rng = np.random.default_rng(7)
    picture = np.zeros((rows, cols), dtype=np.uint8)
    yy, xx = np.mgrid[0:rows, 0:cols]
    fan = ((xx - 320) ** 2 + (yy + 40) ** 2 <= 440**2) & ((xx - 320) ** 2 + (yy + 40) ** 2 >= 90**2) & (abs(xx - 320) < (yy + 40) * 0.9)
    picture[fan] = rng.integers(40, 140, size=int(fan.sum()), dtype=np.uint8)
    image = PILImage.fromarray(picture, mode="L").convert("RGB")
    draw = ImageDraw.Draw(image)
    font = _font(15)
    for line, text in enumerate(BURNED_IN_LINES):
        draw.text((10, 8 + 20 * line), text, fill=(235, 235, 235), font=font)
    draw.text((540, 8), "L", fill=(235, 235, 235), font=_font(22))
    ds.set_pixel_data(np.asarray(image, dtype=np.uint8), "RGB", 8, generate_instance_uid=False)
    ds.BurnedInAnnotation = "YES"
    return ds


def sample_photo_bytes() -> bytes:
    """A JPEG 'clinical photo' with EXIF GPS, camera serial, owner, dates, a comment and a name label."""
    size = (480, 360)
    skin = np.zeros((size[1], size[0], 3), dtype=np.uint8)
    skin[...] = (214, 170, 150)
    yy, xx = np.mgrid[0 : size[1], 0 : size[0]]
    lesion = ((xx - 240) ** 2 / 60**2 + (yy - 180) ** 2 / 40**2) <= 1
    skin[lesion] = (140, 70, 60)
    image = PILImage.fromarray(skin, mode="RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 300, 260, 340), fill=(250, 250, 250))
    draw.text((28, 308), "DOE JANE MRN-4471093", fill=(0, 0, 0), font=_font(16))
    exif = PILImage.Exif()
    exif[0x010F] = "ExamplePhone"
    exif[0x0110] = "Model X Pro"
    exif[0x0132] = "2024:06:12 10:15:00"
    exif[0x013B] = "Dr Jane's phone"
    exif[0x010E] = "Jane Doe wound day 3"
    exif[0x0112] = 1
    gps = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)}
    exif[0x8825] = gps
    exif_ifd = {0x9003: "2024:06:12 10:15:00", 0xA431: "SERIAL-998877", 0xA430: "Jane Doe"}
    exif[0x8769] = exif_ifd
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif, comment=b"Patient DOE^JANE")
    return out.getvalue()


def write_sample_case(folder: Path, ct_slices: int = 4) -> list[Path]:
    """Write the sample case into `folder` (created); returns the files written."""
    from pydicom.uid import generate_uid

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    study_uid = generate_uid()
    ct_series = generate_uid()
    written: list[Path] = []
    for index in range(ct_slices):
        path = folder / "DOE_JANE_CT" / f"IM{index + 1:04d}.dcm"
        written.append(_save(_ct_slice(index, study_uid, ct_series), path))
    written.append(_save(_ultrasound(study_uid, generate_uid()), folder / "DOE_JANE_US" / "US0001"))
    photo = folder / "photos" / "jane_doe_wound.jpg"
    atomic_write_bytes(photo, sample_photo_bytes())
    written.append(photo)
    notes = folder / "case.md"
    atomic_write_bytes(
        notes,
        (
            "# Solitary pulmonary nodule\n\n"
            "History: Jane Doe (MRN-4471093, born 14/03/1970) presented on 12 June 2024 with cough.\n\n"
            "Findings: 9 mm nodule in the right upper lobe.\n\nDiagnosis: Hamartoma.\n"
        ).encode(),
    )
    written.append(notes)
    return written


def _save(ds, path: Path) -> Path:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    atomic_write_bytes(path, buffer.getvalue())
    return path
