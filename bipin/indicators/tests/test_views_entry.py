"""The pages of the monthly collection: where a person lands, the unit's and the data
provider's grids with their htmx cells, a value's page, who has not submitted what, and
the months with their deadlines.

Every page is checked for a user who may use it, one who may not (403), another unit's
objects (404), and its query count where it lists rows.
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from bipin.conftest import District
from bipin.core.choices import Role
from bipin.core.periods import Period
from bipin.indicators import actions
from bipin.indicators.choices import IndicatorKind, ValueStatus
from bipin.indicators.models import Indicator, ReportingPeriod, Value
from bipin.indicators.tests.conftest import LAST_YEAR, PERIOD, Catalogue
from bipin.indicators.views.entry import latest_open_period
from bipin.org.choices import UnitKind
from bipin.org.models import Unit, User

Login = Callable[[User], Client]
HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def _content(response: Any) -> str:
    return response.content.decode()


def _month(period: Period = PERIOD) -> str:
    return f"{period.year}-{period.month}"


def _unit_grid(unit: Unit, period: Period = PERIOD) -> str:
    return f"/indicators/entry/unit/{unit.pk}/{_month(period)}/"


def _indicator_grid(indicator: Indicator, period: Period = PERIOD) -> str:
    return f"/indicators/entry/indicator/{indicator.pk}/{_month(period)}/"


def _cell_url(indicator: Indicator, unit: Unit, period: Period = PERIOD) -> str:
    return f"/indicators/entry/cell/{indicator.pk}/{unit.pk}/{_month(period)}/"


def _save_cell(
    client: Client, indicator: Indicator, unit: Unit, typed: str, layout: str = "unit"
) -> Any:
    return client.post(_cell_url(indicator, unit), {"amount": typed, "layout": layout}, **HTMX)


def _value(indicator: Indicator, unit: Unit, period: Period = PERIOD) -> Value | None:
    return Value.objects.filter(
        indicator=indicator, unit=unit, year=period.year, month=period.month
    ).first()


def _save(
    district: District,
    indicator: Indicator,
    unit: Unit,
    amount: str,
    period: Period = PERIOD,
    actor: User | None = None,
) -> Value:
    if actor is None:
        actor = district.provider if indicator.provider_id else district.clerk_a
        if indicator.provider_id is None and unit == district.town_b:
            actor = district.clerk_b
    return actions.do_save_value(
        indicator=indicator, unit=unit, period=period, amount=amount, actor=actor
    )


def _queries(client: Client, url: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return len(queries)


def _manager_of(unit: Unit, username: str) -> User:
    return User.objects.create_user(
        username=username, password="x-9!long", name=f"{unit.name}主任", unit=unit,
        role=Role.UNIT_MANAGER,
    )  # fmt: skip


# Landing -------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(
    district: District, catalogue: Catalogue
) -> None:
    client = Client()
    for url in (
        "/indicators/entry/",
        _unit_grid(district.town_a),
        _indicator_grid(catalogue.fai),
        "/indicators/progress/",
        "/indicators/periods/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_clerk_lands_on_their_units_grid_for_the_month_being_reported(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    response = login(district.clerk_a).get("/indicators/entry/")
    latest = latest_open_period(district.clerk_a)
    assert latest == Period.of(timezone.localdate()).previous()
    assert response.status_code == 302
    assert response["Location"] == _unit_grid(district.town_a, latest)


def test_the_month_being_reported_moves_on_once_last_month_is_closed(
    district: District, catalogue: Catalogue
) -> None:
    today = date(2026, 11, 29)
    assert latest_open_period(district.clerk_a, today) == Period(2026, 10)
    ReportingPeriod.objects.create(
        year=2026, month=10, deadline=date(2026, 11, 10), closed_at=timezone.now()
    )
    assert latest_open_period(district.clerk_a, today) == Period(2026, 11)


def test_provider_lands_on_its_first_indicator_and_pickers_go_to_the_chosen_grid(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    client = login(district.provider)
    latest = latest_open_period(district.provider)
    assert client.get("/indicators/entry/")["Location"] == _indicator_grid(catalogue.fai, latest)
    picked = client.get(
        "/indicators/entry/", {"indicator": str(catalogue.gdp_growth.pk), "period": "2025-10"}
    )
    assert picked["Location"] == _indicator_grid(catalogue.gdp_growth)


def test_supervisor_picks_a_unit_or_an_indicator(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    response = login(district.supervisor).get("/indicators/entry/")
    page = _content(response)
    assert response.status_code == 200
    assert 'id="pick-unit"' in page and 'id="pick-indicator"' in page
    assert "锦城街道" in page and "於潜镇" in page and "固定资产投资" in page
    picked = login(district.supervisor).get(
        "/indicators/entry/", {"unit": district.town_b.pk, "period": "2025-10"}
    )
    assert picked["Location"] == _unit_grid(district.town_b)


def test_viewer_may_not_open_the_data_entry(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    client = login(district.viewer)
    assert client.get("/indicators/entry/").status_code == 403
    assert client.get(_unit_grid(district.town_a)).status_code == 404
    assert client.get(_indicator_grid(catalogue.fai)).status_code == 403


# The unit's grid -----------------------------------------------------------------------------


def test_clerk_types_their_units_own_indicators_and_sees_why_the_others_are_read_only(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    _save(district, catalogue.fai, district.town_a, "1200")
    response = login(district.clerk_a).get(_unit_grid(district.town_a))
    page = _content(response)
    assert response.status_code == 200
    cells = {cell.indicator.code: cell for cell in response.context["cells"]}
    assert list(cells) == [
        "FAI",
        "FAI_G",
        "GDP_G",
        "OUTSIDE",
        "NEW_ABOVE",
        "PROJ_1YI",
        "START_RATE",
    ]
    assert cells["OUTSIDE"].writable and cells["NEW_ABOVE"].writable
    assert cells["FAI"].refusal == "由区统计局报送"
    assert cells["PROJ_1YI"].refusal == "系统计算"
    assert f'id="cell-{catalogue.outside.pk}-{district.town_a.pk}"' in page
    assert f'id="cell-{catalogue.fai.pk}-{district.town_a.pk}"' not in page
    assert 'inputmode="decimal"' in page and "data-grid-cell" in page
    assert "由区统计局报送" in page and "系统计算" in page
    assert "1,200.0" in page  # the bureau's value, read-only


def test_clerk_gets_404_for_another_towns_grid(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    assert login(district.clerk_b).get(_unit_grid(district.town_a)).status_code == 404
    assert (
        login(district.clerk_a).get(_unit_grid(district.town_a, Period(2025, 10))).status_code
        == 200
    )
    assert (
        login(district.clerk_a)
        .get(f"/indicators/entry/unit/{district.town_a.pk}/2025-13/")
        .status_code
        == 404
    )


def test_grid_shows_last_year_growth_target_completion_and_colour(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    _save(district, catalogue.outside, district.town_a, "1000", period=LAST_YEAR)
    _save(district, catalogue.outside, district.town_a, "1250")
    actions.do_set_target(
        indicator=catalogue.outside, unit=district.town_a, year=PERIOD.year, amount="2000",
        actor=district.supervisor, today=date(2024, 12, 1),
    )  # fmt: skip
    response = login(district.clerk_a).get(_unit_grid(district.town_a))
    cell = next(c for c in response.context["cells"] if c.indicator == catalogue.outside)
    assert cell.last_year_shown == "1,000.0"
    assert cell.growth_shown == "25.0%"
    assert cell.target_shown == "2,000.0"
    # 1250 / 2000 = 62.5 %; October's time progress 10/12 = 83.3333 %; gap −20.8 pp: red.
    assert cell.completion_shown == "62.5%"
    assert cell.gap_shown == "-20.8"
    assert cell.colour == "danger"
    no_base = next(c for c in response.context["cells"] if c.indicator == catalogue.new_above)
    assert no_base.growth_shown == "—"
    _save(district, catalogue.new_above, district.town_a, "3")
    again = login(district.clerk_a).get(_unit_grid(district.town_a))
    assert "上年同期无数据" in _content(again)


def test_a_data_providers_indicators_are_all_it_sees_of_a_towns_grid(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    response = login(district.provider).get(_unit_grid(district.town_a))
    codes = [cell.indicator.code for cell in response.context["cells"]]
    assert codes == ["FAI", "GDP_G"]
    assert all(cell.writable for cell in response.context["cells"])


# Saving a cell -------------------------------------------------------------------------------


def test_a_good_value_saves_as_a_draft_and_the_row_comes_back(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    _save(district, catalogue.outside, district.town_a, "800", period=LAST_YEAR)
    response = _save_cell(login(district.clerk_a), catalogue.outside, district.town_a, "1,000")
    page = _content(response)
    value = _value(catalogue.outside, district.town_a)
    assert response.status_code == 200
    assert value is not None and value.amount == Decimal(1000)
    assert value.status == ValueStatus.DRAFT and value.entered_by == district.clerk_a
    assert (
        page.startswith("<tr") and f'id="row-{catalogue.outside.pk}-{district.town_a.pk}"' in page
    )
    assert "草稿" in page and "25.0%" in page and 'value="1000"' in page
    assert response["HX-Trigger"] == "values-changed"


@pytest.mark.parametrize("typed", ["12.5%", "１２．５", " 12.50 "])
def test_percentages_and_full_width_digits_are_read(
    district: District, catalogue: Catalogue, login: Login, typed: str
) -> None:
    response = _save_cell(login(district.clerk_a), catalogue.outside, district.town_a, typed)
    value = _value(catalogue.outside, district.town_a)
    assert value is not None and value.amount == Decimal("12.5")
    assert "is-invalid" not in _content(response)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "无法识别的数值“abc”"),
        ("-5", "不能为负数"),
        ("", "请填写数值"),
        ("1.23456", "小数位数过多"),
    ],
)
def test_a_bad_value_is_named_under_the_input_with_the_text_kept_and_nothing_saved(
    district: District, catalogue: Catalogue, login: Login, typed: str, message: str
) -> None:
    response = _save_cell(login(district.clerk_a), catalogue.outside, district.town_a, typed)
    page = _content(response)
    assert response.status_code == 200
    assert message in page
    assert "is-invalid" in page and 'aria-invalid="true"' in page
    assert f'value="{typed}"' in page
    assert "HX-Trigger" not in response
    assert not Value.objects.exists()


def test_a_bad_value_over_a_saved_one_keeps_the_saved_one(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    _save(district, catalogue.outside, district.town_a, "300")
    page = _content(_save_cell(login(district.clerk_a), catalogue.outside, district.town_a, "3OO"))
    assert 'value="3OO"' in page and "无法识别的数值" in page
    value = _value(catalogue.outside, district.town_a)
    assert value is not None and value.amount == Decimal(300)


def test_a_cell_of_a_locked_month_is_refused(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    _save(district, catalogue.outside, district.town_a, "300")
    actions.do_close_period(PERIOD, actor=district.supervisor)
    client = login(district.clerk_a)
    page = _content(_save_cell(client, catalogue.outside, district.town_a, "400"))
    assert "已锁定" in page
    value = _value(catalogue.outside, district.town_a)
    assert value is not None and value.amount == Decimal(300) and value.status == ValueStatus.LOCKED
    grid = client.get(_unit_grid(district.town_a))
    assert all(not cell.writable for cell in grid.context["cells"])
    assert "已锁定" in _content(grid)


def test_clerk_is_refused_the_bureaus_indicator(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    page = _content(_save_cell(login(district.clerk_a), catalogue.fai, district.town_a, "100"))
    assert "由区统计局统一报送，您不能填报" in page
    assert not Value.objects.exists()


def test_a_derived_cell_cannot_be_typed_in(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    page = _content(
        _save_cell(login(district.supervisor), catalogue.projects_1yi, district.town_a, "3")
    )
    assert "由系统根据业务记录计算，不能填报" in page
    assert not Value.objects.exists()


def test_clerk_gets_404_for_a_cell_of_another_town(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    response = _save_cell(login(district.clerk_b), catalogue.outside, district.town_a, "100")
    assert response.status_code == 404
    assert not Value.objects.exists()


def test_an_approved_value_is_read_only_until_returned(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    value = _save(district, catalogue.outside, district.town_a, "300")
    actions.do_submit_values([value], actor=district.clerk_a)
    actions.do_approve_values([value], actor=district.manager_a)
    client = login(district.clerk_a)
    page = _content(_save_cell(client, catalogue.outside, district.town_a, "400"))
    assert "该数据已审核" in page
    grid = client.get(_unit_grid(district.town_a))
    cell = next(c for c in grid.context["cells"] if c.indicator == catalogue.outside)
    assert cell.refusal == "已审核" and not cell.writable


# Submit, approve, return ---------------------------------------------------------------------


def test_clerk_submits_the_months_drafts_and_the_manager_approves_them(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    clerk = login(district.clerk_a)
    _save_cell(clerk, catalogue.outside, district.town_a, "300")
    _save_cell(clerk, catalogue.new_above, district.town_a, "2")
    _save(district, catalogue.fai, district.town_a, "1000")  # the bureau's draft stays a draft
    grid = clerk.get(_unit_grid(district.town_a))
    assert grid.context["to_submit"] == 2 and grid.context["to_approve"] == 0
    assert "提交本月数据" in _content(grid)
    response = clerk.post(f"{_unit_grid(district.town_a)}submit/")
    assert response.status_code == 302 and response["Location"] == _unit_grid(district.town_a)
    statuses = dict(Value.objects.values_list("indicator__code", "status"))
    assert statuses == {"OUTSIDE": "submitted", "NEW_ABOVE": "submitted", "FAI": "draft"}

    manager = login(district.manager_a)
    assert manager.get(_unit_grid(district.town_a)).context["to_approve"] == 2
    response = manager.post(f"{_unit_grid(district.town_a)}approve/", **HTMX)
    assert response.status_code == 200 and response["HX-Redirect"] == _unit_grid(district.town_a)
    statuses = dict(Value.objects.values_list("indicator__code", "status"))
    assert statuses == {"OUTSIDE": "approved", "NEW_ABOVE": "approved", "FAI": "draft"}
    assert Value.objects.get(indicator=catalogue.outside).approved_by == district.manager_a


def test_a_manager_of_another_unit_cannot_approve(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    value = _save(district, catalogue.outside, district.town_a, "300")
    actions.do_submit_values([value], actor=district.clerk_a)
    manager_b = _manager_of(district.town_b, "manager_b")
    client = login(manager_b)
    assert client.post(f"{_unit_grid(district.town_a)}approve/").status_code == 404
    step = client.post(f"/indicators/values/{value.pk}/step/", {"step": "approve"})
    assert step.status_code == 404
    assert client.get(f"/indicators/values/{value.pk}/").status_code == 404
    value.refresh_from_db()
    assert value.status == ValueStatus.SUBMITTED and value.approved_by is None


def test_a_clerk_cannot_approve_their_own_units_values(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    value = _save(district, catalogue.outside, district.town_a, "300")
    actions.do_submit_values([value], actor=district.clerk_a)
    client = login(district.clerk_a)
    assert client.post(f"{_unit_grid(district.town_a)}approve/").status_code == 403
    assert (
        client.post(f"/indicators/values/{value.pk}/step/", {"step": "approve"}).status_code == 403
    )
    value.refresh_from_db()
    assert value.status == ValueStatus.SUBMITTED


def test_the_manager_returns_a_value_from_the_grid_with_a_reason(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    value = _save(district, catalogue.outside, district.town_a, "300")
    actions.do_submit_values([value], actor=district.clerk_a)
    manager = login(district.manager_a)
    grid = manager.get(_unit_grid(district.town_a))
    assert "确认退回" in _content(grid)
    url = f"/indicators/values/{value.pk}/step/"
    refused = manager.post(
        url, {"step": "return", "reason": " ", "next": _unit_grid(district.town_a)}
    )
    value.refresh_from_db()
    assert refused.status_code == 302 and value.status == ValueStatus.SUBMITTED
    response = manager.post(
        url, {"step": "return", "reason": "口径有误", "next": _unit_grid(district.town_a)}
    )
    assert response["Location"] == _unit_grid(district.town_a)
    value.refresh_from_db()
    assert value.status == ValueStatus.DRAFT
    assert value.history.first().history_change_reason == "退回：口径有误"
    assert "退回：口径有误" in _content(
        login(district.clerk_a).get(f"/indicators/values/{value.pk}/")
    )


def test_a_step_goes_back_only_to_a_page_of_this_site(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    value = _save(district, catalogue.outside, district.town_a, "300")
    response = login(district.clerk_a).post(
        f"/indicators/values/{value.pk}/step/", {"step": "submit", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/indicators/values/{value.pk}/"
    value.refresh_from_db()
    assert value.status == ValueStatus.SUBMITTED


# The data provider's grid --------------------------------------------------------------------


def test_provider_grid_lists_every_unit_with_a_total_and_submits_all(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    client = login(district.provider)
    _save_cell(client, catalogue.fai, district.town_a, "1000", layout="indicator")
    row = _content(_save_cell(client, catalogue.fai, district.town_b, "500", layout="indicator"))
    # A provider grid's row is named by its unit.
    assert '<span class="fw-semibold">於潜镇</span>' in row
    response = client.get(_indicator_grid(catalogue.fai))
    page = _content(response)
    assert [cell.unit for cell in response.context["cells"]] == [district.town_a, district.town_b]
    assert response.context["totals"].shown == "1,500.0"
    assert "合计" in page and "导入统计月报" in page
    totals = client.get(_indicator_grid(catalogue.fai), {"part": "totals"}, **HTMX)
    assert _content(totals).startswith("<tr") and "1,500.0" in _content(totals)
    client.post(f"{_indicator_grid(catalogue.fai)}submit/")
    assert set(Value.objects.values_list("status", flat=True)) == {ValueStatus.SUBMITTED}
    # A provider's values are the supervisor's to approve.
    assert client.post(f"{_indicator_grid(catalogue.fai)}approve/").status_code == 403
    login(district.supervisor).post(f"{_indicator_grid(catalogue.fai)}approve/")
    assert set(Value.objects.values_list("status", flat=True)) == {ValueStatus.APPROVED}


def test_a_rate_has_no_total_and_a_clerk_sees_only_their_units(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    response = login(district.clerk_a).get(_indicator_grid(catalogue.fai))
    assert [cell.unit for cell in response.context["cells"]] == [district.town_a]
    assert not any(cell.writable for cell in response.context["cells"])
    growth = login(district.provider).get(_indicator_grid(catalogue.gdp_growth))
    assert growth.context["totals"] is None and "合计" not in _content(growth)


# A value's page ------------------------------------------------------------------------------


def test_value_page_shows_particulars_versions_and_steps(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    value = _save(district, catalogue.outside, district.town_a, "300")
    _save(district, catalogue.outside, district.town_a, "350")
    client = login(district.clerk_a)
    response = client.get(f"/indicators/values/{value.pk}/")
    page = _content(response)
    assert response.status_code == 200
    assert "350.0 万元" in page and "锦城填报员" in page
    assert page.count("history-entry") == 2
    assert response.context["steps"] == ["submit"]
    assert login(district.clerk_b).get(f"/indicators/values/{value.pk}/").status_code == 404
    assert login(district.viewer).get(f"/indicators/values/{value.pk}/").status_code == 404


def test_value_page_flags_a_printed_growth_that_differs_from_bipins(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    _save(district, catalogue.fai, district.town_a, "1000", period=LAST_YEAR)
    value = actions.do_save_value(
        indicator=catalogue.fai, unit=district.town_a, period=PERIOD, amount="1100",
        actor=district.provider, reported_growth=Decimal("10.1"),
    )  # fmt: skip
    page = _content(login(district.provider).get(f"/indicators/values/{value.pk}/"))
    assert "10.0%" in page and "10.1%" in page and 'id="growth-differs"' not in page
    actions.do_save_value(
        indicator=catalogue.fai, unit=district.town_a, period=PERIOD, amount="1100",
        actor=district.provider, reported_growth=Decimal("10.2"),
    )  # fmt: skip
    page = _content(login(district.provider).get(f"/indicators/values/{value.pk}/"))
    assert 'id="growth-differs"' in page


def test_supervisor_corrects_a_locked_value_with_a_reason(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    value = _save(district, catalogue.outside, district.town_a, "300")
    actions.do_close_period(PERIOD, actor=district.supervisor)
    url = f"/indicators/values/{value.pk}/correct/"
    assert login(district.clerk_a).post(url, {"amount": "1", "reason": "x"}).status_code == 403
    client = login(district.supervisor)
    assert 'id="correct-form"' in _content(client.get(f"/indicators/values/{value.pk}/"))
    bad = client.post(url, {"amount": "abc", "reason": "统计局更正"})
    assert bad.status_code == 200 and "无法识别的数值" in _content(bad)
    response = client.post(url, {"amount": "320", "reason": "统计局更正"})
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.amount == Decimal(320) and value.status == ValueStatus.LOCKED
    assert value.history.first().history_change_reason == "更正：统计局更正"


# Who has not submitted what ------------------------------------------------------------------


def test_progress_lists_exactly_the_pairs_with_no_value_or_a_draft(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    submitted = _save(district, catalogue.outside, district.town_a, "300")
    actions.do_submit_values([submitted], actor=district.clerk_a)
    _save(district, catalogue.new_above, district.town_a, "2")  # a draft
    _save(district, catalogue.fai, district.town_b, "900")  # a draft
    gdp = _save(district, catalogue.gdp_growth, district.town_b, "6.5")
    actions.do_submit_values([gdp], actor=district.provider)
    response = login(district.supervisor).get("/indicators/progress/2025-10/")
    assert response.status_code == 200
    pending = {
        (group.unit.name, item.indicator.code, item.status, item.owner)
        for group in response.context["groups"]
        for item in group.pending
    }
    assert pending == {
        ("锦城街道", "FAI", "", "区统计局"),
        ("锦城街道", "GDP_G", "", "区统计局"),
        ("锦城街道", "NEW_ABOVE", "draft", "锦城街道"),
        ("於潜镇", "FAI", "draft", "区统计局"),
        ("於潜镇", "OUTSIDE", "", "於潜镇"),
        ("於潜镇", "NEW_ABOVE", "", "於潜镇"),
    }
    counts = response.context["counts"]
    assert (counts["blank"], counts["draft"], counts["submitted"]) == (4, 2, 2)
    assert response.context["expected"] == 8
    by_owner = login(district.supervisor).get("/indicators/progress/2025-10/", {"owner": "units"})
    assert {item.indicator.code for g in by_owner.context["groups"] for item in g.pending} == {
        "NEW_ABOVE", "OUTSIDE",
    }  # fmt: skip
    provider = login(district.supervisor).get(
        "/indicators/progress/2025-10/", {"owner": str(district.statistics.pk)}
    )
    assert {item.indicator.code for g in provider.context["groups"] for item in g.pending} == {
        "FAI", "GDP_G",
    }  # fmt: skip


def test_progress_is_scoped_to_what_the_user_sees(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    clerk = login(district.clerk_a).get("/indicators/progress/2025-10/")
    assert {group.unit for group in clerk.context["groups"]} == {district.town_a}
    provider = login(district.provider).get("/indicators/progress/2025-10/")
    assert {item.indicator.code for g in provider.context["groups"] for item in g.pending} == {
        "FAI", "GDP_G",
    }  # fmt: skip
    assert login(district.viewer).get("/indicators/progress/").status_code == 403


def test_progress_shows_the_deadline_and_days_overdue(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    response = login(district.supervisor).get("/indicators/progress/2025-10/")
    overdue = (timezone.localdate() - date(2025, 11, 10)).days
    assert response.context["overdue_days"] == overdue
    assert f"已逾期 {overdue} 天" in _content(response)


def test_progress_export_is_the_pages_list(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    _save(district, catalogue.new_above, district.town_a, "2")
    client = login(district.supervisor)
    response = client.get("/indicators/progress/2025-10/export/", {"owner": "units"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = (
        CalamineWorkbook.from_filelike(BytesIO(response.content))
        .get_sheet_by_name("未报送")
        .to_python()
    )
    header = next(index for index, row in enumerate(rows) if "单位" in row)
    *body, totals = rows[header + 1 :]
    assert [(row[0], row[1], row[4]) for row in body] == [
        ("锦城街道", "引进市外内资", "未填报"),
        ("锦城街道", "新增规上企业数", "草稿"),
        ("於潜镇", "引进市外内资", "未填报"),
        ("於潜镇", "新增规上企业数", "未填报"),
    ]
    assert totals[0] == "合计" and totals[1] == "4 项"


def _more_units(district: District, count: int) -> None:
    for number in range(count):
        Unit.objects.create(
            kind=UnitKind.TOWN, code=f"330112{200 + number}", name=f"测试镇{number}",
            parent=district.district, order=300 + number,
        )  # fmt: skip


def _more_indicators(district: District, count: int) -> None:
    for number in range(count):
        actions.do_save_indicator(
            None, actor=district.supervisor, code=f"EXTRA{number}", name=f"附加指标{number}",
            unit_of_measure="万元", kind=IndicatorKind.CUMULATIVE, order=100 + number,
        )  # fmt: skip


def test_pages_read_a_fixed_number_of_queries_whatever_the_rows(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    supervisor = login(district.supervisor)
    provider = login(district.provider)
    pages = {
        "progress": (supervisor, "/indicators/progress/2025-10/"),
        "provider grid": (provider, _indicator_grid(catalogue.fai)),
        "unit grid": (supervisor, _unit_grid(district.town_a)),
        "periods": (supervisor, "/indicators/periods/"),
    }
    before = {name: _queries(client, url) for name, (client, url) in pages.items()}
    _more_units(district, 5)
    _more_indicators(district, 5)
    for unit in Unit.objects.filter(name__startswith="测试镇"):
        _save(district, catalogue.fai, unit, "10")
        _save(district, catalogue.outside, unit, "10", actor=district.supervisor)
    for indicator in Indicator.objects.filter(code__startswith="EXTRA"):
        _save(district, indicator, district.town_a, "5")
    after = {name: _queries(client, url) for name, (client, url) in pages.items()}
    assert after == before


# The months ----------------------------------------------------------------------------------


def test_periods_page_counts_values_by_status_and_only_the_supervisor_acts(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    today = timezone.localdate()
    month = Period.of(today).previous()
    _save(district, catalogue.outside, district.town_a, "1", period=month)
    response = login(district.supervisor).get("/indicators/periods/")
    row = next(row for row in response.context["months"] if row.period == month)
    assert row.counts == {"draft": 1}
    assert "重新计算系统指标" in _content(response)
    clerk = login(district.clerk_a).get("/indicators/periods/")
    assert clerk.status_code == 200 and "重新计算系统指标" not in _content(clerk)
    assert login(district.viewer).get("/indicators/periods/").status_code == 403


def test_supervisor_sets_a_deadline(district: District, catalogue: Catalogue, login: Login) -> None:
    url = "/indicators/periods/2025-10/deadline/"
    assert login(district.clerk_a).post(url, {"deadline": "2025-11-20"}).status_code == 403
    client = login(district.supervisor)
    bad = client.post(url, {"deadline": "2025-09-30"})
    assert "截止日期须在该月开始之后" in _content(bad)
    response = client.post(url, {"deadline": "2025-11-20"})
    assert response.status_code == 302
    assert ReportingPeriod.objects.get(year=2025, month=10).deadline == date(2025, 11, 20)


def test_closing_a_month_lists_what_is_not_approved_and_then_locks_it(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    draft = _save(district, catalogue.outside, district.town_a, "300")
    url = "/indicators/periods/2025-10/close/"
    assert login(district.manager_a).get(url).status_code == 403
    client = login(district.supervisor)
    page = _content(client.get(url))
    assert "尚未审核的数据 1 项" in page and "引进市外内资" in page
    assert "还有 7 项数据未填报" in page
    response = client.post(url)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ValueStatus.LOCKED
    assert ReportingPeriod.objects.get(year=2025, month=10).is_closed
    assert "已于" in _content(client.get(url))


def test_this_month_cannot_be_closed(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    current = Period.of(timezone.localdate())
    url = f"/indicators/periods/{_month(current)}/close/"
    client = login(district.supervisor)
    assert "本月尚未结束，不能锁定" in _content(client.get(url))
    client.post(url)
    assert not ReportingPeriod.objects.filter(closed_at__isnull=False).exists()


def test_supervisor_recomputes_the_derived_values_of_an_open_month(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    _save(district, catalogue.fai, district.town_a, "1000", period=LAST_YEAR)
    _save(district, catalogue.fai, district.town_a, "1100")
    url = "/indicators/periods/2025-10/compute/"
    assert login(district.clerk_a).post(url).status_code == 403
    response = login(district.supervisor).post(url, follow=True)
    assert "系统指标已重新计算" in _content(response)
    growth = _value(catalogue.fai_growth, district.town_a)
    assert growth is not None and growth.amount == Decimal(10)
    assert _value(catalogue.projects_1yi, district.town_a).amount == 0  # type: ignore[union-attr]


def test_deadline_days_are_shown_on_the_grid(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    current = Period.of(timezone.localdate())
    response = login(district.clerk_a).get(_unit_grid(district.town_a, current))
    left = (actions.default_deadline(current) - timezone.localdate()).days
    assert f"还剩 {left} 天" in _content(response)
    assert response.context["next_url"] == ""
    assert timedelta(days=left) >= timedelta(0)


def test_progress_month_picker_keeps_the_owner_filter(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    response = login(district.supervisor).get(
        "/indicators/progress/", {"period": "2025-10", "owner": "units"}
    )
    assert response["Location"] == "/indicators/progress/2025-10/?owner=units"


def test_the_actions_bar_alone_comes_back_after_a_cell_is_saved(
    district: District, catalogue: Catalogue, login: Login
) -> None:
    client = login(district.clerk_a)
    _save_cell(client, catalogue.outside, district.town_a, "300")
    part = client.get(_unit_grid(district.town_a), {"part": "actions"}, **HTMX)
    page = _content(part)
    assert page.startswith('<div id="entry-actions"') and "提交本月数据" in page
    assert 'hx-trigger="values-changed from:body"' in page
