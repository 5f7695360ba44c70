"""The uploader that can take back one post of the sharing ledger: its account's, signed in.

Shared by `radshare shared withdraw` and the app's Shared panel, which hand `opener()` to
`core.sharing.withdraw_posts`.
"""

from __future__ import annotations

from typing import Any, Callable

from radshare.core.errors import ConfigError
from radshare.uploaders.accounts import AccountStore


def opener(store: AccountStore | None = None, reg: Any = None) -> Callable[[Any], Any]:
    """A function from a ledger post to a ready uploader of its account (or a ConfigError saying why not)."""
    from radshare.uploaders.registry import registry

    def open_uploader(post: Any) -> Any:
        accounts = store or AccountStore()
        account = accounts.get(post.account)
        if account.target != post.target:
            raise ConfigError(f"account '{post.account}' now posts to {account.target}, not {post.target}: "
                              "add the original account again to withdraw")
        try:
            cls = (reg or registry()).get(post.target)
        except KeyError as exc:
            raise ConfigError(str(exc.args[0])) from None
        if not can_withdraw(cls):
            raise ConfigError(f"{cls.display_name} cannot withdraw posts (the plugin does not offer it)")
        secret_field = cls.secret_field() if hasattr(cls, "secret_field") else None
        secret = accounts.secret(account.name) if secret_field is not None else None
        return cls(dict(account.settings), secret)

    return open_uploader


def can_withdraw(cls: Any) -> bool:
    """True when the plugin declares withdrawal (`features.withdraw`) and implements it."""
    features = getattr(cls, "features", None)
    return bool(getattr(features, "withdraw", False)) and callable(getattr(cls, "withdraw", None))


def withdraw_note(target: str, reg: Any = None) -> str:
    """What withdrawal means on `target`, in product words ("" when unknown)."""
    from radshare.uploaders.registry import registry

    try:
        cls = (reg or registry()).get(target)
    except KeyError:
        return ""
    return str(getattr(getattr(cls, "features", None), "withdraw_note", "") or "")
