"""Import benchmark: the CPU a process pays before it does anything (issue 16).

    .venv/bin/python bench/import_bench.py [CHECKOUT ...]

For each checkout (default: this one; each with its own ``.venv``): the CPU seconds (user +
system, best of three fresh processes) of ``python -c "import pallmall.cli.asgi"`` (what a
server's worker imports) and of ``pallmall --help`` (what every command, and the supervisor
of ``pallmall serve``, imports), and which of the packages imported at first use
(matplotlib, followthemoney, alembic) and of the web stack each one loads. Run two
checkouts in turn to compare them under the same load. Nothing fails on a figure.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WATCHED = ["matplotlib", "followthemoney", "alembic", "fastapi", "uvicorn"]
CASES = {
    "import pallmall.cli.asgi": ["-c", "import pallmall.cli.asgi"],
    "pallmall --help": ["-m", "pallmall.cli", "--help"],
}
LOADED = (
    "import json, sys, {module}; "
    "print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({watched}))))"
)


def cpu(python: Path, args: list[str], cwd: Path) -> float:
    """User + system CPU seconds of one run of ``python ARGS`` in ``cwd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([str(python), *args], cwd=cwd, capture_output=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def loaded(python: Path, module: str, cwd: Path) -> list[str]:
    """Which watched packages importing ``module`` loads."""
    code = LOADED.format(module=module, watched=WATCHED)
    done = subprocess.run([str(python), "-c", code], cwd=cwd, capture_output=True, text=True)
    found: list[str] = json.loads(done.stdout)
    return found


def main() -> int:
    checkouts = [Path(a).resolve() for a in sys.argv[1:]] or [REPO]
    print(f"load average (1 min): {os.getloadavg()[0]:.1f}", file=sys.stderr)
    for checkout in checkouts:
        python = checkout / ".venv" / "bin" / "python"
        for label, args in CASES.items():
            best = min(cpu(python, args, checkout) for _ in range(3))
            print(f"{checkout}: {label}: {best:.2f} s CPU (best of 3)", flush=True)
        for module in ("pallmall.cli.asgi", "pallmall.cli.main"):
            print(f"{checkout}: import {module} loads {loaded(python, module, checkout)}")
    print(f"load average (1 min): {os.getloadavg()[0]:.1f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
