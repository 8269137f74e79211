"""The attestation form as data, the check of answers, and the comparison with the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from pallmall.attestation import Tie, check_answers, differences, name_key, shipped_form
from pallmall.attestation.form import SHIPPED, load_form
from pallmall.core.errors import InvalidInput
from tests.attestation_data import sound_answers


def test_the_shipped_form_holds_every_question_whole() -> None:
    form = shipped_form()
    texts = {q.id: q.text for q in form.questions()}
    assert texts["misuse_response"].endswith("(suspension, investigation, notification)")
    assert {"owners", "resellers", "licences_held", "no_known_misuse"} <= set(texts)
    assert form.ref == "pallmall-vendor-attestation@2026.1"


def test_a_comma_in_an_unquoted_flow_mapping_is_refused(tmp_path: Path) -> None:
    # regression: YAML split "(how many, and why)" into a stray key and the text was cut
    text = SHIPPED.read_text().replace(
        '"Sales refused on human-rights grounds (how many, and why)"',
        "Sales refused on human-rights grounds (how many, and why)",
    )
    bad = tmp_path / "form.yaml"
    bad.write_text(text)
    with pytest.raises(InvalidInput, match="unknown keys"):
        load_form(bad)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"owners": [{"name": "A", "share": 70}, {"name": "B", "share": 40}]}, "answers.owners"),
        ({"owners": [{"name": "A", "share": 10, "role": "lender"}]}, "answers.owners.0.role"),
        ({"registered_country": "Cyprus"}, "answers.registered_country"),
        ({"capability_categories": ["telepathy"]}, "answers.capability_categories"),
        ({"no_known_misuse": "yes"}, "answers.no_known_misuse"),
        ({"licences_held": [{"reference": "X"}]}, "answers.licences_held.0.state"),
        ({"favourite_colour": "blue"}, "answers"),
    ],
)
def test_bad_answers_name_the_question(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_answers(shipped_form(), sound_answers(**changes))
    assert raised.value.field == field


def test_answers_are_normalised() -> None:
    checked = check_answers(shipped_form(), sound_answers(registered_country="cy"))
    assert checked["registered_country"] == "CY"
    assert checked["owners"][0]["share"] == 100.0


def test_differences_from_the_registry() -> None:
    answers = sound_answers(
        owners=[{"name": "Founders Trust", "share": 70, "role": "owner"}],
        resellers=[{"name": "Broker S.A.", "country": "CH"}],
    )
    ties = [
        Tie("FOUNDERS TRUST LTD", "owner", 70.5),
        Tie("Broker SA", "reseller"),
        Tie("Other Reseller GmbH", "reseller"),
        Tie("Sovereign Fund", "investor", 30),
    ]
    assert differences(answers, ties) == (
        "the registry records Other Reseller GmbH as a reseller; not declared",
        "the registry records Sovereign Fund as investor (30 %); not declared",
    )
    assert name_key("Société Générale S.A.") == "societe generale"
