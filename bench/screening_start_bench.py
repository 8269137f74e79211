"""Screening start-up benchmark: what a process pays before its first answer, now that the
screener's index is stored once per set of list versions and mapped back.

    .venv/bin/python bench/screening_start_bench.py

On a fresh data folder with the shipped lists (``pallmall init --demo``):
- ``pallmall --help`` (the floor every command pays), then the first ``pallmall screen``
  (builds and stores the index), then one-shot screens with the index stored, for an
  organisation's name and for a name of unknown kind (compared as a person too, so it loads
  rigour's person-name tables); wall clock and CPU time (user + system) of each command,
  the best of three; the targets compare the one-shot screen with ``--help``;
- a server restarted with unchanged lists (``pallmall serve --workers 2``): seconds until
  ``/api/v1/status`` first answers and until it says ``ready`` (index mapped, rigour's
  tables loaded);
- memory: two processes map the stored index and screen 300 parties each; the resident
  and proportional (shared pages split between the processes) size of the index's
  mappings in each, beside the size of its files.

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


def server_ready(env: dict[str, str]) -> tuple[float, float]:
    port = free_port()
    server = subprocess.Popen(
        [*PALLMALL, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    start = time.perf_counter()
    first = ready = float("nan")
    try:
        while time.perf_counter() - start < 900:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/status", timeout=5
                ) as answer:
                    status = json.loads(answer.read())["status"]
            except (OSError, ValueError):
                time.sleep(0.1)
                continue
            if first != first:  # nan: the first answer
                first = time.perf_counter() - start
            if status == "ready":
                ready = time.perf_counter() - start
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return first, ready


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


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="pallmall-start-") as data:
        env = {**os.environ, "PALLMALL_DATA_DIR": data, "PALLMALL_DATABASE_URL": ""}
        env["PALLMALL_RECHECK_SECONDS"] = "0"
        subprocess.run([*PALLMALL, "init", "--demo"], env=env, check=True, capture_output=True)
        rows: list[tuple[str, str]] = []
        help_wall, help_cpu = best(env, "--help")
        rows.append(("pallmall --help", f"{help_wall:.2f} s wall, {help_cpu:.2f} s CPU"))
        wall, cpu = run(env, "screen", "Intellexa SA", "--schema", "organization")
        rows.append(("first screen (builds, stores the index)", f"{wall:.2f} s, {cpu:.2f} s CPU"))
        for label, args in (
            ("one-shot screen, organisation", ("Intellexa SA", "--schema", "organization")),
            ("one-shot screen, unknown kind", ("Intellexa SA",)),
        ):
            wall, cpu = best(env, "screen", *args)
            rows.append(
                (
                    label,
                    f"{wall:.2f} s wall ({wall - help_wall:+.2f} over --help), "
                    f"{cpu:.2f} s CPU ({cpu - help_cpu:+.2f}); target +1.5 s",
                )
            )
        first, ready = server_ready(env)
        rows.append(
            (
                "server restart, lists unchanged (2 workers)",
                f"first answer {first:.1f} s, ready {ready:.1f} s; target ready < 3 s",
            )
        )
        size, mapped = index_memory(env, Path(data) / "screening-index")
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
