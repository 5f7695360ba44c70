"""Synthetic images for uploader tests (no patient data)."""

from __future__ import annotations

import numpy as np


def smooth_rgb(height: int = 600, width: int = 800, seed: int = 0) -> np.ndarray:
    """A photo-like colour image: gradients plus mild noise (compresses like a real picture)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([(x * 255 / width), (y * 255 / height), ((x + y) * 127 / (width + height)) + 64], -1)
    rgb = rgb + rng.normal(0, 12, rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def grey_radiograph(size: int = 512, seed: int = 1) -> np.ndarray:
    """A grey, radiograph-like image (a bright disc on a dark field with noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    disc = ((x - size / 2) ** 2 + (y - size / 2) ** 2) < (size / 3) ** 2
    grey = 40 + 150 * disc + rng.normal(0, 10, (size, size))
    return np.clip(grey, 0, 255).astype(np.uint8)


PATIENT_NAME = "DOE^JANE"
PATIENT_ID = "RS98765"
BIRTH_DATE = "19800214"
INSTITUTION = "Springfield General Hospital"


def write_sample_dicom(path, *, seed: int = 0, burned_in: bool = False, size: int = 512):
    """A synthetic CR image of the fake patient DOE^JANE (ID RS98765), written with pydicom.

    With `burned_in`, the patient's name and ID are also drawn into the pixels, as old devices do.
    """
    from pathlib import Path

    import cv2
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    path = Path(path)
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    body = ((x - size / 2) ** 2 / (size / 2.6) ** 2 + (y - size / 2) ** 2 / (size / 2.2) ** 2) < 1
    lung = (((x - size * 0.37) ** 2 + (y - size * 0.45) ** 2) < (size / 7) ** 2) | (((x - size * 0.63) ** 2 + (y - size * 0.45) ** 2) < (size / 7) ** 2)
    pixels = 200 + 1800 * body - 1200 * lung + rng.normal(0, 40, (size, size))
    pixels = np.clip(pixels, 0, 4095).astype(np.uint16)
    if burned_in:
        canvas = np.zeros((size, size), np.uint8)
        cv2.putText(canvas, f"{PATIENT_NAME} {PATIENT_ID}", (12, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 255, 2)
        pixels[canvas > 0] = 4095

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"  # CR Image Storage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = PATIENT_NAME
    ds.PatientID = PATIENT_ID
    ds.PatientBirthDate = BIRTH_DATE
    ds.PatientSex = "F"
    ds.InstitutionName = INSTITUTION
    ds.ReferringPhysicianName = "HOUSE^GREGORY"
    ds.AccessionNumber = "ACC445566"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240312"
    ds.StudyTime = "101500"
    ds.Modality = "CR"
    ds.BodyPartExamined = "CHEST"
    ds.Manufacturer = "Acme"
    ds.StudyDescription = "CHEST PA"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.BurnedInAnnotation = "YES" if burned_in else "NO"
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.WindowCenter = 1200
    ds.WindowWidth = 2600
    ds.PixelData = pixels.tobytes()
    ds.add_new(0x00091010, "LO", f"private {PATIENT_NAME}")
    ds.save_as(str(path), enforce_file_format=True)
    return path
