"""The screening desk: one :class:`Screener` over the newest stored snapshot of every list,
rebuilt only when a list gets a new snapshot (building takes seconds; screening, milliseconds).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pallmall.core.errors import Conflict
from pallmall.screening.model import LoadReport, SnapshotInfo
from pallmall.screening.scorer import ScreeningSettings
from pallmall.screening.screener import Screener

Key = tuple[tuple[str, str], ...]


@dataclass
class ScreeningDesk:
    """Hands out the screener for the lists in force.

    ``current`` lists the newest snapshot of every stored list (cheap; asked on every call);
    ``load`` reads one list's newest snapshot in full (only when the screener is rebuilt).
    Thread-safe: concurrent callers wait for one rebuild.
    """

    current: Callable[[], Sequence[SnapshotInfo]]
    load: Callable[[str], LoadReport | None]
    settings: ScreeningSettings = field(default_factory=ScreeningSettings)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _key: Key = ()
    _screener: Screener | None = None

    @property
    def ready(self) -> bool:
        """Whether a screener is built (building takes seconds; until then screens wait)."""
        return self._screener is not None

    def screener(self) -> Screener:
        """The screener over the lists in force.

        Raises:
            Conflict: no list is loaded yet (``pallmall init`` or ``pallmall lists load``).
        """
        snapshots = self.current()
        if not snapshots:
            raise Conflict(
                "no restricted-party list is loaded: run `pallmall init` or `pallmall lists load`"
            )
        key = tuple(sorted((s.list_id, s.version) for s in snapshots))
        with self._lock:
            if self._screener is None or key != self._key:
                reports = [r for s in snapshots if (r := self.load(s.list_id)) is not None]
                self._screener = Screener(reports, self.settings)
                self._key = key
            return self._screener
