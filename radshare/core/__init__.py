"""Pure-Python core: no Qt, no uploaders. Everything the GUI does goes through here."""
