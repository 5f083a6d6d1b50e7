"""The rules page, a rule's form, and the supervisor's page of deliveries.

Everyone signed in reads the rules and the kinds; only the supervisor changes them: a
rule's page is read-only for anyone else and its forms are 403. A bad parameter is
refused at its field with the kind's message, naming the parameter, and nothing is
saved. The deliveries page is the supervisor's alone.
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bipin.alerts.choices import AlertStatus, Channel, DeliveryStatus, Severity
from bipin.alerts.models import Alert, Delivery, Notification, Rule
from bipin.alerts.rules import rule_kinds
from bipin.conftest import District
from bipin.org.models import Unit, User

Login = Callable[[User], Client]
MakeRule = Callable[..., Rule]


def _content(response: Any) -> str:
    return response.content.decode()


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def standing_alert(rule: Rule, unit: Unit, number: int, status: str = AlertStatus.OPEN) -> Alert:
    """An alert of `rule` about `unit` (as its own subject), as a pass would leave it."""
    return Alert.objects.create(
        rule=rule,
        subject_type=ContentType.objects.get_for_model(Unit),
        subject_id=unit.pk,
        subject_label=f"{unit.name} · {number}",
        unit=unit,
        period=f"2026-{number:02d}",
        severity=rule.severity,
        status=status,
        opened_on=date(2026, 1, 1),
        last_seen_on=date(2026, 1, 1),
    )


def _form(rule: Rule, **changes: Any) -> dict[str, Any]:
    """The form as the page fills it for `rule`, with `changes`."""
    data: dict[str, Any] = {
        "name": rule.name,
        "severity": rule.severity,
        "escalate_after_days": rule.escalate_after_days,
        "active": "on" if rule.active else "",
        "note": rule.note,
        "reason": "",
    }
    for name, value in rule.params.items():
        data[f"params.{name}"] = value
    data.update(changes)
    return data


# The list --------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(db: None) -> None:
    response = Client().get("/alerts/rules/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("who", ["supervisor", "leader", "clerk_b", "provider", "viewer"])
def test_everyone_reads_the_rules_and_the_kinds(
    district: District, login: Login, make_rule: MakeRule, who: str
) -> None:
    make_rule("milestone_due_soon", name="节点 20 天内到期", days=20)
    page = _content(login(getattr(district, who)).get("/alerts/rules/"))
    assert "节点 20 天内到期" in page
    assert '提前天数：<span class="fw-semibold">20</span>' in page
    for _key, kind in rule_kinds.items():
        assert str(kind.explanation) in page


def test_only_the_supervisor_is_offered_new_rules(district: District, login: Login) -> None:
    assert "/alerts/rules/new/project_stalled/" in _content(
        login(district.supervisor).get("/alerts/rules/")
    )
    assert "/alerts/rules/new/" not in _content(login(district.clerk_a).get("/alerts/rules/"))


def test_the_list_counts_each_rules_standing_alerts(
    district: District, login: Login, make_rule: MakeRule
) -> None:
    rule = make_rule("value_not_submitted", name="逾期未报")
    for number in range(1, 4):
        standing_alert(rule, district.town_a, number)
    standing_alert(rule, district.town_b, 4, status=AlertStatus.ACKNOWLEDGED)
    standing_alert(rule, district.town_b, 5, status=AlertStatus.RESOLVED)
    page = _content(login(district.supervisor).get("/alerts/rules/"))
    assert f'?rule={rule.pk}">4</a>' in page


def test_graded_kinds_show_their_bands_instead_of_a_severity(
    district: District, login: Login, make_rule: MakeRule
) -> None:
    make_rule("completion_behind", name="进度落后", yellow_from=-20)
    page = _content(login(district.clerk_a).get("/alerts/rules/"))
    assert "按差距分档" in page
    assert '黄色起点（百分点）：<span class="fw-semibold">-20</span>' in page


def test_the_list_queries_do_not_grow_with_the_rules(
    district: District, login: Login, make_rule: MakeRule
) -> None:
    client = login(district.supervisor)
    first = make_rule("milestone_overdue", name="规则一")
    standing_alert(first, district.town_a, 1)
    few = _count_queries(client, "/alerts/rules/")
    for number, kind in enumerate(
        ["milestone_due_soon", "completion_behind", "forecast_miss", "project_stalled"], 2
    ):
        rule = make_rule(kind, name=f"规则{number}")
        standing_alert(rule, district.town_b, number)
    assert _count_queries(client, "/alerts/rules/") == few


# A rule's page and form -----------------------------------------------------------------


def test_the_supervisor_gets_the_rules_form(
    district: District, login: Login, make_rule: MakeRule
) -> None:
    rule = make_rule("milestone_due_soon", days=20)
    page = _content(login(district.supervisor).get(f"/alerts/rules/{rule.pk}/"))
    assert 'name="params.days"' in page
    assert 'value="20"' in page
    assert "范围 1 至 365，默认 15" in page


@pytest.mark.parametrize("who", ["leader", "manager_a", "clerk_b", "viewer"])
def test_others_read_a_rule_but_may_not_post_it(
    district: District, login: Login, make_rule: MakeRule, who: str
) -> None:
    rule = make_rule("milestone_due_soon", days=20)
    client = login(getattr(district, who))
    response = client.get(f"/alerts/rules/{rule.pk}/")
    assert response.status_code == 200
    page = _content(response)
    assert "提前天数" in page and '<form method="post" novalidate id="rule-form"' not in page
    assert (
        client.post(f"/alerts/rules/{rule.pk}/", _form(rule, **{"params.days": 5})).status_code
        == 403
    )
    rule.refresh_from_db()
    assert rule.params["days"] == 20


def test_a_rule_that_does_not_exist_is_not_found(district: District, login: Login) -> None:
    assert login(district.supervisor).get("/alerts/rules/999/").status_code == 404


def test_the_supervisor_changes_a_rules_parameter(
    district: District, login: Login, make_rule: MakeRule
) -> None:
    rule = make_rule("bottom_of_group", places=2, runs=3)
    client = login(district.supervisor)
    response = client.post(
        f"/alerts/rules/{rule.pk}/",
        _form(rule, **{"params.runs": "4", "escalate_after_days": "6", "reason": "年中调整"}),
    )
    assert response.status_code == 302
    assert response["Location"] == "/alerts/rules/"
    rule.refresh_from_db()
    assert rule.params == {"places": 2, "runs": 4}
    assert rule.escalate_after_days == 6
    assert rule.history.latest().history_change_reason == "年中调整"


def test_a_bad_parameter_is_refused_at_its_field_and_nothing_is_saved(
    district: District, login: Login, make_rule: MakeRule
) -> None:
    rule = make_rule("milestone_due_soon", name="节点临期", days=15)
    response = login(district.supervisor).post(
        f"/alerts/rules/{rule.pk}/",
        _form(rule, **{"name": "节点临期（改）", "params.days": "400"}),
    )
    assert response.status_code == 200
    page = _content(response)
    assert "提前天数：400 超出允许范围（1 至 365）" in page
    assert 'aria-invalid="true"' in page
    rule.refresh_from_db()
    assert (rule.name, rule.params) == ("节点临期", {"days": 15})


def test_a_parameter_that_is_not_a_number_is_named(
    district: District, login: Login, make_rule: MakeRule
) -> None:
    rule = make_rule("completion_behind")
    response = login(district.supervisor).post(
        f"/alerts/rules/{rule.pk}/", _form(rule, **{"params.yellow_from": "负十"})
    )
    assert "黄色起点（百分点）：“负十”不是数字" in _content(response)
    rule.refresh_from_db()
    assert rule.params["yellow_from"] == "-10"


def test_a_duplicate_name_is_refused_at_the_name(
    district: District, login: Login, make_rule: MakeRule
) -> None:
    make_rule("milestone_overdue", name="节点逾期")
    rule = make_rule("project_stalled", name="项目停滞")
    response = login(district.supervisor).post(
        f"/alerts/rules/{rule.pk}/", _form(rule, name="节点逾期")
    )
    assert "规则名称：已有同名规则" in _content(response)


def test_the_supervisor_adds_a_rule_of_a_kind(district: District, login: Login) -> None:
    client = login(district.supervisor)
    page = _content(client.get("/alerts/rules/new/project_stalled/"))
    assert 'value="90"' in page  # the kind's default
    response = client.post(
        "/alerts/rules/new/project_stalled/",
        {
            "name": "项目 60 天无进展",
            "severity": Severity.RED,
            "params.days": "60",
            "escalate_after_days": "5",
            "active": "on",
        },
    )
    assert response.status_code == 302
    rule = Rule.objects.get(name="项目 60 天无进展")
    assert (rule.kind, rule.severity, rule.params) == ("project_stalled", "red", {"days": 60})


def test_a_graded_kind_hides_the_severity_and_says_why(district: District, login: Login) -> None:
    page = _content(login(district.supervisor).get("/alerts/rules/new/forecast_miss/"))
    assert '<input type="hidden" name="severity"' in page
    assert 'id="graded-note"' in page


@pytest.mark.parametrize("who", ["leader", "manager_a", "clerk_a", "viewer"])
def test_only_the_supervisor_adds_rules(district: District, login: Login, who: str) -> None:
    client = login(getattr(district, who))
    assert client.get("/alerts/rules/new/project_stalled/").status_code == 403
    response = client.post(
        "/alerts/rules/new/project_stalled/",
        {"name": "越权规则", "severity": "red", "params.days": "60", "escalate_after_days": "5"},
    )
    assert response.status_code == 403
    assert not Rule.objects.exists()


def test_an_unknown_kind_is_not_found(district: District, login: Login) -> None:
    assert login(district.supervisor).get("/alerts/rules/new/no_such_kind/").status_code == 404


# Deliveries ------------------------------------------------------------------------------


def delivery(
    recipient: User,
    status: str,
    *,
    channel: str = Channel.EMAIL,
    address: str = "clerk@example.gov.cn",
    error: str = "",
    title: str = "预警消息",
) -> Delivery:
    notification = Notification.objects.create(
        recipient=recipient, kind="alert", title=title, body="内容", link=""
    )
    return Delivery.objects.create(
        notification=notification,
        channel=channel,
        address=address,
        status=status,
        attempts=5 if status == DeliveryStatus.FAILED else 1,
        last_error=error,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
        sent_at=timezone.now() if status == DeliveryStatus.SENT else None,
    )


@pytest.mark.parametrize("who", ["leader", "manager_a", "clerk_a", "provider", "viewer"])
def test_only_the_supervisor_sees_deliveries(district: District, login: Login, who: str) -> None:
    failed = delivery(district.clerk_a, DeliveryStatus.FAILED)
    client = login(getattr(district, who))
    assert client.get("/alerts/deliveries/").status_code == 403
    assert client.post(f"/alerts/deliveries/{failed.pk}/resend/").status_code == 403
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


def test_failed_and_retrying_deliveries_are_shown_with_their_errors(
    district: District, login: Login
) -> None:
    failed = delivery(
        district.clerk_a, DeliveryStatus.FAILED, error="550 mailbox unavailable", title="标题甲"
    )
    delivery(district.clerk_b, DeliveryStatus.RETRYING, error="HTTP 500", title="标题乙")
    delivery(district.clerk_b, DeliveryStatus.SENT, title="标题丙")
    page = _content(login(district.supervisor).get("/alerts/deliveries/"))
    assert "550 mailbox unavailable" in page and "HTTP 500" in page
    assert "标题甲" in page and "标题乙" in page
    assert "标题丙" not in page
    assert page.count(f"/alerts/deliveries/{failed.pk}/resend/") == 2  # wide and narrow
    assert page.count("/resend/") == 2
    sent = _content(login(district.supervisor).get("/alerts/deliveries/?tab=sent"))
    assert "标题丙" in sent and "标题甲" not in sent


def test_a_webhooks_access_token_is_not_shown(district: District, login: Login) -> None:
    delivery(
        district.clerk_a,
        DeliveryStatus.FAILED,
        channel=Channel.WEBHOOK,
        address="https://oapi.dingtalk.com/robot/send?access_token=secret-token-123",
    )
    page = _content(login(district.supervisor).get("/alerts/deliveries/"))
    assert "https://oapi.dingtalk.com/robot/send" in page
    assert "secret-token-123" not in page


def test_the_supervisor_sends_a_failed_delivery_again(district: District, login: Login) -> None:
    failed = delivery(district.clerk_a, DeliveryStatus.FAILED, error="550 mailbox unavailable")
    client = login(district.supervisor)
    response = client.post(f"/alerts/deliveries/{failed.pk}/resend/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.PENDING, 0)
    assert "已重新排队发送" in _content(client.get(response["Location"]))


def test_a_delivery_that_has_not_failed_is_not_sent_again(district: District, login: Login) -> None:
    sent = delivery(district.clerk_a, DeliveryStatus.SENT)
    client = login(district.supervisor)
    response = client.post(f"/alerts/deliveries/{sent.pk}/resend/", follow=True)
    assert "只有发送失败的消息可以重新发送" in _content(response)
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.SENT


def test_the_deliveries_queries_do_not_grow_with_the_rows(district: District, login: Login) -> None:
    client = login(district.supervisor)
    delivery(district.clerk_a, DeliveryStatus.FAILED)
    few = _count_queries(client, "/alerts/deliveries/")
    for number in range(12):
        user = district.clerk_a if number % 2 else district.clerk_b
        delivery(user, DeliveryStatus.FAILED if number % 3 else DeliveryStatus.RETRYING)
    assert _count_queries(client, "/alerts/deliveries/") == few
