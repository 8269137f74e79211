"""``pallmall federation peer|group`` run in-process on a SQLite node: a peer's account and
token, the token it gave us kept out of every listing, groups and membership, removal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pallmall.cli.main import app
from pallmall.core.accounts import token_hash
from pallmall.core.auth import Role
from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, InvalidInput, NotFound
from pallmall.core.paging import PageRequest
from pallmall.log.note import generate_signer
from pallmall.storage.database import Database
from pallmall.storage.federation import SqlFederationStore

FR_TOKEN = "pm_the-token-fr-gave-us"


@pytest.fixture
def node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("PALLMALL_DATA_DIR", str(data))
    monkeypatch.setenv("PALLMALL_DATABASE_URL", "")
    data.mkdir(mode=0o700)
    (tmp_path / "fr.token").write_text(FR_TOKEN + "\n")
    return tmp_path


def run(*args: str) -> str:
    done = CliRunner().invoke(app, ["federation", *args])
    if done.exception is not None:
        raise done.exception
    return done.output


def _add(name: str, origin: str, *extra: str, url: str = "http://127.0.0.1:8101") -> str:
    vkey = generate_signer(origin).vkey
    return run("peer", "add", name, "--url", url, "--origin", origin, "--vkey", vkey, *extra)


def test_a_peer_gets_an_account_and_a_token_and_our_token_stays_hidden(node: Path) -> None:
    witness = generate_signer("fr.example/witness").vkey
    out = _add(
        "fr",
        "fr.example/log",
        "--state",
        "fr",
        "--witness-vkey",
        witness,
        "--token-file",
        str(node / "fr.token"),
    )
    issued = out.strip().splitlines()[-1]
    assert issued.startswith("pm_") and FR_TOKEN not in out
    db = Database(f"sqlite:///{node / 'data' / 'pallmall.db'}")
    with db.read() as tx:
        user = tx.accounts.user_by_token_hash(token_hash(issued), utcnow())
        peer = SqlFederationStore(tx.conn).get_peer("fr")
        audit = " ".join(repr(r) for r in tx.audit.list(PageRequest(0, 100)).items)
    db.dispose()
    assert user is not None and user.role is Role.PEER and user.account is not None
    assert peer is not None and peer.account_id == user.account.id
    assert peer.token == FR_TOKEN and peer.state == "FR" and peer.witness_vkey == witness
    assert FR_TOKEN not in audit and issued not in audit
    listed = run("peer", "list")
    assert "fr.example/log" in listed and "held" in listed and FR_TOKEN not in listed


def test_the_token_is_stored_later_and_bad_input_names_its_field(node: Path) -> None:
    _add("de", "de.example/log", "--state", "DE")
    assert "missing" in run("peer", "list")
    run("peer", "set-token", "de", "--token-file", str(node / "fr.token"))
    assert "held" in run("peer", "list")
    with pytest.raises(InvalidInput, match="state"):
        _add("uk", "uk.example/log", "--state", "UK")
    with pytest.raises(InvalidInput, match="name"):
        _add("Not A Slug", "x.example/log", "--state", "GB")
    with pytest.raises(InvalidInput, match="log_vkey"):
        run(
            "peer",
            "add",
            "it",
            "--url",
            "http://x",
            "--origin",
            "o",
            "--vkey",
            "junk",
            "--state",
            "IT",
        )
    with pytest.raises(InvalidInput, match="url"):
        _add("it", "it.example/log", "--state", "IT", url="ftp://x")
    with pytest.raises(Conflict):
        _add("de", "de2.example/log", "--state", "DE")
    with pytest.raises(Conflict):
        _add("de2", "de.example/log", "--state", "DE")
    with pytest.raises(NotFound):
        run("peer", "set-token", "nobody", "--token-file", str(node / "fr.token"))


def test_groups_membership_and_removal(node: Path) -> None:
    _add("fr", "fr.example/log", "--state", "FR")
    issued = _add("de", "de.example/log", "--state", "DE").strip().splitlines()[-1]
    run("group", "add", "wassenaar", "--tlp", "amber", "--description", "WA partners")
    run("group", "add", "eu", "--tlp", "green")
    assert "joined" in run("group", "join", "wassenaar", "fr")
    assert "already" in run("group", "join", "wassenaar", "fr")
    run("group", "join", "wassenaar", "de")
    run("group", "join", "eu", "de")
    listed = run("group", "list")
    assert "de, fr" in listed and "amber" in listed
    assert "left" in run("group", "leave", "eu", "de")
    assert "was not in" in run("group", "leave", "eu", "de")
    with pytest.raises(NotFound):
        run("group", "join", "nope", "fr")
    with pytest.raises(InvalidInput):
        run("group", "add", "Bad Name", "--tlp", "red")
    run("peer", "remove", "de")
    assert "de, fr" not in run("group", "list")
    assert "de.example" not in run("peer", "list") and "removed" in run("peer", "list", "--all")
    db = Database(f"sqlite:///{node / 'data' / 'pallmall.db'}")
    with db.read() as tx:
        assert tx.accounts.user_by_token_hash(token_hash(issued), utcnow()) is None
    db.dispose()
    with pytest.raises(NotFound):
        run("group", "join", "wassenaar", "de")


def test_share_incident_from_the_shell_names_what_is_wrong(node: Path) -> None:
    run("group", "add", "wa", "--tlp", "amber")
    with pytest.raises(NotFound, match="incident"):
        run("share-incident", "inc-nope", "--group", "wa")
