"""Watcher: keeps the last verified checkpoint, refuses a shrinking or forked log."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pallmall.log.audit import Watcher
from pallmall.log.errors import SplitView
from pallmall.log.note import generate_signer
from pallmall.log.tlog import TransparencyLog


def test_watcher_follows_growth_and_detects_a_fork(tmp_path: Path) -> None:
    signer = generate_signer("w.example/log")
    log = TransparencyLog.open(tmp_path / "a", signer)
    log.append([b"%d" % i for i in range(100)])
    log.integrate()
    watcher = Watcher(log.store.root, signer.vkey, tmp_path / "watch.json")
    assert watcher.check().size == 100
    log.append([b"more %d" % i for i in range(200)])
    log.integrate()
    assert watcher.check().size == 300
    assert watcher.last() is not None

    fork = TransparencyLog.open(tmp_path / "b", signer)  # same key, other history
    fork.append([b"x%d" % i for i in range(400)])
    fork.integrate()
    with pytest.raises(SplitView):
        Watcher(fork.store.root, signer.vkey, tmp_path / "watch.json").check()

    small = TransparencyLog.open(tmp_path / "c", signer)
    small.append([b"%d" % i for i in range(50)])
    small.integrate()
    with pytest.raises(SplitView, match="shrank"):
        Watcher(small.store.root, signer.vkey, tmp_path / "watch.json").check()
    assert watcher.last().size == 300
    shutil.rmtree(tmp_path / "b")
