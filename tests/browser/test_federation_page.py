"""The federation page in a browser: an admin sees the peers (a long log origin), the groups,
starts a sync from the page and reads its outcome; desktop and 375 px wide, with
screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from pallmall.log.keys import ensure_signing_key
from tests.browser.conftest import ARTIFACTS, serving

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
ADMIN = "admin@node.example"
ORIGIN = "ministry-of-economic-affairs.export-control.federation.example.gov/log"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A node with an admin, one peer that does not answer and a group; then a server."""
    data = tmp_path_factory.mktemp("federation-node")
    vkey = ensure_signing_key(tmp_path_factory.mktemp("peer-key"), ORIGIN)
    env = {
        **os.environ,
        "PALLMALL_DATA_DIR": str(data),
        "PALLMALL_DATABASE_URL": "",
        "PALLMALL_PASSWORD": PASSWORD,
    }
    cli = [sys.executable, "-m", "pallmall.cli"]
    for args in (
        ["init"],
        ["user", "add", ADMIN, "--role", "admin"],
        ["federation", "peer", "add", "nl", "--url", "http://127.0.0.1:9", "--state", "NL"],
        ["federation", "group", "add", "wassenaar", "--tlp", "amber"],
        ["federation", "group", "join", "wassenaar", "nl"],
    ):
        if args[:3] == ["federation", "peer", "add"]:
            args = [*args, "--origin", ORIGIN, "--vkey", vkey]
        subprocess.run([*cli, *args], env=env, check=True, capture_output=True)
    with serving(env) as base:
        yield base


def fits(page) -> bool:  # type: ignore[no-untyped-def]  # playwright page fixture, untyped
    """Whether the page is no wider than the viewport (wide tables scroll in their box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return bool(width <= page.viewport_size["width"])


def test_an_admin_reads_the_peers_and_syncs(node: str, page) -> None:  # type: ignore[no-untyped-def]  # playwright page fixture, untyped
    page.set_default_timeout(60_000)
    page.goto(node + "/login")
    page.get_by_label("E-mail").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(node + "/")
    page.get_by_role("link", name="Federation").click()
    main = page.locator("main")
    assert ORIGIN in main.inner_text() and "wassenaar" in main.inner_text()
    page.get_by_role("button", name="Sync now").click()
    assert "A sync has started" in main.inner_text()
    for _ in range(100):  # the peer refuses the connection at once; the page shows it
        page.reload()
        if "never" in main.inner_text() and "127.0.0.1:9" in main.inner_text():
            break
        page.wait_for_timeout(200)
    assert "127.0.0.1:9" in main.inner_text()  # the error names the peer's URL
    page.screenshot(path=ARTIFACTS / "federation.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    page.screenshot(path=ARTIFACTS / "federation-375.png", full_page=True)
    assert fits(page)
