"""The statistics bureau's monthly report written by bipin: `bipin export values 2026-10
FILE [--indicators CODE,CODE]`, /excel/values/export/?period=2026-10, and the blank
template of the import (values.py).

The export is the bureau's layout (layout.write_report): the merged title with the
district's name and the month, the unit line, each indicator over its "1-N月累计" and
"同比增长（%）" columns, the subdistricts and the towns under their group rows, a 合计 row
and a 注 line. The growth is bipin's own (computations.growth against the same month last
year, one decimal, "—" without a base), so the file imports back unchanged.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bipin.core.excel import Column, WorkbookWriter
from bipin.core.periods import Period
from bipin.indicators import computations
from bipin.indicators.choices import IndicatorKind, Source
from bipin.indicators.imports.layout import (
    Block,
    Part,
    district_name,
    number_format,
    report_language,
    report_units,
    write_report,
)
from bipin.indicators.models import Indicator, Value
from bipin.org.models import Unit, User


@dataclass
class MonthlyFigures:
    """What an export of the monthly report holds: the month, the indicators (columns),
    the units (rows, by group) and the values the user may see of this month and of the
    same month last year."""

    period: Period
    indicators: list[Indicator]
    groups: list[tuple[str, list[Unit]]]
    current: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    last_year: dict[tuple[int, int], Decimal] = field(default_factory=dict)

    def count(self) -> int:
        """The units' rows (the export command says how many it wrote)."""
        return sum(len(units) for _label, units in self.groups)


def default_indicators(queryset: Any) -> Any:
    """The columns of the bureau's report: the cumulative indicators a department reports
    for every unit, in the catalogue's order."""
    return queryset.active().filter(
        kind=IndicatorKind.CUMULATIVE, source=Source.MANUAL, provider__isnull=False
    )


def _chosen_indicators(user: User, codes: str | None) -> list[Indicator]:
    visible = Indicator.objects.restrict(user).order_by("order", "code")
    if not codes:
        return list(default_indicators(visible))
    wanted = [code.strip() for code in codes.split(",") if code.strip()]
    found = {indicator.code: indicator for indicator in visible.filter(code__in=wanted)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ValueError(_("未知的指标代码：%(codes)s。") % {"codes": "、".join(unknown)})
    return [found[code] for code in wanted]


def _export_period(filters: Mapping[str, str]) -> Period | None:
    text = filters.get("period") or ""
    if not text and filters.get("year") and filters.get("month"):
        text = f"{filters['year']}-{filters['month']}"
    elif filters.get("year") or filters.get("month"):
        raise ValueError(_("请同时给出年度和月份，或写作 period=2026-10。"))
    return Period.parse(text) if text else None


def export_queryset(user: User, filters: Mapping[str, str]) -> MonthlyFigures:
    """The figures of a month's report as `user` may see them. `period` (2026-10; or
    `year` and `month`) defaults to the latest month with values of the indicators;
    `indicators` is a comma list of codes (default: the cumulative indicators a department
    reports). Raises ValueError on a filter it cannot take."""
    unknown = set(filters) - {"period", "year", "month", "indicators"}
    if unknown:
        raise ValueError(
            _(
                "不能按 %(names)s 筛选：月报可按 period（如 2026-10）和 indicators（指标代码，逗号分隔）导出。"
            )
            % {"names": "、".join(sorted(unknown))}
        )
    indicators = _chosen_indicators(user, filters.get("indicators"))
    period = _export_period(filters)
    visible = Value.objects.restrict(user).filter(indicator__in=indicators)
    if period is None:
        today = Period.of(timezone.localdate())
        latest = (
            visible.filter(Q(year__lt=today.year) | Q(year=today.year, month__lte=today.month))
            .order_by("-year", "-month")
            .values_list("year", "month")
            .first()
        )
        period = Period(*latest) if latest else today.previous()
    groups = report_units(Unit.objects.restrict(user))
    figures = MonthlyFigures(period, indicators, groups)
    last = period.same_period_last_year()
    rows = visible.filter(
        Q(year=period.year) | Q(year=last.year),
        month=period.month,
        unit__in=[unit.pk for _label, units in groups for unit in units],
    ).values_list("year", "indicator_id", "unit_id", "amount")
    for year, indicator_id, unit_id, amount in rows:
        target = figures.current if year == period.year else figures.last_year
        target[(indicator_id, unit_id)] = amount
    return figures


def _blocks(indicators: list[Indicator], period: Period) -> list[Block]:
    blocks = []
    for indicator in indicators:
        value = Part(_value_header(indicator, period), number_format(indicator.decimals), 14)
        if indicator.is_percentage:
            blocks.append(Block(indicator.name, (value,)))
        else:
            blocks.append(Block(indicator.name, (value, Part(_("同比增长（%）"), "0.0", 11))))
    return blocks


def _value_header(indicator: Indicator, period: Period) -> str:
    if indicator.kind == IndicatorKind.STOCK:
        return _("%(month)s月末") % {"month": period.month}
    return _("1-%(month)s月累计") % {"month": period.month}


def _heading(period: Period) -> str:
    return _("%(district)s各镇街主要经济指标完成情况（%(period)s）") % {
        "district": district_name(),
        "period": period.label,
    }


def _unit_line(indicators: list[Indicator]) -> str:
    units = list(dict.fromkeys(indicator.unit_of_measure for indicator in indicators))
    if "%" not in units:
        units.append("%")
    return _("单位：%(units)s") % {"units": "、".join(units)}


_NOTE = gettext_lazy(
    "注：1.数据来源于各指标的数据提供部门；2.同比增长由系统按上年同期数计算，“—”表示上年同期无数据，不计算增速。"
)


def export_values(figures: MonthlyFigures, destination: str | Path | IO[bytes]) -> None:
    """Writes the month's report in the bureau's layout (see layout.write_report), the
    growth as bipin computes it (one decimal; "—" without a base): it imports back
    unchanged."""
    writer = WorkbookWriter()
    with report_language():
        _write(writer, figures)
    writer.save(destination)


def _write(writer: WorkbookWriter, figures: MonthlyFigures, *, blank: bool = False) -> None:
    period, indicators = figures.period, figures.indicators
    groups = []
    sums: dict[int, Decimal] = {}
    for label, units in figures.groups:
        members = []
        for unit in units:
            values: list[Any] = []
            for indicator in indicators:
                amount = figures.current.get((indicator.pk, unit.pk))
                values.append(amount)
                if amount is not None:
                    sums[indicator.pk] = sums.get(indicator.pk, Decimal(0)) + amount
                if indicator.is_percentage:
                    continue
                if amount is None:
                    values.append(None)
                    continue
                growth = computations.growth(amount, figures.last_year.get((indicator.pk, unit.pk)))
                values.append(
                    growth.percent.quantize(Decimal("0.1")) if growth.percent is not None else "—"
                )
            members.append((unit.name, values))
        groups.append((label, members))
    totals: list[Any] = []
    for indicator in indicators:
        totals.append(sums.get(indicator.pk) if computations.summable(indicator.kind) else None)
        if not indicator.is_percentage:
            totals.append(None)
    write_report(
        writer,
        sheet_title=_("1-%(month)s月") % {"month": period.month},
        heading=_heading(period),
        unit_line=_unit_line(indicators),
        blocks=_blocks(indicators, period),
        groups=groups,
        totals=None if blank else totals,
        note=str(_NOTE),
    )


def values_template() -> bytes:
    """The blank report of last month: the title, the header of every cumulative indicator
    a department reports, the units' rows without figures, and a 说明 sheet. Importing it
    as it is imports nothing."""
    period = Period.of(timezone.localdate()).previous()
    indicators = list(default_indicators(Indicator.objects.order_by("order", "code")))
    figures = MonthlyFigures(period, indicators, report_units(Unit.objects.all()))
    writer = WorkbookWriter()
    with report_language():
        _write(writer, figures, blank=True)
    writer.instructions(
        [
            Column("unit", _("单位"), allowed=_("单位全称或简称，如“锦城街道”或“锦城”")),
            Column(
                "value", _("1-%(month)s月累计") % {"month": period.month},
                help=_("各指标的本年累计数；空白表示该单位本月无数"),
                allowed=_("数字，可带千分位或全角数字，如 38018.2、１２１３１３．０"),
            ),
            Column(
                "growth", _("同比增长（%）"),
                help=_("统计局计算的增速，可不填；系统按上年同期数自行计算，相差超过 0.1 个百分点时提示"),
                allowed=_("百分数，如 7.1 或 25.0%；“—”表示上年同期无数据"),
            ),
        ],
        intro=[
            _("统计局月报导入模板：每个单位一行，每个指标两列（1-N月累计、同比增长）；标题须写明年月，如（2026年1-10月）。"),
            _("表头的指标名称须与指标目录一致；“1-N月累计”的 N 须与标题的月份一致。"),
            _("分组行（一 街道、二 乡镇）、合计行和表下的“注”不作为数据读取；合计与各单位之和不符时提示。"),
            _("整个文件要么全部导入，要么（有任何错误时）一个数也不导入；错误会指出工作表、行和列。导入的数据即为报送（已提交）。"),
        ],
    )  # fmt: skip
    return writer.to_bytes()
