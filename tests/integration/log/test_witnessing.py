"""A log collects cosignatures from two real witnesses over loopback HTTP: consistency across
growth, the 409 retry, a split view refused and kept as evidence, and witnesses that are down
or hang never holding up the log or the other witness."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from pallmall.log import (
    Collector,
    CollectorConfig,
    EvidenceKind,
    TransparencyLog,
    Witness,
    WitnessTarget,
    check_quorum,
    list_evidence,
    verify_checkpoint,
)
from pallmall.log.keys import verifier_from_vkey
from tests.witnessing import (
    HangingWitness,
    LiveServer,
    grown,
    new_log,
    new_witness,
    refused_url,
    serve_witness,
)

ORIGIN = "gb.pallmall.example/log"


@dataclass
class Pair:
    """Log A and the two witnesses B and C that cosign it, served on loopback."""

    log: TransparencyLog
    witnesses: list[Witness]
    targets: list[WitnessTarget]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    log = new_log(tmp_path / "a", ORIGIN)
    logs = {ORIGIN: [log.vkey]}
    witnesses = [new_witness(tmp_path / n, f"{n}.pallmall.example/witness", logs) for n in "bc"]
    with serve_witness(witnesses[0]) as b, serve_witness(witnesses[1]) as c:
        targets = [
            WitnessTarget(name, f"{server.url}/add-checkpoint", w.vkey)
            for name, server, w in (("b", b, witnesses[0]), ("c", c, witnesses[1]))
        ]
        yield Pair(log, witnesses, targets)


def collector(log: TransparencyLog, targets: list[WitnessTarget], folder: Path, **kw: float):
    return Collector(
        log.checkpoint,
        lambda old, new: log.consistency_proof(old, new).proof,
        lambda: targets,
        folder,
        CollectorConfig(**kw),
    )


def test_cosigned_by_both_and_consistent_across_growth(pair: Pair, tmp_path: Path) -> None:
    col = collector(pair.log, pair.targets, tmp_path / "state")
    grown(pair.log, 10)
    assert [(s.witness, s.ok) for s in col.collect()] == [("b", True), ("c", True)]
    plain = pair.log.checkpoint().note
    note = col.store.cosigned(plain)
    assert check_quorum(note, [w.vkey for w in pair.witnesses], 2).signed == (
        "b.pallmall.example/witness",
        "c.pallmall.example/witness",
    )
    verify_checkpoint(note, [verifier_from_vkey(pair.log.vkey)])  # still the log's note
    assert col.collect() == []  # nothing new to cosign

    grown(pair.log, 300)  # across a full tile: the witnesses check a real consistency proof
    assert all(s.ok for s in col.collect())
    assert [s.size for s in col.ledger.statuses()] == [310, 310]
    cosigned = col.store.cosigned(pair.log.checkpoint().note)
    check_quorum(cosigned, [w.vkey for w in pair.witnesses], 2)
    # the first checkpoint's cosignatures are still kept for exactly that checkpoint
    assert col.store.cosigned(plain) == col.store.cosigned(note) == note


def test_a_lost_ledger_recovers_through_the_409_size(pair: Pair, tmp_path: Path) -> None:
    col = collector(pair.log, pair.targets, tmp_path / "state")
    grown(pair.log, 5)
    col.collect()
    (tmp_path / "state" / "witnesses.json").unlink()  # old size forgotten: we send 0
    grown(pair.log, 5)
    assert all(s.ok for s in col.collect())  # 409 "5\n", then a proof from 5 to 10
    assert [s.size for s in col.ledger.statuses()] == [10, 10]


def test_a_split_view_is_refused_and_kept_as_evidence(pair: Pair, tmp_path: Path) -> None:
    col = collector(pair.log, pair.targets, tmp_path / "state")
    grown(pair.log, 4)
    col.collect()
    # the same key signs another tree of the same size: a fork shown to the witnesses
    fork = TransparencyLog.open(tmp_path / "fork", pair.log.signer)
    grown(fork, 4, tag=b"forged")
    forked = collector(fork, pair.targets, tmp_path / "fork-state")
    outcomes = forked.collect()
    assert [s.ok for s in outcomes] == [False, False]
    assert "HTTP 409" in outcomes[0].error
    for witness in pair.witnesses:
        assert witness.evidence_dir is not None
        (evidence,) = list_evidence(witness.evidence_dir)
        assert evidence.kind is EvidenceKind.SPLIT_VIEW and evidence.cosigned_size == 4
        assert evidence.cosigned.encode() == pair.log.checkpoint().note
        assert evidence.refused.encode() == fork.checkpoint().note
    # the honest log goes on being cosigned
    grown(pair.log, 1)
    assert all(s.ok for s in col.collect())


def test_a_forked_growth_fails_its_consistency_proof_and_is_kept(
    pair: Pair, tmp_path: Path
) -> None:
    col = collector(pair.log, pair.targets, tmp_path / "state")
    grown(pair.log, 4)
    col.collect()
    fork = TransparencyLog.open(tmp_path / "fork", pair.log.signer)
    grown(fork, 9, tag=b"forged")
    outcomes = collector(fork, pair.targets, tmp_path / "fork-state").collect()
    assert ["HTTP 422" in s.error for s in outcomes] == [True, True]
    (evidence,) = list_evidence(pair.witnesses[0].evidence_dir or Path())
    assert evidence.kind is EvidenceKind.INCONSISTENT
    assert evidence.old_size == 4 and evidence.proof  # the proof that failed is kept


def test_a_wrong_key_answer_is_not_kept(pair: Pair, tmp_path: Path) -> None:
    impostor = new_witness(tmp_path / "x", "x.pallmall.example/witness", {})
    wrong = [WitnessTarget("b", pair.targets[0].url, impostor.vkey)]
    col = collector(pair.log, wrong, tmp_path / "state")
    grown(pair.log, 3)
    (outcome,) = col.collect()
    assert not outcome.ok and "no cosignature by x.pallmall.example/witness" in outcome.error
    assert col.store.cosigned(pair.log.checkpoint().note) == pair.log.checkpoint().note


def test_garbage_answers_are_errors_not_cosignatures(pair: Pair, tmp_path: Path) -> None:
    garbage = FastAPI()
    garbage.post("/ok")(lambda: PlainTextResponse("not a signature line\n"))
    garbage.post("/conflict")(lambda: PlainTextResponse("soon\n", status_code=409))
    with LiveServer(garbage) as server:
        vkey = pair.witnesses[0].vkey
        targets = [WitnessTarget(n, f"{server.url}/{n}", vkey) for n in ("ok", "conflict")]
        col = collector(pair.log, targets, tmp_path / "state")
        grown(pair.log, 2)
        conflict, ok = col.collect()  # by name
    assert "the answer is not signature lines" in ok.error
    assert "409 without a text/x.tlog.size size" in conflict.error
    assert col.store.lines(pair.log.checkpoint().checkpoint) == {}


def test_down_and_hanging_witnesses_do_not_stall_the_other(pair: Pair, tmp_path: Path) -> None:
    with HangingWitness() as hanging:
        targets = [
            WitnessTarget("down", refused_url(), pair.witnesses[0].vkey),
            WitnessTarget("hangs", hanging.url, pair.witnesses[0].vkey),
            pair.targets[1],
        ]
        col = collector(pair.log, targets, tmp_path / "state", interval=0.05, timeout=30)
        grown(pair.log, 3)
        col.start()
        try:
            cosigned_by_c(col, pair.log)
            assert hanging.requests.acquire(timeout=10)  # its request is in flight, unanswered
            grown(pair.log, 3)  # the log integrates meanwhile
            cosigned_by_c(col, pair.log)  # and C cosigns the new checkpoint
            down = next(s for s in col.ledger.statuses() if s.name == "down")
            assert down.error_count >= 1 and "refused" in down.last_error.lower()
            assert not hanging.released.is_set()
        finally:
            hanging.release()
            col.stop()


def test_a_failing_witness_is_backed_off(pair: Pair, tmp_path: Path) -> None:
    targets = [WitnessTarget("down", refused_url(), pair.witnesses[0].vkey), pair.targets[1]]
    col = collector(pair.log, targets, tmp_path / "state", interval=60)
    grown(pair.log, 2)
    col.round()
    first = {name: thread for name, thread in col._busy.items()}
    for thread in first.values():
        thread.join(10)
    grown(pair.log, 2)
    col.round()  # C is asked to cosign the new checkpoint; the refused witness must wait
    assert col._busy["down"] is first["down"] and col._busy["c"] is not first["c"]
    col._busy["c"].join(10)
    assert [s.error_count for s in col.ledger.statuses()] == [0, 1]  # c, down


def test_a_slow_witness_times_out_without_holding_the_round(pair: Pair, tmp_path: Path) -> None:
    with HangingWitness() as hanging:
        targets = [WitnessTarget("hangs", hanging.url, pair.witnesses[0].vkey), pair.targets[1]]
        col = collector(pair.log, targets, tmp_path / "state", timeout=0.5)
        grown(pair.log, 3)
        outcomes = {s.witness: s for s in col.collect()}
        assert outcomes["c"].ok
        assert not outcomes["hangs"].ok and "timed out" in outcomes["hangs"].error


def cosigned_by_c(col: Collector, log: TransparencyLog) -> None:
    deadline = time.monotonic() + 10
    c = col.targets()[-1]
    while c.vkey not in col.store.lines(log.checkpoint().checkpoint):
        assert time.monotonic() < deadline, "C never cosigned the latest checkpoint"
        time.sleep(0.02)
