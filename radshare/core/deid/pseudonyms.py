"""Keyed, stable pseudonyms: replacement UIDs, short tokens and per-patient date offsets.

Everything here is an HMAC-SHA256 under the installation's secret key (see `keys.py`), so:

* the same input always gives the same output on this installation (a study stays a study across
  files, runs and machines that share the key; a re-run gives the same names and UIDs), and
* nobody without the key can map an output back to its input, even by trying every plausible
  input (the secret is what makes a keyed hash different from a plain hash of a guessable UID).

Each use has its own domain label ("uid", "token", "date") so that a value hashed for one purpose
never equals the same value hashed for another.
"""

from __future__ import annotations

import base64
import hmac

from radshare.core.errors import ConfigError

UID_ROOT = "2.25."  # PS3.5 B.2: UIDs derived from a 128-bit UUID, no registered root needed
_UID_CACHE_SIZE = 100_000  # remembered replacements; cleared when full so a long batch stays bounded


PATIENT_PSEUDONYM_LENGTH = 10  # 50 bits: no two patients of one installation share a pseudonym in practice


class Pseudonymizer:
    """Maps identifying values to keyed pseudonyms; deterministic for one key.

    `date_shift_max_days` bounds the per-patient date offset; `fixed_date_shift_days`, when given,
    replaces the keyed offset for every patient (the CLI's `--date-shift-days`). A bad shift is a
    ConfigError (the user chose it); a short key is a ValueError (a programming error).
    """

    def __init__(self, key: bytes, date_shift_max_days: int = 365, fixed_date_shift_days: int | None = None):
        if not isinstance(key, (bytes, bytearray)) or len(key) < 16:
            raise ValueError("the pseudonymisation key must be at least 16 bytes")
        if date_shift_max_days < 1:
            raise ConfigError("the maximum date shift must be at least 1 day")
        if fixed_date_shift_days == 0:
            raise ConfigError("a date shift of 0 days would keep the real dates; choose another number of days")
        self._key = bytes(key)
        self.date_shift_max_days = int(date_shift_max_days)
        self.fixed_date_shift_days = fixed_date_shift_days
        self._uids: dict[str, str] = {}
        self._tokens: dict[tuple[str, int], str] = {}  # a series' files share patient, study and series tokens

    def _digest(self, domain: str, value: str) -> bytes:
        message = domain.encode("ascii") + b"\x00" + value.encode("utf-8", "surrogatepass")
        return hmac.digest(self._key, message, "sha256")

    def uid(self, uid: str) -> str:
        """A replacement UID under 2.25: at most 44 characters, the same for the same input.

        The 128 bits are laid out as an RFC 9562 version-8 (custom) UUID, as PS3.5 B.2 expects of
        a 2.25 UID. Surrounding spaces and NUL padding are ignored, so "1.2.3" and "1.2.3\\0" map
        to the same output.
        """
        clean = str(uid).strip(" \x00")
        cached = self._uids.get(clean)
        if cached is not None:
            return cached
        number = int.from_bytes(self._digest("uid", clean)[:16], "big")
        number &= ~(0xF << 76)  # version nibble
        number |= 0x8 << 76  # version 8: custom
        number &= ~(0x3 << 62)  # variant bits
        number |= 0x2 << 62  # RFC 9562 variant
        result = f"{UID_ROOT}{number}"
        if len(self._uids) >= _UID_CACHE_SIZE:  # a long batch must not grow memory without bound
            self._uids.clear()
        self._uids[clean] = result
        return result

    def date_offset_days(self, patient_key: str) -> int:
        """Days to add to every date of this patient: keyed, stable, never 0, within the bound.

        One patient's studies all move by the same offset, so intervals between them survive;
        different patients move by different (unpredictable) offsets.
        """
        if self.fixed_date_shift_days is not None:
            return int(self.fixed_date_shift_days)
        span = self.date_shift_max_days
        number = int.from_bytes(self._digest("date", str(patient_key))[:8], "big")
        magnitude = 1 + number % span  # 1 .. span
        return -magnitude if (number >> 63) & 1 else magnitude

    def patient(self, patient_key: str) -> str:
        """The pseudonym that replaces a patient's name and ID, e.g. "RS-K3J9QX2M7A" (50 bits)."""
        return self.token("patient\x1f" + patient_key, prefix="RS-", length=PATIENT_PSEUDONYM_LENGTH)

    def token(self, value: str, prefix: str = "", length: int = 8) -> str:
        """A short keyed pseudonym such as "RS-K3J9QX2M" (base32 letters and digits, upper case)."""
        if not 4 <= length <= 52:
            raise ValueError("token length must be between 4 and 52 characters")
        cached = self._tokens.get((value, length))
        if cached is None:
            digest = self._digest("token", str(value))
            cached = base64.b32encode(digest[: -(-length // 8) * 5]).decode("ascii")[:length]  # 5 bytes: 8 letters
            if len(self._tokens) >= _UID_CACHE_SIZE:
                self._tokens.clear()
            self._tokens[(value, length)] = cached
        return f"{prefix}{cached}"
