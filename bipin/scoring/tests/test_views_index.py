"""The high-quality development index page (scoring:index): the form, the ranking with the
normalisation named, both normalisations' weights, the data matrix with its filled cells,
the Excel export, and who may index whose units."""

from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from bipin.indicators.models import Target, Value
from bipin.org.choices import UnitKind
from bipin.org.models import GroupMember, Unit
from bipin.scoring import actions
from bipin.scoring.tests.conftest import SEPTEMBER, Competition, put_value

URL = "/scoring/index/"


def _query(competition: Competition, **changes: Any) -> dict[str, Any]:
    catalogue = competition.catalogue
    query: dict[str, Any] = {
        "period": "2026-09",
        "units_from": "group",
        "group": competition.district.group.pk,
        "indicators": [catalogue.fai.pk, catalogue.gdp_growth.pk, catalogue.outside.pk],
        "normalization": "sum",
    }
    query.update(changes)
    return query


def _published(competition: Competition) -> None:
    supervisor = competition.district.supervisor
    actions.do_publish_run(
        actions.do_score(competition.scheme, SEPTEMBER, actor=supervisor), actor=supervisor
    )


def _ranking(response: Any) -> list[tuple[int, str, Decimal]]:
    return [
        (row.rank, row.unit.short_name, row.index) for row in response.context["result"].results
    ]


def test_the_supervisor_sees_the_ranking_the_weights_and_the_matrix(
    competition: Competition, login: Any
) -> None:
    response = login(competition.district.supervisor).get(URL, _query(competition))
    assert response.status_code == 200
    assert [(rank, name) for rank, name, _index in _ranking(response)] == [
        (1, "锦城"),
        (2, "於潜"),
        (3, "太湖源"),
    ]
    page = response.content.decode()
    # The normalisation used is named beside the ranking and above its weights column,
    # the other one above the comparison column.
    assert page.count("比重法 p = x / Σx") >= 3
    assert 'data-normalization="sum"' in page and 'data-normalization="minmax"' in page
    result = response.context["result"]
    weights = response.context["weight_rows"]
    assert [row["weight"] for row in weights] == [f"{row.weight:.4f}" for row in result.indicators]
    assert all(row["other_weight"] for row in weights)
    # 太湖源 has no approved 引进市外内资: shown with the value it was scored on, marked.
    assert page.count('data-filled="1"') == 1
    assert "600.0*" in page
    assert '<details class="mb-3" id="index-matrix">' in page  # collapsed
    first = result.results[0]
    assert f"{first.index}" in page


def test_the_first_visit_shows_the_years_first_group_with_its_schemes_indicators(
    competition: Competition, login: Any
) -> None:
    _published(competition)
    response = login(competition.district.leader).get(URL)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.period == SEPTEMBER
    assert [row.indicator.code for row in result.indicators] == [
        "FAI",
        "OUTSIDE",
        "GDP_G",
        "START_RATE",
    ]
    assert {row.unit.short_name for row in result.results} == {"锦城", "於潜", "太湖源"}
    assert "export=xlsx" in response.content.decode()


def test_the_first_visit_turns_to_minmax_when_a_value_is_negative_and_says_so(
    competition: Competition, login: Any
) -> None:
    Value.objects.filter(
        indicator=competition.catalogue.gdp_growth, unit=competition.town_c
    ).update(amount=Decimal("-1.5"))
    _published(competition)
    client = login(competition.district.supervisor)
    response = client.get(URL)
    assert response.context["result"].normalization == "minmax"
    assert "“地区生产总值增速”有负值（太湖源镇：-1.5）" in response.context["switched"]
    assert 'id="index-switched"' in response.content.decode()
    # Asked for explicitly, 比重法 is refused with the reason, not switched.
    response = client.get(URL, _query(competition))
    assert response.context["result"] is None
    assert "比重法要求数值不小于 0。请改用极差法。" in response.content.decode()


def test_hand_picked_units_and_all_towns(competition: Competition, login: Any) -> None:
    district = competition.district
    client = login(district.supervisor)
    picked = client.get(
        URL, _query(competition, units_from="units", units=[district.town_a.pk, district.office.pk])
    )
    assert {name for _rank, name, _index in _ranking(picked)} == {"锦城", "发改局"}
    towns = client.get(URL, _query(competition, units_from="towns"))
    assert {name for _rank, name, _index in _ranking(towns)} == {"锦城", "於潜", "太湖源"}


def test_a_form_that_cannot_be_indexed_says_why(competition: Competition, login: Any) -> None:
    district = competition.district
    client = login(district.supervisor)
    cases = [
        (_query(competition, units_from="units", units=[district.town_a.pk]), "至少需要两个单位"),
        (_query(competition, units_from="units"), "请选择参评单位。"),
        (_query(competition, units_from="towns", indicators=[]), "请至少选择一个指标。"),
        (_query(competition, period="2025-09"), "是 2026 年的比拼组，所选月份在 2025 年"),
    ]
    for query, message in cases:
        response = client.get(URL, query)
        assert response.status_code == 200
        assert response.context["result"] is None
        assert message in response.content.decode(), message


def test_a_units_people_may_not_use_the_index(competition: Competition, login: Any) -> None:
    """It compares units on their numbers, which a unit's people do not read across units."""
    district = competition.district
    for user in (district.clerk_a, district.manager_a, district.clerk_b, district.provider):
        for query in ({}, _query(competition)):
            response = login(user).get(URL, query)
            assert response.status_code == 403
            assert "只有督查室和区领导可以使用" in response.content.decode()


def test_the_big_screen_may_not_use_the_index(competition: Competition, login: Any) -> None:
    assert login(competition.district.viewer).get(URL).status_code == 403
    assert login(competition.district.viewer).get(URL, _query(competition)).status_code == 403


def test_signing_in_comes_first(competition: Competition, client: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_htmx_gets_the_result_only(competition: Competition, login: Any) -> None:
    response = login(competition.district.leader).get(
        URL, _query(competition), HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert page.startswith('<div id="index-result">')
    assert "<html" not in page and "index-ranking" in page


def _sheet(workbook: CalamineWorkbook, name: str) -> list[list[Any]]:
    return workbook.get_sheet_by_name(name).to_python()


def test_the_export_holds_the_three_tables_of_the_page(
    competition: Competition, login: Any
) -> None:
    client = login(competition.district.supervisor)
    page = client.get(URL, _query(competition))
    result = page.context["result"]
    response = client.get(URL, {**_query(competition), "export": "xlsx"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = CalamineWorkbook.from_filelike(BytesIO(response.content))
    assert workbook.sheet_names == ["排名", "权重", "数据"]

    ranking = _sheet(workbook, "排名")
    assert "比重法 p = x / Σx" in ranking[0][0]
    assert ranking[1][:3] == ["名次", "单位", "发展指数"]
    assert [(row[0], row[1], row[2]) for row in ranking[2:]] == [
        (row.rank, row.unit.name, float(row.index)) for row in result.results
    ]

    weights = _sheet(workbook, "权重")
    assert "极差法" in weights[0][0]
    assert weights[1][3:5] == ["权重（所选标准化）", "权重（另一种标准化）"]
    body, totals = weights[2:-1], weights[-1]
    assert [row[0] for row in body] == ["固定资产投资", "地区生产总值增速", "引进市外内资"]
    assert [row[3] for row in body] == pytest.approx([row.weight for row in result.indicators])
    assert [row[4] for row in body] == pytest.approx(
        [row.other_weight for row in result.indicators]
    )
    assert body[2][6] == 600  # what 太湖源's missing 引进市外内资 counted as
    assert totals[0] == "合计" and totals[3] == pytest.approx(1.0)

    matrix = _sheet(workbook, "数据")
    assert matrix[1] == [
        "单位",
        "固定资产投资（万元）",
        "地区生产总值增速（%）",
        "引进市外内资（万元）",
    ]
    rows = {row[0]: row[1:] for row in matrix[2:]}
    assert rows["锦城街道"] == [900, 8, 600]
    assert rows["太湖源镇"][2] == ""  # missing, not the filled number


def test_the_page_query_count_does_not_grow_with_the_units(
    competition: Competition, login: Any
) -> None:
    client = login(competition.district.leader)
    client.get(URL, _query(competition))
    with CaptureQueriesContext(connection) as three:
        client.get(URL, _query(competition))
    catalogue = competition.catalogue
    for number in range(4):
        town = Unit.objects.create(
            kind=UnitKind.TOWN,
            code=f"330112{300 + number}",
            name=f"测试{number}镇",
            parent=competition.district.district,
            order=300 + number,
        )
        GroupMember.objects.create(group=competition.district.group, unit=town, year=2026)
        for indicator, amount in ((catalogue.fai, "500"), (catalogue.gdp_growth, "7")):
            put_value(indicator, town, amount)
        Target.objects.create(indicator=catalogue.fai, unit=town, year=2026, amount=Decimal(1000))
    with CaptureQueriesContext(connection) as seven:
        response = client.get(URL, _query(competition))
    assert len(response.context["result"].results) == 7
    assert len(seven) == len(three)
