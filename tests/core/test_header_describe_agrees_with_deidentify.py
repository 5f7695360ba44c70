"""The what-if view (describe) changes nothing and predicts exactly what deidentify_dataset does."""

from __future__ import annotations

import copy
import io
import re

import pytest

from radshare.core.deid.header import deidentify_dataset, describe, show_value
from radshare.core.deid.profile import load_profile
from radshare.core.deid.pseudonyms import Pseudonymizer
from tests.fixtures.planted import build_planted_dataset

PSEUDO = Pseudonymizer(b"describe-test-key-of-32-bytes-ok")
_STEP = re.compile(r"^(?P<keyword>\w+)\[(?P<index>\d+)\]$")
_LEAF = re.compile(r"^\((?P<group>[0-9A-F]{4}),(?P<element>[0-9A-F]{4})\) (?P<keyword>\w+)$")


def _bytes(ds) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _resolve(ds, path: str):
    """(parent data set, tag) for a PlannedAction path."""
    *steps, leaf = path.split(" > ")
    for step in steps:
        match = _STEP.match(step)
        ds = ds[match["keyword"]].value[int(match["index"])]
    match = _LEAF.match(leaf)
    return ds, (int(match["group"], 16) << 16) | int(match["element"], 16)


def test_describe_does_not_change_the_data_set():
    ds, _ = build_planted_dataset()
    before = _bytes(ds)
    describe(ds, load_profile("research"), PSEUDO)
    assert _bytes(ds) == before


@pytest.mark.parametrize("name", ["basic", "teaching", "research"])
def test_every_planned_action_is_what_happens(name):
    profile = load_profile(name)
    ds, _ = build_planted_dataset()
    plan = describe(ds, profile, PSEUDO)
    done = copy.deepcopy(ds)
    deidentify_dataset(done, profile, PSEUDO)
    assert len(plan) > 600
    wrong = []
    for action in plan:
        if action.path == "file preamble":
            present, value = any(done.preamble), None
        elif action.path.startswith("file meta > "):
            tag = int(action.path[13:17] + action.path[18:22], 16)
            present = tag in done.file_meta
            value = show_value(done.file_meta[tag].value) if present else None
        else:
            parent, tag = _resolve(done, action.path)
            present = tag in parent
            value = show_value(parent[tag].value) if present else None
        if action.action == "removed":
            ok = not present
        elif action.action == "emptied":
            ok = present and value in ("", "<0 items>")
        else:  # kept / replaced / cleaned / shifted
            ok = present and value == action.new_value
        if not ok:
            wrong.append((action.path, action.action))
    assert wrong == []


def test_reasons_name_the_rule():
    ds, _ = build_planted_dataset()
    plan = {a.keyword: a for a in describe(ds, load_profile("teaching"), PSEUDO) if " > " not in a.path}
    assert plan["PatientName"].reason.startswith("PS3.15 basic: Z")
    assert plan["PatientName"].action == "replaced" and plan["PatientName"].new_value.startswith("RS-")
    assert plan["PatientAge"].reason == "PS3.15 Retain Patient Characteristics: K"
    assert plan["StudyDescription"].reason.startswith("PS3.15 Clean Descriptors: C")
    assert plan["PixelData"].action == "kept"
    assert plan["private"].reason == "private tag"
    overlay = [a for a in describe(ds, load_profile("teaching"), PSEUDO) if a.path.startswith("(6000,")]
    assert overlay and all(a.action == "removed" for a in overlay)
