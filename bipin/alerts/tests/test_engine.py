"""The pass of the rules: dedup on a second run, auto-resolution and reopening, the
red-to-yellow rule, escalation to the manager and then the linked leader.

Cases are built by hand in the test district (bipin/conftest.py): 锦城街道 (town_a) with
its clerk and manager, 李明华 linked to 锦城.
"""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bipin.alerts.actions import do_acknowledge_alert, do_save_rule
from bipin.alerts.choices import AlertStatus, Escalation, EventKind, Severity
from bipin.alerts.engine import run_rules
from bipin.alerts.models import Alert, AlertEvent, Notification, Rule
from bipin.conftest import District
from bipin.indicators.actions import do_save_indicator
from bipin.indicators.choices import IndicatorKind, ValueStatus
from bipin.indicators.models import Indicator, ReportingPeriod, Target, Value
from bipin.projects.choices import Channel, Stage
from bipin.projects.models import Industry, Milestone, Project


def _rule(district: District, kind: str, severity: str = Severity.RED, **extra: Any) -> Rule:
    params = extra.pop("params", {})
    return do_save_rule(
        None,
        kind=kind,
        name=f"测试规则 {kind}",
        severity=severity,
        params=params,
        escalate_after_days=extra.pop("escalate_after_days", 3),
        active=True,
        actor=district.supervisor,
    )


def _project(district: District, stage: str = Stage.SIGNED) -> Project:
    return Project.objects.create(
        code="LA-2026-001",
        name="锦城智能终端项目",
        investor_name="杭州某科技有限公司",
        industry=Industry.objects.get(code="39"),
        channel=Channel.DOOR_TO_DOOR,
        contracted_investment=Decimal("12000"),
        responsible_unit=district.town_a,
        stage=stage,
        signed_on=date(2026, 1, 10),
    )


@pytest.fixture
def late_start(district: District) -> Milestone:
    """锦城's project, signed, whose 开工 was planned for 1 March 2026."""
    project = _project(district)
    return Milestone.objects.create(
        project=project, stage=Stage.STARTED, planned_on=date(2026, 3, 1)
    )


def test_a_second_pass_changes_nothing(district: District, late_start: Milestone) -> None:
    _rule(district, "milestone_overdue")
    first = run_rules(date(2026, 4, 1))
    assert (first.opened, first.kept, first.resolved) == (1, 0, 0)
    alert = Alert.objects.get()
    assert alert.severity == Severity.RED
    assert alert.unit == district.town_a
    assert alert.responsible == district.clerk_a  # the unit's data clerk answers for it
    assert "已逾期 31 天" in alert.describe()

    second = run_rules(date(2026, 4, 1))
    assert (second.opened, second.kept, second.resolved) == (0, 1, 0)
    assert Alert.objects.count() == 1
    assert AlertEvent.objects.filter(kind=EventKind.OPENED).count() == 1
    # The clerk was told once, not once per pass.
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["clerk_a"]


def test_an_alert_resolves_itself_when_the_cause_is_fixed_and_reopens_if_it_returns(
    district: District, late_start: Milestone
) -> None:
    _rule(district, "milestone_overdue")
    run_rules(date(2026, 4, 1))
    Project.objects.filter(pk=late_start.project_id).update(
        stage=Stage.STARTED, started_on=date(2026, 4, 2)
    )
    result = run_rules(date(2026, 4, 3))
    assert result.resolved == 1
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_on == date(2026, 4, 3)
    assert alert.resolved_by is None  # the rules resolved it, nobody by hand
    assert run_rules(date(2026, 4, 4)).resolved == 0

    # The start is recorded back by mistake and undone: the same alert comes back.
    Project.objects.filter(pk=late_start.project_id).update(stage=Stage.SIGNED, started_on=None)
    result = run_rules(date(2026, 4, 5))
    assert result.opened == 1
    alert.refresh_from_db()
    assert Alert.objects.count() == 1
    assert alert.status == AlertStatus.OPEN
    assert alert.opened_on == date(2026, 4, 5)
    assert list(alert.events.values_list("kind", flat=True)) == [
        EventKind.OPENED,
        EventKind.RESOLVED,
        EventKind.REOPENED,
    ]


def test_an_unanswered_alert_goes_to_the_manager_then_to_the_linked_leader(
    district: District, late_start: Milestone
) -> None:
    _rule(district, "milestone_overdue", escalate_after_days=3)
    run_rules(date(2026, 4, 1))
    run_rules(date(2026, 4, 3))
    alert = Alert.objects.get()
    assert alert.escalation == Escalation.RESPONSIBLE  # two days: not yet

    assert run_rules(date(2026, 4, 4)).escalated == 1
    alert.refresh_from_db()
    assert alert.escalation == Escalation.MANAGER
    told = Notification.objects.filter(event__kind=EventKind.ESCALATED)
    assert [n.recipient for n in told] == [district.manager_a]

    assert run_rules(date(2026, 4, 6)).escalated == 0
    assert run_rules(date(2026, 4, 7)).escalated == 1
    alert.refresh_from_db()
    assert alert.escalation == Escalation.LEADER
    # 李明华 is linked to 锦城街道, the unit of the project.
    assert district.leader in [n.recipient for n in told.all()]
    assert run_rules(date(2026, 4, 20)).escalated == 0  # no one above the leader


def test_an_acknowledged_alert_is_not_escalated(
    district: District, late_start: Milestone, settings: Any
) -> None:
    _rule(district, "milestone_overdue", escalate_after_days=3)
    run_rules(date(2026, 4, 1))
    alert = Alert.objects.get()
    do_acknowledge_alert(
        alert, remedy="协调供地，四月底前开工", remedy_due=date(2099, 4, 30), actor=district.clerk_a
    )
    assert run_rules(date(2026, 4, 10)).escalated == 0
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.escalation == Escalation.RESPONSIBLE


def test_a_leader_linked_to_the_project_itself_is_told_before_the_towns_leader(
    district: District, late_start: Milestone
) -> None:
    from django.contrib.contenttypes.models import ContentType

    from bipin.core.choices import Role
    from bipin.org.models import Link, User

    project_leader = User.objects.create_user(
        username="leader2", password="x-9-long-password", name="王建国", role=Role.LEADER,
        unit=district.district,
    )  # fmt: skip
    Link.objects.create(
        leader=project_leader,
        content_type=ContentType.objects.get_for_model(Project),
        object_id=late_start.project_id,
        unit=district.town_a,
        started_on=date(2026, 1, 1),
    )
    _rule(district, "milestone_overdue", escalate_after_days=1)
    for day in (1, 2, 3):
        run_rules(date(2026, 4, day))
    escalations = Notification.objects.filter(event__kind=EventKind.ESCALATED)
    assert [n.recipient for n in escalations.order_by("pk")] == [
        district.manager_a,
        project_leader,
    ]


# --- red to yellow ---------------------------------------------------------------------


@pytest.fixture
def rate(district: District) -> Indicator:
    """项目开工率, a rate each town reports, with a target of 80 % for 锦城."""
    indicator = do_save_indicator(
        None,
        actor=district.supervisor,
        reason="测试",
        code="START_RATE",
        name="项目开工率",
        unit_of_measure="%",
        kind=IndicatorKind.RATE,
        decimals=1,
    )
    Target.objects.create(indicator=indicator, unit=district.town_a, year=2026, amount=80)
    return indicator


@pytest.fixture
def investment(district: District) -> Indicator:
    """固定资产投资, year-to-date, target 1,200 for 锦城 (100 a month)."""
    indicator = do_save_indicator(
        None,
        actor=district.supervisor,
        reason="测试",
        code="FAI",
        name="固定资产投资",
        unit_of_measure="万元",
        kind=IndicatorKind.CUMULATIVE,
        decimals=1,
    )
    Target.objects.create(indicator=indicator, unit=district.town_a, year=2026, amount=1200)
    return indicator


def _month(indicator: Indicator, district: District, month: int, amount: str) -> None:
    ReportingPeriod.objects.get_or_create(
        year=2026, month=month, defaults={"deadline": date(2026, month + 1, 10)}
    )
    Value.objects.create(
        indicator=indicator,
        unit=district.town_a,
        year=2026,
        month=month,
        amount=Decimal(amount),
        status=ValueStatus.APPROVED,
    )


def test_a_red_rate_stays_red_after_one_good_month_and_turns_yellow_after_two(
    district: District, rate: Indicator
) -> None:
    _rule(district, "completion_behind", Severity.YELLOW)
    # June: 60 % against 80 % → −20 points, red.
    _month(rate, district, 6, "60")
    run_rules(date(2026, 7, 11))
    alert = Alert.objects.get()
    assert alert.severity == Severity.RED
    # July: 75 % → −5 points, yellow by the bands; but June was red: one good month.
    _month(rate, district, 7, "75")
    result = run_rules(date(2026, 8, 11))
    alert.refresh_from_db()
    assert (result.kept, result.lowered) == (1, 0)
    assert alert.severity == Severity.RED
    assert alert.facts["gap"] == "-5.0000"  # the facts are today's, the colour is not
    # August: 76 % → −4, and July was out of the red too: made up, yellow.
    _month(rate, district, 8, "76")
    assert run_rules(date(2026, 9, 11)).lowered == 1
    alert.refresh_from_db()
    assert alert.severity == Severity.YELLOW
    # September: 85 % → green: resolved.
    _month(rate, district, 9, "85")
    assert run_rules(date(2026, 10, 11)).resolved == 1
    steps = alert.events.exclude(kind=EventKind.ESCALATED)  # a month unanswered goes up too
    assert list(steps.values_list("kind", flat=True)) == [
        EventKind.OPENED,
        EventKind.LOWERED,
        EventKind.RESOLVED,
    ]


def test_a_year_to_date_shortfall_made_up_turns_red_to_yellow_at_once(
    district: District, investment: Indicator
) -> None:
    _rule(district, "completion_behind", Severity.YELLOW)
    # June: 400 of 1,200 = 33.33 % against 50 % → −16.67, red.
    _month(investment, district, 6, "400")
    run_rules(date(2026, 7, 11))
    assert Alert.objects.get().severity == Severity.RED
    # July: a good month (+160 against the pace of 100), but 560 = 46.67 % against
    # 58.33 % is still −11.67: red.
    _month(investment, district, 7, "560")
    run_rules(date(2026, 8, 11))
    assert Alert.objects.get().severity == Severity.RED
    # August: 1-8月 600 = 50 % against 66.67 % → −16.67: red again, not resolved.
    _month(investment, district, 8, "600")
    run_rules(date(2026, 9, 11))
    assert Alert.objects.get().severity == Severity.RED
    # September: 1-9月 810 = 67.5 % against 75 % → −7.5: the year's shortfall is back
    # above the red line, so yellow.
    _month(investment, district, 9, "810")
    assert run_rules(date(2026, 10, 11)).lowered == 1
    assert Alert.objects.get().severity == Severity.YELLOW


def test_a_month_not_yet_reported_keeps_the_alert_as_it_was(
    district: District, investment: Indicator
) -> None:
    _rule(district, "completion_behind", Severity.YELLOW)
    _month(investment, district, 6, "400")
    run_rules(date(2026, 7, 11))
    # July's deadline passes with no value from 锦城: no news is not good news.
    ReportingPeriod.objects.create(year=2026, month=7, deadline=date(2026, 8, 10))
    result = run_rules(date(2026, 8, 11))
    assert (result.kept, result.resolved) == (1, 0)
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_a_worse_finding_raises_the_alert_at_once(
    district: District, investment: Indicator
) -> None:
    _rule(district, "completion_behind", Severity.YELLOW)
    # June: 540 = 45 % against 50 % → −5, yellow; July: 560 = 46.67 against 58.33 → red.
    _month(investment, district, 6, "540")
    run_rules(date(2026, 7, 11))
    assert Alert.objects.get().severity == Severity.YELLOW
    _month(investment, district, 7, "560")
    assert run_rules(date(2026, 8, 11)).raised == 1
    alert = Alert.objects.get()
    assert alert.severity == Severity.RED
    raised = alert.events.get(kind=EventKind.RAISED)
    assert (raised.from_severity, raised.to_severity) == (Severity.YELLOW, Severity.RED)
    # The clerk hears of the raise as well as of the opening.
    assert Notification.objects.filter(recipient=district.clerk_a).count() == 2


def test_a_red_rate_is_not_cleared_by_one_green_month(district: District, rate: Indicator) -> None:
    _rule(district, "completion_behind", Severity.YELLOW)
    _month(rate, district, 6, "60")  # −20: red
    run_rules(date(2026, 7, 11))
    # July: 85 % is green, but June was red: one good month is not the shortfall made up.
    _month(rate, district, 7, "85")
    result = run_rules(date(2026, 8, 11))
    assert (result.kept, result.resolved) == (1, 0)
    assert Alert.objects.get().severity == Severity.RED
    # August holds it: July was out of the red, so the alert resolves.
    _month(rate, district, 8, "84")
    assert run_rules(date(2026, 9, 11)).resolved == 1


def test_a_rule_with_crossed_bands_is_refused_at_its_field(district: District) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        _rule(
            district,
            "completion_behind",
            Severity.YELLOW,
            params={"green_from": "-20", "yellow_from": "-10"},
        )
    assert "params.yellow_from" in refused.value.message_dict
    assert not Rule.objects.exists()


def test_one_broken_rule_does_not_stop_the_others(
    district: District, late_start: Milestone
) -> None:
    # A rule broken outside the form (stored parameters the kind cannot read).
    broken = Rule.objects.create(
        kind="milestone_due_soon", name="坏规则", severity=Severity.REMINDER, params={"days": "x"}
    )
    _rule(district, "milestone_overdue")
    result = run_rules(date(2026, 4, 1))
    assert result.failed == [broken.name]
    assert result.opened == 1
    assert Alert.objects.get().rule.kind == "milestone_overdue"


def test_switching_a_rule_off_closes_its_alerts(district: District, late_start: Milestone) -> None:
    rule = _rule(district, "milestone_overdue")
    run_rules(date(2026, 4, 1))
    do_save_rule(
        rule,
        kind=rule.kind,
        name=rule.name,
        severity=rule.severity,
        params={},
        escalate_after_days=3,
        active=False,
        actor=district.supervisor,
    )
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_by == district.supervisor
    assert list(alert.events.values_list("kind", flat=True))[-1] == EventKind.CLOSED


def test_an_escalation_with_no_manager_goes_to_the_supervision_office(
    district: District, late_start: Milestone
) -> None:
    district.manager_a.is_active = False
    district.manager_a.save()
    _rule(district, "milestone_overdue", escalate_after_days=1)
    run_rules(date(2026, 4, 1))
    run_rules(date(2026, 4, 2))
    told = Notification.objects.filter(event__kind=EventKind.ESCALATED)
    assert [n.recipient for n in told] == [district.supervisor]
