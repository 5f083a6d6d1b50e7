"""A service request worked through the pages in a real Chromium, from the town's clerk to
the department and back; and the enterprise and talent lists on a phone."""

from typing import Any

import pytest

from bipin.enterprises.choices import Intake, Satisfaction
from bipin.enterprises.models import Enterprise, ServiceCategory, ServiceRequest
from bipin.org.tests.test_browser import ARTIFACTS, DESKTOP, PHONE, browser, demo, sign_in

pytestmark = pytest.mark.browser

__all__ = ["browser", "demo"]  # fixtures, used by name


def _submit(page: Any) -> None:
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()


def _step(page: Any, label: str) -> None:
    page.get_by_role("link", name=label).click()
    page.wait_for_load_state()


def test_a_request_goes_from_the_town_to_the_department_and_back(
    demo: None, live_server: Any, browser: Any
) -> None:
    enterprise = Enterprise.objects.filter(unit__name="锦城街道").order_by("pk").first()
    assert enterprise is not None
    town = sign_in(browser, live_server, "clerk_jincheng", viewport=DESKTOP)
    town.goto(f"{live_server.url}/enterprises/requests/new/?enterprise={enterprise.pk}")
    talent_and_labour = ServiceCategory.objects.get(name="人才用工")
    town.select_option("#id_category", value=str(talent_and_labour.pk))
    town.select_option("#id_intake", value=Intake.VISIT)
    town.fill("#id_description", "新招 30 名技术工人，需协调岗前培训补贴。")
    _submit(town)
    request = ServiceRequest.objects.filter(enterprise=enterprise).order_by("-pk").first()
    assert request is not None and town.url.endswith(f"/enterprises/requests/{request.pk}/")

    _step(town, "分派")
    town.get_by_label("区商务局").check()
    _submit(town)
    assert "已分派" in town.locator("[aria-current=step]").inner_text()

    department = sign_in(browser, live_server, "clerk_shangwu", viewport=PHONE)
    department.goto(f"{live_server.url}/enterprises/requests/queue/")
    department.locator(f"a[href='/enterprises/requests/{request.pk}/']").first.click()
    _step(department, "受理")
    _submit(department)
    _step(department, "办结")
    department.fill("#id_reply", "已对接人社局，培训补贴按季度申领。")
    department.fill("#id_visits", "0")
    _submit(department)
    assert "已办结" in department.locator("[aria-current=step]").inner_text()
    assert department.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    department.screenshot(path=str(ARTIFACTS / "request-phone-zh.png"), full_page=True)

    town.reload()
    _step(town, "关闭")
    town.select_option("#id_satisfaction", value=Satisfaction.SATISFIED)
    _submit(town)
    request.refresh_from_db()
    assert (request.status, request.visits, request.satisfaction) == ("closed", 0, "satisfied")
    timeline = town.locator("#steps li")
    assert timeline.count() == 5  # submitted, assigned, taken up, finished, closed
    town.screenshot(path=str(ARTIFACTS / "request-desktop-zh.png"), full_page=True)


@pytest.mark.parametrize("path", ["/enterprises/", "/enterprises/requests/", "/talent/"])
def test_the_lists_fit_a_phone_in_both_languages(
    demo: None, live_server: Any, browser: Any, path: str
) -> None:
    for language in ("zh-hans", "en"):
        page = sign_in(browser, live_server, "clerk_jincheng", viewport=PHONE, language=language)
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=str(ARTIFACTS / f"{name}-phone-{language}.png"), full_page=True)
