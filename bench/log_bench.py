"""Transparency log benchmark: pallmall.log beside pymerkle (in-memory and SQLite), one table.

Run: ``make bench-log`` (= ``.venv/bin/python bench/log_bench.py``), or ``--quick``.

Measured:
- durable batched append rate (batches of 1000): pallmall sequenced (journal fsync per
  batch), pallmall integrated (tiles + bundles fsynced, checkpoint signed), pymerkle
  SQLite (one transaction per batch); pymerkle in-memory is not durable (shown for scale);
- inclusion / consistency proof latency p50 and p99 over random queries, in a new
  process that opens the stored log cold (no in-memory state; the OS page cache may be
  warm); pymerkle in-memory must rebuild its tree in that process first;
- acceptance to signed checkpoint: from ``append`` returning to a published checkpoint
  covering the entry, with the background integrator at a 0.25 s interval.

Timing never fails anything; targets are printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pallmall.log.fetch import DirectoryFetcher  # noqa: E402
from pallmall.log.note import generate_signer, signer_from_skey  # noqa: E402
from pallmall.log.proof import consistency_proof, inclusion_proof  # noqa: E402
from pallmall.log.tiles import FsTileStore, TileHashSource  # noqa: E402
from pallmall.log.tlog import TransparencyLog  # noqa: E402

BATCH = 1000
QUERIES = 2000
PYMERKLE_MEM_MAX = 1_000_000  # larger in-memory trees need > 10 GB and minutes to build


def entries(start: int, n: int) -> list[bytes]:
    return [b"pallmall bench entry %012d" % i for i in range(start, start + n)]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- appends -------------------------------------------------------------------------


def ours_append(directory: Path, n: int) -> tuple[float, float, TransparencyLog]:
    """Return (sequenced rate, integrated rate) in entries/s for ``n`` entries."""
    log = TransparencyLog.open(directory, generate_signer("bench.example/log"))
    t0 = time.perf_counter()
    for start in range(0, n, BATCH):
        log.append(entries(start, min(BATCH, n - start)))
    t1 = time.perf_counter()
    while log.integrate().checkpoint.size < n:
        pass
    t2 = time.perf_counter()
    return n / (t1 - t0), n / (t2 - t0), log


def pymerkle_mem_append(n: int) -> float:
    from pymerkle import InmemoryTree

    tree = InmemoryTree()
    t0 = time.perf_counter()
    for start in range(0, n, BATCH):
        for e in entries(start, min(BATCH, n - start)):
            tree.append_entry(e)
    return n / (time.perf_counter() - t0)


def pymerkle_sqlite_append(path: Path, n: int) -> float:
    from pymerkle import SqliteTree

    tree = SqliteTree(str(path))
    t0 = time.perf_counter()
    for start in range(tree.get_size(), n, BATCH):
        tree.append_entries(entries(start, min(BATCH, n - start)))
    rate = (n - 0) / (time.perf_counter() - t0)
    tree.close()
    return rate


def median_of(runs: int, fn: Any) -> float:
    return statistics.median(fn() for _ in range(runs))


# --- proofs in a new process -----------------------------------------------------------


def child_proofs(kind: str, where: str, size: int) -> dict[str, float]:
    """Run in a fresh process: open the stored log and time random proofs (ms)."""
    rng = random.Random(7)
    t_open = time.perf_counter()
    if kind == "ours":
        store = FsTileStore(where)
        interior = DirectoryFetcher(store.interior)

        def incl(i: int) -> object:  # a new source per query: no tile cache across queries
            return inclusion_proof(TileHashSource(store, size, interior), i, size)

        def cons(m: int) -> object:
            return consistency_proof(TileHashSource(store, size, interior), m, size)
    else:
        from pymerkle import InmemoryTree, SqliteTree

        if kind == "pymerkle-sqlite":
            tree: Any = SqliteTree(where)
        else:
            tree = InmemoryTree()
            for start in range(0, size, BATCH):
                for e in entries(start, min(BATCH, size - start)):
                    tree.append_entry(e)

        def incl(i: int) -> object:
            return tree.prove_inclusion(i + 1, size)  # pymerkle counts from one

        def cons(m: int) -> object:
            return tree.prove_consistency(m, size)

    open_s = time.perf_counter() - t_open
    result: dict[str, float] = {"open_s": open_s}
    for name, fn, lo in (("incl", incl, 0), ("cons", cons, 1)):
        times = []
        for _ in range(QUERIES):
            x = rng.randrange(lo, size)
            t = time.perf_counter()
            fn(x)
            times.append((time.perf_counter() - t) * 1e3)
        result[f"{name}_first"] = times[0]
        result[f"{name}_p50"] = statistics.median(times)
        result[f"{name}_p99"] = pct(times, 0.99)
    return result


def proofs(kind: str, where: str, size: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, where, str(size)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


# --- acceptance to signed checkpoint ---------------------------------------------------


def acceptance(directory: Path, seconds: float) -> list[float]:
    log = TransparencyLog.open(directory, generate_signer("accept.example/log"))
    log.start(interval=0.25)
    acked: dict[int, float] = {}
    done = threading.Event()

    def submit() -> None:
        rng, n = random.Random(3), 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            [index] = log.append([b"accept %d" % n])
            acked[index] = time.monotonic()
            n += 1
            time.sleep(rng.uniform(0, 0.01))
        done.set()

    thread = threading.Thread(target=submit)
    thread.start()
    latencies, seen = [], 0
    while not done.is_set() or seen < len(acked):
        size = log.checkpoint().checkpoint.size
        now = time.monotonic()
        for index in range(seen, size):
            latencies.append(now - acked[index])
        seen = max(seen, size)
        time.sleep(0.002)
    thread.join()
    log.stop()
    return latencies


# --- table -----------------------------------------------------------------------------


def fmt_rate(v: float | None) -> str:
    return "n/a" if v is None else f"{v / 1000:,.0f}k/s"


def fmt_ms(v: float | None) -> str:
    return "n/a" if v is None else (f"{v:.3f} ms" if v < 10 else f"{v:,.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller sizes")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: temp)")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_proofs(args.child[0], args.child[1], int(args.child[2]))))
        return
    scale = 10 if args.quick else 1
    append_sizes = [100_000 // scale, 1_000_000 // scale]
    proof_sizes = [1_000_000 // scale, 10_000_000 // scale]
    work = Path(args.dir or tempfile.mkdtemp(prefix="log-bench-"))
    rows: list[tuple[str, str, str, str, str]] = []
    try:
        run(work, append_sizes, proof_sizes, rows)
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows, args.quick)


def run(work: Path, append_sizes: list[int], proof_sizes: list[int], rows: list[Any]) -> None:
    for n in append_sizes:
        runs = 3 if n <= 100_000 else 1
        counter = iter(range(100))
        seq_rates, int_rates = [], []
        for _ in range(runs):
            s, i, _log = ours_append(work / f"ours-append-{n}-{next(counter)}", n)
            seq_rates.append(s)
            int_rates.append(i)
        mem = median_of(runs, lambda n=n: pymerkle_mem_append(n)) if n <= PYMERKLE_MEM_MAX else None
        sql = median_of(
            runs, lambda n=n: pymerkle_sqlite_append(work / f"pm-{n}-{time.time_ns()}.db", n)
        )
        note = f"median of {runs}" if runs > 1 else "1 run"
        rows.append(
            (
                f"append {n:,} sequenced (fsync/batch)",
                fmt_rate(statistics.median(seq_rates)),
                fmt_rate(mem),
                fmt_rate(sql),
                f"x{statistics.median(seq_rates) / sql:.1f} vs SQLite; {note}",
            )
        )
        rows.append(
            (
                f"append {n:,} + tiles + signed checkpoint",
                fmt_rate(statistics.median(int_rates)),
                "",
                "",
                f"x{statistics.median(int_rates) / sql:.1f} vs SQLite; target >= 100k/s",
            )
        )
        print(f"# appended {n:,}", file=sys.stderr)
    for size in proof_sizes:
        ours_dir = work / f"ours-proofs-{size}"
        build_ours(ours_dir, size)
        ours = proofs("ours", str(ours_dir / "public"), size)
        pm_db = work / f"pm-proofs-{size}.db"
        pymerkle_sqlite_append(pm_db, size)
        sql = proofs("pymerkle-sqlite", str(pm_db), size)
        mem_size = min(size, PYMERKLE_MEM_MAX)
        mem = proofs("pymerkle-mem", "-", mem_size)
        mem_note = (
            ""
            if mem_size == size
            else f" (pymerkle in-memory at {mem_size:,}: larger does not fit)"
        )
        for kind, label in (("incl", "inclusion"), ("cons", "consistency")):
            for q in ("p50", "p99"):
                key = f"{kind}_{q}"
                rows.append(
                    (
                        f"{label} proof {q} @ {size:,}, cold process",
                        fmt_ms(ours[key]),
                        fmt_ms(mem[key]),
                        fmt_ms(sql[key]),
                        f"x{sql[key] / ours[key]:.0f} faster than SQLite{mem_note}"
                        + ("; target p99 < 1 ms" if q == "p99" else ""),
                    )
                )
        rows.append(
            (
                f"open + first inclusion proof @ {size:,}",
                fmt_ms(ours["open_s"] * 1e3 + ours["incl_first"]),
                fmt_ms(mem["open_s"] * 1e3 + mem["incl_first"]),
                fmt_ms(sql["open_s"] * 1e3 + sql["incl_first"]),
                "in-memory must rebuild the tree",
            )
        )
        print(f"# proofs at {size:,}", file=sys.stderr)
    lat = acceptance(work / "accept", 5.0)
    rows.append(
        (
            "acceptance -> signed checkpoint p50",
            fmt_ms(statistics.median(lat) * 1e3),
            "",
            "",
            f"{len(lat)} entries, integrator every 0.25 s",
        )
    )
    rows.append(
        (
            "acceptance -> signed checkpoint p99",
            fmt_ms(pct(lat, 0.99) * 1e3),
            "",
            "",
            "target <= 1000 ms; pymerkle has no checkpoints",
        )
    )


def build_ours(directory: Path, size: int) -> None:
    log = TransparencyLog.open(directory, generate_signer("bench.example/log"))
    step = 10_000
    for start in range(0, size, step):
        log.append(entries(start, min(step, size - start)))
        if (start // step) % 25 == 24:
            log.integrate()
    while log.integrate().checkpoint.size < size:
        pass
    _ = signer_from_skey  # keeps the import used when the key is read back in tools


def print_table(rows: list[tuple[str, str, str, str, str]], quick: bool) -> None:
    head = ("metric", "pallmall.log", "pymerkle in-memory", "pymerkle SQLite", "ratio / note")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    line = " | ".join("{:<" + str(w) + "}" for w in widths)
    print(
        f"pallmall.log benchmark{' (--quick: sizes / 10)' if quick else ''}, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    print(line.format(*head))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row))


if __name__ == "__main__":
    main()
