"""``pallmall log`` and the witness, as an auditor would use them, on a real demo log."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.api.witness import witness_app
from pallmall.log import CosignatureSigner, Witness, ensure_signing_key, load_signing_key
from tests.helpers import run_cli as run


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path, str]:
    data = tmp_path_factory.mktemp("logcli")
    env = {**os.environ, "PALLMALL_DATA_DIR": str(data), "PALLMALL_DATABASE_URL": ""}
    out = run(env, "init", "--demo").stdout
    vkey = re.search(r"verifier key: (\S+)", out).group(1)
    return env, data / "log" / "public", vkey


def test_init_publishes_the_registry_and_the_log_verifies(demo) -> None:
    env, public, vkey = demo
    out = run(env, "log", "verify", str(public), "--vkey", vkey).stdout
    size = int(re.search(r"size (\d+)", out).group(1))
    assert size > 700  # every imported record and relationship is a public change


def test_a_changed_tile_fails_the_audit(demo, tmp_path: Path) -> None:
    env, public, vkey = demo
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(public), str(copy)], check=True)
    bundle = next((copy / "tile" / "entries").rglob("000"))
    data = bytearray(bundle.read_bytes())
    data[10] ^= 1
    bundle.write_bytes(bytes(data))
    done = run(env, "log", "verify", str(copy), "--vkey", vkey, code=2)
    assert "error:" in done.stderr


def test_disclose_and_check(demo, tmp_path: Path) -> None:
    env, public, vkey = demo
    disclosure = tmp_path / "d.json"
    disclosure.write_text(run(env, "log", "disclose", "5").stdout)
    assert json.loads(disclosure.read_text())["index"] == 5
    ok = run(env, "log", "check-disclosure", str(disclosure), "--log", str(public), "--vkey", vkey)
    assert "every disclosed field matches" in ok.stdout
    wrong = json.loads(disclosure.read_text())
    wrong["index"] = 6  # the disclosure of entry 5 does not fit entry 6
    disclosure.write_text(json.dumps(wrong))
    run(
        env,
        "log",
        "check-disclosure",
        str(disclosure),
        "--log",
        str(public),
        "--vkey",
        vkey,
        code=2,
    )


def test_witness_cosigns_then_refuses_a_rollback(demo, tmp_path: Path) -> None:
    _, public, vkey = demo
    ensure_signing_key(tmp_path, "witness.example.org")
    signer = load_signing_key(tmp_path / "log-signing.key")
    origin = vkey.split("+")[0]
    witness = Witness(
        CosignatureSigner(signer.name, signer.private_key),
        {origin: [vkey]},
        tmp_path / "state.json",
    )
    client = TestClient(witness_app(witness))
    note = (public / "checkpoint").read_bytes()
    first = client.post("/add-checkpoint", content=b"old 0\n\n" + note)
    assert first.status_code == 200, first.text
    assert first.text.startswith("\u2014 witness.example.org ")
    size = int(note.decode().splitlines()[1])
    stale = client.post("/add-checkpoint", content=b"old 0\n\n" + note)
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "text/x.tlog.size"
    assert stale.text == f"{size}\n"
    unknown = client.post(
        "/add-checkpoint",
        content=b"old 0\n\n" + note.replace(origin.encode(), b"other.example/log"),
    )
    assert unknown.status_code in (403, 404)
