"""RadShare: de-identify clinical images, redact burned-in text, annotate and share them."""

__version__ = "0.1.0"
