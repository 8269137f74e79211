"""Three states, three nodes: separate ``pallmall serve`` processes on loopback, each with its
own data folder, database (B on PostgreSQL) and keys, peered through the CLI as operators
would, exchanging over TAXII 2.1 with every object proven in its sender's log.

- A (GB) denies a licence; B (FR) and C (DE) receive the notice and a similar application on B
  carries ``no-undercut.prior-denial`` naming GB; B grants anyway with a justification and A
  receives the consultation.
- A shares a confirmed incident with group ``west`` (B only): B receives it, C never sees it,
  nor learns that the group exists.
- A's log is witnessed by B and C: ``pallmall log verify --witness B --witness C --quorum 2``.
- A forged checkpoint of A (a split view) is refused by both witnesses and kept as evidence.
- Peers that are down, slow or send garbage do not stall a sync with the good one.
- A denial allowed on appeal is withdrawn on B and C.
- A restricts a vendor and its registry records a designation: B and C screen their parties
  against both (``federation.peer-measure`` naming GB); lifting the restriction withdraws it.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from pallmall.log import Checkpoint, load_signing_key, sign_checkpoint
from pallmall.log.note import generate_signer
from tests.integration.federation.nodes import Node, running
from tests.security.live import free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
RULE = "no-undercut.prior-denial"
APPROVE = {"outcome": "approve_with_conditions", "grounds": ["x"], "conditions": ["audit"]}
PRODUCT = {"type": "product", "name": "Hermit-X", "capabilities": ["device_intrusion"]}


def peer_up(nodes: dict[str, Node], node: Node) -> None:
    """``node``'s operator adds every other node as a peer (with its log and witness keys)."""
    for other in nodes.values():
        if other is node:
            continue
        vkey = httpx.get(other.url + "/log/vkey").text.strip()
        witness = httpx.get(other.url + "/witness/vkey").text.strip()
        done = node.cli(
            "federation",
            "peer",
            "add",
            other.name,
            "--url",
            other.url,
            "--origin",
            other.origin,
            "--vkey",
            vkey,
            "--state",
            other.state,
            "--witness-vkey",
            witness,
        )
        (node.data.parent / f"token-{node.name}-for-{other.name}").write_text(
            done.stdout.strip().splitlines()[-1]
        )


def hand_tokens(nodes: dict[str, Node], node: Node) -> None:
    """``node`` stores the tokens every other node issued to it."""
    for other in nodes.values():
        if other is not node:
            file = node.data.parent / f"token-{other.name}-for-{node.name}"
            node.cli("federation", "peer", "set-token", other.name, "--token-file", str(file))


def people(node: Node) -> None:
    """Four officers of the export authority, a vendor, a lab analyst, the oversight body,
    and the product the vendor exports."""
    authority = f"{node.state} Export Control"
    for officer in ("officer1", "officer2", "officer3", "officer4"):
        node.add_user(officer, "regulator", authority, "export_authority")
    node.add_user("vendor", "vendor", f"{node.state} Vendor Ltd", "vendor")
    node.add_user("analyst", "analyst", f"{node.state} Lab", "intel_team")
    node.add_user("oversight", "oversight", f"{node.state} Oversight", "oversight_body")
    me = node.ok("GET", "/api/v1/me", "officer1")
    node.accounts["authority"] = me["account_id"]
    node.accounts["product"] = node.ok("POST", "/api/v1/registry/records", json=PRODUCT)["id"]


GROUPS = {"a": {"west": ("b",), "regime": ("b", "c")}, "b": {"regime": ("a",)}}
"""Each node's sharing groups (all TLP:AMBER) and their members: A's ``west`` holds B only."""


def groups(node: Node, members: dict[str, tuple[str, ...]]) -> None:
    """``node``'s operator makes its groups and puts their members in."""
    for group, peers in members.items():
        node.cli("federation", "group", "add", group, "--tlp", "amber")
        for peer in peers:
            node.cli("federation", "group", "join", group, peer)


# once per module: `make test` distributes whole files (xdist --dist loadfile), so the
# module's tests run on one worker, one after another
@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    root = tmp_path_factory.mktemp("federation")
    specs = [("a", "GB", False), ("b", "FR", True), ("c", "DE", False)]
    with running(root, specs) as nodes, ThreadPoolExecutor(3) as pool:
        list(pool.map(people, nodes.values()))
        list(pool.map(lambda n: peer_up(nodes, n), nodes.values()))
        list(pool.map(lambda n: hand_tokens(nodes, n), nodes.values()))
        list(pool.map(lambda n: groups(n, GROUPS.get(n.name, {})), nodes.values()))
        yield nodes


def act(node: Node, user: str, case_id: str, **body: Any) -> dict[str, Any]:
    answer: dict[str, Any] = node.ok(
        "POST", f"/api/v1/cases/{case_id}/transitions", user, json=body
    )
    return answer


def file(node: Node, end_user: str, consignee: str, country: str = "AM") -> str:
    """The vendor files and submits a licence application to ``node``'s authority (each
    journey names its own parties, so one journey's denial is no evidence in another)."""
    body = {
        "authority_id": node.accounts["authority"],
        "product_id": node.accounts["product"],
        "quantity": 1,
        "destination": "AM",
        "parties": [
            {"role": "end_user", "name": end_user, "country": "AM"},
            {"role": "consignee", "name": consignee, "country": country},
        ],
        "end_use": "lawful interception for the national police",
        "end_use_category": "law_enforcement",
        "end_user_undertaking": "signed undertaking of 2026-01-10",
    }
    case_id = str(node.ok("POST", "/api/v1/cases/licences", "vendor", json=body)["id"])
    act(node, "vendor", case_id, verb="submit")
    return case_id


def deny(node: Node, end_user: str, consignee: str) -> str:
    case_id = file(node, end_user, consignee)
    act(node, "officer1", case_id, verb="start_review")
    act(
        node,
        "officer1",
        case_id,
        verb="advise",
        outcome="deny",
        grounds=["sanctions.blocked-party@1"],
        reason="the consignee diverted a shipment",
    )
    assert act(node, "officer2", case_id, verb="countersign")["status"] == "denied"
    return case_id


def prior_denials(node: Node, case_id: str) -> list[dict[str, Any]]:
    detail = node.ok("GET", f"/api/v1/cases/{case_id}", "officer1")
    return [f for f in detail["diligence"][-1]["findings"] if f["rule_id"] == RULE]


def sync(node: Node, *peers: str, code: int | None = 0, **env: str) -> str:
    return node.cli("federation", "sync", *peers, code=code, **env).stdout


def eventually(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll ``check`` until it holds (the log integrates and publishes within seconds)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def synced_until(node: Node, peer: str, check: Callable[[], bool], what: str) -> None:
    """Sync ``node`` from ``peer`` until ``check`` holds (the sender logs each object
    before serving it, so the first sync may come too early)."""

    def step() -> bool:
        sync(node, peer)
        return check()

    eventually(step, what, timeout=120)


def test_a_denial_on_a_flags_a_similar_application_on_b_and_b_consults_a(
    nodes: dict[str, Node],
) -> None:
    a, b = nodes["a"], nodes["b"]
    denied = deny(a, "Yerevan Signals Directorate", "Northern Freight LLC")

    case_b = file(b, "Yerevan Signals Directorate", "Nothern Frieght Limited Liability Company")
    synced_until(b, "a", lambda: bool(rerun(b, case_b)), "B to receive A's notice")
    (finding,) = [f for f in prior_denials(b, case_b) if denied in json.dumps(f["evidence"])]
    assert finding["severity"] == "high" and "GB" in finding["summary"]
    # the confidential advice never leaves A
    assert "diverted a shipment" not in json.dumps(finding)

    act(b, "officer1", case_b, verb="start_review")
    refused = b.call(
        "POST",
        f"/api/v1/cases/{case_b}/transitions",
        "officer1",
        json={"verb": "advise", **APPROVE},
    )
    assert refused.status_code == 422 and "undercut_justification" in refused.text
    act(
        b,
        "officer1",
        case_b,
        verb="advise",
        **APPROVE,
        undercut_justification="The consignee's new owners passed our audit in 2026.",
    )
    assert act(b, "officer2", case_b, verb="countersign")["status"] == "approved_with_conditions"

    def consulted() -> bool:
        sync(b, "a")  # B pushes the consultation to A's inbox
        sync(a, "b")  # A verifies it against B's log, and tells its authority
        text = json.dumps(a.ok("GET", "/api/v1/cases/notifications", "officer1"))
        return "passed our audit" in text and denied in text

    eventually(consulted, "A to receive B's consultation", timeout=120)


def rerun(node: Node, case_id: str) -> list[dict[str, Any]]:
    """Re-run due diligence on ``case_id``; its prior-denial findings. The node's own
    rechecker may be re-running it at that moment (a notice arrived): 409, read its run."""
    again = node.call("POST", f"/api/v1/cases/{case_id}/diligence", "officer1")
    assert again.status_code in (200, 409), again.text
    return prior_denials(node, case_id)


def confirmed_incident(node: Node) -> str:
    body = {"title": "Journalist's phone infected", "categories": ["rights_violation"]}
    made = node.ok("POST", "/api/v1/intel/incidents", "analyst", json=body)
    incident = str(made["id"])
    node.ok(
        "POST",
        f"/api/v1/intel/incidents/{incident}/decision",
        "oversight",
        json={"verb": "confirm", "reason": "forensic traces reproduced"},
    )
    return incident


def collections(node: Node, token: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        node.url + "/taxii2/intel/collections/",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/taxii+json;version=2.1",
        },
    )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json().get("collections", [])
    return found


def test_an_incident_shared_with_a_group_never_reaches_a_node_outside_it(
    nodes: dict[str, Node],
) -> None:
    a, b, c = nodes["a"], nodes["b"], nodes["c"]
    incident = confirmed_incident(a)
    a.cli("federation", "share-incident", incident, "--group", "west")

    def received(node: Node) -> str:
        return json.dumps(node.ok("GET", "/api/v1/federation/received?peer=a", "admin"))

    synced_until(b, "a", lambda: "Journalist's phone infected" in received(b), "B to receive")
    sync(c, "a")
    assert "Journalist's phone infected" not in received(c)
    # C's token at A lists no group C is not in, and the group's collection is a 404 to it
    token_c = (c.data.parent / "token-a-for-c").read_text()
    token_b = (b.data.parent / "token-a-for-b").read_text()
    seen_by_b = {col["alias"]: col["id"] for col in collections(a, token_b)}
    assert "fed-west" in seen_by_b
    assert "fed-west" not in {col.get("alias") for col in collections(a, token_c)}
    hidden = httpx.get(
        f"{a.url}/taxii2/intel/collections/{seen_by_b['fed-west']}/objects/",
        headers={
            "Authorization": f"Bearer {token_c}",
            "Accept": "application/taxii+json;version=2.1",
        },
    )
    assert hidden.status_code == 404


def test_a_log_is_witnessed_by_b_and_c(nodes: dict[str, Node]) -> None:
    a, b, c = nodes["a"], nodes["b"], nodes["c"]
    keys = [httpx.get(n.url + "/witness/vkey").text.strip() for n in (b, c)]
    vkey = httpx.get(a.url + "/log/vkey").text.strip()
    args = ["log", "verify", a.url + "/log", "--vkey", vkey]
    quorum = [*args, "--witness", keys[0], "--witness", keys[1], "--quorum", "2", "--wait", "60"]
    a.cli(*quorum)
    # a third witness that never signed: 3 of 3 is not met
    stranger = "stranger.example/witness+deadbeef+BDmjVhF5G3Uo1uD8j2vVVYsOPQkO3wwPzCIa1C0cjY1x"
    done = a.cli(*quorum[:-4], "--witness", stranger, "--quorum", "3", code=None)
    assert done.returncode != 0


def test_a_forged_checkpoint_of_a_is_refused_by_both_witnesses_and_kept(
    nodes: dict[str, Node],
) -> None:
    a, b, c = nodes["a"], nodes["b"], nodes["c"]
    test_a_log_is_witnessed_by_b_and_c(nodes)  # both have cosigned A's current checkpoint
    note = httpx.get(a.url + "/log/checkpoint").text
    size = int(note.split("\n")[1])
    # A's own key signs another tree of the same size: what a compromised A would show one
    # group of verifiers to hide an entry from them
    signer = load_signing_key(a.data / "log-signing.key")
    forged = sign_checkpoint(Checkpoint(a.origin, size, b"\x07" * 32), signer)
    for witness in (b, c):
        answer = httpx.post(
            witness.url + "/witness/add-checkpoint", content=f"old {size}\n\n".encode() + forged
        )
        assert answer.status_code == 409, answer.text
        evidence = witness.ok("GET", "/witness/evidence")["items"]
        assert any(base64.b64encode(b"\x07" * 32).decode() in json.dumps(e) for e in evidence)


class _Junk(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"\x00\xffnot json, not a checkpoint\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        return None


@contextmanager
def bad_peers() -> Iterator[dict[str, str]]:
    """Three peers' URLs: one refusing connections, one that accepts and never answers, one
    that answers garbage."""
    slow = socket.create_server(("127.0.0.1", 0))
    junk = ThreadingHTTPServer(("127.0.0.1", 0), _Junk)
    thread = threading.Thread(target=junk.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "down": f"http://127.0.0.1:{free_port()}",
            "slow": f"http://127.0.0.1:{slow.getsockname()[1]}",
            "junk": f"http://127.0.0.1:{junk.server_address[1]}",
        }
    finally:
        junk.shutdown()
        junk.server_close()
        slow.close()


def test_peers_down_slow_or_sending_garbage_do_not_stall_the_good_one(
    nodes: dict[str, Node],
) -> None:
    b = nodes["b"]
    with bad_peers() as urls:
        for name, url in urls.items():
            b.cli(
                "federation",
                "peer",
                "add",
                name,
                "--url",
                url,
                "--origin",
                f"{name}.pallmall.test/log",
                "--vkey",
                generate_signer(f"{name}.pallmall.test/log").vkey,
                "--state",
                "IT",
            )
        try:
            started = time.monotonic()
            out = sync(b, code=1, PALLMALL_FEDERATION_TIMEOUT_SECONDS="3")
            took = time.monotonic() - started
            peers = {p["name"]: p for p in b.ok("GET", "/api/v1/federation/peers")["peers"]}
        finally:
            for name in urls:
                b.cli("federation", "peer", "remove", name)
    # peers are synced side by side: the slow one costs one timeout, not one per peer
    assert took < 60, out
    assert peers["a"]["last_error"] in (None, ""), peers["a"]
    for name in urls:
        assert peers[name]["last_error"], peers[name]


def test_a_denial_allowed_on_appeal_is_withdrawn_everywhere(nodes: dict[str, Node]) -> None:
    a, b, c = nodes["a"], nodes["b"], nodes["c"]
    denied = deny(a, "Gyumri Border Guard", "Baltic Forwarding OU")
    case_b = file(b, "Gyumri Border Guard", "Baltic Forwarding OÜ")
    case_c = file(c, "Gyumri Border Guard", "Baltic Forwarding")
    synced_until(b, "a", lambda: bool(rerun(b, case_b)), "B to receive the notice")
    synced_until(c, "a", lambda: bool(rerun(c, case_c)), "C to receive the notice")

    act(a, "vendor", denied, verb="appeal", reason="the consignee was wrongly named")
    act(a, "officer3", denied, verb="advise", **APPROVE)
    assert act(a, "officer4", denied, verb="countersign")["status"] == "approved_with_conditions"

    synced_until(b, "a", lambda: not rerun(b, case_b), "B to withdraw the notice")
    synced_until(c, "a", lambda: not rerun(c, case_c), "C to withdraw the notice")


MEASURE = "federation.peer-measure"


def findings(node: Node, case_id: str, rule: str) -> list[dict[str, Any]]:
    """Re-run due diligence on ``case_id`` (409: the rechecker is at it); its findings of
    ``rule``."""
    again = node.call("POST", f"/api/v1/cases/{case_id}/diligence", "officer1")
    assert again.status_code in (200, 409), again.text
    detail = node.ok("GET", f"/api/v1/cases/{case_id}", "officer1")
    return [f for f in detail["diligence"][-1]["findings"] if f["rule_id"] == rule]


def organisation(node: Node, name: str, country: str, **extra: Any) -> str:
    body = {"type": "organisation", "name": name, "kinds": ["vendor"], "jurisdictions": [country]}
    return str(node.ok("POST", "/api/v1/registry/records", json={**body, **extra})["id"])


def test_a_restriction_and_a_designation_on_a_are_screened_on_b_and_c(
    nodes: dict[str, Node],
) -> None:
    a, b, c = nodes["a"], nodes["b"], nodes["c"]
    vendor = organisation(a, "Hexa Intrusion Ltd", "CY", aliases=["Hexa Labs"])
    designation = {"authority": "UK HM Treasury OFSI", "listed_on": "2026-06-01", "citation": "x"}
    organisation(a, "Blue Hawk Systems", "AE", designations=[designation])
    opened = a.ok(
        "POST",
        "/api/v1/cases/restrictions",
        "officer1",
        json={"vendor_record_id": vendor, "grounds": "sold to abusive end users"},
    )
    restriction = str(opened["id"])
    act(a, "officer1", restriction, verb="advise", outcome="restrict", grounds=["C5"],
        reason="CONFIDENTIAL advice of A")  # fmt: skip
    decided = act(a, "officer2", restriction, verb="countersign", public_statement="Restricted.")
    assert decided["status"] == "restricted"
    sync(a)  # A's sync tells its groups the measures in force (the designation has no decision)

    hexa_b = file(b, "Yerevan Cyber Police", "HEXA INTRUSION LIMITED", country="CY")
    hawk_c = file(c, "Gyumri Police", "Blue Hawk Systems LLC", country="AE")
    synced_until(b, "a", lambda: bool(findings(b, hexa_b, MEASURE)), "B to receive")
    synced_until(c, "a", lambda: bool(findings(c, hawk_c, MEASURE)), "C to receive")
    (on_b,) = findings(b, hexa_b, MEASURE)
    assert "restricted by GB Export Control" in on_b["summary"], on_b
    assert "notified by GB (a.pallmall.test/log)" in on_b["summary"]
    assert "CONFIDENTIAL" not in json.dumps(on_b)
    (on_c,) = findings(c, hawk_c, MEASURE)
    assert "designated by UK HM Treasury OFSI on 2026-06-01" in on_c["summary"], on_c

    act(a, "officer3", restriction, verb="lift", reason="remedied", public_statement="Lifted.")
    synced_until(b, "a", lambda: not findings(b, hexa_b, MEASURE), "B to withdraw it")
    assert findings(c, hawk_c, MEASURE)  # the designation stays in force
