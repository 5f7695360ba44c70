"""Which code values are codes the standard knows (pydicom's code dictionaries).

A Code Value of a known coding scheme that the dictionaries hold ("113100" of DCM, "T-D1100" or
"39607008" of SNOMED) says nothing about the patient and is kept; any other Code Value (local
schemes, "99..." private designators, or a value that is simply not a code) is free text to the
de-identifier.
"""

from __future__ import annotations

from functools import lru_cache

_ALIASES = {"SRT": "SCT", "SNM3": "SCT", "99SDM": "SCT"}  # SNOMED's older designators


@lru_cache(maxsize=1)
def _known() -> frozenset[tuple[str, str]]:
    from pydicom.sr import _concepts_dict

    pairs: set[tuple[str, str]] = set()
    for scheme, concepts in _concepts_dict.concepts.items():
        for codes in concepts.values():
            pairs.update((scheme, value) for value in codes)
    try:
        from pydicom.sr import _snomed_dict

        for mapping in (getattr(_snomed_dict, "mapping", {}) or {}).values():  # SCT <-> SRT codes
            for new, old in mapping.items():
                pairs.update({("SCT", str(new)), ("SCT", str(old))})
    except ImportError:  # older pydicom: the concept dictionary alone
        pass
    return frozenset(pairs)


def is_known_code(scheme: str, value: str) -> bool:
    scheme = _ALIASES.get(scheme.strip().upper(), scheme.strip().upper())
    return (scheme, value.strip()) in _known()
