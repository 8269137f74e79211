"""Modules imported at their first use instead of when their importer is imported.

A request path that never draws a chart or writes a FollowTheMoney export should not pay
for matplotlib or followthemoney: a server's worker imports the whole app before it
answers anything, and ``pallmall --help`` imports the whole CLI (issue 16). A light
module (a facade) keeps the public functions and the records they return, and names the
heavy module it hands the work to in a :class:`DeferredModule`; the heavy module holds
the third-party imports at its top, as every module does.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType


@dataclass(frozen=True)
class DeferredModule:
    """The module ``name`` (absolute, dotted), imported by :meth:`load`.

    Python's own module table (``sys.modules``) keeps it once imported, so every call
    after the first is a dictionary look-up; nothing is cached here."""

    name: str

    def load(self) -> ModuleType:
        """The module, imported now if this process has not imported it yet; an import
        error of the module or of what it imports is raised here, at first use."""
        return import_module(self.name)
