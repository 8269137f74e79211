"""The incident path in a browser: a lab analyst reports an incident on the web form (a bad
indicator is refused with its field named, what was typed is kept), no state sees it until
the lab shares it; the state's officer finds it in the review queue, reads the victims and
confirms it; the public then reads the public summary and the public source, never the
victim. Desktop and 375 px wide, with screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.browser.conftest import ARTIFACTS, serving

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
USERS = [
    ("analyst@lab.example", "analyst", "Civic Lab", "intel_team", ""),
    ("officer@state-a.example", "regulator", "State A Export Authority", "export_authority", "FR"),
    ("officer@state-b.example", "regulator", "State B Export Authority", "export_authority", "GB"),
]
PUBLIC_SUMMARY = "A reporter's phone was infected with Pegasus through a zero-click exploit."
SOURCE = "https://lab.example/reports/2025-pegasus"


@pytest.fixture(scope="module")
def incident_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``pallmall init --demo``, a lab analyst and two states' officers, then a server."""
    data = tmp_path_factory.mktemp("incident-portal")
    env = {
        **os.environ,
        "PALLMALL_DATA_DIR": str(data),
        "PALLMALL_DATABASE_URL": "",
        "PALLMALL_PASSWORD": PASSWORD,
    }
    cli = [sys.executable, "-m", "pallmall.cli"]
    subprocess.run([*cli, "init", "--demo"], env=env, check=True, capture_output=True)
    for email, role, account, kind, state in USERS:
        subprocess.run(
            [*cli, "user", "add", email, "--role", role, "--account", account, "--kind", kind]
            + (["--state", state] if state else []),
            env=env,
            check=True,
            capture_output=True,
        )
    with serving(env) as base:
        yield base


def sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]  # playwright page fixture, untyped
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def fits(page) -> bool:  # type: ignore[no-untyped-def]  # playwright page fixture, untyped
    """Whether the page is no wider than the viewport (wide tables scroll in their box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return bool(width <= page.viewport_size["width"])


def test_report_share_review_publish(incident_portal: str, page) -> None:  # type: ignore[no-untyped-def]  # playwright page fixture, untyped
    base = incident_portal
    page.set_default_timeout(60_000)
    sign_in(page, base, "analyst@lab.example")
    page.goto(base + "/incidents")
    page.get_by_role("link", name="Report an incident").click()
    page.get_by_label("Title (published").fill("Pegasus against a reporter")
    page.get_by_label("Public summary").fill(PUBLIC_SUMMARY)
    page.get_by_label("Restricted summary").fill("The newsroom's chief editor, per the dump.")
    page.get_by_label("rights violation").check()
    page.get_by_label("TLP", exact=True).select_option("clear")
    page.get_by_label("ios", exact=True).check()
    page.get_by_label("zero click").check()
    page.get_by_label("Victim 1 role").select_option("journalist")
    page.get_by_label("Victim 1 name").fill("Ana Secret")
    page.get_by_label("Victim 1 country").fill("mx")
    page.get_by_label("Attribution 1 role").select_option("product")
    page.get_by_label("Attribution 1 record").select_option(label="PEGASUS")
    page.get_by_label("Attribution 1 confidence").fill("90")
    page.get_by_label("Attribution 1 sources", exact=True).fill(SOURCE)
    page.get_by_label("Attribution 1 sources are").select_option("public")
    page.get_by_label("Public sources").fill(SOURCE)
    page.get_by_label("Restricted sources").fill("phone dump 7")
    page.get_by_label("Indicators").fill("not a pattern")
    page.screenshot(path=ARTIFACTS / "incident-report-form.png", full_page=True)
    page.get_by_role("button", name="Report the incident").click()
    alert = page.get_by_role("alert")
    assert "indicators[0]" in alert.inner_text()  # the API's rule, named by field
    assert page.get_by_label("Victim 1 name").input_value() == "Ana Secret"  # kept
    page.get_by_label("Indicators").fill("[domain-name:value='c2.pegasus.example']")
    page.get_by_role("button", name="Report the incident").click()
    page.wait_for_url(base + "/incidents/inc-*")
    incident_url = page.url
    main = page.locator("main").inner_text()
    assert "Restricted details" in main and "Ana Secret" in main
    assert page.get_by_role("button", name="Confirm").count() == 0  # four eyes: not the reporter

    sign_in(page, base, "officer@state-a.example")
    page.goto(base + "/incidents/queue")
    assert page.get_by_role("status").inner_text() == "Nothing waiting for your decision."
    assert page.goto(incident_url).status == 404  # not shared yet: A may not know of it

    sign_in(page, base, "analyst@lab.example")
    page.goto(incident_url)
    page.get_by_label("Share the restricted details with").select_option(
        label="State A Export Authority"
    )
    page.get_by_role("button", name="Share", exact=True).click()
    sharing = page.locator("section", has=page.locator("#sharing")).inner_text()
    assert "State A Export Authority Stop sharing" in sharing

    sign_in(page, base, "officer@state-a.example")
    page.goto(base + "/incidents/queue")
    page.screenshot(path=ARTIFACTS / "incident-queue.png", full_page=True)
    page.get_by_role("link", name="Pegasus against a reporter").click()
    assert "Ana Secret" in page.locator("main").inner_text()
    page.get_by_label("Reason").fill("forensic traces reproduced")
    page.screenshot(path=ARTIFACTS / "incident-decision.png", full_page=True)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(incident_url)
    assert "confirmed" in page.locator(".meta").inner_text()

    for who in ("officer@state-b.example", None):  # another state, then the public
        if who:
            sign_in(page, base, who)
        else:
            page.context.clear_cookies()
        page.goto(incident_url)
        main = page.locator("main").inner_text()
        assert PUBLIC_SUMMARY in main and SOURCE in main
        for secret in ("Ana Secret", "newsroom", "phone dump 7", "Restricted details"):
            assert secret not in main
    page.screenshot(path=ARTIFACTS / "incident-public.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(incident_url)
    page.screenshot(path=ARTIFACTS / "incident-public-375.png", full_page=True)
    assert fits(page)
    sign_in(page, base, "analyst@lab.example")
    page.goto(base + "/incidents/new")
    page.screenshot(path=ARTIFACTS / "incident-report-form-375.png", full_page=True)
    assert fits(page)
