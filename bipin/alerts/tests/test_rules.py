"""Each rule kind of 督查预警 on hand-built cases: what it finds on a given day, with the
numbers worked out by hand in the comments, and how it says it (in Chinese, and without
error in English).

The cases are built in conftest.py; `find(rule, on)` runs a kind's `find` for the day `on`
as a pass of the engine would.
"""

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from bipin.alerts.choices import Severity
from bipin.alerts.models import Alert, Rule
from bipin.alerts.rules import Finding, rule_kinds
from bipin.alerts.tests.conftest import (
    JUNE,
    JUNE_DUE,
    MAY,
    OVERDUE_DAY,
    REGISTERED_PLANNED,
    SIGNED_ON,
    Board,
    TargetsBehind,
    find,
    put_value,
)
from bipin.conftest import District
from bipin.core.periods import Period
from bipin.enterprises.models import ServiceRequest
from bipin.enterprises.tests.test_request_actions import Requests
from bipin.indicators.actions import do_close_period, do_correct_value, do_save_indicator
from bipin.indicators.choices import IndicatorKind, ValueStatus
from bipin.indicators.models import Indicator, ReportingPeriod, Target, Value
from bipin.indicators.tests.conftest import Catalogue
from bipin.org.models import Unit
from bipin.projects import actions as project_actions
from bipin.projects.choices import DuplicateStatus, Stage
from bipin.projects.models import DuplicateCheck, Milestone, Project
from bipin.scoring.choices import RunStatus

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

MakeRule = Callable[..., Rule]
SignedProject = Callable[..., Project]
SetTarget = Callable[..., Target]


def describe(rule: Rule, finding: Finding, on: date = JUNE_DUE) -> str:
    """The finding in words, as the alert made of it says it when last checked on `on`
    (the days overdue are counted to that day, not kept in the facts)."""
    alert = Alert(rule=rule, facts=finding.facts, last_seen_on=on)
    return rule_kinds.get(rule.kind).describe(alert)


def in_english(rule: Rule, finding: Finding, on: date = JUNE_DUE) -> str:
    with translation.override("en"):
        return describe(rule, finding, on)


def days_of(rule: Rule, finding: Finding, on: date) -> int:
    """The days the description counts (overdue, to go, stalled) on `on`."""
    text = describe(rule, finding, on)
    return int(re.findall(r"(\d+) 天", text)[-1])


def by_unit(findings: list[Finding]) -> dict[int, Finding]:
    assert len({finding.unit_id for finding in findings}) == len(findings)
    return {finding.unit_id: finding for finding in findings}


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


# milestone_overdue ------------------------------------------------------------------------


def test_a_milestone_past_its_date_and_not_reached_is_overdue_by_the_days_since(
    district: District, make_rule: MakeRule, overdue_milestone: Milestone
) -> None:
    rule = make_rule("milestone_overdue")
    finding = only(find(rule, OVERDUE_DAY))
    # 注册 planned 2026-04-02; on 2026-04-12 that is 10 days ago.
    assert (finding.subject_id, finding.unit_id) == (overdue_milestone.pk, district.town_a.pk)
    assert finding.severity == Severity.RED
    assert finding.period == ""
    assert finding.facts["planned_on"] == "2026-04-02"
    assert days_of(rule, finding, OVERDUE_DAY) == 10
    assert finding.facts["stage"] == Stage.REGISTERED
    assert finding.subject_label == "年产5000万片MEMS传感器芯片项目 · 注册"
    assert describe(rule, finding, OVERDUE_DAY) == (
        "年产5000万片MEMS传感器芯片项目 的“注册”节点计划于 2026-04-02 完成，已逾期 10 天"
    )
    assert "2026-04-02" in in_english(rule, finding, OVERDUE_DAY)


def test_the_later_milestones_of_the_roadmap_become_overdue_in_their_turn(
    make_rule: MakeRule, overdue_milestone: Milestone
) -> None:
    # 供地 is planned six months after signing, 2026-09-02: on 2026-09-12 both 注册 (163
    # days: 28 in April + 31 + 30 + 31 + 31 + 12) and 供地 (10 days) are overdue.
    rule = make_rule("milestone_overdue")
    on = date(2026, 9, 12)
    findings = find(rule, on)
    assert sorted((f.facts["stage"], days_of(rule, f, on)) for f in findings) == [
        (Stage.LAND, 10),
        (Stage.REGISTERED, 163),
    ]


def test_a_milestone_planned_today_is_not_yet_overdue(
    make_rule: MakeRule, overdue_milestone: Milestone
) -> None:
    assert find(make_rule("milestone_overdue"), REGISTERED_PLANNED) == []
    assert len(find(make_rule("milestone_overdue", name="次日"), date(2026, 4, 3))) == 1


def test_a_milestone_the_project_has_reached_is_not_overdue(
    district: District, make_rule: MakeRule, overdue_milestone: Milestone
) -> None:
    # Registered late (2026-04-05, after the planned 2026-04-02): reached, no longer overdue.
    project_actions.do_change_stage(
        overdue_milestone.project,
        to=Stage.REGISTERED,
        on=date(2026, 4, 5),
        actor=district.supervisor,
    )
    assert find(make_rule("milestone_overdue"), OVERDUE_DAY) == []


def test_a_milestone_is_reached_by_a_project_past_its_stage(
    district: District, make_rule: MakeRule, signed_project: SignedProject
) -> None:
    """A project at 供地 has reached 注册 even if it is the later stage that moved last."""
    project = signed_project("竹材精深加工项目")
    project_actions.do_change_stage(
        project, to=Stage.REGISTERED, on=date(2026, 3, 10), actor=district.supervisor
    )
    land = Milestone.objects.get(project=project, stage=Stage.LAND)
    project_actions.do_add_evidence(
        land, upload=SimpleUploadedFile("供地合同.pdf", PDF), actor=district.supervisor
    )
    project_actions.do_change_stage(
        project, to=Stage.LAND, on=date(2026, 3, 20), actor=district.supervisor
    )
    # On 2026-12-12 注册 and 供地 are reached, early; 开工 is the only one overdue: the
    # roadmap laid at signing planned it 3 months after the planned 供地 (2026-09-02), on
    # 2026-12-02 — 10 days ago.
    rule = make_rule("milestone_overdue")
    finding = only(find(rule, date(2026, 12, 12)))
    assert (finding.facts["stage"], finding.facts["planned_on"]) == (Stage.STARTED, "2026-12-02")
    assert days_of(rule, finding, date(2026, 12, 12)) == 10


def test_a_terminated_projects_milestones_are_not_overdue(
    district: District, make_rule: MakeRule, overdue_milestone: Milestone
) -> None:
    project_actions.do_change_stage(
        overdue_milestone.project,
        to=Stage.TERMINATED,
        on=date(2026, 3, 20),
        actor=district.supervisor,
        reason="投资方撤资",
    )
    assert find(make_rule("milestone_overdue"), OVERDUE_DAY) == []


def test_a_merged_projects_milestones_are_not_overdue_only_the_project_it_joined(
    district: District, make_rule: MakeRule, signed_project: SignedProject
) -> None:
    earlier = signed_project("年产10万吨竹纤维项目", investor_name="临安竹业集团有限公司")
    later = signed_project(
        "年产10万吨竹纤维项目（二期）", investor_name="临安竹业集团有限公司", unit=district.town_b
    )
    check = DuplicateCheck.objects.get(project=later, candidate=earlier)
    project_actions.do_decide_duplicate(
        check, decision=DuplicateStatus.MERGED, actor=district.supervisor, note="同一项目"
    )
    finding = only(find(make_rule("milestone_overdue"), OVERDUE_DAY))
    assert finding.facts["project_id"] == earlier.pk
    assert finding.unit_id == district.town_a.pk


def test_an_overdue_milestone_takes_the_rules_severity(
    make_rule: MakeRule, overdue_milestone: Milestone
) -> None:
    rule = make_rule("milestone_overdue", severity=Severity.YELLOW)
    assert only(find(rule, OVERDUE_DAY)).severity == Severity.YELLOW


# milestone_due_soon -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "days"),
    [
        (date(2026, 3, 18), 15),  # day N: 15 days before 2026-04-02 is still within
        (date(2026, 3, 25), 8),
        (REGISTERED_PLANNED, 0),  # due today: a reminder, not yet overdue
    ],
)
def test_a_milestone_due_within_n_days_is_a_reminder(
    district: District, make_rule: MakeRule, overdue_milestone: Milestone, on: date, days: int
) -> None:
    rule = make_rule("milestone_due_soon", days=15)
    finding = only(find(rule, on))
    assert finding.subject_id == overdue_milestone.pk
    assert finding.severity == Severity.REMINDER
    assert describe(rule, finding, on) == (
        f"年产5000万片MEMS传感器芯片项目 的“注册”节点将于 2026-04-02 到期（还有 {days} 天）"
    )
    assert "2026-04-02" in in_english(rule, finding, on)


@pytest.mark.parametrize(
    "on",
    [
        date(2026, 3, 17),  # 16 days ahead: after N
        date(2026, 4, 3),  # a day past: overdue, which is the other rule's
    ],
)
def test_a_milestone_further_off_or_already_overdue_is_not_due_soon(
    make_rule: MakeRule, overdue_milestone: Milestone, on: date
) -> None:
    assert find(make_rule("milestone_due_soon", days=15), on) == []


def test_the_days_ahead_come_from_the_rule(
    make_rule: MakeRule, overdue_milestone: Milestone
) -> None:
    # 2026-03-17 is 16 days before 2026-04-02: outside the default 15, inside 20.
    assert find(make_rule("milestone_due_soon"), date(2026, 3, 17)) == []
    rule = make_rule("milestone_due_soon", name="提前20天", days=20)
    assert days_of(rule, only(find(rule, date(2026, 3, 17))), date(2026, 3, 17)) == 16


def test_a_reached_milestone_is_not_due_soon(
    district: District, make_rule: MakeRule, overdue_milestone: Milestone
) -> None:
    project_actions.do_change_stage(
        overdue_milestone.project,
        to=Stage.REGISTERED,
        on=date(2026, 3, 20),
        actor=district.supervisor,
    )
    assert find(make_rule("milestone_due_soon"), date(2026, 3, 25)) == []


# completion_behind ------------------------------------------------------------------------


def test_completion_five_points_behind_time_progress_is_yellow_fifteen_red(
    district: District, make_rule: MakeRule, targets_behind: TargetsBehind
) -> None:
    rule = make_rule("completion_behind")
    found = by_unit(find(rule, JUNE_DUE))
    # June: time progress 6/12 = 50 %. 锦城 450 of 1000 = 45 % → gap −5 pp ≥ −10: yellow.
    # 於潜 350 of 1000 = 35 % → gap −15 pp < −10: red.
    yellow, red = found[district.town_a.pk], found[district.town_b.pk]
    assert (yellow.severity, red.severity) == (Severity.YELLOW, Severity.RED)
    assert (yellow.subject_id, red.subject_id) == (
        targets_behind.yellow.pk,
        targets_behind.red.pk,
    )
    assert yellow.period == "2026"
    assert yellow.facts | {"indicator_id": None} == {
        "indicator": "引进市外内资",
        "indicator_id": None,
        "unit_name": "锦城街道",
        "measure": "万元",
        "month": "2026-06",
        "actual": "450.0",
        "target": "1000.0",
        "gap": "-5.0000",
        "percent": "45.0000",
        "time_progress": "50.0000",
        "kind": "cumulative",
    }
    assert red.facts["gap"] == "-15.0000"
    assert describe(rule, yellow) == (
        "锦城街道 引进市外内资 截至 2026年1-6月 完成 45.00%，序时进度 50.00%，"
        "落后 5.00 个百分点（完成 450.0 / 目标 1000.0 万元）"
    )
    assert "450.0" in in_english(rule, yellow)


def test_completion_one_point_ahead_is_no_alert(
    district: District,
    catalogue: Catalogue,
    make_rule: MakeRule,
    months: Any,
    set_target: SetTarget,
) -> None:
    # 510 of 1000 = 51 % against 50 %: +1 pp, green.
    set_target(catalogue.outside, district.town_a, "1000")
    put_value(catalogue.outside, district.town_a, "510")
    assert find(make_rule("completion_behind"), JUNE_DUE) == []


@pytest.mark.parametrize(
    ("actual", "gap", "severity"),
    [
        ("450", "5.0000", None),  # 45 % used of a ceiling at 50 % time: 5 pp ahead
        ("600", "-10.0000", Severity.YELLOW),  # 60 % used: 10 pp over, still yellow
        ("620", "-12.0000", Severity.RED),  # 62 % used: 12 pp over, red
    ],
)
def test_a_ceiling_is_behind_when_more_of_it_is_used_than_time_has_passed(
    district: District,
    energy: Indicator,
    make_rule: MakeRule,
    months: Any,
    set_target: SetTarget,
    actual: str,
    gap: str,
    severity: str | None,
) -> None:
    """Lower is better (综合能耗): gap = time progress − completion."""
    set_target(energy, district.town_a, "1000")
    put_value(energy, district.town_a, actual)
    findings = find(make_rule("completion_behind"), JUNE_DUE)
    if severity is None:
        assert findings == []
    else:
        finding = only(findings)
        assert (finding.severity, finding.facts["gap"]) == (severity, gap)


@pytest.mark.parametrize(
    ("actual", "gap", "severity"),
    [
        ("8.5", None, None),  # 0.5 pp above the target growth
        ("6.0", "-2.0000", Severity.YELLOW),  # 6.0 % against 8.0 %: 2 pp short
        ("-3.0", "-11.0000", Severity.RED),  # −3.0 % against 8.0 %: 11 pp short
    ],
)
def test_a_growth_is_behind_by_the_points_it_falls_short_of_its_target(
    district: District,
    catalogue: Catalogue,
    make_rule: MakeRule,
    months: Any,
    set_target: SetTarget,
    actual: str,
    gap: str | None,
    severity: str | None,
) -> None:
    """A growth has no completion ratio: gap = actual − target, in points."""
    set_target(catalogue.gdp_growth, district.town_a, "8.0")
    put_value(catalogue.gdp_growth, district.town_a, actual)
    rule = make_rule("completion_behind")
    findings = find(rule, JUNE_DUE)
    if severity is None:
        assert findings == []
        return
    finding = only(findings)
    assert gap is not None
    assert (finding.severity, finding.facts["gap"]) == (severity, gap)
    assert finding.facts["percent"] is None and finding.facts["time_progress"] is None
    assert describe(rule, finding) == (
        f"锦城街道 2026年1-6月 地区生产总值增速 为 {actual}，目标 8.0，差距 {gap[:-2]} 个百分点"
    )
    assert actual in in_english(rule, finding)


PHASING = ["50", "100", "150", "200", "250", "300", "400", "500", "700", "900", "1050", "1200"]


@pytest.mark.parametrize(
    ("actual", "gap", "severity"),
    [
        ("300", None, None),  # 300 of 1200 = 25 %, the phasing's June share: on pace
        ("240", "-5.0000", Severity.YELLOW),  # 20 % against 25 %
    ],
)
def test_a_phased_target_measures_time_progress_by_its_phasing(
    district: District,
    catalogue: Catalogue,
    make_rule: MakeRule,
    months: Any,
    set_target: SetTarget,
    actual: str,
    gap: str | None,
    severity: str | None,
) -> None:
    """By June 300 of the 1200 is planned: time progress 25 %, not 6/12 = 50 % (against
    which 300 would be 25 pp behind, red)."""
    set_target(catalogue.outside, district.town_a, "1200", phasing=PHASING)
    put_value(catalogue.outside, district.town_a, actual)
    findings = find(make_rule("completion_behind"), JUNE_DUE)
    if severity is None:
        assert findings == []
        return
    finding = only(findings)
    assert (finding.severity, finding.facts["gap"]) == (severity, gap)
    assert finding.facts["time_progress"] == "25.0000"


@pytest.mark.parametrize(
    ("status", "found"),
    [
        (ValueStatus.DRAFT, False),
        (ValueStatus.SUBMITTED, True),
        (ValueStatus.APPROVED, True),
        (ValueStatus.LOCKED, True),
    ],
)
def test_only_a_submitted_or_later_value_counts(
    district: District,
    catalogue: Catalogue,
    make_rule: MakeRule,
    months: Any,
    set_target: SetTarget,
    status: str,
    found: bool,
) -> None:
    # 350 of 1000 would be 15 pp behind (red), but a draft is nobody's word yet.
    set_target(catalogue.outside, district.town_a, "1000")
    put_value(catalogue.outside, district.town_a, "350", status=status)
    assert len(find(make_rule("completion_behind"), JUNE_DUE)) == int(found)


def test_the_month_looked_at_is_the_latest_whose_deadline_has_passed(
    district: District,
    catalogue: Catalogue,
    make_rule: MakeRule,
    months: dict[Period, ReportingPeriod],
    set_target: SetTarget,
) -> None:
    set_target(catalogue.outside, district.town_a, "1000")
    # May: 300 of 1000 = 30 % against 5/12 = 41.6667 % → −11.6667 pp, red.
    put_value(catalogue.outside, district.town_a, "300", MAY)
    # June: 510 = 51 % against 50 % → +1 pp, green.
    put_value(catalogue.outside, district.town_a, "510", JUNE)
    rule = make_rule("completion_behind")
    assert months[JUNE].deadline == date(2026, 7, 10)
    # On the deadline day itself June is not due yet: May is the month looked at.
    finding = only(find(rule, date(2026, 7, 10)))
    assert (finding.severity, finding.facts["month"]) == (Severity.RED, "2026-05")
    assert finding.facts["gap"] == "-11.6667"
    assert find(rule, date(2026, 7, 11)) == []


def test_no_month_due_yet_finds_nothing(
    district: District, make_rule: MakeRule, targets_behind: TargetsBehind
) -> None:
    # May's deadline is 2026-06-10: before it no reporting period's deadline has passed.
    assert find(make_rule("completion_behind"), date(2026, 6, 10)) == []


def test_the_bands_come_from_the_rule(
    district: District, make_rule: MakeRule, targets_behind: TargetsBehind
) -> None:
    # Yellow down to −20 pp: 於潜's −15 is yellow, not red.
    wide = make_rule("completion_behind", name="宽档", yellow_from=-20)
    assert by_unit(find(wide, JUNE_DUE))[district.town_b.pk].severity == Severity.YELLOW
    # Green from −5 pp: 锦城's −5 is green, 於潜's −15 yellow (−20 ≤ −15).
    lenient = make_rule("completion_behind", name="绿档", green_from=-5, yellow_from=-20)
    found = by_unit(find(lenient, JUNE_DUE))
    assert list(found) == [district.town_b.pk]
    assert found[district.town_b.pk].severity == Severity.YELLOW


def test_an_inactive_indicator_or_unit_is_not_looked_at(
    district: District, make_rule: MakeRule, targets_behind: TargetsBehind
) -> None:
    Unit.objects.filter(pk=district.town_b.pk).update(active=False)
    assert [f.unit_id for f in find(make_rule("completion_behind"), JUNE_DUE)] == [
        district.town_a.pk
    ]


# forecast_miss ------------------------------------------------------------------------------


@pytest.fixture
def forecast_target(
    district: District, catalogue: Catalogue, months: Any, set_target: SetTarget
) -> Target:
    """锦城's 2026 target of 100 on 引进市外内资, and 28 done by June 2026."""
    target = set_target(catalogue.outside, district.town_a, "100")
    put_value(catalogue.outside, district.town_a, "28", JUNE)
    return target


def _history(catalogue: Catalogue, unit: Unit, year: int, june: str, december: str) -> None:
    put_value(catalogue.outside, unit, june, Period(year, 6), ValueStatus.LOCKED)
    put_value(catalogue.outside, unit, december, Period(year, 12), ValueStatus.LOCKED)


def test_the_forecast_projects_the_year_from_two_years_profile(
    district: District, catalogue: Catalogue, make_rule: MakeRule, forecast_target: Target
) -> None:
    # By June 2025 30 of the year's 100, by June 2024 40 of 100: share (0.30 + 0.40) / 2 =
    # 0.35. 2026: 28 by June → 28 / 0.35 = 80.0 for the year, 20 % short of 100 → red (> 10).
    _history(catalogue, district.town_a, 2025, "30", "100")
    _history(catalogue, district.town_a, 2024, "40", "100")
    rule = make_rule("forecast_miss", tolerance=0, red_margin=10)
    finding = only(find(rule, JUNE_DUE))
    assert (finding.subject_id, finding.severity) == (forecast_target.pk, Severity.RED)
    assert finding.period == "2026"
    assert {key: finding.facts[key] for key in ("projection", "share", "profile_years")} == {
        "projection": "80.0",
        "share": "0.3500",
        "profile_years": 2,
    }
    assert finding.facts["shortfall"] == "20.00"
    assert describe(rule, finding) == (
        "锦城街道 引进市外内资 截至 2026年1-6月 累计 28.0，按近 2 年同期完成全年的 35.00% 推算，"
        "全年预计 80.0 万元，低于年度目标 100.0 万元（缺口 20.00%）"
    )
    assert "80.0" in in_english(rule, finding)


def test_a_forecast_on_one_years_profile_uses_that_year(
    district: District, catalogue: Catalogue, make_rule: MakeRule, forecast_target: Target
) -> None:
    # Only 2025: share 30 / 100 = 0.30; 28 / 0.30 = 93.33… → 93.3; 6.70 % short: yellow.
    _history(catalogue, district.town_a, 2025, "30", "100")
    rule = make_rule("forecast_miss")
    finding = only(find(rule, JUNE_DUE))
    assert finding.severity == Severity.YELLOW
    assert (finding.facts["projection"], finding.facts["share"]) == ("93.3", "0.3000")
    assert (finding.facts["profile_years"], finding.facts["shortfall"]) == (1, "6.70")
    assert "按近 1 年同期完成全年的 30.00% 推算" in describe(rule, finding)


def test_a_forecast_without_history_uses_the_time_progress(
    district: District, make_rule: MakeRule, forecast_target: Target
) -> None:
    # No earlier year: share 6/12 = 0.5; 28 / 0.5 = 56.0, 44 % short: red.
    rule = make_rule("forecast_miss")
    finding = only(find(rule, JUNE_DUE))
    assert (finding.facts["share"], finding.facts["projection"]) == ("0.5000", "56.0")
    assert (finding.facts["profile_years"], finding.severity) == (0, Severity.RED)
    assert "无往年数据，按序时进度 50.00% 推算" in describe(rule, finding)
    assert "56.0" in in_english(rule, finding)


def test_a_year_with_a_draft_december_is_not_part_of_the_profile(
    district: District, catalogue: Catalogue, make_rule: MakeRule, forecast_target: Target
) -> None:
    # 2025 complete (0.30); 2024's December only a draft: one year, as above.
    _history(catalogue, district.town_a, 2025, "30", "100")
    put_value(catalogue.outside, district.town_a, "40", Period(2024, 6), ValueStatus.LOCKED)
    put_value(catalogue.outside, district.town_a, "100", Period(2024, 12), ValueStatus.DRAFT)
    finding = only(find(make_rule("forecast_miss"), JUNE_DUE))
    assert (finding.facts["profile_years"], finding.facts["share"]) == (1, "0.3000")


@pytest.mark.parametrize(
    ("tolerance", "found"),
    [("0", True), ("5", True), ("6.7", False), ("7", False)],
)
def test_a_projection_short_by_no_more_than_the_tolerance_is_no_alert(
    district: District,
    catalogue: Catalogue,
    make_rule: MakeRule,
    forecast_target: Target,
    tolerance: str,
    found: bool,
) -> None:
    # Projection 93.3 (one year's profile): 6.70 % short.
    _history(catalogue, district.town_a, 2025, "30", "100")
    rule = make_rule("forecast_miss", tolerance=tolerance)
    assert len(find(rule, JUNE_DUE)) == int(found)


def test_a_forecast_on_pace_is_no_alert(
    district: District, catalogue: Catalogue, make_rule: MakeRule, forecast_target: Target
) -> None:
    # Profile 0.25 (25 of 100 by June 2025): 28 / 0.25 = 112 ≥ 100.
    _history(catalogue, district.town_a, 2025, "25", "100")
    assert find(make_rule("forecast_miss"), JUNE_DUE) == []


def test_only_year_to_date_higher_is_better_indicators_are_forecast(
    district: District,
    catalogue: Catalogue,
    energy: Indicator,
    make_rule: MakeRule,
    months: Any,
    set_target: SetTarget,
) -> None:
    # A ceiling (综合能耗) and a growth are not projected, however far off.
    set_target(energy, district.town_a, "1000")
    put_value(energy, district.town_a, "10")
    set_target(catalogue.gdp_growth, district.town_a, "8.0")
    put_value(catalogue.gdp_growth, district.town_a, "1.0")
    assert find(make_rule("forecast_miss"), JUNE_DUE) == []


# bottom_of_group --------------------------------------------------------------------------

#: The scoring actions stamp a board's publication with the real time: these passes run
#: for the real today.
today = timezone.localdate


def test_the_last_of_the_group_on_k_published_boards_is_warned(
    district: District, make_rule: MakeRule, bottom_board: Board
) -> None:
    # Growths rank the towns; 太湖源 is last (3rd of 3) in July, August and September.
    bottom_board.publish(7, {"锦城": "8.0", "於潜": "6.0", "太湖源": "5.0"})
    bottom_board.publish(8, {"锦城": "7.0", "於潜": "8.0", "太湖源": "4.0"})
    bottom_board.publish(9, {"锦城": "9.0", "於潜": "6.5", "太湖源": "6.0"})
    rule = make_rule("bottom_of_group", places=1, runs=3)
    finding = only(find(rule, today()))
    assert (finding.subject_id, finding.unit_id) == (bottom_board.town_c.pk,) * 2
    assert finding.period == "2026"
    assert finding.subject_label == "太湖源镇 · 乡镇组"
    assert finding.facts["ranks"] == [
        ["2026年1-9月", 3, 3],
        ["2026年1-8月", 3, 3],
        ["2026年1-7月", 3, 3],
    ]
    assert describe(rule, finding) == (
        "在乡镇组连续 3 期排名倒数 1 位以内："
        "2026年1-9月 第 3/3 名、2026年1-8月 第 3/3 名、2026年1-7月 第 3/3 名"
    )
    assert "3/3" in in_english(rule, finding)


def test_the_last_on_two_boards_of_three_is_not_warned(
    make_rule: MakeRule, bottom_board: Board
) -> None:
    # 太湖源 last in July and September, 於潜 last in August: nobody last three times.
    bottom_board.publish(7, {"锦城": "8.0", "於潜": "6.0", "太湖源": "5.0"})
    bottom_board.publish(8, {"锦城": "7.0", "於潜": "3.0", "太湖源": "4.0"})
    bottom_board.publish(9, {"锦城": "9.0", "於潜": "6.5", "太湖源": "6.0"})
    assert find(make_rule("bottom_of_group", places=1, runs=3), today()) == []
    # In the last two places, 於潜 (2nd, 3rd, 2nd) and 太湖源 (3rd, 2nd, 3rd) both are.
    rule = make_rule("bottom_of_group", name="倒数两名", places=2, runs=3)
    assert {f.unit_id for f in find(rule, today())} == {
        bottom_board.district.town_b.pk,
        bottom_board.town_c.pk,
    }


def test_only_the_last_k_boards_count(make_rule: MakeRule, bottom_board: Board) -> None:
    # 太湖源 last in June but not July; last in August and September: the last two boards
    # make a streak of two (K=2), the last three none (K=3).
    bottom_board.publish(6, {"锦城": "8.0", "於潜": "6.0", "太湖源": "5.0"})
    bottom_board.publish(7, {"锦城": "8.0", "於潜": "4.0", "太湖源": "5.0"})
    bottom_board.publish(8, {"锦城": "7.0", "於潜": "8.0", "太湖源": "4.0"})
    bottom_board.publish(9, {"锦城": "9.0", "於潜": "6.5", "太湖源": "6.0"})
    assert find(make_rule("bottom_of_group", places=1, runs=3), today()) == []
    two = only(find(make_rule("bottom_of_group", name="连续两期", places=1, runs=2), today()))
    assert two.unit_id == bottom_board.town_c.pk
    assert [entry[0] for entry in two.facts["ranks"]] == ["2026年1-9月", "2026年1-8月"]


def test_a_corrected_board_counts_instead_of_the_one_it_corrects(
    district: District, make_rule: MakeRule, bottom_board: Board
) -> None:
    bottom_board.publish(7, {"锦城": "8.0", "於潜": "6.0", "太湖源": "5.0"})
    # August as first published: 於潜 last (3.0), 太湖源 2nd (4.0).
    august = bottom_board.publish(8, {"锦城": "7.0", "於潜": "3.0", "太湖源": "4.0"})
    bottom_board.publish(9, {"锦城": "9.0", "於潜": "6.5", "太湖源": "6.0"})
    rule = make_rule("bottom_of_group", places=1, runs=3)
    assert find(rule, today()) == []
    # 於潜's August growth was 5.0, not 3.0: the correction puts 太湖源 (4.0) last.
    value = Value.objects.get(
        indicator=bottom_board.indicator, unit=district.town_b, year=2026, month=8
    )
    do_correct_value(value, amount="5.0", actor=district.supervisor, reason="统计局更正")
    correction = bottom_board.publish(8, reason="於潜增速更正")
    assert correction.corrects_id == august.pk
    finding = only(find(rule, today()))
    assert finding.unit_id == bottom_board.town_c.pk
    assert finding.facts["ranks"][1] == ["2026年1-8月", 3, 3]


def test_draft_boards_are_not_counted(make_rule: MakeRule, bottom_board: Board) -> None:
    bottom_board.publish(7, {"锦城": "8.0", "於潜": "6.0", "太湖源": "5.0"})
    bottom_board.publish(8, {"锦城": "7.0", "於潜": "8.0", "太湖源": "4.0"})
    bottom_board.put_growths(9, {"锦城": "9.0", "於潜": "6.5", "太湖源": "6.0"})
    draft = bottom_board.score(9)
    assert draft.status == RunStatus.DRAFT
    # 太湖源 is last on the September draft too, but two published boards are no streak of 3.
    assert find(make_rule("bottom_of_group", places=1, runs=3), today()) == []


def test_a_board_published_after_the_day_of_the_pass_is_not_counted(
    make_rule: MakeRule, bottom_board: Board
) -> None:
    bottom_board.publish(7, {"锦城": "8.0", "於潜": "6.0", "太湖源": "5.0"})
    bottom_board.publish(8, {"锦城": "7.0", "於潜": "8.0", "太湖源": "4.0"})
    bottom_board.publish(9, {"锦城": "9.0", "於潜": "6.5", "太湖源": "6.0"})
    rule = make_rule("bottom_of_group", places=1, runs=3)
    assert find(rule, today() - timedelta(days=1)) == []


# value_not_submitted ----------------------------------------------------------------------


@pytest.fixture
def june_open(months: dict[Period, ReportingPeriod]) -> ReportingPeriod:
    """June 2026 alone (May's row would be overdue too): due 2026-07-10, still open."""
    months[MAY].delete()
    return months[JUNE]


def _submit_all(catalogue: Catalogue, district: District, but: tuple[Any, ...] = ()) -> None:
    """Every manual value of June for both towns, submitted — except (indicator, unit) in
    `but`."""
    for indicator in (catalogue.fai, catalogue.gdp_growth, catalogue.outside, catalogue.new_above):
        for unit in (district.town_a, district.town_b):
            if (indicator, unit) not in but:
                put_value(indicator, unit, "1")


def test_a_units_own_missing_or_draft_values_after_the_deadline_alert_the_unit(
    district: District, catalogue: Catalogue, make_rule: MakeRule, june_open: ReportingPeriod
) -> None:
    # 锦城: 引进市外内资 missing and 新增规上企业数 a draft; everything else submitted.
    _submit_all(
        catalogue,
        district,
        but=((catalogue.outside, district.town_a), (catalogue.new_above, district.town_a)),
    )
    put_value(catalogue.new_above, district.town_a, "2", status=ValueStatus.DRAFT)
    rule = make_rule("value_not_submitted")
    finding = only(find(rule, JUNE_DUE))
    assert (finding.unit_id, finding.subject_id) == (district.town_a.pk, june_open.pk)
    assert finding.period == "2026-06"
    assert finding.severity == Severity.YELLOW
    assert finding.subject_label == "锦城街道 · 2026年1-6月"
    # Due 2026-07-10; on 2026-07-20, 10 days late.
    assert finding.facts == {
        "month": "2026-06",
        "deadline": "2026-07-10",
        "indicators": sorted(["引进市外内资", "新增规上企业数"]),
        "missing": 2,
        "for_units": 1,
    }
    assert describe(rule, finding) == (
        "2026年1-6月 数据报送截止于 2026-07-10，已逾期 10 天，尚有 2 项未提交："
        + "、".join(sorted(["引进市外内资", "新增规上企业数"]))
    )
    assert "2026-07-10" in in_english(rule, finding)


def test_a_providers_missing_values_make_one_alert_on_the_provider(
    district: District, catalogue: Catalogue, make_rule: MakeRule, june_open: ReportingPeriod
) -> None:
    # 区统计局 reports 固定资产投资 for both towns and has sent neither.
    _submit_all(
        catalogue,
        district,
        but=((catalogue.fai, district.town_a), (catalogue.fai, district.town_b)),
    )
    finding = only(find(make_rule("value_not_submitted"), JUNE_DUE))
    assert finding.unit_id == district.statistics.pk
    assert finding.facts["indicators"] == ["固定资产投资"]
    assert (finding.facts["missing"], finding.facts["for_units"]) == (2, 2)


def test_nothing_submitted_alerts_each_reporter_once(
    district: District, catalogue: Catalogue, make_rule: MakeRule, june_open: ReportingPeriod
) -> None:
    # Towns: 引进市外内资 and 新增规上企业数 each; 统计局: 固定资产投资 and 地区生产总值增速
    # for two towns = 4. Derived indicators (增速, 项目数, 开工率) are nobody's to submit.
    found = by_unit(find(make_rule("value_not_submitted"), JUNE_DUE))
    assert {unit: f.facts["missing"] for unit, f in found.items()} == {
        district.town_a.pk: 2,
        district.town_b.pk: 2,
        district.statistics.pk: 4,
    }


def test_values_not_submitted_before_the_deadline_are_no_alert(
    catalogue: Catalogue, make_rule: MakeRule, june_open: ReportingPeriod
) -> None:
    assert find(make_rule("value_not_submitted"), date(2026, 7, 10)) == []


def test_a_closed_month_is_no_alert(
    district: District, catalogue: Catalogue, make_rule: MakeRule, june_open: ReportingPeriod
) -> None:
    do_close_period(JUNE, actor=district.supervisor)
    assert find(make_rule("value_not_submitted"), JUNE_DUE) == []


def test_all_submitted_is_no_alert(
    district: District, catalogue: Catalogue, make_rule: MakeRule, june_open: ReportingPeriod
) -> None:
    _submit_all(catalogue, district)
    assert find(make_rule("value_not_submitted"), JUNE_DUE) == []


def test_each_overdue_open_month_is_its_own_alert(
    district: District, catalogue: Catalogue, make_rule: MakeRule, months: Any
) -> None:
    # May (due 2026-06-10) and June (due 2026-07-10) both open and empty, 3 reporters
    # each; on 2026-07-20 May is 40 days late (20 + 20), June 10.
    rule = make_rule("value_not_submitted")
    findings = find(rule, JUNE_DUE)
    assert sorted((f.period, days_of(rule, f, JUNE_DUE)) for f in findings) == [
        ("2026-05", 40),
        ("2026-05", 40),
        ("2026-05", 40),
        ("2026-06", 10),
        ("2026-06", 10),
        ("2026-06", 10),
    ]


# request_overdue --------------------------------------------------------------------------

SUBMITTED_ON = date(2026, 6, 1)
#: 审批服务 has 7 days: submitted 2026-06-01, due 2026-06-08; on 2026-06-20, 12 days late.
REQUEST_DAY = date(2026, 6, 20)


def test_a_request_routed_to_two_departments_alerts_both(
    district: District, make_rule: MakeRule, requests: Requests
) -> None:
    request = requests.submit(on=SUBMITTED_ON)
    requests.walk(request, "assigned", departments=[district.office, district.statistics])
    rule = make_rule("request_overdue")
    found = by_unit(find(rule, REQUEST_DAY))
    assert set(found) == {district.office.pk, district.statistics.pk}
    finding = found[district.office.pk]
    assert finding.subject_id == request.pk and finding.severity == Severity.RED
    assert {key: finding.facts[key] for key in ("code", "enterprise", "deadline")} == {
        "code": request.code,
        "enterprise": "锦城精密机械有限公司",
        "deadline": "2026-06-08",
    }
    assert describe(rule, finding, REQUEST_DAY) == (
        f"锦城精密机械有限公司 的诉求 {request.code} 办理期限为 2026-06-08，已超期 12 天"
    )
    assert request.code in in_english(rule, finding, REQUEST_DAY)


def test_an_unrouted_request_is_the_enterprises_towns(
    district: District, make_rule: MakeRule, requests: Requests
) -> None:
    request = requests.submit(requests.enterprise_b, on=SUBMITTED_ON)
    finding = only(find(make_rule("request_overdue"), REQUEST_DAY))
    assert (finding.subject_id, finding.unit_id) == (request.pk, district.town_b.pk)


def test_a_finished_request_is_not_overdue_even_if_finished_late(
    district: District, make_rule: MakeRule, requests: Requests
) -> None:
    request = requests.submit(on=SUBMITTED_ON)
    requests.walk(request, "done", done_on=date(2026, 6, 15))
    assert find(make_rule("request_overdue"), REQUEST_DAY) == []


def test_a_request_on_its_deadline_is_not_yet_overdue(
    make_rule: MakeRule, requests: Requests
) -> None:
    request = requests.submit(on=SUBMITTED_ON)
    assert request.deadline == date(2026, 6, 8)
    rule = make_rule("request_overdue")
    assert find(rule, date(2026, 6, 8)) == []
    assert days_of(rule, only(find(rule, date(2026, 6, 9))), date(2026, 6, 9)) == 1


def test_a_request_in_progress_is_overdue_for_its_department(
    district: District, make_rule: MakeRule, requests: Requests
) -> None:
    request = requests.walk(requests.submit(on=SUBMITTED_ON), "in_progress")
    assert ServiceRequest.objects.get(pk=request.pk).status == "in_progress"
    assert only(find(make_rule("request_overdue"), REQUEST_DAY)).unit_id == district.office.pk


# project_stalled --------------------------------------------------------------------------


def test_a_project_without_a_stage_change_for_n_days_is_stalled(
    district: District, make_rule: MakeRule, signed_project: SignedProject
) -> None:
    signed_project("竹材精深加工项目")
    rule = make_rule("project_stalled", days=90)
    # Signed 2026-03-02; 2026-05-31 is 90 days later (29 + 30 + 31), 2026-06-01 is 91.
    assert SIGNED_ON + timedelta(days=90) == date(2026, 5, 31)
    assert find(rule, date(2026, 5, 31)) == []
    finding = only(find(rule, date(2026, 6, 1)))
    assert finding.unit_id == district.town_a.pk
    assert finding.facts == {
        "project": "竹材精深加工项目",
        "stage": Stage.SIGNED,
        "moved_on": "2026-03-02",
    }
    assert describe(rule, finding, date(2026, 6, 1)) == (
        "竹材精深加工项目 自 2026-03-02 起停留在“签约”阶段，已 91 天无进展"
    )
    assert "2026-03-02" in in_english(rule, finding, date(2026, 6, 1))


def test_a_recent_stage_change_is_progress(
    district: District, make_rule: MakeRule, signed_project: SignedProject
) -> None:
    project = signed_project("竹材精深加工项目")
    project_actions.do_change_stage(
        project, to=Stage.REGISTERED, on=date(2026, 5, 1), actor=district.supervisor
    )
    rule = make_rule("project_stalled", days=90)
    assert find(rule, date(2026, 6, 1)) == []
    # Registered 2026-05-01: stalled from 91 days on, 2026-07-31.
    assert only(find(rule, date(2026, 7, 31))).facts["moved_on"] == "2026-05-01"


def test_a_terminated_project_is_not_stalled(
    district: District, make_rule: MakeRule, signed_project: SignedProject
) -> None:
    project = signed_project("竹材精深加工项目")
    project_actions.do_change_stage(
        project, to=Stage.TERMINATED, on=date(2026, 3, 5), actor=district.supervisor, reason="撤资"
    )
    assert find(make_rule("project_stalled", days=90), date(2026, 11, 1)) == []


def test_a_project_at_capacity_is_not_stalled(
    district: District, make_rule: MakeRule, signed_project: SignedProject
) -> None:
    project = signed_project("竹材精深加工项目", on=date(2026, 1, 5))
    steps = [
        (Stage.REGISTERED, date(2026, 1, 10)),
        (Stage.LAND, date(2026, 1, 15)),
        (Stage.STARTED, date(2026, 1, 20)),
        (Stage.PRODUCING, date(2026, 1, 25)),
        (Stage.AT_CAPACITY, date(2026, 2, 1)),
    ]
    for stage, on in steps:
        milestone = Milestone.objects.get(project=project, stage=stage)
        if milestone.requires_evidence:
            project_actions.do_add_evidence(
                milestone, upload=SimpleUploadedFile("佐证.pdf", PDF), actor=district.supervisor
            )
        project_actions.do_change_stage(project, to=stage, on=on, actor=district.supervisor)
    assert find(make_rule("project_stalled", days=90), date(2026, 11, 1)) == []


def test_a_merged_project_is_not_stalled(
    district: District, make_rule: MakeRule, signed_project: SignedProject
) -> None:
    earlier = signed_project("年产10万吨竹纤维项目", investor_name="临安竹业集团有限公司")
    later = signed_project("年产10万吨竹纤维项目（二期）", investor_name="临安竹业集团有限公司")
    check = DuplicateCheck.objects.get(project=later, candidate=earlier)
    project_actions.do_decide_duplicate(
        check, decision=DuplicateStatus.MERGED, actor=district.supervisor, note="同一项目"
    )
    finding = only(find(make_rule("project_stalled", days=90), date(2026, 6, 1)))
    assert finding.subject_id == earlier.pk


# Every kind ---------------------------------------------------------------------------------


def test_every_kind_is_registered_with_its_label_and_params() -> None:
    assert set(rule_kinds) == {
        "milestone_overdue",
        "milestone_due_soon",
        "project_stalled",
        "request_overdue",
        "completion_behind",
        "forecast_miss",
        "value_not_submitted",
        "bottom_of_group",
    }
    for _key, kind in rule_kinds.items():
        assert str(kind.label) and str(kind.explanation)
        defaults = {param.name: param.default for param in kind.params}
        assert kind.settings(Rule(kind=kind.key, params={})) == defaults


# completion_behind: when a red is made up ------------------------------------------------


@pytest.fixture
def enterprises_above(district: District) -> Indicator:
    """规上工业企业数: a stock (the count at month end), each town reports its own."""
    return do_save_indicator(
        None,
        actor=district.supervisor,
        reason="测试指标",
        code="ABOVE",
        name="规上工业企业数",
        unit_of_measure="家",
        kind=IndicatorKind.STOCK,
        decimals=0,
        order=9,
    )


def test_a_year_to_date_yellow_makes_up_a_shortfall_at_once(
    district: District, make_rule: MakeRule, targets_behind: TargetsBehind
) -> None:
    # The year-to-date figure carries the whole shortfall: yellow now is made up.
    found = by_unit(find(make_rule("completion_behind"), JUNE_DUE))
    assert found[district.town_a.pk].made_up


@pytest.mark.parametrize(
    ("may", "made_up"),
    [
        # May: 44 of 100 against 5/12 = 41.6667 %: +2.33 pp, green → made up.
        ("44", True),
        # May: 30 of 100 → −11.67 pp, red: one yellow June does not make it up.
        ("30", False),
    ],
)
def test_a_yellow_stock_makes_up_a_red_only_if_last_month_was_not_red(
    district: District,
    enterprises_above: Indicator,
    make_rule: MakeRule,
    months: Any,
    set_target: SetTarget,
    may: str,
    made_up: bool,
) -> None:
    set_target(enterprises_above, district.town_a, "100")
    put_value(enterprises_above, district.town_a, may, MAY)
    # June: 45 of 100 against 50 %: −5 pp, yellow.
    put_value(enterprises_above, district.town_a, "45", JUNE)
    finding = only(find(make_rule("completion_behind"), JUNE_DUE))
    assert (finding.severity, finding.facts["gap"]) == (Severity.YELLOW, "-5.0000")
    assert finding.made_up is made_up


def test_a_yellow_stock_without_last_months_value_has_not_made_up(
    district: District,
    enterprises_above: Indicator,
    make_rule: MakeRule,
    months: Any,
    set_target: SetTarget,
) -> None:
    set_target(enterprises_above, district.town_a, "100")
    put_value(enterprises_above, district.town_a, "45", JUNE)
    assert only(find(make_rule("completion_behind"), JUNE_DUE)).made_up is False


def test_last_month_of_a_phased_stock_is_judged_by_its_phasing(
    district: District,
    enterprises_above: Indicator,
    make_rule: MakeRule,
    months: Any,
    set_target: SetTarget,
) -> None:
    """Phased 5, 10 … 30 by June: May's time progress is 25 %, not 5/12 = 41.67 %."""
    phasing = ["5", "10", "15", "20", "25", "30", "40", "50", "60", "70", "85", "100"]
    set_target(enterprises_above, district.town_a, "100", phasing=phasing)
    # May: 30 of 100 against 25 %: +5 pp, green (against 41.67 % it would be −11.67, red).
    put_value(enterprises_above, district.town_a, "30", MAY)
    # June: 25 of 100 against 30 %: −5 pp, yellow.
    put_value(enterprises_above, district.town_a, "25", JUNE)
    finding = only(find(make_rule("completion_behind"), JUNE_DUE))
    assert (finding.severity, finding.facts["gap"]) == (Severity.YELLOW, "-5.0000")
    assert finding.made_up is True
