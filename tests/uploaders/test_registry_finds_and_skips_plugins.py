"""The registry lists built-ins without package metadata and skips broken plugins."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from radshare.uploaders import registry as registry_mod
from radshare.uploaders.base import Features, Limits, Uploader


class _Good(Uploader):
    id = "good-test"
    display_name = "Good"
    limits = Limits(max_images=1)
    features = Features()


class _OldApi(_Good):
    id = "old-api"
    api_version = 99


def test_builtins_are_found_without_entry_points():
    reg = registry_mod.load_registry(include_entry_points=False)
    assert {"wordpress", "discourse", "folder"} <= set(reg.ids())
    assert not [p for p in reg.problems if p.name in registry_mod.BUILTINS]


def test_broken_and_incompatible_plugins_are_reported_and_skipped(monkeypatch):
    module = __name__
    eps = [
        EntryPoint("good", f"{module}:_Good", registry_mod.GROUP),
        EntryPoint("old", f"{module}:_OldApi", registry_mod.GROUP),
        EntryPoint("missing", "no_such_module_xyz:Thing", registry_mod.GROUP),
        EntryPoint("notaclass", f"{module}:test_builtins_are_found_without_entry_points", registry_mod.GROUP),
        EntryPoint("dupe", "radshare.uploaders.folder:FolderUploader", registry_mod.GROUP),
    ]
    monkeypatch.setattr(registry_mod, "entry_points", lambda group: [e for e in eps if e.group == group])
    reg = registry_mod.load_registry()
    assert "good-test" in reg
    assert "old-api" not in reg
    reasons = {p.name: p.reason for p in reg.problems}
    assert set(reasons) == {"old", "missing", "notaclass"}
    assert "API 99" in reasons["old"]
    with pytest.raises(KeyError):
        reg.get("old-api")
