"""The pages of enterprise service requests: the list with its filters and totals, the
request page with its timeline and the buttons of the steps the user may take, a form per
step, a department's queue, the figures and the categories.

A request is seen by its enterprise's town and by each department it is assigned to: the
clerk of 锦城 sees 锦城's requests and not 於潜's, a department's clerk sees those assigned
to the department and takes its steps, the viewer sees none. Every page is checked for a
user who may use it, one who sees but may not (403, with the action's message), one who
may not see (404), and an anonymous visitor.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bipin.conftest import District
from bipin.core.history import history_entries
from bipin.enterprises import actions
from bipin.enterprises.choices import Intake, Satisfaction, Status
from bipin.enterprises.models import ServiceCategory, ServiceRequest
from bipin.enterprises.tests.test_request_actions import (
    SUBMITTED,
    TODAY,
    Requests,
    category,
    make_enterprise,
)
from bipin.org.models import User

Login = Callable[[User], Client]


@pytest.fixture
def requests(district: District) -> Requests:
    return Requests(district)


@pytest.fixture
def request_a(requests: Requests) -> ServiceRequest:
    """锦城's request, assigned to 区发展和改革局 (office)."""
    return requests.walk(requests.submit(description="锦城企业申请施工许可"), Status.ASSIGNED)


@pytest.fixture
def request_b(district: District, requests: Requests) -> ServiceRequest:
    """於潜's request, assigned to 区统计局 (statistics)."""
    return requests.walk(
        requests.submit(requests.enterprise_b, description="於潜企业申请用地"),
        Status.ASSIGNED,
        departments=[district.statistics],
    )


def _content(response: Any) -> str:
    return response.content.decode()


def _codes(response: Any) -> set[str]:
    return {item.code for item in response.context["page"]}


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


PAGES = {
    "list": lambda r: "/enterprises/requests/",
    "queue": lambda r: "/enterprises/requests/queue/",
    "stats": lambda r: "/enterprises/requests/stats/",
    "categories": lambda r: "/enterprises/requests/categories/",
    "create": lambda r: "/enterprises/requests/new/",
    "detail": lambda r: f"/enterprises/requests/{r.pk}/",
    "edit": lambda r: f"/enterprises/requests/{r.pk}/edit/",
    "assign": lambda r: f"/enterprises/requests/{r.pk}/assign/",
    "start": lambda r: f"/enterprises/requests/{r.pk}/start/",
    "finish": lambda r: f"/enterprises/requests/{r.pk}/finish/",
    "close": lambda r: f"/enterprises/requests/{r.pk}/close/",
    "reopen": lambda r: f"/enterprises/requests/{r.pk}/reopen/",
}


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_login_from_every_page(
    request_a: ServiceRequest, page: str
) -> None:
    response = Client().get(PAGES[page](request_a))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_detail_page_is_the_requests_absolute_url(request_a: ServiceRequest) -> None:
    assert request_a.get_absolute_url() == f"/enterprises/requests/{request_a.pk}/"


# Scoping ------------------------------------------------------------------------------------


def test_jinchengs_clerk_sees_jinchengs_requests_not_yuqians(
    district: District, login: Login, request_a: ServiceRequest, request_b: ServiceRequest
) -> None:
    client = login(district.clerk_a)
    response = client.get("/enterprises/requests/")
    assert _codes(response) == {request_a.code}
    assert "锦城企业申请施工许可" in _content(response)
    assert "於潜企业申请用地" not in _content(response)
    assert client.get(f"/enterprises/requests/{request_a.pk}/").status_code == 200
    assert client.get(f"/enterprises/requests/{request_b.pk}/").status_code == 404
    assert client.get(f"/enterprises/requests/{request_b.pk}/assign/").status_code == 404


def test_a_department_sees_the_requests_assigned_to_it(
    district: District,
    login: Login,
    requests: Requests,
    request_a: ServiceRequest,
    request_b: ServiceRequest,
) -> None:
    office = login(requests.office_clerk)
    assert _codes(office.get("/enterprises/requests/")) == {request_a.code}
    assert office.get(f"/enterprises/requests/{request_a.pk}/").status_code == 200
    assert office.get(f"/enterprises/requests/{request_b.pk}/").status_code == 404
    statistics = login(requests.statistics_clerk)
    assert _codes(statistics.get("/enterprises/requests/")) == {request_b.code}
    # Assigned to both: both see it.
    actions.do_assign_request(
        request_a, actor=district.clerk_a, departments=[district.office, district.statistics]
    )
    assert _codes(statistics.get("/enterprises/requests/")) == {request_a.code, request_b.code}


@pytest.mark.parametrize("who", ["supervisor", "leader"])
def test_supervisor_and_leader_see_every_request(
    district: District,
    login: Login,
    request_a: ServiceRequest,
    request_b: ServiceRequest,
    who: str,
) -> None:
    client = login(getattr(district, who))
    assert _codes(client.get("/enterprises/requests/")) == {request_a.code, request_b.code}
    assert client.get(f"/enterprises/requests/{request_b.pk}/").status_code == 200


def test_the_viewer_sees_no_request(
    district: District, login: Login, request_a: ServiceRequest, request_b: ServiceRequest
) -> None:
    client = login(district.viewer)
    response = client.get("/enterprises/requests/")
    assert _codes(response) == set()
    assert response.context["totals"]["count"] == 0
    assert client.get(f"/enterprises/requests/{request_a.pk}/").status_code == 404
    assert client.get("/enterprises/requests/stats/").context["overall"].total == 0


def test_a_data_provider_sees_only_what_is_assigned_to_its_department_and_takes_no_step(
    district: District, login: Login, request_a: ServiceRequest, request_b: ServiceRequest
) -> None:
    client = login(district.provider)  # of 区统计局, to which request_b is assigned
    assert _codes(client.get("/enterprises/requests/")) == {request_b.code}
    assert client.get(f"/enterprises/requests/{request_a.pk}/").status_code == 404
    assert client.get(f"/enterprises/requests/{request_b.pk}/start/").status_code == 403


# The list -----------------------------------------------------------------------------------


def test_list_filters_narrow_the_rows_and_the_totals(
    district: District, login: Login, requests: Requests, request_a: ServiceRequest
) -> None:
    old = requests.submit(on=TODAY - timedelta(days=60), name="政策兑现", intake=Intake.HOTLINE)
    done = requests.walk(requests.submit(description="已办结的诉求"), Status.DONE)
    other = requests.walk(
        requests.submit(requests.enterprise_b), Status.ASSIGNED, departments=[district.statistics]
    )
    client = login(district.supervisor)
    cases = {
        "status=done": {done.code},
        "status=submitted": {old.code},
        f"category={category('政策兑现').pk}": {old.code},
        f"department={district.statistics.pk}": {other.code},
        f"town={district.town_b.pk}": {other.code},
        "intake=hotline": {old.code},
        "overdue=true": {old.code, request_a.code, other.code},  # 审批服务: 7 days, 20 ago
        "overdue=false": {done.code},
        f"submitted_from={(TODAY - timedelta(days=30)).isoformat()}": {
            request_a.code, done.code, other.code,
        },
        f"submitted_to={(TODAY - timedelta(days=30)).isoformat()}": {old.code},
        "q=已办结": {done.code},
        f"enterprise={requests.enterprise_b.pk}": {other.code},
        f"q={requests.enterprise_b.uscc}": {other.code},
    }  # fmt: skip
    for query, expected in cases.items():
        response = client.get(f"/enterprises/requests/?{query}")
        assert _codes(response) == expected, query
        assert response.context["totals"]["count"] == len(expected), query
    totals = client.get("/enterprises/requests/").context["totals"]
    assert totals == {"count": 4, "open": 3, "overdue": 3}
    assert "共 <strong>4</strong> 件诉求，未办结 <strong>3</strong> 件" in _content(
        client.get("/enterprises/requests/")
    )


def test_list_sorts_by_deadline_and_status(
    district: District, login: Login, requests: Requests
) -> None:
    first = requests.submit(on=TODAY - timedelta(days=3), name="审批服务")  # deadline +7
    second = requests.walk(requests.submit(on=TODAY - timedelta(days=1), name="要素保障"), "done")
    client = login(district.clerk_a)
    by_deadline = [
        r.code for r in client.get("/enterprises/requests/?sort=deadline").context["page"]
    ]
    assert by_deadline == [first.code, second.code]
    by_status = [r.code for r in client.get("/enterprises/requests/?sort=-status").context["page"]]
    assert by_status == [second.code, first.code]
    default = [r.code for r in client.get("/enterprises/requests/").context["page"]]
    assert default == [second.code, first.code]  # newest first


def test_list_htmx_request_gets_only_the_results(
    district: District, login: Login, request_a: ServiceRequest
) -> None:
    response = login(district.clerk_a).get("/enterprises/requests/", HTTP_HX_REQUEST="true")
    page = _content(response)
    assert 'id="request-totals"' in page
    assert "<html" not in page


def test_the_town_is_offered_new_import_and_export_others_only_export(
    district: District, login: Login, requests: Requests, request_a: ServiceRequest
) -> None:
    page = _content(login(district.clerk_a).get("/enterprises/requests/"))
    assert 'href="/enterprises/requests/new/"' in page
    assert 'href="/excel/requests/import/"' in page
    assert 'href="/excel/requests/export/' in page
    for user in (requests.office_clerk, district.leader):
        page = _content(login(user).get("/enterprises/requests/"))
        assert 'href="/enterprises/requests/new/"' not in page
        assert 'href="/excel/requests/import/"' not in page
        assert 'href="/excel/requests/export/' in page


def _add_requests(requests: Requests, count: int) -> None:
    """Requests of both towns, in three statuses, assigned to both departments: every
    kind of row of every list (a multiple of six covers them all for each town)."""
    district = requests.district
    for index in range(count):
        enterprise = requests.enterprise_a if index % 2 else requests.enterprise_b
        request = requests.submit(enterprise, description=f"诉求 {index}")
        if index % 3:
            requests.walk(
                request,
                Status.CLOSED if index % 3 == 2 else Status.IN_PROGRESS,
                departments=[district.office, district.statistics],
            )


@pytest.mark.parametrize("who", ["supervisor", "clerk_a", "office_clerk"])
@pytest.mark.parametrize(
    "url",
    [
        "/enterprises/requests/",
        "/enterprises/requests/?overdue=true&sort=status&q=诉求",
        "/enterprises/requests/queue/",
        "/enterprises/requests/queue/?all=1",
        "/enterprises/requests/stats/",
    ],
)
def test_lists_query_count_does_not_grow_with_requests(
    district: District, login: Login, requests: Requests, who: str, url: str
) -> None:
    client = login(getattr(requests, who, None) or getattr(district, who))
    _add_requests(requests, 6)
    client.get(url)  # warm the caches (content types, session)
    few = _count_queries(client, url)
    _add_requests(requests, 30)
    assert _count_queries(client, url) == few


def test_the_request_page_query_count_does_not_grow_with_its_steps(
    district: District, login: Login, requests: Requests
) -> None:
    request = requests.walk(requests.submit(), Status.DONE)
    client = login(district.clerk_a)
    url = request.get_absolute_url()
    client.get(url)
    few = _page_queries(client, url)
    for _ in range(3):
        actions.do_reopen_request(request, actor=district.clerk_a, reason="企业不满意")
        requests.walk(request, Status.DONE)
    assert _page_queries(client, url) == few


def _page_queries(client: Client, url: str) -> int:
    """Every query of the page, the history panel's reads of the departments included."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


# The request page ---------------------------------------------------------------------------


def test_the_history_names_the_departments_a_request_was_routed_between(
    district: District, requests: Requests
) -> None:
    request = requests.walk(requests.submit(), Status.ASSIGNED, departments=[district.office])
    actions.do_assign_request(
        request, actor=district.supervisor, departments=[district.office, district.statistics]
    )
    changes = [
        (change.old, change.new)
        for entry in history_entries(request)
        for change in entry.changes
        if change.label == "承办部门"
    ]
    assert ("区发展和改革局", "区发展和改革局、区统计局") in changes


def test_the_request_page_shows_the_timeline_with_actor_and_time(
    district: District, login: Login, requests: Requests
) -> None:
    request = requests.walk(requests.submit(), Status.DONE)
    page = _content(login(district.clerk_a).get(request.get_absolute_url()))
    assert page.count('class="list-group-item d-flex gap-2"') == 4
    for text in ("分派至：区发展和改革局", "已办理完毕", "锦城填报员", "发改局填报员"):
        assert text in page
    step = request.steps.last()
    assert step is not None
    assert step.at.astimezone().strftime("%Y-%m-%d") in page
    assert 'id="history"' in page


def _buttons(page: str) -> set[str]:
    import re

    block = re.search(r'id="step-buttons">(.*?)</div>', page, re.S)
    if block is None:
        return set()
    return set(re.findall(r"/enterprises/requests/\d+/(\w+)/", block[1]))


def test_each_user_is_offered_only_the_steps_they_may_take_now(
    district: District, login: Login, requests: Requests, request_a: ServiceRequest
) -> None:
    url = request_a.get_absolute_url()
    assert _buttons(_content(login(district.clerk_a).get(url))) == {"assign", "edit"}
    assert _buttons(_content(login(requests.office_clerk).get(url))) == {"start"}
    assert _buttons(_content(login(district.leader).get(url))) == set()
    requests.walk(request_a, Status.DONE)
    assert _buttons(_content(login(district.clerk_a).get(url))) == {"close", "reopen", "edit"}
    assert _buttons(_content(login(requests.office_clerk).get(url))) == set()


# Step pages ---------------------------------------------------------------------------------


def test_the_department_takes_up_and_finishes_a_request_through_its_pages(
    district: District, login: Login, requests: Requests, request_a: ServiceRequest
) -> None:
    client = login(requests.office_clerk)
    response = client.post(f"/enterprises/requests/{request_a.pk}/start/", {"note": "已对接"})
    assert response.status_code == 302
    assert response["Location"] == request_a.get_absolute_url()
    response = client.post(
        f"/enterprises/requests/{request_a.pk}/finish/",
        {"reply": "已发证", "visits": "1", "done_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    request_a.refresh_from_db()
    assert (request_a.status, request_a.reply, request_a.visits) == (Status.DONE, "已发证", 1)
    assert request_a.steps.last().actor == requests.office_clerk  # type: ignore[union-attr]


def test_the_town_assigns_closes_and_reopens_through_its_pages(
    district: District, login: Login, requests: Requests
) -> None:
    request = requests.submit()
    client = login(district.clerk_a)
    assert client.get(f"/enterprises/requests/{request.pk}/assign/").status_code == 200
    response = client.post(
        f"/enterprises/requests/{request.pk}/assign/",
        {"departments": [district.office.pk, district.statistics.pk], "note": ""},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    requests.walk(request, Status.DONE)
    response = client.post(
        f"/enterprises/requests/{request.pk}/close/",
        {"satisfaction": Satisfaction.DISSATISFIED, "closed_on": TODAY.isoformat(), "note": ""},
    )
    assert response.status_code == 302
    response = client.post(f"/enterprises/requests/{request.pk}/reopen/", {"reason": "未解决"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.REOPENED
    assert set(request.departments.all()) == {district.office, district.statistics}


@pytest.mark.parametrize(
    ("who", "step", "message"),
    [
        ("clerk_a", "start", "只有承办部门可以受理诉求。"),
        ("office_clerk", "assign", "只有督查室或企业所在镇街可以分派诉求。"),
        ("office_clerk", "edit", "只有督查室或企业所在镇街可以修改诉求。"),
        ("leader", "finish", "只有承办部门可以办结诉求。"),
        ("leader", "close", "只有督查室或企业所在镇街可以关闭诉求。"),
    ],
)
def test_a_step_the_user_may_not_take_is_403_with_the_actions_message(
    district: District,
    login: Login,
    requests: Requests,
    request_a: ServiceRequest,
    who: str,
    step: str,
    message: str,
) -> None:
    client = login(getattr(requests, who, None) or getattr(district, who))
    for method in (client.get, client.post):
        response = method(f"/enterprises/requests/{request_a.pk}/{step}/")
        assert response.status_code == 403
        assert message in _content(response)
    request_a.refresh_from_db()
    assert request_a.status == Status.ASSIGNED


def test_a_step_the_status_does_not_allow_goes_back_to_the_request_with_the_message(
    district: District, login: Login, request_a: ServiceRequest
) -> None:
    client = login(district.clerk_a)
    response = client.get(f"/enterprises/requests/{request_a.pk}/close/", follow=True)
    assert response.redirect_chain == [(request_a.get_absolute_url(), 302)]
    assert "“已分派”状态的诉求不能关闭。" in _content(response)


def test_a_finish_dated_in_the_future_is_refused_on_the_field(
    login: Login, requests: Requests
) -> None:
    request = requests.walk(requests.submit(), Status.IN_PROGRESS)
    response = login(requests.office_clerk).post(
        f"/enterprises/requests/{request.pk}/finish/",
        {"reply": "已办", "visits": "0", "done_on": (TODAY + timedelta(days=2)).isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"done_on": ["日期不能晚于今天。"]}
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


def test_a_finish_without_a_reply_or_visits_is_refused(login: Login, requests: Requests) -> None:
    request = requests.walk(requests.submit(), Status.IN_PROGRESS)
    response = login(requests.office_clerk).post(
        f"/enterprises/requests/{request.pk}/finish/",
        {"reply": "", "visits": "-1", "done_on": TODAY.isoformat()},
    )
    assert set(response.context["form"].errors) == {"reply", "visits"}
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


def test_a_close_needs_the_enterprises_rating(
    district: District, login: Login, requests: Requests
) -> None:
    request = requests.walk(requests.submit(), Status.DONE)
    response = login(district.clerk_a).post(
        f"/enterprises/requests/{request.pk}/close/", {"closed_on": TODAY.isoformat()}
    )
    assert "satisfaction" in response.context["form"].errors
    request.refresh_from_db()
    assert request.status == Status.DONE


# Submitting and correcting ------------------------------------------------------------------


def test_the_town_takes_a_request_in_through_the_form(
    district: District, login: Login, requests: Requests
) -> None:
    client = login(district.clerk_a)
    form = client.get(f"/enterprises/requests/new/?enterprise={requests.enterprise_a.pk}")
    enterprises = form.context["form"].fields["enterprise"].queryset
    assert list(enterprises) == [requests.enterprise_a]  # not 於潜's
    assert form.context["form"]["enterprise"].value() == str(requests.enterprise_a.pk)
    response = client.post(
        "/enterprises/requests/new/",
        {
            "enterprise": requests.enterprise_a.pk,
            "category": category("人才用工").pk,
            "intake": Intake.ONLINE,
            "submitted_on": SUBMITTED.isoformat(),
            "description": "急需招聘技术工人",
        },
    )
    created = ServiceRequest.objects.get()
    assert response["Location"] == created.get_absolute_url()
    assert created.deadline == SUBMITTED + timedelta(days=10)
    assert created.steps.get().actor == district.clerk_a


def test_another_towns_enterprise_or_a_future_date_is_refused_in_the_form(
    district: District, login: Login, requests: Requests
) -> None:
    data = {
        "enterprise": requests.enterprise_b.pk,
        "category": category().pk,
        "intake": Intake.VISIT,
        "submitted_on": (TODAY + timedelta(days=1)).isoformat(),
        "description": "x",
    }
    response = login(district.clerk_a).post("/enterprises/requests/new/", data)
    assert set(response.context["form"].errors) == {"enterprise"}
    response = login(district.clerk_a).post(
        "/enterprises/requests/new/", {**data, "enterprise": requests.enterprise_a.pk}
    )
    assert response.context["form"].errors == {"submitted_on": ["日期不能晚于今天。"]}
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("who", ["office_clerk", "leader", "viewer"])
def test_who_takes_no_requests_in_gets_403_on_the_form(
    district: District, login: Login, requests: Requests, who: str
) -> None:
    client = login(getattr(requests, who, None) or getattr(district, who))
    assert client.get("/enterprises/requests/new/").status_code == 403


def test_the_town_corrects_a_request_with_a_reason(
    district: District, login: Login, request_a: ServiceRequest
) -> None:
    response = login(district.clerk_a).post(
        f"/enterprises/requests/{request_a.pk}/edit/",
        {
            "enterprise": request_a.enterprise_id,
            "category": category("要素保障").pk,
            "intake": Intake.FORUM,
            "description": "锦城企业申请施工许可（补充材料）",
            "reason": "补充诉求内容",
        },
    )
    assert response.status_code == 302
    request_a.refresh_from_db()
    assert request_a.deadline == request_a.submitted_on + timedelta(days=30)
    assert request_a.history.first().history_change_reason == "补充诉求内容"


# The queue ----------------------------------------------------------------------------------


def test_a_departments_queue_lists_its_requests_open_first_and_overdue_first(
    district: District, login: Login, requests: Requests, request_b: ServiceRequest
) -> None:
    overdue = requests.walk(requests.submit(on=TODAY - timedelta(days=20)), Status.ASSIGNED)
    fresh = requests.walk(requests.submit(on=TODAY), Status.IN_PROGRESS)
    finished = requests.walk(requests.submit(on=TODAY - timedelta(days=2)), Status.CLOSED)
    later = requests.walk(
        requests.submit(on=TODAY - timedelta(days=1), name="要素保障"), Status.ASSIGNED
    )
    client = login(requests.office_clerk)
    response = client.get("/enterprises/requests/queue/")
    rows = list(response.context["page"])
    assert [row.code for row in rows] == [overdue.code, fresh.code, later.code]
    assert request_b.code not in _content(response)  # 统计局's, not 发改局's
    assert [row.my_steps for row in rows][:2] == [[("start", "受理")], [("finish", "办结")]]
    assert response.context["totals"] == {"count": 3, "open": 3, "overdue": 1}
    assert f'href="/enterprises/requests/{overdue.pk}/start/"' in _content(response)
    everything = client.get("/enterprises/requests/queue/?all=1").context["page"]
    assert [row.code for row in everything] == [
        overdue.code,
        fresh.code,
        later.code,
        finished.code,
    ]


def test_a_towns_queue_lists_what_waits_for_the_town(
    district: District, login: Login, requests: Requests, request_a: ServiceRequest
) -> None:
    waiting = requests.submit()
    done = requests.walk(requests.submit(), Status.DONE)
    response = login(district.clerk_a).get("/enterprises/requests/queue/")
    assert {row.code for row in response.context["page"]} == {waiting.code, done.code}


# Figures and categories -----------------------------------------------------------------------


def test_the_figures_page_shows_overall_and_per_department_figures(
    district: District, login: Login, requests: Requests
) -> None:
    requests.walk(requests.submit(), Status.CLOSED, done_on=SUBMITTED + timedelta(days=1))
    requests.walk(
        requests.submit(requests.enterprise_b),
        Status.DONE,
        departments=[district.statistics],
        visits=3,
    )
    client = login(district.supervisor)
    response = client.get("/enterprises/requests/stats/")
    assert [figures.unit for figures in response.context["departments"]] == [
        district.office,
        district.statistics,
    ]
    page = _content(response)
    assert "区统计局" in page and "区发展和改革局" in page
    mine = login(district.clerk_a).get("/enterprises/requests/stats/").context
    assert mine["overall"].total == 1
    assert [figures.unit for figures in mine["departments"]] == [district.office]


def test_the_supervisor_changes_a_time_limit_with_a_reason(
    district: District, login: Login
) -> None:
    approval = category("审批服务")
    client = login(district.supervisor)
    page = _content(client.get("/enterprises/requests/categories/"))
    assert f'href="/enterprises/requests/categories/{approval.pk}/edit/"' in page
    response = client.post(
        f"/enterprises/requests/categories/{approval.pk}/edit/",
        {
            "name": "审批服务",
            "time_limit_days": "5",
            "order": "4",
            "active": "on",
            "reason": "提速",
        },
    )
    assert response["Location"] == "/enterprises/requests/categories/"
    approval.refresh_from_db()
    assert approval.time_limit_days == 5
    assert approval.history.first().history_change_reason == "提速"
    response = client.post(
        "/enterprises/requests/categories/new/",
        {"name": "审批服务", "time_limit_days": "0", "order": "9"},
    )
    assert set(response.context["form"].errors) == {"name", "time_limit_days"}
    assert ServiceCategory.objects.count() == 7


@pytest.mark.parametrize("who", ["clerk_a", "leader"])
def test_others_read_the_categories_but_may_not_change_them(
    district: District, login: Login, who: str
) -> None:
    client = login(getattr(district, who))
    page = _content(client.get("/enterprises/requests/categories/"))
    assert "审批服务" in page and "/edit/" not in page
    approval = category("审批服务")
    assert client.get(f"/enterprises/requests/categories/{approval.pk}/edit/").status_code == 403
    assert client.get("/enterprises/requests/categories/new/").status_code == 403


def test_a_second_enterprise_of_the_same_name_is_told_apart_by_its_town(
    district: District, login: Login, requests: Requests
) -> None:
    make_enterprise(district, district.town_a, "於潜竹木制品有限公司", 9)
    page = _content(login(district.supervisor).get("/enterprises/requests/new/"))
    assert "於潜竹木制品有限公司（锦城街道）" in page
    assert "於潜竹木制品有限公司（於潜镇）" in page
