"""An entry carries the id of the public change it records; salts kept rebuild it exactly."""

from __future__ import annotations

import json

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.log import make_entry, parse_entry
from pallmall.log.entry import canonical_json

TIME = "2026-01-01T00:00:00Z"


def test_the_change_id_round_trips_and_is_optional() -> None:
    data, _ = make_entry("k", "s", {"a": 1}, {"c": 2}, TIME, change="chg-1")
    assert parse_entry(data).change == "chg-1"
    assert b'"change":"chg-1"' in data
    plain, _ = make_entry("k", "s", {"a": 1}, None, TIME)
    assert parse_entry(plain).change is None and b"change" not in plain


def test_kept_salts_rebuild_the_same_bytes() -> None:
    data, disclosure = make_entry("k", "s", {}, {"c": 2, "d": [1]}, TIME, change="chg-1")
    salts = {n: f.salt for n, f in disclosure.fields.items()}
    again, _ = make_entry("k", "s", {}, {"c": 2, "d": [1]}, TIME, change="chg-1", salts=salts)
    assert again == data
    with pytest.raises(InvalidInput, match="salt"):
        make_entry("k", "s", {}, {"c": 2}, TIME, salts={"other": bytes(32)})


@pytest.mark.parametrize("change", ["", 7, None])
def test_a_malformed_change_id_is_refused(change: object) -> None:
    data, _ = make_entry("k", "s", {}, None, TIME)
    obj = json.loads(data)
    obj["change"] = change
    with pytest.raises(InvalidInput):
        parse_entry(canonical_json(obj))
