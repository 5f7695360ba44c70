"""Which code values are codes the standard knows (pydicom's code dictionaries, as data).

A Code Value of a coding scheme whose dictionary holds it ("113100" of DCM, "T-D1100" or
"39607008" of SNOMED) says nothing about the patient and is kept; any other Code Value (local
schemes, "99..." private designators, or a value that is simply not a code) is free text to the
de-identifier. The pairs are read from resources/vocabulary/code-values.tsv, written by
scripts/build_vocabulary.py from pydicom's dictionaries (importing those costs half a second).
"""

from __future__ import annotations

from functools import lru_cache

from radshare.core.errors import ConfigError
from radshare.core.resources import resource_path

_ALIASES = {"SRT": "SCT", "SNM3": "SCT", "99SDM": "SCT"}  # SNOMED's older designators


@lru_cache(maxsize=1)
def _known() -> frozenset[tuple[str, str]]:
    path = resource_path("vocabulary", "code-values.tsv")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:  # fail closed: without the list no code value is known
        raise ConfigError(f"the list of known code values is missing ({error.strerror})") from None
    return frozenset(tuple(line.split("\t", 1)) for line in lines if "\t" in line)


def is_known_code(scheme: str, value: str) -> bool:
    scheme = _ALIASES.get(scheme.strip().upper(), scheme.strip().upper())
    return (scheme, value.strip()) in _known()
