"""Imports every module that defines tables, so ``metadata`` knows them all."""

from __future__ import annotations

import importlib
import pkgutil

import pallmall.storage
from pallmall.storage import tables  # noqa: F401

for _module in pkgutil.iter_modules(pallmall.storage.__path__):
    if _module.name not in {"migrations", "schema", "database"}:
        importlib.import_module(f"pallmall.storage.{_module.name}")
