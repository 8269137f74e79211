"""The caseworker's path in a browser: a vendor files an application whose end user is a
variant spelling of an OFAC-listed company; officer A sees the explained finding and advises
denial; A cannot countersign; officer B countersigns; the case is denied."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.registry.model import (
    Capability,
    ControlCode,
    Organisation,
    OrgKind,
    Product,
    Relationship,
    RelType,
)
from pallmall.screening import LoadReport
from pallmall.storage.database import Database
from pallmall.storage.screening import SqlListStore
from tests.browser.conftest import ARTIFACTS, serving
from tests.helpers import service
from tests.integration.cases.conftest import ENTRIES, SNAPSHOT

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
USERS = [
    ("vendor@example.org", "vendor", "Acme Vendor", "vendor"),
    ("a1@example.org", "regulator", "Authority A", "export_authority"),
    ("a2@example.org", "regulator", "Authority A", "export_authority"),
]


@pytest.fixture(scope="module")
def case_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``pallmall init --demo`` (registry and shipped lists), three users, then a server."""
    data = tmp_path_factory.mktemp("cases-portal")
    env = {
        **os.environ,
        "PALLMALL_DATA_DIR": str(data),
        "PALLMALL_DATABASE_URL": "",
        "PALLMALL_PASSWORD": PASSWORD,
    }
    cli = [sys.executable, "-m", "pallmall.cli"]
    subprocess.run([*cli, "init", "--demo"], env=env, check=True, capture_output=True)
    for email, role, account, kind in USERS:
        subprocess.run(
            [*cli, "user", "add", email, "--role", role, "--account", account, "--kind", kind]
            + ([] if kind == "vendor" else ["--state", "GB"]),
            env=env,
            check=True,
            capture_output=True,
        )
    with serving(env) as base:
        yield base


def _seed(db: Database) -> None:
    # a small list keeps the screener build fast (the shipped lists take ~25 s to index)
    db.migrate()
    SqlListStore(db.engine).record(LoadReport(SNAPSHOT, ENTRIES))
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        for email, role, account, kind in USERS:
            state = None if kind == "vendor" else "GB"
            org = people.ensure_org(SYSTEM, account, AccountKind(kind), state)
            people.create_user(SYSTEM, email, email, Role(role), org, PASSWORD)
        reg = service(tx)
        product = reg.create(
            SYSTEM,
            Product(
                name="PREDATOR",
                capabilities=(Capability.DEVICE_INTRUSION,),
                control_codes=(ControlCode.WASSENAAR_4D4,),
            ),
        )
        vendor = reg.create(SYSTEM, Organisation(name="Intellexa", kinds=(OrgKind.VENDOR,)))
        reg.relate(
            SYSTEM, Relationship(type=RelType.DEVELOPS, source_id=vendor.id, target_id=product.id)
        )
    db.dispose()


def sign_in(page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def apply(page, verb: str, **fields: str) -> None:
    form = page.get_by_role("form", name="Decision form")
    form.get_by_label("Action").select_option(verb)
    for label, value in fields.items():
        if label == "Outcome (when advising)":
            form.get_by_label(label).select_option(value)
        else:
            form.get_by_label(label).fill(value)
    with page.expect_navigation():
        form.get_by_role("button", name="Apply").click()


def test_caseworker_path(case_portal: str, page) -> None:
    base = case_portal
    # the first screen waits for the screener's one-off build (rigour's name data): ~30 s
    page.set_default_timeout(120_000)
    sign_in(page, base, "vendor@example.org")
    page.goto(base + "/cases")
    page.get_by_role("link", name="File a licence application").click()
    page.get_by_label("Product (from the registry)").select_option(label="PREDATOR")
    page.get_by_label("Destination (ISO country code)").fill("RU")
    page.get_by_label("End user", exact=True).fill("Pozitiv Teknolodzhiz AO")
    page.get_by_label("End user's country (ISO code)").fill("RU")
    page.get_by_label("Stated end use").fill("lawful interception")
    page.screenshot(path=ARTIFACTS / "cases-vendor-application.png", full_page=True)
    page.get_by_role("button", name="File and submit").click()
    page.wait_for_load_state()
    assert page.locator("#status").count() == 1, page.content()
    case_url = page.url
    assert page.locator("#status").inner_text() == "submitted"
    assert page.locator("#findings").count() == 0  # the vendor does not see the findings

    sign_in(page, base, "a1@example.org")
    page.goto(base + "/cases")
    page.screenshot(path=ARTIFACTS / "cases-queue.png", full_page=True)
    page.get_by_role("link", name="PREDATOR to RU").click()
    findings = page.locator("section", has=page.locator("#findings"))
    assert "sanctions.blocked-party@1" in findings.inner_text()
    findings.locator("details").first.click()
    assert "POZITIV" in findings.inner_text()
    page.screenshot(path=ARTIFACTS / "cases-findings.png", full_page=True)

    apply(page, "start_review")
    assert page.locator("#status").inner_text() == "under review"
    apply(
        page,
        "advise",
        **{
            "Outcome (when advising)": "deny",
            "Grounds (rule ids or reasons, one per line)": "sanctions.blocked-party@1",
        },
    )
    assert page.locator("#status").inner_text() == "advice"
    apply(page, "countersign")
    assert "four eyes" in page.content()  # A's own countersignature is refused

    sign_in(page, base, "a2@example.org")
    page.goto(case_url)
    page.screenshot(path=ARTIFACTS / "cases-decision-form.png", full_page=True)
    statement = "Refused: the end user is on a restricted-party list."
    form = page.get_by_role("form", name="Decision form")
    form.get_by_label("Action").select_option("countersign")
    form.get_by_label("Reason (confidential").fill("internal minute: agree with the adviser")
    form.get_by_label("Public statement").fill(statement)
    with page.expect_navigation():
        form.get_by_role("button", name="Preview what is published").click()
    published = page.locator("main").inner_text()
    assert "This text will be published, permanently" in published
    assert statement in published and "sanctions.blocked-party@1" in published
    assert "internal minute" not in published  # the reasoning is only committed to
    page.screenshot(path=ARTIFACTS / "cases-decision-preview.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Take this decision").click()
    assert page.locator("#status").inner_text() == "denied"
    page.screenshot(path=ARTIFACTS / "cases-denied.png", full_page=True)

    sign_in(page, base, "vendor@example.org")
    page.goto(case_url)
    seen = page.locator("main").inner_text()
    assert statement in seen and "internal minute" not in seen
    assert "a1@example.org" not in seen and "Advice" not in seen
