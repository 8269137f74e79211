"""The peer client's errors: every failure is PeerUnreachable or PeerAnswerError, naming the
peer's URL and what went wrong; paging follows ``next`` while ``more``."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from pallmall.federation.client import PeerAnswerError, PeerClient, PeerUnreachable

URL = "http://peer.example"
Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler) -> PeerClient:
    http = httpx.Client(base_url=URL, transport=httpx.MockTransport(handler))
    return PeerClient(URL, "secret", http=http)


def _taxii(routes: dict[str, httpx.Response]) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer secret"
        key = request.url.path + (
            "?next=" + request.url.params["next"] if "next" in request.url.params else ""
        )
        return routes.get(key, httpx.Response(404))

    return handle


DISCOVERY = httpx.Response(200, json={"default": f"{URL}/taxii2/root/"})


def test_status_codes_become_typed_errors() -> None:
    for status, kind in ((500, PeerUnreachable), (503, PeerUnreachable), (401, PeerAnswerError)):
        client = _client(lambda _, s=status: httpx.Response(s, text="nope"))
        with pytest.raises(kind, match=f"{URL}/log/checkpoint: HTTP {status}"):
            client.checkpoint()


def test_malformed_answers_are_answer_errors() -> None:
    client = _client(lambda _: httpx.Response(200, text="<html>"))
    with pytest.raises(PeerAnswerError, match="did not answer JSON"):
        client.consistency(1, 2)
    client = _client(lambda _: httpx.Response(200, json={"proof": ["%%%"]}))
    with pytest.raises(PeerAnswerError, match="not base64"):
        client.inclusion(0, 2)
    more_without_next = httpx.Response(200, json={"more": True, "objects": []})
    routes = {"/taxii2/": DISCOVERY, "/taxii2/root/collections/c/objects/": more_without_next}
    with pytest.raises(PeerAnswerError, match="next is missing"):
        list(_client(_taxii(routes)).objects("c"))


def test_pages_are_followed_while_more() -> None:
    first = httpx.Response(
        200,
        json={"more": True, "next": "t1", "objects": [{"id": "a"}]},
        headers={"X-TAXII-Date-Added-Last": "2026-01-01T00:00:00.000001Z"},
    )
    last = httpx.Response(200, json={"more": False, "objects": [{"id": "b"}]})
    routes = {
        "/taxii2/": DISCOVERY,
        "/taxii2/root/collections/c/objects/": first,
        "/taxii2/root/collections/c/objects/?next=t1": last,
    }
    pages = list(_client(_taxii(routes)).objects("c", "2025-01-01T00:00:00Z"))
    assert [[o["id"] for o in p.objects] for p in pages] == [["a"], ["b"]]
    assert pages[0].date_added_last == "2026-01-01T00:00:00.000001Z"


def test_a_refused_push_is_an_error() -> None:
    refused = httpx.Response(202, json={"failures": [{"id": "x", "message": "bad"}]})
    routes = {"/taxii2/": DISCOVERY, "/taxii2/root/collections/fed-inbox/objects/": refused}
    with pytest.raises(PeerAnswerError, match="refused objects"):
        _client(_taxii(routes)).push([{"id": "x"}])


def test_a_timeout_names_the_peer() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(PeerUnreachable, match="no answer in 10 s"):
        _client(slow).checkpoint()
