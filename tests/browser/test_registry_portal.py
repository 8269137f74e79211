"""A journalist on a desktop and on a 375 px phone: finds Candiru by the name the Entity List
uses, reads its record (aliases, history, sources on every link, downloads), and the public
pages never widen the screen. Screenshots of each page at each width are kept."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, serving

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": 1280, "mobile": 375}


@pytest.fixture(scope="module")
def registry_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo portal with one published report."""
    data = tmp_path_factory.mktemp("registry-portal")
    env = {**os.environ, "PALLMALL_DATA_DIR": str(data), "PALLMALL_DATABASE_URL": ""}
    cli = [sys.executable, "-m", "pallmall.cli"]
    subprocess.run([*cli, "init", "--demo"], env=env, check=True, capture_output=True)
    period = ["--state", "GB", "--period", "2020-01-01..2099-12-31"]
    subprocess.run([*cli, "report", "publish", *period], env=env, check=True, capture_output=True)
    with serving(env) as base:
        yield base


def at_width(browser: Any, width: int) -> Any:
    return browser.new_context(viewport={"width": width, "height": 800}).new_page()


def fits(page: Any, width: int, name: str) -> None:
    """The page does not scroll sideways; keep its screenshot."""
    page.screenshot(path=ARTIFACTS / f"registry-{name}.png", full_page=True)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{name}: {wide} px wide at {width} px"


@pytest.mark.parametrize("device", WIDTHS)
def test_a_journalist_finds_candiru_by_its_listed_name(
    registry_portal: str, browser: Any, device: str
) -> None:
    width = WIDTHS[device]
    page = at_width(browser, width)
    page.goto(registry_portal + "/")
    assert page.get_by_role("heading", name="What changed lately").is_visible()
    fits(page, width, f"{device}-1-home")
    page.get_by_label("Search organisations, people and products").fill("Saito Tech")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=Saito*")
    first = page.locator("ol.results > li").first
    assert first.locator("a").first.inner_text() == "Candiru"
    fits(page, width, f"{device}-2-search")
    first.locator("a").first.click()
    page.wait_for_selector("h1")
    text = page.locator("article").inner_text()
    assert "Saito Tech Ltd." in text and "Formerly: Grindavik" in text
    assert "Source: MISP galaxy" in text or "Source: Citizen Lab" in text
    assert page.get_by_role("heading", name="History").is_visible()
    assert page.get_by_role("link", name="The public registry as FollowTheMoney").is_visible()
    fits(page, width, f"{device}-3-record")
    page.context.close()


@pytest.mark.parametrize("device", WIDTHS)
def test_public_pages_fit_the_screen(registry_portal: str, browser: Any, device: str) -> None:
    width = WIDTHS[device]
    page = at_width(browser, width)
    page.goto(registry_portal + "/search?q=Intelexa")
    page.locator("ol.results a", has_text="Intellexa").first.click()
    page.wait_for_selector("h1")
    assert "Designations of members" in page.content()
    fits(page, width, f"{device}-4-umbrella")
    for path, name in (
        ("/restrictions", "5-restrictions"),
        ("/transparency-log", "6-log"),
        ("/transparency-log/entries/1", "7-log-entry"),
        ("/statistics", "8-statistics"),
    ):
        page.goto(registry_portal + path)
        page.wait_for_selector("h1")
        fits(page, width, f"{device}-{name}")
    page.goto(registry_portal + "/reports")
    page.get_by_role("link", name="GB 2020-01-01..2099-12-31").first.click()
    page.wait_for_selector("h1")
    fits(page, width, f"{device}-9-report")
    page.context.close()
