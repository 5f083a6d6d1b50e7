"""The API of units, groups, the signed-in user and personal tokens.

Each endpoint is checked with the browser's session and with a personal token (Bearer):
a user who may use it, a user who may see but not change (403), another unit's object
(404, the same answer as for an object that does not exist), and no credentials (401).
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bipin.conftest import District
from bipin.core.actions import do_create_api_token
from bipin.core.models import ApiToken
from bipin.org.choices import UnitKind
from bipin.org.models import Group, GroupMember, Unit, User

NOT_FOUND = "未找到该对象，或您无权访问。"


def bearer(user: User, name: str = "脚本") -> dict[str, Any]:
    """The header of a new personal token of `user`."""
    _token, secret = do_create_api_token(user=user, name=name, actor=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


class Api:
    """Calls the API as one user, by session or by token."""

    def __init__(self, user: User, how: str) -> None:
        self.client = Client()
        self.headers: dict[str, Any] = {}
        if how == "session":
            self.client.force_login(user)
        else:
            self.headers = bearer(user)

    def get(self, url: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.get(url, data, **self.headers)

    def post(self, url: str, payload: Any) -> Any:
        return self.client.post(url, payload, content_type="application/json", **self.headers)

    def patch(self, url: str, payload: Any) -> Any:
        return self.client.patch(url, payload, content_type="application/json", **self.headers)

    def delete(self, url: str) -> Any:
        return self.client.delete(url, **self.headers)


ApiFor = Callable[[User], Api]


@pytest.fixture(params=["session", "token"])
def api(request: pytest.FixtureRequest, district: District) -> ApiFor:
    """`api(district.clerk_a)` calls the API as clerk_a, once by session, once by token."""
    return lambda user: Api(user, request.param)


def _ids(response: Any) -> set[int]:
    return {item["id"] for item in response.json()["items"]}


def _error_fields(response: Any) -> set[str]:
    """The fields a 422 names (the last part of each error's path)."""
    return {error["field"].rsplit(".", 1)[-1] for error in response.json()["errors"]}


def _new_unit(**fields: Any) -> dict[str, Any]:
    return {"code": "330112-P10", "name": "锦城科创园", "kind": UnitKind.PLATFORM, **fields}


# No credentials ------------------------------------------------------------------------


CALLS: list[tuple[str, str]] = [
    ("get", "/api/units"),
    ("get", "/api/units/{town_a}"),
    ("post", "/api/units"),
    ("patch", "/api/units/{town_a}"),
    ("get", "/api/groups"),
    ("get", "/api/groups/{group}"),
    ("get", "/api/me"),
    ("get", "/api/tokens"),
    ("post", "/api/tokens"),
    ("delete", "/api/tokens/1"),
]


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_request_without_credentials_gets_401_json(
    district: District, method: str, path: str
) -> None:
    url = path.format(town_a=district.town_a.pk, group=district.group.pk)
    response = getattr(Client(), method)(url, content_type="application/json")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "Authorization" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_unknown_bearer_token_gets_401_json(district: District, method: str, path: str) -> None:
    url = path.format(town_a=district.town_a.pk, group=district.group.pk)
    response = getattr(Client(), method)(
        url, content_type="application/json", HTTP_AUTHORIZATION="Bearer bpn_not-a-token"
    )
    assert response.status_code == 401
    assert response.json()["detail"]


def test_unauthenticated_write_changes_nothing(district: District) -> None:
    before = Unit.objects.count()
    assert (
        Client().post("/api/units", _new_unit(), content_type="application/json").status_code == 401
    )
    response = Client().patch(
        f"/api/units/{district.town_a.pk}", {"name": "改名"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert Unit.objects.count() == before
    district.town_a.refresh_from_db()
    assert district.town_a.name == "锦城街道"


# Unit list -----------------------------------------------------------------------------


def test_clerk_lists_own_town_and_its_sub_units_only(district: District, api: ApiFor) -> None:
    response = api(district.clerk_a).get("/api/units")
    assert response.status_code == 200
    assert _ids(response) == {district.town_a.pk, district.village_a.pk}
    assert response.json()["count"] == 2


def test_clerk_of_another_town_does_not_list_jincheng(district: District, api: ApiFor) -> None:
    assert _ids(api(district.clerk_b).get("/api/units")) == {district.town_b.pk}


def test_supervisor_lists_every_unit(district: District, api: ApiFor) -> None:
    response = api(district.supervisor).get("/api/units")
    assert _ids(response) == set(Unit.objects.values_list("pk", flat=True))


def test_data_provider_lists_every_unit(district: District, api: ApiFor) -> None:
    response = api(district.provider).get("/api/units")
    assert _ids(response) == set(Unit.objects.values_list("pk", flat=True))


def test_viewer_lists_no_units(district: District, api: ApiFor) -> None:
    response = api(district.viewer).get("/api/units")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_unit_list_describes_each_unit(district: District, api: ApiFor) -> None:
    items = api(district.clerk_a).get("/api/units").json()["items"]
    town = next(item for item in items if item["id"] == district.town_a.pk)
    assert town == {
        "id": district.town_a.pk,
        "code": "330112001",
        "name": "锦城街道",
        "short_name": "锦城",
        "kind": "subdistrict",
        "kind_label": "街道",
        "parent_id": district.district.pk,
        "order": 1,
        "active": True,
    }


def test_unit_list_filters_within_what_the_user_may_see(district: District, api: ApiFor) -> None:
    supervisor = api(district.supervisor)
    assert _ids(supervisor.get("/api/units", {"q": "锦城"})) == {
        district.town_a.pk,
        district.village_a.pk,
    }
    assert _ids(supervisor.get("/api/units", {"kind": UnitKind.TOWN})) == {district.town_b.pk}
    assert _ids(supervisor.get("/api/units", {"parent": district.town_a.pk})) == {
        district.village_a.pk
    }
    assert _ids(api(district.clerk_b).get("/api/units", {"q": "锦城"})) == set()


def test_unit_list_rejects_an_unknown_kind_with_422(district: District, api: ApiFor) -> None:
    response = api(district.supervisor).get("/api/units", {"kind": "planet"})
    assert response.status_code == 422
    assert response.json()["errors"]


@pytest.mark.parametrize("who", ["supervisor", "clerk_a"])
def test_unit_list_query_count_does_not_grow_with_units(district: District, who: str) -> None:
    user = getattr(district, who)
    headers = bearer(user)
    client = Client()

    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            Unit.objects.create(
                kind=UnitKind.PLATFORM,
                code=f"330112-X{number:03d}",
                name=f"测试平台{number}",
                parent=district.town_a,
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/units", **headers).status_code == 200
        return len(queries)

    count()
    add(5, 0)
    few = count()
    add(10, 5)
    many = count()
    assert many == few


# Unit detail ---------------------------------------------------------------------------


def test_clerk_opens_own_towns_unit(district: District, api: ApiFor) -> None:
    response = api(district.clerk_a).get(f"/api/units/{district.town_a.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == "锦城街道"
    assert api(district.clerk_a).get(f"/api/units/{district.village_a.pk}").status_code == 200


def test_clerk_gets_404_json_for_another_towns_unit(district: District, api: ApiFor) -> None:
    response = api(district.clerk_b).get(f"/api/units/{district.town_a.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": NOT_FOUND}
    assert api(district.clerk_a).get(f"/api/units/{district.town_b.pk}").status_code == 404


def test_another_towns_unit_answers_like_a_unit_that_does_not_exist(
    district: District, api: ApiFor
) -> None:
    client = api(district.clerk_b)
    forbidden = client.get(f"/api/units/{district.town_a.pk}")
    unknown = client.get("/api/units/999999")
    assert forbidden.status_code == unknown.status_code == 404
    assert forbidden.json() == unknown.json()


def test_supervisor_opens_both_towns_units(district: District, api: ApiFor) -> None:
    client = api(district.supervisor)
    assert client.get(f"/api/units/{district.town_a.pk}").status_code == 200
    assert client.get(f"/api/units/{district.town_b.pk}").status_code == 200


def test_viewer_gets_404_for_a_unit(district: District, api: ApiFor) -> None:
    assert api(district.viewer).get(f"/api/units/{district.town_a.pk}").status_code == 404


# Unit create ---------------------------------------------------------------------------


def test_supervisor_creates_a_unit(district: District, api: ApiFor) -> None:
    response = api(district.supervisor).post(
        "/api/units", _new_unit(parent_id=district.town_a.pk, order=2)
    )
    assert response.status_code == 201
    body = response.json()
    unit = Unit.objects.get(pk=body["id"])
    assert body["name"] == "锦城科创园"
    assert body["parent_id"] == district.town_a.pk
    assert unit.parent == district.town_a
    record = unit.history.get()
    assert record.history_user == district.supervisor
    assert record.history_change_reason == "新建单位"
    # The new sub-unit is the town's: its clerk sees it, the other town's does not.
    assert api(district.clerk_a).get(f"/api/units/{unit.pk}").status_code == 200
    assert api(district.clerk_b).get(f"/api/units/{unit.pk}").status_code == 404


@pytest.mark.parametrize("who", ["clerk_a", "manager_a", "leader", "provider", "viewer"])
def test_only_the_supervisor_may_create_a_unit(district: District, api: ApiFor, who: str) -> None:
    before = Unit.objects.count()
    response = api(getattr(district, who)).post("/api/units", _new_unit())
    assert response.status_code == 403
    assert response.json() == {"detail": "只有督查室可以新建单位。"}
    assert Unit.objects.count() == before


def test_unit_with_an_invalid_payload_gets_422_with_errors(district: District, api: ApiFor) -> None:
    before = Unit.objects.count()
    response = api(district.supervisor).post(
        "/api/units", {"code": "330112-P10", "kind": "planet", "order": -1}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "请求内容不符合要求。"
    assert {"name", "kind", "order"} <= _error_fields(response)
    assert Unit.objects.count() == before


def test_unit_with_a_taken_code_gets_400_naming_the_field(district: District, api: ApiFor) -> None:
    before = Unit.objects.count()
    response = api(district.supervisor).post("/api/units", _new_unit(code=district.town_b.code))
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["code"]
    assert Unit.objects.count() == before


def test_unit_under_an_unknown_parent_gets_404(district: District, api: ApiFor) -> None:
    before = Unit.objects.count()
    response = api(district.supervisor).post("/api/units", _new_unit(parent_id=999999))
    assert response.status_code == 404
    assert response.json() == {"detail": NOT_FOUND}
    assert Unit.objects.count() == before


# Unit change ---------------------------------------------------------------------------


def test_supervisor_patches_a_unit_and_history_records_the_reason(
    district: District, api: ApiFor
) -> None:
    response = api(district.supervisor).patch(
        f"/api/units/{district.town_a.pk}", {"name": "锦城街道办事处", "reason": "更名"}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "锦城街道办事处"
    assert response.json()["short_name"] == "锦城"  # fields not sent stay as they were
    district.town_a.refresh_from_db()
    assert district.town_a.name == "锦城街道办事处"
    latest = district.town_a.history.order_by("-history_date", "-history_id").first()
    assert latest.history_type == "~"
    assert latest.history_change_reason == "更名"
    assert latest.history_user == district.supervisor


def test_supervisor_moves_a_unit_to_another_parent(district: District, api: ApiFor) -> None:
    response = api(district.supervisor).patch(
        f"/api/units/{district.village_a.pk}", {"parent_id": district.town_b.pk}
    )
    assert response.status_code == 200
    district.village_a.refresh_from_db()
    assert district.village_a.parent == district.town_b
    assert api(district.clerk_b).get(f"/api/units/{district.village_a.pk}").status_code == 200
    assert api(district.clerk_a).get(f"/api/units/{district.village_a.pk}").status_code == 404


def test_clerk_gets_403_json_patching_own_unit(district: District, api: ApiFor) -> None:
    versions = district.town_a.history.count()
    response = api(district.clerk_a).patch(f"/api/units/{district.town_a.pk}", {"name": "改名"})
    assert response.status_code == 403
    assert response.json()["detail"] == "您没有权限执行此操作。"
    district.town_a.refresh_from_db()
    assert district.town_a.name == "锦城街道"
    assert district.town_a.history.count() == versions


def test_clerk_gets_404_json_patching_another_towns_unit(district: District, api: ApiFor) -> None:
    response = api(district.clerk_b).patch(f"/api/units/{district.town_a.pk}", {"name": "改名"})
    assert response.status_code == 404
    assert response.json() == {"detail": NOT_FOUND}
    district.town_a.refresh_from_db()
    assert district.town_a.name == "锦城街道"


def test_viewer_gets_404_patching_a_unit(district: District, api: ApiFor) -> None:
    response = api(district.viewer).patch(f"/api/units/{district.town_a.pk}", {"name": "改名"})
    assert response.status_code == 404


def test_patch_with_an_invalid_payload_gets_422_and_changes_nothing(
    district: District, api: ApiFor
) -> None:
    response = api(district.supervisor).patch(
        f"/api/units/{district.town_a.pk}", {"order": -5, "name": "x" * 101}
    )
    assert response.status_code == 422
    assert {"order", "name"} <= _error_fields(response)
    district.town_a.refresh_from_db()
    assert district.town_a.order == 1
    assert district.town_a.name == "锦城街道"


def test_unit_cannot_be_moved_under_its_own_sub_unit(district: District, api: ApiFor) -> None:
    response = api(district.supervisor).patch(
        f"/api/units/{district.town_a.pk}", {"parent_id": district.village_a.pk}
    )
    assert response.status_code == 400
    assert response.json()["detail"]
    district.town_a.refresh_from_db()
    assert district.town_a.parent == district.district


def test_patch_to_an_unknown_parent_gets_404(district: District, api: ApiFor) -> None:
    response = api(district.supervisor).patch(
        f"/api/units/{district.town_a.pk}", {"parent_id": 999999}
    )
    assert response.status_code == 404
    district.town_a.refresh_from_db()
    assert district.town_a.parent == district.district


# Groups --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "leader", "clerk_a", "clerk_b", "viewer"])
def test_every_user_lists_the_groups_with_their_members(
    district: District, api: ApiFor, who: str
) -> None:
    response = api(getattr(district, who)).get("/api/groups")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    (group,) = response.json()["items"]
    assert group["id"] == district.group.pk
    assert group["name"] == "乡镇组"
    assert group["members"] == [
        {"unit_id": district.town_a.pk, "unit_name": "锦城街道"},
        {"unit_id": district.town_b.pk, "unit_name": "於潜镇"},
    ]


def test_group_list_filters_by_year(district: District, api: ApiFor) -> None:
    older = Group.objects.create(year=2025, code="towns", name="乡镇组")
    client = api(district.clerk_a)
    assert _ids(client.get("/api/groups", {"year": 2025})) == {older.pk}
    assert _ids(client.get("/api/groups", {"year": 2026})) == {district.group.pk}
    assert _ids(client.get("/api/groups")) == {older.pk, district.group.pk}


def test_group_list_query_count_does_not_grow_with_groups(district: District) -> None:
    headers = bearer(district.supervisor)
    client = Client()

    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            unit = Unit.objects.create(
                kind=UnitKind.PLATFORM,
                code=f"330112-G{number:03d}",
                name=f"组内平台{number}",
                parent=district.district,
            )
            group = Group.objects.create(year=2026, code=f"g{number}", name=f"测试组{number}")
            GroupMember.objects.create(group=group, unit=unit, year=2026)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/groups", **headers).status_code == 200
        return len(queries)

    count()
    add(3, 0)
    few = count()
    add(6, 3)
    many = count()
    assert many == few


@pytest.mark.parametrize("who", ["supervisor", "clerk_a", "clerk_b", "viewer"])
def test_every_user_opens_a_group(district: District, api: ApiFor, who: str) -> None:
    response = api(getattr(district, who)).get(f"/api/groups/{district.group.pk}")
    assert response.status_code == 200
    assert response.json()["code"] == "towns"
    assert len(response.json()["members"]) == 2


def test_unknown_group_gets_404_json(district: District, api: ApiFor) -> None:
    response = api(district.clerk_a).get("/api/groups/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": NOT_FOUND}


# The signed-in user --------------------------------------------------------------------


def test_me_describes_the_signed_in_user(district: District, api: ApiFor) -> None:
    response = api(district.clerk_a).get("/api/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": district.clerk_a.pk,
        "username": "clerk_a",
        "name": "锦城填报员",
        "role": "unit_clerk",
        "role_label": "填报员",
        "unit_id": district.town_a.pk,
        "unit_name": "锦城街道",
    }


def test_me_of_a_user_without_a_unit(district: District, api: ApiFor) -> None:
    user = User.objects.create_user(username="nounit", password="x", name="无单位")
    response = api(user).get("/api/me")
    assert response.json()["unit_id"] is None
    assert response.json()["unit_name"] is None


# Tokens --------------------------------------------------------------------------------


def test_user_lists_only_own_tokens(district: District, api: ApiFor) -> None:
    do_create_api_token(user=district.clerk_a, name="锦城对接", actor=district.clerk_a)
    do_create_api_token(user=district.clerk_b, name="於潜对接", actor=district.clerk_b)
    response = api(district.clerk_a).get("/api/tokens")
    assert response.status_code == 200
    names = {token["name"] for token in response.json()}
    assert "锦城对接" in names
    assert "於潜对接" not in names
    assert all("secret" not in token and "digest" not in token for token in response.json())


def test_user_creates_a_token_that_acts_as_the_user(district: District, api: ApiFor) -> None:
    response = api(district.clerk_a).post("/api/tokens", {"name": "  数据对接  "})
    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert token.user == district.clerk_a
    assert token.name == "数据对接"
    assert body["secret"].startswith(body["prefix"])
    assert token.digest == ApiToken.digest_of(body["secret"])
    me = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {body['secret']}")
    assert me.json()["username"] == "clerk_a"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_without_a_name_gets_422(district: District, api: ApiFor) -> None:
    client = api(district.clerk_a)
    before = ApiToken.objects.count()
    response = client.post("/api/tokens", {"name": ""})
    assert response.status_code == 422
    assert _error_fields(response) == {"name"}
    assert ApiToken.objects.count() == before


def test_revoked_token_gets_401(district: District) -> None:
    token, secret = do_create_api_token(user=district.clerk_a, name="x", actor=district.clerk_a)
    header: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    client = Client()
    assert client.get("/api/me", **header).status_code == 200
    assert client.delete(f"/api/tokens/{token.pk}", **header).status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = client.get("/api/me", **header)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_user_revokes_a_token_by_session(district: District, login: Any) -> None:
    token, secret = do_create_api_token(user=district.clerk_a, name="x", actor=district.clerk_a)
    response = login(district.clerk_a).delete(f"/api/tokens/{token.pk}")
    assert response.status_code == 204
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    revoked = next(t for t in login(district.clerk_a).get("/api/tokens").json())
    assert revoked["revoked_at"] is not None


@pytest.mark.parametrize("who", ["clerk_b", "supervisor"])
def test_user_cannot_revoke_another_users_token(district: District, api: ApiFor, who: str) -> None:
    token, secret = do_create_api_token(user=district.clerk_a, name="x", actor=district.clerk_a)
    response = api(getattr(district, who)).delete(f"/api/tokens/{token.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": NOT_FOUND}
    token.refresh_from_db()
    assert token.revoked_at is None
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


def test_token_of_a_deactivated_user_gets_401(district: District) -> None:
    header = bearer(district.clerk_a)
    district.clerk_a.is_active = False
    district.clerk_a.save()
    assert Client().get("/api/me", **header).status_code == 401


def test_token_sees_what_its_owner_sees(district: District) -> None:
    header = bearer(district.clerk_b)
    assert Client().get(f"/api/units/{district.town_a.pk}", **header).status_code == 404
    assert Client().get(f"/api/units/{district.town_b.pk}", **header).status_code == 200


# CSRF ----------------------------------------------------------------------------------


def _csrf_client(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_session_post_without_csrf_token_is_rejected(district: District) -> None:
    before = Unit.objects.count()
    client = _csrf_client(district.supervisor)
    response = client.post("/api/units", _new_unit(), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"]
    assert Unit.objects.count() == before


def test_session_patch_and_delete_without_csrf_token_are_rejected(district: District) -> None:
    token, _secret = do_create_api_token(
        user=district.supervisor, name="x", actor=district.supervisor
    )
    client = _csrf_client(district.supervisor)
    response = client.patch(
        f"/api/units/{district.town_a.pk}", {"name": "改名"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert client.delete(f"/api/tokens/{token.pk}").status_code == 403
    assert (
        client.post("/api/tokens", {"name": "x"}, content_type="application/json").status_code
        == 403
    )
    district.town_a.refresh_from_db()
    token.refresh_from_db()
    assert district.town_a.name == "锦城街道"
    assert token.revoked_at is None


def test_session_post_with_the_csrf_token_is_accepted(district: District) -> None:
    client = _csrf_client(district.supervisor)
    client.get("/account/")  # a page with a form sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        "/api/units", _new_unit(), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201


def test_session_get_needs_no_csrf_token(district: District) -> None:
    assert _csrf_client(district.clerk_a).get("/api/units").status_code == 200


def test_bearer_post_needs_no_csrf_token(district: District) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/units",
        _new_unit(),
        content_type="application/json",
        **bearer(district.supervisor),
    )
    assert response.status_code == 201


def test_parent_filter_answers_alike_for_a_hidden_and_an_unknown_unit(
    district: District, api: ApiFor
) -> None:
    hidden = Unit.objects.create(
        kind=UnitKind.PLATFORM, code="330112-P19", name="於潜园区", parent=district.town_b
    )
    client = api(district.clerk_a)
    hidden_answer = client.get("/api/units", {"parent": hidden.pk})
    unknown_answer = client.get("/api/units", {"parent": 999999})
    assert hidden_answer.status_code == unknown_answer.status_code
    assert hidden_answer.json() == unknown_answer.json()


def test_api_refuses_a_blank_token_name(district: District, api: ApiFor) -> None:
    response = api(district.clerk_a).post("/api/tokens", {"name": "   "})
    assert response.status_code == 422
    assert _error_fields(response) == {"name"}
    assert not ApiToken.objects.filter(name="").exists()


def test_errors_name_the_field_as_the_client_sent_it(district: District, api: ApiFor) -> None:
    response = api(district.supervisor).post("/api/units", _new_unit(kind="galaxy"))
    assert response.status_code == 422
    assert "kind" in {error["field"] for error in response.json()["errors"]}


def test_csrf_failure_is_explained_in_the_users_language(district: District) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(district.clerk_a)
    response = client.post("/api/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF 校验失败" in response.json()["detail"]
