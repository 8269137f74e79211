"""The wiring: the one module that constructs pallmall's services.

Two levels. A :class:`Node` holds what lives as long as the server (the database, the
transparency log, the outbox publisher, the screening desk, the worker pool, the
rechecker); :func:`build_node` makes it, :meth:`Node.start` and :meth:`Node.stop` run its
threads. The per-request services (:func:`case_service`, :func:`incident_desk`) are built
on one unit of work (:class:`~pallmall.storage.database.Tx`): every store they use shares
the caller's transaction, so the record, its audit entry and its public change commit
together or not at all.

The app (``pallmall.app``), the API's dependencies (``pallmall.api.deps``), the pages and
the CLI take their services from here; nothing else constructs a store on ``db.engine``.
"""

from __future__ import annotations

import gc
import json
import logging
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Protocol

from pallmall.api.pool import WorkerPool
from pallmall.attestation import AttestationService
from pallmall.cases.diligence import Sources
from pallmall.cases.exchange import NO_EXCHANGE, DenialExchange
from pallmall.cases.service import CaseService
from pallmall.cases.sources import IntelIncidentFacts, RegistryStoreFacts, ScreenerFacts
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, Principal
from pallmall.core.errors import Conflict, InvalidInput, PallmallError
from pallmall.core.links import LinkService
from pallmall.core.settings import Settings
from pallmall.datadir import secure_data_dir
from pallmall.disclosure import NODE, PUBLIC, Reader
from pallmall.equities import EquitiesService
from pallmall.federation.collections import FederationCollections
from pallmall.federation.directory import PeerDirectory
from pallmall.federation.exchange import FederationExchange
from pallmall.federation.incidents import IncidentSharing
from pallmall.federation.outgoing import Outgoing
from pallmall.federation.peer import Peer
from pallmall.federation.stix import CONSULTATION_TYPE, consultation_from_stix
from pallmall.federation.verify import VerifiedObject
from pallmall.federation_node import FederationSchedule, OnReceived
from pallmall.intel.desk import IncidentDesk
from pallmall.intel.incident import Incident
from pallmall.intel.publication import PublicCollection
from pallmall.log import (
    Collector,
    CollectorConfig,
    TransparencyLog,
    Witness,
    WitnessedLogs,
    WitnessTarget,
    WitnessTargets,
    ensure_signing_key,
    ensure_witness_key,
    load_signing_key,
)
from pallmall.log.keys import KEY_FILE
from pallmall.log.note import NoteSigner
from pallmall.log.tiles import FsTileStore
from pallmall.policy import shipped_rules
from pallmall.publisher import Publisher
from pallmall.rechecker import Rechecker
from pallmall.registry.lookup import OrganisationsByName, ProductsByName
from pallmall.registry.model import Organisation
from pallmall.screening import Screener, ScreeningDesk
from pallmall.screening.updates import (
    Fetcher,
    FolderFetcher,
    HttpFetcher,
    UpdateOutcome,
    read_feeds,
    update_list,
)
from pallmall.storage.attestation import RegistryVendorFacts, SqlAttestationStore
from pallmall.storage.base import is_sqlite
from pallmall.storage.cases import SqlCaseStore
from pallmall.storage.database import Database, Tx
from pallmall.storage.equities import SqlEquitiesStore
from pallmall.storage.federation import SqlFederationStore
from pallmall.storage.intel import (
    RegistryExportSource,
    RegistryRecordTypes,
    SqlIntelStore,
    account_names,
)
from pallmall.storage.links import SqlLinkStore
from pallmall.storage.log import SqlSequencer
from pallmall.storage.screening import SqlListStore, current_snapshots

LOG = logging.getLogger("pallmall")

# -- per unit of work ------------------------------------------------------------------------


ExchangeFor = Callable[[Tx], DenialExchange]
"""The node's denial exchange with other states' nodes, on one unit of work."""
CasesOn = Callable[[Tx], CaseService]
"""The node's case service, on one unit of work."""


def no_exchange(tx: Tx) -> DenialExchange:
    """The exchange of a node with no peers."""
    return NO_EXCHANGE


def case_service(
    tx: Tx,
    desk: ScreeningDesk | None,
    exchange: DenialExchange = NO_EXCHANGE,
    node: str = "",
    node_state: str = "",
) -> CaseService:
    """The case service on ``tx``: cases, audit, outbox, the registry and the incidents it
    reads for due diligence all in ``tx``; the lists from ``desk`` (None: due diligence
    notes that no list was read); ``exchange`` (on ``tx``), the node's log origin ``node``
    and its state ``node_state`` for what it exchanges with other states' nodes."""
    registry = RegistryStoreFacts(tx.registry)

    def sources() -> Sources:
        incidents = IntelIncidentFacts(
            SqlIntelStore(tx.conn).list_incidents, registry.jurisdictions
        )
        attestations = attestation_service(tx).standing
        lists = ScreenerFacts(_screener(desk), history=SqlListStore(tx.conn.engine))
        return Sources(lists, registry, incidents, attestations)

    store = SqlCaseStore(tx.conn)
    return CaseService(
        store,
        tx.audit,
        tx.outbox,
        sources,
        shipped_rules(),
        exchange=exchange,
        node=node,
        node_state=node_state,
    )


def node_cases(settings: Settings, desk: ScreeningDesk | None, exchange: ExchangeFor) -> CasesOn:
    """The node's case service on a unit of work: ``desk``'s lists, ``exchange`` with its
    peers, its log origin and state from ``settings``."""
    return lambda tx: case_service(tx, desk, exchange(tx), settings.log_origin, settings.node_state)


def share_node_measures(db: Database, cases: CasesOn) -> int:
    """Tell the peers the restrictive measures in force now, in one unit of work (what a
    sync does first: a designation recorded in the registry has no decision to send it)."""
    with db.write() as tx:
        return cases(tx).share_measures(SYSTEM)


def link_service(tx: Tx) -> LinkService:
    """Links on ``tx``, checked against the registry in ``tx`` (the API, pages and CLI)."""

    def organisation(record_id: str) -> str | None:
        stored = tx.registry.get(record_id)
        return stored.record.name if stored and isinstance(stored.record, Organisation) else None

    return LinkService(SqlLinkStore(tx.conn), tx.audit, organisation)


def equities_service(tx: Tx) -> EquitiesService:
    """The vulnerability equities register on ``tx``: its store, audit and outbox."""
    return EquitiesService(SqlEquitiesStore(tx.conn), tx.audit, tx.outbox)


def peer_directory(tx: Tx) -> PeerDirectory:
    """The node's peers and sharing groups on ``tx`` (with the accounts peers call us as)."""
    accounts = AccountService(tx.accounts, tx.audit)
    return PeerDirectory(SqlFederationStore(tx.conn), accounts, tx.audit)


def denial_exchange(tx: Tx, settings: Settings) -> FederationExchange:
    """The node's :class:`~pallmall.cases.exchange.DenialExchange` on ``tx``: notices and
    consultations go out with the unit of work, received notices are read in it."""
    store = SqlFederationStore(tx.conn)
    return FederationExchange(store, store, Outgoing(store, tx.outbox), settings.log_origin)


def received_follower(settings: Settings) -> OnReceived:
    """What follows on this node from object versions newly verified from a peer: each
    consultation (another node approved what we denied) reaches the authority that denied
    the case, in the unit of work that keeps it. One this node cannot place (no such case,
    addressed elsewhere) is logged and kept, never fails the sync."""

    def follow(tx: Tx, peer_name: str, objects: Sequence[VerifiedObject]) -> None:
        cases = case_service(tx, None, NO_EXCHANGE, settings.log_origin)
        for obj in objects:
            if obj.object_type != CONSULTATION_TYPE:
                continue
            try:
                consultation, _ = consultation_from_stix(json.loads(obj.body))
                cases.receive_consultation(SYSTEM, consultation)
            except PallmallError as exc:
                LOG.warning("consultation %s from %s not placed: %s", obj.object_id, peer_name, exc)

    return follow


def incident_sharing(tx: Tx) -> IncidentSharing:
    """Sharing confirmed incidents with federation groups, on ``tx``."""
    store = SqlFederationStore(tx.conn)
    records = RegistryRecordTypes(tx.registry, NODE)
    return IncidentSharing(
        store,
        Outgoing(store, tx.outbox),
        SqlIntelStore(tx.conn).get_incident,
        lambda incident: linked_registry(tx, incident),
        records.visibility,
        tx.audit,
    )


def attestation_service(tx: Tx, signer: NoteSigner | None = None) -> AttestationService:
    """Vendor self-attestations on ``tx``, read against the registry in ``tx``; ``signer``
    (the node's log key, :func:`node_signer`) only to attest."""
    vendors = RegistryVendorFacts(tx.registry)
    store = SqlAttestationStore(tx.conn)
    return AttestationService(store, vendors, tx.audit, tx.outbox, signer, SqlLinkStore(tx.conn))


def node_signer(settings: Settings) -> NoteSigner:
    """The node's log signing key, which also signs attestations on the vendors' behalf
    (their statement's first line keeps the two kinds of note apart)."""
    return load_signing_key(settings.data_dir / KEY_FILE)


def _screener(desk: ScreeningDesk | None) -> Screener | None:
    if desk is None:
        return None
    try:
        return desk.screener()
    except Conflict:  # no list loaded: due diligence records it in the run's notes
        return None


def incident_desk(tx: Tx, caller: Principal) -> IncidentDesk:
    """The incident desk on ``tx``: the incident store, the registry checks (as ``caller``
    may read them), the audit sink, the outbox and the public TAXII collection share it; it
    shares incidents only with accounts on this node."""
    store = SqlIntelStore(tx.conn)
    records = RegistryRecordTypes(tx.registry, Reader.of(caller))
    public = PublicCollection(store, lambda i: linked_registry(tx, i))
    return IncidentDesk(
        store,
        records,
        tx.audit,
        tx.outbox,
        public,
        accounts=lambda account: account in account_names(tx.conn),
    )


def linked_registry(tx: Tx, incident: Incident) -> RegistryExportSource:
    """The public registry records ``incident`` links to (for its public STIX objects)."""
    ids = {a.target_id for a in incident.attributions}
    return RegistryExportSource.load(tx.registry, PUBLIC, only=ids)


def organisations_by_name(db: Database) -> OrganisationsByName:
    """Finds public registry organisations by name, alias or former name (legal forms and
    words such as "Group" at the end ignored when nothing matches whole)."""
    return OrganisationsByName(db.registry)


def products_by_name(db: Database) -> ProductsByName:
    """Finds registry products by name, each lookup in its own short read unit of work."""
    return ProductsByName(db.registry)


@contextmanager
def intel_reading(db: Database) -> Iterator[SqlIntelStore]:
    """The intel object store in a read-only unit of work (TAXII reads)."""
    with db.read() as tx:
        yield SqlIntelStore(tx.conn)


@contextmanager
def intel_writing(db: Database) -> Iterator[SqlIntelStore]:
    """The intel object store in a unit of work that commits on exit (TAXII and file
    imports: the objects and their status land together or not at all)."""
    with db.write() as tx:
        yield SqlIntelStore(tx.conn)


@contextmanager
def federation_reading(db: Database) -> Iterator[SqlFederationStore]:
    """Federation's store in a read-only unit of work (a TAXII read)."""
    with db.read() as tx:
        yield SqlFederationStore(tx.conn)


@contextmanager
def federation_writing(db: Database) -> Iterator[SqlFederationStore]:
    """Federation's store in a unit of work that commits on exit (an inbox push)."""
    with db.write() as tx:
        yield SqlFederationStore(tx.conn)


def federation_collections(settings: Settings, db: Database) -> FederationCollections:
    """The sharing groups' collections and the inbox, served on the node's TAXII server."""
    return FederationCollections(
        settings.log_origin, lambda: federation_reading(db), lambda: federation_writing(db)
    )


# -- per node --------------------------------------------------------------------------------


def peers_witnessing(db: Database) -> Witnessing:
    """:func:`witnessing_of_peers` on the federation peers table, read at every use."""

    def peers() -> list[Peer]:
        with federation_reading(db) as store:
            return list(store.peers())

    return witnessing_of_peers(peers)


def no_witnessed_logs() -> Mapping[str, Sequence[str]]:
    """No peer log to witness (a node without federation peers)."""
    return {}


def no_witnesses() -> Sequence[WitnessTarget]:
    """No peer witness to submit checkpoints to."""
    return ()


@dataclass(frozen=True)
class Witnessing:
    """Whom the node witnesses (``logs``: origin -> log vkeys of its active peers) and who
    witnesses it (``witnesses``: the active peers with a witness vkey, their
    ``/witness/add-checkpoint`` URL). Both are read at every use, so a peer added or removed
    takes effect without a restart; the federation peers table provides them."""

    logs: WitnessedLogs = no_witnessed_logs
    witnesses: WitnessTargets = no_witnesses


class PeerKeys(Protocol):
    """What witnessing needs of a federation peer (a row of ``federation_peers``)."""

    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def log_origin(self) -> str: ...
    @property
    def log_vkey(self) -> str: ...
    @property
    def witness_vkey(self) -> str: ...
    @property
    def status(self) -> str: ...


def witnessing_of_peers(peers: Callable[[], Iterable[PeerKeys]]) -> Witnessing:
    """Witnessing from the federation peers (``peers`` lists them, read at every use): the
    node witnesses the log of each active peer, and submits its checkpoints to the witness
    (``url + /witness/add-checkpoint``) of each active peer that has a witness vkey."""

    def active() -> list[PeerKeys]:
        return [p for p in peers() if str(p.status) == "active"]

    def logs() -> Mapping[str, Sequence[str]]:
        found: dict[str, list[str]] = {}
        for peer in active():
            found.setdefault(peer.log_origin, []).append(peer.log_vkey)
        return found

    def witnesses() -> Sequence[WitnessTarget]:
        return [
            WitnessTarget(p.name, p.url.rstrip("/") + "/witness/add-checkpoint", p.witness_vkey)
            for p in active()
            if p.witness_vkey
        ]

    return Witnessing(logs=logs, witnesses=witnesses)


@dataclass
class Node:
    """What one server holds for its lifetime (see :func:`build_node`)."""

    settings: Settings
    db: Database
    tlog: TransparencyLog
    publisher: Publisher
    screening: ScreeningDesk
    workers: WorkerPool
    rechecker: Rechecker
    lists_updater: ListsUpdater
    witness: Witness
    cosigning: Collector
    federation_sync: FederationSchedule
    exchange: ExchangeFor = no_exchange

    def cases(self, tx: Tx) -> CaseService:
        """The case service on ``tx``, with the node's screening desk and denial exchange."""
        return node_cases(self.settings, self.screening, self.exchange)(tx)

    def start(self) -> None:
        """Start the log's integrator, the outbox publisher, the screener's first build
        (or mapping of its stored index) and warm-up, (when ``recheck_seconds`` is set) the
        rechecker, (when ``lists_update_seconds`` is set) the list updates and (when
        ``witness_submit_seconds`` is set) the submission of checkpoints to the peers'
        witnesses (idle while there are none)."""
        self.tlog.ensure_checkpoint()
        self.tlog.start()
        self.publisher.start()
        warm_up(self.screening, self.settings.preload_person_names)
        if self.settings.recheck_seconds:
            self.rechecker.start(self.settings.recheck_seconds)
        if self.settings.lists_update_seconds:
            self.lists_updater.start()
        if self.settings.witness_submit_seconds:
            self.cosigning.start()
        if self.settings.federation_sync_seconds:
            self.federation_sync.start()

    def stop(self) -> None:
        """Stop what :meth:`start` started, the worker pool last."""
        self.federation_sync.stop()
        self.cosigning.stop()
        self.lists_updater.stop()
        self.rechecker.stop()
        self.publisher.stop()
        self.tlog.stop()
        self.workers.shutdown()


def build_node(
    settings: Settings,
    db: Database | None = None,
    witnessing: Witnessing | None = None,
    exchange: ExchangeFor | None = None,
) -> Node:
    """A node for ``settings``: the data folder checked (owner-only), the database it names
    (or ``db``), the log opened, the witness and the cosignature collector on
    ``witnessing``, ``exchange`` for denial notices with other states' nodes (both by
    default: the federation peers and groups in the database). The database must already
    be migrated."""
    secure_data_dir(settings)
    db = db or Database(settings.effective_database_url)
    witnessing = witnessing or peers_witnessing(db)
    if exchange is None:
        exchange = partial(denial_exchange, settings=settings)
    tlog = open_log(settings, db)
    desk = screening_desk(db, screening_index_root(settings))
    cases = node_cases(settings, desk, exchange)
    return Node(
        settings=settings,
        db=db,
        tlog=tlog,
        publisher=Publisher(db, tlog),
        screening=desk,
        workers=WorkerPool(settings.worker_threads),
        rechecker=Rechecker(db, cases),
        lists_updater=ListsUpdater(settings, db, settings.lists_update_seconds),
        witness=node_witness(settings, witnessing.logs),
        cosigning=cosignature_collector(settings, tlog, witnessing.witnesses),
        federation_sync=FederationSchedule(
            settings, db, received_follower(settings), lambda: share_node_measures(db, cases)
        ),
        exchange=exchange,
    )


def node_witness(settings: Settings, logs: WitnessedLogs) -> Witness:
    """The node's tlog-witness: its key ``data_dir/witness.key`` (created once, 0600), its
    state in ``data_dir/witness/state.json`` and the split views it refuses in
    ``data_dir/witness/evidence/``."""
    signer = ensure_witness_key(settings.data_dir, settings.log_origin)
    folder = settings.data_dir / "witness"
    return Witness(signer, logs, folder / "state.json", folder / "evidence")


def cosignature_collector(
    settings: Settings, tlog: TransparencyLog, witnesses: WitnessTargets
) -> Collector:
    """Submits ``tlog``'s checkpoints to ``witnesses`` every ``witness_submit_seconds``;
    its ledger and the cosignatures it keeps live in ``data_dir/log``."""
    config = CollectorConfig(
        interval=settings.witness_submit_seconds or 2.0,
        timeout=settings.federation_timeout_seconds,
    )
    return Collector(
        tlog.checkpoint,
        lambda old, new: tlog.consistency_proof(old, new).proof,
        witnesses,
        settings.data_dir / "log",
        config,
    )


def session_secret(settings: Settings) -> str:
    """The cookie-signing secret: from settings, else kept in ``data_dir/session.key`` (0600)."""
    if settings.session_secret:
        return settings.session_secret
    path = settings.data_dir / "session.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def screening_desk(db: Database, index_root: Path | None = None) -> ScreeningDesk:
    """The screening desk over the lists stored in ``db`` (the list store keeps its own
    short transactions: lists are read whole when the index is built); with
    ``index_root`` (:func:`screening_index_root`), the index is stored there once per set
    of list versions and mapped back by every process."""
    store = SqlListStore(db.engine)
    return ScreeningDesk(
        current=lambda: current_snapshots(store), load=store.latest, index_root=index_root
    )


def list_store(db: Database) -> SqlListStore:
    """The list store over ``db`` (snapshots, entries, changes; its own short transactions)."""
    return SqlListStore(db.engine)


def screening_index_root(settings: Settings) -> Path:
    """Where the screener's stored indexes live: ``data_dir/screening-index``."""
    return settings.data_dir / "screening-index"


def update_lists(
    settings: Settings, db: Database, wanted: Sequence[str] = (), offline: Path | None = None
) -> list[UpdateOutcome]:
    """Update ``wanted`` lists (default: those in force that have a feed, else every
    feed) from their feeds: ``data_dir/lists-feeds.json`` over the official ones; HTTP
    validators kept in ``data_dir/lists-fetch.json``; ``offline``: read the files from
    that folder. See :func:`pallmall.screening.updates.update_list`.

    Raises:
        InvalidInput: a list has no feed, or the feeds file is malformed.
    """
    store = SqlListStore(db.engine)
    feeds = read_feeds(settings.data_dir / "lists-feeds.json")
    in_force = [s.list_id for s in current_snapshots(store) if s.list_id in feeds]
    chosen = list(wanted) or in_force or sorted(feeds)
    unknown = [name for name in chosen if name not in feeds]
    if unknown:
        known = ", ".join(sorted(feeds))
        raise InvalidInput("LIST", f"no feed for {', '.join(unknown)} (feeds: {known})")
    fetcher: Fetcher = (
        FolderFetcher(offline)
        if offline is not None
        else HttpFetcher(settings.data_dir / "lists-fetch.json")
    )
    return [update_list(feeds[name], store, fetcher, date.today()) for name in chosen]


class ListsUpdater:
    """The server's list schedule: every ``seconds``, :func:`update_lists` in a daemon
    thread (a failed source is logged; the version in force stays)."""

    def __init__(self, settings: Settings, db: Database, seconds: float) -> None:
        self.settings, self.db, self.seconds = settings, db, seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the schedule (the first update after ``seconds``)."""
        self._thread = threading.Thread(target=self._run, name="lists-updater", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the schedule (an update under way finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                outcomes = update_lists(self.settings, self.db)
            except PallmallError as exc:
                LOG.warning("lists update: %s", exc)
                continue
            for outcome in outcomes:
                if outcome.status == "failed":
                    LOG.warning("lists update: %s: %s", outcome.list_id, outcome.error)


def open_log(settings: Settings, db: Database) -> TransparencyLog:
    """The transparency log in ``data_dir/log``, signed with the key ``pallmall init`` made
    (created here if missing, owner-only).

    On SQLite the log sequences in a journal beside its tiles (one machine, ``flock``); on
    PostgreSQL one sequencer holds a database lock, so several API workers append without
    gap or duplicate.
    """
    ensure_signing_key(settings.data_dir, settings.log_origin)
    signer = load_signing_key(settings.data_dir / "log-signing.key")
    folder = settings.data_dir / "log"
    if is_sqlite(db.engine):
        return TransparencyLog.open(folder, signer)
    tlog = TransparencyLog(FsTileStore(folder / "public"), SqlSequencer(db.engine), signer)
    tlog.ensure_checkpoint()
    return tlog


def warm_up(desk: ScreeningDesk, person_names: bool = False) -> None:
    """Build (or map) the screener in the background, so the first screen does not wait
    for it; ``person_names``: load rigour's person-name tables before saying ready (else
    the first screen that compares a person loads them)."""

    def build() -> None:
        with suppress(Conflict):  # no list loaded yet: the first screen will say so
            desk.warm_up(person_names)
        # The screener's tables are millions of long-lived objects: frozen, the cyclic
        # collector stops walking them on every full collection (pauses of 100+ ms that showed
        # as the registry read's p99 in `make bench-registry`).
        gc.freeze()

    threading.Thread(target=build, name="screener-warm-up", daemon=True).start()
