"""The talent pages: the list with its filters and totals, the talent's page with its
history, the forms, and a town's talents on the unit's page.

Every page is checked for a user who may use it, one who may see but not change (403),
another town's talent (404) and an anonymous visitor. Personal data: those who may change
a talent (the supervisor, the people of its unit) see it in full; the others who see the
talent (leaders, a data provider of the unit) see masks, on every page.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bipin.conftest import District
from bipin.enterprises.models import Enterprise
from bipin.org.models import User
from bipin.talent.choices import Tier
from bipin.talent.models import Talent
from bipin.talent.tests.conftest import (
    ID_A,
    ID_A_MASKED,
    INTRODUCED,
    PHONE_A,
    PHONE_A_MASKED,
    PHONE_B,
    TODAY,
    id_number,
    make_talent,
)

Login = Callable[[User], Client]


def _content(response: Any) -> str:
    return response.content.decode()


def _form(enterprise: Enterprise, unit_pk: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "",
        "name": "陈思远",
        "tier": Tier.D,
        "field": "人工智能",
        "employer": enterprise.uscc,
        "introducing_unit": unit_pk,
        "introduced_on": INTRODUCED.isoformat(),
        "employment": "full_time",
        "settled_on": "",
        "project_name": "",
        "project_funding": "",
        "project_stage": "",
        "status": "active",
        "phone": "13755556666",
        "id_number": id_number("33018519900101123"),
        "note": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _count_queries(client: Client, url: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(queries)


# Anonymous visitors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["/talent/", "/talent/new/", "/talent/{pk}/", "/talent/{pk}/edit/"]
)
def test_anonymous_visitor_is_sent_to_login(client: Client, talent_a: Talent, page: str) -> None:
    response = client.get(page.format(pk=talent_a.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# The list ------------------------------------------------------------------------------------


def test_a_clerk_of_jincheng_sees_jinchengs_talents_not_yuqians(
    district: District, login: Login, talent_a: Talent, talent_b: Talent
) -> None:
    page = _content(login(district.clerk_a).get("/talent/"))
    assert talent_a.name in page and talent_a.get_absolute_url() in page
    assert talent_b.name not in page and talent_b.get_absolute_url() not in page
    page_b = _content(login(district.clerk_b).get("/talent/"))
    assert talent_b.name in page_b and talent_a.name not in page_b


def test_the_supervisor_and_a_leader_see_every_talent(
    district: District, login: Login, talent_a: Talent, talent_b: Talent
) -> None:
    for user in (district.supervisor, district.leader):
        page = _content(login(user).get("/talent/"))
        assert talent_a.name in page and talent_b.name in page


def test_a_viewer_sees_no_talent(district: District, login: Login, talent_a: Talent) -> None:
    page = _content(login(district.viewer).get("/talent/"))
    assert talent_a.name not in page
    assert "没有符合条件的人才" in page


def test_the_list_shows_phones_in_full_only_to_those_who_may_change_the_talent(
    district: District, login: Login, talent_a: Talent, talent_b: Talent
) -> None:
    for user in (district.supervisor, district.manager_a, district.clerk_a):
        page = _content(login(user).get("/talent/"))
        assert PHONE_A in page and PHONE_A_MASKED not in page, user
    page = _content(login(district.leader).get("/talent/"))
    assert PHONE_A_MASKED in page and "139****8888" in page
    assert PHONE_A not in page and PHONE_B not in page


def test_the_totals_count_tier_bands_settled_and_funding_of_what_is_filtered(
    district: District, login: Login, talent_a: Talent, talent_b: Talent
) -> None:
    make_talent(
        district,
        name="王芳",
        tier=Tier.A,
        employment="flexible",
        project_name="光刻胶项目",
        project_funding=Decimal("2000"),
    )
    client = login(district.supervisor)
    totals = client.get("/talent/").context["totals"]
    assert (totals["count"], totals["high_level"], totals["graduates"]) == (3, 2, 1)
    assert (totals["settled_count"], totals["projects"]) == (1, 2)
    assert totals["funding"] == Decimal("2300")
    page = _content(client.get("/talent/"))
    assert "共 <strong>3</strong> 名人才" in page and "2,300万元" in page
    narrowed = client.get("/talent/", {"tier": "graduate"}).context["totals"]
    assert (narrowed["count"], narrowed["graduates"], narrowed["funding"]) == (1, 1, 0)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"tier": "high_level"}, {"张晓明"}),
        ({"tier": "master"}, {"李雨桐"}),
        ({"settled": "true"}, {"张晓明"}),
        ({"settled": "false"}, {"李雨桐"}),
        ({"q": "林学"}, {"李雨桐"}),
        ({"q": "锦城微电子"}, {"张晓明"}),
        ({"employment": "flexible"}, set()),
        ({"status": "active"}, {"张晓明", "李雨桐"}),
        ({"year": str(INTRODUCED.year)}, {"张晓明", "李雨桐"}),
        ({"year": str(INTRODUCED.year - 1)}, set()),
    ],
)
def test_the_filters_narrow_the_list(
    district: District,
    login: Login,
    talent_a: Talent,
    talent_b: Talent,
    query: dict[str, str],
    expected: set[str],
) -> None:
    response = login(district.supervisor).get("/talent/", query)
    assert {talent.name for talent in response.context["page"]} == expected


def test_the_unit_and_employer_filters_take_what_the_user_may_see(
    district: District, login: Login, talent_a: Talent, talent_b: Talent
) -> None:
    supervisor = login(district.supervisor)
    by_unit = supervisor.get("/talent/", {"introducing_unit": district.town_b.pk})
    assert [talent.name for talent in by_unit.context["page"]] == ["李雨桐"]
    by_employer = supervisor.get("/talent/", {"employer": talent_a.employer_id})
    assert [talent.name for talent in by_employer.context["page"]] == ["张晓明"]
    # 於潜 is not a choice for 锦城's clerk: the filter is refused, not applied.
    clerk = login(district.clerk_a).get("/talent/", {"introducing_unit": district.town_b.pk})
    assert "introducing_unit" in clerk.context["filter"].errors
    assert talent_b.name not in _content(clerk)
    employers = clerk.context["filter"].form.fields["employer"].queryset
    assert list(employers) == [talent_a.employer]


def test_the_list_sorts_by_tier_in_the_classifications_order(
    district: District, login: Login, talent_a: Talent, talent_b: Talent
) -> None:
    make_talent(district, name="赵博士", tier=Tier.DOCTOR)
    make_talent(district, name="钱一", tier=Tier.A)
    response = login(district.supervisor).get("/talent/", {"sort": "tier"})
    assert [t.tier for t in response.context["page"]] == [Tier.A, Tier.C, Tier.DOCTOR, Tier.MASTER]


def test_htmx_gets_only_the_results(district: District, login: Login, talent_a: Talent) -> None:
    page = _content(login(district.clerk_a).get("/talent/", HTTP_HX_REQUEST="true"))
    assert "<html" not in page and talent_a.name in page and 'id="talent-totals"' in page


def test_the_list_links_to_the_excel_pages_of_talents(
    district: District, login: Login, talent_a: Talent
) -> None:
    page = _content(login(district.clerk_a).get("/talent/", {"tier": "C"}))
    assert 'href="/excel/talents/import/"' in page
    assert 'href="/excel/talents/template/"' in page
    assert 'href="/excel/talents/export/?tier=C"' in page
    leader_page = _content(login(district.leader).get("/talent/"))
    assert "/excel/talents/import/" not in leader_page and "/talent/new/" not in leader_page
    assert "/excel/talents/export/" in leader_page


def test_the_list_query_count_does_not_grow_with_the_rows(
    district: District, login: Login, talent_a: Talent, talent_b: Talent
) -> None:
    for user in (district.clerk_a, district.leader):
        client = login(user)
        client.get("/talent/")  # the session is warm
        few = _count_queries(client, "/talent/")
        for number in range(12):
            make_talent(district, name=f"人才{number}", phone=f"1370000{number:04d}")
        many = _count_queries(client, "/talent/")
        assert many == few, user


# The talent's page ------------------------------------------------------------------------


def test_the_talents_page_shows_the_record_and_its_history(
    district: District, login: Login, talent_a: Talent
) -> None:
    page = _content(login(district.clerk_a).get(talent_a.get_absolute_url()))
    for text in (
        "张晓明",
        talent_a.code,
        "杭州锦城微电子有限公司",
        "锦城街道",
        "C类（省级领军人才）",
    ):
        assert text in page
    assert "车规级芯片研发及产业化项目" in page and "300万元" in page
    assert 'id="history"' in page and "录入人才" in page
    assert f"/talent/{talent_a.pk}/edit/" in page


def test_personal_data_in_full_for_the_unit_and_the_supervisor_masked_for_a_leader(
    district: District, login: Login, talent_a: Talent
) -> None:
    for user in (district.supervisor, district.manager_a, district.clerk_a):
        page = _content(login(user).get(talent_a.get_absolute_url()))
        assert PHONE_A in page and ID_A in page, user
    page = _content(login(district.leader).get(talent_a.get_absolute_url()))
    assert PHONE_A_MASKED in page and ID_A_MASKED in page and "已遮盖" in page
    assert PHONE_A not in page and ID_A not in page
    assert f"/talent/{talent_a.pk}/edit/" not in page


def test_a_data_provider_sees_its_units_talents_masked_and_may_not_change_them(
    district: District, login: Login, enterprises: dict[str, Enterprise]
) -> None:
    talent = make_talent(district, introducing_unit=district.statistics)
    client = login(district.provider)
    page = _content(client.get(talent.get_absolute_url()))
    assert PHONE_A_MASKED in page and PHONE_A not in page and ID_A not in page
    assert client.get(f"/talent/{talent.pk}/edit/").status_code == 403


def test_the_employer_links_to_its_page_only_for_who_may_see_the_enterprise(
    district: District, login: Login, enterprises: dict[str, Enterprise]
) -> None:
    talent = make_talent(district, employer=enterprises["b"])  # 锦城's talent, 於潜's company
    enterprise_url = enterprises["b"].get_absolute_url()
    page = _content(login(district.clerk_a).get(talent.get_absolute_url()))
    assert "杭州於潜竹业有限公司" in page and enterprise_url not in page
    assert enterprise_url in _content(login(district.leader).get(talent.get_absolute_url()))


def test_another_towns_talent_is_not_found(
    district: District, login: Login, talent_a: Talent, talent_b: Talent
) -> None:
    assert login(district.clerk_b).get(talent_a.get_absolute_url()).status_code == 404
    assert login(district.clerk_a).get(talent_b.get_absolute_url()).status_code == 404
    assert login(district.viewer).get(talent_a.get_absolute_url()).status_code == 404
    assert login(district.clerk_a).get("/talent/999999/").status_code == 404


def test_the_history_panel_never_shows_the_personal_data(
    district: District, login: Login, talent_a: Talent
) -> None:
    client = login(district.clerk_a)
    data = _form(
        talent_a.employer,
        district.town_a.pk,
        code=talent_a.code,
        name=talent_a.name,
        tier=Tier.B,
        phone="13911112222",
        id_number=id_number("33018519870202111"),
        settled="on",
        settled_on=str(talent_a.settled_on),
        project_name=talent_a.project_name,
        project_funding="300",
        project_stage="approved",
        reason="复核后更正",
    )
    response = client.post(f"/talent/{talent_a.pk}/edit/", data)
    assert response.status_code == 302
    page = _content(client.get(talent_a.get_absolute_url()))
    history = page[page.index('id="history"') :]
    assert "复核后更正" in history and "B类（国家级领军人才）" in history
    for secret in ("13911112222", PHONE_A, ID_A, data["id_number"]):
        assert secret not in history
    assert "联系电话" not in history and "身份证号码" not in history


def test_the_talents_page_query_count_is_fixed(
    district: District, login: Login, talent_a: Talent
) -> None:
    client = login(district.clerk_a)
    client.get(talent_a.get_absolute_url())
    few = _count_queries(client, talent_a.get_absolute_url())
    for number in range(5):
        from bipin.talent import actions

        actions.do_update_talent(talent_a, actor=district.clerk_a, note=f"第 {number} 次回访")
    assert _count_queries(client, talent_a.get_absolute_url()) == few


# Forms ---------------------------------------------------------------------------------------


def test_a_clerk_registers_a_talent_of_their_town(
    district: District, login: Login, enterprises: dict[str, Enterprise]
) -> None:
    client = login(district.clerk_a)
    assert client.get("/talent/new/").status_code == 200
    response = client.post("/talent/new/", _form(enterprises["a"], district.town_a.pk))
    talent = Talent.objects.get()
    assert response.status_code == 302 and response["Location"] == talent.get_absolute_url()
    assert talent.code == f"RC{INTRODUCED.year}-0001"
    assert (talent.employer, talent.introducing_unit) == (enterprises["a"], district.town_a)
    assert talent.history.get().history_user == district.clerk_a


def test_the_form_suggests_only_the_enterprises_the_user_may_see(
    district: District, login: Login, enterprises: dict[str, Enterprise]
) -> None:
    page = _content(login(district.clerk_a).get("/talent/new/"))
    assert f'<option value="{enterprises["a"].uscc}">杭州锦城微电子有限公司</option>' in page
    assert enterprises["b"].uscc not in page and "於潜竹业" not in page


def test_the_employer_may_be_named_by_its_exact_name(
    district: District, login: Login, enterprises: dict[str, Enterprise]
) -> None:
    data = _form(enterprises["b"], district.town_a.pk, employer="杭州於潜竹业有限公司")
    assert login(district.clerk_a).post("/talent/new/", data).status_code == 302
    assert Talent.objects.get().employer == enterprises["b"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"employer": ""}, "employer", "请填写工作单位：人才须有在本区登记的工作单位（企业）"),
        ({"employer": "不存在的公司"}, "employer", "找不到工作单位“不存在的公司”"),
        (
            {"introduced_on": (TODAY + timedelta(days=1)).isoformat()},
            "introduced_on",
            "不能晚于今天：只登记已经引进的人才",
        ),
        (
            {"settled": "on", "settled_on": (TODAY + timedelta(days=2)).isoformat()},
            "settled_on",
            "不能晚于今天",
        ),
        ({"settled": "on"}, "settled_on", "已落户的人才须填写落户日期"),
        (
            {"project_name": "芯片项目", "project_funding": "-5"},
            "project_funding",
            "项目资助金额不能为负数",
        ),
        ({"id_number": "330185199001011230"}, "id_number", "校验码错误"),
    ],
)
def test_bad_input_is_refused_with_its_message_and_nothing_saved(
    district: District,
    login: Login,
    enterprises: dict[str, Enterprise],
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = login(district.clerk_a).post(
        "/talent/new/", _form(enterprises["a"], district.town_a.pk, **changes)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert not Talent.objects.exists()


def test_a_clerk_cannot_register_a_talent_for_another_town(
    district: District, login: Login, enterprises: dict[str, Enterprise]
) -> None:
    response = login(district.clerk_a).post(
        "/talent/new/", _form(enterprises["a"], district.town_b.pk)
    )
    assert response.status_code == 200
    assert "introducing_unit" in response.context["form"].errors
    assert not Talent.objects.exists()


@pytest.mark.parametrize("who", ["leader", "provider", "viewer"])
def test_those_who_may_not_add_talents_are_refused_the_form(
    district: District, login: Login, enterprises: dict[str, Enterprise], who: str
) -> None:
    client = login(getattr(district, who))
    assert client.get("/talent/new/").status_code == 403
    assert (
        client.post("/talent/new/", _form(enterprises["a"], district.town_a.pk)).status_code == 403
    )
    assert not Talent.objects.exists()


def test_the_edit_form_shows_the_record_in_full_and_saves_with_the_reason(
    district: District, login: Login, talent_a: Talent
) -> None:
    client = login(district.manager_a)
    form_page = _content(client.get(f"/talent/{talent_a.pk}/edit/"))
    assert PHONE_A in form_page and ID_A in form_page and talent_a.employer.uscc in form_page
    data = _form(
        talent_a.employer,
        district.town_a.pk,
        code=talent_a.code,
        name=talent_a.name,
        tier=talent_a.tier,
        phone=PHONE_A,
        id_number=ID_A,
        status="left",
        reason="已调离",
    )
    assert client.post(f"/talent/{talent_a.pk}/edit/", data).status_code == 302
    talent_a.refresh_from_db()
    assert talent_a.status == "left" and talent_a.settled is False
    assert talent_a.history.first().history_change_reason == "已调离"


def test_a_leader_may_not_edit_and_another_town_does_not_find_the_talent(
    district: District, login: Login, talent_a: Talent
) -> None:
    assert login(district.leader).get(f"/talent/{talent_a.pk}/edit/").status_code == 403
    assert login(district.clerk_b).get(f"/talent/{talent_a.pk}/edit/").status_code == 404
    response = login(district.clerk_b).post(f"/talent/{talent_a.pk}/edit/", {"name": "改名"})
    assert response.status_code == 404
    talent_a.refresh_from_db()
    assert talent_a.name == "张晓明"


# A town's talents on the unit's page ----------------------------------------------------------


def test_a_towns_page_shows_its_talents_by_tier_with_a_link_to_the_list(
    district: District, login: Login, talent_a: Talent, talent_b: Talent
) -> None:
    page = _content(login(district.clerk_a).get(district.town_a.get_absolute_url()))
    section = page[page.index('id="talent"') :]
    assert "共 <strong>1</strong> 名" in section and "已落户 1 名" in section
    assert f"/talent/?introducing_unit={district.town_a.pk}" in section


def test_the_section_counts_only_what_the_user_may_see(
    district: District, login: Login, talent_a: Talent, talent_b: Talent
) -> None:
    page = _content(login(district.supervisor).get(district.district.get_absolute_url()))
    section = page[page.index('id="talent"') :]
    assert "共 <strong>2</strong> 名" in section
    office_page = _content(login(district.provider).get(district.statistics.get_absolute_url()))
    assert "暂无您可查看的引进人才" in office_page


# Logs --------------------------------------------------------------------------------------


def test_no_log_record_holds_personal_data(
    district: District,
    login: Login,
    talent_a: Talent,
    enterprises: dict[str, Enterprise],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Pages, forms (also refused ones), the API and an export, at the most verbose level:
    the phone and ID numbers never reach a log."""
    caplog.set_level(logging.DEBUG)
    new_id = id_number("33018519900101123")
    client = login(district.clerk_a)
    client.get("/talent/")
    client.get(talent_a.get_absolute_url())
    client.post("/talent/new/", _form(enterprises["a"], district.town_a.pk))
    client.post("/talent/new/", _form(enterprises["a"], district.town_a.pk, phone="1381234"))
    client.get("/api/talents")
    client.patch(
        f"/api/talents/{talent_a.pk}", {"phone": "13911112222"}, content_type="application/json"
    )
    client.get("/excel/talents/export/")
    login(district.leader).get(f"/talent/{talent_a.pk}/edit/")  # a 403 is logged
    login(district.clerk_b).get(talent_a.get_absolute_url())  # a 404 is logged
    assert caplog.records  # the refusals were logged: the capture works
    logged = caplog.text + " ".join(str(record.args) for record in caplog.records)
    for secret in (PHONE_A, ID_A, "13755556666", new_id, "13911112222", "1381234"):
        assert secret not in logged
