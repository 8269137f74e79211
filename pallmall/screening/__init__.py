"""Party screening against sanctions and restricted-party lists.

The public surface (everything else is internal):

- lists: :func:`load_list` with a :class:`ListSource` -> :class:`LoadReport`;
  :func:`load_shipped_lists` for the lists pallmall ships;
- versions: :func:`diff_snapshots`, :func:`diff_versions`, :func:`entry_changes`, the
  :class:`ListStore` Protocol (``pallmall.storage.screening.SqlListStore`` implements it);
  ages: :func:`list_ages`;
- screening: :class:`Screener` over loaded reports, ``Screener.screen(Party)`` ->
  :class:`ScreeningResult` of explained :class:`Hit` s; :func:`compare_entry`;
- batch: :func:`read_parties`, :func:`screen_batch`, :func:`results_to_csv`,
  :func:`results_to_json`;
- ownership: :func:`fifty_percent_rule` over an :class:`OwnershipGraph`.
"""

from pallmall.screening.batch import read_parties, results_to_csv, results_to_json, screen_batch
from pallmall.screening.desk import ScreeningDesk
from pallmall.screening.explanation import (
    ALGORITHM,
    Contribution,
    Feature,
    Hit,
    NameMatch,
    ScreeningResult,
    SnapshotAge,
    as_dict,
)
from pallmall.screening.freshness import ListAge, list_ages
from pallmall.screening.loaders import ListSource, load_list
from pallmall.screening.model import (
    EntryName,
    EntrySchema,
    Identifier,
    ListEntry,
    ListFormat,
    LoadReport,
    NameType,
    PartialDate,
    SkippedRow,
    SnapshotInfo,
)
from pallmall.screening.ownership import (
    FiftyPercentFinding,
    OwnershipChain,
    OwnershipEdge,
    OwnershipError,
    OwnershipGraph,
    fifty_percent_rule,
)
from pallmall.screening.scorer import FeatureSettings, Party, ScreeningSettings
from pallmall.screening.screener import Screener, compare_entry
from pallmall.screening.shipped import load_shipped_lists, shipped_sources
from pallmall.screening.versioning import (
    ChangeKind,
    ListChange,
    ListStore,
    SnapshotDiff,
    diff_snapshots,
    diff_versions,
    entry_changes,
)

__all__ = [
    "ALGORITHM",
    "ChangeKind",
    "Contribution",
    "EntryName",
    "EntrySchema",
    "Feature",
    "FeatureSettings",
    "FiftyPercentFinding",
    "Hit",
    "Identifier",
    "ListAge",
    "ListChange",
    "ListEntry",
    "ListFormat",
    "ListSource",
    "ListStore",
    "LoadReport",
    "NameMatch",
    "NameType",
    "OwnershipChain",
    "OwnershipEdge",
    "OwnershipError",
    "OwnershipGraph",
    "PartialDate",
    "Party",
    "Screener",
    "ScreeningDesk",
    "ScreeningResult",
    "ScreeningSettings",
    "SkippedRow",
    "SnapshotAge",
    "SnapshotDiff",
    "SnapshotInfo",
    "as_dict",
    "compare_entry",
    "diff_snapshots",
    "diff_versions",
    "entry_changes",
    "fifty_percent_rule",
    "list_ages",
    "load_list",
    "load_shipped_lists",
    "read_parties",
    "results_to_csv",
    "results_to_json",
    "screen_batch",
    "shipped_sources",
]
