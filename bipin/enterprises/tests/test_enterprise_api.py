"""The enterprises' API: list (the page's filters), detail, create and update.

Each endpoint is called by session and by personal token: a user who may use it, a user
who may see but not change (403), another town's enterprise (404, the same answer as for
one that does not exist), and no credentials (401). Rules answer with 400 and the field
they are about; malformed input with 422.
"""

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bipin.conftest import District
from bipin.enterprises.choices import Size
from bipin.enterprises.models import Enterprise
from bipin.enterprises.tests.test_enterprise_views import (
    _add_enterprises,
    link,
    make_enterprise,
    make_enterprise_b,
    submit_request,
    uscc,
)
from bipin.org.tests.test_api import Api, ApiFor, bearer

NOT_FOUND = "未找到该对象，或您无权访问。"


@pytest.fixture(params=["session", "token"])
def api(request: pytest.FixtureRequest, district: District) -> ApiFor:
    """`api(district.clerk_a)` calls the API as clerk_a, once by session, once by token."""
    return lambda user: Api(user, request.param)


@pytest.fixture
def enterprise_a(district: District) -> Enterprise:
    return make_enterprise(district, is_key=True)


@pytest.fixture
def enterprise_b(district: District) -> Enterprise:
    return make_enterprise_b(district)


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def _fields(response: Any) -> set[str]:
    return {error["field"].rsplit(".", 1)[-1] for error in response.json()["errors"]}


def _new(district: District, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "uscc": uscc(),
        "name": "杭州临安接口录入科技有限公司",
        "industry": "39",
        "unit_id": district.town_a.pk,
        "size": Size.ABOVE_SCALE,
        "is_key": True,
        "land_area": "20.5",
        "employees": 88,
        "address": "锦城街道某路8号",
    }
    payload.update(fields)
    return payload


# No credentials ------------------------------------------------------------------------


CALLS = [
    ("get", "/api/enterprises"),
    ("get", "/api/enterprises/{pk}"),
    ("post", "/api/enterprises"),
    ("patch", "/api/enterprises/{pk}"),
]


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_request_without_credentials_gets_401_json(
    district: District, enterprise_a: Enterprise, method: str, path: str
) -> None:
    url = path.format(pk=enterprise_a.pk)
    response = getattr(Client(), method)(url, {}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("请先登录")


def test_unauthenticated_writes_change_nothing(
    district: District, enterprise_a: Enterprise
) -> None:
    client = Client()
    client.post("/api/enterprises", _new(district), content_type="application/json")
    client.patch(
        f"/api/enterprises/{enterprise_a.pk}", {"name": "匿名"}, content_type="application/json"
    )
    assert Enterprise.objects.count() == 1
    enterprise_a.refresh_from_db()
    assert enterprise_a.name == "杭州临安锦城电子科技有限公司"


# The list --------------------------------------------------------------------------------


def test_clerk_of_jincheng_lists_jinchengs_enterprises_not_yuqians(
    district: District, api: ApiFor, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    assert _ids(api(district.clerk_a).get("/api/enterprises")) == {enterprise_a.pk}
    assert _ids(api(district.clerk_b).get("/api/enterprises")) == {enterprise_b.pk}


@pytest.mark.parametrize("who", ["supervisor", "leader"])
def test_supervisor_and_leader_list_every_enterprise(
    district: District, api: ApiFor, enterprise_a: Enterprise, enterprise_b: Enterprise, who: str
) -> None:
    response = api(getattr(district, who)).get("/api/enterprises")
    assert _ids(response) == {enterprise_a.pk, enterprise_b.pk}
    assert response.json()["count"] == 2


@pytest.mark.parametrize("who", ["viewer", "provider"])
def test_viewer_and_data_provider_list_no_enterprises(
    district: District, api: ApiFor, enterprise_a: Enterprise, who: str
) -> None:
    assert _ids(api(getattr(district, who)).get("/api/enterprises")) == set()


def test_enterprise_list_describes_each_enterprise(
    district: District, api: ApiFor, enterprise_a: Enterprise
) -> None:
    [item] = api(district.clerk_a).get("/api/enterprises").json()["items"]
    assert item == {
        "id": enterprise_a.pk,
        "uscc": enterprise_a.uscc,
        "name": "杭州临安锦城电子科技有限公司",
        "industry": "39",
        "industry_name": "计算机、通信和其他电子设备制造业",
        "unit_id": district.town_a.pk,
        "unit_name": "锦城街道",
        "size": "above_scale",
        "size_label": "规上",
        "is_key": True,
        "land_area": "35.50",
        "employees": 120,
        "address": "浙江省杭州市临安区锦城街道钱王街1号",
        "created_at": item["created_at"],
    }


def test_enterprise_list_takes_the_pages_filters(
    district: District, api: ApiFor, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    client = api(district.supervisor)

    def listed(**params: Any) -> set[int]:
        return _ids(client.get("/api/enterprises", params))

    assert listed(unit=district.town_b.pk) == {enterprise_b.pk}
    assert listed(industry="39") == {enterprise_a.pk}
    assert listed(industry="C") == {enterprise_a.pk, enterprise_b.pk}
    assert listed(size="below_scale") == {enterprise_b.pk}
    assert listed(is_key="true") == {enterprise_a.pk}
    assert listed(q="於潜") == {enterprise_b.pk}
    assert listed(q=enterprise_a.uscc) == {enterprise_a.pk}
    link(district, enterprise_b)
    assert listed(leader=district.leader.pk) == {enterprise_b.pk}
    assert listed(linked="false") == {enterprise_a.pk}
    items = client.get("/api/enterprises", {"sort": "-employees"}).json()["items"]
    assert [item["id"] for item in items] == [enterprise_a.pk, enterprise_b.pk]


def test_enterprise_list_refuses_a_hidden_unit_like_an_unknown_one(
    district: District, api: ApiFor, enterprise_a: Enterprise
) -> None:
    client = api(district.clerk_a)
    hidden = client.get("/api/enterprises", {"unit": district.town_b.pk})
    unknown = client.get("/api/enterprises", {"unit": 999999})
    assert hidden.status_code == unknown.status_code == 400
    assert _fields(hidden) == _fields(unknown) == {"unit"}
    assert hidden.json()["detail"] == unknown.json()["detail"]


def test_enterprise_list_rejects_unknown_values_with_422(district: District, api: ApiFor) -> None:
    response = api(district.supervisor).get("/api/enterprises", {"size": "huge", "sort": "x"})
    assert response.status_code == 422
    assert _fields(response) == {"size", "sort"}


def test_enterprise_list_is_paginated(district: District, api: ApiFor) -> None:
    for number in range(105):
        make_enterprise(district, name=f"企业{number:03d}")
    response = api(district.clerk_a).get("/api/enterprises", {"sort": "name", "page": 3})
    assert response.json()["count"] == 105
    assert [item["name"] for item in response.json()["items"]] == [
        f"企业{number:03d}" for number in range(100, 105)
    ]


@pytest.mark.parametrize("who", ["supervisor", "clerk_a"])
def test_enterprise_list_query_count_does_not_grow_with_enterprises(
    district: District, who: str
) -> None:
    headers = bearer(getattr(district, who))
    client = Client()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                "/api/enterprises", {"is_key": "true", "sort": "-land", "linked": "true"}, **headers
            )
            assert response.status_code == 200
        return len(queries)

    count()
    _add_enterprises(district, 4, 0)
    few = count()
    _add_enterprises(district, 40, 4)
    many = count()
    assert many == few


# Detail ----------------------------------------------------------------------------------


def test_clerk_opens_own_towns_enterprise_with_leaders_and_request_counts(
    district: District, api: ApiFor, enterprise_a: Enterprise
) -> None:
    link(district, enterprise_a)
    submit_request(district, enterprise_a, days_ago=30)
    submit_request(district, enterprise_a, days_ago=1)
    response = api(district.clerk_a).get(f"/api/enterprises/{enterprise_a.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["uscc"] == enterprise_a.uscc
    assert [(leader["name"], leader["duty"]) for leader in body["leaders"]] == [
        ("李明华", "企业服务")
    ]
    assert body["requests"] == {"total": 2, "open": 2, "overdue": 1}


def test_clerk_gets_404_for_another_towns_enterprise_like_an_unknown_one(
    district: District, api: ApiFor, enterprise_b: Enterprise
) -> None:
    client = api(district.clerk_a)
    hidden = client.get(f"/api/enterprises/{enterprise_b.pk}")
    unknown = client.get("/api/enterprises/999999")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json() == {"detail": NOT_FOUND}


@pytest.mark.parametrize("who", ["viewer", "provider"])
def test_viewer_and_data_provider_get_404_for_an_enterprise(
    district: District, api: ApiFor, enterprise_a: Enterprise, who: str
) -> None:
    assert api(getattr(district, who)).get(f"/api/enterprises/{enterprise_a.pk}").status_code == 404


# Create ----------------------------------------------------------------------------------


def test_clerk_creates_an_enterprise_of_the_town(district: District, api: ApiFor) -> None:
    code = uscc("MA2H0AB10")
    response = api(district.clerk_a).post(
        "/api/enterprises", _new(district, uscc=code.lower(), name=" 杭州 某公司 ")
    )
    assert response.status_code == 201, response.content
    made = Enterprise.objects.get()
    assert response.json()["id"] == made.pk
    assert (made.uscc, made.name, made.unit) == (code, "杭州 某公司", district.town_a)
    assert made.land_area == Decimal("20.5")
    assert made.history.get().history_user == district.clerk_a


def test_clerk_cannot_create_an_enterprise_for_another_town(
    district: District, api: ApiFor
) -> None:
    response = api(district.clerk_a).post(
        "/api/enterprises", _new(district, unit_id=district.town_b.pk)
    )
    assert response.status_code == 400
    assert _fields(response) == {"unit_id"}
    assert not Enterprise.objects.exists()


def test_an_enterprise_cannot_belong_to_a_department(district: District, api: ApiFor) -> None:
    response = api(district.supervisor).post(
        "/api/enterprises", _new(district, unit_id=district.office.pk)
    )
    assert response.status_code == 400
    assert _fields(response) == {"unit_id"}


@pytest.mark.parametrize("who", ["leader", "viewer", "provider"])
def test_who_may_not_add_gets_403(district: District, api: ApiFor, who: str) -> None:
    response = api(getattr(district, who)).post("/api/enterprises", _new(district))
    assert response.status_code == 403
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91330185MA2H0AB1Z0", "第 17 位“Z”不是允许的字符"),
        ("913301A5MA2H0AB100", "第 7 位应为数字"),
        ("91330185MA2H0AB10X", "第 18 位校验码错误"),
    ],
)
def test_invalid_uscc_names_the_position(
    district: District, api: ApiFor, code: str, message: str
) -> None:
    response = api(district.clerk_a).post("/api/enterprises", _new(district, uscc=code))
    assert response.status_code == 400
    assert _fields(response) == {"uscc"}
    assert message in response.json()["detail"]
    assert not Enterprise.objects.exists()


def test_duplicate_uscc_is_refused(
    district: District, api: ApiFor, enterprise_a: Enterprise
) -> None:
    response = api(district.clerk_a).post(
        "/api/enterprises", _new(district, uscc=enterprise_a.uscc)
    )
    assert response.status_code == 400
    assert _fields(response) == {"uscc"}
    assert Enterprise.objects.count() == 1


def test_unknown_industry_is_refused(district: District, api: ApiFor) -> None:
    response = api(district.clerk_a).post("/api/enterprises", _new(district, industry="C"))
    assert response.status_code == 400
    assert _fields(response) == {"industry"}
    assert "39" in response.json()["detail"]


def test_negative_land_area_or_employees_get_422(district: District, api: ApiFor) -> None:
    response = api(district.clerk_a).post(
        "/api/enterprises", _new(district, land_area="-1", employees=-3)
    )
    assert response.status_code == 422
    assert _fields(response) == {"land_area", "employees"}
    assert not Enterprise.objects.exists()


def test_session_post_needs_the_csrf_token(district: District) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(district.clerk_a)
    response = client.post("/api/enterprises", _new(district), content_type="application/json")
    assert response.status_code == 403
    assert not Enterprise.objects.exists()


# Update ----------------------------------------------------------------------------------


def test_clerk_patches_an_enterprise_and_history_records_the_reason(
    district: District, api: ApiFor, enterprise_a: Enterprise
) -> None:
    response = api(district.clerk_a).patch(
        f"/api/enterprises/{enterprise_a.pk}",
        {"employees": 200, "land_area": None, "reason": "年报更新"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["employees"] == 200
    enterprise_a.refresh_from_db()
    assert (enterprise_a.employees, enterprise_a.land_area) == (200, None)
    assert enterprise_a.name == "杭州临安锦城电子科技有限公司"  # not given, not changed
    latest = enterprise_a.history.first()
    assert (latest.history_change_reason, latest.history_user) == ("年报更新", district.clerk_a)


def test_patch_cannot_move_an_enterprise_to_another_town(
    district: District, api: ApiFor, enterprise_a: Enterprise
) -> None:
    response = api(district.clerk_a).patch(
        f"/api/enterprises/{enterprise_a.pk}", {"unit_id": district.town_b.pk}
    )
    assert response.status_code == 400
    assert _fields(response) == {"unit_id"}
    enterprise_a.refresh_from_db()
    assert enterprise_a.unit == district.town_a


def test_patch_with_null_for_a_required_field_is_refused(
    district: District, api: ApiFor, enterprise_a: Enterprise
) -> None:
    response = api(district.clerk_a).patch(f"/api/enterprises/{enterprise_a.pk}", {"name": None})
    assert response.status_code == 400
    assert _fields(response) == {"name"}


def test_patch_with_a_bad_uscc_names_the_position(
    district: District, api: ApiFor, enterprise_a: Enterprise
) -> None:
    response = api(district.clerk_a).patch(
        f"/api/enterprises/{enterprise_a.pk}", {"uscc": "91330185MA2H0AB1V0"}
    )
    assert response.status_code == 400
    assert "第 17 位“V”不是允许的字符" in response.json()["detail"]


def test_leader_gets_403_and_another_town_404_patching(
    district: District, api: ApiFor, enterprise_a: Enterprise
) -> None:
    url = f"/api/enterprises/{enterprise_a.pk}"
    assert api(district.leader).patch(url, {"name": "领导改名"}).status_code == 403
    response = api(district.clerk_b).patch(url, {"name": "於潜改名"})
    assert response.status_code == 404
    assert response.json() == {"detail": NOT_FOUND}
    enterprise_a.refresh_from_db()
    assert enterprise_a.name == "杭州临安锦城电子科技有限公司"


# The documentation --------------------------------------------------------------------------


def test_every_enterprise_operation_is_documented(db: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    operations = [
        operation
        for path, methods in schema["paths"].items()
        if path in ("/api/enterprises", "/api/enterprises/{enterprise_id}")
        for operation in methods.values()
    ]
    assert len(operations) == 4
    for operation in operations:
        assert operation["tags"] == ["enterprises"]
        assert operation["summary"]
        assert operation["description"]
        assert any(code.startswith("2") for code in operation["responses"])
    parameters = {
        parameter["name"]: parameter
        for parameter in schema["paths"]["/api/enterprises"]["get"]["parameters"]
    }
    assert {"q", "unit", "industry", "size", "is_key", "leader", "linked", "sort"} <= set(
        parameters
    )
    assert parameters["unit"]["description"]
    schemas = schema["components"]["schemas"]
    assert schemas["EnterpriseIn"]["properties"]["uscc"]["description"]
    assert schemas["EnterpriseIn"]["properties"]["land_area"]["description"]
    assert "requests" in schemas["EnterpriseDetailOut"]["properties"]
