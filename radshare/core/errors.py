"""Errors a user can read: each names the input and the reason, never a patient value."""

from __future__ import annotations


class RadShareError(Exception):
    """Base for errors shown to the user as they are (no traceback)."""


class InputError(RadShareError):
    """An input cannot be processed (not DICOM, truncated, unsupported compression, ...)."""


class ConfigError(RadShareError):
    """Bad settings or usage: exit code 2."""


class UncheckableFrame(ValueError):
    """Compressed pixel data whose structure cannot be walked: hidden metadata cannot be ruled out."""
