"""Reading a rule set from YAML (or JSON, a subset of YAML), checking every field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pallmall.core.errors import InvalidInput
from pallmall.policy.model import ProcurementFactor, Rule, RuleKind, RuleSet, Severity

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "policy" / "rules.yaml"


@cache
def shipped_rules() -> RuleSet:
    """The rule set shipped in ``pallmall/data/policy/rules.yaml`` (read once)."""
    return load_rules(SHIPPED)


def load_rules(path: Path) -> RuleSet:
    """Read and check the rule set at ``path``.

    Raises:
        InvalidInput: naming ``<file>:rules[i].<field>`` (or the top-level key) and the reason;
            duplicate rule ids are refused.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(path.name, f"cannot read the rule set: {exc}") from None
    return parse_rules(data, path.name)


def parse_rules(data: Any, where: str = "rules") -> RuleSet:
    """A :class:`RuleSet` from parsed YAML/JSON ``data``; errors name ``where``."""
    if not isinstance(data, Mapping):
        raise InvalidInput(where, "must be a mapping with ruleset, version, published, rules")
    rules = tuple(
        _rule(r, f"{where}:rules[{i}]") for i, r in enumerate(_list(data, "rules", where))
    )
    ids = [r.id for r in rules]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise InvalidInput(f"{where}:rules", f"rule id {duplicate!r} appears twice")
    procurement = data.get("procurement") or {}
    return RuleSet(
        name=_text(data, "ruleset", where),
        version=str(_required(data, "version", where)),
        published=_date(data, where),
        rules=rules,
        procurement_citation=str(procurement.get("citation", "")),
        procurement_factors=tuple(
            ProcurementFactor(_text(f, "id", where), _text(f, "title", where))
            for f in procurement.get("factors", ())
        ),
    )


def _rule(data: Any, where: str) -> Rule:
    if not isinstance(data, Mapping):
        raise InvalidInput(where, "must be a mapping")
    version = _required(data, "version", where)
    if not isinstance(version, int) or version < 1:
        raise InvalidInput(f"{where}.version", "must be a whole number of 1 or more")
    params = data.get("params") or {}
    if not isinstance(params, Mapping):
        raise InvalidInput(f"{where}.params", "must be a mapping")
    return Rule(
        id=_text(data, "id", where),
        version=version,
        kind=_enum(RuleKind, data, "kind", where),
        severity=_enum(Severity, data, "severity", where),
        title=_text(data, "title", where),
        citation=_text(data, "citation", where),
        params=dict(params),
    )


def _required(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise InvalidInput(f"{where}.{key}", "is required")
    return data[key]


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = _required(data, key, where)
    if not isinstance(value, str):
        raise InvalidInput(f"{where}.{key}", "must be text")
    return value.strip()


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = _required(data, key, where)
    if not isinstance(value, list):
        raise InvalidInput(f"{where}.{key}", "must be a list")
    return value


def _enum(enum: Any, data: Mapping[str, Any], key: str, where: str) -> Any:
    value = _text(data, key, where)
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidInput(f"{where}.{key}", f"{value!r} is not one of {allowed}") from None


def _date(data: Mapping[str, Any], where: str) -> date:
    value = _required(data, "published", where)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{where}.published", "must be a date (YYYY-MM-DD)") from None
