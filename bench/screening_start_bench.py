"""Screening start-up benchmark: what a process pays before its first answer, now that the
screener's index is stored once per set of list versions and mapped back.

    .venv/bin/python bench/screening_start_bench.py [one-shot] [server] [server-1] [mappings]

(default: one-shot, server and mappings; ``server-1``: the restart with one worker too,
``pallmall serve`` without ``--workers``; each figure is printed to stderr as it is
measured, the table at the end).

On a fresh data folder with the shipped lists (``pallmall init --demo``):
- ``pallmall --help`` (the floor every command pays), then the first ``pallmall screen``
  (builds and stores the index), the first screen of a person's name (builds the stored
  person-name table, once per rigour version), then one-shot screens with the index stored: an
  organisation's name, ``pallmall screen "Intellexa SA"`` (unknown kind, a legal form: never
  loads rigour's person-name tables) and a person's name of unknown kind (loads them); wall
  clock and CPU time (user + system) of each command, the best of three; the targets
  compare the one-shot screen with ``--help``;
- a server restarted with unchanged lists (``pallmall serve --workers 2``, as users start
  it): seconds until ``/api/v1/status`` first answers and until it says ``ready`` (index
  mapped, legal-form and transliteration tables loaded); 200 organisation screens through
  the API; then each worker's memory from ``/proc/PID/smaps_rollup`` (RSS, PSS: shared
  pages split between the processes that map them, USS: pages only this worker holds) and
  its mappings of the index files; then the first person screen (it loads the person-name
  tables in its worker);
- memory: two processes map the stored index and screen 300 parties each; the resident
  and proportional size of the index's mappings in each, beside the size of its files.

On a shared, loaded machine the wall clock includes waiting for a core; the CPU time is
what the command costs. The load average is printed beside them. Nothing fails on a figure.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PALLMALL = [sys.executable, "-m", "pallmall.cli"]


def run(env: dict[str, str], *args: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``pallmall ARGS`` (exit 0 or 1 both fine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([*PALLMALL, *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"pallmall {' '.join(args)} failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best(env: dict[str, str], *args: str, times: int = 3) -> tuple[float, float]:
    runs = [run(env, *args) for _ in range(times)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str, token: str = "", body: dict[str, object] | None = None) -> object:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data, headers)
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read())


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


def _workers(server: int) -> list[int]:
    """uvicorn's worker processes under ``server``: forked (the same command line as the
    server: ``pallmall serve`` pre-forks them) or spawned (``spawn_main`` in the command
    line; not multiprocessing's resource tracker). With one worker, the server itself."""
    own = Path(f"/proc/{server}/cmdline").read_bytes()
    out = []
    for child in _children(server):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        if cmdline == own or b"spawn_main" in cmdline:
            out.append(child)
    return out or [server]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds ``pid`` has used so far (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int, folder: Path) -> dict[str, float]:
    """MB: the whole process's resident, proportional and unique (private) size from
    ``/proc/PID/smaps_rollup``, and the resident and proportional size of its mappings of
    the stored index's files (``/proc/PID/smaps``)."""
    kb: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        kb[key] = int(value.split()[0])
    index_rss = index_pss = 0
    inside = False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()[0] if line else ""
        if "-" in head and all(c in "0123456789abcdef-" for c in head):
            inside = str(folder) in line
        elif inside and line.startswith("Rss:"):
            index_rss += int(line.split()[1])
        elif inside and line.startswith("Pss:"):
            index_pss += int(line.split()[1])
    return {
        "rss": kb["Rss"] / 1024,
        "pss": kb["Pss"] / 1024,
        "uss": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024,
        "index_rss": index_rss / 1024,
        "index_pss": index_pss / 1024,
    }


def server_restart(
    env: dict[str, str], token: str, folder: Path, workers: int = 2
) -> tuple[list[tuple[str, str]], list[dict[str, float]]]:
    """``pallmall serve --workers N`` as users start it, on a data folder whose index is
    stored: seconds to the first answer of ``/api/v1/status`` and to ``ready``; then 200
    organisation screens through the API (the index pages they touch), the memory of each
    worker, and the time of the first screen comparing a person (it loads the person-name
    tables in the worker that takes it, unless PALLMALL_PRELOAD_PERSON_NAMES)."""
    port = free_port()
    server = subprocess.Popen(
        [*PALLMALL, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    start = time.perf_counter()
    first = ready = float("nan")
    rows: list[tuple[str, str]] = []
    try:
        while time.perf_counter() - start < 900:
            try:
                status = _get(port, "/api/v1/status")
            except (OSError, ValueError):
                time.sleep(0.05)
                continue
            assert isinstance(status, dict)
            if first != first:  # nan: the first answer
                first = time.perf_counter() - start
            if status["status"] == "ready":
                ready = time.perf_counter() - start
                break
            time.sleep(0.05)
        worker_cpu = [cpu_seconds(pid) for pid in _workers(server.pid)]
        spent = ", workers " + ", ".join(f"{c:.1f} s" for c in worker_cpu)
        rows.append(
            (
                f"server restart, lists unchanged ({workers} workers)",
                f"first answer {first:.1f} s, ready {ready:.1f} s; target ready < 3 s; CPU "
                f"until ready: supervisor {cpu_seconds(server.pid):.1f} s"
                + (spent if workers > 1 else ""),
            )
        )
        names = ["Intellexa SA", "Cytrox AD", "Positive Technologies", "Rosoboronexport"]
        started = time.perf_counter()
        for number in range(200):
            body = {"name": f"{names[number % 4]} {number}", "schema": "organization"}
            _get(port, "/api/v1/screening/screen", token, body)
        per = (time.perf_counter() - started) / 200 * 1000
        rows.append(("200 organisation screens after ready", f"{per:.0f} ms each on average"))
        figures = [memory(pid, folder) for pid in _workers(server.pid)]
        started = time.perf_counter()
        _get(port, "/api/v1/screening/screen", token, {"name": "Ivan Ivanovich Petrov"})
        rows.append(
            (
                "first person screen after ready",
                f"{time.perf_counter() - started:.2f} s (reads the stored person-name "
                "table; without one, loads rigour's tagger in that worker)",
            )
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
    return rows, figures


MAPPER = """
import json, sys
from pathlib import Path
from pallmall.screening import Party, Screener
from pallmall.screening.index_files import open_index
folder = Path(sys.argv[1])
index, snapshots = open_index(folder)
screener = Screener.over_index(index, snapshots)
names = [e.primary_name for e in list(index.entries)[:: max(1, len(index.entries) // 300)]]
for name in names[:300]:
    screener.screen(Party(name + " x"))
print("screened", flush=True)
sys.stdin.readline()  # measure once every process has screened
rss = pss = 0
inside = False
for line in Path("/proc/self/smaps").read_text().splitlines():
    if line[0] in "0123456789abcdef" and " " in line and "-" in line.split()[0]:
        inside = str(folder) in line
    elif inside and line.startswith("Rss:"):
        rss += int(line.split()[1])
    elif inside and line.startswith("Pss:"):
        pss += int(line.split()[1])
print(json.dumps({"rss_kb": rss, "pss_kb": pss}), flush=True)
sys.stdin.readline()  # hold the mappings until every process has measured
"""


def index_memory(env: dict[str, str], root: Path) -> tuple[int, list[dict[str, int]]]:
    (folder,) = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    size = sum(f.stat().st_size for f in folder.iterdir()) // 1024
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MAPPER, str(folder)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    pipes = [(p.stdin, p.stdout) for p in procs]
    for _, out in pipes:
        assert out is not None and out.readline().strip() == "screened"
    figures = []
    for into, out in pipes:
        assert into is not None and out is not None
        into.write("measure\n")
        into.flush()
        figures.append(json.loads(out.readline()))
    for proc in procs:
        proc.communicate("done\n")
    return size, figures


def bench_token(env: dict[str, str]) -> str:
    """An API token of a regulator made for the benchmark (screening needs one)."""
    done = subprocess.run(
        [
            *PALLMALL, "user", "add", "bench@authority.example", "--role", "regulator",
            "--account", "Bench Authority", "--kind", "export_authority", "--state", "GB",
            "--token",
        ],
        env={**env, "PALLMALL_PASSWORD": "bench-password-for-the-start-bench"},
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.split("API token (shown once):", 1)[1].split()[0]


def bytecode_caches() -> str:
    """Whether the installed packages and pallmall have their ``.pyc`` files (``make
    install`` compiles them; without them every process compiles every module it imports,
    about 1.3 s of CPU for `--help` on this machine) and whether Python may write them."""
    import importlib.util

    import fastapi

    import pallmall.app

    found = [
        Path(importlib.util.cache_from_source(str(module.__file__))).exists()
        for module in (fastapi, pallmall.app)
    ]
    writes = "no" if sys.dont_write_bytecode else "yes"
    return (
        f"installed packages {'yes' if found[0] else 'NO'}, pallmall {'yes' if found[1] else 'NO'}"
        f"; Python writes missing ones: {writes}"
    )


class Rows(list[tuple[str, str]]):
    """The figures, each also printed (to stderr) as soon as it is measured."""

    def append(self, row: tuple[str, str]) -> None:
        print(f"{row[0]}: {row[1]}", file=sys.stderr, flush=True)
        super().append(row)

    def __iadd__(self, rows: object) -> Rows:  # type: ignore[override]  # list's takes Iterable
        assert isinstance(rows, list)
        for row in rows:
            self.append(row)
        return self


def main() -> int:
    parts = sys.argv[1:] or ["one-shot", "server", "mappings"]
    with tempfile.TemporaryDirectory(prefix="pallmall-start-") as data:
        env = {**os.environ, "PALLMALL_DATA_DIR": data, "PALLMALL_DATABASE_URL": ""}
        env["PALLMALL_RECHECK_SECONDS"] = "0"
        subprocess.run([*PALLMALL, "init", "--demo"], env=env, check=True, capture_output=True)
        rows = Rows()
        rows.append(("bytecode caches (.pyc)", bytecode_caches()))
        help_wall, help_cpu = best(env, "--help")
        rows.append(("pallmall --help", f"{help_wall:.2f} s wall, {help_cpu:.2f} s CPU"))
        wall, cpu = run(env, "screen", "Intellexa SA", "--schema", "organization")
        rows.append(("first screen (builds, stores the index)", f"{wall:.2f} s, {cpu:.2f} s CPU"))
        wall, cpu = run(env, "screen", "Ivan Ivanovich Petrov")
        rows.append(
            (
                "first person screen (builds the person-name table, where stored)",
                f"{wall:.2f} s, {cpu:.2f} s CPU",
            )
        )
        for label, args in (
            ()
            if "one-shot" not in parts
            else (
                ("one-shot screen, organisation", ("Intellexa SA", "--schema", "organization")),
                ("one-shot screen, unknown kind, a company", ("Intellexa SA",)),
                ("one-shot screen, unknown kind, a person", ("Ivan Ivanovich Petrov",)),
            )
        ):
            wall, cpu = best(env, "screen", *args)
            rows.append(
                (
                    label,
                    f"{wall:.2f} s wall ({wall - help_wall:+.2f} over --help), "
                    f"{cpu:.2f} s CPU ({cpu - help_cpu:+.2f}); target +1.5 s",
                )
            )
        (folder,) = [
            p for p in (Path(data) / "screening-index").iterdir() if p.is_dir() and p.name[0] != "."
        ]
        token = bench_token(env) if {"server", "server-1"} & set(parts) else ""
        if "server-1" in parts:
            rows += server_restart(env, token, folder, workers=1)[0]
        served, workers = server_restart(env, token, folder) if "server" in parts else ([], [])
        rows += served
        for number, figures in enumerate(workers, 1):
            rows.append(
                (
                    f"server worker {number} of {len(workers)} (smaps_rollup)",
                    f"RSS {figures['rss']:.0f} MB, PSS {figures['pss']:.0f} MB, "
                    f"USS {figures['uss']:.0f} MB; index mappings RSS "
                    f"{figures['index_rss']:.1f} MB, PSS {figures['index_pss']:.1f} MB",
                )
            )
        size, mapped = (
            index_memory(env, Path(data) / "screening-index") if "mappings" in parts else (0, [])
        )
        if mapped:
            rows.append(("stored index files", f"{size / 1024:.1f} MB"))
        for number, figures in enumerate(mapped, 1):
            rows.append(
                (
                    f"index mappings in process {number} of 2",
                    f"resident {figures['rss_kb'] / 1024:.1f} MB, "
                    f"proportional {figures['pss_kb'] / 1024:.1f} MB",
                )
            )
        rows.append(("load average (1 min) at the end", f"{os.getloadavg()[0]:.2f}"))
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
