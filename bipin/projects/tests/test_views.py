"""The project pages: the list with its filters, totals and funnel, the project page, the
forms and stage actions, a leader's linked projects, and the Excel import and export.

Every page is checked for a user who may use it, a user who may see but not change (403),
another town's project (404), and an anonymous visitor (sent to the login page). The
pipeline's rules (stages, counting, the negative list) are checked through the forms.
"""

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bipin.conftest import District
from bipin.core.choices import Role
from bipin.core.excel import jobs
from bipin.org.models import Link, Unit, User
from bipin.projects import actions
from bipin.projects.choices import Channel, DuplicateStatus, NegativeKind, Stage
from bipin.projects.models import (
    DuplicateCheck,
    Evidence,
    Industry,
    LeadingIndustry,
    Milestone,
    NegativeListItem,
    Project,
    StageEvent,
)

Login = Callable[[User], Client]

TODAY = timezone.localdate()
#: The signing date of the test projects: recent (no milestone due yet), never in the future.
SIGNED = TODAY - timedelta(days=10)
YEAR = SIGNED.year


def _uscc(first17: str = "91330185MA2H0AB12") -> str:
    from bipin.core.uscc import check_character

    return first17 + check_character(first17)


def _content(response: Any) -> str:
    return response.content.decode()


def make_pipeline() -> dict[str, Any]:
    """Leading industries and a small negative list: 06 煤炭开采 prohibited, 27 医药制造
    needs a licence."""
    digital = LeadingIndustry.objects.create(name="数字经济", order=1)
    bio = LeadingIndustry.objects.create(name="生物医药", order=2)
    prohibited = NegativeListItem.objects.create(
        code="101", text="禁止新建煤矿项目（示例）", kind=NegativeKind.PROHIBITED
    )
    prohibited.industries.set([Industry.objects.get(code="06")])
    licensed = NegativeListItem.objects.create(
        code="201", text="药品生产须取得药品生产许可证", kind=NegativeKind.LICENSED
    )
    licensed.industries.set([Industry.objects.get(code="27")])
    return {"digital": digital, "bio": bio, "prohibited": prohibited, "licensed": licensed}


@pytest.fixture
def pipeline(district: District) -> dict[str, Any]:
    return make_pipeline()


def make_project(
    district: District,
    unit: Unit | None = None,
    *,
    stage: str = Stage.SIGNED,
    stage_on: date | None = None,
    actor: User | None = None,
    **fields: Any,
) -> Project:
    """A project entered through the action, as a clerk would."""
    values: dict[str, Any] = {
        "name": "锦城智能终端项目",
        "investor_name": "杭州某科技有限公司",
        "industry": Industry.objects.get(code="39"),
        "contracted_investment": Decimal("12000"),
        "responsible_unit": unit or district.town_a,
        "channel": Channel.DOOR_TO_DOOR,
    }
    values.update(fields)
    return actions.do_create_project(
        actor=actor or district.supervisor,
        stage=stage,
        stage_on=stage_on or SIGNED,
        **values,
    )


def make_project_b(district: District) -> Project:
    """於潜's project, signed with the same date as project_a."""
    return make_project(
        district,
        district.town_b,
        name="於潜竹木精深加工项目",
        investor_name="於潜竹业集团",
        contracted_investment=Decimal("3000"),
    )


@pytest.fixture
def project_a(district: District, pipeline: dict[str, Any]) -> Project:
    return make_project(district, leading_industry=pipeline["digital"])


@pytest.fixture
def project_b(district: District, pipeline: dict[str, Any]) -> Project:
    return make_project_b(district)


def _form(project: Project | None = None, **changes: Any) -> dict[str, Any]:
    """POST data of the project form for `project` as it is (or a new one), with `changes`."""
    if project is None:
        data: dict[str, Any] = {
            "code": "",
            "name": "锦城新能源项目",
            "investor_name": "浙江某新能源公司",
            "investor_origin": "浙江宁波",
            "investor_kind": "domestic",
            "uscc": "",
            "industry": Industry.objects.get(code="39").pk,
            "leading_industry": "",
            "channel": Channel.SPECIALISED,
            "contracted_investment": "25000",
            "fixed_asset_investment": "",
            "foreign_capital": "",
            "responsible_unit": "",
            "platform": "",
            "note": "",
            "stage": Stage.NEGOTIATING,
            "stage_on": TODAY.isoformat(),
        }
    else:
        data = {
            "code": project.code,
            "name": project.name,
            "investor_name": project.investor_name,
            "investor_origin": project.investor_origin,
            "investor_kind": project.investor_kind,
            "uscc": project.uscc,
            "industry": project.industry_id,
            "leading_industry": project.leading_industry_id or "",
            "channel": project.channel,
            "contracted_investment": str(project.contracted_investment),
            "fixed_asset_investment": project.fixed_asset_investment or "",
            "foreign_capital": project.foreign_capital or "",
            "responsible_unit": project.responsible_unit_id,
            "platform": project.platform_id or "",
            "note": project.note,
            "reason": "",
        }
    data.update(changes)
    return data


def _count_queries(client: Client, url: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(queries)


# Anonymous visitors ----------------------------------------------------------------------


PAGES: dict[str, Callable[[Project, Milestone], str]] = {
    "list": lambda p, m: "/projects/",
    "export": lambda p, m: "/excel/projects/export/",
    "mine": lambda p, m: "/projects/mine/",
    "create": lambda p, m: "/projects/new/",
    "detail": lambda p, m: f"/projects/{p.pk}/",
    "edit": lambda p, m: f"/projects/{p.pk}/edit/",
    "stage": lambda p, m: f"/projects/{p.pk}/stage/",
    "terminate": lambda p, m: f"/projects/{p.pk}/terminate/",
    "replan": lambda p, m: f"/projects/milestones/{m.pk}/replan/",
    "note": lambda p, m: f"/projects/milestones/{m.pk}/note/",
    "evidence_upload": lambda p, m: f"/projects/milestones/{m.pk}/evidence/",
    "import": lambda p, m: "/excel/projects/import/",
    "import_template": lambda p, m: "/excel/projects/template/",
    "import_job": lambda p, m: "/excel/projects/import/0123abcd/",
}


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_login_from_every_page(
    district: District, project_a: Project, page: str
) -> None:
    milestone = project_a.milestones.first()
    assert milestone is not None
    response = Client().get(PAGES[page](project_a, milestone))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_post_changes_nothing(district: District, project_a: Project, page: str) -> None:
    milestone = project_a.milestones.first()
    assert milestone is not None
    response = Client().post(
        PAGES[page](project_a, milestone),
        {"name": "匿名修改", "to": Stage.REGISTERED, "on": TODAY.isoformat(), "reason": "x"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    project_a.refresh_from_db()
    assert project_a.name == "锦城智能终端项目"
    assert project_a.stage == Stage.SIGNED


def test_the_main_menu_links_to_the_project_list(district: District, login: Login) -> None:
    page = _content(login(district.clerk_a).get("/"))
    assert 'href="/projects/"' in page


# The list --------------------------------------------------------------------------------


def test_clerk_lists_only_own_towns_projects(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    response = login(district.clerk_a).get("/projects/")
    assert response.status_code == 200
    assert list(response.context["page"]) == [project_a]
    page = _content(response)
    assert "锦城智能终端项目" in page
    assert "於潜竹木精深加工项目" not in page


def test_clerk_of_another_town_does_not_list_jincheng_projects(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    response = login(district.clerk_b).get("/projects/")
    assert list(response.context["page"]) == [project_b]
    assert "锦城智能终端项目" not in _content(response)


@pytest.mark.parametrize("who", ["supervisor", "leader"])
def test_supervisor_and_leader_list_every_project(
    district: District, login: Login, project_a: Project, project_b: Project, who: str
) -> None:
    response = login(getattr(district, who)).get("/projects/")
    assert set(response.context["page"]) == {project_a, project_b}


def test_viewer_lists_no_projects(district: District, login: Login, project_a: Project) -> None:
    response = login(district.viewer).get("/projects/")
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert "没有符合条件的项目。" in _content(response)


def test_unit_filter_offers_only_units_the_clerk_may_see(
    district: District, login: Login, project_a: Project
) -> None:
    response = login(district.clerk_a).get("/projects/")
    units = set(response.context["filter"].form.fields["responsible_unit"].queryset)
    assert units == {district.town_a, district.village_a}
    # Asking for another town's unit is ignored like an unknown one: it reveals nothing.
    hidden = login(district.clerk_a).get("/projects/", {"responsible_unit": district.town_b.pk})
    unknown = login(district.clerk_a).get("/projects/", {"responsible_unit": 999999})
    assert list(hidden.context["page"]) == list(unknown.context["page"]) == [project_a]


def test_unit_filter_takes_the_projects_of_sub_units(
    district: District, login: Login, project_a: Project
) -> None:
    platform_project = make_project(
        district, district.village_a, name="数字小镇云计算中心", investor_name="云公司"
    )
    response = login(district.supervisor).get(
        "/projects/", {"responsible_unit": district.town_a.pk}
    )
    assert set(response.context["page"]) == {project_a, platform_project}


def test_list_filters_narrow_the_rows(
    district: District, login: Login, pipeline: dict[str, Any], project_a: Project
) -> None:
    bio = make_project(
        district,
        name="锦城生物医药产业园",
        investor_name="某医药集团",
        industry=Industry.objects.get(code="27"),
        leading_industry=pipeline["bio"],
        channel=Channel.BY_BUSINESS,
        contracted_investment=Decimal("150000"),
        platform=district.village_a,
    )
    lead = make_project(
        district,
        stage=Stage.LEAD,
        name="锦城文旅综合体",
        investor_name="文旅公司",
        industry=Industry.objects.get(code="65"),
        contracted_investment=Decimal("800"),
    )
    client = login(district.supervisor)

    def rows(**params: Any) -> set[Project]:
        response = client.get("/projects/", params)
        assert response.status_code == 200
        return set(response.context["page"])

    assert rows(stage=Stage.LEAD) == {lead}
    assert rows(platform=district.village_a.pk) == {bio}
    assert rows(industry="27") == {bio}
    assert rows(industry="C") == {project_a, bio}  # a section takes its divisions
    assert rows(leading_industry=pipeline["bio"].pk) == {bio}
    assert rows(channel=Channel.BY_BUSINESS) == {bio}
    assert rows(major_class="10") == {bio}  # ≥10亿: 15亿
    assert rows(major_class="1") == {project_a, bio}  # ≥1亿
    assert rows(year=YEAR) == {project_a, bio}  # leads do not count yet
    assert rows(q="医药") == {bio}
    assert rows(q=project_a.code) == {project_a}
    assert rows(q="文旅公司") == {lead}


def test_list_filters_by_linked_leader(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    Link.objects.create(
        leader=district.leader,
        content_type=ContentType.objects.get_for_model(Project),
        object_id=project_b.pk,
        unit=project_b.responsible_unit,
        started_on=date(TODAY.year, 1, 1),
    )
    response = login(district.supervisor).get("/projects/", {"leader": district.leader.pk})
    assert list(response.context["page"]) == [project_b]


def test_list_filters_overdue_projects(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    # project_b's registration was due a month after signing, long ago.
    late = make_project(
        district,
        name="锦城逾期项目",
        investor_name="逾期公司",
        stage_on=TODAY - timedelta(days=200),
    )
    client = login(district.supervisor)
    overdue = client.get("/projects/", {"overdue": "true"})
    on_time = set(client.get("/projects/", {"overdue": "false"}).context["page"])
    assert late in set(overdue.context["page"])
    assert late not in on_time
    assert "逾期" in _content(overdue)
    assert late.is_overdue()


def test_merged_projects_are_left_out_unless_asked_for(
    district: District, login: Login, project_a: Project
) -> None:
    twin = make_project(
        district, name="锦城智能终端项目二期", investor_name=project_a.investor_name
    )
    check = DuplicateCheck.objects.get(project=twin, candidate=project_a)
    actions.do_decide_duplicate(check, decision=DuplicateStatus.MERGED, actor=district.supervisor)
    client = login(district.supervisor)
    assert list(client.get("/projects/").context["page"]) == [project_a]
    assert set(client.get("/projects/", {"include_merged": "on"}).context["page"]) == {
        project_a,
        twin,
    }


def test_list_sorts_by_amount_stage_code_name_and_signing_date(
    district: District, login: Login, project_a: Project
) -> None:
    small = make_project(
        district,
        name="A小项目",
        investor_name="小公司",
        contracted_investment=Decimal("100"),
        stage=Stage.NEGOTIATING,
        stage_on=SIGNED - timedelta(days=1),
    )
    big = make_project(
        district,
        name="Z大项目",
        investor_name="大公司",
        contracted_investment=Decimal("900000"),
        stage_on=SIGNED - timedelta(days=2),
    )
    client = login(district.supervisor)

    def order(sort: str) -> list[Project]:
        return list(client.get("/projects/", {"sort": sort}).context["page"])

    assert order("amount") == [small, project_a, big]
    assert order("-amount") == [big, project_a, small]
    assert order("stage")[0] == small  # 洽谈 before 签约
    assert order("-stage")[-1] == small
    assert order("name") == [small, big, project_a]
    assert order("code") == sorted([small, big, project_a], key=lambda p: p.code)
    # By signing date, newest first; not yet signed last either way.
    assert order("-signed") == [project_a, big, small]
    assert order("signed") == [big, project_a, small]


def test_totals_respect_the_filters_and_count_capital_increases_as_amount(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    make_project(
        district,
        name="某企业增资扩产",
        investor_name="增资企业",
        contracted_investment=Decimal("5000"),
        is_capital_increase=True,
    )
    client = login(district.supervisor)
    totals = client.get("/projects/").context["totals"]
    assert totals["count"] == 2
    assert totals["capital_increases"] == 1
    assert totals["contracted_investment"] == Decimal("20000")
    narrowed = client.get("/projects/", {"responsible_unit": district.town_b.pk}).context["totals"]
    assert narrowed["count"] == 1
    assert narrowed["contracted_investment"] == Decimal("3000")
    page = _content(client.get("/projects/"))
    assert "共 <strong>2</strong> 个项目，总投资 <strong>2亿元</strong>" in page
    assert "另有增资 1 个" in page
    # A clerk's totals are of the clerk's town only.
    clerk_totals = login(district.clerk_b).get("/projects/").context["totals"]
    assert clerk_totals["contracted_investment"] == Decimal("3000")


def test_funnel_counts_projects_that_reached_each_stage(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    make_project(district, stage=Stage.LEAD, name="线索项目", investor_name="线索公司")
    actions.do_change_stage(project_b, to=Stage.REGISTERED, on=TODAY, actor=district.supervisor)
    funnel = login(district.supervisor).get("/projects/").context["funnel"]
    by_stage = {bar.stage: bar for bar in funnel}
    assert by_stage[Stage.LEAD].reached == 3
    assert by_stage[Stage.SIGNED].reached == 2
    assert by_stage[Stage.SIGNED].amount == Decimal("15000")
    assert by_stage[Stage.SIGNED].current == 1
    assert by_stage[Stage.REGISTERED].reached == 1
    assert by_stage[Stage.LAND].reached == 0
    assert by_stage[Stage.LEAD].width == 100


def test_funnel_respects_scope_year_and_every_filter_but_the_stage(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    make_project(
        district,
        name="去年签约项目",
        investor_name="去年公司",
        stage_on=date(YEAR - 1, 6, 1),
    )
    clerk = login(district.clerk_b)
    funnel = clerk.get("/projects/").context["funnel"]
    assert funnel[0].reached == 1  # only 於潜's project
    supervisor = login(district.supervisor)
    this_year = supervisor.get("/projects/", {"year": YEAR}).context["funnel"]
    assert this_year[0].reached == 2
    by_stage = supervisor.get("/projects/", {"stage": Stage.LEAD}).context["funnel"]
    assert by_stage[0].reached == 3  # the stage filter does not empty the funnel


def test_list_htmx_request_gets_only_the_results(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    response = login(district.supervisor).get("/projects/", {"q": "锦城"}, HTTP_HX_REQUEST="true")
    content = _content(response)
    assert "<html" not in content
    assert "<tbody>" in content
    assert "锦城智能终端项目" in content
    assert "於潜竹木精深加工项目" not in content
    assert 'id="funnel"' in content
    # The export button exports what is filtered.
    assert "/excel/projects/export/?q=%E9%94%A6%E5%9F%8E" in content


def test_list_paginates_by_50(district: District, login: Login, pipeline: dict) -> None:
    _add_projects(district, 55, 0)
    client = login(district.supervisor)
    first = client.get("/projects/")
    assert len(first.context["page"]) == 50
    assert first.context["totals"]["count"] == 55
    second = client.get("/projects/", {"page": 2})
    assert len(second.context["page"]) == 5


def _add_projects(district: District, count: int, start: int) -> None:
    industry = Industry.objects.get(code="39")
    leader_type = ContentType.objects.get_for_model(Project)
    for number in range(start, start + count):
        project = Project.objects.create(
            code=f"T{number:05d}",
            name=f"测试项目{number}",
            investor_name=f"测试投资方{number}",
            industry=industry,
            contracted_investment=Decimal(1000 + number),
            responsible_unit=district.town_a if number % 2 else district.village_a,
            platform=district.village_a,
            leading_industry=LeadingIndustry.objects.first(),
            stage=Stage.SIGNED,
            signed_on=SIGNED,
            counting_year=YEAR,
            counting_unit=district.town_a,
        )
        actions.lay_roadmap(project)
        Link.objects.create(
            leader=district.leader,
            content_type=leader_type,
            object_id=project.pk,
            unit=project.responsible_unit,
            started_on=date(TODAY.year, 1, 1),
        )


@pytest.mark.parametrize("who", ["supervisor", "clerk_a"])
@pytest.mark.parametrize("params", ["", "?overdue=true&sort=stage&major_class=1&leader=2&q=测试"])
def test_list_query_count_does_not_grow_with_projects(
    district: District, login: Login, pipeline: dict, who: str, params: str
) -> None:
    client = login(getattr(district, who))
    url = f"/projects/{params}"
    client.get(url)  # warm the caches (content types, session)
    _add_projects(district, 10, 0)
    few = _count_queries(client, url)
    _add_projects(district, 90, 10)
    many = _count_queries(client, url)
    assert many == few


def test_my_projects_query_count_does_not_grow_with_projects(
    district: District, login: Login, pipeline: dict
) -> None:
    client = login(district.leader)
    client.get("/projects/mine/")
    _add_projects(district, 10, 0)
    few = _count_queries(client, "/projects/mine/")
    _add_projects(district, 90, 10)
    many = _count_queries(client, "/projects/mine/")
    assert many == few


def test_only_users_who_may_add_are_offered_new_and_import(
    district: District, login: Login
) -> None:
    assert 'href="/projects/new/"' in _content(login(district.clerk_a).get("/projects/"))
    assert 'href="/excel/projects/import/"' in _content(
        login(district.supervisor).get("/projects/")
    )
    for who in ("leader", "viewer", "provider"):
        page = _content(login(getattr(district, who)).get("/projects/"))
        assert 'href="/projects/new/"' not in page
        assert 'href="/excel/projects/import/"' not in page


# Export ----------------------------------------------------------------------------------


def _read_xlsx(content: bytes) -> list[list[Any]]:
    """The project sheet of an export, read by a library that did not write it."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(BytesIO(content))
    return workbook.get_sheet_by_name("招商项目").to_python()


def test_exported_rows_and_totals_are_the_pages(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    make_project(
        district, name="锦城小项目", investor_name="小公司", contracted_investment=Decimal("0.5")
    )
    client = login(district.supervisor)
    params = {"q": "锦城", "sort": "amount"}
    page = client.get("/projects/", params)
    rows = _read_xlsx(client.get("/excel/projects/export/", params).content)
    header = next(index for index, row in enumerate(rows) if "项目编号" in row)
    code_column = rows[header].index("项目编号")
    amount_column = rows[header].index("总投资（万元）")
    *body, totals = rows[header + 1 :]
    assert totals[code_column] == "合计"
    assert [row[code_column] for row in body] == [project.code for project in page.context["page"]]
    assert Decimal(str(totals[amount_column])) == page.context["totals"]["contracted_investment"]
    assert f"{page.context['totals']['count']} 个项目" in " ".join(str(cell) for cell in totals)


def test_export_downloads_the_filtered_list_of_the_clerks_own_town(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    response = login(district.clerk_a).get("/excel/projects/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    text = "\n".join(str(cell) for row in _read_xlsx(response.content) for cell in row)
    assert project_a.code in text
    assert project_b.code not in text
    assert "於潜竹木精深加工项目" not in text


def test_export_follows_the_list_filters(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    response = login(district.supervisor).get("/excel/projects/export/", {"q": "於潜"})
    text = "\n".join(str(cell) for row in _read_xlsx(response.content) for cell in row)
    assert project_b.code in text
    assert project_a.code not in text


def test_viewer_may_not_export_projects(
    district: District, login: Login, project_a: Project
) -> None:
    assert login(district.viewer).get("/excel/projects/export/").status_code == 403


def test_export_of_a_filter_it_cannot_take_says_which(
    district: District, login: Login, project_a: Project
) -> None:
    response = login(district.supervisor).get("/excel/projects/export/", {"unit": "999999"})
    assert response.status_code == 400
    assert "找不到单位代码“999999”。" in _content(response)


# The project page -------------------------------------------------------------------------


def test_clerk_opens_own_towns_project_page(
    district: District, login: Login, project_a: Project
) -> None:
    response = login(district.clerk_a).get(f"/projects/{project_a.pk}/")
    assert response.status_code == 200
    assert response.context["can_change"] is True
    page = _content(response)
    assert f"/projects/{project_a.pk}/edit/" in page
    assert "亿元以上" in page  # the major-class badge
    # The roadmap laid at signing, with the evidence upload of each milestone.
    assert [m.stage for m in response.context["milestones"]] == [
        Stage.REGISTERED,
        Stage.LAND,
        Stage.STARTED,
        Stage.PRODUCING,
        Stage.AT_CAPACITY,
    ]
    assert f"/projects/milestones/{response.context['milestones'][0].pk}/evidence/" in page
    assert 'id="history"' in page


def test_clerk_cannot_open_another_towns_project(
    district: District, login: Login, project_a: Project
) -> None:
    client = login(district.clerk_b)
    forbidden = client.get(f"/projects/{project_a.pk}/")
    unknown = client.get("/projects/999999/")
    assert forbidden.status_code == unknown.status_code == 404
    assert _content(unknown).split("<main")[1] == _content(forbidden).split("<main")[1]


@pytest.mark.parametrize("who", ["leader", "supervisor"])
def test_leader_and_supervisor_open_any_project(
    district: District, login: Login, project_b: Project, who: str
) -> None:
    response = login(getattr(district, who)).get(f"/projects/{project_b.pk}/")
    assert response.status_code == 200
    assert response.context["can_change"] is (who == "supervisor")


def test_leader_sees_the_project_page_without_change_buttons(
    district: District, login: Login, project_a: Project
) -> None:
    page = _content(login(district.leader).get(f"/projects/{project_a.pk}/"))
    assert f"/projects/{project_a.pk}/edit/" not in page
    assert "/evidence/" not in page
    assert "确认不重复" not in page


@pytest.mark.parametrize("who", ["viewer", "provider"])
def test_viewer_and_data_provider_cannot_open_a_project(
    district: District, login: Login, project_a: Project, who: str
) -> None:
    assert login(getattr(district, who)).get(f"/projects/{project_a.pk}/").status_code == 404


def test_project_page_shows_the_licence_needed(
    district: District, login: Login, pipeline: dict
) -> None:
    project = make_project(
        district,
        name="锦城制药项目",
        investor_name="某药业",
        industry=Industry.objects.get(code="27"),
    )
    response = login(district.clerk_a).get(f"/projects/{project.pk}/")
    assert response.context["licences"] == [pipeline["licensed"]]
    assert "药品生产须取得药品生产许可证" in _content(response)


def test_project_page_shows_overdue_milestones_in_red(
    district: District, login: Login, project_a: Project
) -> None:
    late = make_project(
        district, name="逾期项目", investor_name="逾期公司", stage_on=TODAY - timedelta(days=100)
    )
    response = login(district.clerk_a).get(f"/projects/{late.pk}/")
    registered = response.context["milestones"][0]
    assert registered.days_late == (TODAY - registered.planned_on).days > 0
    page = _content(response)
    assert f'class="list-group-item list-group-item-danger" id="milestone-{registered.pk}"' in page
    assert f"逾期 {registered.days_late} 天" in page


def test_project_page_shows_linked_leaders_and_the_link_button_to_the_supervisor(
    district: District, login: Login, project_a: Project
) -> None:
    Link.objects.create(
        leader=district.leader,
        content_type=ContentType.objects.get_for_model(Project),
        object_id=project_a.pk,
        unit=project_a.responsible_unit,
        duty="项目推进",
        started_on=date(TODAY.year, 1, 1),
    )
    link_url = f"/links/new/projects.project/{project_a.pk}/"
    supervisor_page = login(district.supervisor).get(f"/projects/{project_a.pk}/")
    assert [link.leader for link in supervisor_page.context["links"]] == [district.leader]
    assert link_url in _content(supervisor_page)
    clerk_page = _content(login(district.clerk_a).get(f"/projects/{project_a.pk}/"))
    assert "李明华" in clerk_page
    assert link_url not in clerk_page


def test_supervisor_links_a_leader_from_the_project_page(
    district: District, login: Login, project_a: Project
) -> None:
    response = login(district.supervisor).post(
        f"/links/new/projects.project/{project_a.pk}/",
        {"leader": district.leader.pk, "duty": "项目推进", "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project_a.pk}/"
    mine = login(district.leader).get("/projects/mine/")
    assert mine.context["projects"] == [project_a]


# Create ----------------------------------------------------------------------------------


def test_clerk_opens_the_new_project_form_with_own_units_only(
    district: District, login: Login
) -> None:
    response = login(district.clerk_a).get("/projects/new/")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.fields["responsible_unit"].queryset) == {district.town_a, district.village_a}
    assert form.fields["responsible_unit"].initial == district.town_a.pk
    assert [value for value, _label in form.fields["stage"].choices] == [
        Stage.LEAD,
        Stage.NEGOTIATING,
        Stage.SIGNED,
    ]


def test_clerk_creates_a_project_through_the_form(
    district: District, login: Login, pipeline: dict
) -> None:
    response = login(district.clerk_a).post(
        "/projects/new/", _form(responsible_unit=district.town_a.pk)
    )
    project = Project.objects.get(name="锦城新能源项目")
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/"
    assert project.stage == Stage.NEGOTIATING
    assert project.negotiating_on == TODAY
    assert project.code == f"ZS{TODAY.year}-0001"
    assert project.counting_year is None  # not signed: does not count yet
    record = project.history.get()
    assert record.history_user == district.clerk_a
    assert login(district.clerk_b).get(f"/projects/{project.pk}/").status_code == 404


def test_signed_project_entered_in_the_form_counts_for_its_unit_and_gets_a_roadmap(
    district: District, login: Login, pipeline: dict
) -> None:
    signed_on = SIGNED
    login(district.clerk_a).post(
        "/projects/new/",
        _form(
            responsible_unit=district.village_a.pk,
            stage=Stage.SIGNED,
            stage_on=signed_on.isoformat(),
        ),
    )
    project = Project.objects.get(name="锦城新能源项目")
    assert project.counting_year == YEAR
    assert project.counting_unit == district.village_a
    assert project.milestones.count() == 5
    assert Project.objects.counted(YEAR, district.town_a).get() == project


def test_clerk_cannot_create_a_project_for_another_town(
    district: District, login: Login, pipeline: dict
) -> None:
    response = login(district.clerk_a).post(
        "/projects/new/", _form(responsible_unit=district.town_b.pk)
    )
    assert response.status_code == 200
    assert "responsible_unit" in response.context["form"].errors
    assert not Project.objects.exists()


@pytest.mark.parametrize("who", ["leader", "viewer", "provider"])
def test_who_may_not_add_projects_gets_403(
    district: District, login: Login, pipeline: dict, who: str
) -> None:
    client = login(getattr(district, who))
    assert client.get("/projects/new/").status_code == 403
    response = client.post("/projects/new/", _form(responsible_unit=district.town_a.pk))
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_invalid_uscc_names_the_position(district: District, login: Login, pipeline: dict) -> None:
    bad = _uscc()[:17] + ("0" if _uscc()[17] != "0" else "1")
    response = login(district.clerk_a).post(
        "/projects/new/", _form(responsible_unit=district.town_a.pk, uscc=bad)
    )
    assert response.status_code == 200
    assert "uscc" in response.context["form"].errors
    assert "第 18 位校验码错误" in _content(response)
    wrong_char = login(district.clerk_a).post(
        "/projects/new/", _form(responsible_unit=district.town_a.pk, uscc="91330185MA2H0AI12X")
    )
    assert "第 15 位“I”不是允许的字符" in _content(wrong_char)
    assert not Project.objects.exists()


def test_negative_amount_is_refused_naming_the_field(
    district: District, login: Login, pipeline: dict
) -> None:
    response = login(district.clerk_a).post(
        "/projects/new/", _form(responsible_unit=district.town_a.pk, contracted_investment="-5")
    )
    assert "contracted_investment" in response.context["form"].errors
    assert "总投资（万元）：" in _content(response)
    assert not Project.objects.exists()


def test_non_numeric_amount_is_refused(district: District, login: Login, pipeline: dict) -> None:
    response = login(district.clerk_a).post(
        "/projects/new/", _form(responsible_unit=district.town_a.pk, contracted_investment="很多")
    )
    assert "contracted_investment" in response.context["form"].errors
    assert not Project.objects.exists()


def test_prohibited_industry_is_refused_with_the_items_text(
    district: District, login: Login, pipeline: dict
) -> None:
    response = login(district.clerk_a).post(
        "/projects/new/",
        _form(responsible_unit=district.town_a.pk, industry=Industry.objects.get(code="06").pk),
    )
    assert response.status_code == 200
    assert "industry" in response.context["form"].errors
    assert "禁止新建煤矿项目（示例）" in _content(response)
    assert not Project.objects.exists()


def test_duplicate_code_is_refused(district: District, login: Login, project_a: Project) -> None:
    response = login(district.clerk_a).post(
        "/projects/new/", _form(responsible_unit=district.town_a.pk, code=project_a.code)
    )
    assert "code" in response.context["form"].errors
    assert "项目编号：" in _content(response)
    assert Project.objects.count() == 1


def test_future_stage_date_is_refused(district: District, login: Login, pipeline: dict) -> None:
    response = login(district.clerk_a).post(
        "/projects/new/",
        _form(
            responsible_unit=district.town_a.pk,
            stage_on=(TODAY + timedelta(days=3)).isoformat(),
        ),
    )
    assert "stage_on" in response.context["form"].errors
    assert "日期不能晚于今天" in _content(response)


def test_entering_a_later_stage_is_refused(
    district: District, login: Login, pipeline: dict
) -> None:
    response = login(district.clerk_a).post(
        "/projects/new/", _form(responsible_unit=district.town_a.pk, stage=Stage.STARTED)
    )
    assert "stage" in response.context["form"].errors
    assert not Project.objects.exists()


def test_possible_duplicate_is_shown_after_saving(
    district: District, login: Login, project_b: Project
) -> None:
    response = login(district.clerk_a).post(
        "/projects/new/",
        _form(
            responsible_unit=district.town_a.pk,
            name="竹木精深加工项目",
            investor_name=project_b.investor_name,
        ),
        follow=True,
    )
    project = Project.objects.get(name="竹木精深加工项目")
    check = DuplicateCheck.objects.get(project=project)
    assert check.candidate == project_b
    page = _content(response)
    assert "发现疑似重复项目" in page
    assert project_b.code in page
    # The project page offers the decision to its own town's clerk.
    assert f"/projects/duplicates/{check.pk}/decide/" in page
    assert not Project.objects.counted(YEAR).filter(pk=project.pk).exists()


# Edit ------------------------------------------------------------------------------------


def test_clerk_edits_a_project_and_history_records_the_reason(
    district: District, login: Login, project_a: Project
) -> None:
    response = login(district.clerk_a).post(
        f"/projects/{project_a.pk}/edit/",
        _form(project_a, contracted_investment="18000", reason="补充协议"),
    )
    assert response.status_code == 302
    project_a.refresh_from_db()
    assert project_a.contracted_investment == Decimal("18000")
    latest = project_a.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "补充协议"
    assert "原因：补充协议" in _content(login(district.clerk_a).get(f"/projects/{project_a.pk}/"))


def test_edit_to_a_prohibited_industry_is_refused(
    district: District, login: Login, project_a: Project
) -> None:
    response = login(district.clerk_a).post(
        f"/projects/{project_a.pk}/edit/",
        _form(project_a, industry=Industry.objects.get(code="06").pk),
    )
    assert response.status_code == 200
    assert "禁止新建煤矿项目（示例）" in _content(response)
    project_a.refresh_from_db()
    assert project_a.industry.code == "39"


def test_edit_with_a_bad_uscc_changes_nothing(
    district: District, login: Login, project_a: Project
) -> None:
    response = login(district.clerk_a).post(
        f"/projects/{project_a.pk}/edit/", _form(project_a, uscc="12345")
    )
    assert "应为 18 位，实际为 5 位" in _content(response)
    project_a.refresh_from_db()
    assert project_a.uscc == ""


def test_edit_to_another_projects_code_is_refused(
    district: District, login: Login, project_a: Project
) -> None:
    other = make_project(district, name="另一个项目", investor_name="另一个公司")
    response = login(district.clerk_a).post(
        f"/projects/{project_a.pk}/edit/", _form(project_a, code=other.code)
    )
    assert "code" in response.context["form"].errors


def test_leader_gets_403_on_the_edit_page(
    district: District, login: Login, project_a: Project
) -> None:
    client = login(district.leader)
    assert client.get(f"/projects/{project_a.pk}/edit/").status_code == 403
    response = client.post(f"/projects/{project_a.pk}/edit/", _form(project_a, name="改名"))
    assert response.status_code == 403
    project_a.refresh_from_db()
    assert project_a.name == "锦城智能终端项目"


def test_clerk_of_another_town_gets_404_on_the_edit_page(
    district: District, login: Login, project_a: Project
) -> None:
    client = login(district.clerk_b)
    assert client.get(f"/projects/{project_a.pk}/edit/").status_code == 404
    assert (
        client.post(f"/projects/{project_a.pk}/edit/", _form(project_a, name="改名")).status_code
        == 404
    )


# Stage actions ---------------------------------------------------------------------------


def test_clerk_moves_a_project_one_stage_forward(
    district: District, login: Login, project_a: Project
) -> None:
    response = login(district.clerk_a).post(
        f"/projects/{project_a.pk}/stage/",
        {"to": Stage.REGISTERED, "on": TODAY.isoformat(), "reason": ""},
    )
    assert response.status_code == 302
    project_a.refresh_from_db()
    assert project_a.stage == Stage.REGISTERED
    assert project_a.milestones.get(stage=Stage.REGISTERED).actual_on == TODAY
    event = StageEvent.objects.filter(project=project_a).first()
    assert event is not None
    assert (event.from_stage, event.to_stage, event.actor) == (
        Stage.SIGNED,
        Stage.REGISTERED,
        district.clerk_a,
    )


def test_stage_jump_is_refused_naming_the_next_stage(
    district: District, login: Login, project_a: Project
) -> None:
    response = login(district.clerk_a).post(
        f"/projects/{project_a.pk}/stage/",
        {"to": Stage.STARTED, "on": TODAY.isoformat(), "reason": ""},
    )
    assert response.status_code == 200
    assert "to" in response.context["form"].errors
    assert "下一阶段应为“注册”" in _content(response)
    project_a.refresh_from_db()
    assert project_a.stage == Stage.SIGNED


def test_stage_date_before_the_current_stage_is_refused(
    district: District, login: Login, project_a: Project
) -> None:
    response = login(district.clerk_a).post(
        f"/projects/{project_a.pk}/stage/",
        {"to": Stage.REGISTERED, "on": (SIGNED - timedelta(days=30)).isoformat(), "reason": ""},
    )
    assert "on" in response.context["form"].errors
    project_a.refresh_from_db()
    assert project_a.stage == Stage.SIGNED


def test_milestone_that_requires_evidence_blocks_the_stage_until_uploaded(
    district: District, login: Login, project_a: Project, tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = login(district.clerk_a)
    client.post(
        f"/projects/{project_a.pk}/stage/", {"to": Stage.REGISTERED, "on": TODAY.isoformat()}
    )
    refused = client.post(
        f"/projects/{project_a.pk}/stage/", {"to": Stage.LAND, "on": TODAY.isoformat()}
    )
    assert "“供地”节点须先上传佐证材料" in _content(refused)
    land = project_a.milestones.get(stage=Stage.LAND)
    upload = client.post(
        f"/projects/milestones/{land.pk}/evidence/",
        {"upload": SimpleUploadedFile("供地合同.pdf", b"%PDF-1.4 test"), "name": "土地出让合同"},
    )
    assert upload.status_code == 302
    evidence = Evidence.objects.get(milestone=land)
    assert evidence.name == "土地出让合同"
    moved = client.post(
        f"/projects/{project_a.pk}/stage/", {"to": Stage.LAND, "on": TODAY.isoformat()}
    )
    assert moved.status_code == 302
    project_a.refresh_from_db()
    assert project_a.stage == Stage.LAND
    # The file is served to those who may see the project, and to nobody else.
    assert client.get(f"/projects/evidence/{evidence.pk}/").status_code == 200
    assert login(district.clerk_b).get(f"/projects/evidence/{evidence.pk}/").status_code == 404


def test_evidence_of_a_wrong_type_is_refused(
    district: District, login: Login, project_a: Project, tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    milestone = project_a.milestones.get(stage=Stage.LAND)
    response = login(district.clerk_a).post(
        f"/projects/milestones/{milestone.pk}/evidence/",
        {"upload": SimpleUploadedFile("run.exe", b"MZ")},
    )
    assert response.status_code == 200
    assert "不支持的文件类型“.exe”" in _content(response)
    assert not Evidence.objects.exists()


def test_going_back_needs_a_reason_shown_on_the_field(
    district: District, login: Login, project_a: Project
) -> None:
    client = login(district.clerk_a)
    response = client.post(
        f"/projects/{project_a.pk}/stage/",
        {"to": Stage.NEGOTIATING, "on": TODAY.isoformat(), "reason": ""},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["退回到之前的阶段须说明原因。"]
    assert "原因：退回到之前的阶段须说明原因。" in _content(response)
    project_a.refresh_from_db()
    assert project_a.stage == Stage.SIGNED
    back = client.post(
        f"/projects/{project_a.pk}/stage/",
        {"to": Stage.NEGOTIATING, "on": TODAY.isoformat(), "reason": "对方撤回签约"},
    )
    assert back.status_code == 302
    project_a.refresh_from_db()
    # Back before signing: the project no longer counts and its roadmap goes.
    assert project_a.stage == Stage.NEGOTIATING
    assert project_a.counting_year is None
    assert not project_a.milestones.exists()


def test_terminate_needs_a_reason(district: District, login: Login, project_a: Project) -> None:
    client = login(district.clerk_a)
    refused = client.post(
        f"/projects/{project_a.pk}/terminate/", {"on": TODAY.isoformat(), "reason": ""}
    )
    assert refused.status_code == 200
    assert "reason" in refused.context["form"].errors
    done = client.post(
        f"/projects/{project_a.pk}/terminate/",
        {"on": TODAY.isoformat(), "reason": "投资方资金链断裂"},
    )
    assert done.status_code == 302
    project_a.refresh_from_db()
    assert project_a.stage == Stage.TERMINATED
    assert project_a.termination_reason == "投资方资金链断裂"
    assert not Project.objects.counted(YEAR).filter(pk=project_a.pk).exists()
    page = _content(client.get(f"/projects/{project_a.pk}/"))
    assert "投资方资金链断裂" in page


def test_terminated_project_is_restored_only_to_its_stage_with_a_reason(
    district: District, login: Login, project_a: Project
) -> None:
    actions.do_change_stage(
        project_a, to=Stage.TERMINATED, on=TODAY, reason="暂停", actor=district.clerk_a
    )
    client = login(district.clerk_a)
    wrong = client.post(
        f"/projects/{project_a.pk}/stage/",
        {"to": Stage.REGISTERED, "on": TODAY.isoformat(), "reason": "恢复"},
    )
    assert "只能恢复到终止前的阶段“签约”" in _content(wrong)
    restored = client.post(
        f"/projects/{project_a.pk}/stage/",
        {"to": Stage.SIGNED, "on": TODAY.isoformat(), "reason": "投资方恢复推进"},
    )
    assert restored.status_code == 302
    project_a.refresh_from_db()
    assert project_a.stage == Stage.SIGNED


@pytest.mark.parametrize("path", ["stage", "terminate"])
def test_leader_gets_403_and_another_town_404_on_stage_actions(
    district: District, login: Login, project_a: Project, path: str
) -> None:
    data = {"to": Stage.REGISTERED, "on": TODAY.isoformat(), "reason": "x"}
    assert login(district.leader).get(f"/projects/{project_a.pk}/{path}/").status_code == 403
    assert login(district.leader).post(f"/projects/{project_a.pk}/{path}/", data).status_code == 403
    assert (
        login(district.clerk_b).post(f"/projects/{project_a.pk}/{path}/", data).status_code == 404
    )
    project_a.refresh_from_db()
    assert project_a.stage == Stage.SIGNED


# Milestones ------------------------------------------------------------------------------


def test_replanning_a_milestone_needs_a_reason(
    district: District, login: Login, project_a: Project
) -> None:
    milestone = project_a.milestones.get(stage=Stage.REGISTERED)
    client = login(district.clerk_a)
    new_date = milestone.planned_on + timedelta(days=30)
    refused = client.post(
        f"/projects/milestones/{milestone.pk}/replan/", {"planned_on": new_date.isoformat()}
    )
    assert "reason" in refused.context["form"].errors
    done = client.post(
        f"/projects/milestones/{milestone.pk}/replan/",
        {"planned_on": new_date.isoformat(), "reason": "工商窗口调整"},
    )
    assert done.status_code == 302
    assert done["Location"] == f"/projects/{project_a.pk}/#roadmap"
    milestone.refresh_from_db()
    assert milestone.planned_on == new_date


def test_clerk_notes_a_milestone(district: District, login: Login, project_a: Project) -> None:
    milestone = project_a.milestones.get(stage=Stage.REGISTERED)
    response = login(district.clerk_a).post(
        f"/projects/milestones/{milestone.pk}/note/", {"note": "已预约窗口"}
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.note == "已预约窗口"


@pytest.mark.parametrize("path", ["replan", "note", "evidence"])
def test_milestone_forms_are_403_for_a_leader_and_404_for_another_town(
    district: District, login: Login, project_a: Project, path: str
) -> None:
    milestone = project_a.milestones.get(stage=Stage.REGISTERED)
    url = f"/projects/milestones/{milestone.pk}/{path}/"
    data = {"planned_on": TODAY.isoformat(), "reason": "x", "note": "x"}
    assert login(district.leader).get(url).status_code == 403
    assert login(district.leader).post(url, data).status_code == 403
    assert login(district.clerk_b).get(url).status_code == 404
    assert login(district.clerk_b).post(url, data).status_code == 404
    milestone.refresh_from_db()
    assert milestone.note == ""


# Duplicate screening ----------------------------------------------------------------------


@pytest.fixture
def twin(district: District, project_a: Project) -> Project:
    return make_project(
        district, name="锦城智能终端项目（二期）", investor_name=project_a.investor_name
    )


def test_clerk_confirms_a_duplicate_as_distinct(
    district: District, login: Login, project_a: Project, twin: Project
) -> None:
    check = DuplicateCheck.objects.get(project=twin)
    response = login(district.clerk_a).post(
        f"/projects/duplicates/{check.pk}/decide/", {"decision": "distinct", "note": "两期分别立项"}
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == DuplicateStatus.DISTINCT
    assert check.decided_by == district.clerk_a
    assert Project.objects.counted(YEAR).filter(pk=twin.pk).exists()


def test_clerk_merges_a_duplicate(
    district: District, login: Login, project_a: Project, twin: Project
) -> None:
    check = DuplicateCheck.objects.get(project=twin)
    response = login(district.clerk_a).post(
        f"/projects/duplicates/{check.pk}/decide/", {"decision": "merged"}, follow=True
    )
    twin.refresh_from_db()
    assert twin.merged_into == project_a
    assert f"已将本项目合并到 {project_a.code}" in _content(response)
    assert not Project.objects.counted(YEAR).filter(pk=twin.pk).exists()
    # Deciding again is refused with when it was decided.
    again = login(district.clerk_a).post(
        f"/projects/duplicates/{check.pk}/decide/", {"decision": "distinct"}, follow=True
    )
    assert "该疑似重复已于" in _content(again)


def test_duplicate_decision_is_403_for_a_leader_and_404_for_another_town(
    district: District, login: Login, project_a: Project, twin: Project
) -> None:
    check = DuplicateCheck.objects.get(project=twin)
    url = f"/projects/duplicates/{check.pk}/decide/"
    assert login(district.leader).post(url, {"decision": "merged"}).status_code == 403
    assert login(district.clerk_b).post(url, {"decision": "merged"}).status_code == 404
    assert login(district.clerk_a).get(url).status_code == 405
    check.refresh_from_db()
    assert check.status == DuplicateStatus.OPEN


def test_possible_duplicate_in_another_town_is_named_but_not_linked(
    district: District, login: Login, project_b: Project
) -> None:
    mine = make_project(
        district, name="於潜竹木精深加工项目", investor_name=project_b.investor_name
    )
    page = _content(login(district.clerk_a).get(f"/projects/{mine.pk}/"))
    assert project_b.code in page
    assert f'href="/projects/{project_b.pk}/"' not in page


# A leader's page -------------------------------------------------------------------------


def test_leader_sees_linked_projects_overdue_first(
    district: District, login: Login, project_a: Project, project_b: Project
) -> None:
    late = make_project(
        district, name="逾期挂联项目", investor_name="逾期公司", stage_on=TODAY - timedelta(days=90)
    )
    on_time = make_project(district, name="新签挂联项目", investor_name="新签公司", stage_on=TODAY)
    project_type = ContentType.objects.get_for_model(Project)
    for project in (on_time, late):
        Link.objects.create(
            leader=district.leader,
            content_type=project_type,
            object_id=project.pk,
            unit=project.responsible_unit,
            started_on=date(TODAY.year, 1, 1),
        )
    other_leader = User.objects.create_user(
        username="leader2", password="x-9!pass-word", name="王建国", role=Role.LEADER
    )
    Link.objects.create(
        leader=other_leader,
        content_type=project_type,
        object_id=project_b.pk,
        unit=project_b.responsible_unit,
        started_on=date(TODAY.year, 1, 1),
    )
    response = login(district.leader).get("/projects/mine/")
    assert response.status_code == 200
    assert response.context["projects"] == [late, on_time]
    assert response.context["late_count"] == 1
    assert "於潜竹木精深加工项目" not in _content(response)


def test_ended_links_are_not_on_the_leaders_page(
    district: District, login: Login, project_a: Project
) -> None:
    Link.objects.create(
        leader=district.leader,
        content_type=ContentType.objects.get_for_model(Project),
        object_id=project_a.pk,
        unit=project_a.responsible_unit,
        started_on=date(TODAY.year, 1, 1),
        ended_on=TODAY,
    )
    assert login(district.leader).get("/projects/mine/").context["projects"] == []


def test_user_without_links_sees_an_empty_page(district: District, login: Login) -> None:
    response = login(district.clerk_a).get("/projects/mine/")
    assert response.status_code == 200
    assert "您目前没有挂联的项目。" in _content(response)


# Import ----------------------------------------------------------------------------------


@pytest.fixture
def inline_imports(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, settings: Any) -> None:
    """Imports run in the request (the test's transaction), files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(jobs, "RUN_IN_BACKGROUND", False)


def _ledger(district: District, rows: list[dict[str, Any]]) -> bytes:
    """A ledger in the import template's layout, filled with `rows` by column header."""
    from openpyxl import load_workbook

    from bipin.projects import imports

    workbook = load_workbook(BytesIO(imports.project_template()))
    for sheet in workbook.worksheets:
        for header in sheet.iter_rows(min_row=1, max_row=5):
            labels = {
                str(cell.value).splitlines()[0].strip(" *"): cell.column
                for cell in header
                if cell.value
            }
            if "项目编号" in labels:
                for offset, values in enumerate(rows, start=1):
                    for label, value in values.items():
                        sheet.cell(row=header[0].row + offset, column=labels[label], value=value)
                out = BytesIO()
                workbook.save(out)
                return out.getvalue()
    raise AssertionError("the template has no header row")


def _row(district: District, unit: Unit, code: str, **values: Any) -> dict[str, Any]:
    row = {
        "项目编号": code,
        "项目名称": f"导入项目{code}",
        "投资方": f"投资方{code}",
        "所属行业": "39",
        "总投资（万元）": 20000,
        "责任单位": unit.code,
        "当前进度": "签约",
        "签约日期": SIGNED,
    }
    row.update(values)
    return row


def test_import_template_downloads(district: District, login: Login) -> None:
    response = login(district.clerk_a).get("/excel/projects/template/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response.content[:4] == b"PK\x03\x04"


@pytest.mark.parametrize("who", ["leader", "viewer", "provider"])
def test_who_may_not_add_cannot_import(district: District, login: Login, who: str) -> None:
    client = login(getattr(district, who))
    assert client.get("/excel/projects/import/").status_code == 403
    assert client.get("/excel/projects/template/").status_code == 403
    upload = SimpleUploadedFile("a.xlsx", b"PK\x03\x04")
    assert client.post("/excel/projects/import/", {"upload": upload}).status_code == 403


def test_non_xlsx_upload_is_refused(district: District, login: Login, inline_imports: None) -> None:
    client = login(district.clerk_a)
    response = client.post(
        "/excel/projects/import/", {"upload": SimpleUploadedFile("台账.xls", b"\xd0\xcf\x11\xe0")}
    )
    assert response.status_code == 200
    assert "这是旧版 .xls 文件或加密的工作簿" in _content(response)
    text = client.post(
        "/excel/projects/import/", {"upload": SimpleUploadedFile("台账.xlsx", b"name,code\n")}
    )
    assert "不是 Excel 工作簿：只能导入 .xlsx 文件" in _content(text)
    assert not (jobs.imports_dir()).exists()


def test_oversized_upload_is_refused(
    district: District, login: Login, inline_imports: None, settings: Any
) -> None:
    settings.BIPIN_UPLOAD_MAX_MB = 1
    big = SimpleUploadedFile("大文件.xlsx", b"PK\x03\x04" + b"0" * (1024 * 1024 + 10))
    response = login(district.clerk_a).post("/excel/projects/import/", {"upload": big})
    assert "超过上限 1 MB" in _content(response)


def test_import_previews_then_commits(
    district: District, login: Login, pipeline: dict, inline_imports: None
) -> None:
    content = _ledger(
        district,
        [_row(district, district.town_a, "DR-001"), _row(district, district.town_a, "DR-002")],
    )
    client = login(district.clerk_a)
    response = client.post(
        "/excel/projects/import/", {"upload": SimpleUploadedFile("台账.xlsx", content)}
    )
    assert response.status_code == 302
    preview = client.get(response["Location"])
    job = preview.context["job"]
    assert job.state == jobs.State.DONE
    assert job.dry_run
    assert job.report["errors"] == []
    assert job.report["counts"]["created"] == 2
    assert "确认导入" in _content(preview)
    assert not Project.objects.exists()  # a preview writes nothing
    committed = client.post(f"/excel/projects/import/{job.id}/confirm/")
    assert committed.status_code == 302
    result = client.get(committed["Location"])
    assert result.context["job"].state == jobs.State.DONE
    assert not result.context["job"].dry_run
    assert set(Project.objects.values_list("code", flat=True)) == {"DR-001", "DR-002"}
    assert "导入完成" in _content(result)
    # A committed run cannot be committed again.
    again = client.post(f"/excel/projects/import/{result.context['job'].id}/confirm/")
    assert again.status_code == 302
    assert Project.objects.count() == 2


def test_the_preview_shows_each_rows_project_and_its_licences_and_possible_duplicates(
    district: District, login: Login, project_a: Project, inline_imports: None
) -> None:
    content = _ledger(
        district,
        [
            _row(
                district,
                district.town_a,
                "LD-001",
                项目名称="锦城智能终端项目二期",
                投资方="杭州某科技有限公司",
                所属行业="27",
            )
        ],
    )
    client = login(district.clerk_a)
    response = client.post(
        "/excel/projects/import/", {"upload": SimpleUploadedFile("台账.xlsx", content)}
    )
    page = _content(client.get(response["Location"]))
    rows = page[page.index('id="import-rows"') :]
    for shown in ("锦城智能终端项目二期", "LD-001", "锦城街道", "签约", "2亿元", "新增"):
        assert shown in rows
    assert "需许可：201 药品生产须取得药品生产许可证" in rows
    assert f"疑似重复：{project_a.code} 锦城智能终端项目（投资方相同且项目名称相近）" in rows


def test_reimporting_the_export_changes_nothing_and_offers_no_commit(
    district: District, login: Login, project_a: Project, inline_imports: None
) -> None:
    client = login(district.clerk_a)
    exported = client.get("/excel/projects/export/").content
    response = client.post(
        "/excel/projects/import/", {"upload": SimpleUploadedFile("导出.xlsx", exported)}
    )
    page = client.get(response["Location"])
    job = page.context["job"]
    assert job.report["errors"] == []
    assert job.report["counts"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert not job.can_commit
    assert "没有需要写入的变化" in _content(page)
    assert "确认导入" not in _content(page)


def test_a_long_preview_lists_the_first_rows_and_counts_them_all(
    district: District,
    login: Login,
    pipeline: dict,
    inline_imports: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "ROWS_SHOWN", 2)
    content = _ledger(district, [_row(district, district.town_a, f"LG-{n}") for n in range(3)])
    client = login(district.clerk_a)
    response = client.post(
        "/excel/projects/import/", {"upload": SimpleUploadedFile("台账.xlsx", content)}
    )
    page = client.get(response["Location"])
    assert page.context["job"].report["counts"]["created"] == 3
    assert len(page.context["job"].report["rows"]) == 2
    assert "共 3 行，下面列出前 2 行。" in _content(page)


def test_import_errors_name_sheet_row_and_column_and_write_nothing(
    district: District, login: Login, pipeline: dict, inline_imports: None
) -> None:
    content = _ledger(
        district,
        [
            _row(district, district.town_a, "ER-001"),
            _row(district, district.town_a, "ER-002", **{"总投资（万元）": -5}),
        ],
    )
    client = login(district.clerk_a)
    response = client.post(
        "/excel/projects/import/", {"upload": SimpleUploadedFile("台账.xlsx", content)}
    )
    page = client.get(response["Location"])
    job = page.context["job"]
    assert job.report["errors"] == [
        {
            "sheet": "招商项目",
            "row": 3,
            "column": "F",
            "header": "总投资（万元）",
            "message": "金额不能为负数（-5）。",
        }
    ]
    shown = _content(page)
    assert "F（总投资（万元））" in shown
    assert "金额不能为负数（-5）。" in shown
    assert "确认导入" not in shown
    assert not job.can_commit
    assert client.post(f"/excel/projects/import/{job.id}/confirm/").status_code == 302
    assert not Project.objects.exists()


def test_clerk_cannot_import_into_another_town(
    district: District, login: Login, pipeline: dict, inline_imports: None
) -> None:
    content = _ledger(district, [_row(district, district.town_b, "OT-001")])
    client = login(district.clerk_a)
    response = client.post(
        "/excel/projects/import/", {"upload": SimpleUploadedFile("台账.xlsx", content)}
    )
    page = client.get(response["Location"])
    job = page.context["job"]
    assert [error["message"] for error in job.report["errors"]] == [
        "您只能导入本单位及下属单位的项目：“於潜镇”不在您的范围内。"
    ]
    assert "不在您的范围内" in _content(page)
    assert not job.can_commit
    assert not Project.objects.exists()


def test_clerk_cannot_overwrite_another_towns_project_by_import(
    district: District, login: Login, project_b: Project, inline_imports: None
) -> None:
    content = _ledger(
        district, [_row(district, district.town_a, project_b.code, 项目名称="被改掉的名称")]
    )
    client = login(district.clerk_a)
    response = client.post(
        "/excel/projects/import/", {"upload": SimpleUploadedFile("台账.xlsx", content)}
    )
    job = client.get(response["Location"]).context["job"]
    assert [error["message"] for error in job.report["errors"]] == [
        f"项目“{project_b.code}”不属于您管辖的单位，不能修改。"
    ]
    project_b.refresh_from_db()
    assert project_b.name == "於潜竹木精深加工项目"


def test_import_job_of_another_user_is_404(
    district: District, login: Login, pipeline: dict, inline_imports: None
) -> None:
    content = _ledger(district, [_row(district, district.town_a, "JB-001")])
    response = login(district.clerk_a).post(
        "/excel/projects/import/", {"upload": SimpleUploadedFile("台账.xlsx", content)}
    )
    url = response["Location"]
    assert login(district.manager_a).get(url).status_code == 404
    assert login(district.manager_a).post(f"{url}confirm/").status_code == 404
    assert login(district.clerk_a).get("/excel/projects/import/ffffffff/").status_code == 404


def test_import_job_page_polls_while_running(district: District, login: Login) -> None:
    job = jobs.ImportJob(
        id="running1",
        kind="projects",
        user_id=district.clerk_a.pk,
        filename="台账.xlsx",
        path="/nonexistent",
    )
    job.state, job.done, job.total = jobs.State.RUNNING, 250, 1000
    jobs.save_job(job)
    client = login(district.clerk_a)
    page = _content(client.get("/excel/projects/import/running1/"))
    assert 'hx-trigger="every 1s"' in page
    assert "25%" in page
    assert "已处理 250 / 1000 行" in page
    fragment = client.get("/excel/projects/import/running1/", HTTP_HX_REQUEST="true")
    assert "<html" not in _content(fragment)
    assert 'id="import-status"' in _content(fragment)


def test_import_pages_write_nothing_while_an_import_holds_the_database(
    district: District, login: Login
) -> None:
    """On SQLite an import's transaction holds the write lock: a poll that saved the
    session would fail with "database is locked" until the import ends."""
    job = jobs.ImportJob(
        id="running2",
        kind="projects",
        user_id=district.clerk_a.pk,
        filename="台账.xlsx",
        path="/nonexistent",
    )
    jobs.save_job(job)
    client = login(district.clerk_a)
    headers: list[dict[str, Any]] = [{}, {"HTTP_HX_REQUEST": "true"}]
    for extra in headers:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/excel/projects/import/running2/", **extra).status_code == 200
        writes = [
            query["sql"]
            for query in queries
            if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        assert writes == []


# The import thread commits, so the test runs outside a transaction; the serialized rollback
# puts the shipped reference data back for the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_import_runs_in_the_background_and_reports_its_progress(
    district: District, login: Login, pipeline: dict, tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    content = _ledger(district, [_row(district, district.town_a, f"BG-{n:03d}") for n in range(5)])
    started: list[Any] = []
    original = jobs.threading.Thread.start

    def remember(thread: Any) -> None:
        started.append(thread)
        original(thread)

    client = login(district.clerk_a)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jobs.threading.Thread, "start", remember)
        response = client.post(
            "/excel/projects/import/", {"upload": SimpleUploadedFile("台账.xlsx", content)}
        )
    assert response.status_code == 302
    assert len(started) == 1
    started[0].join(timeout=60)
    job = client.get(response["Location"]).context["job"]
    assert job.state == jobs.State.DONE
    assert job.report["counts"]["created"] == 5
    assert job.percent == 100
    assert not Project.objects.exists()


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
