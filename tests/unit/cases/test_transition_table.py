"""The transition tables: every target is reachable, every verb has rights and an effect,
refusals name kind, status and verb."""

from __future__ import annotations

import pytest

from pallmall.cases.effects import EFFECTS, OUTCOMES
from pallmall.cases.model import CaseKind, CaseStatus, Verb
from pallmall.cases.transitions import INITIAL, RIGHTS, TABLES, allowed_verbs, targets
from pallmall.core.errors import TransitionRefused


@pytest.mark.parametrize("kind", list(CaseKind))
def test_every_verb_in_a_table_has_rights(kind: CaseKind) -> None:
    assert {verb for _, verb in TABLES[kind]} == set(RIGHTS[kind])


@pytest.mark.parametrize("kind", list(CaseKind))
def test_every_status_is_reachable_from_the_initial_one(kind: CaseKind) -> None:
    seen, todo = {INITIAL[kind]}, [INITIAL[kind]]
    while todo:
        status = todo.pop()
        for verb in allowed_verbs(kind, status):
            for nxt in targets(kind, status, verb) - seen:
                seen.add(nxt)
                todo.append(nxt)
    used = {s for pair, out in TABLES[kind].items() for s in (pair[0], *out)}
    assert seen == used


def test_licence_flow_matches_the_issue() -> None:
    t = TABLES[CaseKind.LICENCE]
    assert t[(CaseStatus.ADVICE, Verb.COUNTERSIGN)] == {
        CaseStatus.APPROVED_WITH_CONDITIONS,
        CaseStatus.DENIED,
    }
    with pytest.raises(TransitionRefused, match="licence case in status 'draft' cannot 'advise'"):
        targets(CaseKind.LICENCE, CaseStatus.DRAFT, Verb.ADVISE)


@pytest.mark.parametrize("kind", list(CaseKind))
def test_every_verb_in_a_table_has_an_effect(kind: CaseKind) -> None:
    assert {verb for _, verb in TABLES[kind]} == set(EFFECTS[kind])


@pytest.mark.parametrize("kind", list(CaseKind))
def test_an_effect_picks_only_from_the_tables_targets(kind: CaseKind) -> None:
    # a record function that picks the status itself (countersign: the advice's outcome;
    # return_advice: back to review or to the appeal) must stay within the targets; every
    # other verb has exactly one target to take
    for (_, verb), out in TABLES[kind].items():
        if verb not in (Verb.COUNTERSIGN, Verb.RETURN_ADVICE):
            assert len(out) == 1, (kind, verb)
    for outcome, status in OUTCOMES.get(kind, {}).items():
        assert status in TABLES[kind][(CaseStatus.ADVICE, Verb.COUNTERSIGN)], outcome
