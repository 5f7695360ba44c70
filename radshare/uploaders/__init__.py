"""Uploader plugins: one module per service, found through the `radshare.uploaders` entry points."""
