"""督查预警 in a real Chromium on the demo: a town's clerk sees the bell's unread count, opens
the inbox, follows a message to its alert and acknowledges it with a remedy and a date, on a
phone; the supervisor reads the overview on a desktop, in Chinese and in English.
Screenshots go to test-artifacts/."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bipin.org.tests.test_browser import ARTIFACTS, DESKTOP, PHONE, browser, demo, sign_in

pytestmark = pytest.mark.browser

__all__ = ["browser", "demo"]  # fixtures, used by name


def _no_sideways_scrolling(page: Any, viewport: dict) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_a_clerk_goes_from_the_bell_to_an_alert_and_acknowledges_it_on_a_phone(
    demo: None, live_server: Any, browser: Any
) -> None:
    page = sign_in(browser, live_server, "clerk_jincheng", viewport=PHONE)
    unread = int(page.locator("#unread-count").inner_text().split()[0].rstrip("+"))
    assert unread > 0
    page.locator("#inbox-bell").click()
    page.wait_for_load_state()
    _no_sideways_scrolling(page, PHONE)
    page.screenshot(path=str(ARTIFACTS / "alerts-inbox-phone-zh.png"), full_page=True)

    page.locator("a.list-group-item", has_text="项目节点逾期").first.click()
    page.wait_for_load_state()
    _no_sideways_scrolling(page, PHONE)
    assert "已逾期" in page.locator("#finding").inner_text()
    # Reading it took one off the count.
    assert int(page.locator("#unread-count").inner_text().split()[0].rstrip("+")) == unread - 1

    due = timezone.localdate() + timedelta(days=14)
    page.locator("#acknowledge textarea").fill("已约谈项目业主，督促两周内完成")
    page.locator("#acknowledge input[type=date]").fill(due.isoformat())
    page.locator("#acknowledge button[type=submit]").click()
    page.wait_for_load_state()
    assert "已认领" in page.locator("#handling").inner_text()
    assert "已约谈项目业主" in page.locator("#history").inner_text()
    page.screenshot(path=str(ARTIFACTS / "alerts-acknowledged-phone-zh.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_supervisor_reads_the_overview_by_unit_and_rule(
    demo: None, live_server: Any, browser: Any, language: str
) -> None:
    page = sign_in(browser, live_server, "supervisor", viewport=DESKTOP, language=language)
    page.goto(f"{live_server.url}/alerts/")
    page.wait_for_load_state()
    _no_sideways_scrolling(page, DESKTOP)
    heading = {"zh-hans": "督查预警", "en": "Alerts"}[language]
    assert page.locator("h1").inner_text() == heading
    rows = page.locator("table tbody tr")
    assert rows.count() > 1
    page.screenshot(path=str(ARTIFACTS / f"alerts-overview-desktop-{language}.png"), full_page=True)
