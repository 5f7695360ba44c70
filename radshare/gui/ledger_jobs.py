"""The composer's sharing-ledger work: publish and record one post, pseudonymous ids, the remembered basis.

Plain functions (no widgets), run in the thread pool by `composer.ComposerDialog` through the
worker adaptor; the ledger itself is `radshare.core.ledger`.
"""

from __future__ import annotations

from typing import Any

from radshare.core.model import Image


def publish_recorded(uploader: Any, post: Any, record: dict, images: list[tuple[Image, int]], progress=None,
                     cancel=None) -> Any:
    """`uploader.publish`, recorded in the sharing ledger (`core.sharing.publish_and_record`; nothing
    is sent when the ledger cannot be written), errors turned into the one explanation every
    target shares. `record` holds account, target, basis and reference;
    `images` the posted images with their frames, for the pseudonymous case and image ids."""
    from radshare.core.errors import RadShareError
    from radshare.core.ledger import Ledger
    from radshare.core.sharing import new_post, publish_and_record
    from radshare.uploaders.base import UploadError

    try:
        ids = ledger_ids(images)
        entry = new_post(record["account"], record["target"], post, ids, record["basis"], record.get("basis_ref", ""))
        with Ledger() as ledger:
            if record.get("remember_basis") is not None:
                ledger.remember_basis(record["account"], record["remember_basis"] or None)
            result, _number = publish_and_record(ledger, uploader, post, entry, progress=progress, cancel=cancel)
            return result
    except UploadError as exc:
        raise RuntimeError(exc.explain()) from None
    except RadShareError as exc:
        raise RuntimeError(str(exc)) from None


def ledger_ids(images: list[tuple[Image, int]]) -> list[tuple[str, str]]:
    """Pseudonymous (case, image) ids: of the original UIDs for DICOM, of the file's bytes for a photo."""
    from pathlib import Path

    from radshare.core.deid.keys import installation_key
    from radshare.core.sharing import ids_for_dataset, pseudonymous_ids

    key = installation_key()
    out = []
    for image, frame in images:
        if image.dataset is not None:
            out.append(ids_for_dataset(image.dataset, key, frame, image.frames.tobytes()))
            continue
        try:
            content = Path(image.origin).read_bytes()
        except OSError:  # a zip member or a moved file: the pixels name the photo as well
            content = image.frames.tobytes()
        out.append(pseudonymous_ids(key, content=content))
    return out


def remembered_basis(account: str) -> str | None:
    """The basis for sharing remembered for `account` in the ledger (None when none, or unreadable)."""
    try:
        from radshare.core.ledger import Ledger

        with Ledger() as ledger:
            return ledger.remembered_basis(account)
    except Exception:  # the composer still asks
        return None
