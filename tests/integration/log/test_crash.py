"""Crash test: SIGKILL an appending process at random moments; nothing acknowledged is lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pallmall.log.audit import verify_log
from pallmall.log.note import generate_signer
from pallmall.log.tlog import TransparencyLog

CHILD = """
import sys
from pathlib import Path
from pallmall.log.note import signer_from_skey
from pallmall.log.tlog import TransparencyLog

log = TransparencyLog.open(Path(sys.argv[1]), signer_from_skey(sys.argv[2]))
run, n = sys.argv[3], 0
while True:
    batch = [b"%s-%d-%d" % (run.encode(), n, i) for i in range(50)]
    first = log.append(batch)[0]
    print(f"ACK {first} {len(batch)} {run}-{n}", flush=True)
    n += 1
    if n % 3 == 0:
        log.integrate()
"""

KILLS = 50


@pytest.mark.slow
def test_sigkill_never_loses_an_acknowledged_entry(tmp_path: Path) -> None:
    signer = generate_signer("crash.example/log")
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    directory = tmp_path / "log"
    acked: dict[int, bytes] = {}
    rng = random.Random(1234)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    for kill in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, str(script), str(directory), signer.skey, f"r{kill}"],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None
        line = child.stdout.readline()  # wait until it is appending
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        lines = [line, *child.stdout.read().splitlines()]
        child.stdout.close()
        for raw in lines:
            if raw.startswith(b"ACK "):
                _, first, count, tag = raw.split()
                for i in range(int(count)):
                    acked[int(first) + i] = b"%s-%d" % (tag, i)
    log = TransparencyLog.open(directory, signer)
    while log.integrate().checkpoint.size < log.sequencer.size():
        pass
    report = verify_log(directory / "public", signer.vkey)
    assert len(acked) >= KILLS * 50
    assert report.checkpoint.size >= max(acked) + 1
    for index, entry in acked.items():
        assert log.entry(index) == entry
