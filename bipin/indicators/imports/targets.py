"""The supervision office's target sheet (目标任务分解表), in and out: `bipin import targets
FILE [--dry-run] [--reason TEXT]`, `bipin export targets 2026 FILE [--indicators …]`, and
the pages under /excel/targets/.

The sheet is kept like the monthly report (layout.py): a title naming the year
("2026年度各镇街主要经济指标目标任务"), units as rows under their groups, indicators as
columns — the header is the indicator's name, optionally with its unit of measure in
brackets ("固定资产投资（万元）") — one annual target per cell. A blank cell changes
nothing. Targets are the supervisor's (actions.do_set_target); a change of a target after
1 January of its year needs a reason, which the history keeps. All or nothing: every cell
is checked first (a negative target, a unit that does not report the indicator, a target
phased by month whose annual amount would change), and one bad cell writes nothing.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bipin.core.choices import Role
from bipin.core.excel import (
    Column,
    ExcelKind,
    ImportReport,
    Outcome,
    Remark,
    RowPreview,
    WorkbookWriter,
    cell_text,
    header_key,
    is_formula,
    source_name,
)
from bipin.indicators import computations
from bipin.indicators.actions import do_set_target
from bipin.indicators.choices import IndicatorKind
from bipin.indicators.imports.layout import (
    REPORT_UNIT_KINDS,
    Block,
    HeaderCell,
    Part,
    ReportSheet,
    UnitLookup,
    finish_import,
    is_dash,
    is_empty,
    number_format,
    read_report,
    report_language,
    report_units,
    write_report,
)
from bipin.indicators.models import Indicator, Target, format_amount
from bipin.org.models import Unit, User

#: The year in the title: "2026年度…".
TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
#: A second-level header under an indicator that still means the annual target.
_TARGET_HEADER = re.compile(r"^(?:(?:19|20)\d{2}年)?(?:全年|年度)?目标(?:任务|值|数)?$")
#: Cells of a missing reason named in its error before "… and N more".
_CELLS_NAMED = 10

REFUSAL = gettext_lazy("只有督查室可以导入目标任务：年度目标由督查室设置。")
REASON_HELP = gettext_lazy("1 月 1 日之后修改已有的年度目标须说明原因，将记入目标的修改历史")


@dataclass(slots=True)
class TargetPreview(RowPreview):
    """A unit's row as the preview shows it: the unit, its targets, and what changes."""

    unit: str = ""
    group: str = ""
    values: list[str] = field(default_factory=list)
    notes: list[Remark] = field(default_factory=list)

    @property
    def remarks(self) -> list[Remark]:
        return self.notes


@dataclass
class _Cell:
    indicator: Indicator
    unit: Unit
    row: int
    column: HeaderCell
    amount: Decimal
    existing: Target | None = None

    @property
    def ref(self) -> str:
        return f"{self.column.letter}{self.row}"


def import_targets(
    source: str | Path | IO[bytes],
    *,
    actor: User,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    reason: str = "",
    today: date | None = None,
) -> ImportReport[TargetPreview]:
    """Imports a target sheet (.xlsx): all or nothing, as the supervisor.

    Returns the report: every error with its sheet, row and column (nothing written when
    there is one), and each unit's row with its outcome. `reason` is required when a
    target that exists changes after 1 January of its year.
    """
    report: ImportReport[TargetPreview] = ImportReport(source=source_name(source), dry_run=dry_run)
    if not (actor.is_active and (actor.is_superuser or actor.role == Role.SUPERVISOR)):
        report.error(str(REFUSAL), sheet="")
        return report
    sheet = read_report(source, report, TITLE_YEAR)
    if sheet is None:
        return report
    importer = _TargetSheetImport(sheet, report, actor, reason.strip(), today)
    rows = importer.read()
    return finish_import(report, importer, rows, dry_run=dry_run, progress=progress)


class _TargetSheetImport:
    """One import of one target sheet."""

    def __init__(
        self,
        sheet: ReportSheet,
        report: ImportReport[TargetPreview],
        actor: User,
        reason: str,
        today: date | None,
    ) -> None:
        self.sheet = sheet
        self.report = report
        self.actor = actor
        self.reason = reason
        self.today = today or timezone.localdate()
        self.year = 0
        self.columns: list[tuple[Indicator, HeaderCell]] = []
        self.indicators = {
            key: indicator
            for indicator in Indicator.objects.restrict(actor)
            for key in (header_key(indicator.name), header_key(indicator.code))
        }

    def error(self, message: str, row: int | None, index: int | None, header: str | None) -> None:
        self.sheet.error(self.report, message, row=row, index=index, header=header)

    def read(self) -> list[tuple[int, Unit, str, list[_Cell]]] | None:
        """The year, the columns and every unit's targets; None when the title or the
        header cannot be read."""
        sheet = self.sheet
        match = TITLE_YEAR.search(sheet.heading)
        if match is None:
            self.error(
                _("无法从标题读出年度：标题应写明年度，如“2026年度各镇街主要经济指标目标任务”。"),
                sheet.heading_row, sheet.heading_index, _("标题"),
            )  # fmt: skip
            return None
        self.year = int(match[1])
        if not self._read_columns():
            return None
        lookup = UnitLookup()
        rows = []
        seen: dict[int, int] = {}
        for row in sheet.rows:
            cells: list[tuple[Indicator, HeaderCell, Decimal]] = []
            for indicator, column in self.columns:
                amount = self._read_amount(indicator, column, row.number, row.cell(column.index))
                if amount is not None:
                    cells.append((indicator, column, amount))
            try:
                unit = lookup.find(row.unit_text) if row.unit_text else None
            except ValueError as error:
                self.error(str(error), row.number, sheet.unit_index, sheet.unit_header)
                continue
            if unit is None:
                self.error(
                    _("这一行有目标但没有单位名称。"),
                    row.number,
                    sheet.unit_index,
                    sheet.unit_header,
                )
                continue
            if unit.pk in seen:
                self.error(
                    _("%(unit)s与第 %(row)s 行重复：每个单位只能有一行。")
                    % {"unit": unit.name, "row": seen[unit.pk]},
                    row.number, sheet.unit_index, sheet.unit_header,
                )  # fmt: skip
                continue
            seen[unit.pk] = row.number
            if cells:
                rows.append(
                    (
                        row.number,
                        unit,
                        row.group,
                        [_Cell(ind, unit, row.number, col, amount) for ind, col, amount in cells],
                    )
                )
        return rows

    def _find_indicator(self, text: str) -> Indicator | None:
        key = header_key(text)
        # "固定资产投资（万元）": the unit of measure in brackets.
        return self.indicators.get(key) or self.indicators.get(re.sub(r"\([^()]*\)$", "", key))

    def _read_columns(self) -> bool:
        ok = True
        seen: dict[int, HeaderCell] = {}
        ignored = []
        complained: set[int] = set()
        for column in self.sheet.columns:
            if header_key(column.upper) in ("备注", "说明"):
                continue
            indicator = self._find_indicator(column.upper) if column.upper else None
            if indicator is None:
                if column.upper_index not in complained:
                    complained.add(column.upper_index)
                    ok = False
                    self.error(
                        _("未知指标“%(name)s”：表头应为指标目录中的指标名称，可带计量单位，如“固定资产投资（万元）”。")
                        % {"name": column.upper or column.lower},
                        column.upper_row, column.upper_index, column.upper or column.lower,
                    )  # fmt: skip
                continue
            if column.lower and not _TARGET_HEADER.match(header_key(column.lower)):
                ignored.append(f"{column.shown}（{column.letter}）")
                continue
            if indicator.pk in seen:
                ok = False
                self.error(
                    _("“%(header)s”出现了两次（%(first)s 列和 %(second)s 列），请删去一列。")
                    % {
                        "header": indicator.name,
                        "first": seen[indicator.pk].letter,
                        "second": column.letter,
                    },
                    column.upper_row, column.index, column.shown,
                )  # fmt: skip
                continue
            seen[indicator.pk] = column
            self.columns.append((indicator, column))
        if ignored:
            self.report.notes.append(
                _("未识别、已忽略的列：%(columns)s。") % {"columns": "、".join(ignored)}
            )
        if ok and not self.columns:
            ok = False
            self.error(
                _("表头中没有指标列：单位列之后应是各指标的年度目标列。"),
                self.sheet.header_rows[0], self.sheet.unit_index, self.sheet.unit_header,
            )  # fmt: skip
        return ok

    def _read_amount(
        self, indicator: Indicator, column: HeaderCell, row: int, raw: Any
    ) -> Decimal | None:
        """A target, or None for a blank cell (no change) and for a cell that cannot be
        read (named in the report)."""
        if is_empty(raw) or is_dash(raw):
            return None
        if is_formula(raw):
            self.error(
                _("单元格是公式“%(formula)s”，这里需要数值：请复制后“选择性粘贴 → 数值”。")
                % {"formula": cell_text(raw)},
                row, column.index, column.shown,
            )  # fmt: skip
            return None
        try:
            amount = computations.to_percent_number(raw)
        except ValueError as error:
            self.error(str(error), row, column.index, column.shown)
            return None
        if amount < 0 and indicator.kind != IndicatorKind.GROWTH:
            self.error(
                _("“%(indicator)s”的目标不能为负数：%(amount)s。")
                % {"indicator": indicator.name, "amount": cell_text(raw).strip()},
                row, column.index, column.shown,
            )  # fmt: skip
            return None
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -4:
            self.error(
                _("小数位数过多（最多 4 位）：%(amount)s") % {"amount": amount},
                row, column.index, column.shown,
            )  # fmt: skip
            return None
        return amount

    def check(self, rows: list[tuple[int, Unit, str, list[_Cell]]]) -> None:
        """Every target against the rules of do_set_target, before anything is written:
        the unit reports the indicator, a phased target keeps its annual amount, a change
        after the year began has a reason. Each row's preview with its outcome."""
        indicator_ids = {indicator.pk for indicator, _column in self.columns}
        unit_ids = {unit.pk for _number, unit, _group, _cells in rows}
        existing = {
            (target.indicator_id, target.unit_id): target
            for target in Target.objects.restrict(self.actor).filter(
                year=self.year, indicator__in=indicator_ids, unit__in=unit_ids
            )
        }
        changed_without_reason: list[str] = []
        started = self.today >= date(self.year, 1, 1)
        for number, unit, group, cells in rows:
            outcomes: set[str] = set()
            preview = TargetPreview(row=number, outcome="", unit=unit.name, group=group)
            for cell in cells:
                indicator = cell.indicator
                header = cell.column.shown
                if not indicator.applies_to(unit):
                    self.error(
                        _("%(unit)s不报送“%(indicator)s”，不能设置目标。")
                        % {"unit": unit.name, "indicator": indicator.name},
                        number, cell.column.index, header,
                    )  # fmt: skip
                    continue
                target = cell.existing = existing.get((indicator.pk, unit.pk))
                if target is None:
                    outcome = Outcome.CREATED
                elif target.amount == cell.amount:
                    outcome = Outcome.UNCHANGED
                else:
                    outcome = Outcome.UPDATED
                    phased = target.phased_amounts()
                    if phased:
                        self.error(
                            _("该目标已按月分解（12 月末为 %(last)s），改为 %(amount)s 须先在目标页面调整分月目标。")
                            % {
                                "last": format_amount(phased[-1], indicator),
                                "amount": format_amount(cell.amount, indicator),
                            },
                            number, cell.column.index, header,
                        )  # fmt: skip
                        continue
                    if started and not self.reason:
                        changed_without_reason.append(cell.ref)
                outcomes.add(outcome)
                preview.values.append(f"{indicator.name} {format_amount(cell.amount, indicator)}")
                if outcome == Outcome.UPDATED and target is not None:
                    preview.notes.append(
                        Remark(
                            _("%(cell)s %(indicator)s：%(old)s → %(new)s")
                            % {
                                "cell": cell.ref,
                                "indicator": indicator.name,
                                "old": format_amount(target.amount, indicator),
                                "new": format_amount(cell.amount, indicator),
                            }
                        )
                    )
            preview.outcome = _row_outcome(outcomes)
            self.report.rows.append(preview)
        if changed_without_reason:
            named = "、".join(changed_without_reason[:_CELLS_NAMED])
            if len(changed_without_reason) > _CELLS_NAMED:
                named = _("%(cells)s 等 %(count)s 格") % {
                    "cells": named,
                    "count": len(changed_without_reason),
                }
            self.report.error(
                _(
                    "%(year)s 年已开始，修改已有的目标须说明原因（%(cells)s）：命令行用 --reason，页面上填写“修改原因”。"
                )
                % {"year": self.year, "cells": named},
                sheet=self.sheet.title,
            )

    def write(self, rows: list[tuple[int, Unit, str, list[_Cell]]]) -> None:
        """The new and changed targets through do_set_target (inside the transaction)."""
        imported = _("Excel 导入：%(file)s") % {"file": self.report.source or self.sheet.title}
        for _number, unit, _group, cells in rows:
            for cell in cells:
                if cell.existing is not None and cell.existing.amount == cell.amount:
                    continue
                reason = imported
                if cell.existing is not None and self.reason:
                    reason = f"{self.reason}（{imported}）"
                try:
                    do_set_target(
                        indicator=cell.indicator, unit=unit, year=self.year, amount=cell.amount,
                        actor=self.actor, reason=reason, today=self.today,
                    )  # fmt: skip
                except ValidationError as error:
                    for message in error.messages:
                        self.error(message, cell.row, cell.column.index, cell.column.shown)


def _row_outcome(outcomes: set[str]) -> str:
    if outcomes == {Outcome.CREATED}:
        return Outcome.CREATED
    if not outcomes or outcomes == {Outcome.UNCHANGED}:
        return Outcome.UNCHANGED
    return Outcome.UPDATED


# The export and the template ----------------------------------------------------------------


@dataclass
class TargetFigures:
    """What an export of the target sheet holds: the year, the indicators (columns), the
    units (rows, by group) and the targets the user may see."""

    year: int
    indicators: list[Indicator]
    groups: list[tuple[str, list[Unit]]]
    amounts: dict[tuple[int, int], Decimal] = field(default_factory=dict)

    def count(self) -> int:
        return sum(len(units) for _label, units in self.groups)


def _sheet_indicators(queryset: Any, codes: str | None) -> list[Indicator]:
    """The chosen indicators by code, or every active indicator the report's units
    (subdistricts, towns) report, in the catalogue's order."""
    queryset = queryset.order_by("order", "code")
    if not codes:
        kinds = set(REPORT_UNIT_KINDS)
        return [
            indicator
            for indicator in queryset.active()
            if kinds & set(indicator.applies_to_kinds())
        ]
    wanted = [code.strip() for code in codes.split(",") if code.strip()]
    found = {indicator.code: indicator for indicator in queryset.filter(code__in=wanted)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ValueError(_("未知的指标代码：%(codes)s。") % {"codes": "、".join(unknown)})
    return [found[code] for code in wanted]


def export_queryset(user: User, filters: Mapping[str, str]) -> TargetFigures:
    """The targets of a year as `user` may see them: `period` or `year` (default this
    year), `indicators` a comma list of codes. Raises ValueError on a filter it cannot
    take."""
    unknown = set(filters) - {"period", "year", "indicators"}
    if unknown:
        raise ValueError(
            _(
                "不能按 %(names)s 筛选：目标任务可按 year（如 2026）和 indicators（指标代码，逗号分隔）导出。"
            )
            % {"names": "、".join(sorted(unknown))}
        )
    text = (filters.get("period") or filters.get("year") or "").strip()
    if text and not re.fullmatch(r"\d{4}", text):
        raise ValueError(_("无法识别的年度“%(text)s”，应写作 2026。") % {"text": text})
    year = int(text) if text else timezone.localdate().year
    indicators = _sheet_indicators(Indicator.objects.restrict(user), filters.get("indicators"))
    groups = report_units(Unit.objects.restrict(user))
    figures = TargetFigures(year, indicators, groups)
    rows = (
        Target.objects.restrict(user)
        .filter(
            year=year,
            indicator__in=indicators,
            unit__in=[unit.pk for _label, units in groups for unit in units],
        )
        .values_list("indicator_id", "unit_id", "amount")
    )
    figures.amounts = {(indicator, unit): amount for indicator, unit, amount in rows}
    return figures


def _heading(year: int) -> str:
    return _("%(year)s年度各镇街主要经济指标目标任务") % {"year": year}


_NOTE = gettext_lazy("注：目标为全年目标；空白表示未设目标，导入时空白格不作修改。")


def export_targets(figures: TargetFigures, destination: str | Path | IO[bytes]) -> None:
    """Writes the year's target sheet (see layout.write_report): it imports back
    unchanged."""
    writer = WorkbookWriter()
    with report_language():
        _write(writer, figures, totals=True)
    writer.save(destination)


def _write(writer: WorkbookWriter, figures: TargetFigures, *, totals: bool) -> None:
    indicators = figures.indicators
    sums: dict[int, Decimal] = {}
    groups = []
    for label, units in figures.groups:
        members = []
        for unit in units:
            values = []
            for indicator in indicators:
                amount = figures.amounts.get((indicator.pk, unit.pk))
                values.append(amount)
                if amount is not None:
                    sums[indicator.pk] = sums.get(indicator.pk, Decimal(0)) + amount
            members.append((unit.name, values))
        groups.append((label, members))
    write_report(
        writer,
        sheet_title=_("%(year)s年目标") % {"year": figures.year},
        heading=_heading(figures.year),
        unit_line="",
        blocks=[
            Block(
                f"{indicator.name}（{indicator.unit_of_measure}）",
                (Part("", number_format(indicator.decimals), 16),),
            )
            for indicator in indicators
        ],
        groups=groups,
        totals=[
            sums.get(indicator.pk) if computations.summable(indicator.kind) else None
            for indicator in indicators
        ]
        if totals
        else None,
        note=str(_NOTE),
    )


def targets_template() -> bytes:
    """The blank target sheet of this year: the title, every active indicator the
    subdistricts and towns report, the units' rows, and a 说明 sheet."""
    year = timezone.localdate().year
    figures = TargetFigures(
        year,
        _sheet_indicators(Indicator.objects.all(), None),
        report_units(Unit.objects.all()),
    )
    writer = WorkbookWriter()
    with report_language():
        _write(writer, figures, totals=False)
    writer.instructions(
        [
            Column("unit", _("单位"), allowed=_("单位全称或简称，如“锦城街道”或“锦城”")),
            Column(
                "target", _("指标名称（计量单位）"),
                help=_("每格为该单位该指标的全年目标；空白格不作修改"),
                allowed=_("不小于 0 的数字（增速指标可为负），如 120000 或 8.0"),
            ),
        ],
        intro=[
            _("目标任务导入模板：每个单位一行，每个指标一列；标题须写明年度，如“%(year)s年度各镇街主要经济指标目标任务”。")
            % {"year": year},
            _("表头为指标目录中的指标名称，可带计量单位，如“固定资产投资（万元）”。"),
            _("只有督查室可以导入；1 月 1 日之后修改已有目标须说明原因。已按月分解的目标，须先在目标页面调整分月目标。"),
            _("整个文件要么全部导入，要么（有任何错误时）一格也不导入；错误会指出工作表、行和列。"),
        ],
    )  # fmt: skip
    return writer.to_bytes()


TARGETS_EXCEL = ExcelKind(
    label=gettext_lazy("目标任务"),
    import_file=import_targets,
    export_queryset=export_queryset,
    export_file=export_targets,
    template=targets_template,
    filter_help=gettext_lazy(
        "年度写在文件名之前：bipin export targets 2026 FILE；--indicators 指标代码（逗号分隔，默认为镇街报送的全部指标）"
    ),
    model=Target,
    list_url_name="indicators:targets",
    preview_columns=(
        (gettext_lazy("单位"), "unit"),
        (gettext_lazy("年度目标"), "values"),
    ),
    template_name=gettext_lazy("目标任务导入模板.xlsx"),
    period_argument="YEAR",
    reason_help=REASON_HELP,
)
