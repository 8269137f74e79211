"""Every ``pallmall equities`` step run in-process (Typer's runner) on a SQLite node: escalate,
return, notify the vendor, record the CVE; bad input names its field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pallmall.cli.main import app
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.errors import Forbidden, InvalidInput
from pallmall.storage.database import Database

VULN = {
    "title": "WREN: messaging app parser bug",
    "product": "A messaging app",
    "acquired_on": "2026-04-01",
    "manner": "reported_to_state",
}
RESTRICT = {
    "outcome": "restrict",
    "equities": {"defensive": "Few users in government."},
    "rationale": "Retain until the review.",
    "deciding_body": "Panel",
    "review_on": "2099-01-01",
}
DISCLOSE = {
    "outcome": "disclose",
    "equities": {"defensive": "Now exploited."},
    "rationale": "Disclose.",
    "deciding_body": "Panel",
}


@pytest.fixture
def node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("PALLMALL_DATA_DIR", str(data))
    monkeypatch.setenv("PALLMALL_DATABASE_URL", "")
    data.mkdir(mode=0o700)
    db = Database(f"sqlite:///{data / 'pallmall.db'}")
    db.migrate()
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        org = people.ensure_org(SYSTEM, "GB Panel", AccountKind.EXPORT_AUTHORITY, "GB")
        for email in ("a@gb.example", "b@gb.example"):
            people.create_user(SYSTEM, email, email, Role.REGULATOR, org, "a long password")
    db.dispose()
    for name, body in (("vuln", VULN), ("restrict", RESTRICT), ("disclose", DISCLOSE)):
        (tmp_path / f"{name}.json").write_text(json.dumps(body))
    return tmp_path


def run(*args: str) -> str:
    done = CliRunner().invoke(app, ["equities", *args])
    if done.exception is not None:
        raise done.exception
    return done.output


def test_every_step_from_the_shell(node: Path) -> None:
    a, b = ("--as", "a@gb.example"), ("--as", "b@gb.example")
    vid = run("record", *a, "--file", str(node / "vuln.json")).split(":")[0]
    run("propose", vid, *a, "--file", str(node / "restrict.json"))
    assert "restricted" in run("approve", vid, *b)
    run("propose", vid, *a, "--file", str(node / "disclose.json"))
    assert "proposed" in run("escalate", vid, *b, "--to", "Review Board", "--reason", "Partner")
    assert "restricted" in run("return", vid, *b, "--reason", "Ask the partner first")
    run("propose", vid, *a, "--file", str(node / "disclose.json"))
    with pytest.raises(Forbidden, match="four eyes"):
        run("approve", vid, *a)
    assert "disclosed" in run("approve", vid, *b)
    with pytest.raises(InvalidInput, match="on"):
        run("notify-vendor", vid, *a, "--on", "yesterday")
    run("notify-vendor", vid, *a, "--on", "2026-11-02")
    run("cve", vid, "CVE-2026-40001", *a)
    shown = run("show", vid)
    assert "CVE-2026-40001" in shown and "disclosed" in shown
    verbs = re.findall(r" (escalate|return|notify_vendor|record_cve) ", shown)
    assert verbs == ["escalate", "return", "notify_vendor", "record_cve"]
    with pytest.raises(InvalidInput):
        run("cve", vid, "not-a-cve", *a)
