"""The projects' API: list (the page's filters), detail, create, update, stage changes and
duplicate screening.

Each endpoint is called by session and by personal token: a user who may use it, a user
who may see but not change (403), another town's project (404, the same answer as for one
that does not exist), and no credentials (401). The pipeline's rules answer with 400 and
the field they are about; malformed input with 422.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bipin.conftest import District
from bipin.org.models import Link
from bipin.org.tests.test_api import Api, ApiFor, bearer
from bipin.projects import actions
from bipin.projects.choices import Channel, DuplicateStatus, Stage
from bipin.projects.models import DuplicateCheck, Industry, Project, StageEvent
from bipin.projects.tests.test_views import (
    SIGNED,
    TODAY,
    YEAR,
    _add_projects,
    _uscc,
    make_pipeline,
    make_project,
    make_project_b,
)

NOT_FOUND = "未找到该对象，或您无权访问。"


@pytest.fixture
def pipeline(district: District) -> dict[str, Any]:
    return make_pipeline()


@pytest.fixture
def project_a(district: District, pipeline: dict[str, Any]) -> Project:
    return make_project(district, leading_industry=pipeline["digital"])


@pytest.fixture
def project_b(district: District, pipeline: dict[str, Any]) -> Project:
    return make_project_b(district)


@pytest.fixture(params=["session", "token"])
def api(request: pytest.FixtureRequest, district: District) -> ApiFor:
    """`api(district.clerk_a)` calls the API as clerk_a, once by session, once by token."""
    return lambda user: Api(user, request.param)


def _ids(response: Any) -> set[int]:
    return {item["id"] for item in response.json()["items"]}


def _fields(response: Any) -> set[str]:
    return {error["field"].rsplit(".", 1)[-1] for error in response.json()["errors"]}


def _new(district: District, **fields: Any) -> dict[str, Any]:
    payload = {
        "name": "锦城新材料项目",
        "investor_name": "宁波某新材料公司",
        "investor_origin": "浙江宁波",
        "industry": "39",
        "channel": Channel.SPECIALISED,
        "contracted_investment": "150000",
        "responsible_unit_id": district.town_a.pk,
        "stage": Stage.SIGNED,
        "stage_on": SIGNED.isoformat(),
    }
    payload.update(fields)
    return payload


# No credentials ------------------------------------------------------------------------


CALLS = [
    ("get", "/api/projects"),
    ("get", "/api/projects/{pk}"),
    ("post", "/api/projects"),
    ("patch", "/api/projects/{pk}"),
    ("post", "/api/projects/{pk}/stage"),
    ("post", "/api/projects/{pk}/duplicates/1"),
]


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_request_without_credentials_gets_401_json(
    district: District, project_a: Project, method: str, path: str
) -> None:
    url = path.format(pk=project_a.pk)
    response = getattr(Client(), method)(url, {}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("请先登录")


def test_unauthenticated_writes_change_nothing(district: District, project_a: Project) -> None:
    client = Client()
    client.post("/api/projects", _new(district), content_type="application/json")
    client.post(
        f"/api/projects/{project_a.pk}/stage",
        {"to": Stage.REGISTERED, "on": TODAY.isoformat()},
        content_type="application/json",
    )
    assert Project.objects.count() == 1
    project_a.refresh_from_db()
    assert project_a.stage == Stage.SIGNED


# List ------------------------------------------------------------------------------------


def test_clerk_lists_only_own_towns_projects(
    district: District, api: ApiFor, project_a: Project, project_b: Project
) -> None:
    assert _ids(api(district.clerk_a).get("/api/projects")) == {project_a.pk}
    assert _ids(api(district.clerk_b).get("/api/projects")) == {project_b.pk}


@pytest.mark.parametrize("who", ["supervisor", "leader"])
def test_supervisor_and_leader_list_every_project(
    district: District, api: ApiFor, project_a: Project, project_b: Project, who: str
) -> None:
    assert _ids(api(getattr(district, who)).get("/api/projects")) == {project_a.pk, project_b.pk}


@pytest.mark.parametrize("who", ["viewer", "provider"])
def test_viewer_and_data_provider_list_no_projects(
    district: District, api: ApiFor, project_a: Project, who: str
) -> None:
    response = api(getattr(district, who)).get("/api/projects")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_project_list_describes_each_project(
    district: District, api: ApiFor, project_a: Project
) -> None:
    item = api(district.clerk_a).get("/api/projects").json()["items"][0]
    assert item["code"] == project_a.code
    assert item["industry"] == "39"
    assert item["stage"] == "signed"
    assert item["stage_label"] == "签约"
    assert Decimal(item["contracted_investment"]) == Decimal("12000")
    assert item["major_class"] == "1"
    assert item["counting_year"] == YEAR
    assert item["counting_unit_id"] == district.town_a.pk
    assert item["overdue"] is False
    assert item["responsible_unit_name"] == "锦城街道"


def test_project_list_takes_the_pages_filters(
    district: District, api: ApiFor, pipeline: dict, project_a: Project, project_b: Project
) -> None:
    lead = make_project(district, stage=Stage.LEAD, name="锦城线索项目", investor_name="线索公司")
    late = make_project(
        district, name="逾期项目", investor_name="逾期公司", stage_on=TODAY - timedelta(days=200)
    )
    Link.objects.create(
        leader=district.leader,
        content_type=ContentType.objects.get_for_model(Project),
        object_id=project_b.pk,
        unit=project_b.responsible_unit,
        started_on=SIGNED,
    )
    client = api(district.supervisor)

    def ids(**params: Any) -> set[int]:
        response = client.get("/api/projects", params)
        assert response.status_code == 200, response.json()
        return _ids(response)

    assert ids(stage="lead") == {lead.pk}
    assert ids(responsible_unit=district.town_b.pk) == {project_b.pk}
    assert ids(leader=district.leader.pk) == {project_b.pk}
    assert ids(overdue=True) == {late.pk}
    assert ids(year=YEAR) == {p.pk for p in (project_a, project_b, late) if p.counting_year == YEAR}
    assert ids(q="於潜") == {project_b.pk}
    assert ids(industry="C") == {project_a.pk, project_b.pk, lead.pk, late.pk}
    assert ids(major_class="10") == set()
    assert ids(leading_industry=pipeline["digital"].pk) == {project_a.pk}
    order = [item["id"] for item in client.get("/api/projects", {"sort": "amount"}).json()["items"]]
    assert order[0] == project_b.pk


def test_project_list_refuses_a_hidden_unit_like_an_unknown_one(
    district: District, api: ApiFor, project_a: Project, project_b: Project
) -> None:
    client = api(district.clerk_a)
    hidden = client.get("/api/projects", {"responsible_unit": district.town_b.pk})
    unknown = client.get("/api/projects", {"responsible_unit": 999999})
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json() == unknown.json()
    assert _fields(hidden) == {"responsible_unit"}


def test_project_list_rejects_unknown_values_with_422(district: District, api: ApiFor) -> None:
    response = api(district.clerk_a).get("/api/projects", {"stage": "finished", "sort": "x"})
    assert response.status_code == 422
    assert _fields(response) == {"stage", "sort"}


def test_merged_projects_are_listed_only_when_asked(
    district: District, api: ApiFor, project_a: Project
) -> None:
    twin = make_project(
        district, name="锦城智能终端项目二期", investor_name=project_a.investor_name
    )
    actions.do_decide_duplicate(
        DuplicateCheck.objects.get(project=twin),
        decision=DuplicateStatus.MERGED,
        actor=district.supervisor,
    )
    client = api(district.clerk_a)
    assert _ids(client.get("/api/projects")) == {project_a.pk}
    assert _ids(client.get("/api/projects", {"include_merged": True})) == {project_a.pk, twin.pk}


@pytest.mark.parametrize("who", ["supervisor", "clerk_a"])
def test_project_list_query_count_does_not_grow_with_projects(
    district: District, pipeline: dict, who: str
) -> None:
    headers = bearer(getattr(district, who))
    client = Client()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/projects", {"overdue": "false", "sort": "stage"}, **headers)
            assert response.status_code == 200
        return len(queries)

    count()
    _add_projects(district, 10, 0)
    few = count()
    _add_projects(district, 90, 10)
    many = count()
    assert many == few


# Detail ----------------------------------------------------------------------------------


def test_clerk_opens_own_towns_project_with_its_roadmap(
    district: District, api: ApiFor, pipeline: dict
) -> None:
    project = make_project(
        district,
        name="锦城制药项目",
        investor_name="某药业",
        industry=Industry.objects.get(code="27"),
    )
    Link.objects.create(
        leader=district.leader,
        content_type=ContentType.objects.get_for_model(Project),
        object_id=project.pk,
        unit=project.responsible_unit,
        duty="项目推进",
        started_on=SIGNED,
    )
    response = api(district.clerk_a).get(f"/api/projects/{project.pk}")
    assert response.status_code == 200
    body = response.json()
    assert [m["stage"] for m in body["milestones"]] == [
        "registered",
        "land",
        "started",
        "producing",
        "at_capacity",
    ]
    registered = body["milestones"][0]
    assert registered["planned_on"] == actions.add_months(SIGNED, 1).isoformat()
    assert registered["reached"] is False
    assert registered["overdue"] is False
    assert body["milestones"][1]["requires_evidence"] is True
    assert body["licences"] == [{"code": "201", "text": "药品生产须取得药品生产许可证"}]
    assert body["leaders"] == [{"id": district.leader.pk, "name": "李明华", "duty": "项目推进"}]
    assert body["duplicate_checks"] == []


def test_clerk_gets_404_for_another_towns_project_like_an_unknown_one(
    district: District, api: ApiFor, project_a: Project
) -> None:
    client = api(district.clerk_b)
    hidden = client.get(f"/api/projects/{project_a.pk}")
    unknown = client.get("/api/projects/999999")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json() == {"detail": NOT_FOUND}


@pytest.mark.parametrize("who", ["viewer", "provider"])
def test_viewer_and_data_provider_get_404_for_a_project(
    district: District, api: ApiFor, project_a: Project, who: str
) -> None:
    assert api(getattr(district, who)).get(f"/api/projects/{project_a.pk}").status_code == 404


# Create ----------------------------------------------------------------------------------


def test_clerk_creates_a_signed_project_that_counts_for_the_town(
    district: District, api: ApiFor, pipeline: dict
) -> None:
    response = api(district.clerk_a).post("/api/projects", _new(district))
    assert response.status_code == 201, response.json()
    body = response.json()
    project = Project.objects.get(pk=body["id"])
    assert project.code == f"ZS{SIGNED.year}-0001"
    assert body["counting_year"] == YEAR
    assert body["counting_unit_id"] == district.town_a.pk
    assert body["major_class"] == "10"
    assert len(body["milestones"]) == 5
    assert project.history.get().history_user == district.clerk_a
    assert Project.objects.counted(YEAR, district.town_a).get() == project


def test_clerk_cannot_create_a_project_for_another_town(
    district: District, api: ApiFor, pipeline: dict
) -> None:
    hidden = api(district.clerk_a).post(
        "/api/projects", _new(district, responsible_unit_id=district.town_b.pk)
    )
    unknown = api(district.clerk_a).post(
        "/api/projects", _new(district, responsible_unit_id=999999)
    )
    assert hidden.status_code == unknown.status_code == 400
    assert _fields(hidden) == {"responsible_unit_id"}
    assert hidden.json()["detail"].replace(str(district.town_b.pk), "N") == unknown.json()[
        "detail"
    ].replace("999999", "N")
    assert not Project.objects.exists()


@pytest.mark.parametrize("who", ["leader", "viewer", "provider"])
def test_who_may_not_add_gets_403(
    district: District, api: ApiFor, pipeline: dict, who: str
) -> None:
    response = api(getattr(district, who)).post("/api/projects", _new(district))
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_invalid_uscc_names_the_position(district: District, api: ApiFor, pipeline: dict) -> None:
    response = api(district.clerk_a).post(
        "/api/projects", _new(district, uscc="91330185MA2H0AI12X")
    )
    assert response.status_code == 400
    assert _fields(response) == {"uscc"}
    assert "第 15 位“I”不是允许的字符" in response.json()["detail"]
    good = api(district.clerk_a).post("/api/projects", _new(district, uscc=_uscc()))
    assert good.status_code == 201
    assert good.json()["uscc"] == _uscc()


def test_negative_amount_is_refused_naming_the_field(
    district: District, api: ApiFor, pipeline: dict
) -> None:
    response = api(district.clerk_a).post(
        "/api/projects", _new(district, contracted_investment="-1")
    )
    assert response.status_code == 422
    assert _fields(response) == {"contracted_investment"}
    non_numeric = api(district.clerk_a).post(
        "/api/projects", _new(district, contracted_investment="很多")
    )
    assert non_numeric.status_code == 422
    assert _fields(non_numeric) == {"contracted_investment"}
    assert not Project.objects.exists()


def test_prohibited_industry_is_refused_with_the_items_text(
    district: District, api: ApiFor, pipeline: dict
) -> None:
    response = api(district.clerk_a).post("/api/projects", _new(district, industry="06"))
    assert response.status_code == 400
    assert _fields(response) == {"industry"}
    assert "禁止新建煤矿项目（示例）" in response.json()["detail"]
    assert not Project.objects.exists()


def test_unknown_industry_code_is_refused(district: District, api: ApiFor, pipeline: dict) -> None:
    response = api(district.clerk_a).post("/api/projects", _new(district, industry="99"))
    assert response.status_code == 400
    assert _fields(response) == {"industry"}
    assert "没有行业大类代码“99”" in response.json()["detail"]
    section = api(district.clerk_a).post("/api/projects", _new(district, industry="C"))
    assert section.status_code == 400  # a section is not a division


def test_duplicate_code_is_refused(district: District, api: ApiFor, project_a: Project) -> None:
    response = api(district.clerk_a).post("/api/projects", _new(district, code=project_a.code))
    assert response.status_code == 400
    assert _fields(response) == {"code"}
    assert Project.objects.count() == 1


def test_entering_a_later_stage_or_a_future_date_is_refused(
    district: District, api: ApiFor, pipeline: dict
) -> None:
    later = api(district.clerk_a).post("/api/projects", _new(district, stage="started"))
    assert later.status_code == 400
    assert _fields(later) == {"stage"}
    future = api(district.clerk_a).post(
        "/api/projects", _new(district, stage_on=(TODAY + timedelta(days=1)).isoformat())
    )
    assert future.status_code == 400
    assert _fields(future) == {"stage_on"}
    assert not Project.objects.exists()


def test_possible_duplicate_is_recorded_and_returned(
    district: District, api: ApiFor, project_b: Project
) -> None:
    response = api(district.clerk_a).post(
        "/api/projects",
        _new(district, name="竹木精深加工项目", investor_name=project_b.investor_name),
    )
    assert response.status_code == 201
    checks = response.json()["duplicate_checks"]
    assert [(c["candidate_id"], c["reason"], c["status"]) for c in checks] == [
        (project_b.pk, "investor_name", "open")
    ]
    assert not Project.objects.counted(YEAR).filter(pk=response.json()["id"]).exists()


# Update ----------------------------------------------------------------------------------


def test_clerk_patches_a_project_and_history_records_the_reason(
    district: District, api: ApiFor, project_a: Project
) -> None:
    response = api(district.clerk_a).patch(
        f"/api/projects/{project_a.pk}",
        {"contracted_investment": "600000", "reason": "增资扩产"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["major_class"] == "50"
    project_a.refresh_from_db()
    assert project_a.contracted_investment == Decimal("600000")
    assert project_a.name == "锦城智能终端项目"  # untouched
    latest = project_a.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "增资扩产"
    assert latest.history_user == district.clerk_a


def test_a_project_keeps_counting_for_the_unit_that_signed_it(
    district: District, api: ApiFor, project_a: Project
) -> None:
    response = api(district.clerk_a).patch(
        f"/api/projects/{project_a.pk}",
        {"responsible_unit_id": district.village_a.pk, "reason": "移交平台"},
    )
    assert response.status_code == 200
    assert response.json()["responsible_unit_id"] == district.village_a.pk
    assert response.json()["counting_unit_id"] == district.town_a.pk
    assert response.json()["counting_year"] == YEAR


def test_patch_to_a_prohibited_industry_is_refused(
    district: District, api: ApiFor, project_a: Project
) -> None:
    response = api(district.clerk_a).patch(f"/api/projects/{project_a.pk}", {"industry": "06"})
    assert response.status_code == 400
    assert "禁止新建煤矿项目（示例）" in response.json()["detail"]
    project_a.refresh_from_db()
    assert project_a.industry.code == "39"


def test_patch_cannot_move_a_project_to_another_town(
    district: District, api: ApiFor, project_a: Project
) -> None:
    response = api(district.clerk_a).patch(
        f"/api/projects/{project_a.pk}", {"responsible_unit_id": district.town_b.pk}
    )
    assert response.status_code == 400
    assert _fields(response) == {"responsible_unit_id"}
    project_a.refresh_from_db()
    assert project_a.responsible_unit == district.town_a


def test_patch_with_null_for_a_required_field_is_refused(
    district: District, api: ApiFor, project_a: Project
) -> None:
    response = api(district.clerk_a).patch(f"/api/projects/{project_a.pk}", {"name": None})
    assert response.status_code == 400
    assert _fields(response) == {"name"}


def test_leader_gets_403_and_another_town_404_patching(
    district: District, api: ApiFor, project_a: Project
) -> None:
    assert (
        api(district.leader).patch(f"/api/projects/{project_a.pk}", {"name": "改"}).status_code
        == 403
    )
    hidden = api(district.clerk_b).patch(f"/api/projects/{project_a.pk}", {"name": "改"})
    assert hidden.status_code == 404
    assert hidden.json() == {"detail": NOT_FOUND}
    project_a.refresh_from_db()
    assert project_a.name == "锦城智能终端项目"


# Stage actions ---------------------------------------------------------------------------


def test_clerk_moves_a_project_forward(district: District, api: ApiFor, project_a: Project) -> None:
    response = api(district.clerk_a).post(
        f"/api/projects/{project_a.pk}/stage", {"to": "registered", "on": TODAY.isoformat()}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["stage"] == "registered"
    assert body["registered_on"] == TODAY.isoformat()
    assert body["milestones"][0]["actual_on"] == TODAY.isoformat()
    assert body["milestones"][0]["reached"] is True
    event = StageEvent.objects.filter(project=project_a).first()
    assert event is not None
    assert (event.to_stage, event.actor) == (Stage.REGISTERED, district.clerk_a)


def test_stage_jump_is_refused(district: District, api: ApiFor, project_a: Project) -> None:
    response = api(district.clerk_a).post(
        f"/api/projects/{project_a.pk}/stage", {"to": "started", "on": TODAY.isoformat()}
    )
    assert response.status_code == 400
    assert _fields(response) == {"to"}
    assert "下一阶段应为“注册”" in response.json()["detail"]


def test_stage_needing_evidence_is_refused_without_it(
    district: District, api: ApiFor, project_a: Project
) -> None:
    client = api(district.clerk_a)
    client.post(
        f"/api/projects/{project_a.pk}/stage", {"to": "registered", "on": TODAY.isoformat()}
    )
    response = client.post(
        f"/api/projects/{project_a.pk}/stage", {"to": "land", "on": TODAY.isoformat()}
    )
    assert response.status_code == 400
    assert "“供地”节点须先上传佐证材料" in response.json()["detail"]


def test_signing_a_project_in_a_prohibited_industry_is_refused(
    district: District, api: ApiFor, pipeline: dict
) -> None:
    lead = make_project(district, stage=Stage.NEGOTIATING, name="某项目", investor_name="某公司")
    # The list changed after entry: the industry is now prohibited.
    pipeline["prohibited"].industries.add(lead.industry)
    response = api(district.clerk_a).post(
        f"/api/projects/{lead.pk}/stage", {"to": "signed", "on": TODAY.isoformat()}
    )
    assert response.status_code == 400
    assert "禁止新建煤矿项目（示例）" in response.json()["detail"]
    lead.refresh_from_db()
    assert lead.stage == Stage.NEGOTIATING
    assert lead.counting_year is None


def test_signing_by_the_api_sets_the_counting_year_and_unit(
    district: District, api: ApiFor, pipeline: dict
) -> None:
    lead = make_project(
        district, district.village_a, stage=Stage.NEGOTIATING, name="某项目", investor_name="某公司"
    )
    response = api(district.clerk_a).post(
        f"/api/projects/{lead.pk}/stage", {"to": "signed", "on": TODAY.isoformat()}
    )
    assert response.status_code == 200
    assert response.json()["counting_year"] == TODAY.year
    assert response.json()["counting_unit_id"] == district.village_a.pk
    assert Project.objects.counted(TODAY.year, district.town_a).filter(pk=lead.pk).exists()


def test_going_back_and_terminating_need_a_reason(
    district: District, api: ApiFor, project_a: Project
) -> None:
    client = api(district.clerk_a)
    back = client.post(
        f"/api/projects/{project_a.pk}/stage", {"to": "negotiating", "on": TODAY.isoformat()}
    )
    assert back.status_code == 400
    assert _fields(back) == {"reason"}
    end = client.post(
        f"/api/projects/{project_a.pk}/stage", {"to": "terminated", "on": TODAY.isoformat()}
    )
    assert end.status_code == 400
    assert _fields(end) == {"reason"}
    ended = client.post(
        f"/api/projects/{project_a.pk}/stage",
        {"to": "terminated", "on": TODAY.isoformat(), "reason": "资金链断裂"},
    )
    assert ended.status_code == 200
    assert ended.json()["termination_reason"] == "资金链断裂"
    assert not Project.objects.counted(YEAR).filter(pk=project_a.pk).exists()


def test_stage_with_a_malformed_payload_gets_422(
    district: District, api: ApiFor, project_a: Project
) -> None:
    response = api(district.clerk_a).post(
        f"/api/projects/{project_a.pk}/stage", {"to": "done", "on": "yesterday"}
    )
    assert response.status_code == 422
    assert _fields(response) == {"to", "on"}


def test_leader_gets_403_and_another_town_404_on_stage_changes(
    district: District, api: ApiFor, project_a: Project
) -> None:
    payload = {"to": "registered", "on": TODAY.isoformat()}
    assert (
        api(district.leader).post(f"/api/projects/{project_a.pk}/stage", payload).status_code == 403
    )
    hidden = api(district.clerk_b).post(f"/api/projects/{project_a.pk}/stage", payload)
    assert hidden.status_code == 404
    project_a.refresh_from_db()
    assert project_a.stage == Stage.SIGNED


# Duplicate screening ----------------------------------------------------------------------


@pytest.fixture
def twin(district: District, project_a: Project) -> Project:
    return make_project(
        district, name="锦城智能终端项目（二期）", investor_name=project_a.investor_name
    )


def test_clerk_confirms_a_duplicate_as_distinct(
    district: District, api: ApiFor, project_a: Project, twin: Project
) -> None:
    check = DuplicateCheck.objects.get(project=twin)
    response = api(district.clerk_a).post(
        f"/api/projects/{twin.pk}/duplicates/{check.pk}",
        {"decision": "distinct", "note": "分期立项"},
    )
    assert response.status_code == 200
    assert response.json()["duplicate_checks"][0]["status"] == "distinct"
    assert Project.objects.counted(YEAR).filter(pk=twin.pk).exists()


def test_clerk_merges_a_duplicate_and_cannot_decide_it_again(
    district: District, api: ApiFor, project_a: Project, twin: Project
) -> None:
    check = DuplicateCheck.objects.get(project=twin)
    client = api(district.clerk_a)
    response = client.post(f"/api/projects/{twin.pk}/duplicates/{check.pk}", {"decision": "merged"})
    assert response.status_code == 200
    assert response.json()["merged_into_id"] == project_a.pk
    again = client.post(f"/api/projects/{twin.pk}/duplicates/{check.pk}", {"decision": "distinct"})
    assert again.status_code == 400
    assert "该疑似重复已于" in again.json()["detail"]


def test_duplicate_decision_rejects_open_and_unknown_values(
    district: District, api: ApiFor, twin: Project
) -> None:
    check = DuplicateCheck.objects.get(project=twin)
    client = api(district.clerk_a)
    assert (
        client.post(
            f"/api/projects/{twin.pk}/duplicates/{check.pk}", {"decision": "open"}
        ).status_code
        == 400
    )
    assert (
        client.post(f"/api/projects/{twin.pk}/duplicates/{check.pk}", {"decision": "x"}).status_code
        == 422
    )


def test_duplicate_decision_is_403_for_a_leader_and_404_for_another_town_or_project(
    district: District, api: ApiFor, project_a: Project, twin: Project
) -> None:
    check = DuplicateCheck.objects.get(project=twin)
    url = f"/api/projects/{twin.pk}/duplicates/{check.pk}"
    assert api(district.leader).post(url, {"decision": "merged"}).status_code == 403
    assert api(district.clerk_b).post(url, {"decision": "merged"}).status_code == 404
    # A check is decided through its own project only.
    other = api(district.clerk_a).post(
        f"/api/projects/{project_a.pk}/duplicates/{check.pk}", {"decision": "merged"}
    )
    assert other.status_code == 404
    check.refresh_from_db()
    assert check.status == DuplicateStatus.OPEN


# The documentation --------------------------------------------------------------------------


def test_every_project_operation_is_documented(db: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    operations = [
        operation
        for path, methods in schema["paths"].items()
        if path.startswith("/api/projects")
        for operation in methods.values()
    ]
    assert len(operations) == 6
    for operation in operations:
        assert operation["tags"] == ["projects"]
        assert operation["summary"]
        assert operation["description"]
    parameters = {
        parameter["name"]: parameter
        for parameter in schema["paths"]["/api/projects"]["get"]["parameters"]
    }
    assert {"stage", "responsible_unit", "leader", "overdue", "year", "sort"} <= set(parameters)
    assert parameters["leader"]["description"]
    created = schema["components"]["schemas"]["ProjectIn"]["properties"]
    assert created["industry"]["description"]
    assert created["contracted_investment"]["description"]


def test_session_post_needs_the_csrf_token(district: District, pipeline: dict) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(district.clerk_a)
    response = client.post("/api/projects", _new(district), content_type="application/json")
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_clerk_signed_a_project_in_the_past_counts_in_that_year(
    district: District, api: ApiFor, pipeline: dict
) -> None:
    response = api(district.clerk_a).post(
        "/api/projects", _new(district, stage_on=date(YEAR - 1, 12, 31).isoformat())
    )
    assert response.json()["counting_year"] == YEAR - 1
    assert not Project.objects.counted(YEAR).exists()
    assert Project.objects.counted(YEAR - 1, district.town_a).count() == 1
