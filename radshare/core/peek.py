"""Read DICOM values without decoding them into the data set.

pydicom decodes an element on first access (`ds.Rows`, `ds.get(...)`, `ds[tag]`) and keeps the
decoded element in place of the raw one for good. The Part 10 writer (part10.py) copies raw
elements byte for byte but must encode decoded ones again, which costs far more than reading
them. Code that only looks at values the output keeps unchanged (sizes, modality, SOP class)
peeks instead. Sequences and ambiguous VRs, which pydicom resolves in place, decode as usual.
"""

from __future__ import annotations

from typing import Any

from pydicom.charset import default_encoding
from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import DataElement, RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset
from pydicom.uid import UID
from pydicom.valuerep import AMBIGUOUS_VR

_SPECIFIC_CHARACTER_SET = 0x00080005


def peek_element(ds: Dataset, tag: int, raw=None) -> DataElement:
    """The decoded element at `tag` (which must be present), leaving `ds` as it was when possible.

    Decoded copies are remembered on `ds` against the raw element they came from, so the several
    readers of one value (output path, burned-in text policy, file meta, the walk) decode it
    once; a changed element no longer matches its raw element and is decoded afresh.
    """
    raw = ds.get_item(tag) if raw is None else raw
    if not isinstance(raw, RawDataElement) or raw.value is None:
        return ds[tag]
    peeked = ds.__dict__.setdefault("_radshare_peeked", {})
    remembered = peeked.get(tag)
    if remembered is not None and remembered[0] is raw:
        return remembered[1]
    charset = default_encoding if tag == _SPECIFIC_CHARACTER_SET else ds.original_character_set or ds._character_set
    elem = convert_raw_data_element(raw, encoding=charset, ds=ds)
    if elem.VR == "SQ" or elem.VR in AMBIGUOUS_VR:
        return ds[tag]
    peeked[tag] = (raw, elem)
    return elem


def transfer_syntax(ds: Dataset) -> UID:
    """The transfer syntax the file meta names ("" when there is none)."""
    meta = getattr(ds, "file_meta", None)
    return UID(str(meta.get("TransferSyntaxUID", ""))) if meta is not None else UID("")


def peek(ds: Dataset, keyword: str, default: Any = None) -> Any:
    """Like `ds.get(keyword, default)`, without decoding the element into `ds`."""
    tag = tag_for_keyword(keyword)
    raw = ds.get_item(tag) if tag is not None else None
    if raw is None:
        return default
    return peek_element(ds, tag, raw).value
