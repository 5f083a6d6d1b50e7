"""The layout of the district's report sheets: units as rows, indicators as columns.

The statistics bureau's monthly report (统计局月报) and the supervision office's target
sheet (目标任务分解表) are kept alike: a merged title row that names the period
("临安区各镇街主要经济指标完成情况（2026年1-10月）", "2026年度各镇街主要经济指标目标任务"), a
unit line ("单位：万元、%"), a header of one level or of two merged levels (指标 →
1-10月累计 / 同比增长（%）), units as rows under group rows with their own numbering
(一 街道, 1 锦城街道 …, 二 乡镇 …), a 合计 row and a 注 line under the table.

This module reads that layout into a `ReportSheet` (where the title, the header and each
unit's row are; the importers in values.py and targets.py say what the cells mean) and
writes it (`write_report`, for their exports and templates), so that an export reads back
as the office's own sheet does. The core reader (core.excel.find_table) maps a fixed set
of template columns; here the columns are the catalogue's indicators, which the sheet
names by their Chinese names, so the header is read cell by cell.
"""

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bipin.core.excel import (
    Book,
    BookError,
    ImportReport,
    Source,
    WorkbookWriter,
    cell_text,
    header_key,
    tidy,
)
from bipin.org.choices import UnitKind
from bipin.org.models import Unit

#: Rows searched for the header (the title and the unit line come first).
HEADER_SEARCH_ROWS = 20
#: Headers of the unit column, compared as header_key() makes them.
UNIT_HEADERS = frozenset(
    header_key(text)
    for text in (
        "单位",
        "单位名称",
        "镇街",
        "镇街名称",
        "乡镇街道",
        "乡镇（街道）",
        "镇（街道）",
        "地区",
    )
)
#: Units of these kinds are the rows of the district's reports, in this order and group.
REPORT_UNIT_KINDS = (UnitKind.SUBDISTRICT, UnitKind.TOWN)
#: What an office types for "nothing here" (after NFKC).
DASHES = frozenset({"-", "--", "—", "——", "–", "/", "－"})


class SheetImport(Protocol):
    """One import of one sheet: `check` the rows read (errors into the report), then
    `write` them."""

    def check(self, rows: Any) -> None: ...

    def write(self, rows: Any) -> None: ...


def finish_import(
    report: ImportReport[Any],
    importer: SheetImport,
    rows: Any,
    *,
    dry_run: bool,
    progress: Callable[[int, int], None] | None,
) -> ImportReport[Any]:
    """Checks and writes the rows read (None: the sheet could not be read) in one
    transaction, rolled back on any error or for a dry run: all or nothing. The errors
    come sorted by row and column, and a report with errors lists no rows."""
    if rows is not None:
        with transaction.atomic():
            importer.check(rows)
            if not report.errors:
                importer.write(rows)
            if report.errors or dry_run:
                transaction.set_rollback(True)
    if progress is not None:
        progress(len(report.rows), len(report.rows))
    if report.errors:
        report.rows = []
        report.errors.sort(
            key=lambda error: (error.row or 0, len(error.column or ""), error.column or "")
        )
    report.written = not report.errors and not dry_run
    return report


def report_language() -> translation.override:
    """The language the sheets themselves are written in: Chinese, whatever the session's.

    The monthly report and the target sheet are the statistics bureau's and the office's
    own forms (its title, 1-10月累计, 同比增长（%）, 合计), exchanged with them as they are, and
    what the importer reads back; an export made in an English session imports unchanged.
    The 说明 sheet beside them is in the reader's language.
    """
    return translation.override("zh-hans")


_NOTE_LINE = re.compile(r"^(注|说明|备注|附注|填表说明|note)(\s*[:：]|\s*\d|$)", re.IGNORECASE)
_GROUP_NUMBER = re.compile(r"^[(（]?[一二三四五六七八九十]+[)）、.．]?$")
_TOTALS = ("合计", "总计", "全区合计", "total")
_SUBTOTALS = ("小计",)
_NUMERALS = "一二三四五六七八九十"


def plain(value: Any) -> str:
    """A header as typed, for messages: line breaks and runs of spaces made one space."""
    return " ".join(cell_text(value).split())


def is_empty(value: Any) -> bool:
    """A cell with nothing in it (a dash is something: "no base", "no value")."""
    return value is None or (isinstance(value, str) and not value.strip())


def is_dash(value: Any) -> bool:
    return isinstance(value, str) and unicodedata.normalize("NFKC", value).strip() in DASHES


def group_numeral(position: int) -> str:
    """一, 二, 三 … for the group rows (1-based)."""
    return _NUMERALS[position - 1] if 1 <= position <= len(_NUMERALS) else str(position)


# Reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderCell:
    """A column of the header right of the unit column: the text above (for a header
    merged across columns, the merge's text, and where it is written) and the text of the
    second level ("" for a one-level header)."""

    index: int  # 0-based
    upper: str
    lower: str
    upper_row: int
    upper_index: int
    lower_row: int

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)

    @property
    def upper_letter(self) -> str:
        return get_column_letter(self.upper_index + 1)

    @property
    def shown(self) -> str:
        """The header as an error names it: "固定资产投资/1-10月累计"."""
        return "/".join(part for part in (self.upper, self.lower) if part)


@dataclass
class ReportRow:
    """A row of a unit: its number as Excel shows it, the unit as written, its cells, and
    the group row above it ("街道")."""

    number: int
    unit_text: str
    cells: Sequence[Any]
    group: str = ""

    def cell(self, index: int) -> Any:
        return self.cells[index] if index < len(self.cells) else None


@dataclass
class ReportSheet:
    """Where things are on a report sheet."""

    title: str  # the sheet's
    heading: str  # the title row's text ("" when there is none)
    heading_row: int
    heading_index: int
    unit_index: int
    unit_header: str
    header_rows: tuple[int, int]
    columns: list[HeaderCell]
    rows: list[ReportRow] = field(default_factory=list)
    totals: ReportRow | None = None

    @property
    def unit_letter(self) -> str:
        return get_column_letter(self.unit_index + 1)

    @property
    def heading_ref(self) -> str:
        return f"{get_column_letter(self.heading_index + 1)}{self.heading_row}"

    def error(
        self,
        report: ImportReport[Any],
        message: str,
        *,
        row: int | None = None,
        index: int | None = None,
        header: str | None = None,
    ) -> None:
        """An error at a cell (sheet, row, column letter and header)."""
        report.error(
            message,
            sheet=self.title,
            row=row,
            column=get_column_letter(index + 1) if index is not None else None,
            header=header,
        )


def read_report(
    source: Source, report: ImportReport[Any], heading: re.Pattern[str]
) -> ReportSheet | None:
    """The first sheet with a unit column in its header, read: the title (the first text
    above the header that `heading` finds, else the first text above it), the header of
    one or two levels, the units' rows, the 合计 row. Group rows, empty rows and rows of
    a unit without a single figure are passed over; the 注 line ends the table. None,
    with the reason in `report`, when there is no such sheet."""
    try:
        book = Book(source)
    except BookError as error:
        report.error(str(error), sheet="")
        return None
    with book:
        for sheet in book.sheets:
            if sheet.title in ("说明", "选项", _("说明"), _("选项")):
                continue
            rows = [list(row) for row in sheet.rows()]
            found = _find_unit_header(rows)
            if found is None:
                continue
            report.sheet = sheet.title
            return _read_sheet(sheet.title, rows, sheet.merged, found, heading)
    report.error(
        _("找不到表头：表头应有“单位”列，其后各列为指标（如“固定资产投资”）；请按模板整理。"),
        sheet="",
    )
    return None


def _find_unit_header(rows: list[list[Any]]) -> tuple[int, int] | None:
    for row_index, values in enumerate(rows[:HEADER_SEARCH_ROWS]):
        for index, value in enumerate(values):
            if isinstance(value, str) and header_key(value) in UNIT_HEADERS:
                return row_index, index
    return None


def _read_sheet(
    title: str,
    rows: list[list[Any]],
    merged: list[tuple[int, int, int, int]],
    found: tuple[int, int],
    heading_pattern: re.Pattern[str],
) -> ReportSheet:
    header_index, unit_index = found
    header_row = header_index + 1
    # The title: the first text above the header in which the pattern finds the period.
    heading, heading_row, heading_col = "", 1, 0
    first_text: tuple[str, int, int] | None = None
    for row_index in range(header_index):
        for index, value in enumerate(rows[row_index]):
            if is_empty(value):
                continue
            text = tidy(cell_text(value))
            if first_text is None:
                first_text = (text, row_index + 1, index)
            if not heading and heading_pattern.search(text):
                heading, heading_row, heading_col = text, row_index + 1, index
    if not heading and first_text is not None:
        heading, heading_row, heading_col = first_text

    upper = list(rows[header_index])
    below = rows[header_index + 1] if header_index + 1 < len(rows) else []
    two_level = _has_second_level(upper, below, unit_index, header_row, merged)
    width = max(len(upper), len(below) if two_level else 0)
    upper += [None] * (width - len(upper))
    # A header merged across columns names each of them; errors name its first cell.
    anchors = list(range(width))
    for min_row, min_col, _max_row, max_col in merged:
        if min_row == header_row and max_col > min_col:
            for col in range(min_col + 1, min(max_col, width) + 1):
                if is_empty(upper[col - 1]):
                    upper[col - 1] = upper[min_col - 1]
                    anchors[col - 1] = min_col - 1
    columns = []
    for index in range(unit_index + 1, width):
        top = "" if is_empty(upper[index]) else plain(upper[index])
        sub = ""
        if two_level and index < len(below) and not is_empty(below[index]):
            sub = plain(below[index])
        if top or sub:
            columns.append(HeaderCell(index, top, sub, header_row, anchors[index], header_row + 1))
    unit_header = plain(rows[header_index][unit_index])
    last_header = header_row + (1 if two_level else 0)
    sheet = ReportSheet(
        title, heading, heading_row, heading_col, unit_index, unit_header,
        (header_row, last_header), columns,
    )  # fmt: skip
    _read_rows(sheet, rows[last_header:], last_header)
    return sheet


def _has_second_level(
    upper: list[Any],
    below: list[Any],
    unit_index: int,
    header_row: int,
    merged: list[tuple[int, int, int, int]],
) -> bool:
    """Whether the row under the header is its second level: the unit header merged down
    into it, or nothing under the unit header and only text right of it (a group row has
    "街道" there, a unit's row its name and numbers)."""
    for min_row, min_col, max_row, _max_col in merged:
        if min_row == header_row and max_row > min_row and min_col == unit_index + 1:
            return True
    if not below or (unit_index < len(below) and not is_empty(below[unit_index])):
        return False
    right = [value for value in below[unit_index + 1 :] if not is_empty(value)]
    return bool(right) and all(isinstance(value, str) for value in right)


def _read_rows(sheet: ReportSheet, rows: list[list[Any]], offset: int) -> None:
    unit_index = sheet.unit_index
    data_indexes = [column.index for column in sheet.columns]
    group = ""
    for position, values in enumerate(rows, start=1):
        number = offset + position
        filled = [value for value in values if not is_empty(value)]
        if not filled:
            continue
        first = tidy(cell_text(filled[0]))
        label = first.replace(" ", "").lower()
        if label.startswith(_TOTALS):
            if sheet.totals is None:
                sheet.totals = ReportRow(number, first, values, group)
            continue
        if any(word in label for word in _SUBTOTALS):
            continue
        if len(filled) == 1 and _NOTE_LINE.match(first):
            break
        unit_cell = values[unit_index] if unit_index < len(values) else None
        unit_text = "" if is_empty(unit_cell) else tidy(cell_text(unit_cell))
        has_data = any(
            index < len(values) and not is_empty(values[index]) for index in data_indexes
        )
        if not has_data:
            if _GROUP_NUMBER.match(first) or not unit_text:
                group = unit_text or group
            continue
        sheet.rows.append(ReportRow(number, unit_text, values, group))


class UnitLookup:
    """Units by what a sheet names them: the full name, the short name or the code, with
    stray spaces and full-width characters as typed ("玲珑街道 ", "锦城")."""

    def __init__(self) -> None:
        self.units: dict[str, list[Unit]] = {}
        for unit in Unit.objects.only("pk", "code", "name", "short_name", "kind", "active"):
            for text in {unit.code, unit.name, unit.short_name} - {""}:
                self.units.setdefault(header_key(text), []).append(unit)

    def find(self, text: str) -> Unit:
        """The unit, or a ValueError saying why none is meant."""
        candidates = self.units.get(header_key(text), [])
        if len(candidates) > 1:
            candidates = [unit for unit in candidates if unit.active] or candidates
        if not candidates:
            raise ValueError(
                _("未知单位“%(name)s”：应填单位全称、简称或代码，如“锦城街道”或“锦城”。")
                % {"name": text}
            )
        if len(candidates) > 1:
            raise ValueError(
                _("有 %(count)s 个单位叫“%(name)s”（代码 %(codes)s），请填写单位全称或代码。")
                % {
                    "count": len(candidates),
                    "name": text,
                    "codes": "、".join(unit.code for unit in candidates),
                }
            )
        if not candidates[0].active:
            raise ValueError(_("单位“%(name)s”已停用。") % {"name": text})
        return candidates[0]


def report_units(queryset: Any) -> list[tuple[str, list[Unit]]]:
    """The rows of a report: the active subdistricts, then the towns, each kind a group
    ("街道", "乡镇") in the units' order; an empty group is left out."""
    units = list(queryset.active().filter(kind__in=REPORT_UNIT_KINDS).order_by("order", "code"))
    groups = []
    for kind in REPORT_UNIT_KINDS:
        members = [unit for unit in units if unit.kind == kind]
        if members:
            groups.append((str(UnitKind(kind).label), members))
    return groups


def district_name() -> str:
    """The name of the root of the unit tree (临安区), which titles the reports."""
    root = Unit.objects.filter(parent__isnull=True).order_by("order", "pk").first()
    return root.name if root is not None else ""


# Writing -------------------------------------------------------------------------------------

_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
_GROUP_FILL = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True)
class Part:
    """A column of an indicator's block: its second-level header ("1-10月累计"; "" in a
    one-level header) and its number format."""

    header: str
    number_format: str = "General"
    width: float = 13


@dataclass(frozen=True)
class Block:
    """An indicator's columns: its name above, merged across its parts."""

    header: str
    parts: tuple[Part, ...]


def number_format(decimals: int) -> str:
    """Excel's format for an amount with thousands separators at `decimals` places."""
    return "#,##0" if decimals <= 0 else "#,##0." + "0" * decimals


def write_report(
    writer: WorkbookWriter,
    *,
    sheet_title: str,
    heading: str,
    unit_line: str,
    blocks: Sequence[Block],
    groups: Sequence[tuple[str, Sequence[tuple[str, Sequence[Any]]]]],
    totals: Sequence[Any] | None,
    note: str,
) -> None:
    """A report sheet as the offices keep it: the merged title row, the unit line over the
    last column, the header (two levels when any block has second-level headers: 序号 and
    单位 merged down, each indicator merged across its parts), each group's row (一 街道)
    and its units numbered from 1, the 合计 row and the 注 line. A row's values follow
    the blocks' parts in order; None is an empty cell, text is written as it is."""
    sheet = writer.book.create_sheet(sheet_title)
    parts = [part for block in blocks for part in block.parts]
    width = 2 + len(parts)
    last = get_column_letter(width)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 14
    for position, part in enumerate(parts, start=3):
        sheet.column_dimensions[get_column_letter(position)].width = part.width
    two_level = any(part.header for part in parts)
    first_data = 5 if two_level else 4
    sheet.freeze_panes = f"C{first_data}"

    title = WriteOnlyCell(sheet, heading)
    title.font = _TITLE_FONT
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.append([title])
    sheet.merged_cells.add(f"A1:{last}1")
    line = WriteOnlyCell(sheet, unit_line)
    line.alignment = Alignment(horizontal="right")
    sheet.append([None] * (width - 1) + [line])

    def header_cell(text: str | None) -> Any:
        cell = WriteOnlyCell(sheet, text)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = _CENTRE
        cell.border = _BOX
        return cell

    top = [header_cell(_("序号")), header_cell(_("单位"))]
    position = 3
    for block in blocks:
        top.append(header_cell(block.header))
        top += [header_cell(None) for _part in block.parts[1:]]
        if len(block.parts) > 1:
            end = get_column_letter(position + len(block.parts) - 1)
            sheet.merged_cells.add(f"{get_column_letter(position)}3:{end}3")
        position += len(block.parts)
    sheet.append(top)
    if two_level:
        sheet.append(
            [header_cell(None), header_cell(None)]
            + [header_cell(part.header or None) for part in parts]
        )
        sheet.merged_cells.add("A3:A4")
        sheet.merged_cells.add("B3:B4")

    def body_cell(value: Any, part: Part | None = None, *, bold: bool = False) -> Any:
        if isinstance(value, Decimal) and not value.is_finite():
            value = None
        cell = WriteOnlyCell(sheet, value)
        cell.border = _BOX
        if bold:
            cell.font = _BOLD
        if part is not None and isinstance(value, int | float | Decimal):
            cell.number_format = part.number_format
        elif part is not None:
            cell.alignment = Alignment(horizontal="right")
        return cell

    for position, (label, members) in enumerate(groups, start=1):
        row = [body_cell(group_numeral(position), bold=True), body_cell(label, bold=True)]
        row += [body_cell(None) for _part in parts]
        for cell in row:
            cell.fill = _GROUP_FILL
        sheet.append(row)
        for number, (name, values) in enumerate(members, start=1):
            sheet.append(
                [body_cell(number), body_cell(name)]
                + [body_cell(value, part) for value, part in zip(values, parts, strict=True)]
            )
    if totals is not None:
        end_row = first_data + len(groups) + sum(len(members) for _label, members in groups)
        sheet.append(
            [body_cell(_("合计"), bold=True), body_cell(None)]
            + [body_cell(value, part, bold=True) for value, part in zip(totals, parts, strict=True)]
        )
        sheet.merged_cells.add(f"A{end_row}:B{end_row}")
    if note:
        sheet.append([])
        sheet.append([note])
