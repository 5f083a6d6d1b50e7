"""The organisation's pages and the account pages: who opens what, and the forms behind them.

Every page is checked for a user who may open it, a user who may see but not change it
(403), a user of another unit (404), and an anonymous visitor (sent to the login page).
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bipin.conftest import PASSWORD, District
from bipin.core.actions import do_create_api_token
from bipin.core.choices import Role
from bipin.core.models import ApiToken
from bipin.org.choices import UnitKind
from bipin.org.models import Group, GroupMember, Link, Unit, User

Login = Callable[[User], Client]


def _content(response: Any) -> str:
    return response.content.decode()


def _unit_form(unit: Unit, **changes: Any) -> dict[str, Any]:
    """The POST data of the unit form for `unit` as it is, with `changes`."""
    data: dict[str, Any] = {
        "kind": unit.kind,
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "parent": unit.parent_id or "",
        "order": unit.order,
        "active": "on" if unit.active else "",
        "reason": "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def _person_form(person: User, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": person.username,
        "name": person.name,
        "title": person.title,
        "phone": person.phone,
        "email": person.email,
        "unit": person.unit_id,
        "role": person.role,
        "is_active": "on" if person.is_active else "",
        "reason": "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def _count_queries(client: Client, url: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(queries)


def _add_units(parent: Unit, count: int, start: int) -> None:
    for number in range(start, start + count):
        Unit.objects.create(
            kind=UnitKind.PLATFORM,
            code=f"330112-X{number:03d}",
            name=f"测试平台{number}",
            parent=parent,
            order=number,
        )


def _add_people(unit: Unit, count: int, start: int) -> None:
    for number in range(start, start + count):
        User.objects.create_user(
            username=f"person{number}",
            password=PASSWORD,
            name=f"测试人员{number}",
            unit=unit,
            role=Role.UNIT_CLERK,
        )


def _add_groups(district: District, count: int, start: int) -> None:
    for number in range(start, start + count):
        unit = Unit.objects.create(
            kind=UnitKind.PLATFORM,
            code=f"330112-G{number:03d}",
            name=f"组内平台{number}",
            parent=district.district,
        )
        group = Group.objects.create(year=2026, code=f"g{number}", name=f"测试组{number}")
        GroupMember.objects.create(group=group, unit=unit, year=2026)


def _leader(username: str = "leader2", name: str = "王副区长") -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, name=name, role=Role.LEADER
    )


# Anonymous visitors --------------------------------------------------------------------


PAGES: dict[str, Callable[[District], str]] = {
    "home": lambda d: "/",
    "units": lambda d: "/units/",
    "unit_create": lambda d: "/units/new/",
    "unit": lambda d: f"/units/{d.town_a.pk}/",
    "unit_edit": lambda d: f"/units/{d.town_a.pk}/edit/",
    "groups": lambda d: "/groups/",
    "group_create": lambda d: "/groups/new/",
    "group": lambda d: f"/groups/{d.group.pk}/",
    "group_edit": lambda d: f"/groups/{d.group.pk}/edit/",
    "people": lambda d: "/people/",
    "person_create": lambda d: "/people/new/",
    "person": lambda d: f"/people/{d.clerk_a.pk}/",
    "person_edit": lambda d: f"/people/{d.clerk_a.pk}/edit/",
    "person_password": lambda d: f"/people/{d.clerk_a.pk}/password/",
    "links": lambda d: "/links/",
    "link": lambda d: f"/links/{d.link_a.pk}/",
    "link_end": lambda d: f"/links/{d.link_a.pk}/end/",
    "link_create": lambda d: f"/links/new/org.unit/{d.town_a.pk}/",
    "account": lambda d: "/account/",
    "password_change": lambda d: "/account/password/",
    "token_create": lambda d: "/account/tokens/new/",
    "token_revoke": lambda d: "/account/tokens/1/revoke/",
}


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_login_from_every_page(district: District, page: str) -> None:
    url = PAGES[page](district)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_post_changes_nothing_and_is_sent_to_login(district: District, page: str) -> None:
    units_before = Unit.objects.count()
    response = Client().post(PAGES[page](district), {"name": "匿名修改"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert Unit.objects.count() == units_before
    district.town_a.refresh_from_db()
    assert district.town_a.name == "锦城街道"


# Unit list -----------------------------------------------------------------------------


def test_clerk_sees_own_town_and_its_sub_units_in_the_unit_list(
    district: District, login: Login
) -> None:
    response = login(district.clerk_a).get("/units/")
    assert response.status_code == 200
    assert set(response.context["units"]) == {district.town_a, district.village_a}
    assert "於潜镇" not in _content(response)


def test_clerk_of_another_town_does_not_see_jincheng_in_the_unit_list(
    district: District, login: Login
) -> None:
    response = login(district.clerk_b).get("/units/")
    assert response.status_code == 200
    assert set(response.context["units"]) == {district.town_b}
    assert "锦城街道" not in _content(response)
    assert "锦城数字小镇" not in _content(response)


def test_supervisor_sees_every_unit_in_the_unit_list(district: District, login: Login) -> None:
    response = login(district.supervisor).get("/units/")
    assert response.status_code == 200
    assert set(response.context["units"]) == set(Unit.objects.all())


def test_viewer_sees_an_empty_unit_list(district: District, login: Login) -> None:
    response = login(district.viewer).get("/units/")
    assert response.status_code == 200
    assert list(response.context["units"]) == []
    assert "没有符合条件的单位。" in _content(response)


def test_only_the_supervisor_is_offered_a_new_unit_button(district: District, login: Login) -> None:
    assert 'href="/units/new/"' in _content(login(district.supervisor).get("/units/"))
    assert 'href="/units/new/"' not in _content(login(district.clerk_a).get("/units/"))


def test_unit_list_search_narrows_the_rows(district: District, login: Login) -> None:
    response = login(district.supervisor).get("/units/", {"q": "锦城"})
    assert set(response.context["units"]) == {district.town_a, district.village_a}


def test_unit_list_htmx_request_gets_only_the_rows(district: District, login: Login) -> None:
    response = login(district.supervisor).get("/units/", {"q": "锦城"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    content = _content(response)
    assert "<html" not in content
    assert "<tbody>" in content
    assert "锦城街道" in content
    assert "锦城数字小镇" in content
    assert "於潜镇" not in content


@pytest.mark.parametrize("who", ["supervisor", "clerk_a"])
def test_unit_list_query_count_does_not_grow_with_units(
    district: District, login: Login, who: str
) -> None:
    client = login(getattr(district, who))
    client.get("/units/")  # warm the caches (content types, session)
    _add_units(district.town_a, 5, 0)
    few = _count_queries(client, "/units/")
    _add_units(district.town_a, 10, 5)
    many = _count_queries(client, "/units/")
    assert many == few


# Unit page -----------------------------------------------------------------------------


def test_clerk_opens_own_towns_unit_page(district: District, login: Login) -> None:
    response = login(district.clerk_a).get(f"/units/{district.town_a.pk}/")
    assert response.status_code == 200
    assert response.context["unit"] == district.town_a
    assert response.context["can_change"] is False
    assert f"/units/{district.town_a.pk}/edit/" not in _content(response)


def test_clerk_opens_a_sub_unit_of_own_town(district: District, login: Login) -> None:
    response = login(district.clerk_a).get(f"/units/{district.village_a.pk}/")
    assert response.status_code == 200


def test_clerk_cannot_open_another_towns_unit_page(district: District, login: Login) -> None:
    assert login(district.clerk_b).get(f"/units/{district.town_a.pk}/").status_code == 404
    assert login(district.clerk_b).get(f"/units/{district.village_a.pk}/").status_code == 404
    assert login(district.clerk_a).get(f"/units/{district.town_b.pk}/").status_code == 404


def test_supervisor_opens_both_towns_unit_pages(district: District, login: Login) -> None:
    client = login(district.supervisor)
    for unit in (district.town_a, district.town_b):
        response = client.get(f"/units/{unit.pk}/")
        assert response.status_code == 200
        assert response.context["can_change"] is True
        assert f"/units/{unit.pk}/edit/" in _content(response)


def test_viewer_cannot_open_a_unit_page(district: District, login: Login) -> None:
    assert login(district.viewer).get(f"/units/{district.town_a.pk}/").status_code == 404


def test_unknown_unit_page_is_404_like_a_forbidden_one(district: District, login: Login) -> None:
    client = login(district.clerk_b)
    unknown = client.get("/units/999999/")
    forbidden = client.get(f"/units/{district.town_a.pk}/")
    assert unknown.status_code == forbidden.status_code == 404
    # The same page (but for the CSRF token): the unit's existence does not leak.
    assert _content(unknown).split("<main")[1] == _content(forbidden).split("<main")[1]


def test_unit_page_breadcrumb_shows_only_ancestors_the_clerk_may_open(
    district: District, login: Login
) -> None:
    response = login(district.clerk_a).get(f"/units/{district.village_a.pk}/")
    assert list(response.context["ancestors"]) == [district.town_a]


def test_unit_page_shows_the_towns_people_and_current_links(
    district: District, login: Login
) -> None:
    response = login(district.clerk_a).get(f"/units/{district.town_a.pk}/")
    assert set(response.context["people"]) == {district.manager_a, district.clerk_a}
    assert list(response.context["links"]) == [district.link_a]
    assert list(response.context["children"]) == [district.village_a]


# Unit create ---------------------------------------------------------------------------


def test_supervisor_opens_the_new_unit_form(district: District, login: Login) -> None:
    response = login(district.supervisor).get("/units/new/", {"parent": district.town_a.pk})
    assert response.status_code == 200
    assert response.context["form"].initial["parent"] == str(district.town_a.pk)


@pytest.mark.parametrize("who", ["clerk_a", "manager_a", "leader", "viewer", "provider"])
def test_only_the_supervisor_may_create_units(district: District, login: Login, who: str) -> None:
    client = login(getattr(district, who))
    before = Unit.objects.count()
    assert client.get("/units/new/").status_code == 403
    response = client.post(
        "/units/new/", {"kind": UnitKind.PLATFORM, "code": "X1", "name": "新平台", "order": 0}
    )
    assert response.status_code == 403
    assert Unit.objects.count() == before


def test_supervisor_creates_a_unit_through_the_form(district: District, login: Login) -> None:
    response = login(district.supervisor).post(
        "/units/new/",
        {
            "kind": UnitKind.PLATFORM,
            "code": "330112-P10",
            "name": "锦城科创园",
            "short_name": "科创园",
            "parent": district.town_a.pk,
            "order": 2,
            "active": "on",
        },
    )
    unit = Unit.objects.get(code="330112-P10")
    assert response.status_code == 302
    assert response["Location"] == f"/units/{unit.pk}/"
    assert unit.name == "锦城科创园"
    assert unit.parent == district.town_a
    record = unit.history.get()
    assert record.history_type == "+"
    assert record.history_user == district.supervisor
    assert record.history_change_reason == "新建单位"
    # The clerk of the town sees the new sub-unit; the other town's clerk does not.
    assert login(district.clerk_a).get(f"/units/{unit.pk}/").status_code == 200
    assert login(district.clerk_b).get(f"/units/{unit.pk}/").status_code == 404


def test_unit_create_without_a_name_names_the_field_and_saves_nothing(
    district: District, login: Login
) -> None:
    before = Unit.objects.count()
    response = login(district.supervisor).post(
        "/units/new/", {"kind": UnitKind.PLATFORM, "code": "330112-P11", "name": "", "order": 0}
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert "名称：这个字段是必填项。" in _content(response)
    assert Unit.objects.count() == before


def test_unit_create_with_a_taken_code_is_refused(district: District, login: Login) -> None:
    before = Unit.objects.count()
    response = login(district.supervisor).post(
        "/units/new/",
        {"kind": UnitKind.TOWN, "code": district.town_b.code, "name": "另一个镇", "order": 0},
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert "代码：" in _content(response)
    assert Unit.objects.count() == before


# Unit edit -----------------------------------------------------------------------------


def test_supervisor_opens_the_unit_edit_form(district: District, login: Login) -> None:
    response = login(district.supervisor).get(f"/units/{district.town_a.pk}/edit/")
    assert response.status_code == 200
    assert response.context["form"].instance == district.town_a


def test_supervisor_renames_a_unit_and_history_records_the_reason(
    district: District, login: Login
) -> None:
    response = login(district.supervisor).post(
        f"/units/{district.town_a.pk}/edit/",
        _unit_form(district.town_a, name="锦城街道办事处", reason="更名"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/units/{district.town_a.pk}/"
    district.town_a.refresh_from_db()
    assert district.town_a.name == "锦城街道办事处"
    latest = district.town_a.history.order_by("-history_date", "-history_id").first()
    assert latest.history_type == "~"
    assert latest.name == "锦城街道办事处"
    assert latest.history_change_reason == "更名"
    assert latest.history_user == district.supervisor
    # The unit page shows the change and its reason in the history panel.
    page = _content(login(district.supervisor).get(f"/units/{district.town_a.pk}/"))
    assert "原因：更名" in page


def test_clerk_gets_403_on_the_edit_page_of_own_unit(district: District, login: Login) -> None:
    versions = district.town_a.history.count()
    client = login(district.clerk_a)
    assert client.get(f"/units/{district.town_a.pk}/edit/").status_code == 403
    response = client.post(
        f"/units/{district.town_a.pk}/edit/", _unit_form(district.town_a, name="改名")
    )
    assert response.status_code == 403
    district.town_a.refresh_from_db()
    assert district.town_a.name == "锦城街道"
    assert district.town_a.history.count() == versions


def test_clerk_gets_404_on_the_edit_page_of_another_towns_unit(
    district: District, login: Login
) -> None:
    client = login(district.clerk_b)
    assert client.get(f"/units/{district.town_a.pk}/edit/").status_code == 404
    response = client.post(
        f"/units/{district.town_a.pk}/edit/", _unit_form(district.town_a, name="改名")
    )
    assert response.status_code == 404
    district.town_a.refresh_from_db()
    assert district.town_a.name == "锦城街道"


def test_viewer_gets_404_on_a_unit_edit_page(district: District, login: Login) -> None:
    assert login(district.viewer).get(f"/units/{district.town_a.pk}/edit/").status_code == 404


def test_unit_cannot_be_moved_under_its_own_sub_unit(district: District, login: Login) -> None:
    versions = district.town_a.history.count()
    response = login(district.supervisor).post(
        f"/units/{district.town_a.pk}/edit/",
        _unit_form(district.town_a, parent=district.village_a.pk, reason="移动"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    district.town_a.refresh_from_db()
    assert district.town_a.parent == district.district
    assert district.town_a.history.count() == versions


def test_unit_edit_with_an_empty_name_names_the_field_and_saves_nothing(
    district: District, login: Login
) -> None:
    response = login(district.supervisor).post(
        f"/units/{district.town_a.pk}/edit/", _unit_form(district.town_a, name="")
    )
    assert response.status_code == 200
    assert "名称：这个字段是必填项。" in _content(response)
    district.town_a.refresh_from_db()
    assert district.town_a.name == "锦城街道"


# Groups --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "leader", "clerk_a", "clerk_b", "viewer"])
def test_every_signed_in_user_sees_the_group_list(
    district: District, login: Login, who: str
) -> None:
    response = login(getattr(district, who)).get("/groups/")
    assert response.status_code == 200
    assert list(response.context["groups"]) == [district.group]
    assert response.context["year"] == "2026"


def test_only_the_supervisor_is_offered_a_new_group_button(
    district: District, login: Login
) -> None:
    assert 'href="/groups/new/"' in _content(login(district.supervisor).get("/groups/"))
    assert 'href="/groups/new/"' not in _content(login(district.clerk_a).get("/groups/"))


def test_group_list_shows_the_chosen_year_only(district: District, login: Login) -> None:
    older = Group.objects.create(year=2025, code="towns", name="乡镇组")
    client = login(district.clerk_a)
    assert list(client.get("/groups/", {"year": 2025}).context["groups"]) == [older]
    assert list(client.get("/groups/").context["groups"]) == [district.group]


def test_group_list_query_count_does_not_grow_with_groups(district: District, login: Login) -> None:
    client = login(district.supervisor)
    client.get("/groups/")
    _add_groups(district, 3, 0)
    few = _count_queries(client, "/groups/")
    _add_groups(district, 6, 3)
    many = _count_queries(client, "/groups/")
    assert many == few


@pytest.mark.parametrize("who", ["supervisor", "clerk_a", "clerk_b", "viewer"])
def test_every_signed_in_user_opens_a_group_page(
    district: District, login: Login, who: str
) -> None:
    response = login(getattr(district, who)).get(f"/groups/{district.group.pk}/")
    assert response.status_code == 200
    assert response.context["can_change"] is (who == "supervisor")


def test_group_page_links_only_the_units_the_clerk_may_open(
    district: District, login: Login
) -> None:
    content = _content(login(district.clerk_b).get(f"/groups/{district.group.pk}/"))
    assert "锦城街道" in content  # who competes with whom is public
    assert f'href="/units/{district.town_a.pk}/"' not in content
    assert f'href="/units/{district.town_b.pk}/"' in content


def test_unknown_group_page_is_404(district: District, login: Login) -> None:
    assert login(district.clerk_a).get("/groups/999999/").status_code == 404


@pytest.mark.parametrize("who", ["clerk_a", "manager_a", "leader", "viewer"])
def test_only_the_supervisor_may_create_groups(district: District, login: Login, who: str) -> None:
    client = login(getattr(district, who))
    assert client.get("/groups/new/").status_code == 403
    response = client.post("/groups/new/", {"year": 2026, "code": "x", "name": "新组", "order": 1})
    assert response.status_code == 403
    assert Group.objects.count() == 1


def test_supervisor_opens_the_new_group_form(district: District, login: Login) -> None:
    assert login(district.supervisor).get("/groups/new/").status_code == 200


def test_supervisor_creates_a_group_with_members(district: District, login: Login) -> None:
    response = login(district.supervisor).post(
        "/groups/new/",
        {
            "year": 2026,
            "code": "departments",
            "name": "部门组",
            "order": 2,
            "members": [district.office.pk, district.statistics.pk],
        },
    )
    group = Group.objects.get(year=2026, code="departments")
    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.pk}/"
    assert set(group.members.all()) == {district.office, district.statistics}
    assert set(group.memberships.values_list("year", flat=True)) == {2026}
    assert group.history.get().history_change_reason == "新建比拼组"


def test_unit_already_in_a_group_of_the_year_cannot_join_another(
    district: District, login: Login
) -> None:
    response = login(district.supervisor).post(
        "/groups/new/",
        {
            "year": 2026,
            "code": "mixed",
            "name": "混合组",
            "order": 2,
            "members": [district.town_a.pk, district.office.pk],
        },
    )
    assert response.status_code == 200
    content = _content(response)
    assert "成员单位：每个单位每年只能参加一个比拼组" in content
    assert "锦城街道 已在 乡镇组" in content
    assert not Group.objects.filter(code="mixed").exists()
    assert GroupMember.objects.count() == 2


def test_unit_may_join_a_group_of_another_year(district: District, login: Login) -> None:
    response = login(district.supervisor).post(
        "/groups/new/",
        {
            "year": 2027,
            "code": "towns",
            "name": "乡镇组",
            "order": 1,
            "members": [district.town_a.pk],
        },
    )
    assert response.status_code == 302
    assert GroupMember.objects.filter(unit=district.town_a).count() == 2


def test_group_create_without_a_name_names_the_field_and_saves_nothing(
    district: District, login: Login
) -> None:
    response = login(district.supervisor).post(
        "/groups/new/", {"year": 2026, "code": "x", "name": "", "order": 1}
    )
    assert response.status_code == 200
    assert "名称：这个字段是必填项。" in _content(response)
    assert Group.objects.count() == 1


def test_supervisor_opens_the_group_edit_form_with_current_members(
    district: District, login: Login
) -> None:
    response = login(district.supervisor).get(f"/groups/{district.group.pk}/edit/")
    assert response.status_code == 200
    assert set(response.context["form"]["members"].initial) == {
        district.town_a.pk,
        district.town_b.pk,
    }


def test_supervisor_edits_a_group_and_history_records_the_reason(
    district: District, login: Login
) -> None:
    response = login(district.supervisor).post(
        f"/groups/{district.group.pk}/edit/",
        {
            "year": 2026,
            "code": "towns",
            "name": "镇街组",
            "order": 1,
            "members": [district.town_a.pk],
            "reason": "於潜镇调整",
        },
    )
    assert response.status_code == 302
    district.group.refresh_from_db()
    assert district.group.name == "镇街组"
    assert list(district.group.members.all()) == [district.town_a]
    latest = district.group.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "於潜镇调整"
    assert latest.history_user == district.supervisor
    left = GroupMember.history.filter(history_type="-").get()
    assert left.unit_id == district.town_b.pk
    assert left.history_change_reason == "於潜镇调整"


@pytest.mark.parametrize("who", ["clerk_a", "clerk_b", "leader", "viewer"])
def test_users_who_see_a_group_get_403_on_its_edit_page(
    district: District, login: Login, who: str
) -> None:
    client = login(getattr(district, who))
    assert client.get(f"/groups/{district.group.pk}/edit/").status_code == 403
    response = client.post(
        f"/groups/{district.group.pk}/edit/",
        {"year": 2026, "code": "towns", "name": "改名", "order": 1},
    )
    assert response.status_code == 403
    district.group.refresh_from_db()
    assert district.group.name == "乡镇组"


def test_unknown_group_edit_page_is_404(district: District, login: Login) -> None:
    assert login(district.supervisor).get("/groups/999999/edit/").status_code == 404


# People --------------------------------------------------------------------------------


def test_clerk_sees_only_the_people_of_own_town(district: District, login: Login) -> None:
    response = login(district.clerk_a).get("/people/")
    assert response.status_code == 200
    assert set(response.context["page"]) == {district.manager_a, district.clerk_a}
    assert "於潜填报员" not in _content(response)


def test_clerk_of_another_town_does_not_see_jincheng_people(
    district: District, login: Login
) -> None:
    response = login(district.clerk_b).get("/people/")
    assert set(response.context["page"]) == {district.clerk_b}
    assert "锦城填报员" not in _content(response)


def test_supervisor_sees_everybody_in_the_person_list(district: District, login: Login) -> None:
    response = login(district.supervisor).get("/people/")
    assert set(response.context["page"]) == set(User.objects.all())


def test_viewer_cannot_open_the_person_list(district: District, login: Login) -> None:
    assert login(district.viewer).get("/people/").status_code == 404


def test_person_list_htmx_request_gets_only_the_rows(district: District, login: Login) -> None:
    response = login(district.supervisor).get("/people/", {"q": "锦城"}, HTTP_HX_REQUEST="true")
    content = _content(response)
    assert response.status_code == 200
    assert "<html" not in content
    assert "锦城填报员" in content
    assert "於潜填报员" not in content


@pytest.mark.parametrize("who", ["supervisor", "clerk_a"])
def test_person_list_query_count_does_not_grow_with_people(
    district: District, login: Login, who: str
) -> None:
    client = login(getattr(district, who))
    client.get("/people/")
    _add_people(district.town_a, 5, 0)
    few = _count_queries(client, "/people/")
    _add_people(district.village_a, 10, 5)
    many = _count_queries(client, "/people/")
    assert many == few


def test_clerk_opens_a_colleagues_page(district: District, login: Login) -> None:
    response = login(district.clerk_a).get(f"/people/{district.manager_a.pk}/")
    assert response.status_code == 200
    assert response.context["can_change"] is False
    assert f"/people/{district.manager_a.pk}/edit/" not in _content(response)


def test_clerk_cannot_open_the_page_of_a_person_of_another_town(
    district: District, login: Login
) -> None:
    assert login(district.clerk_b).get(f"/people/{district.clerk_a.pk}/").status_code == 404
    assert login(district.clerk_a).get(f"/people/{district.clerk_b.pk}/").status_code == 404


def test_supervisor_opens_both_towns_people(district: District, login: Login) -> None:
    client = login(district.supervisor)
    for person in (district.clerk_a, district.clerk_b):
        response = client.get(f"/people/{person.pk}/")
        assert response.status_code == 200
        assert response.context["can_change"] is True


def test_viewer_cannot_open_a_persons_page(district: District, login: Login) -> None:
    assert login(district.viewer).get(f"/people/{district.clerk_a.pk}/").status_code == 404


def test_leaders_page_lists_links_for_supervisor_and_is_404_for_clerk(
    district: District, login: Login
) -> None:
    response = login(district.clerk_a).get(f"/people/{district.leader.pk}/")
    assert response.status_code == 404  # the leader is not one of the town's people
    response = login(district.supervisor).get(f"/people/{district.leader.pk}/")
    assert set(response.context["links"]) == {district.link_a, district.link_b}


def test_supervisor_opens_the_new_person_form_for_a_unit(district: District, login: Login) -> None:
    response = login(district.supervisor).get("/people/new/", {"unit": district.town_a.pk})
    assert response.status_code == 200
    assert response.context["form"].initial["unit"] == str(district.town_a.pk)


@pytest.mark.parametrize("who", ["clerk_a", "manager_a", "leader", "viewer"])
def test_only_the_supervisor_may_create_people(district: District, login: Login, who: str) -> None:
    client = login(getattr(district, who))
    assert client.get("/people/new/").status_code == 403
    response = client.post(
        "/people/new/",
        {
            "username": "intruder",
            "name": "新人",
            "unit": district.town_a.pk,
            "role": Role.UNIT_CLERK,
            "is_active": "on",
            "password1": "a-long-enough-pass-77",
            "password2": "a-long-enough-pass-77",
        },
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="intruder").exists()


def test_supervisor_creates_a_person_who_can_sign_in(district: District, login: Login) -> None:
    response = login(district.supervisor).post(
        "/people/new/",
        {
            "username": "clerk_a2",
            "name": "锦城新填报员",
            "title": "科员",
            "phone": "13800000000",
            "email": "a2@example.com",
            "unit": district.town_a.pk,
            "role": Role.UNIT_CLERK,
            "is_active": "on",
            "password1": "a-long-enough-pass-77",
            "password2": "a-long-enough-pass-77",
        },
    )
    person = User.objects.get(username="clerk_a2")
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/"
    assert person.unit == district.town_a
    assert person.role == Role.UNIT_CLERK
    assert person.history.get().history_change_reason == "新建用户"
    signed_in = Client().post(
        "/login/", {"username": "clerk_a2", "password": "a-long-enough-pass-77"}
    )
    assert signed_in.status_code == 302


def test_person_create_with_mismatched_passwords_names_the_field_and_saves_nothing(
    district: District, login: Login
) -> None:
    before = User.objects.count()
    response = login(district.supervisor).post(
        "/people/new/",
        {
            "username": "clerk_a2",
            "name": "锦城新填报员",
            "unit": district.town_a.pk,
            "role": Role.UNIT_CLERK,
            "is_active": "on",
            "password1": "a-long-enough-pass-77",
            "password2": "another-long-pass-88",
        },
    )
    assert response.status_code == 200
    assert "确认密码：两次输入的密码不一致。" in _content(response)
    assert User.objects.count() == before


def test_person_create_without_a_name_names_the_field(district: District, login: Login) -> None:
    before = User.objects.count()
    response = login(district.supervisor).post(
        "/people/new/",
        {
            "username": "clerk_a2",
            "name": "",
            "unit": district.town_a.pk,
            "role": Role.UNIT_CLERK,
            "password1": "a-long-enough-pass-77",
            "password2": "a-long-enough-pass-77",
        },
    )
    assert response.status_code == 200
    assert "姓名：这个字段是必填项。" in _content(response)
    assert User.objects.count() == before


def test_supervisor_opens_a_persons_edit_form(district: District, login: Login) -> None:
    response = login(district.supervisor).get(f"/people/{district.clerk_a.pk}/edit/")
    assert response.status_code == 200


def test_supervisor_edits_a_person_and_history_records_the_reason(
    district: District, login: Login
) -> None:
    response = login(district.supervisor).post(
        f"/people/{district.clerk_a.pk}/edit/",
        _person_form(district.clerk_a, title="副科长", reason="职务调整"),
    )
    assert response.status_code == 302
    district.clerk_a.refresh_from_db()
    assert district.clerk_a.title == "副科长"
    latest = district.clerk_a.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "职务调整"
    assert latest.history_user == district.supervisor


def test_supervisor_cannot_deactivate_own_account(district: District, login: Login) -> None:
    response = login(district.supervisor).post(
        f"/people/{district.supervisor.pk}/edit/",
        _person_form(district.supervisor, is_active=""),
    )
    assert response.status_code == 200
    assert "不能停用自己的账号。" in _content(response)
    district.supervisor.refresh_from_db()
    assert district.supervisor.is_active


def test_clerk_gets_403_on_a_colleagues_edit_page(district: District, login: Login) -> None:
    client = login(district.clerk_a)
    assert client.get(f"/people/{district.manager_a.pk}/edit/").status_code == 403
    response = client.post(
        f"/people/{district.manager_a.pk}/edit/",
        _person_form(district.manager_a, role=Role.SUPERVISOR),
    )
    assert response.status_code == 403
    district.manager_a.refresh_from_db()
    assert district.manager_a.role == Role.UNIT_MANAGER


def test_clerk_cannot_raise_own_role(district: District, login: Login) -> None:
    response = login(district.clerk_a).post(
        f"/people/{district.clerk_a.pk}/edit/",
        _person_form(district.clerk_a, role=Role.SUPERVISOR),
    )
    assert response.status_code == 403
    district.clerk_a.refresh_from_db()
    assert district.clerk_a.role == Role.UNIT_CLERK


def test_clerk_gets_404_on_the_edit_page_of_a_person_of_another_town(
    district: District, login: Login
) -> None:
    client = login(district.clerk_b)
    assert client.get(f"/people/{district.clerk_a.pk}/edit/").status_code == 404
    response = client.post(
        f"/people/{district.clerk_a.pk}/edit/", _person_form(district.clerk_a, name="改名")
    )
    assert response.status_code == 404
    district.clerk_a.refresh_from_db()
    assert district.clerk_a.name == "锦城填报员"


# Password reset ------------------------------------------------------------------------


def test_supervisor_resets_a_persons_password(district: District, login: Login) -> None:
    client = login(district.supervisor)
    assert client.get(f"/people/{district.clerk_a.pk}/password/").status_code == 200
    response = client.post(
        f"/people/{district.clerk_a.pk}/password/",
        {"password1": "brand-new-secret-42", "password2": "brand-new-secret-42"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{district.clerk_a.pk}/"
    district.clerk_a.refresh_from_db()
    assert district.clerk_a.check_password("brand-new-secret-42")
    latest = district.clerk_a.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "重置密码"


def test_password_reset_with_mismatched_passwords_keeps_the_old_one(
    district: District, login: Login
) -> None:
    response = login(district.supervisor).post(
        f"/people/{district.clerk_a.pk}/password/",
        {"password1": "brand-new-secret-42", "password2": "brand-new-secret-43"},
    )
    assert response.status_code == 200
    assert "确认密码：两次输入的密码不一致。" in _content(response)
    district.clerk_a.refresh_from_db()
    assert district.clerk_a.check_password(PASSWORD)


def test_password_reset_refuses_a_short_password(district: District, login: Login) -> None:
    response = login(district.supervisor).post(
        f"/people/{district.clerk_a.pk}/password/", {"password1": "short", "password2": "short"}
    )
    assert response.status_code == 200
    assert "确认密码：" in _content(response)
    district.clerk_a.refresh_from_db()
    assert district.clerk_a.check_password(PASSWORD)


def test_clerk_gets_403_resetting_a_colleagues_password(district: District, login: Login) -> None:
    client = login(district.clerk_a)
    assert client.get(f"/people/{district.manager_a.pk}/password/").status_code == 403
    response = client.post(
        f"/people/{district.manager_a.pk}/password/",
        {"password1": "brand-new-secret-42", "password2": "brand-new-secret-42"},
    )
    assert response.status_code == 403
    district.manager_a.refresh_from_db()
    assert district.manager_a.check_password(PASSWORD)


def test_clerk_gets_404_resetting_the_password_of_a_person_of_another_town(
    district: District, login: Login
) -> None:
    client = login(district.clerk_b)
    assert client.get(f"/people/{district.clerk_a.pk}/password/").status_code == 404
    response = client.post(
        f"/people/{district.clerk_a.pk}/password/",
        {"password1": "brand-new-secret-42", "password2": "brand-new-secret-42"},
    )
    assert response.status_code == 404
    district.clerk_a.refresh_from_db()
    assert district.clerk_a.check_password(PASSWORD)


# Links ---------------------------------------------------------------------------------


def test_clerk_sees_only_the_links_of_own_town(district: District, login: Login) -> None:
    response = login(district.clerk_a).get("/links/")
    assert response.status_code == 200
    assert response.context["links"] == [district.link_a]


def test_clerk_of_another_town_does_not_see_jincheng_links(
    district: District, login: Login
) -> None:
    response = login(district.clerk_b).get("/links/")
    assert response.context["links"] == [district.link_b]
    assert "锦城街道" not in _content(response)


def test_supervisor_and_leader_see_every_link(district: District, login: Login) -> None:
    for user in (district.supervisor, district.leader):
        response = login(user).get("/links/")
        assert set(response.context["links"]) == {district.link_a, district.link_b}


def test_viewer_cannot_open_the_link_list(district: District, login: Login) -> None:
    assert login(district.viewer).get("/links/").status_code == 404


def test_link_list_hides_ended_links_by_default(district: District, login: Login) -> None:
    district.link_b.ended_on = date(2026, 3, 1)
    district.link_b.save()
    client = login(district.supervisor)
    assert client.get("/links/").context["links"] == [district.link_a]
    assert set(client.get("/links/", {"current": "false"}).context["links"]) == {district.link_b}


def test_link_list_query_count_does_not_grow_with_links(district: District, login: Login) -> None:
    client = login(district.supervisor)
    client.get("/links/")
    unit_type = ContentType.objects.get_for_model(Unit)

    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            leader = _leader(f"leader{number}", f"领导{number}")
            Link.objects.create(
                leader=leader,
                content_type=unit_type,
                object_id=district.town_a.pk,
                unit=district.town_a,
                started_on=date(2026, 1, 1),
            )

    add(3, 0)
    few = _count_queries(client, "/links/")
    add(6, 3)
    many = _count_queries(client, "/links/")
    assert many == few


def test_clerk_opens_a_link_of_own_town(district: District, login: Login) -> None:
    response = login(district.clerk_a).get(f"/links/{district.link_a.pk}/")
    assert response.status_code == 200
    assert response.context["can_change"] is False
    assert f"/links/{district.link_a.pk}/end/" not in _content(response)


def test_clerk_cannot_open_a_link_of_another_town(district: District, login: Login) -> None:
    assert login(district.clerk_b).get(f"/links/{district.link_a.pk}/").status_code == 404
    assert login(district.clerk_a).get(f"/links/{district.link_b.pk}/").status_code == 404


def test_supervisor_opens_the_links_of_both_towns(district: District, login: Login) -> None:
    client = login(district.supervisor)
    for link in (district.link_a, district.link_b):
        response = client.get(f"/links/{link.pk}/")
        assert response.status_code == 200
        assert f"/links/{link.pk}/end/" in _content(response)


def test_viewer_cannot_open_a_link(district: District, login: Login) -> None:
    assert login(district.viewer).get(f"/links/{district.link_a.pk}/").status_code == 404


# Link create ---------------------------------------------------------------------------


def test_supervisor_is_offered_to_set_a_link_on_the_unit_page(
    district: District, login: Login
) -> None:
    url = f"/links/new/org.unit/{district.town_a.pk}/"
    assert url in _content(login(district.supervisor).get(f"/units/{district.town_a.pk}/"))
    assert url not in _content(login(district.clerk_a).get(f"/units/{district.town_a.pk}/"))


def test_supervisor_sets_a_link_from_the_unit_page(district: District, login: Login) -> None:
    deputy = _leader()
    client = login(district.supervisor)
    url = f"/links/new/org.unit/{district.town_a.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"leader": deputy.pk, "duty": "项目推进", "started_on": "2026-02-01", "note": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/units/{district.town_a.pk}/"
    link = Link.objects.get(leader=deputy)
    assert link.target == district.town_a
    assert link.unit == district.town_a
    assert link.started_on == date(2026, 2, 1)
    assert link.history.get().history_change_reason == "设置挂联"
    # The town's clerk sees the new link; the other town's clerk does not.
    assert login(district.clerk_a).get(f"/links/{link.pk}/").status_code == 200
    assert login(district.clerk_b).get(f"/links/{link.pk}/").status_code == 404


def test_leader_already_linked_to_the_unit_is_refused(district: District, login: Login) -> None:
    before = Link.objects.count()
    response = login(district.supervisor).post(
        f"/links/new/org.unit/{district.town_a.pk}/",
        {"leader": district.leader.pk, "duty": "再次", "started_on": "2026-02-01"},
    )
    assert response.status_code == 200
    assert "挂联领导：李明华 已挂联“锦城街道”。" in _content(response)
    assert Link.objects.count() == before


def test_link_without_a_start_date_names_the_field(district: District, login: Login) -> None:
    before = Link.objects.count()
    response = login(district.supervisor).post(
        f"/links/new/org.unit/{district.town_a.pk}/",
        {"leader": _leader().pk, "duty": "项目推进", "started_on": ""},
    )
    assert response.status_code == 200
    assert "开始日期：这个字段是必填项。" in _content(response)
    assert Link.objects.count() == before


def test_only_a_leader_can_be_chosen_for_a_link(district: District, login: Login) -> None:
    response = login(district.supervisor).post(
        f"/links/new/org.unit/{district.town_a.pk}/",
        {"leader": district.clerk_a.pk, "started_on": "2026-02-01"},
    )
    assert response.status_code == 200
    assert "leader" in response.context["form"].errors
    assert not Link.objects.filter(leader=district.clerk_a).exists()


def test_link_form_for_an_unknown_kind_of_object_is_404(district: District, login: Login) -> None:
    client = login(district.supervisor)
    assert client.get(f"/links/new/org.group/{district.group.pk}/").status_code == 404
    assert client.get(f"/links/new/nothing/{district.town_a.pk}/").status_code == 404


def test_link_form_for_an_unknown_unit_is_404(district: District, login: Login) -> None:
    assert login(district.supervisor).get("/links/new/org.unit/999999/").status_code == 404


@pytest.mark.parametrize("who", ["clerk_a", "manager_a", "leader"])
def test_only_the_supervisor_may_set_a_link_on_own_unit(
    district: District, login: Login, who: str
) -> None:
    client = login(getattr(district, who))
    url = f"/links/new/org.unit/{district.town_a.pk}/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"leader": district.leader.pk, "started_on": "2026-02-01"})
    assert response.status_code == 403
    assert Link.objects.count() == 2


def test_clerk_of_another_town_learns_nothing_from_the_link_form(
    district: District, login: Login
) -> None:
    """Only the supervisor may set links at all, so the permission check comes before the
    lookup: another town's unit and a unit that does not exist answer alike."""
    client = login(district.clerk_b)
    other_town = client.get(f"/links/new/org.unit/{district.town_a.pk}/")
    unknown = client.get("/links/new/org.unit/999999/")
    assert other_town.status_code == unknown.status_code == 403


# Link end ------------------------------------------------------------------------------


def test_supervisor_ends_a_link_and_history_records_the_reason(
    district: District, login: Login
) -> None:
    client = login(district.supervisor)
    assert client.get(f"/links/{district.link_a.pk}/end/").status_code == 200
    response = client.post(
        f"/links/{district.link_a.pk}/end/", {"ended_on": "2026-06-30", "reason": "工作调整"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/links/{district.link_a.pk}/"
    district.link_a.refresh_from_db()
    assert district.link_a.ended_on == date(2026, 6, 30)
    latest = district.link_a.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "工作调整"
    # An ended link leaves the unit page.
    unit_page = client.get(f"/units/{district.town_a.pk}/")
    assert list(unit_page.context["links"]) == []


def test_link_cannot_end_before_it_started(district: District, login: Login) -> None:
    response = login(district.supervisor).post(
        f"/links/{district.link_a.pk}/end/", {"ended_on": "2025-12-31", "reason": ""}
    )
    assert response.status_code == 200
    assert "结束日期：结束日期不能早于开始日期。" in _content(response)
    district.link_a.refresh_from_db()
    assert district.link_a.ended_on is None


def test_ended_link_cannot_be_ended_again(district: District, login: Login) -> None:
    district.link_a.ended_on = date(2026, 3, 1)
    district.link_a.save()
    response = login(district.supervisor).post(
        f"/links/{district.link_a.pk}/end/", {"ended_on": "2026-06-30"}
    )
    assert response.status_code == 200
    assert "该挂联已于 2026-03-01 结束。" in _content(response)
    district.link_a.refresh_from_db()
    assert district.link_a.ended_on == date(2026, 3, 1)


@pytest.mark.parametrize("who", ["clerk_a", "manager_a", "leader"])
def test_users_who_see_a_link_get_403_ending_it(district: District, login: Login, who: str) -> None:
    client = login(getattr(district, who))
    assert client.get(f"/links/{district.link_a.pk}/end/").status_code == 403
    response = client.post(f"/links/{district.link_a.pk}/end/", {"ended_on": "2026-06-30"})
    assert response.status_code == 403
    district.link_a.refresh_from_db()
    assert district.link_a.ended_on is None


def test_clerk_gets_404_ending_a_link_of_another_town(district: District, login: Login) -> None:
    client = login(district.clerk_b)
    assert client.get(f"/links/{district.link_a.pk}/end/").status_code == 404
    response = client.post(f"/links/{district.link_a.pk}/end/", {"ended_on": "2026-06-30"})
    assert response.status_code == 404
    district.link_a.refresh_from_db()
    assert district.link_a.ended_on is None


def test_viewer_gets_404_ending_a_link(district: District, login: Login) -> None:
    assert login(district.viewer).get(f"/links/{district.link_a.pk}/end/").status_code == 404


# Home and account ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "clerk_a", "viewer"])
def test_every_signed_in_user_opens_home_and_own_account(
    district: District, login: Login, who: str
) -> None:
    user = getattr(district, who)
    client = login(user)
    assert client.get("/").status_code == 200
    response = client.get("/account/")
    assert response.status_code == 200
    assert user.username in _content(response)


def test_account_page_lists_only_own_tokens(district: District, login: Login) -> None:
    do_create_api_token(user=district.clerk_a, name="锦城脚本", actor=district.clerk_a)
    do_create_api_token(user=district.clerk_b, name="於潜脚本", actor=district.clerk_b)
    response = login(district.clerk_a).get("/account/")
    assert [token.name for token in response.context["tokens"]] == ["锦城脚本"]
    assert "於潜脚本" not in _content(response)


def test_user_creates_a_token_and_sees_its_secret_once(district: District, login: Login) -> None:
    client = login(district.clerk_a)
    response = client.post("/account/tokens/new/", {"name": "数据对接"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret in _content(response)
    token = ApiToken.objects.get(user=district.clerk_a)
    assert token.name == "数据对接"
    assert token.digest == ApiToken.digest_of(secret)
    assert secret not in _content(client.get("/account/"))


def test_token_without_a_name_names_the_field_and_saves_nothing(
    district: District, login: Login
) -> None:
    response = login(district.clerk_a).post("/account/tokens/new/", {"name": ""})
    assert response.status_code == 400
    assert "用途：这个字段是必填项。" in _content(response)
    assert not ApiToken.objects.exists()


def test_token_pages_refuse_get(district: District, login: Login) -> None:
    token, _secret = do_create_api_token(user=district.clerk_a, name="x", actor=district.clerk_a)
    client = login(district.clerk_a)
    assert client.get("/account/tokens/new/").status_code == 405
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_user_revokes_own_token(district: District, login: Login) -> None:
    token, _secret = do_create_api_token(user=district.clerk_a, name="x", actor=district.clerk_a)
    response = login(district.clerk_a).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize("who", ["clerk_b", "supervisor"])
def test_user_cannot_revoke_another_users_token(district: District, login: Login, who: str) -> None:
    token, _secret = do_create_api_token(user=district.clerk_a, name="x", actor=district.clerk_a)
    response = login(getattr(district, who)).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_user_opens_the_password_change_page(district: District, login: Login) -> None:
    assert login(district.clerk_a).get("/account/password/").status_code == 200


def test_user_changes_own_password(district: District, login: Login) -> None:
    response = login(district.clerk_a).post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-fresh-password-31",
            "new_password2": "a-fresh-password-31",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    district.clerk_a.refresh_from_db()
    assert district.clerk_a.check_password("a-fresh-password-31")


def test_password_change_with_a_wrong_old_password_keeps_the_password(
    district: District, login: Login
) -> None:
    response = login(district.clerk_a).post(
        "/account/password/",
        {
            "old_password": "not-the-password",
            "new_password1": "a-fresh-password-31",
            "new_password2": "a-fresh-password-31",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    district.clerk_a.refresh_from_db()
    assert district.clerk_a.check_password(PASSWORD)


def test_changing_a_groups_year_moves_its_members_to_that_year(
    district: District, login: Login
) -> None:
    response = login(district.supervisor).post(
        f"/groups/{district.group.pk}/edit/",
        {
            "year": 2027,
            "code": "towns",
            "name": "乡镇组",
            "order": 1,
            "members": [district.town_a.pk, district.town_b.pk],
            "reason": "年度顺延",
        },
    )
    assert response.status_code == 302
    assert set(GroupMember.objects.values_list("year", flat=True)) == {2027}
    # 2026 is free again for 锦城街道, 2027 is taken.
    created = login(district.supervisor).post(
        "/groups/new/",
        {"year": 2026, "code": "jd", "name": "街道组", "order": 2, "members": [district.town_a.pk]},
    )
    assert created.status_code == 302
    refused = login(district.supervisor).post(
        "/groups/new/",
        {
            "year": 2027,
            "code": "jd2",
            "name": "街道组二",
            "order": 3,
            "members": [district.town_a.pk],
        },
    )
    assert refused.status_code == 200
    assert "锦城街道 已在 乡镇组" in refused.content.decode()


def test_changing_a_groups_year_into_a_clash_names_the_unit_and_changes_nothing(
    district: District, login: Login
) -> None:
    other = Group.objects.create(year=2027, code="streets", name="街道组", order=2)
    GroupMember.objects.create(group=other, unit=district.town_a, year=2027)
    response = login(district.supervisor).post(
        f"/groups/{district.group.pk}/edit/",
        {
            "year": 2027,
            "code": "towns",
            "name": "乡镇组",
            "order": 1,
            "members": [district.town_a.pk, district.town_b.pk],
            "reason": "年度顺延",
        },
    )
    assert response.status_code == 200
    assert "锦城街道 已在 街道组" in response.content.decode()
    district.group.refresh_from_db()
    assert district.group.year == 2026
    assert set(district.group.memberships.values_list("year", flat=True)) == {2026}


def test_parent_filter_answers_alike_for_a_hidden_and_an_unknown_unit(
    district: District, login: Login
) -> None:
    hidden = Unit.objects.create(
        kind=UnitKind.PLATFORM, code="330112-P19", name="於潜园区", parent=district.town_b
    )
    client = login(district.clerk_a)
    hidden_page = client.get("/units/", {"parent": hidden.pk}).content.decode()
    unknown_page = client.get("/units/", {"parent": 999999}).content.decode()
    assert hidden_page.count("<tr") == unknown_page.count("<tr")
