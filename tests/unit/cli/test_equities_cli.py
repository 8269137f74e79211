"""``pallmall equities`` as two officials and anyone would run it: record,
propose, approve (four eyes), open, and the check of the opening against the log alone."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tests.helpers import run_cli as run

VULN = {
    "title": "REDSTART: browser sandbox escape",
    "product": "A mobile browser",
    "acquired_on": "2026-02-01",
    "manner": "internal_research",
}
RESTRICT = {
    "outcome": "restrict",
    "equities": {"intelligence_law_enforcement": "Needed for one operation."},
    "rationale": "Retain for three months.",
    "deciding_body": "Equities Technical Panel",
    "review_on": "2099-01-01",
}
DISCLOSE = {
    "outcome": "disclose",
    "equities": {"defensive": "Exploited in the wild."},
    "rationale": "Disclose now.",
    "deciding_body": "Equities Review Board",
}


def test_a_decision_taken_with_the_cli_opens_and_verifies(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        **os.environ,
        "PALLMALL_DATA_DIR": str(data),
        "PALLMALL_DATABASE_URL": "",
        "PALLMALL_PASSWORD": "a long enough password",
        "COLUMNS": "200",
    }
    vkey = re.search(r"verifier key: (\S+)", run(env, "init").stdout).group(1)  # type: ignore[union-attr]  # the command printed it
    for email, role in (("a@gb.example", "regulator"), ("b@gb.example", "oversight")):
        run(
            env,
            "user",
            "add",
            email,
            "--role",
            role,
            "--account",
            "GB Equities",
            "--kind",
            "export_authority",
            "--state",
            "GB",
        )
    files = {}
    for name, body in (
        ("vuln", VULN),
        ("restrict", RESTRICT),
        ("disclose", DISCLOSE),
        ("bad", {**RESTRICT, "review_on": None}),
    ):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(body))
    out = run(
        env, "equities", "record", "--as", "a@gb.example", "--file", str(files["vuln"])
    ).stdout
    vid = out.split(":")[0]
    assert vid.startswith("vul-") and "held" in out
    bad = run(
        env, "equities", "propose", vid, "--as", "a@gb.example", "--file", str(files["bad"]), code=2
    )
    assert "review date" in bad.stderr
    run(env, "equities", "propose", vid, "--as", "a@gb.example", "--file", str(files["restrict"]))
    own = run(env, "equities", "approve", vid, "--as", "a@gb.example", code=2)
    assert "four eyes" in own.stderr
    assert "restricted" in run(env, "equities", "approve", vid, "--as", "b@gb.example").stdout
    assert "REDSTART" in run(env, "equities", "list", "--state", "GB").stdout
    run(env, "equities", "propose", vid, "--as", "b@gb.example", "--file", str(files["disclose"]))
    assert "disclosed" in run(env, "equities", "approve", vid, "--as", "a@gb.example").stdout
    run(env, "log", "publish")
    assert (
        "2 decision(s) opened" in run(env, "equities", "open", vid, "--as", "a@gb.example").stdout
    )
    out = run(env, "log", "publish").stdout
    size = int(re.search(r"log size (\d+)", out).group(1))  # type: ignore[union-attr]  # the command printed it
    public = str(data / "log" / "public")
    ok = run(env, "equities", "verify", str(size - 1), "--log", public, "--vkey", vkey).stdout
    assert "committed to a restrict decision" in ok and "committed to a disclose decision" in ok
    shown = run(env, "equities", "show", vid).stdout
    assert "disclosed" in shown and "approve" in shown
    wrong = run(env, "equities", "verify", str(size - 2), "--log", public, "--vkey", vkey, code=2)
    assert "not an opening" in wrong.stderr
