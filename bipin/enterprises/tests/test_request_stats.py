"""The figures of the 最多跑一次 promise on the 统计 page equal a count made here,
independently, from the raw requests: over a set with requests on time and late, with one
visit and with many, rated and unrated, reopened, and open (some overdue), assigned to one
department or to two.

The count reads the stored rows (status, dates, visits, rating, departments) and applies
the definitions as the page's caption states them; the rates are compared as fractions, so
that the test does not share the page's rounding.
"""

import re
from collections.abc import Callable
from datetime import timedelta
from fractions import Fraction
from typing import Any

import pytest
from django.test import Client

from bipin.conftest import District
from bipin.enterprises import actions
from bipin.enterprises.choices import Satisfaction, Status
from bipin.enterprises.models import ServiceRequest
from bipin.enterprises.tests.test_request_actions import TODAY, Requests, category
from bipin.org.models import User

Login = Callable[[User], Client]


def build_the_set(district: District) -> Requests:
    """Fifteen requests of every kind the figures tell apart (审批服务 has 7 days, 要素保障
    30, 政策兑现 15; one finished on its very deadline counts as on time)."""
    requests = Requests(district)
    office, statistics = district.office, district.statistics
    walk, submit = requests.walk, requests.submit
    day = TODAY - timedelta(days=40)  # 审批服务: deadline = day + 7
    # Finished on time, one visit or none; rated 满意, 基本满意, or not yet rated.
    walk(submit(on=day), Status.CLOSED, done_on=day + timedelta(days=2), visits=0)
    walk(
        submit(on=day),
        Status.CLOSED,
        done_on=day + timedelta(days=7),
        visits=1,
        satisfaction=Satisfaction.FAIRLY,
        departments=[office, statistics],
    )
    walk(submit(on=day), Status.DONE, done_on=day + timedelta(days=5), departments=[statistics])
    # Late, with many visits; one rated 不满意 and closed so.
    walk(
        submit(on=day),
        Status.CLOSED,
        done_on=day + timedelta(days=8),
        visits=3,
        satisfaction=Satisfaction.DISSATISFIED,
    )
    walk(submit(on=day), Status.DONE, done_on=day + timedelta(days=20), visits=2)
    # Reopened: still open; and one finished again, late, after the reopening.
    reopened = walk(submit(on=day), Status.CLOSED, done_on=day + timedelta(days=3), visits=1)
    actions.do_reopen_request(reopened, actor=district.clerk_a, reason="资金未到账")
    again = walk(submit(on=day, name="政策兑现"), Status.CLOSED, done_on=day + timedelta(days=10))
    actions.do_reopen_request(again, actor=district.clerk_a, reason="不满意")
    walk(again, Status.DONE, done_on=TODAY, visits=2)
    # Open: overdue, not yet due, not yet assigned.
    walk(submit(on=TODAY - timedelta(days=30)), Status.IN_PROGRESS, departments=[statistics])
    walk(submit(on=TODAY - timedelta(days=9)), Status.ASSIGNED)
    walk(submit(on=TODAY - timedelta(days=2), name="要素保障"), Status.IN_PROGRESS)
    submit(on=TODAY - timedelta(days=1))
    # 於潜's: closed on time; assigned long ago (overdue); finished with four visits.
    walk(
        submit(requests.enterprise_b, on=day),
        Status.CLOSED,
        done_on=day + timedelta(days=1),
        visits=0,
        departments=[statistics],
    )
    walk(submit(requests.enterprise_b, on=day), Status.ASSIGNED, departments=[statistics])
    walk(submit(requests.enterprise_b, on=day, name="政策兑现"), Status.DONE, visits=4)
    return requests


def independent_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of `rows` by the definitions, from the raw fields."""
    finished = [row for row in rows if row["status"] in ("done", "closed")]
    rated = [row for row in rows if row["status"] == "closed" and row["satisfaction"]]
    open_rows = [row for row in rows if row["status"] not in ("done", "closed")]
    return {
        "total": len(rows),
        "finished": len(finished),
        "on_time": sum(1 for row in finished if row["done_on"] <= row["deadline"]),
        "one_visit": sum(1 for row in finished if row["visits"] <= 1),
        "rated": len(rated),
        "satisfied": sum(1 for row in rated if row["satisfaction"] in ("satisfied", "fairly")),
        "open": len(open_rows),
        "overdue": sum(1 for row in open_rows if row["deadline"] < TODAY),
        "ages": sorted((TODAY - row["submitted_on"]).days for row in open_rows),
    }


def raw_rows(queryset: Any) -> tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    """The requests' fields, and the rows of each department they are assigned to."""
    fields = ("pk", "status", "submitted_on", "deadline", "done_on", "visits", "satisfaction")
    rows = {row["pk"]: row for row in queryset.values(*fields)}
    by_department: dict[int, list[dict[str, Any]]] = {}
    through = ServiceRequest.departments.through.objects.filter(servicerequest__in=list(rows))
    for request_id, unit_id in through.values_list("servicerequest_id", "unit_id"):
        by_department.setdefault(unit_id, []).append(rows[request_id])
    return list(rows.values()), by_department


def page_rates(html: str) -> dict[str, dict[str, str]]:
    """The rates as the page's table shows them, by the row's first cell."""
    table = html[html.index('id="figures"') :]
    found = {}
    for row in re.findall(r"<tr[^>]*>\s*<th scope=\"row\"[^>]*>(.*?)</tr>", table, re.S):
        head = row.split("</th>")[0]
        titled = re.search(r'title="([^"]*)"', head)  # a department: its full name
        name = titled[1] if titled else re.sub(r"<[^>]+>", "", head).strip()
        found[name] = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', row))
    return found


def assert_rate(shown: str, part: int, whole: int) -> None:
    if whole == 0:
        assert shown == "—"
        return
    value = Fraction(shown.rstrip("%"))
    assert abs(value - Fraction(part * 100, whole)) <= Fraction(1, 20), (shown, part, whole)


@pytest.fixture
def the_set(district: District) -> Requests:
    return build_the_set(district)


def test_the_set_has_every_kind_of_request(the_set: Requests) -> None:
    rows, _by_department = raw_rows(ServiceRequest.objects.all())
    figures = independent_figures(rows)
    assert figures["on_time"] and figures["finished"] - figures["on_time"]
    assert figures["one_visit"] and figures["finished"] - figures["one_visit"]
    assert figures["rated"] and figures["finished"] - figures["rated"]
    assert figures["satisfied"] and figures["rated"] - figures["satisfied"]
    assert figures["overdue"] and figures["open"] - figures["overdue"]
    assert ServiceRequest.objects.filter(steps__to_status=Status.REOPENED).distinct().count() == 2
    assert ServiceRequest.objects.filter(status=Status.REOPENED).count() == 1


@pytest.mark.parametrize("who", ["supervisor", "clerk_a", "clerk_statistics"])
def test_the_pages_rates_equal_an_independent_count_of_the_raw_requests(
    district: District, login: Login, the_set: Requests, who: str
) -> None:
    user = getattr(district, who, None) or User.objects.get(username=who)
    response = login(user).get("/enterprises/requests/stats/")
    html = response.content.decode()
    rows, by_department = raw_rows(ServiceRequest.objects.restrict(user))
    expected = independent_figures(rows)
    shown = page_rates(html)

    overall = response.context["overall"]
    for key in ("total", "finished", "on_time", "one_visit", "rated", "satisfied", "open"):
        assert getattr(overall, key) == expected[key], key
    assert overall.overdue == expected["overdue"]
    assert sorted(overall.open_ages) == expected["ages"]
    assert overall.oldest_age == max(expected["ages"])
    assert_rate(shown["全部"]["on_time_rate"], expected["on_time"], expected["finished"])
    assert_rate(shown["全部"]["one_visit_rate"], expected["one_visit"], expected["finished"])
    assert_rate(shown["全部"]["satisfaction_rate"], expected["satisfied"], expected["rated"])
    headline = html[html.index('id="headline"') : html.index('id="figures"')]
    found = re.search(r'data-figure="on_time_rate">([^<]*)<', headline)
    assert found is not None and found[1] == shown["全部"]["on_time_rate"]

    departments = {figures.unit.name: figures for figures in response.context["departments"]}
    assert set(departments) == {district.office.name, district.statistics.name} & {
        unit.name for unit in (district.office, district.statistics) if unit.pk in by_department
    }
    for unit in (district.office, district.statistics):
        if unit.pk not in by_department:
            continue
        counted = independent_figures(by_department[unit.pk])
        figures = departments[unit.name]
        assert (figures.finished, figures.on_time, figures.one_visit) == (
            counted["finished"],
            counted["on_time"],
            counted["one_visit"],
        )
        assert (figures.open, figures.overdue) == (counted["open"], counted["overdue"])
        assert_rate(shown[unit.name]["on_time_rate"], counted["on_time"], counted["finished"])
        assert_rate(shown[unit.name]["one_visit_rate"], counted["one_visit"], counted["finished"])
        assert_rate(shown[unit.name]["satisfaction_rate"], counted["satisfied"], counted["rated"])


def test_the_figures_follow_the_date_range_and_category_filter(
    district: District, login: Login, the_set: Requests
) -> None:
    since = TODAY - timedelta(days=30)
    policy = category("政策兑现")
    client = login(district.supervisor)
    for query, queryset in (
        (
            f"?submitted_from={since.isoformat()}",
            ServiceRequest.objects.filter(submitted_on__gte=since),
        ),
        (f"?category={policy.pk}", ServiceRequest.objects.filter(category=policy)),
    ):
        response = client.get(f"/enterprises/requests/stats/{query}")
        rows, _by_department = raw_rows(queryset)
        expected = independent_figures(rows)
        overall = response.context["overall"]
        assert (overall.total, overall.finished, overall.on_time, overall.one_visit) == (
            expected["total"],
            expected["finished"],
            expected["on_time"],
            expected["one_visit"],
        ), query
        shown = page_rates(response.content.decode())
        assert_rate(shown["全部"]["on_time_rate"], expected["on_time"], expected["finished"])


def test_a_rate_over_nothing_is_shown_as_a_dash(district: District, login: Login) -> None:
    requests = Requests(district)
    requests.walk(requests.submit(), Status.ASSIGNED)
    shown = page_rates(
        login(district.supervisor).get("/enterprises/requests/stats/").content.decode()
    )
    assert shown["全部"] == {"on_time_rate": "—", "one_visit_rate": "—", "satisfaction_rate": "—"}
