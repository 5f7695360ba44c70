"""Finds uploader plugins: the built-ins (a static list) plus the `radshare.uploaders` entry points.

A third-party uploader installed with pip registers itself in its own pyproject::

    [project.entry-points."radshare.uploaders"]
    myservice = "my_package.module:MyUploader"

and appears here with no change to RadShare. The built-ins are registered the same way in
RadShare's pyproject, and are also listed in `BUILTINS` so that a frozen bundle, where package
metadata may be missing, still finds them. A plugin that fails to import, is not a class with the
protocol's attributes, or declares an unsupported `api_version` is reported in
`Registry.problems` and skipped: never fatal.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from radshare.uploaders.base import API_VERSION, AccountField, Features, Limits

log = logging.getLogger(__name__)

GROUP = "radshare.uploaders"

#: Built-in uploaders as `id -> "module:Class"`; the same lines as in pyproject's entry points.
BUILTINS: dict[str, str] = {
    "wordpress": "radshare.uploaders.wordpress:WordPressUploader",
    "discourse": "radshare.uploaders.discourse:DiscourseUploader",
    "folder": "radshare.uploaders.folder:FolderUploader",
    "mastodon": "radshare.uploaders.mastodon:MastodonUploader",
    "bluesky": "radshare.uploaders.bluesky:BlueskyUploader",
}

#: Built-ins whose client library may be missing from a trimmed install; listed when importable.
OPTIONAL_BUILTINS: dict[str, str] = {}

API_VERSION_SUPPORTED = API_VERSION


@dataclass(frozen=True)
class PluginProblem:
    """A plugin that could not be used: its entry-point name/target and a product-only reason."""

    name: str
    target: str
    reason: str


@dataclass
class Registry:
    """Uploader classes by id, plus the problems met while loading them."""

    uploaders: dict[str, type] = field(default_factory=dict)
    problems: list[PluginProblem] = field(default_factory=list)

    def get(self, target_id: str) -> type:
        try:
            return self.uploaders[target_id]
        except KeyError:
            known = ", ".join(sorted(self.uploaders)) or "none"
            raise KeyError(f"no uploader '{target_id}' (available: {known})") from None

    def ids(self) -> list[str]:
        return sorted(self.uploaders)

    def __contains__(self, target_id: object) -> bool:
        return target_id in self.uploaders


def check_plugin(cls: Any) -> str | None:
    """Why `cls` is not a usable uploader class, or None when it is."""
    if not isinstance(cls, type):
        return "the entry point is not a class"
    for attr in ("id", "display_name", "api_version", "account_fields", "limits", "features"):
        if not hasattr(cls, attr):
            return f"the class lacks '{attr}'"
    if not isinstance(cls.id, str) or not cls.id:
        return "the class has no id"
    try:
        version = int(cls.api_version)
    except (TypeError, ValueError):
        return "api_version is not a number"
    if version != API_VERSION_SUPPORTED:
        return f"written for uploader API {version}, this RadShare supports {API_VERSION_SUPPORTED}"
    if not isinstance(cls.limits, Limits) or not isinstance(cls.features, Features):
        return "limits/features are not radshare.uploaders.base.Limits/Features"
    if not all(isinstance(f, AccountField) for f in cls.account_fields):
        return "account_fields must be AccountField items"
    if sum(1 for f in cls.account_fields if f.secret) > 1:
        return "at most one account field may be secret"
    for method in ("validate", "verify", "publish"):
        if not callable(getattr(cls, method, None)):
            return f"the class lacks the method '{method}'"
    return None


def _load_target(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


def load_registry(include_entry_points: bool = True) -> Registry:
    """Load built-ins, then entry points. An entry point never replaces a built-in of the same id."""
    registry = Registry()

    def add(name: str, target: str, loader: Any, optional: bool = False) -> None:
        try:
            cls = loader()
        except ModuleNotFoundError as exc:
            if optional and exc.name and target.startswith(exc.name):
                return  # an optional built-in not present in this installation
            registry.problems.append(PluginProblem(name, target, f"cannot be imported ({type(exc).__name__})"))
            return
        except Exception as exc:  # a broken plugin must not break the app
            registry.problems.append(PluginProblem(name, target, f"failed to load ({type(exc).__name__})"))
            return
        reason = check_plugin(cls)
        if reason:
            registry.problems.append(PluginProblem(name, target, reason))
            return
        if cls.id in registry.uploaders:
            if registry.uploaders[cls.id] is not cls:
                registry.problems.append(PluginProblem(name, target, f"id '{cls.id}' is already taken"))
            return
        registry.uploaders[cls.id] = cls

    for name, target in BUILTINS.items():
        add(name, target, lambda t=target: _load_target(t))
    for name, target in OPTIONAL_BUILTINS.items():
        add(name, target, lambda t=target: _load_target(t), optional=True)
    if include_entry_points:
        try:
            found = entry_points(group=GROUP)
        except Exception:  # broken metadata on disk
            found = []
        for ep in found:
            add(ep.name, ep.value, ep.load)
    for problem in registry.problems:
        log.warning("uploader plugin %s skipped: %s", problem.name, problem.reason)
    return registry


_cached: Registry | None = None


def registry(reload: bool = False) -> Registry:
    """The process-wide registry, loaded on first use."""
    global _cached
    if _cached is None or reload:
        _cached = load_registry()
    return _cached


def create(target_id: str, settings: dict[str, str], secret: str | None) -> Any:
    """An uploader instance for `target_id` with an account's settings and secret."""
    return registry().get(target_id)(settings, secret)
