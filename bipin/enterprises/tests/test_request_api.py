"""The service requests' API: list (the page's filters), detail with steps, submit, update,
one endpoint per status step, the figures and the categories.

Each endpoint is called by session and by personal token: a user who may use it, a user
who sees the request but may not take the step (403 with the action's message), another
town's request (404, as one that does not exist), and no credentials (401). A rule the
input breaks answers 400 naming its field; malformed input 422.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bipin.conftest import District
from bipin.enterprises.choices import Intake, Satisfaction, Status
from bipin.enterprises.models import ServiceRequest
from bipin.enterprises.stats import request_figures
from bipin.enterprises.tests.test_request_actions import SUBMITTED, TODAY, Requests, category
from bipin.org.tests.test_api import Api, ApiFor, bearer

NOT_FOUND = "未找到该对象，或您无权访问。"


@pytest.fixture(params=["session", "token"])
def api(request: pytest.FixtureRequest, district: District) -> ApiFor:
    return lambda user: Api(user, request.param)


@pytest.fixture
def requests(district: District) -> Requests:
    return Requests(district)


@pytest.fixture
def request_a(requests: Requests) -> ServiceRequest:
    return requests.walk(requests.submit(), Status.ASSIGNED)


@pytest.fixture
def request_b(district: District, requests: Requests) -> ServiceRequest:
    return requests.walk(
        requests.submit(requests.enterprise_b), Status.ASSIGNED, departments=[district.statistics]
    )


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def _fields(response: Any) -> set[str]:
    return {error["field"].rsplit(".", 1)[-1] for error in response.json()["errors"]}


# Reading ------------------------------------------------------------------------------------


def test_without_credentials_the_api_answers_401(request_a: ServiceRequest) -> None:
    for url in ("/api/requests", f"/api/requests/{request_a.pk}", "/api/requests/figures"):
        response = Client().get(url)
        assert response.status_code == 401
        assert "detail" in response.json()
    response = Client().post(
        f"/api/requests/{request_a.pk}/start", {}, content_type="application/json"
    )
    assert response.status_code == 401
    request_a.refresh_from_db()
    assert request_a.status == Status.ASSIGNED


def test_each_user_lists_the_requests_they_may_see(
    district: District,
    api: ApiFor,
    requests: Requests,
    request_a: ServiceRequest,
    request_b: ServiceRequest,
) -> None:
    assert _ids(api(district.clerk_a).get("/api/requests")) == {request_a.pk}
    assert _ids(api(district.clerk_b).get("/api/requests")) == {request_b.pk}
    assert _ids(api(requests.office_clerk).get("/api/requests")) == {request_a.pk}
    assert _ids(api(requests.statistics_clerk).get("/api/requests")) == {request_b.pk}
    assert _ids(api(district.supervisor).get("/api/requests")) == {request_a.pk, request_b.pk}
    assert _ids(api(district.viewer).get("/api/requests")) == set()


def test_the_list_takes_the_pages_filters(
    district: District, api: ApiFor, requests: Requests, request_a: ServiceRequest
) -> None:
    done = requests.walk(requests.submit(on=TODAY), Status.DONE)
    client = api(district.supervisor)
    assert _ids(client.get("/api/requests", {"status": "done"})) == {done.pk}
    assert _ids(client.get("/api/requests", {"overdue": "true"})) == {request_a.pk}
    assert _ids(client.get("/api/requests", {"department": district.office.pk})) == {
        request_a.pk,
        done.pk,
    }
    assert _ids(client.get("/api/requests", {"submitted_to": SUBMITTED.isoformat()})) == {
        request_a.pk
    }
    assert client.get("/api/requests", {"status": "lost"}).status_code == 422
    assert client.get("/api/requests", {"sort": "name"}).status_code == 422
    item = client.get("/api/requests", {"status": "assigned"}).json()["items"][0]
    assert item["code"] == request_a.code
    assert item["overdue"] is True and item["on_time"] is None
    assert item["departments"] == [
        {"id": district.office.pk, "code": district.office.code, "name": "区发展和改革局"}
    ]
    assert (item["status"], item["status_label"], item["satisfaction"]) == (
        "assigned",
        "已分派",
        None,
    )


def test_the_list_query_count_does_not_grow_with_requests(
    district: District, requests: Requests
) -> None:
    headers = bearer(district.clerk_a)
    client = Client()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/requests", **headers).status_code == 200
        return len(queries)

    for _ in range(3):
        requests.walk(requests.submit(), Status.ASSIGNED)
    count()  # the token's first use is written down once
    few = count()
    for _ in range(20):
        requests.walk(requests.submit(), Status.ASSIGNED)
    assert count() == few


def test_a_request_comes_with_its_steps_and_the_steps_the_user_may_take(
    district: District, api: ApiFor, requests: Requests, request_a: ServiceRequest
) -> None:
    body = api(requests.office_clerk).get(f"/api/requests/{request_a.pk}").json()
    assert [(step["from_status"], step["to_status"]) for step in body["steps"]] == [
        (None, "submitted"),
        ("submitted", "assigned"),
    ]
    assert body["steps"][1]["actor_name"] == "锦城填报员"
    assert body["steps"][1]["note"] == "分派至：区发展和改革局"
    assert body["allowed_steps"] == ["start"]
    assert api(district.clerk_a).get(f"/api/requests/{request_a.pk}").json()["allowed_steps"] == [
        "assign",
        "edit",
    ]


@pytest.mark.parametrize("who", ["clerk_b", "statistics_clerk", "viewer"])
def test_a_request_the_user_may_not_see_is_404(
    district: District, api: ApiFor, requests: Requests, request_a: ServiceRequest, who: str
) -> None:
    client = api(getattr(requests, who, None) or getattr(district, who))
    for response in (
        client.get(f"/api/requests/{request_a.pk}"),
        client.post(f"/api/requests/{request_a.pk}/start", {}),
        client.patch(f"/api/requests/{request_a.pk}", {"description": "改"}),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == NOT_FOUND
    assert client.get("/api/requests/999999").status_code == 404


# Submitting and correcting ------------------------------------------------------------------


def _new(requests: Requests, **changes: Any) -> dict[str, Any]:
    return {
        "enterprise_id": requests.enterprise_a.pk,
        "category_id": category("政策兑现").pk,
        "description": "申请技改补助兑现",
        "intake": Intake.HOTLINE,
        "submitted_on": SUBMITTED.isoformat(),
        **changes,
    }


def test_the_town_submits_a_request(district: District, api: ApiFor, requests: Requests) -> None:
    response = api(district.clerk_a).post("/api/requests", _new(requests))
    assert response.status_code == 201
    body = response.json()
    assert body["deadline"] == (SUBMITTED + timedelta(days=15)).isoformat()
    assert body["code"] == f"SQ{SUBMITTED.year}-0001"
    assert body["steps"][0]["actor_id"] == district.clerk_a.pk
    assert ServiceRequest.objects.get().enterprise == requests.enterprise_a


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"enterprise_id": "b"}, "enterprise_id"),
        ({"category_id": 999999}, "category_id"),
        ({"submitted_on": (TODAY + timedelta(days=1)).isoformat()}, "submitted_on"),
    ],
)
def test_a_submission_that_breaks_a_rule_is_400_naming_the_field(
    district: District, api: ApiFor, requests: Requests, changes: dict[str, Any], field: str
) -> None:
    if changes.get("enterprise_id") == "b":
        changes = {"enterprise_id": requests.enterprise_b.pk}  # 於潜's, not 锦城's
    response = api(district.clerk_a).post("/api/requests", _new(requests, **changes))
    assert response.status_code == 400
    assert _fields(response) == {field}
    assert not ServiceRequest.objects.exists()


def test_a_malformed_submission_is_422(district: District, api: ApiFor, requests: Requests) -> None:
    response = api(district.clerk_a).post("/api/requests", _new(requests, intake="fax"))
    assert response.status_code == 422
    assert _fields(response) == {"intake"}


@pytest.mark.parametrize("who", ["office_clerk", "leader", "viewer"])
def test_who_takes_no_requests_in_may_not_submit(
    district: District, api: ApiFor, requests: Requests, who: str
) -> None:
    client = api(getattr(requests, who, None) or getattr(district, who))
    response = client.post("/api/requests", _new(requests))
    assert response.status_code == 403
    assert response.json()["detail"] == "只有督查室或企业所在镇街可以登记诉求。"


def test_the_town_corrects_a_request_and_a_department_may_not(
    district: District, api: ApiFor, requests: Requests, request_a: ServiceRequest
) -> None:
    response = api(district.clerk_a).patch(
        f"/api/requests/{request_a.pk}",
        {"category_id": category("要素保障").pk, "reason": "类别登记错误"},
    )
    assert response.status_code == 200
    assert response.json()["deadline"] == (SUBMITTED + timedelta(days=30)).isoformat()
    response = api(requests.office_clerk).patch(
        f"/api/requests/{request_a.pk}", {"description": "改"}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "只有督查室或企业所在镇街可以修改诉求。"
    response = api(district.clerk_a).patch(f"/api/requests/{request_a.pk}", {"intake": None})
    assert response.status_code == 400


# Steps ----------------------------------------------------------------------------------------


def test_a_request_is_worked_from_submission_to_closing(
    district: District, api: ApiFor, requests: Requests
) -> None:
    town, office = api(district.clerk_a), api(requests.office_clerk)
    pk = town.post("/api/requests", _new(requests)).json()["id"]
    steps = [
        (town, "assign", {"department_ids": [district.office.pk, district.statistics.pk]}),
        (office, "start", {"note": "已对接"}),
        (office, "finish", {"reply": "已拨付", "visits": 0, "done_on": TODAY.isoformat()}),
        (town, "close", {"satisfaction": Satisfaction.SATISFIED}),
        (town, "reopen", {"reason": "企业反映未到账"}),
        (office, "start", {}),
    ]
    statuses = []
    for client, step, payload in steps:
        response = client.post(f"/api/requests/{pk}/{step}", payload)
        assert response.status_code == 200, (step, response.content)
        statuses.append(response.json()["status"])
    assert statuses == ["assigned", "in_progress", "done", "closed", "reopened", "in_progress"]
    body = response.json()
    assert [step["to_status"] for step in body["steps"]] == ["submitted", *statuses]
    assert [department["name"] for department in body["departments"]] == [
        "区发展和改革局",
        "区统计局",
    ]


@pytest.mark.parametrize(
    ("who", "step", "payload", "message"),
    [
        ("clerk_a", "start", {}, "只有承办部门可以受理诉求。"),
        ("office_clerk", "assign", {"department_ids": [1]}, "只有督查室或企业所在镇街可以分派诉求。"),
        ("leader", "finish", {"reply": "x", "visits": 0}, "只有承办部门可以办结诉求。"),
        ("office_clerk", "close", {"satisfaction": "satisfied"}, "只有督查室或企业所在镇街可以关闭诉求。"),
        ("office_clerk", "reopen", {"reason": "x"}, "只有督查室或企业所在镇街可以重新打开诉求。"),
    ],
)  # fmt: skip
def test_a_step_the_user_may_not_take_is_403_with_the_actions_message(
    district: District,
    api: ApiFor,
    requests: Requests,
    request_a: ServiceRequest,
    who: str,
    step: str,
    payload: dict[str, Any],
    message: str,
) -> None:
    client = api(getattr(requests, who, None) or getattr(district, who))
    response = client.post(f"/api/requests/{request_a.pk}/{step}", payload)
    assert response.status_code == 403
    assert response.json()["detail"] == message
    request_a.refresh_from_db()
    assert request_a.status == Status.ASSIGNED


@pytest.mark.parametrize(
    ("step", "payload", "field", "message"),
    [
        ("close", {"satisfaction": "satisfied"}, "", "“办理中”状态的诉求不能关闭。"),
        ("start", {}, "", "“办理中”状态的诉求不能受理。"),
        ("finish", {"reply": " ", "visits": 0}, "reply", "办结须填写答复意见。"),
        (
            "finish",
            {"reply": "已办", "visits": 1, "done_on": (TODAY + timedelta(days=1)).isoformat()},
            "done_on",
            "日期不能晚于今天。",
        ),
        ("assign", {"department_ids": []}, "departments", "请至少选择一个承办部门。"),
        ("assign", {"department_ids": [999999]}, "department_ids", "没有编号为 999999 的单位。"),
    ],
)
def test_a_step_that_breaks_a_rule_is_400_with_the_message(
    district: District,
    api: ApiFor,
    requests: Requests,
    step: str,
    payload: dict[str, Any],
    field: str,
    message: str,
) -> None:
    request = requests.walk(requests.submit(), Status.IN_PROGRESS)
    client = api(district.supervisor)
    response = client.post(f"/api/requests/{request.pk}/{step}", payload)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": field, "message": message}]
    request.refresh_from_db()
    assert (request.status, request.satisfaction, request.done_on) == (
        Status.IN_PROGRESS,
        "",
        None,
    )


def test_a_non_department_is_refused_and_negative_visits_are_malformed(
    district: District, api: ApiFor, requests: Requests, request_a: ServiceRequest
) -> None:
    response = api(district.clerk_a).post(
        f"/api/requests/{request_a.pk}/assign", {"department_ids": [district.town_b.pk]}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "“於潜镇”不是部门，诉求只能分派给部门。"
    requests.walk(request_a, Status.IN_PROGRESS)
    response = api(requests.office_clerk).post(
        f"/api/requests/{request_a.pk}/finish", {"reply": "x", "visits": -1}
    )
    assert response.status_code == 422


# Figures and categories -----------------------------------------------------------------------


def test_the_figures_are_the_pages_for_the_requests_the_user_sees(
    district: District, api: ApiFor, requests: Requests, request_a: ServiceRequest
) -> None:
    requests.walk(requests.submit(on=TODAY - timedelta(days=3)), Status.CLOSED, visits=2)
    requests.walk(
        requests.submit(requests.enterprise_b), Status.DONE, departments=[district.statistics]
    )
    body = api(district.clerk_a).get("/api/requests/figures").json()
    overall, _departments = request_figures(ServiceRequest.objects.restrict(district.clerk_a))
    assert body["overall"]["total"] == overall.total == 2
    assert body["overall"]["on_time_rate"] == str(overall.on_time_rate) == "100.0"
    assert body["overall"]["one_visit_rate"] == "0.0"
    assert body["overall"]["department_id"] is None
    assert [item["department_name"] for item in body["departments"]] == ["区发展和改革局"]
    everything = api(district.supervisor).get("/api/requests/figures", {"status": "done"}).json()
    assert everything["overall"]["total"] == 1
    assert api(district.viewer).get("/api/requests/figures").json()["overall"]["total"] == 0


def test_the_categories_are_listed_with_their_time_limits(district: District, api: ApiFor) -> None:
    body = api(district.clerk_a).get("/api/requests/categories").json()
    assert [(item["name"], item["time_limit_days"]) for item in body][:2] == [
        ("政策兑现", 15),
        ("要素保障", 30),
    ]


def test_the_api_is_documented(district: District) -> None:
    client = Client()
    client.force_login(district.supervisor)
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/requests",
        "/api/requests/{request_id}",
        "/api/requests/figures",
        "/api/requests/{request_id}/assign",
        "/api/requests/{request_id}/start",
        "/api/requests/{request_id}/finish",
        "/api/requests/{request_id}/close",
        "/api/requests/{request_id}/reopen",
    ):
        assert path in paths, path
        for operation in paths[path].values():
            assert operation["summary"] and operation.get("description"), path
    fields = schema["components"]["schemas"]["RequestOut"]["properties"]
    assert "跑动次数" in fields["visits"]["description"]
