"""The alert pages: the supervisor's overview with its unit × rule matrix and filters, a
unit's alerts, my alerts, an alert's page with its finding, history and messages, and the
acknowledge, respond and close forms, and the Excel export.

The alerts are real: the 注册 milestone of a 锦城 project and of a 於潜 project, overdue on
OVERDUE_DAY, found by a pass of the "节点逾期" rule. Every page is checked for a user who
may use it, a user who may see but not change (403), another unit's alert (404) and the
big screen (viewer), who sees no alert at all.
"""

from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from bipin.alerts.choices import AlertStatus, Escalation, EventKind, Severity
from bipin.alerts.engine import run_rules
from bipin.alerts.models import Alert, Rule
from bipin.alerts.tests.conftest import OVERDUE_DAY
from bipin.conftest import District
from bipin.org.models import User
from bipin.projects.models import Project

Login = Callable[[User], Client]


def _content(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def overdue_rule(make_rule: Callable[..., Rule]) -> Rule:
    return make_rule("milestone_overdue", name="节点逾期")


@pytest.fixture
def alerts(
    district: District,
    overdue_rule: Rule,
    signed_project: Callable[..., Project],
) -> dict[str, Alert]:
    """锦城's and 於潜's overdue 注册 milestones, as a pass on OVERDUE_DAY raises them."""
    signed_project("年产5000万片MEMS传感器芯片项目")
    signed_project("於潜竹木精深加工项目", unit=district.town_b)
    run_rules(OVERDUE_DAY, rules=[overdue_rule])
    return {
        "a": Alert.objects.get(unit=district.town_a),
        "b": Alert.objects.get(unit=district.town_b),
    }


# The overview ------------------------------------------------------------------------------


def test_supervisor_overview_counts_red_by_unit_and_rule_and_lists_oldest_first(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    response = login(district.supervisor).get(reverse("alerts:list"))
    assert response.status_code == 200
    matrix = response.context["matrix"]
    assert [row.unit for row in matrix.rows] == [district.town_a, district.town_b]
    assert [rule.name for rule in matrix.rules] == ["节点逾期"]
    assert [cell.red for _rule, cell in matrix.rows[0].cells] == [1]
    assert (matrix.total.red, matrix.total.yellow, matrix.total.reminder) == (2, 0, 0)
    assert list(response.context["page"]) == [alerts["a"], alerts["b"]]
    body = _content(response)
    assert "年产5000万片MEMS传感器芯片项目 · 注册" in body
    assert f"?unit={district.town_a.pk}&amp;rule={alerts['a'].rule_id}&amp;severity=red" in body


def test_leader_sees_the_overview_read_only(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    client = login(district.leader)
    assert list(client.get(reverse("alerts:list")).context["page"]) == [alerts["a"], alerts["b"]]
    page = client.get(alerts["a"].get_absolute_url())
    assert page.status_code == 200
    assert page.context["acknowledge_form"] is None
    assert page.context["close_form"] is None
    url = reverse("alerts:acknowledge", args=[alerts["a"].pk])
    response = client.post(url, {"remedy": "督促", "remedy_due": "2099-01-01"})
    assert response.status_code == 403
    assert Alert.objects.get(pk=alerts["a"].pk).status == AlertStatus.OPEN


def test_overview_filters_by_unit_severity_status_and_escalation(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    client = login(district.supervisor)
    url = reverse("alerts:list")

    def listed(**query: Any) -> list[Alert]:
        return list(client.get(url, query).context["page"])

    assert listed(unit=district.town_b.pk) == [alerts["b"]]
    assert listed(severity=Severity.YELLOW) == []
    assert listed(severity=Severity.RED, rule=alerts["a"].rule_id) == [alerts["a"], alerts["b"]]
    assert listed(escalation=Escalation.MANAGER) == []
    assert listed(q="於潜竹木") == [alerts["b"]]
    assert listed(status=AlertStatus.RESOLVED) == []
    # A unit filter takes the unit's sub-units; the district holds both towns.
    assert listed(unit=district.district.pk) == [alerts["a"], alerts["b"]]


def test_htmx_filtering_renders_the_rows_only(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    response = login(district.supervisor).get(
        reverse("alerts:list"), {"unit": district.town_b.pk}, HTTP_HX_REQUEST="true"
    )
    body = _content(response)
    assert "於潜竹木精深加工项目" in body
    assert "年产5000万片MEMS传感器芯片项目" not in body
    assert 'id="alert-matrix"' not in body
    assert "<html" not in body


def test_overview_query_count_does_not_grow_with_the_alerts(
    login: Login,
    district: District,
    alerts: dict[str, Alert],
    overdue_rule: Rule,
    signed_project: Callable[..., Project],
) -> None:
    client = login(district.supervisor)
    url = reverse("alerts:list")
    client.get(url)  # warms the content type cache
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(4):
        signed_project(f"测试项目{number}", unit=district.town_b)
    run_rules(OVERDUE_DAY, rules=[overdue_rule])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["page"].paginator.count == 6
    assert len(many) == len(few)


def test_unit_people_see_their_units_alerts_on_the_list(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    client = login(district.clerk_a)
    response = client.get(reverse("alerts:list"), {"severity": "red"})
    unit_url = reverse("alerts:unit", args=[district.town_a.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{unit_url}?severity=red"
    page = client.get(unit_url)
    assert list(page.context["page"]) == [alerts["a"]]
    assert [row.unit for row in page.context["matrix"].rows] == [district.town_a]


def test_another_units_alerts_are_not_found(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    client = login(district.clerk_a)
    assert client.get(reverse("alerts:unit", args=[district.town_b.pk])).status_code == 404
    assert client.get(alerts["b"].get_absolute_url()).status_code == 404
    url = reverse("alerts:acknowledge", args=[alerts["b"].pk])
    assert client.post(url, {"remedy": "x", "remedy_due": "2099-01-01"}).status_code == 404
    # A town's clerk chooses among the units it may see only.
    response = client.get(
        reverse("alerts:unit", args=[district.town_a.pk]), {"unit": district.town_b.pk}
    )
    assert list(response.context["page"]) == [alerts["a"]]


def test_the_big_screen_sees_no_alert(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    client = login(district.viewer)
    response = client.get(reverse("alerts:list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert client.get(alerts["a"].get_absolute_url()).status_code == 404
    assert client.get(reverse("alerts:unit", args=[district.town_a.pk])).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(alerts: dict[str, Alert]) -> None:
    response = Client().get(alerts["a"].get_absolute_url())
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# My alerts ---------------------------------------------------------------------------------


def test_my_alerts_are_mine_as_responsible_and_as_escalated_to(
    login: Login, district: District, alerts: dict[str, Alert], overdue_rule: Rule
) -> None:
    assert list(login(district.clerk_a).get(reverse("alerts:mine")).context["page"]) == [
        alerts["a"]
    ]
    assert list(login(district.manager_a).get(reverse("alerts:mine")).context["page"]) == []
    # Unanswered past the rule's days, it goes up to the unit's manager.
    run_rules(OVERDUE_DAY + timedelta(days=4), rules=[overdue_rule])
    response = login(district.manager_a).get(reverse("alerts:mine"))
    assert list(response.context["page"]) == [alerts["a"]]
    assert response.context["counts"]["red"] == 1


def test_my_alerts_list_the_standing_before_the_resolved(
    login: Login, district: District, alerts: dict[str, Alert], signed_project: Any
) -> None:
    from bipin.alerts.actions import do_close_alert

    signed_project("锦城第二个项目")
    run_rules(OVERDUE_DAY, rules=[alerts["a"].rule])
    first, second = Alert.objects.filter(unit=district.town_a).order_by("pk")
    do_close_alert(first, reason="已核实完成注册", actor=district.supervisor)
    response = login(district.clerk_a).get(reverse("alerts:mine"))
    assert list(response.context["page"]) == [second, first]
    assert response.context["counts"]["red"] == 1


# The alert's page --------------------------------------------------------------------------


def test_alert_page_says_the_finding_its_facts_history_and_messages(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    alert = alerts["a"]
    response = login(district.supervisor).get(alert.get_absolute_url())
    assert response.status_code == 200
    body = _content(response)
    assert alert.describe() in body
    assert "已逾期 10 天" in body
    assert ("计划日期", "2026-04-02") in response.context["facts"]
    project = Project.objects.get(name="年产5000万片MEMS传感器芯片项目")
    assert response.context["subject_url"] == project.get_absolute_url()
    assert [event.kind for event in response.context["events"]] == [EventKind.OPENED]
    recipients = [n.recipient for n in response.context["notifications"]]
    assert recipients == [district.clerk_a]
    assert response.context["close_form"] is not None


def test_alert_page_shows_others_only_their_own_messages(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    response = login(district.manager_a).get(alerts["a"].get_absolute_url())
    assert response.status_code == 200
    assert list(response.context["notifications"]) == []
    assert response.context["acknowledge_form"] is not None
    assert response.context["close_form"] is None
    mine = login(district.clerk_a).get(alerts["a"].get_absolute_url())
    assert [n.recipient for n in mine.context["notifications"]] == [district.clerk_a]


def test_alert_page_query_count_is_bounded(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    client = login(district.supervisor)
    client.get(alerts["a"].get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        client.get(alerts["a"].get_absolute_url())
    assert len(queries) <= 14


# Forms -------------------------------------------------------------------------------------


def test_clerk_acknowledges_with_a_remedy_and_a_date(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    due = timezone.localdate() + timedelta(days=10)
    response = login(district.clerk_a).post(
        reverse("alerts:acknowledge", args=[alerts["a"].pk]),
        {"remedy": "约谈项目业主，督促完成工商注册", "remedy_due": due.isoformat()},
    )
    assert response.status_code == 302
    assert response["Location"] == alerts["a"].get_absolute_url()
    alert = Alert.objects.get(pk=alerts["a"].pk)
    assert (alert.status, alert.remedy, alert.remedy_due) == (
        AlertStatus.ACKNOWLEDGED,
        "约谈项目业主，督促完成工商注册",
        due,
    )
    assert alert.acknowledged_by == district.clerk_a
    assert alert.events.filter(kind=EventKind.ACKNOWLEDGED, actor=district.clerk_a).exists()


def test_acknowledge_errors_are_shown_at_the_field_and_nothing_is_saved(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    client = login(district.clerk_a)
    url = reverse("alerts:acknowledge", args=[alerts["a"].pk])
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(url, {"remedy": "督促注册", "remedy_due": yesterday.isoformat()})
    assert response.status_code == 200
    assert response.context["form"].errors["remedy_due"] == ["计划完成日期不能早于今天"]
    response = client.post(url, {"remedy": "", "remedy_due": "bad"})
    assert set(response.context["form"].errors) == {"remedy", "remedy_due"}
    alert = Alert.objects.get(pk=alerts["a"].pk)
    assert (alert.status, alert.remedy) == (AlertStatus.OPEN, "")
    assert not alert.events.filter(kind=EventKind.ACKNOWLEDGED).exists()


def test_an_acknowledged_alert_cannot_be_acknowledged_again(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    client = login(district.clerk_a)
    url = reverse("alerts:acknowledge", args=[alerts["a"].pk])
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    client.post(url, {"remedy": "督促注册", "remedy_due": due})
    response = client.post(url, {"remedy": "再次认领", "remedy_due": due})
    assert response.status_code == 200
    assert "不能再认领" in str(response.context["form"].non_field_errors())
    assert Alert.objects.get(pk=alerts["a"].pk).remedy == "督促注册"


def test_clerk_answers_in_writing_and_an_empty_answer_is_refused(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    client = login(district.clerk_a)
    url = reverse("alerts:respond", args=[alerts["a"].pk])
    response = client.post(url, {"response": "  "})
    assert response.status_code == 200
    assert "response" in response.context["form"].errors
    assert Alert.objects.get(pk=alerts["a"].pk).response == ""
    response = client.post(url, {"response": "已约谈业主，材料下周报送"})
    assert response.status_code == 302
    alert = Alert.objects.get(pk=alerts["a"].pk)
    assert alert.response == "已约谈业主，材料下周报送"
    assert alert.events.filter(kind=EventKind.RESPONDED).count() == 1


def test_only_the_supervisor_closes_an_alert_and_says_why(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    url = reverse("alerts:close", args=[alerts["a"].pk])
    assert login(district.clerk_a).post(url, {"reason": "已注册"}).status_code == 403
    assert login(district.manager_a).get(url).status_code == 403
    assert login(district.clerk_b).post(url, {"reason": "已注册"}).status_code == 404
    client = login(district.supervisor)
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert Alert.objects.get(pk=alerts["a"].pk).status == AlertStatus.OPEN
    assert client.post(url, {"reason": "已核实完成注册"}).status_code == 302
    alert = Alert.objects.get(pk=alerts["a"].pk)
    assert (alert.status, alert.resolved_by) == (AlertStatus.RESOLVED, district.supervisor)
    # A resolved alert offers no form any more.
    page = client.get(alert.get_absolute_url())
    assert page.context["respond_form"] is None
    assert page.context["close_form"] is None


# Export and the unit's page ------------------------------------------------------------------


def test_export_writes_the_filtered_list_read_back_by_another_library(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    response = login(district.supervisor).get(
        reverse("alerts:export"), {"unit": district.town_b.pk}
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[1][:5] == ["预警编号", "预警级别", "预警规则", "预警对象", "责任单位"]
    assert len(rows) == 3
    assert rows[2][3] == "於潜竹木精深加工项目 · 注册"
    assert rows[2][4] == "於潜镇"


def test_export_is_scoped_to_what_the_user_sees(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    response = login(district.clerk_a).get(reverse("alerts:export"))
    rows = CalamineWorkbook.from_filelike(BytesIO(response.content)).get_sheet_by_index(0)
    subjects = [row[3] for row in rows.to_python()[2:]]
    assert subjects == ["年产5000万片MEMS传感器芯片项目 · 注册"]


def test_unit_page_shows_its_standing_alerts_to_who_may_see_them(
    login: Login, district: District, alerts: dict[str, Alert]
) -> None:
    url = district.town_a.get_absolute_url()
    body = _content(login(district.clerk_a).get(url))
    assert 'id="alerts"' in body
    assert reverse("alerts:unit", args=[district.town_a.pk]) in body
    assert 'id="alerts"' not in _content(login(district.viewer).get(url))
