"""Hand-built cases for the rule kinds of 督查预警, on the conftest district (锦城街道 =
town_a, 於潜镇 = town_b, departments office and statistics).

The days are fixed and in the past, so that the actions accept them whatever day the
tests run; a pass is run *for* a day (`find(rule, on)`), never for the real today — except
the boards of `bottom_board`, whose publication the scoring actions stamp with the real
time.

- Projects: `signed_project(name)` is a 锦城 project signed on SIGNED_ON (2026-03-02) with
  its roadmap from the shipped template: 注册 planned 2026-04-02 (signing + 1 month), 供地
  2026-09-02 (+6), 开工 2026-12-02 (供地 + 3) …; `overdue_milestone` is that 注册 milestone,
  overdue from 2026-04-03 (10 days on OVERDUE_DAY, 2026-04-12).
- Monthly data: `months` are the reporting periods May and June 2026 with the default
  deadlines (2026-06-10 and 2026-07-10); on JUNE_DUE (2026-07-20) the data due is June's
  (time progress 6/12 = 50 %). `targets_behind`: 引进市外内资 (cumulative, higher is better)
  targets of 1000 for both towns; June values 锦城 450 (45 % − 50 % = −5 pp, yellow) and
  於潜 350 (35 % − 50 % = −15 pp, red).
- Competition: `bottom_board` is 乡镇组 2026 with a third town (太湖源镇) scored on one item,
  地区生产总值增速 as a level, so that the higher growth ranks first; `publish(month,
  growths)` scores a month and publishes it.
- Service requests: `requests` is the helper of the request tests (an enterprise of each
  town, a clerk of each department, `submit` and `walk`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bipin.alerts.actions import do_save_rule
from bipin.alerts.engine import data_period
from bipin.alerts.models import Rule
from bipin.alerts.rules import Finding, PassContext, rule_kinds
from bipin.conftest import District
from bipin.core.periods import Period
from bipin.enterprises.tests.test_request_actions import Requests
from bipin.indicators.actions import do_save_indicator, do_set_target, reporting_period
from bipin.indicators.choices import Direction, IndicatorKind, ValueStatus
from bipin.indicators.models import Indicator, ReportingPeriod, Target, Value
from bipin.indicators.tests.conftest import Catalogue
from bipin.org.choices import UnitKind
from bipin.org.models import GroupMember, Unit
from bipin.projects import actions as project_actions
from bipin.projects.choices import Stage
from bipin.projects.models import Industry, Milestone, Project
from bipin.scoring.actions import ItemSpec, do_publish_run, do_save_scheme, do_score
from bipin.scoring.choices import Basis
from bipin.scoring.models import Run, Scheme

SIGNED_ON = date(2026, 3, 2)
#: The 注册 milestone of a project signed on SIGNED_ON is planned a month later.
REGISTERED_PLANNED = date(2026, 4, 2)
OVERDUE_DAY = date(2026, 4, 12)

MAY = Period(2026, 5)
JUNE = Period(2026, 6)
#: June's data is due by 2026-07-10; ten days later it is the month a pass looks at.
JUNE_DUE = date(2026, 7, 20)


def find(rule: Rule, on: date) -> list[Finding]:
    """The rule's findings in a pass for the day `on` (what the engine reconciles)."""
    context = PassContext(today=on, data_period=data_period(on))
    return list(rule_kinds.get(rule.kind).find(rule, context))


@pytest.fixture
def make_rule(district: District) -> Callable[..., Rule]:
    """`make_rule("completion_behind", yellow_from=-20)`: a rule of the kind, saved by the
    supervisor through the action, with the kind's default severity unless given."""

    def make(
        kind: str,
        *,
        severity: str | None = None,
        name: str | None = None,
        escalate_after_days: int = 3,
        **params: Any,
    ) -> Rule:
        return do_save_rule(
            None,
            kind=kind,
            name=name or f"{rule_kinds.get(kind).label}（测试）",
            severity=severity or rule_kinds.get(kind).default_severity,
            params=params,
            escalate_after_days=escalate_after_days,
            active=True,
            actor=district.supervisor,
        )

    return make


# Projects -----------------------------------------------------------------------------------


@pytest.fixture
def signed_project(district: District) -> Callable[..., Project]:
    """`signed_project("…项目")`: a project of 锦城 (unless `unit=`) signed on SIGNED_ON
    (unless `on=`), entered by the supervisor, with its roadmap laid."""
    counter = iter(range(1, 100))

    def make(
        name: str, *, unit: Unit | None = None, on: date = SIGNED_ON, **fields: Any
    ) -> Project:
        particulars: dict[str, Any] = {
            "name": name,
            "investor_name": f"杭州测试投资{next(counter)}号有限公司",
            "industry": Industry.objects.get(code="39"),
            "contracted_investment": Decimal(20000),
            "responsible_unit": unit or district.town_a,
        }
        particulars.update(fields)
        return project_actions.do_create_project(
            actor=district.supervisor, stage=Stage.SIGNED, stage_on=on, **particulars
        )

    return make


@pytest.fixture
def overdue_milestone(signed_project: Callable[..., Project]) -> Milestone:
    """The 注册 milestone of 锦城's 年产5000万片MEMS传感器芯片项目: planned 2026-04-02, not
    reached — overdue from 2026-04-03, by 10 days on OVERDUE_DAY."""
    project = signed_project("年产5000万片MEMS传感器芯片项目")
    return Milestone.objects.get(project=project, stage=Stage.REGISTERED)


# Monthly data -------------------------------------------------------------------------------


@pytest.fixture
def catalogue(district: District) -> Catalogue:
    return Catalogue(district)


@pytest.fixture
def energy(district: District) -> Indicator:
    """综合能耗: a ceiling (lower is better), cumulative, each town reports its own."""
    return do_save_indicator(
        None,
        actor=district.supervisor,
        reason="测试指标",
        code="ENERGY",
        name="综合能耗",
        unit_of_measure="吨标准煤",
        kind=IndicatorKind.CUMULATIVE,
        direction=Direction.LOWER,
        decimals=1,
        order=8,
    )


@pytest.fixture
def months(db: None) -> dict[Period, ReportingPeriod]:
    """The reporting periods May and June 2026, due on the 10th of the month after."""
    return {period: reporting_period(period) for period in (MAY, JUNE)}


def put_value(
    indicator: Indicator,
    unit: Unit,
    amount: str,
    period: Period = JUNE,
    status: str = ValueStatus.SUBMITTED,
) -> Value:
    """A value as the data workflow would have left it (the rules read, never write)."""
    return Value.objects.create(
        indicator=indicator,
        unit=unit,
        year=period.year,
        month=period.month,
        amount=Decimal(amount),
        status=status,
    )


@pytest.fixture
def set_target(district: District) -> Callable[..., Target]:
    """`set_target(indicator, unit, "1000")`: the 2026 target, set by the supervisor."""

    def make(
        indicator: Indicator, unit: Unit, amount: str, phasing: list[str] | None = None
    ) -> Target:
        return do_set_target(
            indicator=indicator,
            unit=unit,
            year=2026,
            amount=Decimal(amount),
            phasing=phasing,
            actor=district.supervisor,
            today=date(2025, 12, 1),
        )

    return make


@dataclass
class TargetsBehind:
    """锦城 −5 pp (yellow) and 於潜 −15 pp (red) on 引进市外内资 in June 2026."""

    yellow: Target
    red: Target
    yellow_value: Value
    red_value: Value


@pytest.fixture
def targets_behind(
    district: District,
    catalogue: Catalogue,
    months: dict[Period, ReportingPeriod],
    set_target: Callable[..., Target],
) -> TargetsBehind:
    return TargetsBehind(
        yellow=set_target(catalogue.outside, district.town_a, "1000"),
        red=set_target(catalogue.outside, district.town_b, "1000"),
        yellow_value=put_value(catalogue.outside, district.town_a, "450"),
        red_value=put_value(catalogue.outside, district.town_b, "350"),
    )


# Competition --------------------------------------------------------------------------------


@dataclass
class Board:
    district: District
    town_c: Unit
    scheme: Scheme
    indicator: Indicator

    @property
    def towns(self) -> dict[str, Unit]:
        return {"锦城": self.district.town_a, "於潜": self.district.town_b, "太湖源": self.town_c}

    def put_growths(self, month: int, growths: dict[str, str]) -> None:
        for name, growth in growths.items():
            put_value(
                self.indicator,
                self.towns[name],
                growth,
                Period(2026, month),
                ValueStatus.APPROVED,
            )

    def score(self, month: int) -> Run:
        """The month's board as a draft."""
        return do_score(self.scheme, Period(2026, month), actor=self.district.supervisor)

    def publish(self, month: int, growths: dict[str, str] | None = None, reason: str = "") -> Run:
        """Scores the month (after putting `growths` in, short name → growth) and publishes
        it; a month already published is corrected, with `reason`."""
        if growths:
            self.put_growths(month, growths)
        return do_publish_run(self.score(month), actor=self.district.supervisor, reason=reason)


@pytest.fixture
def bottom_board(district: District, catalogue: Catalogue) -> Board:
    """乡镇组 2026 of three towns, scored on 地区生产总值增速 alone (weight 100, as a level:
    the highest growth ranks first)."""
    town_c = Unit.objects.create(
        kind=UnitKind.TOWN,
        code="330112103",
        name="太湖源镇",
        short_name="太湖源",
        parent=district.district,
        order=103,
    )
    GroupMember.objects.create(group=district.group, unit=town_c, year=2026)
    scheme = do_save_scheme(
        Scheme(group=district.group, name="增速比拼"),
        items=[ItemSpec(catalogue.gdp_growth, Decimal(100), Basis.LEVEL)],
        adjustments=[],
        actor=district.supervisor,
    )
    return Board(district, town_c, scheme, catalogue.gdp_growth)


# Service requests ---------------------------------------------------------------------------


@pytest.fixture
def requests(district: District) -> Requests:
    return Requests(district)
