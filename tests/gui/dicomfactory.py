"""Synthetic DICOM files for the GUI tests: a fake patient DOE^JANE with her name in the pixels."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

PATIENT = "DOE^JANE"
BURNED_TEXT = "DOE JANE 12345678"
TEXT_BOX = (16, 14, 300, 30)  # x, y, w, h around the burned-in text


def ct_pixels(size: int = 512, frames: int = 1, text: bool = True) -> np.ndarray:
    """CT-like stored values (HU + 1024): air, a body ellipse, a bright spine; text burned top-left."""
    yy, xx = np.mgrid[0:size, 0:size]
    base = np.full((size, size), 24, np.int16)  # -1000 HU
    body = ((xx - size / 2) / (size * 0.4)) ** 2 + ((yy - size / 2) / (size * 0.32)) ** 2 < 1
    base[body] = 1064  # +40 HU
    lung = ((np.abs(xx - size / 2) - size * 0.17) / (size * 0.12)) ** 2 + ((yy - size * 0.47) / (size * 0.18)) ** 2 < 1
    base[lung] = 200  # about -820 HU
    spine = ((xx - size / 2) / (size * 0.05)) ** 2 + ((yy - size * 0.7) / (size * 0.04)) ** 2 < 1
    base[spine] = 2024  # +1000 HU
    out = np.empty((frames, size, size), np.int16)
    for f in range(frames):
        frame = base.copy()
        if frames > 1:
            cy = int(size * 0.35 + f * size * 0.3 / max(frames - 1, 1))
            cv2.circle(frame, (int(size * 0.62), cy), max(4, size // 40), 1200, -1)
        if text:
            scale = size / 512
            mask = np.zeros((size, size), np.uint8)
            cv2.putText(mask, BURNED_TEXT, (int(20 * scale), int(38 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                        0.8 * scale, 255, 2, cv2.LINE_8)
            frame[mask > 0] = 3024
        out[f] = frame
    return out


def write_ct(path: Path, *, size: int = 512, frames: int = 1, text: bool = True, instance: int = 1,
             series_uid: str | None = None, patient: str = PATIENT) -> Path:
    """A CT file (single or multi-frame) with identifiers in the header and, optionally, the pixels."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    ds.SeriesInstanceUID = series_uid or "1.2.826.0.1.3680043.8.498.2"
    ds.PatientName = patient
    ds.PatientID = "12345678"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "F"
    ds.StudyDate = "20240102"
    ds.AccessionNumber = "ACC998877"
    ds.InstitutionName = "ST ELSEWHERE HOSPITAL"
    ds.ReferringPhysicianName = "HOUSE^GREGORY"
    ds.Modality = "CT"
    ds.SeriesNumber = 2
    ds.SeriesDescription = "CHEST"
    ds.InstanceNumber = instance
    ds.BurnedInAnnotation = "YES" if text else "NO"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    pixels = ct_pixels(size, frames, text)
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.RescaleSlope = 1
    ds.RescaleIntercept = -1024
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    ds.PixelSpacing = [0.7, 0.7]
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = (pixels if frames > 1 else pixels[0]).tobytes()
    ds.add_new(0x00091010, "LO", "PRIVATE DOE JANE")  # a private tag that must not survive
    ds.save_as(path, enforce_file_format=True)
    return path
