"""Choices shared by the command line, the app and the pipeline.

Kept in a module that imports nothing, so that building `radshare --help` loads no pixel code.
"""

TEXT_REDACTION_MODES = ("auto", "off", "templates-only", "tesseract")
PHOTO_FORMATS = ("same", "jpeg", "png")
