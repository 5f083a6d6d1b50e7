"""Rule kinds about the monthly data: completion behind time progress (序时进度), a year-end
forecast that misses the annual target, values not submitted by the deadline.

The month looked at is the one whose data is due: the latest reporting period whose
deadline has passed (`PassContext.data_period`). SQL picks the targets that may be behind
(a generous cut, in floating point); the exact Decimal computation of `indicators.
computations` then decides each of those, so the numbers in an alert are the ones the
progress table shows.
"""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    Exists,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models import Value as Constant
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bipin.alerts.choices import Severity
from bipin.alerts.rules.base import Finding, Param, PassContext, RuleKind, register
from bipin.core.periods import Period
from bipin.indicators.choices import (
    SUBMITTED_OR_LATER,
    Colour,
    Direction,
    IndicatorKind,
    Source,
)
from bipin.indicators.computations import ColourBands, completion, time_progress
from bipin.indicators.models import Indicator, ReportingPeriod, Target, Value
from bipin.org.models import Unit

if TYPE_CHECKING:
    from bipin.alerts.models import Alert, Rule

_HUNDRED = Decimal(100)
#: The SQL cut is in floating point; it lets through anything within this many points of
#: the line, and the Decimal computation decides.
_SLACK = 0.01


def _reported(year: int, month: int, amount_of: str = "amount") -> Subquery:
    """The submitted (or later) value of the target's indicator and unit at a month."""
    return Subquery(
        Value.objects.filter(
            indicator=OuterRef("indicator"),
            unit=OuterRef("unit"),
            year=year,
            month=month,
            status__in=SUBMITTED_OR_LATER,
        ).values(amount_of)[:1]
    )


def _as_float(expression: Any) -> Cast:
    return Cast(expression, FloatField())


def _percent(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def _amount(amount: Decimal, decimals: int) -> str:
    """An amount as the indicator shows it: its own number of decimals."""
    return f"{amount.quantize(Decimal(1).scaleb(-decimals)):f}"


def _target_facts(row: dict[str, Any], period: Period) -> dict[str, Any]:
    decimals = row["indicator__decimals"]
    return {
        "indicator": row["indicator__name"],
        "indicator_id": row["indicator_id"],
        "unit_name": row["unit__name"],
        "measure": row["indicator__unit_of_measure"],
        "month": str(period),
        "actual": _amount(row["actual"], decimals),
        "target": _amount(row["amount"], decimals),
    }


def _phasing(row: dict[str, Any]) -> list[Decimal] | None:
    return [Decimal(str(amount)) for amount in row["phasing"]] if row["phasing"] else None


_TARGET_FIELDS = (
    "pk",
    "amount",
    "phasing",
    "unit_id",
    "unit__name",
    "indicator_id",
    "indicator__name",
    "indicator__kind",
    "indicator__direction",
    "indicator__unit_of_measure",
    "indicator__decimals",
    "actual",
)


class _TargetKind(RuleKind):
    """Kinds whose subject is a unit's annual target, for the year of the data that is due."""

    subject_model = Target
    graded = True

    def targets(self, context: PassContext) -> Any:
        assert context.data_period is not None
        period = context.data_period
        return (
            Target.objects.filter(
                year=period.year, amount__isnull=False, indicator__active=True, unit__active=True
            )
            .annotate(actual=_reported(period.year, period.month))
            .filter(actual__isnull=False)
        )

    def undecided(self, rule: "Rule", context: PassContext, alerts: list["Alert"]) -> set[int]:
        """Alerts that stay as they are although nothing was found today: one whose value
        for the month is not in yet (no news is not good news), and one of an earlier
        year — a year that ended behind its target is not "cleared" by a new year's
        January; it stands until it is answered and closed."""
        if context.data_period is None:
            return {alert.pk for alert in alerts}
        period = context.data_period
        this_year = {
            alert.subject_id: alert.pk for alert in alerts if alert.period == str(period.year)
        }
        earlier = {alert.pk for alert in alerts if alert.period < str(period.year)}
        reported: set[int] = set()
        target_ids = list(this_year)
        for start in range(0, len(target_ids), 2000):
            reported.update(
                Target.objects.filter(pk__in=target_ids[start : start + 2000])
                .annotate(actual=_reported(period.year, period.month))
                .filter(actual__isnull=False)
                .values_list("pk", flat=True)
            )
        unreported = {
            alert_id for target_id, alert_id in this_year.items() if target_id not in reported
        }
        return earlier | unreported

    def bands(self, rule: "Rule") -> ColourBands:
        settings = self.settings(rule)
        return ColourBands(Decimal(settings["green_from"]), Decimal(settings["yellow_from"]))


@register
class CompletionBehind(_TargetKind):
    """序时进度 gap below the green band: yellow or red by the bands (DESIGN.md, "Colours").

    For a year-to-date indicator the gap carries the whole shortfall, so a red lowers to
    yellow when the year-to-date figure is back above the red line. A stock or a rate says
    only where one month ended: there a red lowers only when the previous month was out of
    the red too — one good month does not make up a shortfall.
    """

    key = "completion_behind"
    label = gettext_lazy("进度滞后于序时")
    explanation = gettext_lazy("完成率落后于序时进度：差距在黄色区间为黄色预警，更低为红色预警")
    default_severity = Severity.YELLOW
    params = (
        Param(
            "green_from",
            gettext_lazy("绿色起点（百分点）"),
            Decimal(0),
            minimum=Decimal(-100),
            maximum=Decimal(100),
        ),
        Param(
            "yellow_from",
            gettext_lazy("黄色起点（百分点）"),
            Decimal(-10),
            minimum=Decimal(-100),
            maximum=Decimal(100),
            help_text=gettext_lazy("差距低于此值为红色预警"),
        ),
    )

    def find(self, rule: "Rule", context: PassContext) -> Iterable[Finding]:
        if context.data_period is None:
            return
        period = context.data_period
        bands = self.bands(rule)
        even = float(period.month) * 100 / 12
        actual, target = _as_float("actual"), _as_float("amount")
        amount_kinds = (IndicatorKind.CUMULATIVE, IndicatorKind.STOCK)
        # The gap in SQL, as `completion` computes it (positive is ahead, either direction).
        gap = Case(
            When(
                indicator__kind__in=amount_kinds,
                indicator__direction=Direction.HIGHER,
                then=actual * 100.0 / NullIf(target, 0.0) - even,
            ),
            When(
                indicator__kind__in=amount_kinds, then=even - actual * 100.0 / NullIf(target, 0.0)
            ),
            When(indicator__direction=Direction.HIGHER, then=actual - target),
            default=target - actual,
            output_field=FloatField(),
        )
        cut = float(bands.green_from) + _SLACK
        rows = (
            self.targets(context)
            .annotate(gap=gap)
            .filter(Q(gap__lt=cut) | Q(phasing__isnull=False))
            .values(*_TARGET_FIELDS)
        )
        content_type_id = context.content_type_id(Target)
        lowering: list[Finding] = []
        for row in rows.iterator(chunk_size=5000):
            result = completion(
                row["indicator__kind"],
                row["indicator__direction"],
                row["actual"],
                row["amount"],
                period.month,
                phasing=_phasing(row),
                bands=bands,
            )
            if result.colour in (None, Colour.GREEN):
                continue
            assert result.gap is not None
            facts = _target_facts(row, period) | {
                "gap": str(result.gap),
                "percent": None if result.percent is None else str(result.percent),
                "time_progress": None
                if result.time_progress is None
                else str(result.time_progress),
                "kind": row["indicator__kind"],
            }
            finding = Finding(
                subject_type_id=content_type_id,
                subject_id=row["pk"],
                subject_label=f"{row['unit__name']} · {row['indicator__name']}",
                unit_id=row["unit_id"],
                severity=Severity.RED if result.colour == Colour.RED else Severity.YELLOW,
                period=str(period.year),
                facts=facts,
            )
            if finding.severity == Severity.YELLOW and row["indicator__kind"] in (
                IndicatorKind.STOCK,
                IndicatorKind.RATE,
            ):
                lowering.append(finding)
            yield finding
        self._confirm_by_previous_month(lowering, period, bands)

    def undecided(self, rule: "Rule", context: PassContext, alerts: list["Alert"]) -> set[int]:
        """Besides the general cases: a red stock or rate that is green today is not
        cleared by that one month when last month was red (DESIGN.md: a red turns only
        when the shortfall is made up, not on a good month); it resolves next month if
        the good month holds."""
        stay = super().undecided(rule, context, alerts)
        if context.data_period is None or context.data_period.month == 1:
            return stay
        period, bands = context.data_period, self.bands(rule)
        one_month = {
            alert.subject_id: alert.pk
            for alert in alerts
            if alert.pk not in stay
            and alert.severity == Severity.RED
            and alert.facts.get("kind") in (IndicatorKind.STOCK, IndicatorKind.RATE)
        }
        if not one_month:
            return stay
        previous = period.previous()
        for row in (
            Target.objects.filter(pk__in=list(one_month))
            .annotate(actual=_reported(previous.year, previous.month))
            .values(*_TARGET_FIELDS)
        ):
            before = completion(
                row["indicator__kind"],
                row["indicator__direction"],
                row["actual"],
                row["amount"],
                previous.month,
                phasing=_phasing(row),
                bands=bands,
            )
            if before.colour == Colour.RED:
                stay.add(one_month[row["pk"]])
        return stay

    def check(self, settings: dict[str, Any]) -> dict[str, str]:
        if settings["yellow_from"] > settings["green_from"]:
            return {
                "params.yellow_from": _("黄色起点不能高于绿色起点（%(green)s）")
                % {"green": settings["green_from"]}
            }
        return {}

    def _confirm_by_previous_month(
        self, findings: list[Finding], period: Period, bands: ColourBands
    ) -> None:
        """A yellow stock or rate makes up a red only if last month was not red either.
        Mutates the findings (already yielded, not yet read by the engine's reconcile,
        which collects the whole pass first)."""
        if not findings or period.month == 1:
            return
        previous = period.previous()
        rows = {
            row["pk"]: row
            for row in Target.objects.filter(pk__in=[finding.subject_id for finding in findings])
            .annotate(actual=_reported(previous.year, previous.month))
            .values(*_TARGET_FIELDS)
        }
        for finding in findings:
            row = rows[finding.subject_id]
            before = completion(
                row["indicator__kind"],
                row["indicator__direction"],
                row["actual"],
                row["amount"],
                previous.month,
                phasing=_phasing(row),
                bands=bands,
            )
            finding.made_up = before.colour not in (Colour.RED, None)

    def describe(self, alert: "Alert") -> str:
        facts = alert.facts
        if facts.get("percent") is None:
            return _(
                "%(unit)s %(month)s %(indicator)s 为 %(actual)s，目标 %(target)s，差距 %(gap)s 个百分点"
            ) % {
                "unit": facts["unit_name"],
                "month": Period.parse(facts["month"]).label,
                "indicator": facts["indicator"],
                "actual": facts["actual"],
                "target": facts["target"],
                "gap": _percent(Decimal(facts["gap"])),
            }
        return _(
            "%(unit)s %(indicator)s 截至 %(month)s 完成 %(percent)s%%，序时进度 %(progress)s%%，"
            "落后 %(behind)s 个百分点（完成 %(actual)s / 目标 %(target)s %(measure)s）"
        ) % {
            "unit": facts["unit_name"],
            "indicator": facts["indicator"],
            "month": Period.parse(facts["month"]).label,
            "percent": _percent(Decimal(facts["percent"])),
            "progress": _percent(Decimal(facts["time_progress"])),
            "behind": _percent(-Decimal(facts["gap"])),
            "actual": facts["actual"],
            "target": facts["target"],
            "measure": facts["measure"],
        }


@register
class ForecastMiss(_TargetKind):
    """年度目标预测: the year-end figure projected from the year-to-date value and the unit's
    own monthly profile — the share of the year's total that it had reached by the same
    month in each of the last two years, averaged:

        share_n = mean over y ∈ {Y−1, Y−2} of ytd_{y,n} / ytd_{y,12}
        projection = ytd_{Y,n} / share_n

    (the "proportion of year completed" projection of seasonal series). With no usable
    year the share is the time progress (n/12, or the target's phasing). Year-to-date,
    higher-is-better indicators only (a ceiling such as energy use is not projected).
    Yellow when the projection falls short of the target by more than the tolerance, red
    by more than the red margin.
    """

    key = "forecast_miss"
    label = gettext_lazy("预计完不成年度目标")
    explanation = gettext_lazy("按本年累计值和本单位近两年的月度进度规律推算全年，低于年度目标")
    default_severity = Severity.YELLOW
    params = (
        Param(
            "tolerance",
            gettext_lazy("容差（%）"),
            Decimal(0),
            minimum=Decimal(0),
            maximum=Decimal(100),
            help_text=gettext_lazy("预计值低于目标超过此比例时预警"),
        ),
        Param(
            "red_margin",
            gettext_lazy("红色预警缺口（%）"),
            Decimal(10),
            minimum=Decimal(0),
            maximum=Decimal(100),
            help_text=gettext_lazy("预计值低于目标超过此比例时为红色预警"),
        ),
    )

    def find(self, rule: "Rule", context: PassContext) -> Iterable[Finding]:
        if context.data_period is None:
            return
        period = context.data_period
        settings = self.settings(rule)
        tolerance, red_margin = Decimal(settings["tolerance"]), Decimal(settings["red_margin"])
        year, month = period.year, period.month
        history = {
            f"{name}": _reported(y, m)
            for name, y, m in (
                ("last_n", year - 1, month),
                ("last_12", year - 1, 12),
                ("before_n", year - 2, month),
                ("before_12", year - 2, 12),
            )
        }
        share_last = _as_float("last_n") / NullIf(_as_float("last_12"), 0.0)
        share_before = _as_float("before_n") / NullIf(_as_float("before_12"), 0.0)
        share = Coalesce(
            (share_last + share_before) / 2.0,
            share_last,
            share_before,
            Constant(month / 12.0),
            output_field=FloatField(),
        )
        line = 1.0 - float(tolerance) / 100
        rows = (
            self.targets(context)
            .filter(
                indicator__kind=IndicatorKind.CUMULATIVE,
                indicator__direction=Direction.HIGHER,
                amount__gt=0,
            )
            .annotate(**history, share=share)
            .filter(
                Q(actual__lt=share * _as_float("amount") * (line + _SLACK))
                | Q(phasing__isnull=False)
            )
            .values(*_TARGET_FIELDS, *history)
        )
        content_type_id = context.content_type_id(Target)
        for row in rows.iterator(chunk_size=5000):
            shares = [
                row[current] / row[whole]
                for current, whole in (("last_n", "last_12"), ("before_n", "before_12"))
                if row[current] is not None and row[whole] is not None and row[whole] > 0
            ]
            if shares:
                share_n = sum(shares, Decimal(0)) / len(shares)
            else:
                phasing = [Decimal(str(a)) for a in row["phasing"]] if row["phasing"] else None
                share_n = time_progress(month, phasing, annual=row["amount"]) / _HUNDRED
            if share_n <= 0:
                continue
            projection = (row["actual"] / share_n).quantize(
                Decimal(1).scaleb(-row["indicator__decimals"])
            )
            shortfall = (row["amount"] - projection) * _HUNDRED / row["amount"]
            if shortfall <= tolerance:
                continue
            yield Finding(
                subject_type_id=content_type_id,
                subject_id=row["pk"],
                subject_label=f"{row['unit__name']} · {row['indicator__name']}",
                unit_id=row["unit_id"],
                severity=Severity.RED if shortfall > red_margin else Severity.YELLOW,
                period=str(year),
                facts=_target_facts(row, period)
                | {
                    "projection": str(projection),
                    "share": str(share_n.quantize(Decimal("0.0001"))),
                    "profile_years": len(shares),
                    "shortfall": str(shortfall.quantize(Decimal("0.01"))),
                },
            )

    def check(self, settings: dict[str, Any]) -> dict[str, str]:
        if settings["tolerance"] > settings["red_margin"]:
            return {
                "params.red_margin": _("红色预警缺口不能小于容差（%(tolerance)s%%）")
                % {"tolerance": settings["tolerance"]}
            }
        return {}

    def describe(self, alert: "Alert") -> str:
        facts = alert.facts
        if facts["profile_years"]:
            basis = _("按近 %(years)s 年同期完成全年的 %(share)s%% 推算") % {
                "years": facts["profile_years"],
                "share": _percent(Decimal(facts["share"]) * _HUNDRED),
            }
        else:
            basis = _("无往年数据，按序时进度 %(share)s%% 推算") % {
                "share": _percent(Decimal(facts["share"]) * _HUNDRED)
            }
        return _(
            "%(unit)s %(indicator)s 截至 %(month)s 累计 %(actual)s，%(basis)s，全年预计 "
            "%(projection)s %(measure)s，低于年度目标 %(target)s %(measure)s（缺口 %(shortfall)s%%）"
        ) % {
            "unit": facts["unit_name"],
            "indicator": facts["indicator"],
            "month": Period.parse(facts["month"]).label,
            "actual": facts["actual"],
            "basis": basis,
            "projection": facts["projection"],
            "measure": facts["measure"],
            "target": facts["target"],
            "shortfall": facts["shortfall"],
        }


@register
class ValueNotSubmitted(RuleKind):
    """逾期未报: a month whose deadline has passed and which is still open, with values of
    manual indicators not submitted. One alert per reporting unit and month: a unit for the
    indicators it reports itself, a data provider (统计局 …) for the units it reports for.
    A month that closes resolves its alerts (nothing can be submitted any more).
    """

    key = "value_not_submitted"
    label = gettext_lazy("逾期未报送")
    explanation = gettext_lazy("报送截止日期已过，月度数据仍未提交")
    subject_model = ReportingPeriod
    default_severity = Severity.YELLOW

    def find(self, rule: "Rule", context: PassContext) -> Iterable[Finding]:
        months = list(
            ReportingPeriod.objects.filter(deadline__lt=context.today, closed_at__isnull=True)
        )
        if not months:
            return
        indicators = list(Indicator.objects.filter(active=True, source=Source.MANUAL))
        content_type_id = context.content_type_id(ReportingPeriod)
        names = dict(Unit.objects.values_list("pk", "name"))
        for month in months:
            # reporting unit → [(indicator name, unit it is missing for)]
            missing: dict[int, list[tuple[str, int]]] = defaultdict(list)
            for indicator in indicators:
                submitted = Value.objects.filter(
                    indicator=indicator,
                    unit=OuterRef("pk"),
                    year=month.year,
                    month=month.month,
                    status__in=SUBMITTED_OR_LATER,
                )
                units = (
                    Unit.objects.filter(active=True, kind__in=indicator.applies_to_kinds())
                    .filter(~Exists(submitted))
                    .values_list("pk", flat=True)
                )
                for unit_id in units:
                    reporter = indicator.provider_id or unit_id
                    missing[reporter].append((indicator.name, unit_id))
            for reporter, gaps in missing.items():
                indicator_names = sorted({name for name, _unit in gaps})
                yield Finding(
                    subject_type_id=content_type_id,
                    subject_id=month.pk,
                    subject_label=f"{names[reporter]} · {month.period.label}",
                    unit_id=reporter,
                    severity=rule.severity,
                    period=str(month.period),
                    facts={
                        "month": str(month.period),
                        "deadline": month.deadline.isoformat(),
                        "indicators": indicator_names,
                        "missing": len(gaps),
                        "for_units": len({unit_id for _name, unit_id in gaps}),
                    },
                )

    def describe(self, alert: "Alert") -> str:
        facts = alert.facts
        return _(
            "%(month)s 数据报送截止于 %(deadline)s，已逾期 %(days)s 天，尚有 %(missing)s 项未提交：%(indicators)s"
        ) % {
            "month": Period.parse(facts["month"]).label,
            "deadline": facts["deadline"],
            "days": self.days_between(alert, facts["deadline"]),
            "missing": facts["missing"],
            "indicators": "、".join(facts["indicators"]),
        }
