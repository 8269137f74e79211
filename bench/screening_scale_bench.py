"""Screening at scale: an index of synthetic entries made from real list names, written,
stored and mapped back, beside today's in-memory design, in one run.

    .venv/bin/python bench/screening_scale_bench.py                  # 1,000,000 entries
    .venv/bin/python bench/screening_scale_bench.py --entries 100000 # a quicker run
    .venv/bin/python bench/screening_scale_bench.py --workers 1      # build in one process
    .venv/bin/python bench/screening_scale_bench.py --stored-only    # without today's design

The entries recombine the words of the shipped lists' names (persons: a given name and a
family name drawn from different real persons, sometimes a middle name; organisations:
two or three words of real organisation names and a real legal form; a third carry a
country and an identifier), so their spelling, length and word frequencies are those of
real lists. Each part runs in a fresh process, so its memory is its own. Reported:
- stored index (``index_files.write_index``, what ``pallmall lists load``/``update`` and the
  server do): seconds to normalise, index and write every name, wall and CPU (the builder
  and its ``--workers`` forked normalisers), the peak resident memory of the builder and
  of a normaliser, the size of the files;
- the stored index mapped by a fresh process: seconds to ready, resident memory after
  the queries, ms per party p50 / p95 (CPU time of the process);
- today's design (``Screener(reports)``: every normalised name held in memory): seconds
  to build, resident memory of the index, ms per party p50 / p95; and whether both
  designs give every party the same result.
Queries: 400 real list names with one letter dropped and 400 names not on any list. The
query processes freeze their objects out of the cyclic collector once warmed, as the
server does (pallmall/wiring.py). Rigour's tables are loaded before any clock starts.
On a shared machine the wall clock includes waiting for a core; the load average is printed.
Targets (issue 16): resident memory < 3 GB, p95 < 15 ms, build < 5 min.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from pallmall.screening import (
    EntryName,
    EntrySchema,
    Identifier,
    ListEntry,
    LoadReport,
    Party,
    Screener,
    SnapshotInfo,
    as_dict,
    load_shipped_lists,
)
from pallmall.screening.index_files import open_index, write_index

FORMS = ("LLC", "LTD", "JSC", "GMBH", "S.A.", "OOO", "AO", "CO., LTD.", "INC", "ZRT.", "")
TODAY = date(2026, 11, 30)
COUNTRIES = ("ru", "ir", "kp", "cn", "ae", "sy", "by", "ve", "cu", "tr", "hk", "cy")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def words_of(reports: list[LoadReport]) -> tuple[list[str], list[str], list[str]]:
    given, family, org = [], [], []
    for report in reports:
        for entry in report.entries:
            for name in entry.names:
                parts = name.value.replace(",", " ").split()
                if entry.schema is EntrySchema.PERSON and len(parts) >= 2:
                    family.append(parts[0] if "," in name.value else parts[-1])
                    given.append(parts[1] if "," in name.value else parts[0])
                elif entry.schema is not EntrySchema.PERSON:
                    org.extend(p for p in parts if len(p) > 2 and p.isalpha())
    return given, family, org


def synthetic(count: int, reports: list[LoadReport], seed: int = 11) -> list[ListEntry]:
    given, family, org = words_of(reports)
    rng = random.Random(seed)
    out = []
    for number in range(count):
        if number % 2:
            middle = f" {rng.choice(given)}" if rng.random() < 0.3 else ""
            names = (EntryName(f"{rng.choice(family)}, {rng.choice(given)}{middle}"),)
            schema = EntrySchema.PERSON
        else:
            words = " ".join(rng.choice(org) for _ in range(rng.choice((2, 2, 3))))
            names = (EntryName(f"{words} {rng.choice(FORMS)}".strip()),)
            schema = EntrySchema.ORGANIZATION
        extra = number % 3 == 0
        out.append(
            ListEntry(
                "synthetic", str(number), schema, names,
                countries=(rng.choice(COUNTRIES),) if extra else (),
                identifiers=(Identifier(f"R{rng.randrange(10**9):09d}"),) if extra else (),
            )
        )  # fmt: skip
    return out


def queries(reports: list[LoadReport], seed: int = 5) -> list[Party]:
    rng = random.Random(seed)
    names = [e.primary_name for r in reports for e in r.entries]
    out = []
    for name in rng.sample(names, 400):
        at = rng.randrange(len(name))
        out.append(Party(name[:at] + name[at + 1 :]))  # one letter dropped
    out += [Party(f"Ingrid {w} Solberg-{rng.randrange(99)}") for w in rng.sample(names, 400)]
    return out


def timed(screener: Screener, parties: list[Party]) -> tuple[float, float, str]:
    """CPU ms per party p50 / p95, and a digest of every result (to compare designs)."""
    times, digest = [], hashlib.sha256()
    for party in parties:
        start = time.process_time()
        result = screener.screen(party, today=TODAY)
        times.append((time.process_time() - start) * 1000)
        digest.update(json.dumps(as_dict(result), sort_keys=True, default=str).encode())
    times.sort()
    return times[len(times) // 2], times[int(0.95 * len(times))], digest.hexdigest()


def prepared(entries: int) -> tuple[list[Party], LoadReport]:
    """The queries and the synthetic list, rigour's tables loaded (not part of any figure)."""
    shipped = load_shipped_lists()
    parties = queries(shipped)
    report = LoadReport(SnapshotInfo("synthetic", str(entries), None),
                        tuple(synthetic(entries, shipped)))  # fmt: skip
    Screener([shipped[-1]]).warm_up()
    return parties, report


def build_stored(entries: int, root: str, workers: int) -> dict[str, float | str]:
    """In a fresh process: write the stored index of ``entries`` synthetic entries."""
    _, report = prepared(entries)
    base, children = rss_mb(), resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, cpu = time.perf_counter(), time.process_time()
    folder = write_index(report.entries, [report.snapshot], Path(root), workers=workers)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "folder": str(folder),
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time()
        - cpu
        + after.ru_utime
        + after.ru_stime
        - children.ru_utime
        - children.ru_stime,
        "base_mb": base,
        "peak_mb": peak_mb(),
        "worker_peak_mb": after.ru_maxrss / 1024,
        "size_mb": sum(f.stat().st_size for f in folder.iterdir()) / 2**20,
    }


def query_stored(folder: str) -> dict[str, float | str]:
    """In a fresh process: map the stored index and screen the queries."""
    shipped = load_shipped_lists()
    parties = queries(shipped)
    Screener([shipped[-1]]).warm_up()
    del shipped
    gc.collect()
    base = rss_mb()
    start = time.perf_counter()
    index, snapshots = open_index(Path(folder))
    screener = Screener.over_index(index, snapshots)
    ready = time.perf_counter() - start
    screener.warm_up()
    gc.freeze()
    p50, p95, digest = timed(screener, parties)
    return {"ready_s": ready, "rss_mb": rss_mb() - base, "peak_mb": peak_mb(), "p50": p50,
            "p95": p95, "digest": digest}  # fmt: skip


def today(entries: int) -> dict[str, float | str]:
    """In a fresh process: today's design, every normalised name held in memory."""
    parties, report = prepared(entries)
    gc.collect()
    base = rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    screener = Screener([report])
    built, built_cpu = time.perf_counter() - wall, time.process_time() - cpu
    gc.freeze()
    p50, p95, digest = timed(screener, parties)
    return {"wall_s": built, "cpu_s": built_cpu, "rss_mb": rss_mb() - base,
            "peak_mb": peak_mb(), "p50": p50, "p95": p95, "digest": digest}  # fmt: skip


def part(*args: str) -> dict[str, Any]:
    """Run one part of the bench in a fresh process; its JSON answer."""
    done = subprocess.run(
        [sys.executable, __file__, "--part", *args], capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"part {args} failed: {done.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--stored-only", action="store_true")
    parser.add_argument("--part", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        name, *rest = args.part
        if name == "build":
            answer = build_stored(args.entries, rest[0], args.workers)
        elif name == "query":
            answer = query_stored(rest[0])
        else:
            answer = today(args.entries)
        print(json.dumps(answer))
        return 0
    n = str(args.entries)
    with tempfile.TemporaryDirectory(prefix="pallmall-scale-") as root:
        built = part("build", root, "--entries", n, "--workers", str(args.workers))
        mapped = part("query", str(built["folder"]))
    rows = [
        ("entries (synthetic, from real list names)", f"{args.entries:,}"),
        (f"stored index: build, wall / CPU s ({args.workers} normalising processes)",
         f"{built['wall_s']:.0f} / {built['cpu_s']:.0f}; target < 300"),
        ("stored index: builder peak resident memory, MB (of it before the build)",
         f"{built['peak_mb']:.0f} ({built['base_mb']:.0f})"),
        ("stored index: a normaliser's peak resident memory, MB",
         f"{built['worker_peak_mb']:.0f}" if args.workers > 1 else "-"),
        ("stored index: size of the files, MB", f"{built['size_mb']:.0f}"),
        ("stored index: seconds to map (ready)", f"{mapped['ready_s']:.2f}"),
        ("stored index: resident memory after 800 queries, MB (peak of the process)",
         f"{mapped['rss_mb']:.0f} ({mapped['peak_mb']:.0f}); target < 3072"),
        ("stored index: ms per party p50 / p95 (CPU)",
         f"{mapped['p50']:.1f} / {mapped['p95']:.1f}; target p95 < 15"),
    ]  # fmt: skip
    if not args.stored_only:
        now = part("today", "--entries", n)
        rows += [
            ("today's design: build, wall / CPU s", f"{now['wall_s']:.0f} / {now['cpu_s']:.0f}"),
            ("today's design: resident memory of the index, MB (peak of the process)",
             f"{now['rss_mb']:.0f} ({now['peak_mb']:.0f})"),
            ("today's design: ms per party p50 / p95 (CPU)",
             f"{now['p50']:.1f} / {now['p95']:.1f}"),
            ("same result for every party in both designs",
             "yes" if now["digest"] == mapped["digest"] else "NO"),
        ]  # fmt: skip
    rows.append(("load average (1 min) at the end", f"{os.getloadavg()[0]:.2f}"))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
