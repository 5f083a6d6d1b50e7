"""The month's grid in a real Chromium: a clerk types 锦城街道's October values with the
keyboard, a wrong number is refused in place and nothing saved, a good one is saved as a
draft by htmx, and the month is submitted; the grid fits a phone in both languages."""

from decimal import Decimal
from typing import Any

import pytest

from bipin.indicators.choices import ValueStatus
from bipin.indicators.models import Indicator, Value
from bipin.org.models import Unit
from bipin.org.tests.test_browser import ARTIFACTS, DESKTOP, PHONE, browser, demo, sign_in

pytestmark = pytest.mark.browser

__all__ = ["browser", "demo"]  # fixtures, used by name


def _cell(page: Any, indicator: Indicator, unit: Unit) -> Any:
    return page.locator(f"#cell-{indicator.pk}-{unit.pk}")


def _row_settled(page: Any, indicator: Indicator, unit: Unit) -> None:
    """Waits until htmx has swapped the cell's row (the request is over)."""
    page.wait_for_function(
        "id => !document.querySelector(`#row-${id}`).classList.contains('htmx-request')"
        " && !document.querySelector(`#row-${id} .htmx-request`)",
        arg=f"{indicator.pk}-{unit.pk}",
    )


def test_a_clerk_fills_the_month_with_the_keyboard_and_submits_it(
    demo: None, live_server: Any, browser: Any
) -> None:
    jincheng = Unit.objects.get(short_name="锦城")
    outside = Indicator.objects.get(code="OUTSIDE")
    new_above = Indicator.objects.get(code="NEW_ABOVE")
    before = Value.objects.get(indicator=outside, unit=jincheng, year=2026, month=10)
    page = sign_in(browser, live_server, "clerk_jincheng", viewport=DESKTOP)
    page.goto(f"{live_server.url}/indicators/entry/unit/{jincheng.pk}/2026-10/")

    cell = _cell(page, outside, jincheng)
    cell.fill("12O5")
    cell.press("Enter")
    error = page.locator(f"#error-{outside.pk}-{jincheng.pk}")
    error.wait_for(state="visible")
    assert "12O5" in error.inner_text()
    assert _cell(page, outside, jincheng).input_value() == "12O5"  # what was typed is kept
    unchanged = Value.objects.get(pk=before.pk)
    assert (unchanged.amount, unchanged.status) == (before.amount, before.status)

    cell = _cell(page, outside, jincheng)
    cell.fill("７１，２３４．５")
    cell.press("Enter")
    page.wait_for_function(
        "id => !document.querySelector(`#error-${id}`)", arg=f"{outside.pk}-{jincheng.pk}"
    )
    _row_settled(page, outside, jincheng)
    saved = Value.objects.get(pk=before.pk)
    assert (saved.amount, saved.status) == (Decimal("71234.5"), ValueStatus.DRAFT)
    # Enter went on to the next cell of the column, as in a spreadsheet.
    assert page.evaluate("document.activeElement.id") == f"cell-{new_above.pk}-{jincheng.pk}"

    page.get_by_role("button", name="提交本月数据").click()
    page.wait_for_load_state()
    page.get_by_text("已提交").first.wait_for(state="visible")
    assert Value.objects.get(pk=before.pk).status == ValueStatus.SUBMITTED
    page.screenshot(path=str(ARTIFACTS / "indicators-unit-grid-desktop-zh.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_grid_fits_a_phone(demo: None, live_server: Any, browser: Any, language: str) -> None:
    jincheng = Unit.objects.get(short_name="锦城")
    page = sign_in(browser, live_server, "manager_jincheng", viewport=PHONE, language=language)
    page.goto(f"{live_server.url}/indicators/entry/unit/{jincheng.pk}/2026-10/")
    assert page.locator("h1").inner_text().startswith("锦城街道")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(
        path=str(ARTIFACTS / f"indicators-unit-grid-phone-{language}.png"), full_page=True
    )
