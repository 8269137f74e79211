"""List versions: what changed between two snapshots of one list, and the store that
keeps the history (a Protocol; ``pallmall.storage.screening`` implements it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from enum import StrEnum
from typing import Protocol

from pallmall.core.errors import InvalidInput, NotFound
from pallmall.screening.model import ListEntry, LoadReport, SnapshotInfo


class ChangeKind(StrEnum):
    """What happened to an entry between two snapshots."""

    LISTED = "listed"
    DELISTED = "delisted"
    AMENDED = "amended"


@dataclass(frozen=True)
class ListChange:
    """One entry listed, delisted or amended, dated by the newer snapshot; an amendment
    names the fields that changed (``names``, ``countries``, ``programmes``...; empty
    when read back from storage, which keeps the change, not the fields)."""

    list_id: str
    entry_id: str
    kind: ChangeKind
    name: str
    effective: date | None
    version: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class SnapshotDiff:
    """The changes from ``old`` (``None``: the first snapshot) to ``new``."""

    old: SnapshotInfo | None
    new: SnapshotInfo
    changes: tuple[ListChange, ...]

    def of_kind(self, kind: ChangeKind) -> tuple[ListChange, ...]:
        """The changes of one kind, in entry-id order."""
        return tuple(c for c in self.changes if c.kind is kind)


def diff_snapshots(old: LoadReport | None, new: LoadReport) -> SnapshotDiff:
    """Listings, delistings and amendments from ``old`` to ``new`` (pure).

    A listing is dated by the entry's own listing date when the list gives one, else by
    the new snapshot's date; a delisting or amendment by the new snapshot's date.
    Raises :class:`InvalidInput` when the two are snapshots of different lists, or when
    ``new`` is not newer than ``old``.
    """
    if old is not None:
        _check_order(old.snapshot, new.snapshot)
    before = {e.entry_id: e for e in old.entries} if old else {}
    after = {e.entry_id: e for e in new.entries}
    info = new.snapshot
    changes = [
        _change(e, ChangeKind.LISTED, e.listed_on or info.published, info)
        for k, e in after.items()
        if k not in before
    ]
    changes += [
        _change(e, ChangeKind.DELISTED, info.published, info)
        for k, e in before.items()
        if k not in after
    ]
    changes += [
        replace(
            _change(e, ChangeKind.AMENDED, info.published, info),
            fields=changed_fields(before[k], e),
        )
        for k, e in after.items()
        if k in before and before[k] != e
    ]
    changes.sort(key=lambda c: (c.entry_id, c.kind.value))
    return SnapshotDiff(old.snapshot if old else None, info, tuple(changes))


def changed_fields(old: ListEntry, new: ListEntry) -> tuple[str, ...]:
    """The names of the fields in which two versions of one entry differ."""
    return tuple(f.name for f in fields(ListEntry) if getattr(old, f.name) != getattr(new, f.name))


def diff_versions(
    store: ListStore, list_id: str, old: str | None = None, new: str | None = None
) -> SnapshotDiff:
    """What changed in ``list_id`` from version ``old`` to version ``new`` (defaults: the
    newest stored version, and the one stored before it; with a single version stored,
    everything in it is a listing).

    Raises:
        NotFound: the list, or one of the versions, is not stored.
        InvalidInput: ``new`` was published before ``old``.
    """
    versions = [s.version for s in store.snapshots(list_id)]
    if not versions:
        raise NotFound(f"list {list_id!r} is not loaded")
    for label, version in (("from", old), ("to", new)):
        if version is not None and version not in versions:
            known = ", ".join(versions)
            raise NotFound(f"{list_id} has no version {version!r} ({label}); stored: {known}")
    new = new or versions[-1]
    if old is None:
        at = versions.index(new)
        old = versions[at - 1] if at > 0 else None
    newer = store.snapshot(list_id, new)
    older = store.snapshot(list_id, old) if old is not None else None
    assert newer is not None  # checked against the stored versions above
    return diff_snapshots(older, newer)


def entry_changes(
    store: ListStore, old: str, new: SnapshotInfo, entry_ids: Sequence[str]
) -> tuple[ListChange, ...]:
    """How the entries ``entry_ids`` changed from version ``old`` of ``new``'s list to
    ``new``: each that ``old`` held and ``new`` does not is delisted, each that both hold
    but differently is amended (naming the fields); in the order of ``entry_ids``. Reads
    only those entries of the two versions (cheap, whatever the list's size)."""
    before = store.entries(new.list_id, old, entry_ids)
    after = store.entries(new.list_id, new.version, entry_ids)
    out = []
    for entry_id in entry_ids:
        was, now = before.get(entry_id), after.get(entry_id)
        if was is None:
            continue
        if now is None:
            out.append(_change(was, ChangeKind.DELISTED, new.published, new))
        elif now != was:
            change = _change(now, ChangeKind.AMENDED, new.published, new)
            out.append(replace(change, fields=changed_fields(was, now)))
    return tuple(out)


def _check_order(old: SnapshotInfo, new: SnapshotInfo) -> None:
    if old.list_id != new.list_id:
        raise InvalidInput("list_id", f"cannot diff {old.list_id!r} against {new.list_id!r}")
    if old.published and new.published and new.published < old.published:
        raise InvalidInput("published", f"snapshot {new.version} is older than {old.version}")


def _change(
    entry: ListEntry, kind: ChangeKind, when: date | None, info: SnapshotInfo
) -> ListChange:
    return ListChange(entry.list_id, entry.entry_id, kind, entry.primary_name, when, info.version)


class ListStore(Protocol):
    """Where list snapshots and their history live (SQL in ``pallmall.storage``).

    ``record`` MUST store the snapshot and its diff against the latest stored snapshot
    of the same list atomically, and MUST refuse (``Conflict``) a version already stored.
    """

    def record(self, report: LoadReport) -> SnapshotDiff:
        """Store ``report`` as the list's newest snapshot; return what changed."""
        ...

    def latest(self, list_id: str) -> LoadReport | None:
        """The newest stored snapshot of ``list_id`` with its entries, or ``None``."""
        ...

    def snapshots(self, list_id: str) -> Sequence[SnapshotInfo]:
        """Every stored snapshot of ``list_id``, oldest first."""
        ...

    def snapshot(self, list_id: str, version: str) -> LoadReport | None:
        """One stored snapshot of ``list_id`` with its entries, or ``None``."""
        ...

    def changes(self, list_id: str, since: date | None = None) -> Sequence[ListChange]:
        """Recorded listings, delistings and amendments, oldest first."""
        ...

    def entries(
        self, list_id: str, version: str, entry_ids: Sequence[str]
    ) -> Mapping[str, ListEntry]:
        """The entries among ``entry_ids`` that version ``version`` of ``list_id`` holds,
        by entry id (none when that version is not stored)."""
        ...
