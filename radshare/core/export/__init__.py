"""Writers for de-identified outputs."""
