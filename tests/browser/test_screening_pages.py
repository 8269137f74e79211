"""A regulator signs in and screens a party; the hit comes with its explanation."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, PASSWORD, REGULATOR

pytestmark = pytest.mark.browser


def test_regulator_screens_a_variant_spelling(portal: str, page) -> None:
    page.goto(portal + "/screening")
    assert page.locator("h1").inner_text() == "Authentication required"

    page.goto(portal + "/login")
    page.get_by_label("E-mail").fill(REGULATOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Screening").click()
    page.screenshot(path=ARTIFACTS / "screening-form.png", full_page=True)
    page.get_by_label("Name", exact=True).fill("AO POZITIV TEKNOLODZHIZ")
    page.get_by_label("Country (name or ISO code)").fill("RU")
    page.get_by_role("button", name="Screen", exact=True).click()
    page.wait_for_selector("#hits")
    page.screenshot(path=ARTIFACTS / "screening-result.png", full_page=True)

    first = page.locator("article.hit").first
    text = first.inner_text()
    assert "POZITIV TEKNOLODZHIZ" in text and "alert" in text
    assert "CYBER2" in text
    assert "How the score was made" in text
