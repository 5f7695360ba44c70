"""Values a series repeats are decided once: the slices of a series share most of their header.

When the rules keep an element unchanged, the same tag with the same stored bytes is kept again
in the next file of the same patient under the same profile: `decide()` is a pure function of
the value, its encoding and the file's context (profile, the patient's own names, IDs and dates,
the date shift). Such repeats are kept raw, without decoding them or asking the rules again.

Only "kept" decisions are remembered, and only for plain elements whose decoding needs nothing
from the rest of the data set: never private tags (their creator decides), sequences (their
items are walked), values whose VR is ambiguous or unknown, or anything changed or removed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement

from radshare.core.deid.rules import Context, Decision

_CONTEXTS: "OrderedDict[tuple, dict]" = OrderedDict()
_LOCK = threading.Lock()
MAX_CONTEXTS = 8  # patients whose files interleave in one worker
MAX_VALUES = 20_000  # per context; a hostile file cannot grow it without bound
MAX_BYTES = 256  # longer values are rarely repeated and would hold memory


def kept_values(ctx: Context) -> dict:
    """The remembered decisions for files that share `ctx`'s profile, identifiers and shift."""
    signature = (id(ctx.profile), ctx.profile, id(ctx.tables), id(ctx.pseudo), ctx.patient_key, ctx.date_offset,
                 ctx.text.signature)
    with _LOCK:  # the GUI de-identifies on worker threads
        values = _CONTEXTS.get(signature)
        if values is None:
            values = _CONTEXTS[signature] = {}
            while len(_CONTEXTS) > MAX_CONTEXTS:
                _CONTEXTS.popitem(last=False)
        else:
            _CONTEXTS.move_to_end(signature)
        if len(values) > MAX_VALUES:
            values.clear()
        return values


def stored_value(ds: Any, tag: int, raw: Any, max_bytes: int) -> tuple | None:
    """An undecoded value with all its decoding depends on (tag, VR, bytes, byte order, VR form,
    character set); None when decoding needs more of the data set (an ambiguous VR, an unknown
    tag read without one), or when the value is decoded already or longer than `max_bytes`."""
    if not isinstance(raw, RawDataElement) or raw.value is None or len(raw.value) > max_bytes:
        return None
    vr = raw.VR if raw.VR is not None else _dictionary_vr(int(tag))  # implicit VR: the dictionary's
    if vr is None or " or " in vr:
        return None
    charset = ds.original_character_set or ds._character_set
    return int(tag), vr, raw.value, raw.is_little_endian, raw.is_implicit_VR, str(charset)


@lru_cache(maxsize=4096)
def _dictionary_vr(tag: int) -> str | None:
    """The one VR the dictionary gives a tag read without one; None for private and unknown tags
    (pydicom reads those as UN) and for ambiguous ones."""
    try:
        vr = dictionary_VR(tag)
    except KeyError:
        return None
    return None if " or " in vr else vr


def repeat_key(ds: Any, tag: int, raw: Any, clean: bool, depth: int) -> tuple | None:
    """What makes a stored value the same value again, or None when it may not be remembered."""
    if (tag >> 16) & 1:
        return None
    value = stored_value(ds, tag, raw, MAX_BYTES)
    return None if value is None or value[1] in ("SQ", "UN") else (*value, clean, depth == 0)


def remember(values: dict, key: tuple | None, decision: Decision) -> None:
    if key is not None and decision.action == "kept" and not decision.recurse:
        values[key] = decision
