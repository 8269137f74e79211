"""``pallmall log`` (verify, watch, disclose, check-disclosure) and ``pallmall witness``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pallmall.cli.context import open_database
from pallmall.core.deferred import DeferredModule
from pallmall.core.errors import NotFound
from pallmall.core.settings import load_settings
from pallmall.log import (
    CosignatureSigner,
    Disclosure,
    QuorumError,
    SignedCheckpoint,
    Watcher,
    Witness,
    WitnessLedger,
    check_disclosure,
    check_quorum,
    disclose,
    ensure_signing_key,
    entries_path,
    fetch_checkpoint,
    fetcher_for,
    list_evidence,
    load_signing_key,
    verify_log,
)
from pallmall.log.bundle import decode_bundle
from pallmall.log.layout import TILE_WIDTH
from pallmall.publisher import Publisher, withhold_entry
from pallmall.storage.database import Database
from pallmall.wiring import open_log

# the witness's HTTP app (FastAPI), imported by `witness serve` alone: the other commands
# do not pay for the web framework (issue 16)
WITNESS_API = DeferredModule("pallmall.api.witness")

log_app = typer.Typer(help="Audit and use the transparency log.", no_args_is_help=True)
witness_app = typer.Typer(
    help="Cosign other logs' checkpoints (C2SP tlog-witness).", no_args_is_help=True
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
Vkey = Annotated[str, typer.Option("--vkey", help="the log's verifier key (its /log/vkey)")]


@log_app.command("verify")
def verify(
    source: Annotated[str, typer.Argument(help="a log folder or its base URL")],
    vkey: Vkey,
    witness: Annotated[
        list[str] | None,
        typer.Option("--witness", help="a trusted witness's vkey (its /witness/vkey); repeatable"),
    ] = None,
    quorum: Annotated[
        int, typer.Option(min=0, help="how many of the witnesses must cosign (default: all)")
    ] = 0,
    wait: Annotated[
        float, typer.Option(min=0, help="seconds to keep re-fetching the checkpoint for the quorum")
    ] = 0,
) -> None:
    """Audit a whole log: the checkpoint signature, every tile and entry bundle, the root.
    With --witness, the checkpoint must also carry valid cosignatures of at least --quorum of
    those witnesses (re-fetched for up to --wait seconds): otherwise it says which signed and
    exits 1. Exits 0 when everything verifies; exits 2 when the log does not."""
    signed = None
    if quorum and not witness:
        raise typer.BadParameter("give the witnesses' vkeys with --witness", param_hint="--quorum")
    if witness:
        signed = await_quorum(source, vkey, witness, quorum or len(set(witness)), wait)
    report = verify_log(source, vkey, signed)
    cp = report.checkpoint
    console.print(
        f"OK {cp.origin} size {cp.size}: {report.tiles_checked} tiles and "
        f"{report.bundles_checked} entry bundles match the signed root"
    )


def await_quorum(
    source: str, vkey: str, witnesses: list[str], quorum: int, wait: float
) -> SignedCheckpoint:
    """The log's checkpoint once it carries ``quorum`` valid cosignatures of ``witnesses``,
    re-fetched every second for up to ``wait`` seconds; exit 1 saying who signed if not."""
    fetcher = fetcher_for(source)
    deadline = time.monotonic() + wait
    while True:
        signed = fetch_checkpoint(fetcher, vkey)
        try:
            report = check_quorum(signed.note, witnesses, quorum)
        except QuorumError as exc:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                size = exc.report.checkpoint.size
                err.print(f"[red]quorum not met[/red] at size {size}: {exc}")
                raise typer.Exit(1) from exc
            time.sleep(min(1.0, remaining))
            continue
        console.print(f"witnesses at size {report.checkpoint.size}: {report.describe()}")
        return signed


@log_app.command("witnesses")
def witnesses() -> None:
    """List the witnesses this node submitted its checkpoints to: the size each last
    cosigned, when, and the last error (from data/log/witnesses.json)."""
    settings = load_settings()
    ledger = WitnessLedger(settings.data_dir / "log" / "witnesses.json")
    rows = ledger.statuses()
    if not rows:
        console.print("no witness has been submitted to yet")
    for row in rows:
        state = f"error ({row.error_count}): {row.last_error}" if row.last_error else "ok"
        console.print(
            f"{row.name}: cosigned size {row.size} at {row.last_success_at or 'never'}; {state}"
        )


@log_app.command("watch")
def watch(
    source: Annotated[str, typer.Argument(help="a log folder or its base URL")],
    vkey: Vkey,
    state: Annotated[Path, typer.Option(help="where the last verified checkpoint is kept")] = Path(
        "log-watch.json"
    ),
    interval: Annotated[float, typer.Option(help="seconds between checks; 0: check once")] = 0,
) -> None:
    """Check each new checkpoint against the last verified one (consistency proof); a log
    that shrank or forked is a split view: printed, exit 2."""
    watcher = Watcher(source, vkey, state)
    while True:
        cp = watcher.check()
        console.print(f"consistent: {cp.origin} size {cp.size}")
        if interval <= 0:
            return
        time.sleep(interval)


@log_app.command("disclose")
def disclose_command(
    index: Annotated[int, typer.Argument(min=0, help="the entry's index in the log")],
    field: Annotated[
        list[str] | None, typer.Option(help="fields to disclose (default: all)")
    ] = None,
) -> None:
    """Print, for an auditor, the salts and values of an entry's confidential fields."""
    _, db = open_database()
    with db.read() as tx:
        stored = tx.outbox.disclosure(index)
    if not stored or "fields" not in stored:
        raise NotFound(f"no disclosure is kept for log entry {index}")
    full = Disclosure.from_json(stored)
    chosen = field or sorted(full.fields)
    console.print_json(json.dumps({"index": index, **disclose(full, chosen).to_json()}))


@log_app.command("check-disclosure")
def check_disclosure_command(
    disclosure: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="the JSON from `pallmall log disclose`"),
    ],
    log: Annotated[str, typer.Option("--log", help="the log folder or its base URL")],
    vkey: Vkey,
) -> None:
    """Check disclosed fields against the log alone: audit the log with the vkey, read the
    entry from its bundle, and recompute every commitment. Exit 2 on any mismatch."""
    data = json.loads(disclosure.read_text())
    index = int(data.pop("index"))
    size = verify_log(log, vkey).checkpoint.size
    if not 0 <= index < size:
        raise NotFound(f"entry {index} is not in the log of size {size}")
    tile = index // TILE_WIDTH
    width = min(TILE_WIDTH, size - tile * TILE_WIDTH)
    entry = decode_bundle(fetcher_for(log).fetch(entries_path(tile, width)))[index % TILE_WIDTH]
    check_disclosure(entry, Disclosure.from_json(data))
    console.print(f"OK: entry {index}: every disclosed field matches its commitment")


@witness_app.command("init")
def witness_init(
    name: Annotated[str, typer.Argument(help="the witness's key name, e.g. witness.example.org")],
    folder: Annotated[Path, typer.Option(help="where the witness keeps its key and state")] = Path(
        "witness"
    ),
) -> None:
    """Create the witness's cosigning key (owner-only) and print its vkey."""
    ensure_signing_key(folder, name)
    console.print(_cosigner(folder).vkey)


@witness_app.command("serve")
def witness_serve(
    trust: Annotated[list[str], typer.Option(help="ORIGIN=VKEY of a log to cosign; repeatable")],
    folder: Annotated[Path, typer.Option()] = Path("witness"),
    host: str = "127.0.0.1",
    port: int = 8090,
) -> None:
    """Serve ``POST /add-checkpoint`` (C2SP tlog-witness): cosign after checking consistency
    with the last cosigned checkpoint; refuse a split view (409)."""
    import uvicorn

    logs: dict[str, list[str]] = {}
    for item in trust:
        origin, sep, vkey = item.partition("=")
        if not sep:
            raise typer.BadParameter("expected ORIGIN=VKEY", param_hint="--trust")
        logs.setdefault(origin, []).append(vkey)
    witness = Witness(_cosigner(folder), logs, folder / "witness-state.json", folder / "evidence")
    uvicorn.run(WITNESS_API.load().witness_app(witness), host=host, port=port, log_level="warning")


@witness_app.command("evidence")
def witness_evidence(
    folder: Annotated[
        Path | None,
        typer.Option(help="a standalone witness's folder (default: this node's witness)"),
    ] = None,
) -> None:
    """Print, as JSON (newest first), every split view the witness refused: both checkpoint
    notes, when, the proof sent. Each record verifies with the forked log's vkey alone."""
    where = (folder or load_settings().data_dir / "witness") / "evidence"
    items = [e.to_json() for e in list_evidence(where)]
    console.print_json(json.dumps({"items": items, "total": len(items)}))


def _cosigner(folder: Path) -> CosignatureSigner:
    signer = load_signing_key(folder / "log-signing.key")
    return CosignatureSigner(signer.name, signer.private_key)


@log_app.command("withhold")
def withhold(
    index: Annotated[int, typer.Argument(help="the entry that should never have been public")],
    reason: Annotated[
        str, typer.Option("--reason", help="why, in words fit to publish (it is published)")
    ],
) -> None:
    """Stop serving the entry bundle holding INDEX, and publish a notice saying so.

    The log cannot forget an entry: its hash stays in every later root, and anyone who
    copied the bundle keeps it. This node stops serving the bundle (410 Gone for it, the
    entry's receipt and page), keeps it privately, and appends a public notice naming the
    index and the reason, so auditors (`pallmall log verify`) know why it is missing. See
    docs/disclosure.md for the other options (a new log).
    """
    settings, db = open_database()
    tlog = open_log(settings, db)
    notice = withhold_entry(db, tlog, index, reason)
    publish_changes(db)
    bundles = ", ".join(notice.public["bundles"]) or "none yet"
    console.print(f"entry {index} withheld (bundles moved out of the public folder: {bundles})")


def log_vkey() -> str:
    """The vkey of this node's log (creating the key if missing)."""
    settings = load_settings()
    return ensure_signing_key(settings.data_dir, settings.log_origin)


@log_app.command("publish")
def publish() -> None:
    """Append the public changes still waiting in the database to the log, and integrate
    (the server does this continuously; use it after imports with no server running)."""
    _, db = open_database()
    publish_changes(db)


def publish_changes(db: Database) -> None:
    """Drain the outbox into this node's log and sign a new checkpoint."""
    tlog = open_log(load_settings(), db)
    tlog.ensure_checkpoint()
    count = Publisher(db, tlog).drain()
    signed, previous = tlog.integrate(), -1
    while signed.checkpoint.size != previous:  # integrate() takes a bounded batch per call
        previous, signed = signed.checkpoint.size, tlog.integrate()
    console.print(f"{count} public changes appended; log size {signed.checkpoint.size}")
