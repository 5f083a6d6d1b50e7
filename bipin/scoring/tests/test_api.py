"""The competition's API: schemes, runs (the board), scores (the 成绩单) and the
high-quality development index.

Each endpoint is called by session and by personal token: a user who may use it, a user
who may not (403), and what a user may not see (another unit's breakdown, a draft for a
clerk: 404, as if it did not exist). Numbers are decimal strings, never floats.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openapi_spec_validator import validate

from bipin.indicators.models import Target, Value
from bipin.org.choices import UnitKind
from bipin.org.models import GroupMember, Unit, User
from bipin.org.tests.test_api import Api
from bipin.scoring import actions
from bipin.scoring.models import Run, Scheme
from bipin.scoring.tests.conftest import EXPECTED_TOTALS, SEPTEMBER, Competition, put_value

NOT_FOUND = "未找到该对象，或您无权访问。"


class Api2(Api):
    """The shared API client, with PUT."""

    def put(self, url: str, payload: Any) -> Any:
        return self.client.put(url, payload, content_type="application/json", **self.headers)


ApiFor = Callable[[User], Api2]


@pytest.fixture(params=["session", "token"])
def api(request: pytest.FixtureRequest, competition: Competition) -> ApiFor:
    """`api(district.clerk_a)` calls the API as clerk_a, once by session, once by token."""
    return lambda user: Api2(user, request.param)


def _published(competition: Competition) -> Run:
    supervisor = competition.district.supervisor
    run = actions.do_score(competition.scheme, SEPTEMBER, actor=supervisor)
    return actions.do_publish_run(run, actor=supervisor)


def _draft(competition: Competition) -> Run:
    return actions.do_score(competition.scheme, SEPTEMBER, actor=competition.district.supervisor)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _totals(board: dict[str, Any]) -> dict[str, str]:
    return {score["unit_name"]: score["total"] for score in board["scores"]}


def _scheme_payload(competition: Competition, **changes: Any) -> dict[str, Any]:
    catalogue = competition.catalogue
    payload = {
        "group_id": competition.district.group.pk,
        "name": "乡镇组方案（第二版）",
        "note": "调整分值",
        "items": [
            {"indicator_id": catalogue.fai.pk, "weight": "60", "basis": "completion"},
            {
                "indicator_id": catalogue.gdp_growth.pk,
                "weight": 40,
                "basis": "level",
                "efficacy_form": "threshold",
                "satisfactory": "8",
                "not_allowed": "4",
            },
        ],
        "adjustments": [
            {
                "kind": "bonus",
                "name": "亿元以上项目加分",
                "indicator_id": catalogue.projects_1yi.pk,
                "per_unit": "0.5",
                "cap": "2",
            }
        ],
        "reason": "第二版",
    }
    payload.update(changes)
    return payload


# Schemes ------------------------------------------------------------------------------------


def test_everyone_signed_in_reads_the_schemes_filtered_by_year_and_group(
    competition: Competition, api: ApiFor
) -> None:
    district = competition.district
    for user in (district.supervisor, district.clerk_a, district.provider, district.viewer):
        listed = _ok(api(user).get("/api/schemes", {"year": 2026}))
        assert [row["id"] for row in listed["items"]] == [competition.scheme.pk]
        row = listed["items"][0]
        assert (row["item_count"], row["total_weight"], row["frozen"]) == (4, "100.00", False)
    assert _ok(api(district.clerk_a).get("/api/schemes", {"year": 2025}))["items"] == []
    by_group = _ok(api(district.clerk_a).get("/api/schemes", {"group": district.group.pk}))
    assert by_group["count"] == 1


def test_a_scheme_comes_with_its_items_and_adjustments(
    competition: Competition, api: ApiFor
) -> None:
    scheme = _ok(api(competition.district.clerk_b).get(f"/api/schemes/{competition.scheme.pk}"))
    assert [
        (item["indicator_code"], item["weight"], item["basis"]) for item in scheme["items"]
    ] == [
        ("FAI", "40.00", "completion"),
        ("OUTSIDE", "20.00", "completion"),
        ("GDP_G", "20.00", "level"),
        ("START_RATE", "20.00", "rank"),
    ]
    assert [(row["kind"], row["per_unit"], row["cap"]) for row in scheme["adjustments"]] == [
        ("bonus", "0.5000", "1.00"),
        ("deduction", "0.2000", "0.40"),
    ]
    response = api(competition.district.clerk_b).get("/api/schemes/999999")
    assert (response.status_code, response.json()["detail"]) == (404, NOT_FOUND)


def test_the_supervisor_creates_a_scheme_as_the_groups_next_version(
    competition: Competition, api: ApiFor
) -> None:
    created = _ok(
        api(competition.district.supervisor).post("/api/schemes", _scheme_payload(competition)),
        201,
    )
    assert (created["version"], created["name"], created["total_weight"]) == (
        2,
        "乡镇组方案（第二版）",
        "100.00",
    )
    assert created["items"][1]["satisfactory"] == "8"
    assert created["adjustments"][0]["name"] == "亿元以上项目加分"
    assert Scheme.objects.filter(group=competition.district.group).count() == 2


def test_a_scheme_that_breaks_rules_is_400_listing_every_rule_and_nothing_is_saved(
    competition: Competition, api: ApiFor
) -> None:
    catalogue = competition.catalogue
    payload = _scheme_payload(
        competition,
        items=[
            {"indicator_id": catalogue.start_rate.pk, "weight": "50", "basis": "completion"},
            {"indicator_id": catalogue.fai.pk, "weight": "30", "basis": "completion"},
            {"indicator_id": catalogue.fai.pk, "weight": "10", "basis": "completion"},
            {
                "indicator_id": catalogue.gdp_growth.pk,
                "weight": "10",
                "basis": "level",
                "efficacy_form": "threshold",
            },
        ],
    )
    response = api(competition.district.supervisor).post("/api/schemes", payload)
    assert response.status_code == 400
    messages = [error["message"] for error in response.json()["errors"]]
    assert messages == [
        "第 1 项“项目开工率”：“项目开工率”是比率或增速，没有可按序时进度计算的年度总量，"
        "请按增速、绝对量或位次计分。",
        "第 3 项“固定资产投资”：同一指标只能有一个评分项。",
        "第 4 项“地区生产总值增速”：阈值法须填写满意值和不允许值。",
    ]
    assert Scheme.objects.count() == 1


def test_an_unknown_indicator_or_group_is_400_naming_where_it_is(
    competition: Competition, api: ApiFor
) -> None:
    supervisor = api(competition.district.supervisor)
    payload = _scheme_payload(competition)
    payload["items"][1]["indicator_id"] = 999999
    response = supervisor.post("/api/schemes", payload)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "items[1].indicator_id", "message": "没有编号为 999999 的指标。"}
    ]
    response = supervisor.post("/api/schemes", _scheme_payload(competition, group_id=999999))
    assert [error["field"] for error in response.json()["errors"]] == ["group_id"]
    response = supervisor.post(
        "/api/schemes",
        _scheme_payload(competition, items=[{"indicator_id": 1, "weight": "0", "basis": "x"}]),
    )
    assert response.status_code == 422
    assert Scheme.objects.count() == 1


def test_only_the_supervisor_writes_schemes(competition: Competition, api: ApiFor) -> None:
    district = competition.district
    url = f"/api/schemes/{competition.scheme.pk}"
    for user in (district.leader, district.manager_a, district.clerk_a, district.viewer):
        client = api(user)
        assert client.post("/api/schemes", _scheme_payload(competition)).status_code == 403
        assert client.put(url, _scheme_payload(competition)).status_code == 403
        assert client.post(f"{url}/versions", {}).status_code == 403
    assert Scheme.objects.count() == 1
    assert competition.scheme.items.count() == 4


def test_the_supervisor_replaces_an_open_schemes_items(
    competition: Competition, api: ApiFor
) -> None:
    url = f"/api/schemes/{competition.scheme.pk}"
    payload = _scheme_payload(competition, name="乡镇组测试方案（改）", adjustments=[])
    changed = _ok(api(competition.district.supervisor).put(url, payload))
    assert (changed["version"], changed["name"]) == (1, "乡镇组测试方案（改）")
    assert [item["indicator_code"] for item in changed["items"]] == ["FAI", "GDP_G"]
    assert changed["adjustments"] == []


def test_a_frozen_scheme_is_refused_and_changed_through_a_new_version(
    competition: Competition, api: ApiFor
) -> None:
    _published(competition)
    supervisor = api(competition.district.supervisor)
    url = f"/api/schemes/{competition.scheme.pk}"
    assert _ok(supervisor.get(url))["frozen"] is True

    response = supervisor.put(url, _scheme_payload(competition))
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "“乡镇组测试方案 v1”已被发布的评分使用，不能再修改；请另存为新版本。"
    )
    assert competition.scheme.items.count() == 4

    copy = _ok(supervisor.post(f"{url}/versions", {}), 201)
    assert (copy["version"], copy["frozen"], len(copy["items"])) == (2, False, 4)
    changed = _ok(supervisor.put(f"/api/schemes/{copy['id']}", _scheme_payload(competition)))
    assert changed["version"] == 2 and len(changed["items"]) == 2


def test_the_scheme_list_query_count_does_not_grow_with_the_schemes(
    competition: Competition, api: ApiFor
) -> None:
    client = api(competition.district.supervisor)
    client.get("/api/schemes")  # the token's first use writes its last-use time
    with CaptureQueriesContext(connection) as one:
        client.get("/api/schemes")
    for _number in range(3):
        actions.do_new_scheme_version(competition.scheme, actor=competition.district.supervisor)
    with CaptureQueriesContext(connection) as four:
        assert _ok(client.get("/api/schemes"))["count"] == 4
    assert len(four) == len(one)


# Runs ---------------------------------------------------------------------------------------


def test_the_supervisor_scores_publishes_and_discards(
    competition: Competition, api: ApiFor
) -> None:
    supervisor = api(competition.district.supervisor)
    payload = {"group": competition.district.group.pk, "period": "2026-09"}
    draft = _ok(supervisor.post("/api/runs", payload), 201)
    assert draft["status"] == "draft" and draft["period"] == "2026-09"
    assert _totals(draft) == {
        "锦城街道": "104.80",
        "於潜镇": "89.83",
        "太湖源镇": "37.60",
    }
    assert {str(value) for value in EXPECTED_TOTALS.values()} == set(_totals(draft).values())
    first = draft["scores"][0]
    assert (first["rank"], first["bonus"], first["deduction"], first["colour"]) == (
        1,
        "1.00",
        "0.20",
        "green",
    )
    assert first["difference"] is None

    published = _ok(supervisor.post(f"/api/runs/{draft['id']}/publish", {}))
    assert published["status"] == "published" and published["published_at"]
    response = supervisor.post(f"/api/runs/{draft['id']}/publish", {})
    assert response.json()["detail"] == "该评分已发布，不能再次发布。"
    response = supervisor.delete(f"/api/runs/{draft['id']}")
    assert (response.status_code, response.json()["detail"]) == (400, "已发布的评分不能删除。")

    again = _ok(supervisor.post("/api/runs", payload), 201)
    assert again["corrects_id"] == draft["id"]
    assert supervisor.delete(f"/api/runs/{again['id']}").status_code == 204
    assert not Run.objects.filter(pk=again["id"]).exists()


def test_a_run_needs_a_scheme_of_its_year(competition: Competition, api: ApiFor) -> None:
    supervisor = api(competition.district.supervisor)
    response = supervisor.post(
        "/api/runs", {"group": competition.district.group.pk, "period": "2025-09"}
    )
    assert response.status_code == 400
    assert "不能用于 2025年1-9月" in response.json()["detail"]
    response = supervisor.post(
        "/api/runs", {"group": competition.district.group.pk, "period": "九月"}
    )
    assert [error["field"] for error in response.json()["errors"]] == ["period"]
    assert not Run.objects.exists()


def test_drafts_are_for_the_supervisor_and_leaders_only(
    competition: Competition, api: ApiFor
) -> None:
    district = competition.district
    published = _published(competition)
    draft = _draft(competition)  # the month again: a correction draft
    for user in (district.supervisor, district.leader):
        listed = _ok(api(user).get("/api/runs"))
        assert {row["id"] for row in listed["items"]} == {published.pk, draft.pk}
        assert _ok(api(user).get(f"/api/runs/{draft.pk}"))["status"] == "draft"
    for user in (district.manager_a, district.clerk_a, district.provider, district.viewer):
        listed = _ok(api(user).get("/api/runs"))
        assert [row["id"] for row in listed["items"]] == [published.pk]
        response = api(user).get(f"/api/runs/{draft.pk}")
        assert (response.status_code, response.json()["detail"]) == (404, NOT_FOUND)
        board = _ok(api(user).get(f"/api/runs/{published.pk}"))
        assert len(board["scores"]) == 3  # the published board is everyone's


def test_the_runs_are_filtered_as_the_runs_page_filters_them(
    competition: Competition, api: ApiFor
) -> None:
    published = _published(competition)
    draft = _draft(competition)
    client = api(competition.district.supervisor)
    assert [row["id"] for row in _ok(client.get("/api/runs", {"status": "draft"}))["items"]] == [
        draft.pk
    ]
    by_month = _ok(client.get("/api/runs", {"year": 2026, "month": 9, "status": "published"}))
    assert [row["id"] for row in by_month["items"]] == [published.pk]
    assert _ok(client.get("/api/runs", {"month": 8}))["items"] == []
    group = _ok(client.get("/api/runs", {"group": competition.district.group.pk}))
    assert group["count"] == 2


def test_only_the_supervisor_scores_publishes_and_discards(
    competition: Competition, api: ApiFor
) -> None:
    district = competition.district
    published = _published(competition)
    draft = _draft(competition)
    payload = {"group": district.group.pk, "period": "2026-09"}
    for user in (district.leader, district.manager_a, district.clerk_a):
        client = api(user)
        assert client.post("/api/runs", payload).status_code == 403
        assert client.post(f"/api/runs/{published.pk}/publish", {}).status_code == 403
        assert client.delete(f"/api/runs/{published.pk}").status_code == 403
    # A draft the clerk does not see is 404, not 403.
    clerk = api(district.clerk_a)
    assert clerk.post(f"/api/runs/{draft.pk}/publish", {}).status_code == 404
    assert clerk.delete(f"/api/runs/{draft.pk}").status_code == 404
    leader = api(district.leader)
    assert leader.post(f"/api/runs/{draft.pk}/publish", {"reason": "x"}).status_code == 403
    assert Run.objects.get(pk=draft.pk).status == "draft"


def test_a_correction_names_the_run_it_corrects_its_reason_and_each_units_difference(
    competition: Competition, api: ApiFor
) -> None:
    """锦城's 引进市外内资 corrected from 600 to 750: its completion 0.8 → 1.0 earns 20
    points instead of 16, so its total rises by 4.00; nobody else's changes."""
    published = _published(competition)
    Value.objects.filter(
        indicator=competition.catalogue.outside, unit=competition.district.town_a
    ).update(amount=Decimal(750))
    supervisor = api(competition.district.supervisor)
    payload = {"group": competition.district.group.pk, "period": "2026-09"}
    correction = _ok(supervisor.post("/api/runs", payload), 201)
    assert correction["corrects_id"] == published.pk

    response = supervisor.post(f"/api/runs/{correction['id']}/publish", {"reason": " "})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "reason", "message": "本月已有发布的评分，发布更正须说明原因。"}
    ]
    reason = "锦城街道补齐到位资金凭证"
    _ok(supervisor.post(f"/api/runs/{correction['id']}/publish", {"reason": reason}))

    board = _ok(api(competition.district.clerk_b).get(f"/api/runs/{correction['id']}"))
    assert (board["corrects_id"], board["correction_reason"]) == (published.pk, reason)
    assert {score["unit_name"]: score["difference"] for score in board["scores"]} == {
        "锦城街道": "4.00",
        "於潜镇": "0.00",
        "太湖源镇": "0.00",
    }
    assert _totals(board)["锦城街道"] == "108.80"
    original = _ok(api(competition.district.clerk_b).get(f"/api/runs/{published.pk}"))
    assert _totals(original)["锦城街道"] == "104.80"  # a published run never changes


def _more_towns(competition: Competition, count: int) -> None:
    """`count` more towns in the group, each with a full set of September values."""
    catalogue = competition.catalogue
    for number in range(count):
        town = Unit.objects.create(
            kind=UnitKind.TOWN,
            code=f"330112{200 + number}",
            name=f"测试{number}镇",
            parent=competition.district.district,
            order=200 + number,
        )
        GroupMember.objects.create(group=competition.district.group, unit=town, year=2026)
        for indicator, amount in (
            (catalogue.fai, "500"),
            (catalogue.outside, "400"),
            (catalogue.gdp_growth, "7"),
            (catalogue.start_rate, "80"),
            (catalogue.projects_1yi, "1"),
            (catalogue.new_above, "0"),
        ):
            put_value(indicator, town, amount)
        for indicator in (catalogue.fai, catalogue.outside):
            Target.objects.create(indicator=indicator, unit=town, year=2026, amount=Decimal(1000))


def test_the_board_and_the_scorecard_query_counts_do_not_grow_with_the_units(
    competition: Competition, api: ApiFor
) -> None:
    client = api(competition.district.supervisor)
    client.get("/api/me")
    small = _published(competition)
    small_score = small.scores.first()
    assert small_score is not None
    with CaptureQueriesContext(connection) as few:
        _ok(client.get(f"/api/runs/{small.pk}"))
    with CaptureQueriesContext(connection) as few_lines:
        _ok(client.get(f"/api/scores/{small_score.pk}"))

    _more_towns(competition, 4)
    supervisor = competition.district.supervisor
    big = actions.do_publish_run(
        actions.do_score(competition.scheme, SEPTEMBER, actor=supervisor),
        actor=supervisor,
        reason="更多单位",
    )
    big_score = big.scores.order_by("-rank").first()
    assert big_score is not None
    with CaptureQueriesContext(connection) as many:
        assert len(_ok(client.get(f"/api/runs/{big.pk}"))["scores"]) == 7
    with CaptureQueriesContext(connection) as many_lines:
        _ok(client.get(f"/api/scores/{big_score.pk}"))
    # The second run is a correction: its differences (actions.score_changes) are read
    # in two queries more than a plain run's, whatever the number of units.
    assert len(many) == len(few) + 2
    assert len(many_lines) == len(few_lines) + 2


# Scores -------------------------------------------------------------------------------------


def test_a_unit_reads_its_own_scorecard_and_another_units_is_404(
    competition: Competition, api: ApiFor
) -> None:
    run = _published(competition)
    scores = {score.unit.short_name: score for score in run.scores.select_related("unit")}
    card = _ok(api(competition.district.clerk_a).get(f"/api/scores/{scores['锦城'].pk}"))
    assert (card["unit_name"], card["total"], card["rank"], card["member_count"]) == (
        "锦城街道",
        "104.80",
        1,
        3,
    )
    assert [(line["name"], line["points"]) for line in card["lines"]] == [
        ("固定资产投资", "48.00"),
        ("引进市外内资", "16.00"),
        ("地区生产总值增速", "20.00"),
        ("项目开工率", "20.00"),
        ("亿元以上项目加分", "1.00"),
        ("测试扣分", "-0.20"),
    ]
    assert sum(Decimal(line["points"]) for line in card["lines"]) == Decimal(card["total"])
    outside = card["lines"][1]
    assert (outside["actual"], outside["target"], outside["completion"], outside["lost"]) == (
        "600",
        "1000",
        "60",
        "4.00",
    )
    assert outside["time_progress"] == "75" and outside["basis"] == "completion"

    for user in (competition.district.clerk_a, competition.district.manager_a):
        response = api(user).get(f"/api/scores/{scores['於潜'].pk}")
        assert (response.status_code, response.json()["detail"]) == (404, NOT_FOUND)
    assert (
        api(competition.district.clerk_b).get(f"/api/scores/{scores['於潜'].pk}").status_code == 200
    )
    for user in (competition.district.viewer, competition.district.leader):
        assert api(user).get(f"/api/scores/{scores['太湖源'].pk}").status_code == 200


def test_a_drafts_scorecard_is_for_the_supervisor_and_leaders_only(
    competition: Competition, api: ApiFor
) -> None:
    draft = _draft(competition)
    own = draft.scores.get(unit=competition.district.town_a)
    for user in (competition.district.clerk_a, competition.district.viewer):
        assert api(user).get(f"/api/scores/{own.pk}").status_code == 404
    for user in (competition.district.supervisor, competition.district.leader):
        assert _ok(api(user).get(f"/api/scores/{own.pk}"))["status"] == "draft"


# The index ----------------------------------------------------------------------------------


def _index_query(competition: Competition, *units: Unit, **more: str) -> dict[str, str]:
    catalogue = competition.catalogue
    chosen = units or tuple(competition.units.values())
    return {
        "units": ",".join(str(unit.pk) for unit in chosen),
        "indicators": f"{catalogue.fai.pk},{catalogue.gdp_growth.pk},{catalogue.outside.pk}",
        "period": "2026-09",
        **more,
    }


def test_the_index_ranks_the_units_with_the_weights_of_both_normalisations(
    competition: Competition, api: ApiFor
) -> None:
    for user in (competition.district.supervisor, competition.district.leader):
        index = _ok(api(user).get("/api/index", _index_query(competition)))
        assert (index["normalization"], index["other_normalization"]) == ("sum", "minmax")
        assert [row["unit_name"] for row in index["results"]] == ["锦城街道", "於潜镇", "太湖源镇"]
        assert [row["rank"] for row in index["results"]] == [1, 2, 3]
        first = index["results"][0]
        assert isinstance(first["index"], str) and isinstance(first["closeness"], str)
        assert Decimal(first["index"]) == (Decimal(first["closeness"]) * 100).quantize(
            Decimal("0.01")
        )
        weights = index["weights"]
        assert sum(Decimal(row["weight"]) for row in weights) == pytest.approx(Decimal(1))
        assert all(isinstance(row["other_weight"], str) for row in weights)
        outside = weights[2]
        assert (outside["reported"], outside["fill"]) == (2, "600.000000")
        cell = index["matrix"][2]["cells"][2]  # 太湖源's 引进市外内资
        assert (cell["amount"], cell["used"], cell["filled"]) == (None, "600.000000", True)
    minmax = _ok(
        api(competition.district.supervisor).get(
            "/api/index", _index_query(competition, normalization="minmax")
        )
    )
    assert minmax["normalization_label"] == "极差法（平移至 [0.002, 0.996]）"


def test_only_the_supervisor_and_leaders_may_index(competition: Competition, api: ApiFor) -> None:
    district = competition.district
    assert _ok(api(district.leader).get("/api/index", _index_query(competition)))["results"]
    for user in (district.clerk_a, district.provider, district.viewer):
        response = api(user).get("/api/index", _index_query(competition))
        assert response.status_code == 403
        assert "只有督查室和区领导可以使用" in response.json()["detail"]


def test_a_bad_index_request_is_400_naming_the_field(competition: Competition, api: ApiFor) -> None:
    client = api(competition.district.supervisor)

    def fields(**query: str) -> list[str]:
        response = client.get("/api/index", _index_query(competition, **query))
        assert response.status_code == 400, response.content
        return [error["field"] for error in response.json()["errors"]]

    assert fields(units="1,a") == ["units"]
    assert fields(units=str(competition.district.town_a.pk)) == ["units"]
    assert fields(units="999998,999999") == ["units"]
    assert fields(indicators="") == ["indicators"]
    assert fields(period="下个月") == ["period"]
    Value.objects.filter(
        indicator=competition.catalogue.gdp_growth, unit=competition.town_c
    ).update(amount=Decimal("-1"))
    assert fields() == ["normalization"]
    response = client.get("/api/index", _index_query(competition, normalization="zscore"))
    assert response.status_code == 422


# The documentation --------------------------------------------------------------------------


def test_the_api_is_documented_and_the_document_is_valid(competition: Competition) -> None:
    client = Client()
    client.force_login(competition.district.supervisor)
    schema = client.get("/api/openapi.json").json()
    validate(schema)
    paths = schema["paths"]
    ours = [path for path in paths if path.split("/")[2] in ("schemes", "runs", "scores", "index")]
    assert len(ours) == 8
    for path in ours:
        for operation in paths[path].values():
            assert operation["summary"] and operation.get("description"), path
    for name in ("ScoreOut", "ScoreLineOut", "SchemeItemOut", "IndexWeightOut", "RunOut"):
        properties = schema["components"]["schemas"][name]["properties"]
        described = [field for field, spec in properties.items() if spec.get("description")]
        assert len(described) >= len(properties) // 2, name
