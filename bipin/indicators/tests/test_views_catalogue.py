"""The catalogue pages: the list with its filters, an indicator's page (particulars,
formula, history, and for a derived indicator every unit's computed value), the records a
derived value counted, and the supervisor's forms.

Every page is checked for a user who may use it, one who may not (403), another unit's
records (404), and its query count.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bipin.conftest import District
from bipin.indicators.actions import do_save_indicator, do_save_value
from bipin.indicators.choices import IndicatorKind
from bipin.indicators.models import Indicator
from bipin.indicators.tests.conftest import LAST_YEAR, PERIOD, Catalogue
from bipin.indicators.views.catalogue import record_url
from bipin.org.models import Unit, User
from bipin.projects import actions as projects
from bipin.projects.choices import Stage
from bipin.projects.models import Industry, Milestone, Project

Login = Callable[[User], Client]


def _content(response: Any) -> str:
    return response.content.decode()


def _queries(client: Client, url: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(queries)


def _signed(district: District, unit: Unit, amount: int, on: date, **fields: Any) -> Project:
    """A project signed on `on`, entered through the projects' action."""
    number = Project.objects.count() + 1
    particulars: dict[str, Any] = {
        "name": f"测试签约项目{number}",
        "investor_name": f"测试投资方{number}有限公司",
        "industry": Industry.objects.get(code="39"),
        "contracted_investment": Decimal(amount),
        "responsible_unit": unit,
    }
    particulars.update(fields)
    return projects.do_create_project(
        actor=district.supervisor, stage=Stage.SIGNED, stage_on=on, **particulars
    )


def _records_url(indicator: Indicator, unit: Unit, year: int = 2025, month: int = 10) -> str:
    return reverse(
        "indicators:derived_records",
        kwargs={"pk": indicator.pk, "unit_pk": unit.pk, "year": year, "month": month},
    )


@pytest.fixture
def signed(district: District, catalogue: Catalogue) -> dict[str, Project]:
    """锦城 signs two new projects of 1亿 and more in 2025 (counted by PROJ_1YI), and one
    below 1亿 and a capital increase (not counted); 於潜 signs one of 1亿."""
    return {
        "first": _signed(district, district.town_a, 20000, date(2025, 1, 5)),
        "second": _signed(district, district.town_a, 150000, date(2025, 3, 10)),
        "small": _signed(district, district.town_a, 5000, date(2025, 4, 1)),
        "increase": _signed(
            district, district.town_a, 30000, date(2025, 5, 1), is_capital_increase=True
        ),
        "late": _signed(district, district.town_a, 30000, date(2025, 11, 3)),
        "yuqian": _signed(district, district.town_b, 11000, date(2025, 2, 6)),
    }


# The list ----------------------------------------------------------------------------------


def test_anyone_signed_in_reads_the_catalogue_with_each_indicators_owner_and_source(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    for user in (district.clerk_a, district.viewer, district.provider, district.supervisor):
        content = _content(login(user).get(reverse("indicators:list")))
        assert "固定资产投资" in content and "项目开工率" in content
        assert "区统计局" in content  # FAI's and GDP_G's data provider
        assert "各单位填报" in content  # OUTSIDE, NEW_ABOVE
        assert "根据“固定资产投资”计算" in content  # FAI_G, computed from FAI
        assert "万元" in content and "越大越好" in content


def test_only_the_supervisor_is_offered_a_new_indicator(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    create = reverse("indicators:indicator_create")
    assert create in _content(login(district.supervisor).get(reverse("indicators:list")))
    assert create not in _content(login(district.clerk_a).get(reverse("indicators:list")))


def test_anonymous_visitor_is_sent_to_the_login_page(catalogue: Catalogue) -> None:
    response = Client().get(reverse("indicators:list"))
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=growth", {"FAI_G", "GDP_G"}),
        ("source=derived", {"FAI_G", "PROJ_1YI", "START_RATE"}),
        ("q=开工", {"START_RATE"}),
        ("q=outside", {"OUTSIDE"}),
    ],
)
def test_the_catalogue_filters_by_kind_source_and_search(
    login: Login, district: District, catalogue: Catalogue, query: str, expected: set[str]
) -> None:
    content = _content(login(district.clerk_a).get(f"{reverse('indicators:list')}?{query}"))
    shown = {
        code
        for code in Indicator.objects.values_list("code", flat=True)
        if f"<code>{code}</code>" in content
    }
    assert shown == expected


def test_the_catalogue_filters_by_provider_and_htmx_gets_the_rows_only(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    url = f"{reverse('indicators:list')}?provider={district.statistics.pk}"
    response = login(district.clerk_a).get(url, HTTP_HX_REQUEST="true")
    content = _content(response)
    assert "<html" not in content
    assert "<code>FAI</code>" in content and "<code>GDP_G</code>" in content
    assert "<code>OUTSIDE</code>" not in content


def test_the_catalogues_query_count_does_not_grow_with_its_indicators(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.supervisor)
    url = reverse("indicators:list")
    before = _queries(client, url)
    for number in range(8):
        do_save_indicator(
            None, actor=district.supervisor, code=f"EXTRA{number}", name=f"附加指标{number}",
            unit_of_measure="万元", kind=IndicatorKind.CUMULATIVE, provider=district.office,
        )  # fmt: skip
    do_save_indicator(
        None, actor=district.supervisor, code="EXTRA_G", name="附加指标增速",
        unit_of_measure="%", kind=IndicatorKind.GROWTH, source="derived",
        base=Indicator.objects.get(code="EXTRA0"),
    )  # fmt: skip
    assert _queries(client, url) == before


# An indicator's page -----------------------------------------------------------------------


def test_an_indicators_page_shows_its_particulars_formula_and_history(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    content = _content(login(district.clerk_a).get(catalogue.fai_growth.get_absolute_url()))
    assert "本期累计 ÷ 上年同期累计 − 1" in content
    assert catalogue.fai.get_absolute_url() in content  # its base
    assert 'id="history"' in content and "测试指标" in content  # the reason it was created
    typed = _content(login(district.clerk_a).get(catalogue.gdp_growth.get_absolute_url()))
    assert "由区统计局按月为各单位统一报送" in typed
    assert 'id="computed"' not in typed  # typed in: no computed values


def test_a_derived_indicators_page_lists_every_units_value_with_its_records(
    login: Login, district: District, catalogue: Catalogue, signed: dict[str, Project]
) -> None:
    url = f"{catalogue.projects_1yi.get_absolute_url()}?period=2025-10"
    content = _content(login(district.supervisor).get(url))
    assert "计入本单位的亿元以上新项目个数" in content  # the derivation's formula
    assert "2025年1-10月" in content
    assert "锦城街道" in content and "於潜镇" in content
    assert _records_url(catalogue.projects_1yi, district.town_a) in content
    assert _records_url(catalogue.projects_1yi, district.town_b) in content
    assert "2 个" in content and "1 个" in content  # 锦城 2, 於潜 1
    assert "尚未计算入库" in content  # nothing computed into values yet


def test_a_units_people_see_only_their_units_computed_values(
    login: Login, district: District, catalogue: Catalogue, signed: dict[str, Project]
) -> None:
    url = f"{catalogue.projects_1yi.get_absolute_url()}?period=2025-10"
    content = _content(login(district.clerk_a).get(url))
    assert _records_url(catalogue.projects_1yi, district.town_a) in content
    assert "於潜镇" not in content
    assert _records_url(catalogue.projects_1yi, district.town_b) not in content


def test_a_growths_page_shows_the_base_amounts_and_why_a_growth_is_missing(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    for period, amount in ((PERIOD, "1200"), (LAST_YEAR, "1000")):
        do_save_value(
            indicator=catalogue.fai, unit=district.town_a, period=period, amount=amount,
            actor=district.provider,
        )  # fmt: skip
    do_save_value(
        indicator=catalogue.fai, unit=district.town_b, period=PERIOD, amount="800",
        actor=district.provider,
    )  # fmt: skip
    url = f"{catalogue.fai_growth.get_absolute_url()}?period={PERIOD}"
    content = _content(login(district.supervisor).get(url))
    assert "1,200.0 万元" in content and "1,000.0 万元" in content
    assert "20.0%" in content  # 1200 ÷ 1000 − 1
    assert "上年同期无数据" in content  # 於潜 has no 2024 value


def test_an_unreadable_period_is_named_and_the_last_month_shown(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    url = f"{catalogue.projects_1yi.get_absolute_url()}?period=十月"
    response = login(district.supervisor).get(url)
    assert response.status_code == 200
    assert "无法识别的期间“十月”" in _content(response)


def test_the_indicator_pages_query_count_does_not_grow_with_the_records(
    login: Login, district: District, catalogue: Catalogue, signed: dict[str, Project]
) -> None:
    client = login(district.supervisor)
    url = f"{catalogue.projects_1yi.get_absolute_url()}?period=2025-10"
    before = _queries(client, url)
    for month in (6, 7, 8):
        _signed(district, district.town_b, 40000, date(2025, month, 2))
    Unit.objects.create(kind="town", code="330112103", name="太湖源镇", parent=district.district)
    assert _queries(client, url) == before


# The records a derived value counted -------------------------------------------------------


def test_the_records_page_lists_exactly_the_projects_counted(
    login: Login, district: District, catalogue: Catalogue, signed: dict[str, Project]
) -> None:
    response = login(district.clerk_a).get(_records_url(catalogue.projects_1yi, district.town_a))
    assert response.status_code == 200
    content = _content(response)
    listed = {name for name, project in signed.items() if project.code in content}
    assert listed == {"first", "second"}
    assert signed["first"].get_absolute_url() in content
    assert signed["second"].get_absolute_url() in content
    assert "计入的记录 2 条" in content
    assert "2 个" in content  # the computed value equals the records listed


def test_another_units_records_are_not_found(
    login: Login, district: District, catalogue: Catalogue, signed: dict[str, Project]
) -> None:
    url = _records_url(catalogue.projects_1yi, district.town_a)
    assert login(district.clerk_b).get(url).status_code == 404
    assert login(district.viewer).get(url).status_code == 404
    own = _content(
        login(district.clerk_b).get(_records_url(catalogue.projects_1yi, district.town_b))
    )
    assert signed["yuqian"].code in own and signed["first"].code not in own


def test_records_are_only_for_derived_indicators_units_they_apply_to_and_real_months(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.supervisor)
    assert client.get(_records_url(catalogue.fai, district.town_a)).status_code == 404
    assert client.get(_records_url(catalogue.fai_growth, district.town_a)).status_code == 404
    assert client.get(_records_url(catalogue.projects_1yi, district.office)).status_code == 404
    assert (
        client.get(_records_url(catalogue.projects_1yi, district.town_a, 2025, 13)).status_code
        == 404
    )
    assert client.get(_records_url(catalogue.projects_1yi, district.town_a)).status_code == 200


def test_the_records_pages_query_count_does_not_grow_with_the_records(
    login: Login, district: District, catalogue: Catalogue, signed: dict[str, Project]
) -> None:
    client = login(district.clerk_a)
    url = _records_url(catalogue.projects_1yi, district.town_a)
    before = _queries(client, url)
    for month in (6, 7, 8, 9):
        _signed(district, district.town_a, 40000, date(2025, month, 2))
    assert _queries(client, url) == before


def test_a_counted_milestone_links_to_its_projects_page(
    district: District, catalogue: Catalogue, signed: dict[str, Project]
) -> None:
    milestone = Milestone.objects.filter(project=signed["first"]).first()
    assert milestone is not None
    assert record_url(milestone) == signed["first"].get_absolute_url()
    assert record_url(signed["first"]) == signed["first"].get_absolute_url()


# Forms -------------------------------------------------------------------------------------


def _form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "MFG_INV",
        "name": "制造业投资",
        "unit_of_measure": "万元",
        "kind": IndicatorKind.CUMULATIVE,
        "direction": "higher",
        "decimals": "1",
        "provider": "",
        "source": "manual",
        "derivation": "",
        "base": "",
        "unit_kinds": ["subdistrict", "town"],
        "description": "",
        "order": "10",
        "active": "on",
    }
    data.update(changes)
    return data


def test_the_supervisor_adds_an_indicator(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.supervisor)
    assert client.get(reverse("indicators:indicator_create")).status_code == 200
    response = client.post(
        reverse("indicators:indicator_create"), _form(provider=str(district.statistics.pk))
    )
    indicator = Indicator.objects.get(code="MFG_INV")
    assert response.status_code == 302 and response["Location"] == indicator.get_absolute_url()
    assert indicator.provider == district.statistics
    assert indicator.unit_kinds == "subdistrict,town"
    assert indicator.history.count() == 1


def test_a_clerk_may_not_add_or_change_an_indicator(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.clerk_a)
    assert client.get(reverse("indicators:indicator_create")).status_code == 403
    assert client.post(reverse("indicators:indicator_create"), _form()).status_code == 403
    edit = reverse("indicators:indicator_edit", args=[catalogue.fai.pk])
    assert client.post(edit, _form(code="FAI", reason="改")).status_code == 403
    assert not Indicator.objects.filter(code="MFG_INV").exists()
    assert (
        login(district.supervisor)
        .get(reverse("indicators:indicator_edit", args=[999999]))
        .status_code
        == 404
    )


def test_a_refused_indicator_names_the_field(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.supervisor)
    response = client.post(reverse("indicators:indicator_create"), _form(source="derived"))
    assert response.status_code == 200
    content = _content(response)
    assert "计算方法：系统计算指标须选择计算方法" in content  # under the derivation field
    response = client.post(
        reverse("indicators:indicator_create"),
        _form(kind=IndicatorKind.STOCK, source="derived", base=str(catalogue.fai.pk)),
    )
    assert "基础指标：只有增速指标才能有基础指标。" in _content(response)
    response = client.post(reverse("indicators:indicator_create"), _form(unit_kinds=[]))
    assert "请至少选择一种报送本指标的单位类型。" in _content(response)
    assert not Indicator.objects.filter(code="MFG_INV").exists()


def test_a_change_of_an_indicator_needs_a_reason_and_keeps_it(
    login: Login, district: District, catalogue: Catalogue
) -> None:
    client = login(district.supervisor)
    url = reverse("indicators:indicator_edit", args=[catalogue.outside.pk])
    changed = _form(code="OUTSIDE", name="引进市外内资", decimals="2")
    response = client.post(url, changed)
    assert response.status_code == 200 and "修改指标须说明原因" in _content(response)
    catalogue.outside.refresh_from_db()
    assert catalogue.outside.decimals == 1
    response = client.post(url, {**changed, "reason": "按统计局口径保留两位小数"})
    assert response.status_code == 302
    catalogue.outside.refresh_from_db()
    assert catalogue.outside.decimals == 2
    page = _content(client.get(catalogue.outside.get_absolute_url()))
    assert "按统计局口径保留两位小数" in page
