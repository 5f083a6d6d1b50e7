"""Page tests in a real Chromium (Debian's /usr/bin/chromium) against a live server.

Run by `make test-browser` (and .ci/run); screenshots go to test-artifacts/ for people to
look at and for the user manual.
"""

import os
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from bipin.core.demo import DEMO_PASSWORD, load_demo
from bipin.org.models import Unit

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def demo(transactional_db: None, django_db_serialized_rollback: None) -> None:
    # Live-server tests commit; the serialized rollback puts the shipped reference data
    # (industries, roadmap template) back for the tests that follow.
    load_demo(scale="district", seed=2019, out=StringIO())


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def sign_in(
    browser: Any, live_server: Any, username: str, *, viewport: dict, language: str = "zh-hans"
) -> Any:
    context = browser.new_context(viewport=viewport)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_clerk_jincheng_signs_in_and_sees_jinchengs_page_in_chinese(
    demo: None, live_server: Any, browser: Any
) -> None:
    jincheng = Unit.objects.get(short_name="锦城")
    page = sign_in(browser, live_server, "clerk_jincheng", viewport=DESKTOP)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.goto(f"{live_server.url}/units/{jincheng.pk}/")
    assert page.locator("h1").inner_text().startswith("锦城街道")
    assert page.get_by_text("修改历史").is_visible()
    assert page.get_by_role("link", name="李明华").is_visible()  # the linked leader
    page.screenshot(path=str(ARTIFACTS / "unit-jincheng-desktop-zh.png"), full_page=True)


def test_clerk_yuqian_gets_not_found_for_jincheng(
    demo: None, live_server: Any, browser: Any
) -> None:
    jincheng = Unit.objects.get(short_name="锦城")
    page = sign_in(browser, live_server, "clerk_yuqian", viewport=DESKTOP)
    response = page.goto(f"{live_server.url}/units/{jincheng.pk}/")
    assert response.status == 404
    assert page.get_by_text("未找到该页面").is_visible()


def test_the_menu_folds_on_a_phone_and_opens(demo: None, live_server: Any, browser: Any) -> None:
    page = sign_in(browser, live_server, "supervisor", viewport=PHONE)
    organisation = page.get_by_role("button", name="组织").or_(
        page.get_by_role("link", name="组织")
    )
    assert not organisation.is_visible()
    page.click(".navbar-toggler")
    organisation.first.wait_for(state="visible")
    page.screenshot(path=str(ARTIFACTS / "home-phone-zh.png"), full_page=True)
    page.goto(f"{live_server.url}/units/")
    # No sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / "units-phone-zh.png"), full_page=True)


def test_the_language_switch_turns_the_page_english(
    demo: None, live_server: Any, browser: Any
) -> None:
    page = sign_in(browser, live_server, "supervisor", viewport=DESKTOP)
    page.click("#language-switch button[value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("Modules").is_visible()
    page.goto(f"{live_server.url}/units/")
    assert page.locator("h1").inner_text() == "Units"
    page.screenshot(path=str(ARTIFACTS / "units-desktop-en.png"), full_page=True)


def test_the_unit_search_updates_the_list_in_place(
    demo: None, live_server: Any, browser: Any
) -> None:
    page = sign_in(browser, live_server, "supervisor", viewport=DESKTOP)
    page.goto(f"{live_server.url}/units/")
    assert page.locator("#unit-rows tbody tr").count() == 35
    page.fill("input[name=q]", "锦")
    page.wait_for_function("document.querySelectorAll('#unit-rows tbody tr').length === 3")
    names = page.locator("#unit-rows tbody tr td:first-child").all_inner_texts()
    assert sorted(name.strip() for name in names) == ["锦北街道", "锦南街道", "锦城街道"]


def test_supervisor_edits_a_unit_and_the_history_shows_it(
    demo: None, live_server: Any, browser: Any
) -> None:
    jincheng = Unit.objects.get(short_name="锦城")
    page = sign_in(browser, live_server, "supervisor", viewport=DESKTOP)
    page.goto(f"{live_server.url}/units/{jincheng.pk}/edit/")
    page.fill("#id_short_name", "锦城新")
    page.fill("#id_reason", "简称调整")
    page.click("#main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/units/{jincheng.pk}/")
    history = page.locator("#history")
    assert "简称调整" in history.inner_text()
    assert "锦城新" in history.inner_text()
    page.screenshot(path=str(ARTIFACTS / "unit-history-desktop-zh.png"), full_page=True)
