"""Dialogs: export, settings, about."""
