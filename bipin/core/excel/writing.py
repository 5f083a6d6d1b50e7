"""Writing workbooks a row at a time (openpyxl write-only): formatted tables with a
totals row, dropdowns fed from a hidden 选项 sheet, and a 说明 sheet."""

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from itertools import zip_longest
from pathlib import Path
from typing import IO, Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from bipin.core.excel.columns import Column

#: Number formats of written cells.
AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", start_color="FCE4D6", end_color="FCE4D6")
_TOTALS_FILL = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_OPTIONS_SHEET = "选项"


class WorkbookWriter:
    """A workbook written a row at a time: tables, a 说明 sheet and the hidden 选项 sheet
    the dropdowns read their lists from."""

    def __init__(self) -> None:
        self.book = Workbook(write_only=True)
        self._options: dict[str, list[str]] = {}

    def options(self, name: str, values: Sequence[str]) -> str:
        """Adds a list to the 选项 sheet (once per name); returns the range of its values."""
        if name not in self._options:
            self._options[name] = list(values)
        letter = get_column_letter(list(self._options).index(name) + 1)
        last = max(2, len(self._options[name]) + 1)
        return f"'{_OPTIONS_SHEET}'!${letter}$2:${letter}${last}"

    def table(
        self,
        title: str,
        columns: Sequence[Column],
        *,
        heading: str = "",
        options: Mapping[str, Sequence[str]] | None = None,
    ) -> "TableWriter":
        return TableWriter(self, title, columns, heading=heading, options=options or {})

    def instructions(
        self, columns: Sequence[Column], *, intro: Iterable[str] = (), title: str = ""
    ) -> None:
        """The 说明 sheet: what each column means, whether it must be filled, what is allowed."""
        sheet = self.book.create_sheet(title or _("说明"))
        for letter, width in zip("ABCD", (24, 10, 48, 60), strict=True):
            sheet.column_dimensions[letter].width = width
        wrap = Alignment(wrap_text=True, vertical="top")
        for line in intro:
            cell = WriteOnlyCell(sheet, line)
            cell.alignment = Alignment(wrap_text=False)
            sheet.append([cell])
        sheet.append([])
        sheet.append(
            [
                _styled(sheet, text, header=True)
                for text in (_("列名"), _("必填"), _("说明"), _("允许的值"))
            ]
        )
        for column in columns:
            cells = []
            for text in (
                column.label,
                _("是") if column.required else "",
                str(column.help),
                str(column.allowed),
            ):
                cell = WriteOnlyCell(sheet, text)
                cell.alignment = wrap
                cell.border = _BOX
                cells.append(cell)
            sheet.append(cells)

    def save(self, destination: str | Path | IO[bytes]) -> None:
        if self._options:
            sheet = self.book.create_sheet(_OPTIONS_SHEET)
            sheet.sheet_state = "hidden"
            sheet.append(list(self._options))
            for row in zip_longest(*self._options.values()):
                sheet.append(list(row))
        self.book.save(destination)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


def _styled(
    sheet: Any, value: Any, *, header: bool = False, fill: PatternFill | None = None
) -> Any:
    cell = WriteOnlyCell(sheet, value)
    if header:
        cell.font = _HEADER_FONT
        cell.fill = fill or _HEADER_FILL
        cell.alignment = _CENTRE
        cell.border = _BOX
    return cell


class TableWriter:
    """One table sheet: an optional merged heading row, the header (bold, filled, frozen,
    required columns tinted), then rows; a totals row at the end."""

    def __init__(
        self,
        writer: WorkbookWriter,
        title: str,
        columns: Sequence[Column],
        *,
        heading: str,
        options: Mapping[str, Sequence[str]],
    ) -> None:
        self.columns = list(columns)
        self.sheet = sheet = writer.book.create_sheet(title)
        for position, column in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = column.width
        header_row = 2 if heading else 1
        sheet.freeze_panes = f"A{header_row + 1}"
        last_letter = get_column_letter(len(self.columns))
        if heading:
            cell = WriteOnlyCell(sheet, heading)
            cell.font = Font(bold=True, size=14)
            cell.alignment = Alignment(horizontal="center", vertical="center")
            sheet.append([cell])
            sheet.merged_cells.add(f"A1:{last_letter}1")
        sheet.append(
            [
                _styled(
                    sheet,
                    column.label,
                    header=True,
                    fill=_REQUIRED_FILL if column.required else None,
                )
                for column in self.columns
            ]
        )
        for position, column in enumerate(self.columns, start=1):
            if column.options is None or column.options not in options:
                continue
            letter = get_column_letter(position)
            validation = DataValidation(
                type="list",
                formula1=writer.options(column.options, options[column.options]),
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="stop" if column.strict_options else "warning",
                errorTitle=column.label,
                error=_("请从下拉列表中选择（见“说明”表）。"),
            )
            validation.add(f"{letter}{header_row + 1}:{letter}1048576")
            sheet.data_validations.append(validation)
        self._formats = [column.number_format for column in self.columns]

    def append(self, values: Mapping[str, Any]) -> None:
        """A data row, by column key; dates and amounts get their number formats."""
        row: list[Any] = []
        for column, number_format in zip(self.columns, self._formats, strict=True):
            value = values.get(column.key)
            if isinstance(value, Promise):
                value = str(value)
            if value is None or value == "":
                row.append(None)
            elif number_format is not None or isinstance(value, date):
                cell = WriteOnlyCell(self.sheet, value)
                cell.number_format = number_format or DATE_FORMAT
                row.append(cell)
            else:
                row.append(value)
        self.sheet.append(row)

    def totals(self, values: Mapping[str, Any], *, label: str = "") -> None:
        """The totals row: "合计" in the first column (readers skip the row by it), then the
        given values (counts, sums), bold on grey."""
        row = []
        for position, column in enumerate(self.columns):
            value = (label or _("合计")) if position == 0 else values.get(column.key)
            cell = WriteOnlyCell(self.sheet, value)
            cell.font = _HEADER_FONT
            cell.fill = _TOTALS_FILL
            cell.border = _BOX
            if column.number_format and value is not None and not isinstance(value, str):
                cell.number_format = column.number_format
            row.append(cell)
        self.sheet.append(row)
