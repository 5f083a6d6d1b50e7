"""Derived indicators: values counted from the records themselves, never typed in.

A derivation is a registered function (DESIGN.md, "Pluggable kinds"): given a period, it
counts or sums the records of each unit in one aggregate query, and lists the records it
counted for one unit, so that a derived value's page shows what makes it up. A unit's
value includes its sub-units' records (a town counts the projects of the platforms under
it), as the reports of a district add up.

Every derivation is year-to-date: "signed by the end of month n of the year". Rates are
numerator ÷ denominator × 100 over the same records, with no value where the denominator
is zero (no 0 %, no division by zero).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bipin.core.periods import Period
from bipin.core.registry import Registry
from bipin.enterprises.choices import FINISHED
from bipin.enterprises.models import ServiceRequest
from bipin.indicators.choices import IndicatorKind
from bipin.org.models import Unit
from bipin.projects.choices import MajorClass, Stage
from bipin.projects.models import Milestone, Project
from bipin.talent.choices import HIGH_LEVEL, Tier
from bipin.talent.models import Talent

_PERCENT = Decimal(100)
_RATE_PLACES = Decimal("0.0001")


def period_bounds(period: Period) -> tuple[date, date]:
    """The first day of the year and the last day of the period's month."""
    following = period.next()
    end = date(following.year, following.month, 1).toordinal() - 1
    return date(period.year, 1, 1), date.fromordinal(end)


@dataclass(frozen=True)
class Column:
    """A column of the counted records' table on a derived value's page."""

    label: Any
    path: str  # attribute path on the record, "responsible_unit.name"


@dataclass(frozen=True)
class Derivation:
    """How a derived indicator is counted. Subclasses say which records count
    (`records`), by which unit (`unit_field`), and what of them (`measure`)."""

    label: str | Promise
    kind: str
    unit_of_measure: str
    formula: str | Promise
    columns: tuple[Column, ...] = field(default=())

    #: The records' foreign key to the unit they count for.
    unit_field = "unit"

    def records(self, period: Period) -> QuerySet:
        """Every record counted in `period`, for all units."""
        raise NotImplementedError

    def per_unit(self, period: Period) -> dict[int, Decimal]:
        """The figure of each unit that has records, its own records only (one query)."""
        raise NotImplementedError

    def records_of(self, unit_ids: Iterable[int], period: Period) -> QuerySet:
        """The records counted for a unit (and its sub-units, `unit_ids`)."""
        return self.records(period).filter(**{f"{self.unit_field}__in": list(unit_ids)})

    def amounts(self, period: Period, units: Iterable[Unit]) -> dict[int, Decimal]:
        """The value of each of `units`, its sub-units' records included."""
        return rolled_up(self.per_unit(period), units)


@dataclass(frozen=True)
class CountOf(Derivation):
    """The number of records, or the sum of one of their fields (`summed`)."""

    summed: str = ""

    def per_unit(self, period: Period) -> dict[int, Decimal]:
        measure = Sum(self.summed) if self.summed else Count("pk")
        rows = (
            self.records(period)
            .order_by()
            .values(self.unit_field)
            .annotate(figure=measure)
            .values_list(self.unit_field, "figure")
        )
        return {unit_id: Decimal(figure or 0) for unit_id, figure in rows}


@dataclass(frozen=True)
class ShareOf(Derivation):
    """A rate in percent: the records meeting `meeting` among the records counted."""

    def meeting(self, period: Period) -> Q:
        raise NotImplementedError

    def per_unit(self, period: Period) -> dict[int, Decimal]:
        # The rate of a unit is computed after rolling up, from the two counts; per_unit
        # alone (a unit's own records) is the same computation on its own counts.
        parts = self.parts(period)
        return {
            unit_id: rate
            for unit_id, (part, whole) in parts.items()
            if (rate := share(part, whole)) is not None
        }

    def parts(self, period: Period) -> dict[int, tuple[int, int]]:
        rows = (
            self.records(period)
            .order_by()
            .values(self.unit_field)
            .annotate(part=Count("pk", filter=self.meeting(period)), whole=Count("pk"))
            .values_list(self.unit_field, "part", "whole")
        )
        return {unit_id: (part, whole) for unit_id, part, whole in rows}

    def amounts(self, period: Period, units: Iterable[Unit]) -> dict[int, Decimal]:
        parts = self.parts(period)
        parts_of = rolled_up({key: Decimal(part) for key, (part, _w) in parts.items()}, units)
        wholes = rolled_up({key: Decimal(whole) for key, (_p, whole) in parts.items()}, units)
        return {
            unit_id: rate
            for unit_id, whole in wholes.items()
            if (rate := share(parts_of.get(unit_id, Decimal(0)), whole)) is not None
        }


def share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part ÷ whole × 100, to four decimals; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole) * _PERCENT).quantize(_RATE_PLACES, ROUND_HALF_UP)


def rolled_up(own: dict[int, Decimal], units: Iterable[Unit]) -> dict[int, Decimal]:
    """Each unit's figure with the figures of all units below it added: one pass over the
    tree (two queries' worth of ids, whatever the number of units). Units without any
    record below them are left out."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit_id, parent_id in Unit.objects.values_list("pk", "parent_id"):
        children[parent_id].append(unit_id)
    totals: dict[int, Decimal] = {}

    def total(unit_id: int) -> Decimal | None:
        if unit_id in totals:
            return totals[unit_id]
        figures = [own[unit_id]] if unit_id in own else []
        figures += [f for child in children[unit_id] if (f := total(child)) is not None]
        if not figures:
            return None
        totals[unit_id] = sum(figures, Decimal(0))
        return totals[unit_id]

    wanted = {}
    for unit in units:
        figure = total(unit.pk)
        if figure is not None:
            wanted[unit.pk] = figure
    return wanted


#: The derivations, by the key an Indicator names in `derivation`.
derivations: Registry[Derivation] = Registry("derivation")


# Projects (招商引资) -------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedProjects(CountOf):
    """Projects counted (甄别: once, in the year signed, for the unit that signed) and signed
    by the end of the period; `major` narrows to a major class, `new_only` leaves out
    capital increases (counted as amount, not as new projects)."""

    major: str = ""
    new_only: bool = False
    unit_field = "counting_unit"

    def records(self, period: Period) -> QuerySet:
        _start, end = period_bounds(period)
        projects = Project.objects.counted(period.year).filter(signed_on__lte=end)
        if self.new_only:
            projects = projects.filter(is_capital_increase=False)
        if self.major:
            projects = projects.with_major_class(self.major)
        return projects.select_related("counting_unit").order_by("signed_on", "code")


_PROJECT_COLUMNS = (
    Column(_("项目编号"), "code"),
    Column(_("项目名称"), "name"),
    Column(_("签约日期"), "signed_on"),
    Column(_("合同投资（万元）"), "contracted_investment"),
    Column(_("计入单位"), "counting_unit.name"),
)

derivations.add(
    "signed_projects_1yi",
    SignedProjects(
        _("新签约亿元以上项目数"),
        IndicatorKind.CUMULATIVE,
        "个",
        _("本年 1 月 1 日至期末签约、经甄别计入本单位的亿元以上新项目个数（增资扩股不计个数）"),
        _PROJECT_COLUMNS,
        major=MajorClass.YI_1,
        new_only=True,
    ),
)
derivations.add(
    "signed_projects_10yi",
    SignedProjects(
        _("新签约10亿元以上项目数"),
        IndicatorKind.CUMULATIVE,
        "个",
        _("本年 1 月 1 日至期末签约、经甄别计入本单位的 10 亿元以上新项目个数"),
        _PROJECT_COLUMNS,
        major=MajorClass.YI_10,
        new_only=True,
    ),
)
derivations.add(
    "contracted_investment",
    SignedProjects(
        _("签约项目合同投资额"),
        IndicatorKind.CUMULATIVE,
        "万元",
        _("本年 1 月 1 日至期末签约、计入本单位的项目合同投资额之和（含增资扩股）"),
        _PROJECT_COLUMNS,
        summed="contracted_investment",
    ),
)
derivations.add(
    "foreign_capital",
    SignedProjects(
        _("签约项目外资额"),
        IndicatorKind.CUMULATIVE,
        "万美元",
        _("本年 1 月 1 日至期末签约、计入本单位的项目外资额之和"),
        (
            *_PROJECT_COLUMNS[:3],
            Column(_("外资（万美元）"), "foreign_capital"),
            _PROJECT_COLUMNS[4],
        ),
        summed="foreign_capital",
    ),
)


@dataclass(frozen=True)
class StartedProjects(CountOf):
    """Projects that started construction (开工) from 1 January to the end of the period,
    counted for their responsible unit: delivering a project is its job, whoever signed it."""

    unit_field = "responsible_unit"

    def records(self, period: Period) -> QuerySet:
        start, end = period_bounds(period)
        return (
            Project.objects.current()
            .filter(started_on__gte=start, started_on__lte=end)
            .select_related("responsible_unit")
            .order_by("started_on", "code")
        )


derivations.add(
    "started_projects",
    StartedProjects(
        _("开工项目数"),
        IndicatorKind.CUMULATIVE,
        "个",
        _("本年 1 月 1 日至期末开工的项目个数，计入责任单位"),
        (
            Column(_("项目编号"), "code"),
            Column(_("项目名称"), "name"),
            Column(_("开工日期"), "started_on"),
            Column(_("责任单位"), "responsible_unit.name"),
        ),
    ),
)


@dataclass(frozen=True)
class StartRate(ShareOf):
    """项目开工率: among the projects whose roadmap planned the start of construction
    between 1 January and the end of the period (and not terminated), the share that
    had started by the end of the period; by responsible unit."""

    unit_field = "project__responsible_unit"

    def records(self, period: Period) -> QuerySet:
        return planned_starts(period)

    def meeting(self, period: Period) -> Q:
        _start, end = period_bounds(period)
        return Q(project__started_on__lte=end)


def planned_starts(period: Period) -> QuerySet:
    """The start-of-construction milestones planned from 1 January to the end of the
    period, of projects neither terminated nor merged into another."""
    start, end = period_bounds(period)
    return (
        Milestone.objects.filter(stage=Stage.STARTED, planned_on__gte=start, planned_on__lte=end)
        .exclude(project__stage=Stage.TERMINATED)
        .filter(project__merged_into__isnull=True)
        .select_related("project__responsible_unit")
        .order_by("planned_on", "project__code")
    )


derivations.add(
    "start_rate",
    StartRate(
        _("项目开工率"),
        IndicatorKind.RATE,
        "%",
        _("计划于本年 1 月 1 日至期末开工的项目中，期末前已开工的项目所占比例 × 100"),
        (
            Column(_("项目编号"), "project.code"),
            Column(_("项目名称"), "project.name"),
            Column(_("计划开工日期"), "planned_on"),
            Column(_("实际开工日期"), "project.started_on"),
            Column(_("责任单位"), "project.responsible_unit.name"),
        ),
    ),
)


@dataclass(frozen=True)
class LateStarts(CountOf):
    """未按期开工: projects whose roadmap planned the start of construction from 1 January
    to the end of the period and that had not started by then, by responsible unit — what
    a scheme's deduction "−0.1 per project signed but not started on time" counts."""

    unit_field = "project__responsible_unit"

    def records(self, period: Period) -> QuerySet:
        _start, end = period_bounds(period)
        return planned_starts(period).exclude(project__started_on__lte=end)


derivations.add(
    "late_starts",
    LateStarts(
        _("未按期开工项目数"),
        IndicatorKind.CUMULATIVE,
        "个",
        _("计划于本年 1 月 1 日至期末开工、期末前仍未开工的项目个数，计入责任单位"),
        (
            Column(_("项目编号"), "project.code"),
            Column(_("项目名称"), "project.name"),
            Column(_("计划开工日期"), "planned_on"),
            Column(_("责任单位"), "project.responsible_unit.name"),
        ),
    ),
)


# Talents (招才引智) --------------------------------------------------------------------------


@dataclass(frozen=True)
class IntroducedTalents(CountOf):
    """Talents of the given tiers introduced from 1 January to the end of the period, for
    the unit that introduced them."""

    tiers: tuple[str, ...] = ()
    unit_field = "introducing_unit"

    def records(self, period: Period) -> QuerySet:
        start, end = period_bounds(period)
        return (
            Talent.objects.filter(
                tier__in=self.tiers, introduced_on__gte=start, introduced_on__lte=end
            )
            .select_related("introducing_unit", "employer")
            .order_by("introduced_on", "code")
        )


_TALENT_COLUMNS = (
    Column(_("人才编号"), "code"),
    Column(_("姓名"), "name"),
    Column(_("人才类别"), "get_tier_display"),
    Column(_("引进日期"), "introduced_on"),
    Column(_("工作单位"), "employer.name"),
)

derivations.add(
    "high_level_talents",
    IntroducedTalents(
        _("引进高层次人才数"),
        IndicatorKind.CUMULATIVE,
        "人",
        _("本年 1 月 1 日至期末引进的 A-E 类高层次人才人数，计入引进单位"),
        _TALENT_COLUMNS,
        tiers=tuple(HIGH_LEVEL),
    ),
)
derivations.add(
    "graduates",
    IntroducedTalents(
        _("引进大学生数"),
        IndicatorKind.CUMULATIVE,
        "人",
        _("本年 1 月 1 日至期末引进的高校毕业生（博士、硕士、本科）人数，计入引进单位"),
        _TALENT_COLUMNS,
        tiers=(Tier.DOCTOR, Tier.MASTER, Tier.BACHELOR),
    ),
)


# Enterprise service (企业服务) ---------------------------------------------------------------


@dataclass(frozen=True)
class RequestsOnTime(ShareOf):
    """企业诉求按期办结率: among the requests finished (办结) from 1 January to the end of
    the period, the share finished by their deadline; for the enterprise's town."""

    unit_field = "enterprise__unit"

    def records(self, period: Period) -> QuerySet:
        start, end = period_bounds(period)
        return (
            ServiceRequest.objects.filter(status__in=FINISHED, done_on__gte=start, done_on__lte=end)
            .select_related("enterprise__unit")
            .order_by("done_on", "code")
        )

    def meeting(self, period: Period) -> Q:
        return Q(done_on__lte=F("deadline"))


derivations.add(
    "requests_on_time",
    RequestsOnTime(
        _("企业诉求按期办结率"),
        IndicatorKind.RATE,
        "%",
        _("本年 1 月 1 日至期末办结的企业诉求中，在办理期限内办结的所占比例 × 100"),
        (
            Column(_("诉求编号"), "code"),
            Column(_("企业"), "enterprise.name"),
            Column(_("办理期限"), "deadline"),
            Column(_("办结日期"), "done_on"),
            Column(_("所属镇街"), "enterprise.unit.name"),
        ),
    ),
)


@dataclass(frozen=True)
class HandledOnTime(RequestsOnTime):
    """承办诉求按期办结率: the same share, for each department that handled the requests
    (a request handled by two departments counts for both): the departments' competition
    is on the service they give."""

    unit_field = "departments"


@dataclass(frozen=True)
class HandledInOneVisit(HandledOnTime):
    """最多跑一次实现率: among the requests a department finished from 1 January to the end
    of the period, the share for which the enterprise came at most once (跑动次数 ≤ 1)."""

    def meeting(self, period: Period) -> Q:
        return Q(visits__lte=1)


_HANDLED_COLUMNS = (
    Column(_("诉求编号"), "code"),
    Column(_("企业"), "enterprise.name"),
    Column(_("办理期限"), "deadline"),
    Column(_("办结日期"), "done_on"),
    Column(_("跑动次数"), "visits"),
)

derivations.add(
    "handled_on_time",
    HandledOnTime(
        _("承办诉求按期办结率"),
        IndicatorKind.RATE,
        "%",
        _("本年 1 月 1 日至期末本部门承办并办结的企业诉求中，在办理期限内办结的所占比例 × 100"),
        _HANDLED_COLUMNS,
    ),
)
derivations.add(
    "handled_in_one_visit",
    HandledInOneVisit(
        _("最多跑一次实现率"),
        IndicatorKind.RATE,
        "%",
        _("本年 1 月 1 日至期末本部门承办并办结的企业诉求中，企业跑动不超过一次的所占比例 × 100"),
        _HANDLED_COLUMNS,
    ),
)
