"""The self-attestation form as data (``pallmall/data/attestation/form.yaml``), and the check
of a vendor's answers against it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pallmall.core.errors import InvalidInput

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "attestation" / "form.yaml"
KINDS = ("text", "yes_no", "country", "choices", "owners", "parties", "licences")
ROLES = ("owner", "investor")
MAX_TEXT = 5000
MAX_ITEMS = 100
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Question:
    """One question: its id, kind (one of :data:`KINDS`), wording, whether it must be
    answered, the options of a ``choices`` question, the expected answer of a ``yes_no``."""

    id: str
    kind: str
    text: str
    required: bool = False
    options: tuple[str, ...] = ()
    expect: bool | None = None


@dataclass(frozen=True)
class Section:
    """A titled group of questions."""

    id: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class FindingRule:
    """How a missing, expired, contradicted or adverse attestation is cited in a finding."""

    id: str
    version: int
    title: str
    citation: str


@dataclass(frozen=True)
class Form:
    """A version of the form; an attestation is valid ``valid_days`` after it is made."""

    name: str
    version: str
    published: date
    valid_days: int
    citation: str
    finding: FindingRule
    sections: tuple[Section, ...]

    @property
    def ref(self) -> str:
        """``name@version``, as attestations and log entries cite the form."""
        return f"{self.name}@{self.version}"

    def questions(self) -> list[Question]:
        """Every question, in order."""
        return [q for s in self.sections for q in s.questions]


@cache
def shipped_form() -> Form:
    """The form shipped in ``pallmall/data/attestation/form.yaml`` (read once)."""
    return load_form(SHIPPED)


def load_form(path: Path) -> Form:
    """Read and check the form at ``path``.

    Raises:
        InvalidInput: naming the file and the bad key (unknown kind, duplicate id...).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        form = Form(
            name=str(data["form"]),
            version=str(data["version"]),
            published=data["published"],
            valid_days=int(data["valid_days"]),
            citation=str(data["citation"]),
            finding=FindingRule(**data["finding"]),
            sections=tuple(_section(s) for s in data["sections"]),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(path.name, f"not a valid attestation form: {exc!r}") from None
    ids = [q.id for q in form.questions()]
    if len(ids) != len(set(ids)):
        raise InvalidInput(path.name, "question ids must be unique")
    return form


def _section(data: Mapping[str, Any]) -> Section:
    return Section(
        str(data["id"]), str(data["title"]), tuple(_question(q) for q in data["questions"])
    )


def _question(data: Mapping[str, Any]) -> Question:
    stray = set(data) - {"id", "kind", "text", "required", "options", "expect"}
    if stray:
        # a comma in an unquoted YAML flow mapping splits the text into stray keys
        raise ValueError(f"question {data.get('id')}: unknown keys {sorted(map(str, stray))}")
    if data["kind"] not in KINDS:
        raise ValueError(f"question {data['id']}: kind must be one of {KINDS}")
    return Question(
        id=str(data["id"]),
        kind=str(data["kind"]),
        text=str(data["text"]),
        required=bool(data.get("required", False)),
        options=tuple(str(o) for o in data.get("options", ())),
        expect=data.get("expect"),
    )


def check_answers(form: Form, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers in their normal JSON form (every question present: empty when not
    answered).

    Raises:
        InvalidInput: field ``answers.<question id>`` (or ``.<n>.<member>``) with the reason:
            an unknown question, a required one unanswered, a value of the wrong shape, shares
            outside 0-100 or owners' shares above 100 % in all.
    """
    unknown = sorted(set(answers) - {q.id for q in form.questions()})
    if unknown:
        raise InvalidInput("answers", f"not questions of {form.ref}: {unknown}")
    out = {q.id: _answer(q, answers.get(q.id)) for q in form.questions()}
    for q in form.questions():
        if q.required and out[q.id] in ("", [], None):
            raise InvalidInput(f"answers.{q.id}", "must be answered")
        if q.kind == "owners" and sum(o["share"] for o in out[q.id]) > 100.0001:
            raise InvalidInput(f"answers.{q.id}", "the shares add up to more than 100 %")
    return out


def _answer(q: Question, value: Any) -> Any:
    where = f"answers.{q.id}"
    if q.kind == "yes_no":
        if value is not None and not isinstance(value, bool):
            raise InvalidInput(where, "answer true or false")
        return value
    if q.kind in ("text", "country"):
        return _text(where, value, country=q.kind == "country")
    items = _items(where, value)
    if q.kind == "choices":
        bad = [v for v in items if v not in q.options]
        if bad:
            raise InvalidInput(where, f"not among the options: {bad}")
        return sorted(set(items))
    return [_member(q.kind, f"{where}.{n}", item) for n, item in enumerate(items)] if items else []


def _text(where: str, value: Any, country: bool = False) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise InvalidInput(where, f"a text of at most {MAX_TEXT} characters")
    text: str = value.strip()
    if country and text and not _COUNTRY.match(text.upper()):
        raise InvalidInput(where, "an ISO 3166-1 alpha-2 code, e.g. GB")
    return text.upper() if country else text


def _items(where: str, value: Any) -> Sequence[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise InvalidInput(where, f"a list of at most {MAX_ITEMS} items")
    return value


def _member(kind: str, where: str, item: Any) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise InvalidInput(where, "an object")
    if kind == "licences":
        state = _text(f"{where}.state", item.get("state"), True)
        if not state:
            raise InvalidInput(f"{where}.state", "the licensing state, e.g. GB")
        return {"state": state, "reference": _name(f"{where}.reference", item.get("reference"))}
    name = _name(f"{where}.name", item.get("name"))
    if kind == "parties":
        return {"name": name, "country": _text(f"{where}.country", item.get("country"), True)}
    share = item.get("share")
    if not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 100:
        raise InvalidInput(f"{where}.share", "a percentage from 0 to 100")
    role = item.get("role", "owner")
    if role not in ROLES:
        raise InvalidInput(f"{where}.role", f"one of {ROLES}")
    return {"name": name, "share": float(share), "role": role}


def _name(where: str, value: Any) -> str:
    text = _text(where, value)
    if not text or len(text) > 300:
        raise InvalidInput(where, "1 to 300 characters")
    return text
