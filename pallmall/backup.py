"""Backup and restore of a node: ``pallmall backup DIR`` and ``pallmall restore DIR``.

A backup is consistent while the server runs and writes:

1. the SQLite database, through SQLite's online backup API (one snapshot, WAL included);
2. then the transparency log at a checkpoint that covers every log index the database copy
   mentions (the command integrates what is sequenced if the server has not yet): the signed
   checkpoint, and exactly the tiles and entry bundles of that tree size;
3. the keys (log signing key, witness key, session key) and the witness's state and
   evidence, owner-only;
4. ``manifest.json``: what was taken, with the SHA-256 of every file.

Order matters: the log only grows, so a log taken after the database holds every entry the
database points at. Changes the database copy still has pending are appended again by the
restored node's publisher (the log is at-least-once, never lost).

On PostgreSQL the database is taken with ``pg_dump`` (docs/operations.md): ``pallmall backup``
copies the log and keys first, then the operator dumps the database, so the database's
sequencer holds every entry the copied tiles hold.

A restore stages everything beside the data folder, checks the manifest's digests, verifies
the log against its key (signature, every tile, the root) and that every log index the
database records holds the leaf hash it records; only then moves it into place. Nothing
half-restored is left.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, InvalidInput, VerificationError
from pallmall.core.settings import Settings
from pallmall.log import TransparencyLog, load_signing_key, verify_log
from pallmall.log.bundle import decode_bundle, encode_bundle
from pallmall.log.fetch import CHECKPOINT, DirectoryFetcher
from pallmall.log.hashing import leaf_hash
from pallmall.log.keys import KEY_FILE, WITNESS_KEY_FILE
from pallmall.log.layout import bundles_for_size, tiles_for_size
from pallmall.log.note import Ed25519Signer
from pallmall.log.tiles import FsTileStore, read_tile
from pallmall.storage.base import is_sqlite, make_engine
from pallmall.storage.database import Database
from pallmall.storage.log import SqlSequencer
from pallmall.storage.tables import public_changes

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "pallmall.db"
KEYS = (KEY_FILE, WITNESS_KEY_FILE, "session.key")
WITNESS_DIR = "witness"
"""The node witness's state and evidence (``data_dir/witness``), backed up whole."""
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: the database kind, the log size and root, and its files."""

    created_at: str
    database: str
    database_bytes: int
    log_size: int
    log_origin: str
    files: dict[str, str]

    def to_json(self) -> dict[str, object]:
        """The manifest as written to ``manifest.json``."""
        return {"format": FORMAT, **self.__dict__}


@dataclass(frozen=True)
class RestoreReport:
    """What a restore checked: the verified log size and the database rows that agree."""

    log_size: int
    logged_changes: int


def backup(
    settings: Settings, db: Database, folder: Path, progress: Progress | None = None
) -> Manifest:
    """Take a consistent snapshot of the node into ``folder`` (new or empty; made 0700).

    Raises:
        InvalidInput: naming ``DIR`` when ``folder`` holds files already.
        Conflict: the log did not reach the database's last log index within 60 s.
    """
    say = progress or (lambda _message: None)
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise InvalidInput("DIR", f"{folder} is not empty: back up into a new folder")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    sqlite = is_sqlite(db.engine)
    size = 0
    if sqlite:
        say("copying the database (SQLite online backup)")
        size = _copy_sqlite(Path(str(db.engine.url.database)), folder / DATABASE)
    folder_log = settings.data_dir / "log"
    if sqlite:
        tlog = TransparencyLog.open(folder_log, _signer(settings))
        _wait_for_log(tlog, _last_log_index(folder / DATABASE))
    else:
        store = FsTileStore(folder_log / "public")
        tlog = TransparencyLog(store, SqlSequencer(db.engine), _signer(settings))
    say("copying the transparency log at its checkpoint")
    log_size = _copy_log(tlog, folder / "log")
    _copy_keys(settings.data_dir, folder)
    files = {str(p.relative_to(folder)): _sha256(p) for p in _files(folder)}
    manifest = Manifest(
        created_at=utcnow().isoformat(),
        database="sqlite" if sqlite else "postgresql (pg_dump it now: docs/operations.md)",
        database_bytes=size,
        log_size=log_size,
        log_origin=tlog.origin,
        files=files,
    )
    _write_private(folder / MANIFEST, json.dumps(manifest.to_json(), indent=1).encode())
    return manifest


def _signer(settings: Settings) -> Ed25519Signer:
    return load_signing_key(settings.data_dir / KEY_FILE)


def _copy_sqlite(source: Path, target: Path) -> int:
    target.touch(mode=0o600)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=1024)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()
    target.chmod(0o600)
    return target.stat().st_size


def _last_log_index(database: Path) -> int:
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            value = conn.execute(
                select(public_changes.c.log_index)
                .order_by(public_changes.c.log_index.desc())
                .limit(1)
            ).scalar()
    finally:
        engine.dispose()
    return int(value) if value is not None else -1


def _wait_for_log(tlog: TransparencyLog, last_index: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while tlog.checkpoint().checkpoint.size <= last_index:
        tlog.integrate()  # a no-op while the running server integrates itself
        if time.monotonic() > deadline:
            raise Conflict(f"the log did not reach index {last_index} within {timeout:.0f} s")
        time.sleep(0.05)


def _copy_log(tlog: TransparencyLog, target: Path) -> int:
    signed = tlog.checkpoint()  # tiles of a published size never change: copy them calmly
    note, size = signed.note, signed.checkpoint.size
    public = tlog.store
    for tile in tiles_for_size(size):
        _write_private(target / "public" / tile.path(), read_tile(public, tile))
    for bundle in bundles_for_size(size):
        entries = decode_bundle(read_tile(public, bundle), bundle.width)
        _write_private(target / "public" / bundle.path(), encode_bundle(entries))
    _write_private(target / "public" / CHECKPOINT, note)
    return size


def _copy_keys(source: Path, target: Path) -> None:
    for name in KEYS:
        if (source / name).exists():
            _write_private(target / name, (source / name).read_bytes())
    # the witness's state: restored older, it still refuses every fork of what it cosigned
    # then (without it, it would trust whatever checkpoint a peer shows it next)
    witness = source / WITNESS_DIR
    for path in sorted(witness.rglob("*.json")) if witness.is_dir() else []:
        _write_private(target / path.relative_to(source), path.read_bytes())


def restore(
    settings: Settings, folder: Path, force: bool = False, progress: Progress | None = None
) -> RestoreReport:
    """Restore the backup in ``folder`` into ``settings.data_dir`` (the server stopped).

    Raises:
        InvalidInput: naming ``DIR`` (not a backup, or a digest differs) or ``--force`` (the
            data folder holds data and ``force`` is False).
        VerificationError: the log does not verify, or disagrees with the database; nothing
            was changed.
    """
    say = progress or (lambda _message: None)
    folder, data = Path(folder), Path(settings.data_dir)
    manifest = _read_manifest(folder)
    if data.exists() and any(data.iterdir()) and not force:
        raise InvalidInput("--force", f"{data} holds data: pass --force to replace it")
    stage = data.with_name(f".{data.name}.restore-{os.getpid()}")
    shutil.rmtree(stage, ignore_errors=True)
    try:
        say("copying the backup into a staging folder")
        _stage(folder, stage, manifest)
        say("verifying the log and its agreement with the database")
        report = _check(settings, stage, manifest)
        _swap(stage, data)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return report


def _read_manifest(folder: Path) -> Manifest:
    try:
        raw = json.loads((folder / MANIFEST).read_text())
        raw.pop("format")
        manifest = Manifest(**raw)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput("DIR", f"{folder} is not a pallmall backup: {exc}") from None
    for name, digest in manifest.files.items():
        path = folder / name
        if not path.is_file() or _sha256(path) != digest:
            raise InvalidInput("DIR", f"{path} is missing or differs from the manifest")
    return manifest


def _stage(folder: Path, stage: Path, manifest: Manifest) -> None:
    stage.mkdir(mode=0o700, parents=True)
    for name in manifest.files:
        _write_private(stage / name, (folder / name).read_bytes())
    journal = stage / "log" / "journal"
    journal.mkdir(mode=0o700, parents=True)
    # the journal carries on from the checkpoint: its first segment starts at the log size
    (journal / f"{manifest.log_size:020d}.journal").touch(mode=0o600)


def _check(settings: Settings, stage: Path, manifest: Manifest) -> RestoreReport:
    signer = load_signing_key(stage / KEY_FILE)
    public = stage / "log" / "public"
    try:
        audit = verify_log(public, signer.vkey)
    except VerificationError as exc:
        raise VerificationError(f"the backed-up log does not verify: {exc}") from exc
    size = audit.checkpoint.size
    if size != manifest.log_size:
        raise VerificationError(f"the log has size {size}, the manifest says {manifest.log_size}")
    url = f"sqlite:///{stage / DATABASE}" if (stage / DATABASE).exists() else settings.database_url
    db = Database(url)
    try:
        agreed = _agreement(db, DirectoryFetcher(public), size)
    finally:
        db.dispose()
    return RestoreReport(size, agreed)


def _agreement(db: Database, fetcher: DirectoryFetcher, size: int) -> int:
    with db.read() as tx:
        rows = tx.conn.execute(
            select(public_changes.c.log_index, public_changes.c.leaf_hash)
            .where(public_changes.c.log_index >= 0)
            .order_by(public_changes.c.log_index)
        ).all()
    hashes = dict(_leaf_hashes(fetcher, size))
    for index, recorded in rows:
        if index >= size and is_sqlite(db.engine):
            raise VerificationError(f"the database records log index {index}, the log has {size}")
        if index < size and hashes[index] != recorded:
            raise VerificationError(f"log entry {index} is not the change the database records")
    return len(rows)


def _leaf_hashes(fetcher: DirectoryFetcher, size: int) -> Iterator[tuple[int, str]]:
    for bundle in bundles_for_size(size):
        entries = decode_bundle(read_tile(fetcher, bundle), bundle.width)
        first = bundle.index * 256
        for offset, entry in enumerate(entries):
            yield first + offset, leaf_hash(entry).hex()


def _swap(stage: Path, data: Path) -> None:
    if data.exists() and any(data.iterdir()):
        aside = data.with_name(f"{data.name}.before-restore-{utcnow():%Y%m%dT%H%M%S}")
        data.rename(aside)
    elif data.exists():
        data.rmdir()
    stage.rename(data)
    data.chmod(0o700)


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            yield path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
