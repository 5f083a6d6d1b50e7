"""The statistics bureau's monthly report (统计局月报), in and out: `bipin import values FILE
[--dry-run]`, `bipin export values 2026-10 FILE [--indicators CODE,CODE]` (values_export.py),
and the pages under /excel/values/.

The report is read as the bureau keeps it (layout.py): the period from the title
("（2026年1-10月）"), the units by name (full or short, stray spaces and all), each
indicator by the name over its columns — "1-10月累计" (the month must be the title's) and,
optionally, "同比增长（%）" — numbers as people write them ("１２１３１３．０", "25.0%").

All or nothing: every cell is read and checked (who owns the indicator, whether the unit
reports it, whether the month is open, whether an approved value would change) before
anything is written, and one bad cell writes nothing and is named. Then the values are
written in one batch (actions.do_save_values) and submitted: the report is the bureau's
submission. Re-importing the same file changes nothing.

Growth: bipin computes the growth itself from last year's value of the same month
(computations.growth) and does not take the bureau's silently: a difference of more than
0.1 percentage points, or a "—" where bipin has a base (or the other way round), is a
remark on the row, naming the cell and both figures. The bureau's figure is kept as the
value's `reported_growth`; a growth column that only repeats bipin's own figure for an
amount that has not changed (an export of bipin's, read back) is not news and leaves the
stored figure as it is — so an export imports back unchanged.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bipin.core.excel import (
    ExcelKind,
    ImportReport,
    Outcome,
    Remark,
    RowPreview,
    cell_text,
    header_key,
    is_formula,
    source_name,
)
from bipin.core.periods import Period
from bipin.indicators import computations
from bipin.indicators.actions import Entry, check_writable, do_save_values, read_amount
from bipin.indicators.choices import EDITABLE, IndicatorKind
from bipin.indicators.imports.layout import (
    HeaderCell,
    ReportRow,
    ReportSheet,
    UnitLookup,
    finish_import,
    is_dash,
    is_empty,
    read_report,
)
from bipin.indicators.imports.values_export import (
    export_queryset,
    export_values,
    values_template,
)
from bipin.indicators.models import Indicator, Value, format_amount
from bipin.org.models import Unit, User

#: The period in the title: "（2026年1-10月）", "2026年10月" (after NFKC).
TITLE_PERIOD = re.compile(r"(\d{4})\s*年\s*(?:1\s*[-~～—–至到]\s*)?(\d{1,2})\s*月")
#: Second-level headers of the value column, as header_key() makes them: "1-10月累计",
#: "1-10月", "10月累计", "10月末" (a stock), or plain "累计".
_VALUE_MONTH = re.compile(
    r"^(?:1[-~～—–至到])?(\d{1,2})月份?(?:累计|末)(?:数|值)?$|^1[-~～—–至到](\d{1,2})月份?$"
)
_VALUE_PLAIN = re.compile(r"^(?:本年|本期|全年|年初至今)?累计(?:数|值)?$")
#: The growth column: "同比增长（%）", "增长（%）", "增速", "同比±%".
_GROWTH = re.compile(r"^(?:同比)?(?:增长|增速|增幅|增减)?(?:率|幅度)?(?:\(±?%\)|±?%)?$")
_GROWTH_WORDS = ("同比", "增长", "增速", "增幅", "增减", "%")
#: How far the bureau's growth may be from bipin's before the row says so (pp).
GROWTH_TOLERANCE = Decimal("0.1")
#: How far a 合计 may be from the sum of the rows, per row summed (rounding).
TOTAL_TOLERANCE_PER_ROW = Decimal("0.1")
_PLACES = Decimal("0.01")

REFUSAL = gettext_lazy(
    "您的账号不能导入月报数据：需要数据提供部门、单位填报员（负责人）或督查室的权限。"
)


# The import -----------------------------------------------------------------------------------


@dataclass(slots=True)
class ValuePreview(RowPreview):
    """A unit's row as the preview shows it: the unit, the values read, what the import
    does with them, and the remarks (growth differences, the 合计)."""

    unit: str = ""
    group: str = ""
    values: list[str] = field(default_factory=list)
    notes: list[Remark] = field(default_factory=list)

    @property
    def remarks(self) -> list[Remark]:
        return self.notes


@dataclass(frozen=True)
class ValueColumn:
    """An indicator's columns on the sheet: the value and, if there is one, the growth."""

    indicator: Indicator
    value: HeaderCell
    growth: HeaderCell | None = None


@dataclass
class _Cell:
    """One value read: where, which unit and indicator, the amount and the growth printed
    beside it (`growth_given`: the growth cell was filled; `growth` None then means "—")."""

    column: ValueColumn
    row: int
    amount: Decimal
    growth: Decimal | None = None
    growth_given: bool = False
    store_growth: Decimal | None = None
    outcome: str = ""
    ok: bool = True

    @property
    def ref(self) -> str:
        return f"{self.column.value.letter}{self.row}"

    @property
    def growth_ref(self) -> str:
        growth = self.column.growth
        return f"{growth.letter}{self.row}" if growth is not None else ""


@dataclass
class _Row:
    number: int
    unit: Unit
    group: str
    cells: list[_Cell]


def import_values(
    source: str | Path | IO[bytes],
    *,
    actor: User,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport[ValuePreview]:
    """Imports a monthly report (.xlsx): all or nothing.

    Returns the report: every error with its sheet, row and column (nothing written when
    there is one), and each unit's row with its outcome and remarks. A dry run does
    everything but keep it.
    """
    report: ImportReport[ValuePreview] = ImportReport(source=source_name(source), dry_run=dry_run)
    if not Indicator.objects.owned_by(actor).exists():
        report.error(str(REFUSAL), sheet="")
        return report
    sheet = read_report(source, report, TITLE_PERIOD)
    if sheet is None:
        return report
    importer = _MonthlyReportImport(sheet, report, actor)
    rows = importer.read()
    if importer.period is None:
        rows = None
    return finish_import(report, importer, rows, dry_run=dry_run, progress=progress)


class _MonthlyReportImport:
    """One import of one report: reads its title, header and rows, checks every cell,
    then writes them."""

    def __init__(self, sheet: ReportSheet, report: ImportReport[ValuePreview], actor: User):
        self.sheet = sheet
        self.report = report
        self.actor = actor
        self.period: Period | None = None
        self.columns: list[ValueColumn] = []
        self.indicators = {
            key: indicator
            for indicator in Indicator.objects.restrict(actor).select_related("provider")
            for key in (header_key(indicator.name), header_key(indicator.code))
        }

    def error(self, message: str, row: int | None, index: int | None, header: str | None) -> None:
        self.sheet.error(self.report, message, row=row, index=index, header=header)

    # Reading -----------------------------------------------------------------------------

    def read(self) -> list[_Row] | None:
        """The period, the columns and every unit's cells; errors to the report. None when
        the title or the header cannot be read (nothing else can be checked then)."""
        self.period = self._read_period()
        if self.period is None:
            return None
        if not self._read_columns():
            return None
        lookup = UnitLookup()
        rows: list[_Row] = []
        seen: dict[int, int] = {}
        for row in self.sheet.rows:
            unit = self._read_unit(row, lookup)
            cells = [
                cell for column in self.columns if (cell := self._read_cell(row, column, unit))
            ]
            if unit is None:
                continue
            if unit.pk in seen:
                self.error(
                    _("%(unit)s与第 %(row)s 行重复：每个单位只能有一行。")
                    % {"unit": unit.name, "row": seen[unit.pk]},
                    row.number, self.sheet.unit_index, self.sheet.unit_header,
                )  # fmt: skip
                continue
            seen[unit.pk] = row.number
            if cells:
                rows.append(_Row(row.number, unit, row.group, cells))
        return rows

    def _read_period(self) -> Period | None:
        sheet = self.sheet
        match = TITLE_PERIOD.search(sheet.heading)
        problem = ""
        if match is None:
            problem = _(
                "无法从标题读出报表期间：标题应写明年月，如“临安区各镇街主要经济指标完成情况（2026年1-10月）”。"
            )
        else:
            try:
                return Period(int(match[1]), int(match[2]))
            except ValueError as error:
                problem = _("标题中的期间不对：%(error)s") % {"error": error}
        self.error(problem, sheet.heading_row, sheet.heading_index, _("标题"))
        return None

    def _find_indicator(self, text: str) -> Indicator | None:
        key = header_key(text)
        found = self.indicators.get(key)
        if found is None:
            # "固定资产投资（万元）": the unit of measure in brackets.
            found = self.indicators.get(re.sub(r"\([^()]*\)$", "", key))
        return found

    def _read_columns(self) -> bool:
        """The indicators' value and growth columns; False when there are none."""
        assert self.period is not None
        month = self.period.month
        values: dict[int, HeaderCell] = {}  # by indicator
        growths: dict[int, HeaderCell] = {}
        indicators: dict[int, Indicator] = {}
        complained: set[int] = set()
        ignored: list[str] = []
        ok = True
        for column in self.sheet.columns:
            if header_key(column.upper) in ("备注", "说明"):
                continue
            indicator, part = self._classify(column)
            if indicator is None:
                if column.upper_index not in complained:
                    complained.add(column.upper_index)
                    ok = False
                    self.error(
                        _("未知指标“%(name)s”：表头应为指标目录中的指标名称（如“固定资产投资”）。")
                        % {"name": column.upper or column.lower},
                        column.upper_row, column.upper_index, column.upper or column.lower,
                    )  # fmt: skip
                continue
            if part == "":
                ignored.append(f"{column.shown}（{column.letter}）")
                continue
            indicators[indicator.pk] = indicator
            if part == "growth":
                target = growths
            else:
                target = values
                number = _month_of(column.lower)
                if number is not None and number != month:
                    ok = False
                    self.error(
                        _("表头是 1-%(found)s 月的数，而标题是 %(period)s：请核对标题或表头。")
                        % {"found": number, "period": self.period.label},
                        column.lower_row if column.lower else column.upper_row,
                        column.index, column.shown,
                    )  # fmt: skip
            if indicator.pk in target:
                ok = False
                self.error(
                    _("“%(header)s”出现了两次（%(first)s 列和 %(second)s 列），请删去一列。")
                    % {
                        "header": column.shown,
                        "first": target[indicator.pk].letter,
                        "second": column.letter,
                    },
                    column.lower_row if column.lower else column.upper_row,
                    column.index, column.shown,
                )  # fmt: skip
                continue
            target[indicator.pk] = column
        for pk, growth in growths.items():
            indicator = indicators[pk]
            if pk not in values:
                ignored.append(f"{growth.shown}（{growth.letter}）")
            elif indicator.is_percentage:
                ok = False
                self.error(
                    _("“%(indicator)s”本身是百分比，没有同比增长列。") % {"indicator": indicator},
                    growth.lower_row, growth.index, growth.shown,
                )  # fmt: skip
        if ignored:
            self.report.notes.append(
                _("未识别、已忽略的列：%(columns)s。") % {"columns": "、".join(ignored)}
            )
        self.columns = [
            ValueColumn(indicators[pk], column, growths.get(pk)) for pk, column in values.items()
        ]
        self.columns.sort(key=lambda column: column.value.index)
        if ok and not self.columns:
            ok = False
            self.error(
                _("表头中没有指标列：单位列之后应是各指标的“1-N月累计”列。"),
                self.sheet.header_rows[0], self.sheet.unit_index, self.sheet.unit_header,
            )  # fmt: skip
        return ok

    def _classify(self, column: HeaderCell) -> tuple[Indicator | None, str]:
        """The column's indicator and what it holds: "value", "growth", or "" (a second-
        level header that is neither, ignored with a note)."""
        if column.lower:
            indicator = self._find_indicator(column.upper) if column.upper else None
            if indicator is None:
                return None, ""
            key = header_key(column.lower)
            if _VALUE_MONTH.match(key) or _VALUE_PLAIN.match(key):
                return indicator, "value"
            if _is_growth(key):
                return indicator, "growth"
            return indicator, ""
        indicator = self._find_indicator(column.upper)
        if indicator is not None:
            return indicator, "value"
        # One level: "固定资产投资同比增长（%）".
        key = header_key(column.upper)
        for length in range(len(key) - 1, 0, -1):
            if _is_growth(key[length:]) and (found := self._find_indicator(key[:length])):
                return found, "growth"
        return None, ""

    def _read_unit(self, row: ReportRow, lookup: UnitLookup) -> Unit | None:
        sheet = self.sheet
        if not row.unit_text:
            self.error(
                _("这一行有数据但没有单位名称。"), row.number, sheet.unit_index, sheet.unit_header
            )
            return None
        try:
            return lookup.find(row.unit_text)
        except ValueError as error:
            self.error(str(error), row.number, sheet.unit_index, sheet.unit_header)
            return None

    def _read_cell(self, row: ReportRow, column: ValueColumn, unit: Unit | None) -> _Cell | None:
        """The value of `column` in `row` (None for an empty cell or a dash: no figure),
        with the growth beside it."""
        raw = row.cell(column.value.index)
        if is_empty(raw) or is_dash(raw):
            return None
        ok = True
        amount = Decimal(0)
        problem = ""
        if is_formula(raw):
            problem = _(
                "单元格是公式“%(formula)s”，这里需要数值：请复制后“选择性粘贴 → 数值”。"
            ) % {"formula": cell_text(raw)}
        else:
            try:
                amount = read_amount(column.indicator, raw)
            except ValidationError as error:
                problem = error.messages[0]
        if problem:
            ok = False
            self.error(problem, row.number, column.value.index, column.value.shown)
        cell = _Cell(column, row.number, amount, ok=ok and unit is not None)
        if column.growth is not None:
            growth_raw = row.cell(column.growth.index)
            if is_dash(growth_raw):
                cell.growth_given = True
            elif not is_empty(growth_raw):
                try:
                    if is_formula(growth_raw):
                        raise ValueError(
                            _("单元格是公式“%(formula)s”，这里需要数值。")
                            % {"formula": cell_text(growth_raw)}
                        )
                    cell.growth = computations.to_percent_number(growth_raw)
                    cell.growth_given = True
                except ValueError as error:
                    cell.ok = False
                    self.error(str(error), row.number, column.growth.index, column.growth.shown)
        return cell

    # Checking ------------------------------------------------------------------------------

    def check(self, rows: list[_Row]) -> None:
        """Every cell against the rules of a write (who, which unit, which month, an
        approved value), the growth against bipin's own, the 合计 against the rows; each
        row's preview with its outcome."""
        assert self.period is not None
        period = self.period
        indicator_ids = {column.indicator.pk for column in self.columns}
        unit_ids = {row.unit.pk for row in rows}
        last = period.same_period_last_year()
        stored: dict[tuple[int, int, int], Value] = {
            (value.year, value.indicator_id, value.unit_id): value
            for value in Value.objects.restrict(self.actor).filter(
                Q(year=period.year) | Q(year=last.year),
                month=period.month,
                indicator__in=indicator_ids,
                unit__in=unit_ids,
            )
        }
        for row in rows:
            outcomes: set[str] = set()
            preview = ValuePreview(row=row.number, outcome="", unit=row.unit.name, group=row.group)
            for cell in row.cells:
                indicator = cell.column.indicator
                try:
                    check_writable(self.actor, indicator, row.unit, period)
                except ValidationError as error:
                    cell.ok = False
                    self.error(
                        error.messages[0],
                        row.number,
                        cell.column.value.index,
                        cell.column.value.shown,
                    )
                if not cell.ok:
                    continue
                existing = stored.get((period.year, indicator.pk, row.unit.pk))
                previous = stored.get((last.year, indicator.pk, row.unit.pk))
                own = computations.growth(cell.amount, previous.amount if previous else None)
                cell.store_growth = self._growth_to_store(cell, existing, own)
                outcome = cell.outcome = _outcome(cell, existing)
                if (
                    existing is not None
                    and existing.status not in EDITABLE
                    and outcome != Outcome.UNCHANGED
                ):
                    self.error(
                        _("%(unit)s的“%(indicator)s”已审核，须退回后再导入（现为 %(stored)s，表中为 %(amount)s）。")
                        % {
                            "unit": row.unit.name,
                            "indicator": indicator.name,
                            "stored": format_amount(existing.amount, indicator),
                            "amount": format_amount(cell.amount, indicator),
                        },
                        row.number, cell.column.value.index, cell.column.value.shown,
                    )  # fmt: skip
                    continue
                outcomes.add(outcome)
                shown = format_amount(cell.amount, indicator)
                if cell.growth is not None:
                    shown += _("（同比 %(growth)s）") % {
                        "growth": computations.format_percent(cell.growth)
                    }
                preview.values.append(f"{indicator.name} {shown}")
                remark = self._growth_remark(cell, own, previous)
                if remark:
                    preview.notes.append(Remark(remark, warning=True))
            preview.outcome = _row_outcome(outcomes)
            self.report.rows.append(preview)
        self._check_totals(rows)

    def _growth_to_store(
        self, cell: _Cell, existing: Value | None, own: computations.Growth
    ) -> Decimal | None:
        """The bureau's growth to keep with the value, or None to keep what is stored: a
        "—", or a figure that only repeats bipin's own (at the precision printed) for an
        amount that has not changed — what an export of bipin's writes."""
        if cell.growth is None:
            return None
        if existing is not None and existing.amount == cell.amount and own.percent is not None:
            exponent = cell.growth.as_tuple().exponent
            places = max(0, min(4, -exponent)) if isinstance(exponent, int) else 4
            if own.percent.quantize(Decimal(1).scaleb(-places)) == cell.growth:
                return None
        return cell.growth

    def _growth_remark(self, cell: _Cell, own: computations.Growth, previous: Value | None) -> str:
        """What the row says when the bureau's growth and bipin's disagree."""
        indicator = cell.column.indicator
        if not cell.growth_given or indicator.kind not in (
            IndicatorKind.CUMULATIVE,
            IndicatorKind.STOCK,
        ):
            return ""
        base = format_amount(previous.amount, indicator) if previous else ""
        names = {"cell": cell.growth_ref, "indicator": indicator.name, "base": base}
        if cell.growth is None:
            if own.percent is None:
                return ""
            return _(
                "%(cell)s %(indicator)s：报表为“—”（无上年同期数），系统按上年同期 %(base)s计算为 %(own)s。"
            ) % {**names, "own": computations.format_percent(own.percent)}
        if own.percent is None:
            return _(
                "%(cell)s %(indicator)s：报表同比增长 %(reported)s，系统无法计算（%(state)s）。"
            ) % {
                **names,
                "reported": computations.format_percent(cell.growth),
                "state": own.state.label,
            }
        difference = abs(cell.growth - own.percent)
        if difference <= GROWTH_TOLERANCE:
            return ""
        return _(
            "%(cell)s %(indicator)s：报表同比增长 %(reported)s，系统按上年同期 %(base)s计算为 %(own)s，相差 %(difference)s 个百分点。"
        ) % {
            **names,
            "reported": computations.format_percent(cell.growth),
            "own": computations.format_percent(own.percent, places=2),
            "difference": difference.quantize(_PLACES),
        }

    def _check_totals(self, rows: list[_Row]) -> None:
        """The 合计 row against the sum of the rows read, for the indicators that add up."""
        totals = self.sheet.totals
        if totals is None:
            return
        notes = []
        for column in self.columns:
            if not computations.summable(column.indicator.kind):
                continue
            try:
                printed = computations.to_percent_number(
                    totals.cell(column.value.index), allow_blank=True
                )
            except ValueError:
                continue  # a formula or a word: nothing to compare
            amounts = [
                cell.amount
                for row in rows
                for cell in row.cells
                if cell.column is column and cell.ok
            ]
            if printed is None or not amounts:
                continue
            summed = sum(amounts, Decimal(0))
            if abs(printed - summed) > TOTAL_TOLERANCE_PER_ROW * len(amounts):
                notes.append(
                    Remark(
                        _(
                            "%(cell)s %(indicator)s：合计 %(printed)s，各单位之和 %(summed)s，相差 %(difference)s。"
                        )
                        % {
                            "cell": f"{column.value.letter}{totals.number}",
                            "indicator": column.indicator.name,
                            "printed": format_amount(printed, column.indicator),
                            "summed": format_amount(summed, column.indicator),
                            "difference": format_amount(abs(printed - summed), column.indicator),
                        },
                        warning=True,
                    )
                )
        if notes:
            self.report.rows.append(
                ValuePreview(row=totals.number, outcome="", unit=_("合计"), notes=notes)
            )

    # Writing -------------------------------------------------------------------------------

    def write(self, rows: list[_Row]) -> None:
        """The new and changed values in one batch, submitted (inside the import's
        transaction). An unchanged value is left as it is, a draft too: the import
        submits what it writes, and an export read back writes nothing."""
        assert self.period is not None
        entries = [
            Entry(cell.column.indicator, row.unit, cell.amount, cell.store_growth, label=cell.ref)
            for row in rows
            for cell in row.cells
            if cell.outcome != Outcome.UNCHANGED
        ]
        if not entries:
            return
        try:
            do_save_values(self.period, entries, actor=self.actor, submit=True)
        except ValidationError as error:
            for message in error.messages:
                self.report.error(message, sheet=self.sheet.title)


def _month_of(header: str) -> int | None:
    match = _VALUE_MONTH.match(header_key(header))
    if match is None:
        return None
    return int(match[1] or match[2])


def _is_growth(key: str) -> bool:
    return bool(key) and bool(_GROWTH.match(key)) and any(word in key for word in _GROWTH_WORDS)


def _outcome(cell: _Cell, existing: Value | None) -> str:
    if existing is None:
        return Outcome.CREATED
    if existing.amount != cell.amount or (
        cell.store_growth is not None and cell.store_growth != existing.reported_growth
    ):
        return Outcome.UPDATED
    return Outcome.UNCHANGED


def _row_outcome(outcomes: set[str]) -> str:
    if outcomes == {Outcome.CREATED}:
        return Outcome.CREATED
    if not outcomes or outcomes == {Outcome.UNCHANGED}:
        return Outcome.UNCHANGED
    return Outcome.UPDATED


VALUES_EXCEL = ExcelKind(
    label=gettext_lazy("月报数据"),
    import_file=import_values,
    export_queryset=export_queryset,
    export_file=export_values,
    template=values_template,
    filter_help=gettext_lazy(
        "期间写在文件名之前：bipin export values 2026-10 FILE；--indicators 指标代码（逗号分隔，默认为各部门报送的累计指标）"
    ),
    model=Value,
    list_url_name="indicators:entry",
    preview_columns=(
        (gettext_lazy("单位"), "unit"),
        (gettext_lazy("数值"), "values"),
    ),
    template_name=gettext_lazy("统计局月报导入模板.xlsx"),
    period_argument="YEAR-MONTH",
)
