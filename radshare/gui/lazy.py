"""Modules imported on first use, so the window appears before numpy, OpenCV and pydicom load.

`render = lazy("radshare.core.render")` behaves like the module once an attribute is read.
Workers never trigger the first import: qtcompat.preload() runs on the UI thread before any
worker starts.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    def __init__(self, name: str):
        self.__dict__["_name"] = name
        self.__dict__["_module"] = None

    def _load(self) -> ModuleType:
        module = self.__dict__["_module"]
        if module is None:
            module = importlib.import_module(self.__dict__["_name"])
            self.__dict__["_module"] = module
        return module

    def __getattr__(self, attr: str):
        return getattr(self._load(), attr)


def lazy(name: str) -> LazyModule:
    return LazyModule(name)
