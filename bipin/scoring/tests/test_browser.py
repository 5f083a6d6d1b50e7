"""The competition's pages in a real Chromium on the demo: from 比拼榜 to 街道组's board, to
锦城街道's 成绩单 of September (a correction) with its rank chart, and back to compare
two units; on a desktop and on a phone, where the tables scroll inside themselves and the
page does not scroll sideways. Screenshots go to test-artifacts/."""

from typing import Any

import pytest

from bipin.org.tests.test_browser import ARTIFACTS, DESKTOP, PHONE, browser, demo, sign_in

pytestmark = pytest.mark.browser

__all__ = ["browser", "demo"]  # fixtures, used by name


def _no_sideways_scrolling(page: Any, viewport: dict) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def _chart_drawn(page: Any) -> None:
    """ECharts has drawn the rank history (its SVG renderer)."""
    page.locator("#rank-chart svg").first.wait_for(state="attached")


def test_the_supervisor_goes_from_the_scoreboard_to_a_scorecard_and_compares(
    demo: None, live_server: Any, browser: Any
) -> None:
    page = sign_in(browser, live_server, "supervisor", viewport=DESKTOP)
    page.goto(f"{live_server.url}/scoring/")
    assert page.locator("h1").inner_text() == "比拼榜 · 2026年9月"
    assert page.locator("#boards section").count() == 4
    page.screenshot(path=str(ARTIFACTS / "scoring-list-desktop-zh.png"), full_page=True)

    page.locator("#boards").get_by_role("link", name="街道组").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("街道组比拼榜 · 2026年9月")
    assert page.locator("#correction-note").is_visible()  # September was corrected
    assert page.locator("svg.board-trend").count() == 5
    page.screenshot(path=str(ARTIFACTS / "scoring-board-desktop-zh.png"), full_page=True)

    page.get_by_role("link", name="锦城街道").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "锦城街道成绩单 · 2026年9月"
    assert "锦城街道 1-9 月引进市外内资补齐" in page.locator("#correction-note").inner_text()
    total = page.locator("#scorecard-total").inner_text()
    assert page.locator("#lines-total").inner_text() == total
    _chart_drawn(page)
    page.screenshot(path=str(ARTIFACTS / "scoring-scorecard-desktop-zh.png"), full_page=True)

    page.go_back()
    page.wait_for_load_state()
    page.locator("#pick-" + page.locator("tr[data-unit]").nth(0).get_attribute("data-unit")).check()
    page.locator("#pick-" + page.locator("tr[data-unit]").nth(2).get_attribute("data-unit")).check()
    page.locator("#compare-button").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "单位对比 · 街道组 2026年9月"
    assert page.locator("#compare-table thead th[data-unit]").count() == 2
    assert page.locator(".compare-best").count() > 0
    page.screenshot(path=str(ARTIFACTS / "scoring-compare-desktop-zh.png"), full_page=True)


def test_a_clerk_reads_the_board_and_its_own_scorecard_on_a_phone(
    demo: None, live_server: Any, browser: Any
) -> None:
    page = sign_in(browser, live_server, "clerk_jincheng", viewport=PHONE)
    page.goto(f"{live_server.url}/scoring/")
    _no_sideways_scrolling(page, PHONE)
    page.screenshot(path=str(ARTIFACTS / "scoring-list-phone-zh.png"), full_page=True)

    page.locator("#boards").get_by_role("link", name="街道组").click()
    page.wait_for_load_state()
    _no_sideways_scrolling(page, PHONE)
    # Only its own unit opens; other units are names on the board, with nothing to compare.
    assert page.locator(".board-table a").count() == 1
    assert page.locator("#compare-button").count() == 0
    page.screenshot(path=str(ARTIFACTS / "scoring-board-phone-zh.png"), full_page=True)

    page.get_by_role("link", name="锦城街道").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "锦城街道成绩单 · 2026年9月"
    _chart_drawn(page)
    _no_sideways_scrolling(page, PHONE)
    # The lines scroll inside their table.
    scroller = page.locator("#scorecard-lines").locator("xpath=..")
    assert scroller.evaluate("element => element.scrollWidth > element.clientWidth")
    page.screenshot(path=str(ARTIFACTS / "scoring-scorecard-phone-zh.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_comparison_fits_a_phone(
    demo: None, live_server: Any, browser: Any, language: str
) -> None:
    page = sign_in(browser, live_server, "viewer", viewport=PHONE, language=language)
    page.goto(f"{live_server.url}/scoring/")
    page.locator("#boards section").nth(1).locator(".card-header a").first.click()
    page.wait_for_load_state()
    for row in range(3):
        page.locator("tr[data-unit] input[type=checkbox]").nth(row).check()
    page.locator("#compare-button").click()
    page.wait_for_load_state()
    assert page.locator("#compare-table thead th[data-unit]").count() == 3
    _no_sideways_scrolling(page, PHONE)
    page.screenshot(path=str(ARTIFACTS / f"scoring-compare-phone-{language}.png"), full_page=True)
