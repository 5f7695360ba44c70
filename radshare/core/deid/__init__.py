"""Header, photo and free-text de-identification."""
