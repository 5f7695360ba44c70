"""Export formats offered in the window: key -> (label, file suffix)."""

FORMATS = {
    "png": ("PNG image", ".png"),
    "jpeg": ("JPEG image", ".jpg"),
    "dicom": ("De-identified DICOM", ".dcm"),
    "gif": ("GIF cine loop", ".gif"),
    "mp4": ("MP4 cine video", ".mp4"),
}
CINE = ("gif", "mp4")
