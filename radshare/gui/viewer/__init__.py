"""The image viewer: canvas, tools and the undo commands they push."""
