"""The screening desk: one :class:`Screener` over the newest stored snapshot of every list,
rebuilt only when a list gets a new snapshot (building takes seconds; screening, milliseconds).

With an ``index_root`` the index is built once per set of list versions and written there
as it is built, without holding the normalised names in memory
(:mod:`pallmall.screening.index_files`); every later process (a server's workers, each CLI
command) maps it back in a fraction of a second instead of building it again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pallmall.core.errors import Conflict
from pallmall.screening.build_lock import build_lock
from pallmall.screening.index_files import (
    index_digest,
    open_index,
    remove_other_indexes,
    write_index,
)
from pallmall.screening.model import LoadReport, SnapshotInfo
from pallmall.screening.normalisation import (
    person_tables_loaded,
    stored_table_unbuilt,
    use_person_table,
)
from pallmall.screening.person_names import StoredPersonNames
from pallmall.screening.scorer import ScreeningSettings
from pallmall.screening.screener import Screener

Key = tuple[tuple[str, str], ...]


@dataclass
class ScreeningDesk:
    """Hands out the screener for the lists in force.

    ``current`` lists the newest snapshot of every stored list (cheap; asked on every call);
    ``load`` reads one list's newest snapshot in full (only when the index is built);
    ``index_root``: where stored indexes live (``None``: build in memory, store nothing).
    Thread-safe: concurrent callers wait for one rebuild; concurrent processes sharing an
    ``index_root`` build once.
    """

    current: Callable[[], Sequence[SnapshotInfo]]
    load: Callable[[str], LoadReport | None]
    settings: ScreeningSettings = field(default_factory=ScreeningSettings)
    index_root: Path | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _key: Key = ()
    _screener: Screener | None = None

    @property
    def ready(self) -> bool:
        """Whether a screener is built or mapped, and warmed up (:meth:`warm_up`): until
        then screens wait or run slower."""
        return self._screener is not None and self._screener.warmed

    @property
    def person_names_loaded(self) -> bool:
        """Whether this process holds rigour's person-name tables (else the first screen
        that compares a person loads them: seconds)."""
        return person_tables_loaded()

    def warm_up(self, person_names: bool = True) -> None:
        """Build or map the screener and load the matcher's reference data (a server does
        it in the background at start-up); ``person_names``: the person-name tables too.

        Raises:
            Conflict: no list is loaded yet.
        """
        self.screener().warm_up(person_names)

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
                self._screener, self._key = self._open(snapshots), key
            return self._screener

    def _open(self, snapshots: Sequence[SnapshotInfo]) -> Screener:
        if self.index_root is None:
            return Screener(self._reports(snapshots), self.settings)
        folder = self.index_root / index_digest(snapshots)
        if not (folder / "meta.json").exists():
            # A table still to be built would take the build lock at the build's first person
            # name, and flock is per open file: this process (or its forked normalisers)
            # would wait for itself. Until the new table is installed, the tagger answers.
            if stored_table_unbuilt():
                use_person_table(None)
            with build_lock(self.index_root):
                if not (folder / "meta.json").exists():  # not built while we waited
                    # one snapshot per list, the later one winning, as a Screener takes them
                    current = {r.snapshot.list_id: r for r in self._reports(snapshots)}
                    entries = (e for r in current.values() for e in r.entries)
                    folder = write_index(
                        entries, [r.snapshot for r in current.values()], self.index_root
                    )
                    remove_other_indexes(self.index_root, folder)
        index, stored = open_index(folder)
        use_person_table(StoredPersonNames(self.index_root))
        return Screener.over_index(index, stored, self.settings)

    def _reports(self, snapshots: Sequence[SnapshotInfo]) -> list[LoadReport]:
        return [r for s in snapshots if (r := self.load(s.list_id)) is not None]
