"""Dock panels: series, de-identification what-if, text review, annotation properties, log."""
