"""A member of the public finds Intellexa and sees its designations, products and owners."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_search_intellexa_and_open_it(portal: str, page) -> None:
    page.goto(portal + "/")
    page.get_by_label("Search organisations, people and products").fill("Intellexa")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=Intellexa*")
    page.screenshot(path=ARTIFACTS / "registry-search.png", full_page=True)
    assert page.get_by_role("status").inner_text() == "3 results"

    page.get_by_role("link", name="Intellexa S.A.", exact=True).click()
    page.wait_for_selector("h1")
    page.screenshot(path=ARTIFACTS / "registry-organisation.png", full_page=True)
    assert page.locator("h1").inner_text() == "Intellexa S.A."

    designations = page.locator("section", has=page.locator("#designations"))
    assert "US Commerce BIS Entity List" in designations.inner_text()
    assert "US Treasury OFAC SDN" in designations.inner_text()
    assert "CYBER2" in designations.inner_text()
    products = page.locator("section", has=page.locator("#products"))
    assert "PREDATOR" in products.inner_text()
    owners = page.locator("section", has=page.locator("#owners"))
    assert "Intellexa" in owners.inner_text()
    assert page.locator("svg.graph").is_visible()

    # keyboard-only: the graph's nodes are links too; follow the owner link from the list
    owners.get_by_role("link", name="Intellexa", exact=True).click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Intellexa"
    assert "Tal Dilian" in page.content()


def test_unknown_record_is_a_readable_404(portal: str, page) -> None:
    response = page.goto(portal + "/records/org-does-not-exist")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
