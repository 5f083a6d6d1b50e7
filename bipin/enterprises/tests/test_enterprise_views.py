"""The enterprise pages: the list with its filters and totals, the enterprise page with its
leaders and requests, the forms, a leader's linked enterprises, and a town's section.

Every page is checked for a user who may use it, a user who may see but not change (403),
another town's enterprise (404), and an anonymous visitor (sent to the login page).
"""

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bipin.conftest import District
from bipin.core.uscc import check_character
from bipin.enterprises import actions
from bipin.enterprises.choices import Intake, Size
from bipin.enterprises.filters import ENTERPRISE_SORT_CHOICES, ENTERPRISE_SORTS
from bipin.enterprises.models import Enterprise, ServiceCategory, ServiceRequest
from bipin.org.models import Link, Unit, User
from bipin.projects.models import Industry

Login = Callable[[User], Client]

TODAY = timezone.localdate()
_NUMBERS = itertools.count(1)


def uscc(body: str | None = None) -> str:
    """A valid code of the district (91 330185 …), of the 9-character organisation code
    `body` or a new one."""
    first17 = "91330185" + (body or f"MA{next(_NUMBERS):07d}")
    return first17 + check_character(first17)


def make_enterprise(
    district: District, unit: Unit | None = None, *, actor: User | None = None, **fields: Any
) -> Enterprise:
    """An enterprise entered through the action, by default 锦城's."""
    values: dict[str, Any] = {
        "uscc": uscc(),
        "name": "杭州临安锦城电子科技有限公司",
        "industry": Industry.objects.get(code="39"),
        "unit": unit or district.town_a,
        "size": Size.ABOVE_SCALE,
        "employees": 120,
        "land_area": Decimal("35.50"),
        "address": "浙江省杭州市临安区锦城街道钱王街1号",
    }
    values.update(fields)
    return actions.do_create_enterprise(actor=actor or district.supervisor, **values)


def make_enterprise_b(district: District, **fields: Any) -> Enterprise:
    """於潜's enterprise."""
    values: dict[str, Any] = {
        "name": "杭州於潜竹木制品有限公司",
        "industry": Industry.objects.get(code="20"),
        "size": Size.BELOW_SCALE,
        "employees": 30,
        "land_area": Decimal("8"),
    }
    values.update(fields)
    return make_enterprise(district, district.town_b, **values)


def link(district: District, enterprise: Enterprise, leader: User | None = None) -> Link:
    return Link.objects.create(
        leader=leader or district.leader,
        content_type=ContentType.objects.get_for_model(Enterprise),
        object_id=enterprise.pk,
        unit=enterprise.unit,
        duty="企业服务",
        started_on=date(TODAY.year, 1, 1),
    )


def submit_request(
    district: District, enterprise: Enterprise, *, days_ago: int = 1, category: str = "人才用工"
) -> ServiceRequest:
    """A request of `enterprise` submitted `days_ago` days ago (人才用工: 10 days to answer)."""
    return actions.do_submit_request(
        actor=district.supervisor,
        enterprise=enterprise,
        category=ServiceCategory.objects.get(name=category),
        description="招工难，需要对接职业院校",
        intake=Intake.VISIT,
        submitted_on=TODAY - timedelta(days=days_ago),
    )


@pytest.fixture
def enterprise_a(district: District) -> Enterprise:
    return make_enterprise(district, is_key=True)


@pytest.fixture
def enterprise_b(district: District) -> Enterprise:
    return make_enterprise_b(district)


def _content(response: Any) -> str:
    return response.content.decode()


def _form(enterprise: Enterprise | None = None, **changes: Any) -> dict[str, Any]:
    """The POST data of the enterprise form for `enterprise` as it is (or a new one)."""
    data: dict[str, Any] = {
        "uscc": uscc(),
        "name": "杭州临安新录入科技有限公司",
        "industry": Industry.objects.get(code="39").pk,
        "unit": "",
        "size": Size.BELOW_SCALE,
        "is_key": "",
        "land_area": "12.5",
        "employees": "40",
        "address": "锦城街道某路1号",
        "reason": "",
    }
    if enterprise is not None:
        data.update(
            {
                "uscc": enterprise.uscc,
                "name": enterprise.name,
                "industry": enterprise.industry_id,
                "unit": enterprise.unit_id,
                "size": enterprise.size,
                "is_key": "on" if enterprise.is_key else "",
                "land_area": enterprise.land_area or "",
                "employees": enterprise.employees or "",
                "address": enterprise.address,
            }
        )
    data.update(changes)
    return data


def _count_queries(client: Client, url: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(queries)


def _add_enterprises(district: District, count: int, start: int) -> None:
    """`count` enterprises in each town, every other one key and linked to the leader."""
    for number in range(start, start + count):
        for unit in (district.town_a, district.town_b):
            enterprise = make_enterprise(
                district,
                unit,
                name=f"{unit.short_name}企业{number:03d}",
                is_key=number % 2 == 0,
                land_area=Decimal(number),
            )
            if number % 2 == 0:
                link(district, enterprise)
                submit_request(district, enterprise, days_ago=number % 20)


# Anonymous visitors ----------------------------------------------------------------------


PAGES: dict[str, Callable[[Enterprise], str]] = {
    "list": lambda e: "/enterprises/",
    "mine": lambda e: "/enterprises/mine/",
    "create": lambda e: "/enterprises/new/",
    "detail": lambda e: f"/enterprises/{e.pk}/",
    "edit": lambda e: f"/enterprises/{e.pk}/edit/",
}


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_login_from_every_page(
    district: District, enterprise_a: Enterprise, page: str
) -> None:
    response = Client().get(PAGES[page](enterprise_a))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("page", ["create", "edit"])
def test_anonymous_post_changes_nothing(
    district: District, enterprise_a: Enterprise, page: str
) -> None:
    response = Client().post(PAGES[page](enterprise_a), _form(enterprise_a, name="匿名修改"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    enterprise_a.refresh_from_db()
    assert enterprise_a.name == "杭州临安锦城电子科技有限公司"
    assert Enterprise.objects.count() == 1


def test_the_main_menu_links_to_the_enterprise_list(district: District, login: Login) -> None:
    assert 'href="/enterprises/"' in _content(login(district.clerk_a).get("/"))


# The list --------------------------------------------------------------------------------


def test_clerk_of_jincheng_sees_jinchengs_enterprises_not_yuqians(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    response = login(district.clerk_a).get("/enterprises/")
    assert response.status_code == 200
    assert list(response.context["page"]) == [enterprise_a]
    page = _content(response)
    assert "杭州临安锦城电子科技有限公司" in page
    assert "杭州於潜竹木制品有限公司" not in page
    assert enterprise_b.uscc not in page


def test_clerk_of_yuqian_sees_yuqians_enterprises_not_jinchengs(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    response = login(district.clerk_b).get("/enterprises/")
    assert list(response.context["page"]) == [enterprise_b]
    assert "杭州临安锦城电子科技有限公司" not in _content(response)


@pytest.mark.parametrize("who", ["supervisor", "leader"])
def test_supervisor_and_leader_list_every_enterprise(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise, who: str
) -> None:
    response = login(getattr(district, who)).get("/enterprises/")
    assert set(response.context["page"]) == {enterprise_a, enterprise_b}


@pytest.mark.parametrize("who", ["viewer", "provider"])
def test_viewer_and_data_provider_list_no_enterprises(
    district: District, login: Login, enterprise_a: Enterprise, who: str
) -> None:
    response = login(getattr(district, who)).get("/enterprises/")
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert response.context["totals"]["count"] == 0


def test_unit_filter_offers_only_units_the_clerk_may_see(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    client = login(district.clerk_a)
    field = client.get("/enterprises/").context["filter"].form.fields["unit"]
    assert list(field.queryset) == [district.town_a]
    # Another town's id is not a choice: the filter is invalid, and nothing of 於潜 shows.
    response = client.get("/enterprises/", {"unit": district.town_b.pk})
    assert list(response.context["page"]) == [enterprise_a]


def test_unit_filter_takes_the_enterprises_below_a_unit(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    client = login(district.supervisor)
    assert list(client.get("/enterprises/", {"unit": district.town_b.pk}).context["page"]) == [
        enterprise_b
    ]
    district_wide = client.get("/enterprises/", {"unit": district.district.pk}).context["page"]
    assert set(district_wide) == {enterprise_a, enterprise_b}


def test_list_filters_narrow_the_rows(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    client = login(district.supervisor)

    def listed(**params: Any) -> set[Enterprise]:
        response = client.get("/enterprises/", params)
        assert response.status_code == 200
        return set(response.context["page"])

    assert listed(industry="39") == {enterprise_a}
    assert listed(industry="C") == {enterprise_a, enterprise_b}  # a section takes its divisions
    assert listed(industry="20") == {enterprise_b}
    assert listed(size=Size.BELOW_SCALE) == {enterprise_b}
    assert listed(is_key="true") == {enterprise_a}
    assert listed(is_key="false") == {enterprise_b}
    assert listed(q="於潜竹木") == {enterprise_b}
    assert listed(q=enterprise_a.uscc[-6:].lower()) == {enterprise_a}  # by USCC, any case
    link(district, enterprise_b)
    assert listed(leader=district.leader.pk) == {enterprise_b}
    assert listed(linked="true") == {enterprise_b}
    assert listed(linked="false") == {enterprise_a}


def test_ended_links_do_not_count_for_the_leader_filter(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    ended = link(district, enterprise_a)
    Link.objects.filter(pk=ended.pk).update(ended_on=TODAY)
    response = login(district.supervisor).get("/enterprises/", {"leader": district.leader.pk})
    assert list(response.context["page"]) == []


def test_list_sorts_by_employees_land_name_and_unit(district: District, login: Login) -> None:
    small = make_enterprise(district, name="乙公司", employees=10, land_area=None)
    large = make_enterprise(district, name="甲公司", employees=500, land_area=Decimal("80"))
    other = make_enterprise_b(district, name="丙公司", employees=60)
    client = login(district.supervisor)

    def order(sort: str) -> list[Enterprise]:
        return list(client.get("/enterprises/", {"sort": sort}).context["page"])

    assert order("-employees") == [large, other, small]
    assert order("employees") == [small, other, large]
    assert order("-land") == [large, other, small]  # no land goes last either way
    assert order("land") == [other, large, small]
    assert order("name") == [other, small, large]  # by code point: 丙 乙 甲
    assert order("unit") == [small, large, other]  # 锦城 (order 1), then 於潜 (order 102)
    assert order("-unit") == [other, large, small]


def test_every_sortable_column_sorts_both_ways(district: District, login: Login) -> None:
    """A column header toggles between its key and "-key": both must be valid choices."""
    offered = {value for value, _label in ENTERPRISE_SORT_CHOICES}
    for key in ENTERPRISE_SORTS:
        assert {key, f"-{key}"} <= offered
    client = login(district.clerk_a)
    for key in ENTERPRISE_SORTS:
        for sort in (key, f"-{key}"):
            response = client.get("/enterprises/", {"sort": sort})
            assert response.context["sort"] == sort


def test_totals_count_employees_and_land_of_what_is_filtered(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    make_enterprise(district, name="无地企业", employees=None, land_area=None, is_key=False)
    client = login(district.supervisor)
    totals = client.get("/enterprises/").context["totals"]
    assert totals == {
        "count": 3,
        "key": 1,
        "above_scale": 2,
        "employees": 150,
        "land_area": Decimal("43.50"),
    }
    response = client.get("/enterprises/", {"unit": district.town_a.pk})
    assert response.context["totals"]["count"] == 2
    assert response.context["totals"]["land_area"] == Decimal("35.50")
    page = _content(response)
    assert "共 <strong>2</strong> 家企业" in page
    assert "从业人数 120 人" in page
    assert "用地 35.50 亩" in page


def test_list_htmx_request_gets_only_the_results(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    response = login(district.clerk_a).get("/enterprises/", HTTP_HX_REQUEST="true")
    page = _content(response)
    assert 'id="enterprise-totals"' in page
    assert "<html" not in page
    assert 'id="enterprise-filter"' not in page


def test_list_paginates_by_50(district: District, login: Login) -> None:
    for number in range(55):
        make_enterprise(district, name=f"企业{number:03d}")
    client = login(district.clerk_a)
    first = client.get("/enterprises/", {"sort": "name"})
    assert len(first.context["page"]) == 50
    assert "第 1 / 2 页" in _content(first)
    second = client.get("/enterprises/", {"sort": "name", "page": "2"})
    assert [e.name for e in second.context["page"]] == [f"企业{n:03d}" for n in range(50, 55)]
    assert second.context["totals"]["count"] == 55


def test_list_shows_the_linked_leaders_of_each_row(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    link(district, enterprise_a)
    page = _content(login(district.clerk_a).get("/enterprises/"))
    assert "李明华" in page


@pytest.mark.parametrize("who", ["supervisor", "clerk_a"])
@pytest.mark.parametrize(
    "params", ["", "?is_key=true&sort=-employees&leader=2&linked=true&industry=C&q=企业"]
)
def test_list_query_count_does_not_grow_with_enterprises(
    district: District, login: Login, who: str, params: str
) -> None:
    client = login(getattr(district, who))
    url = f"/enterprises/{params}"
    client.get(url)  # warm the caches (content types, session)
    _add_enterprises(district, 4, 0)
    few = _count_queries(client, url)
    _add_enterprises(district, 40, 4)
    many = _count_queries(client, url)
    assert many == few


def test_only_users_who_may_add_are_offered_new_import_and_template(
    district: District, login: Login
) -> None:
    for who in ("supervisor", "clerk_a", "manager_a"):
        page = _content(login(getattr(district, who)).get("/enterprises/"))
        assert 'href="/enterprises/new/"' in page
        assert 'href="/excel/enterprises/import/"' in page
        assert 'href="/excel/enterprises/template/"' in page
    for who in ("leader", "viewer", "provider"):
        page = _content(login(getattr(district, who)).get("/enterprises/"))
        assert 'href="/enterprises/new/"' not in page
        assert 'href="/excel/enterprises/import/"' not in page


def test_export_button_carries_the_lists_filters(district: District, login: Login) -> None:
    page = _content(login(district.clerk_a).get("/enterprises/", {"is_key": "true", "page": "1"}))
    assert 'href="/excel/enterprises/export/?is_key=true"' in page


def test_only_leaders_are_offered_their_linked_enterprises(
    district: District, login: Login
) -> None:
    assert 'href="/enterprises/mine/"' in _content(login(district.leader).get("/enterprises/"))
    assert 'href="/enterprises/mine/"' not in _content(login(district.clerk_a).get("/enterprises/"))


# The enterprise page ----------------------------------------------------------------------


def test_clerk_opens_own_towns_enterprise_page(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    response = login(district.clerk_a).get(f"/enterprises/{enterprise_a.pk}/")
    assert response.status_code == 200
    page = _content(response)
    assert enterprise_a.uscc in page
    assert "计算机、通信和其他电子设备制造业" in page
    assert "35.50 亩" in page
    assert "120 人" in page
    assert f'href="/enterprises/{enterprise_a.pk}/edit/"' in page
    assert 'id="history"' in page
    assert "录入企业" in page  # the history's reason


def test_clerk_cannot_open_another_towns_enterprise(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    response = login(district.clerk_b).get(f"/enterprises/{enterprise_a.pk}/")
    assert response.status_code == 404
    assert "杭州临安锦城电子科技有限公司" not in _content(response)
    assert login(district.clerk_b).get("/enterprises/999999/").status_code == 404


@pytest.mark.parametrize("who", ["viewer", "provider"])
def test_viewer_and_data_provider_cannot_open_an_enterprise(
    district: District, login: Login, enterprise_a: Enterprise, who: str
) -> None:
    assert login(getattr(district, who)).get(f"/enterprises/{enterprise_a.pk}/").status_code == 404


def test_leader_sees_the_enterprise_page_without_change_buttons(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    response = login(district.leader).get(f"/enterprises/{enterprise_a.pk}/")
    assert response.status_code == 200
    page = _content(response)
    assert "/edit/" not in page
    assert "/org/links/new/" not in page
    assert "登记诉求" not in page


def test_enterprise_page_shows_linked_leaders_and_the_link_buttons_to_the_supervisor(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    current = link(district, enterprise_a)
    page = _content(login(district.supervisor).get(f"/enterprises/{enterprise_a.pk}/"))
    assert "李明华" in page
    assert f'href="/links/new/enterprises.enterprise/{enterprise_a.pk}/"' in page
    assert f'href="/links/{current.pk}/end/"' in page
    clerk_page = _content(login(district.clerk_a).get(f"/enterprises/{enterprise_a.pk}/"))
    assert "李明华" in clerk_page
    assert "/links/new/" not in clerk_page
    assert f"/links/{current.pk}/end/" not in clerk_page


def test_supervisor_links_and_unlinks_a_leader_from_the_enterprise_page(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    client = login(district.supervisor)
    response = client.post(
        f"/links/new/enterprises.enterprise/{enterprise_a.pk}/",
        {"leader": district.leader.pk, "duty": "企业服务", "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{enterprise_a.pk}/"
    made = Link.objects.get(object_id=enterprise_a.pk, content_type__model="enterprise")
    assert made.unit == district.town_a  # the town's people see who is linked
    assert "李明华" in _content(client.get(f"/enterprises/{enterprise_a.pk}/"))
    client.post(f"/links/{made.pk}/end/", {"ended_on": TODAY.isoformat(), "reason": "调整分工"})
    made.refresh_from_db()
    assert made.ended_on == TODAY
    assert "暂无挂联领导" in _content(client.get(f"/enterprises/{enterprise_a.pk}/"))


def test_clerk_cannot_link_a_leader(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    response = login(district.clerk_a).post(
        f"/links/new/enterprises.enterprise/{enterprise_a.pk}/",
        {"leader": district.leader.pk, "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 403
    assert not Link.objects.filter(content_type__model="enterprise").exists()


def test_enterprise_page_lists_its_requests_linking_to_them(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    late = submit_request(district, enterprise_a, days_ago=30)
    recent = submit_request(district, enterprise_a, days_ago=1, category="审批服务")
    other = submit_request(district, enterprise_b)
    response = login(district.clerk_a).get(f"/enterprises/{enterprise_a.pk}/")
    page = _content(response)
    assert response.context["request_counts"] == {"total": 2, "open": 2, "overdue": 1}
    assert f'href="{late.get_absolute_url()}"' in page
    assert f'href="{recent.get_absolute_url()}"' in page
    assert other.code not in page
    assert "超期 1 件" in page
    assert f'href="/enterprises/requests/new/?enterprise={enterprise_a.pk}"' in page


def test_leader_sees_every_request_on_the_enterprise_page(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    made = submit_request(district, enterprise_a)
    page = _content(login(district.leader).get(f"/enterprises/{enterprise_a.pk}/"))
    assert made.code in page  # leaders see every request


# Forms -------------------------------------------------------------------------------------


def test_clerk_opens_the_new_enterprise_form_with_own_town_only(
    district: District, login: Login
) -> None:
    response = login(district.clerk_a).get("/enterprises/new/")
    assert response.status_code == 200
    field = response.context["form"].fields["unit"]
    assert list(field.queryset) == [district.town_a]  # not its platform: enterprises are in towns
    assert field.initial == district.town_a.pk


def test_clerk_creates_an_enterprise_through_the_form(district: District, login: Login) -> None:
    code = uscc("MA2H0AB10")
    response = login(district.clerk_a).post(
        "/enterprises/new/",
        _form(uscc=f" {code.lower()} ", unit=district.town_a.pk, is_key="on"),
    )
    made = Enterprise.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{made.pk}/"
    assert made.uscc == code  # folded to upper case, without spaces
    assert made.unit == district.town_a
    assert made.is_key
    assert made.land_area == Decimal("12.5")
    assert made.history.get().history_user == district.clerk_a


def test_clerk_cannot_create_an_enterprise_for_another_town(
    district: District, login: Login
) -> None:
    response = login(district.clerk_a).post("/enterprises/new/", _form(unit=district.town_b.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize("who", ["leader", "viewer", "provider"])
def test_who_may_not_add_enterprises_gets_403(district: District, login: Login, who: str) -> None:
    client = login(getattr(district, who))
    assert client.get("/enterprises/new/").status_code == 403
    response = client.post("/enterprises/new/", _form(unit=district.town_a.pk))
    assert response.status_code == 403
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91330185MA2H0AB1I0", "第 17 位“I”不是允许的字符"),
        ("9133018XMA2H0AB100", "第 8 位应为数字"),
        ("91330185MA2H0AB10X", "第 18 位校验码错误"),
        ("91330185MA2H0AB1", "应为 18 位，实际为 16 位"),
    ],
)
def test_invalid_uscc_is_refused_naming_the_position(
    district: District, login: Login, code: str, message: str
) -> None:
    response = login(district.clerk_a).post(
        "/enterprises/new/", _form(uscc=code, unit=district.town_a.pk)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["uscc"])
    assert message in _content(response)
    assert not Enterprise.objects.exists()


def test_duplicate_uscc_is_refused(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    response = login(district.clerk_a).post(
        "/enterprises/new/", _form(uscc=enterprise_a.uscc, unit=district.town_a.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["uscc"]
    assert Enterprise.objects.count() == 1


def test_negative_land_area_and_employees_are_refused(district: District, login: Login) -> None:
    response = login(district.clerk_a).post(
        "/enterprises/new/", _form(unit=district.town_a.pk, land_area="-3", employees="-1")
    )
    errors = response.context["form"].errors
    assert errors["land_area"] and errors["employees"]
    assert not Enterprise.objects.exists()


def test_clerk_edits_an_enterprise_and_history_records_the_reason(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    response = login(district.clerk_a).post(
        f"/enterprises/{enterprise_a.pk}/edit/",
        _form(enterprise_a, employees="150", reason="年报更新从业人数"),
    )
    assert response.status_code == 302
    enterprise_a.refresh_from_db()
    assert enterprise_a.employees == 150
    version = enterprise_a.history.first()
    assert version.history_change_reason == "年报更新从业人数"
    assert version.history_user == district.clerk_a


def test_edit_with_a_bad_uscc_changes_nothing(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    before = enterprise_a.uscc
    response = login(district.clerk_a).post(
        f"/enterprises/{enterprise_a.pk}/edit/",
        _form(enterprise_a, uscc=before[:17] + ("0" if before[17] != "0" else "1"), name="改名"),
    )
    assert response.status_code == 200
    assert "第 18 位校验码错误" in _content(response)
    enterprise_a.refresh_from_db()
    assert (enterprise_a.uscc, enterprise_a.name) == (before, "杭州临安锦城电子科技有限公司")


def test_clerk_cannot_move_an_enterprise_to_another_town(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    response = login(district.clerk_a).post(
        f"/enterprises/{enterprise_a.pk}/edit/", _form(enterprise_a, unit=district.town_b.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    enterprise_a.refresh_from_db()
    assert enterprise_a.unit == district.town_a


def test_leader_gets_403_on_the_edit_page(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    client = login(district.leader)
    assert client.get(f"/enterprises/{enterprise_a.pk}/edit/").status_code == 403
    client.post(f"/enterprises/{enterprise_a.pk}/edit/", _form(enterprise_a, name="领导改名"))
    enterprise_a.refresh_from_db()
    assert enterprise_a.name == "杭州临安锦城电子科技有限公司"


def test_clerk_of_another_town_gets_404_on_the_edit_page(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    client = login(district.clerk_b)
    assert client.get(f"/enterprises/{enterprise_a.pk}/edit/").status_code == 404
    response = client.post(
        f"/enterprises/{enterprise_a.pk}/edit/", _form(enterprise_a, name="於潜改名")
    )
    assert response.status_code == 404
    enterprise_a.refresh_from_db()
    assert enterprise_a.name == "杭州临安锦城电子科技有限公司"


# A leader's linked enterprises --------------------------------------------------------------


def test_leader_sees_linked_enterprises_with_open_requests_overdue_first(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    quiet = make_enterprise(district, name="无诉求企业", is_key=True)
    not_linked = make_enterprise(district, name="未挂联企业", is_key=True)
    for enterprise in (enterprise_a, enterprise_b, quiet):
        link(district, enterprise)
    submit_request(district, enterprise_a, days_ago=2)
    late = submit_request(district, enterprise_b, days_ago=30)
    fresh = submit_request(district, enterprise_b, days_ago=1)
    done = submit_request(district, not_linked, days_ago=30)
    response = login(district.leader).get("/enterprises/mine/")
    assert response.status_code == 200
    listed = response.context["enterprises"]
    assert listed == [enterprise_b, enterprise_a, quiet]
    assert [item.pk for item in listed[0].open_requests] == [late.pk, fresh.pk]
    assert response.context["overdue_count"] == 1
    page = _content(response)
    assert "未挂联企业" not in page
    assert done.code not in page
    assert f'href="{late.get_absolute_url()}"' in page
    assert "超期诉求 1 件" in page


def test_finished_requests_are_not_on_the_leaders_page(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    link(district, enterprise_a)
    request = submit_request(district, enterprise_a, days_ago=3)
    actions.do_assign_request(request, actor=district.supervisor, departments=[district.office])
    actions.do_start_request(request, actor=district.supervisor)
    actions.do_finish_request(request, actor=district.supervisor, reply="已对接", visits=0)
    response = login(district.leader).get("/enterprises/mine/")
    assert response.context["enterprises"][0].open_requests == []
    assert "没有在办的诉求" in _content(response)


def test_ended_links_are_not_on_the_leaders_page(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    ended = link(district, enterprise_a)
    Link.objects.filter(pk=ended.pk).update(ended_on=TODAY)
    response = login(district.leader).get("/enterprises/mine/")
    assert response.context["enterprises"] == []
    assert "您目前没有挂联的企业" in _content(response)


def test_user_without_links_sees_an_empty_page(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    link(district, enterprise_a)  # the leader's, not the clerk's
    response = login(district.clerk_a).get("/enterprises/mine/")
    assert response.status_code == 200
    assert response.context["enterprises"] == []


def test_my_enterprises_query_count_does_not_grow_with_enterprises(
    district: District, login: Login
) -> None:
    client = login(district.leader)
    client.get("/enterprises/mine/")
    _add_enterprises(district, 4, 0)
    few = _count_queries(client, "/enterprises/mine/")
    _add_enterprises(district, 40, 4)
    many = _count_queries(client, "/enterprises/mine/")
    assert many == few
    assert len(client.get("/enterprises/mine/").context["enterprises"]) == 44


# A town's page ----------------------------------------------------------------------------


def test_a_towns_page_shows_its_enterprises_and_key_ones(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    make_enterprise(district, name="锦城普通企业", is_key=False, employees=5, land_area=None)
    response = login(district.clerk_a).get(f"/units/{district.town_a.pk}/")
    page = _content(response)
    assert 'id="enterprises"' in page
    assert "共 <strong>2</strong> 家企业，其中重点企业 <strong>1</strong> 家" in page
    assert f'href="{enterprise_a.get_absolute_url()}"' in page
    assert "锦城普通企业" not in page  # only the key ones are named
    assert f'href="/enterprises/?unit={district.town_a.pk}"' in page
    assert "杭州於潜竹木制品有限公司" not in page


def test_another_towns_page_does_not_show_jinchengs_enterprises(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    client = login(district.clerk_b)
    assert client.get(f"/units/{district.town_a.pk}/").status_code == 404
    page = _content(client.get(f"/units/{district.town_b.pk}/"))
    assert "共 <strong>1</strong> 家企业" in page
    assert "杭州临安锦城电子科技有限公司" not in page


def test_the_district_page_totals_every_town_and_a_department_page_has_no_section(
    district: District, login: Login, enterprise_a: Enterprise, enterprise_b: Enterprise
) -> None:
    client = login(district.supervisor)
    assert "共 <strong>2</strong> 家企业" in _content(client.get(f"/units/{district.district.pk}/"))
    assert 'id="enterprises"' not in _content(client.get(f"/units/{district.office.pk}/"))


def test_a_data_provider_sees_no_enterprise_section(
    district: District, login: Login, enterprise_a: Enterprise
) -> None:
    page = _content(login(district.provider).get(f"/units/{district.town_a.pk}/"))
    assert 'id="enterprises"' not in page


def test_a_towns_page_query_count_does_not_grow_with_enterprises(
    district: District, login: Login
) -> None:
    client = login(district.clerk_a)
    url = f"/units/{district.town_a.pk}/"
    client.get(url)
    _add_enterprises(district, 4, 0)
    few = _count_queries(client, url)
    _add_enterprises(district, 40, 4)
    many = _count_queries(client, url)
    assert many == few
