"""The indicator data's API: the catalogue, targets, monthly values and their workflow,
reporting periods, and the list of what has not been submitted.

Each endpoint is called by session and by personal token: a user who may use it, a user
who sees the object but may not change it (403 with the action's message), another
unit's object (404, as one that does not exist). The bad inputs of issue 5 are refused
through the API with their specific message, and nothing changes.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bipin.conftest import PASSWORD, District
from bipin.core.choices import Role
from bipin.core.periods import Period
from bipin.indicators import actions
from bipin.indicators.choices import ValueStatus
from bipin.indicators.models import Indicator, ReportingPeriod, Target, Value
from bipin.indicators.tests.conftest import LAST_YEAR, PERIOD, Catalogue
from bipin.org.models import Unit, User
from bipin.org.tests.test_api import Api, bearer

NOT_FOUND = "未找到该对象，或您无权访问。"
P = str(PERIOD)  # "2025-10"


class Api2(Api):
    """The shared API client, with PUT."""

    def put(self, url: str, payload: Any) -> Any:
        return self.client.put(url, payload, content_type="application/json", **self.headers)


ApiFor = Callable[[User], Api2]


@pytest.fixture(params=["session", "token"])
def api(request: pytest.FixtureRequest, district: District) -> ApiFor:
    """`api(district.clerk_a)` calls the API as clerk_a, once by session, once by token."""
    return lambda user: Api2(user, request.param)


@pytest.fixture
def manager_b(district: District) -> User:
    """The head of 於潜镇: approves 於潜's values, sees none of 锦城's."""
    return User.objects.create_user(
        username="manager_b",
        password=PASSWORD,
        name="於潜主任",
        unit=district.town_b,
        role=Role.UNIT_MANAGER,
    )


def save(
    catalogue: Catalogue,
    indicator: Indicator,
    unit: Unit,
    amount: Any,
    actor: User,
    period: Period = PERIOD,
) -> Value:
    return Value.objects.select_related("indicator", "unit").get(
        pk=actions.do_save_value(
            indicator=indicator, unit=unit, period=period, amount=amount, actor=actor
        ).pk
    )


def submit(value: Value, actor: User) -> Value:
    actions.do_submit_values([value], actor=actor)
    return value


@pytest.fixture
def outside_a(district: District, catalogue: Catalogue) -> Value:
    """锦城's own 引进市外内资 of October, submitted."""
    return submit(
        save(catalogue, catalogue.outside, district.town_a, "1000", district.clerk_a),
        district.clerk_a,
    )


@pytest.fixture
def outside_b(district: District, catalogue: Catalogue) -> Value:
    """於潜's own 引进市外内资 of October, submitted."""
    return submit(
        save(catalogue, catalogue.outside, district.town_b, "700", district.clerk_b),
        district.clerk_b,
    )


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def _errors(response: Any) -> list[dict[str, str]]:
    return response.json()["errors"]


def _state(value: Value) -> tuple[Decimal, str]:
    value.refresh_from_db()
    return value.amount, value.status


# No credentials -----------------------------------------------------------------------------


def test_without_credentials_the_api_answers_401(outside_a: Value) -> None:
    client = Client()
    for url in ("/api/indicators", "/api/targets", "/api/values", f"/api/values/{outside_a.pk}"):
        assert client.get(url).status_code == 401
    response = client.post(
        "/api/values/approve", {"ids": [outside_a.pk]}, content_type="application/json"
    )
    assert response.status_code == 401
    assert _state(outside_a)[1] == ValueStatus.SUBMITTED


# The catalogue --------------------------------------------------------------------------------


def test_everyone_signed_in_reads_the_catalogue_with_the_pages_filters(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    client = api(district.viewer)
    assert len(_ids(client.get("/api/indicators"))) == 7
    assert _ids(client.get("/api/indicators", {"source": "derived"})) == {
        catalogue.fai_growth.pk,
        catalogue.projects_1yi.pk,
        catalogue.start_rate.pk,
    }
    assert _ids(client.get("/api/indicators", {"q": "固定资产"})) == {
        catalogue.fai.pk,
        catalogue.fai_growth.pk,
    }
    assert _ids(client.get("/api/indicators", {"provider": district.statistics.pk})) == {
        catalogue.fai.pk,
        catalogue.gdp_growth.pk,
    }
    assert client.get("/api/indicators", {"kind": "speed"}).status_code == 422
    item = client.get("/api/indicators", {"q": "FAI_G"}).json()["items"][0]
    assert (item["kind"], item["kind_label"], item["source_label"]) == (
        "growth",
        "增速",
        "系统计算",
    )
    assert item["base_id"] == catalogue.fai.pk
    assert item["unit_kinds"] == ["subdistrict", "town"]


def test_a_derived_indicator_comes_with_its_computations_label_and_formula(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    client = api(district.clerk_a)
    body = client.get(f"/api/indicators/{catalogue.projects_1yi.pk}").json()
    assert body["derivation"] == "signed_projects_1yi"
    assert body["derivation_label"] == "新签约亿元以上项目数"
    assert "亿元以上新项目个数" in body["formula"]
    growth = client.get(f"/api/indicators/{catalogue.fai_growth.pk}").json()
    assert growth["derivation_label"] == "同比增速"
    assert "上年同期累计" in growth["formula"] and "固定资产投资" in growth["formula"]
    assert growth["base_name"] == "固定资产投资"
    manual = client.get(f"/api/indicators/{catalogue.fai.pk}").json()
    assert (manual["formula"], manual["provider_name"]) == (None, "区统计局")
    assert client.get("/api/indicators/999999").status_code == 404


def _new_indicator(**changes: Any) -> dict[str, Any]:
    return {
        "code": "IND_INV",
        "name": "工业投资",
        "unit_of_measure": "万元",
        "kind": "cumulative",
        "decimals": 1,
        "reason": "新增考核指标",
        **changes,
    }


def test_the_supervisor_adds_and_changes_an_indicator(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    client = api(district.supervisor)
    response = client.post("/api/indicators", _new_indicator(provider_id=district.statistics.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["provider_name"], body["source"]) == (
        "IND_INV",
        "区统计局",
        "manual",
    )
    response = client.patch(
        f"/api/indicators/{body['id']}",
        {"provider_id": None, "unit_kinds": ["town"], "reason": "改由各镇填报"},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["provider_id"], response.json()["unit_kinds"]) == (None, ["town"])
    indicator = Indicator.objects.get(code="IND_INV")
    assert (indicator.provider_id, indicator.unit_kinds) == (None, "town")
    assert indicator.history.latest().history_change_reason == "改由各镇填报"
    response = client.patch(f"/api/indicators/{body['id']}", {"name": None, "description": None})
    assert response.status_code == 400
    assert _errors(response) == [{"field": "name", "message": "该字段不能为空。"}]
    assert Indicator.objects.get(code="IND_INV").name == "工业投资"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "FAI"}, "code", "具有 指标代码 的 指标 已存在。"),
        ({"source": "derived"}, "derivation", "系统计算指标须选择计算方法，或（增速指标）选择基础指标。"),
        ({"provider_id": "town_a"}, "provider_id", "数据提供部门须是部门。"),
        ({"provider_id": 999999}, "provider_id", "没有编号为 999999 的单位。"),
        ({"base_id": "fai"}, "base_id", "只有增速指标才能有基础指标。"),
    ],
)  # fmt: skip
def test_an_indicator_that_breaks_a_rule_is_400_naming_the_field(
    district: District,
    api: ApiFor,
    catalogue: Catalogue,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    if changes.get("provider_id") == "town_a":
        changes = {"provider_id": district.town_a.pk}
    if changes.get("base_id") == "fai":
        changes = {"base_id": catalogue.fai.pk}
    response = api(district.supervisor).post("/api/indicators", _new_indicator(**changes))
    assert response.status_code == 400, response.content
    assert _errors(response) == [{"field": field, "message": message}]
    assert Indicator.objects.count() == 7


@pytest.mark.parametrize("who", ["leader", "manager_a", "clerk_a", "provider", "viewer"])
def test_only_the_supervisor_keeps_the_catalogue(
    district: District, api: ApiFor, catalogue: Catalogue, who: str
) -> None:
    client = api(getattr(district, who))
    response = client.post("/api/indicators", _new_indicator())
    assert response.status_code == 403
    assert response.json()["detail"] == "只有督查室可以维护指标目录。"
    response = client.patch(f"/api/indicators/{catalogue.fai.pk}", {"name": "投资"})
    assert response.status_code == 403
    assert client.patch("/api/indicators/999999", {"name": "投资"}).status_code == 404
    assert Indicator.objects.count() == 7
    assert Indicator.objects.get(pk=catalogue.fai.pk).name == "固定资产投资"


# Targets --------------------------------------------------------------------------------------


def _target(catalogue: Catalogue, unit: Unit, **changes: Any) -> dict[str, Any]:
    return {
        "indicator_id": catalogue.outside.pk,
        "unit_id": unit.pk,
        "year": PERIOD.year,
        "amount": "1,200",
        **changes,
    }


def test_the_supervisor_sets_a_target_with_its_phasing_and_changes_it_with_a_reason(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    client = api(district.supervisor)
    phasing = [100 * month for month in range(1, 12)] + ["1,200"]
    response = client.put(
        "/api/targets", _target(catalogue, district.town_a, phasing=phasing, note="区定目标")
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["amount"], body["phasing"][0], body["phasing"][-1]) == ("1200", "100", "1200")
    assert body["unit_name"] == "锦城街道"
    target = Target.objects.get()
    assert target.amount == Decimal(1200)
    assert target.phased_amounts() == [Decimal(100 * month) for month in range(1, 13)]
    # The year has started: a change needs a reason.
    response = client.put("/api/targets", _target(catalogue, district.town_a, amount=1500))
    assert response.status_code == 400
    assert _errors(response) == [
        {"field": "reason", "message": "2025 年已开始，修改目标须说明原因。"}
    ]
    response = client.put(
        "/api/targets", _target(catalogue, district.town_a, amount="1300", reason="区里调整")
    )
    assert response.status_code == 200
    assert response.json()["amount"] == "1300" and response.json()["phasing"] is None
    assert Target.objects.get().history.latest().history_change_reason == "区里调整"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "-100"}, "amount", "“引进市外内资”不能为负数：-100"),
        ({"amount": "abc"}, "amount", "无法识别的数值“abc”，应写作 12.5、12.5% 或 1,234.5"),
        ({"phasing": ["x", *range(2, 13)], "amount": 12}, "phasing", "1月：无法识别的数值“x”，应写作 12.5、12.5% 或 1,234.5"),
        ({"phasing": [1, 2, 3]}, "phasing", "分月目标须有 1-12 月共 12 个数。"),
    ],
)  # fmt: skip
def test_a_target_that_breaks_a_rule_is_refused_and_nothing_changes(
    district: District,
    api: ApiFor,
    catalogue: Catalogue,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    actions.do_set_target(
        indicator=catalogue.outside, unit=district.town_a, year=PERIOD.year, amount="1000",
        actor=district.supervisor,
    )  # fmt: skip
    response = api(district.supervisor).put(
        "/api/targets", _target(catalogue, district.town_a, reason="调整", **changes)
    )
    assert response.status_code == 400, response.content
    assert _errors(response) == [{"field": field, "message": message}]
    assert Target.objects.get().amount == Decimal(1000)


def test_a_target_of_a_unit_that_does_not_report_the_indicator_is_refused(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    response = api(district.supervisor).put("/api/targets", _target(catalogue, district.office))
    assert response.status_code == 400
    assert response.json()["detail"] == "区发展和改革局不报送“引进市外内资”，不能设置目标。"
    assert not Target.objects.exists()


def test_who_may_see_a_target_may_not_set_it_and_another_units_is_404(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    for who in (district.leader, district.manager_a, district.clerk_a, district.provider):
        response = api(who).put("/api/targets", _target(catalogue, district.town_a))
        assert response.status_code == 403
        assert response.json()["detail"] == "只有督查室可以设置目标。"
    for who in (district.clerk_b, district.viewer):
        response = api(who).put("/api/targets", _target(catalogue, district.town_a))
        assert response.status_code == 404
    response = api(district.supervisor).put(
        "/api/targets", _target(catalogue, district.town_a, indicator_id=999999)
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "没有编号为 999999 的指标，或您无权访问。"
    assert not Target.objects.exists()


def test_each_user_lists_the_targets_they_may_see(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    def target(indicator: Indicator, unit: Unit) -> int:
        return actions.do_set_target(
            indicator=indicator, unit=unit, year=PERIOD.year, amount="10",
            actor=district.supervisor,
        ).pk  # fmt: skip

    outside_a = target(catalogue.outside, district.town_a)
    outside_b = target(catalogue.outside, district.town_b)
    fai_b = target(catalogue.fai, district.town_b)
    assert _ids(api(district.clerk_a).get("/api/targets")) == {outside_a}
    assert _ids(api(district.clerk_b).get("/api/targets")) == {outside_b, fai_b}
    assert _ids(api(district.provider).get("/api/targets")) == {fai_b}
    assert _ids(api(district.viewer).get("/api/targets")) == set()
    supervisor = api(district.supervisor)
    assert _ids(supervisor.get("/api/targets", {"unit": district.town_b.pk})) == {outside_b, fai_b}
    assert _ids(supervisor.get("/api/targets", {"indicator": catalogue.fai.pk})) == {fai_b}
    assert _ids(supervisor.get("/api/targets", {"year": PERIOD.year - 1})) == set()
    item = supervisor.get("/api/targets", {"indicator": catalogue.fai.pk}).json()["items"][0]
    assert (item["amount"], item["unit_of_measure"]) == ("10", "万元")


# Values: reading ------------------------------------------------------------------------------


def test_each_user_lists_the_values_they_may_see_with_the_pages_filters(
    district: District, api: ApiFor, catalogue: Catalogue, outside_a: Value, outside_b: Value
) -> None:
    fai_b = save(catalogue, catalogue.fai, district.town_b, "5000", district.provider)
    assert _ids(api(district.clerk_a).get("/api/values")) == {outside_a.pk}
    assert _ids(api(district.clerk_b).get("/api/values")) == {outside_b.pk, fai_b.pk}
    assert _ids(api(district.provider).get("/api/values")) == {fai_b.pk}
    assert _ids(api(district.viewer).get("/api/values")) == set()
    leader = api(district.leader)
    assert _ids(leader.get("/api/values")) == {outside_a.pk, outside_b.pk, fai_b.pk}
    assert _ids(leader.get("/api/values", {"status": "draft"})) == {fai_b.pk}
    assert _ids(leader.get("/api/values", {"unit": district.town_b.pk})) == {
        outside_b.pk,
        fai_b.pk,
    }
    assert _ids(leader.get("/api/values", {"indicator": catalogue.fai.pk})) == {fai_b.pk}
    assert _ids(leader.get("/api/values", {"year": 2025, "month": 9})) == set()
    assert _ids(leader.get("/api/values", {"source": "derived"})) == set()
    assert leader.get("/api/values", {"status": "lost"}).status_code == 422
    item = leader.get("/api/values", {"indicator": catalogue.fai.pk}).json()["items"][0]
    assert item["amount"] == "5000" and isinstance(item["amount"], str)
    assert (item["period"], item["shown"], item["status_label"], item["derived"]) == (
        "2025-10",
        "5,000.0 万元",
        "草稿",
        False,
    )


def test_the_value_list_query_count_does_not_grow_with_the_values(
    district: District, catalogue: Catalogue
) -> None:
    headers = bearer(district.provider)
    client = Client()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/values", {"indicator": catalogue.fai.pk}, **headers)
            assert response.status_code == 200
        return len(queries)

    save(catalogue, catalogue.fai, district.town_a, "1", district.provider)
    count()  # the token's first use is written down once
    few = count()
    for month in range(1, 10):
        for unit in (district.town_a, district.town_b):
            save(catalogue, catalogue.fai, unit, month, district.provider, Period(2025, month))
    assert count() == few


def test_a_value_comes_with_its_growth_and_its_completion_against_the_target(
    district: District, api: ApiFor, catalogue: Catalogue, outside_a: Value
) -> None:
    save(catalogue, catalogue.outside, district.town_a, "800", district.clerk_a, LAST_YEAR)
    actions.do_set_target(
        indicator=catalogue.outside, unit=district.town_a, year=PERIOD.year, amount="1200",
        actor=district.supervisor,
    )  # fmt: skip
    body = api(district.clerk_a).get(f"/api/values/{outside_a.pk}").json()
    assert body["growth"] == {
        "state": "ok",
        "state_label": "25.0%",
        "percent": "25.0000",
        "last_year_amount": "800",
    }
    completion = body["completion"]
    # 1000 ÷ 1200 = 83.3333 %; time progress at October 10 ÷ 12 = 83.3333 %: on schedule.
    assert (completion["target"], completion["percent"], completion["time_progress"]) == (
        "1200",
        "83.3333",
        "83.3333",
    )
    assert (completion["gap"], completion["colour"]) == ("0.0000", "green")
    assert (body["derived"], body["formula"]) == (False, None)
    assert body["allowed_steps"] == []  # submitted: the clerk waits for the manager
    assert api(district.manager_a).get(f"/api/values/{outside_a.pk}").json()["allowed_steps"] == [
        "approve",
        "return",
    ]
    assert api(district.supervisor).get(f"/api/values/{outside_a.pk}").json()["allowed_steps"] == [
        "approve",
        "return",
        "correct",
    ]


def test_a_value_without_last_year_or_target_says_why_and_a_derived_one_says_how(
    district: District, api: ApiFor, catalogue: Catalogue, outside_b: Value
) -> None:
    body = api(district.clerk_b).get(f"/api/values/{outside_b.pk}").json()
    assert body["growth"]["state"] == "no_base" and body["growth"]["percent"] is None
    assert body["growth"]["state_label"] == "上年同期无数据"
    assert (body["completion"]["state"], body["completion"]["state_label"]) == (
        "no_target",
        "无目标",
    )
    actions.do_compute_derived(PERIOD, actor=district.supervisor)
    derived = Value.objects.get(indicator=catalogue.projects_1yi, unit=district.town_b)
    body = api(district.clerk_b).get(f"/api/values/{derived.pk}").json()
    assert (body["derived"], body["amount"], body["status"]) == (True, "0", "approved")
    assert "亿元以上新项目个数" in body["formula"]
    assert body["allowed_steps"] == []
    gdp = save(catalogue, catalogue.gdp_growth, district.town_b, "6.5%", district.provider)
    assert api(district.provider).get(f"/api/values/{gdp.pk}").json()["growth"] is None


@pytest.mark.parametrize("who", ["clerk_b", "manager_b", "viewer"])
def test_another_units_value_is_404_for_every_operation(
    district: District,
    api: ApiFor,
    catalogue: Catalogue,
    outside_a: Value,
    manager_b: User,
    who: str,
) -> None:
    user = manager_b if who == "manager_b" else getattr(district, who)
    client = api(user)
    for response in (
        client.get(f"/api/values/{outside_a.pk}"),
        client.post(f"/api/values/{outside_a.pk}/return", {"reason": "再核"}),
        client.post(f"/api/values/{outside_a.pk}/correct", {"amount": 1, "reason": "更正"}),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == NOT_FOUND
    for step in ("submit", "approve"):
        response = client.post(f"/api/values/{step}", {"ids": [outside_a.pk]})
        assert response.status_code == 404
        assert response.json()["detail"] == f"没有编号为 {outside_a.pk} 的数据，或您无权访问。"
    response = api(user).put(
        "/api/values",
        {"indicator_id": catalogue.outside.pk, "unit_id": district.town_a.pk, "period": P,
         "amount": 1},
    )  # fmt: skip
    assert response.status_code == 404
    assert response.json()["detail"] == f"没有编号为 {district.town_a.pk} 的单位，或您无权访问。"
    assert _state(outside_a) == (Decimal(1000), ValueStatus.SUBMITTED)
    assert client.get("/api/values/999999").status_code == 404


# Values: entering -----------------------------------------------------------------------------


def _cell(indicator: Indicator, unit: Unit, amount: Any, **changes: Any) -> dict[str, Any]:
    return {
        "indicator_id": indicator.pk,
        "unit_id": unit.pk,
        "period": P,
        "amount": amount,
        **changes,
    }


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("12.5%", "12.5"),
        ("１２．５", "12.5"),
        ("－3.2", "-3.2"),
        (12.5, "12.5"),
        (7, "7"),
        ("1,234.5", "1234.5"),
    ],
)
def test_a_number_is_read_as_people_write_it_and_answered_as_a_string(
    district: District, api: ApiFor, catalogue: Catalogue, typed: Any, stored: str
) -> None:
    response = api(district.provider).put(
        "/api/values", _cell(catalogue.gdp_growth, district.town_a, typed, note="统计快报")
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["amount"], body["status"], body["note"]) == (stored, "draft", "统计快报")
    value = Value.objects.get()
    assert value.amount == Decimal(stored) and value.entered_by == district.provider


def test_a_clerk_enters_and_changes_the_units_own_value(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    client = api(district.clerk_a)
    response = client.put("/api/values", _cell(catalogue.outside, district.town_a, "900"))
    assert response.status_code == 200
    assert response.json()["allowed_steps"] == ["submit"]
    response = client.put("/api/values", _cell(catalogue.outside, district.town_a, "950.25"))
    assert response.json()["amount"] == "950.25"
    value = Value.objects.get()
    assert value.amount == Decimal("950.25")
    assert value.history.count() == 2


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "无法识别的数值“abc”，应写作 12.5、12.5% 或 1,234.5"),
        ("", "请填写数值。"),
        ("-5", "“引进市外内资”不能为负数：-5"),
        ("1.23456", "小数位数过多（最多 4 位）：1.23456"),
    ],
)
def test_an_amount_that_is_not_a_number_is_refused_naming_the_field_and_nothing_changes(
    district: District, api: ApiFor, catalogue: Catalogue, amount: str, message: str
) -> None:
    value = save(catalogue, catalogue.outside, district.town_a, "900", district.clerk_a)
    response = api(district.clerk_a).put(
        "/api/values", _cell(catalogue.outside, district.town_a, amount)
    )
    assert response.status_code == 400
    assert _errors(response) == [{"field": "amount", "message": message}]
    assert _state(value) == (Decimal(900), ValueStatus.DRAFT)


def test_true_or_null_is_not_a_number(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    for amount in (True, None):
        response = api(district.clerk_a).put(
            "/api/values", _cell(catalogue.outside, district.town_a, amount)
        )
        assert response.status_code == 422
    assert not Value.objects.exists()


def test_a_value_for_a_locked_period_is_refused_and_nothing_changes(
    district: District, api: ApiFor, catalogue: Catalogue, outside_a: Value
) -> None:
    actions.do_close_period(PERIOD, actor=district.supervisor)
    response = api(district.clerk_a).put(
        "/api/values", _cell(catalogue.outside, district.town_a, "1100")
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "2025年1-10月 已锁定，数据只能由督查室说明原因后更正。"
    assert _state(outside_a) == (Decimal(1000), ValueStatus.LOCKED)


@pytest.mark.parametrize(
    ("who", "indicator", "message"),
    [
        ("clerk_a", "fai", "“固定资产投资”由区统计局统一报送，您不能填报。"),
        ("manager_a", "projects_1yi", "“新签约亿元以上项目数”由系统根据业务记录计算，不能填报。"),
        ("provider", "outside", "您不能填报锦城街道的“引进市外内资”。"),
        ("leader", "outside", "您不能填报锦城街道的“引进市外内资”。"),
        ("supervisor", "projects_1yi", "“新签约亿元以上项目数”由系统根据业务记录计算，不能填报。"),
    ],
)  # fmt: skip
def test_a_value_of_an_indicator_the_users_unit_does_not_own_is_403(
    district: District, api: ApiFor, catalogue: Catalogue, who: str, indicator: str, message: str
) -> None:
    response = api(getattr(district, who)).put(
        "/api/values", _cell(getattr(catalogue, indicator), district.town_a, "12.5")
    )
    assert response.status_code == 403
    assert response.json()["detail"] == message
    assert not Value.objects.exists()


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"unit": "village_a"}, 400, "锦城数字小镇不报送“引进市外内资”。"),
        ({"period": "2099-01"}, 400, "2099年1月 还没有到，不能填报。"),
        ({"period": "十月"}, 400, "无法识别的期间“十月”，应写作 2026-10"),
        ({"indicator_id": 999999}, 404, "没有编号为 999999 的指标，或您无权访问。"),
    ],
)  # fmt: skip
def test_a_cell_that_cannot_be_written_is_refused_with_the_reason(
    district: District,
    api: ApiFor,
    catalogue: Catalogue,
    changes: dict[str, Any],
    status: int,
    message: str,
) -> None:
    changes = dict(changes)
    unit = getattr(district, changes.pop("unit", "town_a"))
    response = api(district.clerk_a).put(
        "/api/values", _cell(catalogue.outside, unit, "12", **changes)
    )
    assert response.status_code == status, response.content
    assert response.json()["detail"] == message
    assert not Value.objects.exists()


# Values: the workflow -------------------------------------------------------------------------


def test_a_value_is_submitted_approved_and_returned(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    value = save(catalogue, catalogue.outside, district.town_a, "900", district.clerk_a)
    response = api(district.clerk_a).post("/api/values/submit", {"ids": [value.pk]})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1
    assert response.json()["items"][0]["status"] == "submitted"
    response = api(district.manager_a).post("/api/values/approve", {"ids": [value.pk]})
    assert response.status_code == 200
    assert response.json()["items"][0]["approved_by_id"] == district.manager_a.pk
    response = api(district.manager_a).post(
        f"/api/values/{value.pk}/return", {"reason": "口径有误"}
    )
    assert response.status_code == 200
    # A draft again: the manager, one of 锦城's writers, may submit it anew.
    assert (response.json()["status"], response.json()["allowed_steps"]) == ("draft", ["submit"])
    assert _state(value) == (Decimal(900), ValueStatus.DRAFT)
    assert value.history.latest().history_change_reason == "退回：口径有误"


def test_submitting_is_all_or_nothing(
    district: District, api: ApiFor, catalogue: Catalogue, outside_a: Value
) -> None:
    draft = save(catalogue, catalogue.new_above, district.town_a, "3", district.clerk_a)
    response = api(district.clerk_a).post("/api/values/submit", {"ids": [draft.pk, outside_a.pk]})
    assert response.status_code == 400
    assert response.json()["detail"] == "锦城街道 · 引进市外内资：“已提交”的数据不能提交。"
    assert _state(draft)[1] == ValueStatus.DRAFT


def test_a_provider_may_not_submit_a_towns_own_value(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    fai = save(catalogue, catalogue.fai, district.town_a, "5000", district.provider)
    response = api(district.clerk_a).post("/api/values/submit", {"ids": [fai.pk]})
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "锦城街道 · 固定资产投资：“固定资产投资”由区统计局统一报送，您不能提交。"
    )
    assert _state(fai)[1] == ValueStatus.DRAFT


def test_an_approval_by_a_manager_of_another_unit_is_refused_and_nothing_changes(
    district: District, api: ApiFor, outside_a: Value, outside_b: Value, manager_b: User
) -> None:
    # 於潜's manager asks for 於潜's and 锦城's values at once: 锦城's is not theirs to see.
    response = api(manager_b).post("/api/values/approve", {"ids": [outside_b.pk, outside_a.pk]})
    assert response.status_code == 404
    assert response.json()["detail"] == f"没有编号为 {outside_a.pk} 的数据，或您无权访问。"
    assert _state(outside_a)[1] == ValueStatus.SUBMITTED
    assert _state(outside_b)[1] == ValueStatus.SUBMITTED
    assert api(manager_b).post("/api/values/approve", {"ids": [outside_b.pk]}).status_code == 200
    assert _state(outside_b)[1] == ValueStatus.APPROVED


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("clerk_a", "锦城街道 · 引进市外内资：只有锦城街道的负责人或督查室可以审核该数据。"),
        ("leader", "锦城街道 · 引进市外内资：只有锦城街道的负责人或督查室可以审核该数据。"),
    ],
)
def test_who_sees_a_value_but_may_not_approve_it_is_403(
    district: District, api: ApiFor, outside_a: Value, who: str, message: str
) -> None:
    client = api(getattr(district, who))
    response = client.post("/api/values/approve", {"ids": [outside_a.pk]})
    assert response.status_code == 403
    assert response.json()["detail"] == message
    response = client.post(f"/api/values/{outside_a.pk}/return", {"reason": "再核"})
    assert response.status_code == 403
    assert _state(outside_a)[1] == ValueStatus.SUBMITTED


def test_a_data_providers_value_is_approved_by_the_supervisor_not_the_towns_manager(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    fai = submit(
        save(catalogue, catalogue.fai, district.town_a, "5000", district.provider),
        district.provider,
    )
    response = api(district.manager_a).post("/api/values/approve", {"ids": [fai.pk]})
    assert response.status_code == 403
    assert (
        response.json()["detail"] == "锦城街道 · 固定资产投资：数据提供部门报送的数据由督查室审核。"
    )
    assert _state(fai)[1] == ValueStatus.SUBMITTED
    response = api(district.supervisor).post("/api/values/approve", {"ids": [fai.pk]})
    assert response.status_code == 200
    assert _state(fai)[1] == ValueStatus.APPROVED


def test_a_return_needs_a_reason(district: District, api: ApiFor, outside_a: Value) -> None:
    response = api(district.manager_a).post(f"/api/values/{outside_a.pk}/return", {"reason": " "})
    assert response.status_code == 400
    assert _errors(response) == [{"field": "reason", "message": "退回须说明原因。"}]
    assert _state(outside_a)[1] == ValueStatus.SUBMITTED


def test_the_supervisor_corrects_a_locked_value_with_a_reason(
    district: District, api: ApiFor, outside_a: Value
) -> None:
    actions.do_close_period(PERIOD, actor=district.supervisor)
    url = f"/api/values/{outside_a.pk}/correct"
    response = api(district.manager_a).post(url, {"amount": 1100, "reason": "统计口径"})
    assert response.status_code == 403
    assert response.json()["detail"] == "数据锁定后只有督查室可以更正。"
    supervisor = api(district.supervisor)
    response = supervisor.post(url, {"amount": "1,100", "reason": " "})
    assert response.status_code == 400
    assert _errors(response) == [{"field": "reason", "message": "更正数据须说明原因。"}]
    response = supervisor.post(url, {"amount": "abc", "reason": "统计口径"})
    assert _errors(response) == [
        {"field": "amount", "message": "无法识别的数值“abc”，应写作 12.5、12.5% 或 1,234.5"}
    ]
    assert _state(outside_a) == (Decimal(1000), ValueStatus.LOCKED)
    response = supervisor.post(url, {"amount": "1,100", "reason": "统计口径"})
    assert response.status_code == 200
    assert (response.json()["amount"], response.json()["status"]) == ("1100", "locked")
    assert outside_a.history.latest().history_change_reason == "更正：统计口径"


def test_a_locked_value_may_not_be_approved(
    district: District, api: ApiFor, outside_a: Value
) -> None:
    actions.do_close_period(PERIOD, actor=district.supervisor)
    response = api(district.supervisor).post("/api/values/approve", {"ids": [outside_a.pk]})
    assert response.status_code == 400
    assert response.json()["detail"] == "2025年1-10月 已锁定。"
    assert _state(outside_a)[1] == ValueStatus.LOCKED


# What has not been submitted ------------------------------------------------------------------


def _cells(response: Any) -> set[tuple[str, str, str, str | None]]:
    assert response.status_code == 200, response.content
    return {
        (item["unit_name"], item["indicator_code"], item["owner_name"], item["status"])
        for item in response.json()["items"]
    }


def test_the_missing_list_shows_the_cells_not_submitted_that_the_user_may_see(
    district: District, api: ApiFor, catalogue: Catalogue, outside_a: Value
) -> None:
    save(catalogue, catalogue.new_above, district.town_a, "2", district.clerk_a)
    save(catalogue, catalogue.fai, district.town_b, "5000", district.provider)
    assert _cells(api(district.clerk_a).get("/api/values/missing", {"period": P})) == {
        ("锦城街道", "FAI", "区统计局", None),
        ("锦城街道", "GDP_G", "区统计局", None),
        ("锦城街道", "NEW_ABOVE", "锦城街道", "draft"),
    }
    assert _cells(api(district.provider).get("/api/values/missing", {"period": P})) == {
        ("锦城街道", "FAI", "区统计局", None),
        ("锦城街道", "GDP_G", "区统计局", None),
        ("於潜镇", "FAI", "区统计局", "draft"),
        ("於潜镇", "GDP_G", "区统计局", None),
    }
    everything = _cells(api(district.supervisor).get("/api/values/missing", {"period": P}))
    assert len(everything) == 7  # 锦城 3 + 於潜 4 (FAI, GDP_G, OUTSIDE, NEW_ABOVE)
    assert ("於潜镇", "OUTSIDE", "於潜镇", None) in everything
    assert _cells(api(district.viewer).get("/api/values/missing", {"period": P})) == set()
    response = api(district.clerk_a).get("/api/values/missing", {"period": "十月"})
    assert response.status_code == 400
    assert _errors(response)[0]["field"] == "period"


def test_the_missing_list_query_count_does_not_grow_with_units(
    district: District, catalogue: Catalogue
) -> None:
    headers = bearer(district.supervisor)
    client = Client()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/values/missing", {"period": P}, **headers)
            assert response.status_code == 200
        return len(queries)

    count()
    few = count()
    for number in range(5):
        Unit.objects.create(
            kind="town", code=f"330112{200 + number}", name=f"测试镇{number}",
            parent=district.district,
        )  # fmt: skip
    assert count() == few


# Periods --------------------------------------------------------------------------------------


def test_the_periods_are_listed_with_their_deadlines(
    district: District, api: ApiFor, outside_a: Value
) -> None:
    body = api(district.clerk_a).get("/api/periods").json()
    assert [item["period"] for item in body["items"]] == ["2025-10"]
    item = body["items"][0]
    assert (item["label"], item["deadline"], item["closed"]) == (
        "2025年1-10月",
        "2025-11-10",
        False,
    )
    assert api(district.viewer).get("/api/periods").json()["items"] == []


def test_the_supervisor_closes_a_period_and_others_may_not(
    district: District, api: ApiFor, outside_a: Value, outside_b: Value
) -> None:
    url = f"/api/periods/{P}/close"
    response = api(district.manager_a).post(url, {})
    assert response.status_code == 403
    assert response.json()["detail"] == "只有督查室可以锁定填报期。"
    assert api(district.viewer).post(url, {}).status_code == 404
    assert _state(outside_a)[1] == ValueStatus.SUBMITTED
    supervisor = api(district.supervisor)
    response = supervisor.post(url, {})
    assert response.status_code == 200, response.content
    assert (response.json()["closed"], response.json()["locked"]) == (True, 2)
    assert _state(outside_a)[1] == _state(outside_b)[1] == ValueStatus.LOCKED
    response = supervisor.post(url, {})
    assert response.status_code == 400
    assert response.json()["detail"] == "2025年1-10月 已经锁定。"


@pytest.mark.parametrize(
    ("period", "message"),
    [("2099-01", "本月尚未结束，不能锁定。"), ("2025-13", "月份必须在 1 到 12 之间：13")],
)
def test_a_period_that_cannot_close_is_refused(
    district: District, api: ApiFor, period: str, message: str
) -> None:
    response = api(district.supervisor).post(f"/api/periods/{period}/close", {})
    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert not ReportingPeriod.objects.filter(closed_at__isnull=False).exists()


def test_the_supervisor_recomputes_the_derived_values_of_a_month(
    district: District, api: ApiFor, catalogue: Catalogue
) -> None:
    url = f"/api/periods/{P}/compute"
    response = api(district.clerk_a).post(url, {})
    assert response.status_code == 403
    assert response.json()["detail"] == "只有督查室可以重新计算。"
    assert not Value.objects.exists()
    supervisor = api(district.supervisor)
    response = supervisor.post(url, {})
    assert response.status_code == 200
    # 新签约亿元以上项目数 is 0 for 锦城 and 於潜; no rate without projects, no growth without FAI.
    assert response.json() == {
        "period": "2025-10", "created": 2, "updated": 0, "unchanged": 0, "removed": 0,
    }  # fmt: skip
    assert supervisor.post(url, {}).json()["unchanged"] == 2
    actions.do_close_period(PERIOD, actor=district.supervisor)
    response = supervisor.post(url, {})
    assert response.status_code == 400
    assert response.json()["detail"] == "2025年1-10月 已锁定，系统计算的数据不再重算。"


# The documentation ----------------------------------------------------------------------------


def test_the_api_is_documented(district: District) -> None:
    client = Client()
    client.force_login(district.supervisor)
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    ours = [path for path in paths if path.split("/")[2] in ("indicators", "targets", "values",
                                                               "periods")]  # fmt: skip
    assert len(ours) == 13
    for path in ours:
        for operation in paths[path].values():
            assert operation["summary"] and operation.get("description"), path
    for name in ("ValueOut", "IndicatorOut", "TargetIn", "ValueIn", "CompletionOut"):
        properties = schema["components"]["schemas"][name]["properties"]
        described = [field for field, spec in properties.items() if spec.get("description")]
        assert len(described) >= len(properties) // 2, name
    assert (
        "12.5%" in schema["components"]["schemas"]["ValueIn"]["properties"]["amount"]["description"]
    )
