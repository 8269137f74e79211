"""A member of the public walks the portal: finds a vendor, follows it to an abuse
incident, opens the latest transparency report and downloads its PDF and CSV, and checks a
log entry's inclusion proof in the browser. Screenshots of each page are kept."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pallmall.core.auth import SYSTEM, Principal, Role
from pallmall.core.paging import PageRequest
from pallmall.intel.incident import (
    AbuseCategory,
    Attribution,
    IncidentDraft,
    LinkRole,
    Verb,
    VictimCategory,
    VictimDraft,
)
from pallmall.intel.tlp import Tlp
from pallmall.registry.store import RecordQuery
from pallmall.storage.database import Database
from pallmall.wiring import incident_desk
from tests.browser.conftest import ARTIFACTS, pin_key_with_plus, serving

pytestmark = pytest.mark.browser
TITLE = "Predator infection attempts against journalists"


def _confirm_incident(db: Database) -> None:
    with db.read() as tx:
        found = tx.registry.search(RecordQuery(q="Intellexa S.A."), PageRequest(0, 5)).items
    vendor = next(s.id for s in found if s.record.name == "Intellexa S.A.")

    analyst = Principal(user_id="analyst", role=Role.ANALYST, display="analyst")
    draft = IncidentDraft(
        title=TITLE,
        summary="Infection links sent by message.",
        categories=(AbuseCategory.RIGHTS_VIOLATION,),
        victims=(VictimDraft(VictimCategory.JOURNALIST, "Named Person"),),
        attributions=(Attribution(LinkRole.VENDOR, vendor, 90),),
        tlp=Tlp.CLEAR,
    )
    with db.write() as tx:
        incident = incident_desk(tx, analyst).report(analyst, draft)
    with db.write() as tx:
        incident_desk(tx, SYSTEM).decide(SYSTEM, incident.id, Verb.CONFIRM, "forensic traces")


@pytest.fixture(scope="module")
def public_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo portal with one confirmed incident and one published report."""
    data = tmp_path_factory.mktemp("public-portal")
    env = {**os.environ, "PALLMALL_DATA_DIR": str(data), "PALLMALL_DATABASE_URL": ""}
    cli = [sys.executable, "-m", "pallmall.cli"]
    pin_key_with_plus(data, tmp_path_factory.mktemp("keys"))
    subprocess.run([*cli, "init", "--demo"], env=env, check=True, capture_output=True)
    db = Database(f"sqlite:///{data / 'pallmall.db'}")
    _confirm_incident(db)
    db.dispose()
    period = ["--state", "GB", "--period", "2020-01-01..2099-12-31"]
    subprocess.run([*cli, "report", "publish", *period], env=env, check=True, capture_output=True)
    with serving(env) as base:
        yield base


def shot(page: Any, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"portal-{name}.png", full_page=True)


def test_a_member_of_the_public_walks_the_portal(
    public_portal: str, page: Any, tmp_path: Path
) -> None:
    page.goto(public_portal + "/")
    page.get_by_label("Search organisations, people and products").fill("Intellexa")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=Intellexa*")
    shot(page, "1-search")
    page.get_by_role("link", name="Intellexa S.A.", exact=True).click()
    page.wait_for_selector("h1")
    shot(page, "2-vendor")

    page.get_by_role("link", name="Abuse incidents linked to Intellexa S.A.").click()
    page.wait_for_selector("h1")
    assert page.get_by_role("status").inner_text() == "1 incident"
    shot(page, "3-incidents")
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == TITLE
    assert "1 journalist" in page.content() and "Named Person" not in page.content()
    shot(page, "4-incident")
    entry_link = page.get_by_role("link", name="Entry ")
    entry_href = entry_link.first.get_attribute("href")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.wait_for_selector("h1")
    shot(page, "5-reports")
    page.get_by_role("link", name="GB 2020-01-01..2099-12-31").first.click()
    page.wait_for_selector("h1")
    assert "Transparency report: GB" in page.locator("h1").inner_text()
    incidents = page.locator("section", has=page.locator("#incidents"))
    assert "Incidents confirmed on this node in the period: 1" in incidents.inner_text()
    shot(page, "6-report")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download PDF").click()
    pdf_path = tmp_path / "report.pdf"
    pdf.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    with page.expect_download() as csv:
        page.get_by_role("link", name="Download CSV").click()
    csv_path = tmp_path / "report.csv"
    csv.value.save_as(csv_path)
    assert "incidents,confirmed,1," in csv_path.read_text()

    assert entry_href is not None
    page.goto(public_portal + entry_href)
    page.wait_for_selector("h1")
    assert "intel.incident.confirmed" in page.locator("pre.entry").inner_text()
    page.get_by_role("button", name="Check this entry's proof").click()
    result = page.get_by_role("status")
    result.get_by_text("Proof checked").wait_for()
    page.wait_for_function("document.getElementById('check-result').children.length >= 2")
    text = result.inner_text()
    assert "Proof checked: entry" in text
    # the test's Chromium checks Ed25519 in WebCrypto: the signature must be checked here
    assert "Signature checked: the checkpoint is signed by the published key" in text, text
    shot(page, "7-log-entry")


def test_the_other_public_pages(public_portal: str, page: Any) -> None:
    page.goto(public_portal + "/statistics")
    answer = page.get_by_role("status").inner_text()
    assert "Doubling time from the registry:" in answer and "95 % interval" in answer
    shot(page, "8-statistics")
    page.goto(public_portal + "/restrictions")
    assert "US Treasury OFAC SDN" in page.content()
    shot(page, "9-restrictions")
    page.goto(public_portal + "/transparency-log")
    page.get_by_label("Entry number").fill("0")
    page.get_by_role("button", name="Open entry").click()
    page.wait_for_url("**/transparency-log/entries/0")
    shot(page, "10-log")
    page.goto(public_portal + "/transparency-log/verify")
    assert "pallmall report verify" in page.content()
    shot(page, "11-verify")
