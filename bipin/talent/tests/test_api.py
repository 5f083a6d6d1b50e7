"""Talent's API: list (the page's filters), detail, create and update, by session and by
token; scoped like the pages (another town's talent is 404), and the phone and ID number
masked for those who may not change the talent."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bipin.conftest import District
from bipin.enterprises.models import Enterprise
from bipin.org.tests.test_api import Api, ApiFor
from bipin.talent.models import Talent
from bipin.talent.tests.conftest import (
    ID_A,
    ID_A_MASKED,
    INTRODUCED,
    PHONE_A,
    PHONE_A_MASKED,
    TODAY,
    id_number,
    make_talent,
)

NOT_FOUND = "未找到该对象，或您无权访问。"


@pytest.fixture(params=["session", "token"])
def api(request: pytest.FixtureRequest, district: District) -> ApiFor:
    """`api(district.clerk_a)` calls the API as clerk_a, once by session, once by token."""
    return lambda user: Api(user, request.param)


def _ids(response: Any) -> set[int]:
    return {item["id"] for item in response.json()["items"]}


def _new(district: District, enterprise: Enterprise, **fields: Any) -> dict[str, Any]:
    payload = {
        "name": "陈思远",
        "tier": "D",
        "field": "人工智能",
        "employer": enterprise.uscc,
        "introducing_unit_id": district.town_a.pk,
        "introduced_on": INTRODUCED.isoformat(),
        "phone": "13755556666",
        "id_number": id_number("33018519900101123"),
    }
    payload.update(fields)
    return payload


def test_without_credentials_every_call_is_401(talent_a: Talent) -> None:
    client = Client()
    assert client.get("/api/talents").status_code == 401
    assert client.get(f"/api/talents/{talent_a.pk}").status_code == 401
    assert client.post("/api/talents", {}, content_type="application/json").status_code == 401
    assert (
        client.patch(f"/api/talents/{talent_a.pk}", {}, content_type="application/json").status_code
        == 401
    )


def test_a_clerk_lists_their_towns_talents_only(
    district: District, api: ApiFor, talent_a: Talent, talent_b: Talent
) -> None:
    response = api(district.clerk_a).get("/api/talents")
    assert response.status_code == 200
    assert _ids(response) == {talent_a.pk} and response.json()["count"] == 1
    assert _ids(api(district.clerk_b).get("/api/talents")) == {talent_b.pk}
    assert _ids(api(district.leader).get("/api/talents")) == {talent_a.pk, talent_b.pk}
    assert _ids(api(district.viewer).get("/api/talents")) == set()


def test_the_list_gives_personal_data_in_full_or_masked_as_the_pages_do(
    district: District, api: ApiFor, talent_a: Talent
) -> None:
    [mine] = api(district.clerk_a).get("/api/talents").json()["items"]
    assert (mine["phone"], mine["id_number"], mine["personal_masked"]) == (PHONE_A, ID_A, False)
    [seen] = api(district.leader).get("/api/talents").json()["items"]
    assert (seen["phone"], seen["id_number"]) == (PHONE_A_MASKED, ID_A_MASKED)
    assert seen["personal_masked"] is True
    detail = api(district.leader).get(f"/api/talents/{talent_a.pk}")
    assert PHONE_A not in detail.content.decode() and ID_A not in detail.content.decode()


def test_the_list_takes_the_pages_filters(
    district: District, api: ApiFor, talent_a: Talent, talent_b: Talent
) -> None:
    client = api(district.supervisor)
    assert _ids(client.get("/api/talents", {"tier": "high_level"})) == {talent_a.pk}
    assert _ids(client.get("/api/talents", {"tier": "graduate"})) == {talent_b.pk}
    assert _ids(client.get("/api/talents", {"settled": "true"})) == {talent_a.pk}
    assert _ids(client.get("/api/talents", {"introducing_unit": district.town_b.pk})) == {
        talent_b.pk
    }
    assert _ids(client.get("/api/talents", {"employer": talent_a.employer_id})) == {talent_a.pk}
    assert _ids(client.get("/api/talents", {"q": "林学"})) == {talent_b.pk}
    assert _ids(client.get("/api/talents", {"year": INTRODUCED.year - 1})) == set()
    assert client.get("/api/talents", {"tier": "Z"}).status_code == 422
    assert client.get("/api/talents", {"sort": "salary"}).status_code == 422


def test_a_hidden_unit_as_a_filter_is_refused_not_ignored(
    district: District, api: ApiFor, talent_b: Talent
) -> None:
    response = api(district.clerk_a).get("/api/talents", {"introducing_unit": district.town_b.pk})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "introducing_unit"


def test_the_lists_query_count_does_not_grow_with_the_rows(
    district: District, talent_a: Talent
) -> None:
    client = Api(district.leader, "session")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/talents").status_code == 200
        return len(queries)

    count()
    few = count()
    for number in range(10):
        make_talent(district, name=f"人才{number}")
    assert count() == few


def test_another_towns_talent_is_404_like_an_unknown_one(
    district: District, api: ApiFor, talent_a: Talent
) -> None:
    for url in (f"/api/talents/{talent_a.pk}", "/api/talents/999999"):
        response = api(district.clerk_b).get(url)
        assert response.status_code == 404 and response.json()["detail"] == NOT_FOUND
    response = api(district.clerk_b).patch(f"/api/talents/{talent_a.pk}", {"name": "改名"})
    assert response.status_code == 404


def test_a_clerk_registers_a_talent(
    district: District, api: ApiFor, enterprises: dict[str, Enterprise]
) -> None:
    response = api(district.clerk_a).post("/api/talents", _new(district, enterprises["a"]))
    assert response.status_code == 201, response.json()
    body = response.json()
    talent = Talent.objects.get()
    assert body["id"] == talent.pk and body["code"] == f"RC{INTRODUCED.year}-0001"
    assert body["employer_name"] == "杭州锦城微电子有限公司"
    assert body["phone"] == "13755556666" and body["personal_masked"] is False
    assert talent.history.get().history_user == district.clerk_a


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"employer": ""}, "employer", "请填写工作单位"),
        ({"employer": "91330185MA2H0XX000"}, "employer", "找不到工作单位"),
        (
            {"introduced_on": (TODAY + timedelta(days=1)).isoformat()},
            "introduced_on",
            "不能晚于今天",
        ),
        (
            {"settled": True, "settled_on": (TODAY + timedelta(days=1)).isoformat()},
            "settled_on",
            "不能晚于今天",
        ),
        ({"settled": True}, "settled_on", "已落户的人才须填写落户日期"),
        ({"phone": PHONE_A_MASKED}, "phone", "新增人才须填写完整号码"),
        ({"introducing_unit_id": 0}, "introducing_unit_id", "不在您的权限范围内"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(
    district: District,
    api: ApiFor,
    enterprises: dict[str, Enterprise],
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = api(district.clerk_a).post(
        "/api/talents", _new(district, enterprises["a"], **changes)
    )
    assert response.status_code == 400, response.json()
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert message in errors[field], errors
    assert not Talent.objects.exists()


def test_negative_funding_is_refused_before_anything_runs(
    district: District, api: ApiFor, enterprises: dict[str, Enterprise]
) -> None:
    payload = _new(district, enterprises["a"], project_name="芯片", project_funding="-1")
    assert api(district.clerk_a).post("/api/talents", payload).status_code == 422
    assert not Talent.objects.exists()


def test_a_clerk_cannot_register_for_another_town_and_a_leader_not_at_all(
    district: District, api: ApiFor, enterprises: dict[str, Enterprise]
) -> None:
    payload = _new(district, enterprises["b"], introducing_unit_id=district.town_b.pk)
    assert api(district.clerk_a).post("/api/talents", payload).status_code == 400
    assert api(district.leader).post("/api/talents", payload).status_code == 403
    assert not Talent.objects.exists()


def test_update_changes_only_what_is_given_with_the_reason(
    district: District, api: ApiFor, talent_a: Talent
) -> None:
    response = api(district.clerk_a).patch(
        f"/api/talents/{talent_a.pk}", {"status": "left", "reason": "调离"}
    )
    assert response.status_code == 200, response.json()
    talent_a.refresh_from_db()
    assert talent_a.status == "left" and talent_a.name == "张晓明" and talent_a.phone == PHONE_A
    assert talent_a.history.first().history_change_reason == "调离"


def test_a_mask_sent_back_keeps_the_stored_number(
    district: District, api: ApiFor, talent_a: Talent
) -> None:
    response = api(district.supervisor).patch(
        f"/api/talents/{talent_a.pk}", {"phone": PHONE_A_MASKED, "id_number": ID_A_MASKED}
    )
    assert response.status_code == 200
    talent_a.refresh_from_db()
    assert (talent_a.phone, talent_a.id_number) == (PHONE_A, ID_A)


def test_a_leader_may_read_but_not_change(
    district: District, api: ApiFor, talent_a: Talent
) -> None:
    assert api(district.leader).get(f"/api/talents/{talent_a.pk}").status_code == 200
    response = api(district.leader).patch(f"/api/talents/{talent_a.pk}", {"name": "改名"})
    assert response.status_code == 403


def test_update_refuses_emptying_a_required_field(
    district: District, api: ApiFor, talent_a: Talent
) -> None:
    response = api(district.clerk_a).patch(f"/api/talents/{talent_a.pk}", {"employer": ""})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "employer"
    response = api(district.clerk_a).patch(f"/api/talents/{talent_a.pk}", {"tier": None})
    assert response.status_code == 400


def test_the_api_is_documented(district: District) -> None:
    schema = Api(district.clerk_a, "session").get("/api/openapi.json").json()
    assert {"/api/talents", "/api/talents/{talent_id}"} <= set(schema["paths"])
    talent = schema["components"]["schemas"]["TalentOut"]["properties"]
    assert "遮盖" in talent["phone"]["description"]
