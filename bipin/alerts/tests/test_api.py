"""督查预警's API: the alert list (the overview's filters, oldest first), an alert's detail,
the units' answers and the supervisor's close, the standing counts, the rules and their
kinds, and a person's messages.

Each endpoint is called by session and by personal token: a user who may use it, a user
who may see but not change (403), another town's alert or another person's message (404,
the same answer as for one that does not exist). The actions' refusals answer 400 naming
the field; malformed input 422.

The cases: 锦城 (town_a) and 於潜 (town_b) each have a project whose 开工 milestone is 30
days overdue (red), and 锦城 a second one whose 投产 is due in 5 days (a reminder).
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openapi_spec_validator import validate

from bipin.alerts.actions import do_close_alert, do_save_rule
from bipin.alerts.choices import AlertStatus, EventKind, Severity
from bipin.alerts.engine import run_rules
from bipin.alerts.models import Alert, Notification, Rule
from bipin.alerts.rules import rule_kinds
from bipin.conftest import District
from bipin.org.models import Unit
from bipin.org.tests.test_api import Api
from bipin.projects.choices import Channel, Stage
from bipin.projects.models import Industry, Milestone, Project

NOT_FOUND = "未找到该对象，或您无权访问。"
TODAY = timezone.localdate()


class Api2(Api):
    """The shared API client, with PUT."""

    def put(self, url: str, payload: Any) -> Any:
        return self.client.put(url, payload, content_type="application/json", **self.headers)


@pytest.fixture(params=["session", "token"])
def api(request: pytest.FixtureRequest, district: District) -> Any:
    """`api(district.clerk_a)` calls the API as clerk_a, once by session, once by token."""
    return lambda user: Api2(user, request.param)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _refused(response: Any, status: int) -> dict[str, str]:
    """The refusal's messages by field."""
    assert response.status_code == status, response.content.decode()
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def _project(unit: Unit, code: str, name: str) -> Project:
    return Project.objects.create(
        code=code,
        name=name,
        investor_name="杭州某科技有限公司",
        industry=Industry.objects.get(code="39"),
        channel=Channel.DOOR_TO_DOOR,
        contracted_investment=Decimal("12000"),
        responsible_unit=unit,
        stage=Stage.SIGNED,
        signed_on=TODAY - timedelta(days=200),
    )


def _rule(district: District, kind: str, name: str, severity: str) -> Rule:
    return do_save_rule(
        None,
        kind=kind,
        name=name,
        severity=severity,
        params={},
        escalate_after_days=3,
        active=True,
        actor=district.supervisor,
    )


class Cases:
    def __init__(self, district: District) -> None:
        self.overdue = _rule(district, "milestone_overdue", "项目节点逾期", Severity.RED)
        self.due_soon = _rule(district, "milestone_due_soon", "项目节点临期", Severity.REMINDER)
        jincheng = _project(district.town_a, "LA-T-001", "锦城智能终端项目")
        yuqian = _project(district.town_b, "LA-T-002", "於潜竹木精深加工项目")
        for project in (jincheng, yuqian):
            Milestone.objects.create(
                project=project, stage=Stage.STARTED, planned_on=TODAY - timedelta(days=30)
            )
        soon = _project(district.town_a, "LA-T-003", "锦城新材料项目")
        Milestone.objects.create(
            project=soon, stage=Stage.STARTED, planned_on=TODAY + timedelta(days=5)
        )
        run_rules(TODAY)
        self.red_a = Alert.objects.get(unit=district.town_a, rule=self.overdue)
        self.red_b = Alert.objects.get(unit=district.town_b, rule=self.overdue)
        self.reminder_a = Alert.objects.get(rule=self.due_soon)


@pytest.fixture
def cases(district: District) -> Cases:
    return Cases(district)


def _ids(response: Any) -> list[int]:
    return [item["id"] for item in _ok(response)["items"]]


# The list ----------------------------------------------------------------------------------


def test_the_api_refuses_a_caller_without_credentials(cases: Cases) -> None:
    for url in ("/api/alerts", "/api/rules", "/api/notifications", "/api/alerts/summary"):
        response = Client().get(url)
        assert response.status_code == 401
        assert "API 令牌" in response.json()["detail"]
    response = Client().post(
        f"/api/alerts/{cases.red_a.pk}/acknowledge",
        {"remedy": "x", "remedy_due": str(TODAY)},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert Alert.objects.get(pk=cases.red_a.pk).status == AlertStatus.OPEN


def test_a_towns_clerk_lists_only_the_towns_alerts(
    district: District, cases: Cases, api: Any
) -> None:
    assert set(_ids(api(district.clerk_a).get("/api/alerts"))) == {
        cases.red_a.pk,
        cases.reminder_a.pk,
    }
    assert _ids(api(district.clerk_b).get("/api/alerts")) == [cases.red_b.pk]


def test_supervisor_and_leader_list_every_alert_the_viewer_and_a_department_none(
    district: District, cases: Cases, api: Any
) -> None:
    every = {cases.red_a.pk, cases.red_b.pk, cases.reminder_a.pk}
    assert set(_ids(api(district.supervisor).get("/api/alerts"))) == every
    assert set(_ids(api(district.leader).get("/api/alerts"))) == every
    assert _ids(api(district.viewer).get("/api/alerts")) == []
    assert _ids(api(district.provider).get("/api/alerts")) == []


def test_an_alert_in_the_list_says_what_who_and_since_when(
    district: District, cases: Cases, api: Any
) -> None:
    items = _ok(api(district.clerk_b).get("/api/alerts"))["items"]
    assert len(items) == 1
    row = items[0]
    assert row["rule_name"] == "项目节点逾期"
    assert row["rule_kind"] == "milestone_overdue"
    assert row["subject_type"] == "projects.milestone"
    assert row["subject_label"] == "於潜竹木精深加工项目 · 开工"
    assert (row["unit_id"], row["unit_name"]) == (district.town_b.pk, "於潜镇")
    assert (row["responsible_id"], row["responsible_name"]) == (district.clerk_b.pk, "於潜填报员")
    assert (row["severity"], row["severity_label"]) == ("red", "红色预警")
    assert (row["status"], row["status_label"]) == ("open", "待处理")
    assert row["opened_on"] == TODAY.isoformat()
    assert row["days_open"] == 0
    assert (row["escalation"], row["escalation_label"]) == (0, "责任人")


def test_the_list_is_oldest_first(district: District, cases: Cases, api: Any) -> None:
    # The reminder was opened first: a pass ten days ago found it alone.
    Alert.objects.filter(pk=cases.reminder_a.pk).update(opened_on=TODAY - timedelta(days=10))
    Alert.objects.filter(pk=cases.red_b.pk).update(opened_on=TODAY - timedelta(days=3))
    assert _ids(api(district.supervisor).get("/api/alerts")) == [
        cases.reminder_a.pk,
        cases.red_b.pk,
        cases.red_a.pk,
    ]


def test_the_list_takes_the_overviews_filters(district: District, cases: Cases, api: Any) -> None:
    do_close_alert(cases.red_b, reason="已开工，系统数据未及时更新", actor=district.supervisor)
    supervisor = api(district.supervisor)

    def ids(**params: Any) -> set[int]:
        return set(_ids(supervisor.get("/api/alerts", params)))

    assert ids(severity="reminder") == {cases.reminder_a.pk}
    assert ids(severity="red") == {cases.red_a.pk, cases.red_b.pk}
    assert ids(rule=cases.due_soon.pk) == {cases.reminder_a.pk}
    assert ids(unit=district.town_b.pk) == {cases.red_b.pk}
    assert ids(unit=district.district.pk) == {cases.red_a.pk, cases.red_b.pk, cases.reminder_a.pk}
    assert ids(status="resolved") == {cases.red_b.pk}
    assert ids(standing="true") == {cases.red_a.pk, cases.reminder_a.pk}
    assert ids(standing="false") == {cases.red_b.pk}
    assert ids(status="open", standing="true") == {cases.red_a.pk, cases.reminder_a.pk}
    assert ids(escalation=1) == set()
    assert ids(q="於潜") == {cases.red_b.pk}


def test_the_list_refuses_another_towns_unit_like_an_unknown_one(
    district: District, cases: Cases, api: Any
) -> None:
    errors = _refused(api(district.clerk_a).get("/api/alerts", {"unit": district.town_b.pk}), 400)
    assert set(errors) == {"unit"}
    unknown = _refused(api(district.clerk_a).get("/api/alerts", {"unit": 999999}), 400)
    assert unknown == errors


def test_the_list_rejects_an_unknown_severity_with_422_and_an_unknown_period_with_400(
    district: District, cases: Cases, api: Any
) -> None:
    errors = _refused(api(district.supervisor).get("/api/alerts", {"severity": "purple"}), 422)
    assert set(errors) == {"severity"}
    errors = _refused(api(district.supervisor).get("/api/alerts", {"period": "2020"}), 400)
    assert set(errors) == {"period"}


def test_the_list_query_count_does_not_grow_with_the_alerts(
    district: District, cases: Cases
) -> None:
    client = Api2(district.supervisor, "session")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            _ok(client.get("/api/alerts"))
        return len(queries)

    before = count()
    for number in range(6):
        project = _project(district.town_a, f"LA-T-1{number:02d}", f"锦城测试项目{number}")
        Milestone.objects.create(
            project=project, stage=Stage.LAND, planned_on=TODAY - timedelta(days=number + 1)
        )
    run_rules(TODAY)
    assert Alert.objects.count() == 9
    assert count() == before


# An alert ----------------------------------------------------------------------------------


def test_a_towns_clerk_opens_the_towns_alert_with_its_finding_and_history(
    district: District, cases: Cases, api: Any
) -> None:
    alert = _ok(api(district.clerk_a).get(f"/api/alerts/{cases.red_a.pk}"))
    assert alert["description"] == (
        f"锦城智能终端项目 的“开工”节点计划于 {(TODAY - timedelta(days=30)).isoformat()} "
        "完成，已逾期 30 天"
    )
    assert alert["facts"]["planned_on"] == (TODAY - timedelta(days=30)).isoformat()
    assert alert["facts"]["stage"] == "started"
    assert [(event["kind"], event["actor_id"]) for event in alert["events"]] == [("opened", None)]


def test_another_towns_alert_is_404_like_an_unknown_one(
    district: District, cases: Cases, api: Any
) -> None:
    for user in (district.clerk_b, district.viewer, district.provider):
        response = api(user).get(f"/api/alerts/{cases.red_a.pk}")
        assert response.status_code == 404
        assert response.json()["detail"] == NOT_FOUND
    assert api(district.clerk_a).get("/api/alerts/999999").status_code == 404


# Answers -----------------------------------------------------------------------------------


def test_the_towns_clerk_acknowledges_with_a_remedy_and_a_date(
    district: District, cases: Cases, api: Any
) -> None:
    due = TODAY + timedelta(days=20)
    alert = _ok(
        api(district.clerk_a).post(
            f"/api/alerts/{cases.red_a.pk}/acknowledge",
            {"remedy": "协调施工许可，本月内开工", "remedy_due": due.isoformat()},
        )
    )
    assert (alert["status"], alert["remedy"], alert["remedy_due"]) == (
        "acknowledged",
        "协调施工许可，本月内开工",
        due.isoformat(),
    )
    assert alert["acknowledged_by_id"] == district.clerk_a.pk
    assert [event["kind"] for event in alert["events"]] == ["opened", "acknowledged"]
    assert alert["events"][-1]["actor_name"] == "锦城填报员"
    # Acknowledged once: a second time is refused with the reason.
    again = api(district.clerk_a).post(
        f"/api/alerts/{cases.red_a.pk}/acknowledge",
        {"remedy": "再次认领", "remedy_due": due.isoformat()},
    )
    assert again.status_code == 400
    assert "已认领" in again.json()["detail"]


def test_an_acknowledgement_without_a_remedy_or_with_a_past_date_names_the_fields(
    district: District, cases: Cases, api: Any
) -> None:
    response = api(district.clerk_a).post(
        f"/api/alerts/{cases.red_a.pk}/acknowledge",
        {"remedy": "  ", "remedy_due": (TODAY - timedelta(days=1)).isoformat()},
    )
    assert _refused(response, 400) == {
        "remedy": "请填写整改措施",
        "remedy_due": "计划完成日期不能早于今天",
    }
    malformed = api(district.clerk_a).post(
        f"/api/alerts/{cases.red_a.pk}/acknowledge", {"remedy": "整改", "remedy_due": "下个月"}
    )
    assert set(_refused(malformed, 422)) == {"remedy_due"}
    assert Alert.objects.get(pk=cases.red_a.pk).status == AlertStatus.OPEN


def test_a_leader_sees_but_may_not_answer_and_another_town_gets_404(
    district: District, cases: Cases, api: Any
) -> None:
    due = (TODAY + timedelta(days=5)).isoformat()
    url = f"/api/alerts/{cases.red_a.pk}"
    leader = api(district.leader)
    assert leader.post(f"{url}/acknowledge", {"remedy": "x", "remedy_due": due}).status_code == 403
    assert leader.post(f"{url}/respond", {"response": "x"}).status_code == 403
    clerk_b = api(district.clerk_b)
    for path, payload in (
        ("acknowledge", {"remedy": "x", "remedy_due": due}),
        ("respond", {"response": "x"}),
        ("close", {"reason": "x"}),
    ):
        response = clerk_b.post(f"{url}/{path}", payload)
        assert response.status_code == 404
        assert response.json()["detail"] == NOT_FOUND
    fresh = Alert.objects.get(pk=cases.red_a.pk)
    assert (fresh.status, fresh.response) == (AlertStatus.OPEN, "")


def test_the_towns_clerk_responds_in_writing(district: District, cases: Cases, api: Any) -> None:
    url = f"/api/alerts/{cases.red_a.pk}/respond"
    alert = _ok(api(district.clerk_a).post(url, {"response": "施工许可已于上周受理"}))
    assert alert["response"] == "施工许可已于上周受理"
    assert alert["events"][-1]["kind"] == "responded"
    assert _refused(api(district.clerk_a).post(url, {"response": ""}), 400) == {
        "response": "请填写回复内容"
    }


def test_only_the_supervisor_closes_an_alert_and_with_a_reason(
    district: District, cases: Cases, api: Any
) -> None:
    url = f"/api/alerts/{cases.red_a.pk}/close"
    refused = api(district.clerk_a).post(url, {"reason": "已开工"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "只有督查室可以人工解除预警"
    assert api(district.leader).post(url, {"reason": "已开工"}).status_code == 403
    assert _refused(api(district.supervisor).post(url, {"reason": " "}), 400) == {
        "reason": "请填写解除原因"
    }
    alert = _ok(api(district.supervisor).post(url, {"reason": "已开工，系统数据未及时更新"}))
    assert (alert["status"], alert["resolved_on"], alert["resolved_by_id"]) == (
        "resolved",
        TODAY.isoformat(),
        district.supervisor.pk,
    )
    assert alert["events"][-1]["kind"] == EventKind.CLOSED
    assert alert["events"][-1]["note"] == "已开工，系统数据未及时更新"
    again = api(district.supervisor).post(url, {"reason": "再次解除"})
    assert again.status_code == 400


# Summary -----------------------------------------------------------------------------------


def test_the_summary_counts_standing_alerts_by_unit_and_by_rule(
    district: District, cases: Cases, api: Any
) -> None:
    do_close_alert(cases.red_b, reason="已开工", actor=district.supervisor)
    summary = _ok(api(district.supervisor).get("/api/alerts/summary"))
    assert summary["totals"] == {"red": 1, "yellow": 0, "reminder": 1, "total": 2}
    assert [
        (row["unit_name"], row["red"], row["reminder"], row["total"]) for row in summary["by_unit"]
    ] == [("锦城街道", 1, 1, 2)]
    assert [(row["rule_name"], row["red"], row["reminder"]) for row in summary["by_rule"]] == [
        ("项目节点逾期", 1, 0),
        ("项目节点临期", 0, 1),
    ]


def test_the_summary_is_scoped_like_the_list(district: District, cases: Cases, api: Any) -> None:
    clerk_b = _ok(api(district.clerk_b).get("/api/alerts/summary"))
    assert clerk_b["totals"] == {"red": 1, "yellow": 0, "reminder": 0, "total": 1}
    assert [row["unit_id"] for row in clerk_b["by_unit"]] == [district.town_b.pk]
    viewer = _ok(api(district.viewer).get("/api/alerts/summary"))
    assert viewer == {
        "totals": {"red": 0, "yellow": 0, "reminder": 0, "total": 0},
        "by_unit": [],
        "by_rule": [],
    }


# Rules -------------------------------------------------------------------------------------


def test_the_rule_kinds_come_with_their_parameters(district: District, api: Any) -> None:
    kinds = _ok(api(district.clerk_a).get("/api/rule-kinds"))
    assert [kind["key"] for kind in kinds] == list(rule_kinds)
    due_soon = next(kind for kind in kinds if kind["key"] == "milestone_due_soon")
    assert (due_soon["label"], due_soon["default_severity"], due_soon["graded"]) == (
        "节点临期提醒",
        "reminder",
        False,
    )
    assert due_soon["params"] == [
        {
            "name": "days",
            "label": "提前天数",
            "integer": True,
            "default": 15,
            "minimum": 1,
            "maximum": 365,
            "help_text": "",
        }
    ]
    decimals = [
        param for kind in kinds for param in kind["params"] if not param["integer"]
    ]  # bands of the graded kinds: decimal strings, never floats
    assert decimals
    assert all(isinstance(param["default"], str) for param in decimals)


def test_everyone_signed_in_reads_the_rules(district: District, cases: Cases, api: Any) -> None:
    for user in (district.clerk_b, district.provider, district.viewer):
        rules = _ok(api(user).get("/api/rules"))
        assert [rule["name"] for rule in rules] == ["项目节点逾期", "项目节点临期"]
    rule = _ok(api(district.viewer).get(f"/api/rules/{cases.due_soon.pk}"))
    assert (rule["kind_label"], rule["params"], rule["standing_count"]) == (
        "节点临期提醒",
        {"days": 15},
        1,
    )
    assert api(district.viewer).get("/api/rules/999999").status_code == 404


def _new_rule(**changes: Any) -> dict[str, Any]:
    return {
        "kind": "project_stalled",
        "name": "项目 60 天无进展",
        "severity": "yellow",
        "params": {"days": 60},
        "escalate_after_days": 5,
        **changes,
    }


def test_the_supervisor_creates_a_rule(district: District, api: Any) -> None:
    rule = _ok(api(district.supervisor).post("/api/rules", _new_rule()), 201)
    assert (rule["kind"], rule["name"], rule["params"], rule["escalate_after_days"]) == (
        "project_stalled",
        "项目 60 天无进展",
        {"days": 60},
        5,
    )
    assert Rule.objects.get(pk=rule["id"]).params == {"days": 60}


def test_a_rule_without_severity_takes_its_kinds_default(district: District, api: Any) -> None:
    payload = _new_rule(kind="milestone_due_soon", name="节点 7 天内到期", params={"days": 7})
    del payload["severity"]
    rule = _ok(api(district.supervisor).post("/api/rules", payload), 201)
    assert rule["severity"] == "reminder"


def test_only_the_supervisor_writes_rules(district: District, cases: Cases, api: Any) -> None:
    for user in (district.leader, district.clerk_a, district.viewer):
        assert api(user).post("/api/rules", _new_rule()).status_code == 403
        response = api(user).put(f"/api/rules/{cases.due_soon.pk}", _new_rule(name="改名"))
        assert response.status_code == 403
    assert not Rule.objects.filter(name__in=["项目 60 天无进展", "改名"]).exists()


def test_a_bad_rule_is_refused_naming_the_parameter(
    district: District, cases: Cases, api: Any
) -> None:
    supervisor = api(district.supervisor)
    out_of_range = _refused(supervisor.post("/api/rules", _new_rule(params={"days": 0})), 400)
    assert out_of_range == {"params.days": "停滞天数：0 超出允许范围（1 至 3650）"}
    not_a_number = _refused(supervisor.post("/api/rules", _new_rule(params={"days": "三十"})), 400)
    assert not_a_number == {"params.days": "停滞天数：“三十”不是数字"}
    assert set(_refused(supervisor.post("/api/rules", _new_rule(name="项目节点逾期")), 400)) == {
        "name"
    }
    assert set(_refused(supervisor.post("/api/rules", _new_rule(kind="weather")), 400)) == {"kind"}
    zero_days = supervisor.post("/api/rules", _new_rule(escalate_after_days=0))
    assert set(_refused(zero_days, 400)) == {"escalate_after_days"}
    assert Rule.objects.count() == 2


def test_the_supervisor_changes_a_rule_but_not_its_kind(
    district: District, cases: Cases, api: Any
) -> None:
    url = f"/api/rules/{cases.due_soon.pk}"
    payload = {
        "name": "项目节点 30 天内到期",
        "severity": "reminder",
        "params": {"days": 30},
        "escalate_after_days": 4,
        "active": False,
        "reason": "提前一个月提醒",
    }
    rule = _ok(api(district.supervisor).put(url, payload))
    assert (rule["name"], rule["params"], rule["active"], rule["escalate_after_days"]) == (
        "项目节点 30 天内到期",
        {"days": 30},
        False,
        4,
    )
    refused = api(district.supervisor).put(url, {**payload, "params": {"days": 400}})
    assert set(_refused(refused, 400)) == {"params.days"}
    assert Rule.objects.get(pk=cases.due_soon.pk).params == {"days": 30}
    assert api(district.supervisor).put("/api/rules/999999", payload).status_code == 404


# Messages ----------------------------------------------------------------------------------


def test_a_person_reads_their_own_messages_and_the_unread_count_drops(
    district: District, cases: Cases, api: Any
) -> None:
    clerk_a = api(district.clerk_a)
    messages = _ok(clerk_a.get("/api/notifications"))["items"]
    assert {message["alert_id"] for message in messages} == {cases.red_a.pk, cases.reminder_a.pk}
    assert all(not message["read"] for message in messages)
    assert _ok(clerk_a.get("/api/notifications/unread-count")) == {"unread": 2}

    read = _ok(clerk_a.post(f"/api/notifications/{messages[0]['id']}/read", {}))
    assert read["read"] and read["read_at"]
    assert _ok(clerk_a.get("/api/notifications/unread-count")) == {"unread": 1}
    unread = _ok(clerk_a.get("/api/notifications", {"unread": "true"}))["items"]
    assert [message["id"] for message in unread] == [messages[1]["id"]]

    assert _ok(clerk_a.post("/api/notifications/read-all", {})) == {"marked": 1}
    assert _ok(clerk_a.get("/api/notifications/unread-count")) == {"unread": 0}


def test_another_persons_message_is_404(district: District, cases: Cases, api: Any) -> None:
    message = Notification.objects.filter(recipient=district.clerk_a).first()
    assert message is not None
    for user in (district.clerk_b, district.supervisor, district.manager_a):
        response = api(user).post(f"/api/notifications/{message.pk}/read", {})
        assert response.status_code == 404
    assert _ok(api(district.supervisor).get("/api/notifications"))["items"] == []
    assert Notification.objects.get(pk=message.pk).read_at is None


def test_read_all_marks_only_ones_own(district: District, cases: Cases, api: Any) -> None:
    assert _ok(api(district.clerk_b).post("/api/notifications/read-all", {})) == {"marked": 1}
    assert Notification.objects.filter(recipient=district.clerk_a, read_at=None).count() == 2


# The document ------------------------------------------------------------------------------


def test_the_openapi_document_stays_valid_with_the_alerts(db: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    validate(schema)
    assert {
        "/api/alerts",
        "/api/alerts/summary",
        "/api/alerts/{alert_id}",
        "/api/alerts/{alert_id}/acknowledge",
        "/api/alerts/{alert_id}/respond",
        "/api/alerts/{alert_id}/close",
        "/api/rules",
        "/api/rules/{rule_id}",
        "/api/rule-kinds",
        "/api/notifications",
        "/api/notifications/{notification_id}/read",
        "/api/notifications/read-all",
        "/api/notifications/unread-count",
    } <= set(schema["paths"])
