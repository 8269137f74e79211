"""A vendor attests in the portal and a caseworker sees it on a case: the vendor fills in the
form (its answers leave out an investor the registry records), its public registry page shows
the attestation with a "differs from the registry" notice, it files an application, and the
caseworker finds the attestation, with its date and the difference, among the case's
findings."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.links import LinkStatus, RegistryLink
from pallmall.registry.model import (
    Capability,
    ControlCode,
    Organisation,
    OrgKind,
    Product,
    Relationship,
    RelType,
)
from pallmall.storage.database import Database
from pallmall.storage.links import SqlLinkStore
from tests.browser.conftest import ARTIFACTS, serving
from tests.helpers import service

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
USERS = [
    ("vendor@example.org", "vendor", "Acme Vendor", "vendor", None),
    ("officer@example.org", "regulator", "Authority A", "export_authority", "FR"),
]


@pytest.fixture(scope="module")
def attestation_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty node (no lists: due diligence notes it), two users, a registry vendor with a
    product and an investor, then a server."""
    data = tmp_path_factory.mktemp("attestation-portal")
    env = {**os.environ, "PALLMALL_DATA_DIR": str(data), "PALLMALL_DATABASE_URL": ""}
    subprocess.run(
        [sys.executable, "-m", "pallmall.cli", "init"], env=env, check=True, capture_output=True
    )
    _seed(Database(f"sqlite:///{(Path(data) / 'pallmall.db').resolve()}"))
    with serving(env) as base:
        yield base


def _seed(db: Database) -> None:
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        vendor_account = ""
        for email, role, account, kind, state in USERS:
            org = people.ensure_org(SYSTEM, account, AccountKind(kind), state)
            people.create_user(SYSTEM, email, email, Role(role), org, PASSWORD)
            if AccountKind(kind) is AccountKind.VENDOR:
                vendor_account = org.id
        reg = service(tx)
        vendor = reg.create(SYSTEM, Organisation(name="Zeta Intrusion", kinds=(OrgKind.VENDOR,)))
        product = reg.create(
            SYSTEM,
            Product(
                name="ZETA-1",
                capabilities=(Capability.DEVICE_INTRUSION,),
                control_codes=(ControlCode.WASSENAAR_4D4,),
            ),
        )
        investor = reg.create(
            SYSTEM, Organisation(name="Shadow Capital", kinds=(OrgKind.INVESTOR,))
        )
        for rel in (
            Relationship(type=RelType.DEVELOPS, source_id=vendor.id, target_id=product.id),
            Relationship(type=RelType.INVESTS_IN, source_id=investor.id, target_id=vendor.id),
        ):
            reg.relate(SYSTEM, rel)
        # only the vendor's confirmed account attests for it (pallmall.core.links)
        confirmed = RegistryLink(
            vendor_account, vendor.id, LinkStatus.CONFIRMED, "system", datetime.now(UTC), "system"
        )
        SqlLinkStore(tx.conn).put_link(confirmed)
    db.dispose()


def sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]  # Playwright's page is untyped
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


TEXTS = {
    "Registered legal name": "Zeta Intrusion Ltd",
    "Company registration number": "HE 123456",
    "How customers are vetted before a sale": "Government end users only, after a site visit.",
    "The human-rights due diligence done before a sale": "A country assessment per sale.",
    "How vulnerabilities are sourced": "In-house research.",
    "How and when vulnerabilities are disclosed to vendors": "When a product is retired.",
    "How reports of misuse are answered (suspension, investigation, notification)": (
        "Licence suspended within 24 hours; the licensing state is told."
    ),
}
YES = [
    "Every customer signs an end-use undertaking",
    "The vendor has no access to data collected with its products",
    "No foreign intelligence service controls or directs the vendor",
    "No sales to governments that commit gross violations of human rights",
    "No known misuse of the vendor's products",
]


def test_a_vendor_attests_and_a_caseworker_sees_it(attestation_portal: str, page) -> None:  # type: ignore[no-untyped-def]  # Playwright's page is untyped
    base = attestation_portal
    page.set_default_timeout(120_000)
    sign_in(page, base, "vendor@example.org")
    page.get_by_role("link", name="Attestation").click()
    form = page.get_by_role("form", name="Self-attestation")
    form.get_by_label("Your registry record").select_option(label="Zeta Intrusion")
    for label, value in TEXTS.items():
        form.get_by_label(label, exact=False).first.fill(value)
    form.get_by_label("Country of registration").fill("CY")
    form.get_by_label("Every owner and investor", exact=False).fill("Founders Trust; 100; owner")
    form.get_by_label("device intrusion").check()
    for label in YES:
        form.get_by_label(label, exact=False).select_option("yes")
    page.screenshot(path=ARTIFACTS / "attestation-form.png", full_page=True)
    with page.expect_navigation():
        form.get_by_role("button", name="Attest").click()
    section = page.locator("section", has=page.locator("#attestation"))
    text = section.inner_text()
    today = datetime.now(UTC).date().isoformat()
    assert f"Attested {today}" in text
    assert "Differs from the registry" in text
    assert "Shadow Capital as investor; not declared" in text
    page.screenshot(path=ARTIFACTS / "attestation-registry-page.png", full_page=True)

    page.goto(base + "/cases/new")
    page.get_by_label("Product (from the registry)").select_option(label="ZETA-1")
    page.get_by_label("Destination (ISO country code)").fill("FR")
    page.get_by_label("End user", exact=True).fill("Police nationale")
    page.get_by_label("End user's country (ISO code)").fill("FR")
    page.get_by_label("Stated end use").fill("lawful interception")
    page.get_by_role("button", name="File and submit").click()
    page.wait_for_load_state()
    case_url = page.url

    sign_in(page, base, "officer@example.org")
    page.goto(case_url)
    findings = page.locator("section", has=page.locator("#findings")).inner_text()
    assert "code-of-practice.vendor-attestation@1" in findings
    assert f"self-attestation attested {today}" in findings
    assert "Shadow Capital as investor; not declared" in findings
    page.screenshot(path=ARTIFACTS / "attestation-on-case.png", full_page=True)
