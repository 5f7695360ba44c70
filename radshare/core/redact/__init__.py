"""Burned-in text: find it in the pixels and paint it out."""
