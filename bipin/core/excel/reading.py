"""Reading the office's sheets: opening a workbook (or a CSV file), finding the table
under its title rows, its header of one or two levels, and its data rows."""

import csv
import fnmatch
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from bipin.core.excel.columns import Column, cell_text, header_key, is_blank, is_formula, tidy
from bipin.core.excel.report import ImportReport
from bipin.core.querysets import RestrictedQuerySet, reached_unit_ids

#: A source of a workbook: a path, or a binary file (an upload).
Source = str | Path | IO[bytes]
#: Rows searched for the header (title rows and a unit line come first).
HEADER_SEARCH_ROWS = 20
#: First cells of the rows that total a table: starting so in Chinese ("合计（6个）"), or
#: exactly so in English (an export in English writes "Total").
_TOTAL_LABELS = ("合计", "总计", "小计", "总合计")
_TOTAL_LABELS_EN = {"total", "totals", "subtotal", "sum", "grandtotal"}
_NOTE_LINE = re.compile(r"^(注|说明|备注|附注|填表说明|note)(\s*[:：]|\s*\d|$)", re.IGNORECASE)
_GROUP_NUMBER = re.compile(r"^[(（]?[一二三四五六七八九十]+[)）、.．]?$")


class BookError(ValueError):
    """A file that is not a workbook the readers can open; the message says why."""


@dataclass(frozen=True, slots=True)
class FoundColumn:
    """A column of the template found on a sheet: where, and under which header."""

    column: Column
    index: int  # 0-based
    letter: str
    header: str


@dataclass(slots=True)
class TableRow:
    """A data row: its number as Excel shows it, its parsed values by column key (a key is
    absent when the sheet lacks the column, None when the cell is empty), whether every
    cell was read, and the group row above it (一 街道 → "街道"), if any."""

    number: int
    values: dict[str, Any]
    ok: bool = True
    group: str = ""


# Opening workbooks ------------------------------------------------------------------------


def source_name(source: Any) -> str:
    if isinstance(source, str | Path):
        return Path(source).name
    return Path(str(getattr(source, "name", "") or "")).name


def _size(source: Source) -> int:
    if isinstance(source, str | Path):
        return Path(source).stat().st_size
    size = getattr(source, "size", None)
    if isinstance(size, int):
        return size
    position = source.tell()
    source.seek(0, io.SEEK_END)
    end = source.tell()
    source.seek(position)
    return end


def _head(source: Source, count: int = 8) -> bytes:
    if isinstance(source, str | Path):
        with Path(source).open("rb") as stream:
            return stream.read(count)
    position = source.tell()
    head = source.read(count)
    source.seek(position)
    return head


def check_upload(source: Source, *, allow_csv: bool = False) -> str:
    """Refuses what the readers cannot take, with a message that says what to do: a file
    over BIPIN_UPLOAD_MAX_MB, an old .xls, a password-protected workbook, anything else
    that is not .xlsx (or .csv where allowed). Returns "xlsx" or "csv"."""
    limit = settings.BIPIN_UPLOAD_MAX_MB
    try:
        size = _size(source)
        head = _head(source)
    except OSError as error:
        raise BookError(_("无法读取文件：%(error)s") % {"error": error}) from None
    if size > limit * 1024 * 1024:
        raise BookError(
            _("文件 %(size).1f MB，超过上限 %(limit)s MB；请拆分后分批导入。")
            % {"size": size / 1024 / 1024, "limit": limit}
        )
    suffix = Path(source_name(source)).suffix.lower()
    if allow_csv and suffix == ".csv":
        return "csv"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise BookError(
            _("这是旧版 .xls 文件或加密的工作簿：请在 Excel 中“另存为 .xlsx”（不设密码）后再导入。")
        )
    if not head.startswith(b"PK\x03\x04"):
        allowed = _(".xlsx 或 .csv") if allow_csv else ".xlsx"
        raise BookError(
            _("“%(name)s”不是 Excel 工作簿：只能导入 %(allowed)s 文件。")
            % {"name": source_name(source) or _("上传的文件"), "allowed": allowed}
        )
    return "xlsx"


@dataclass
class Sheet:
    """A sheet as the table reader sees it: its title, its rows of cell values (a fresh
    iterator each call), the merged ranges (min_row, min_col, max_row, max_col) and an
    estimate of its number of rows."""

    title: str
    rows: Callable[[], Iterator[Sequence[Any]]]
    merged: list[tuple[int, int, int, int]]
    estimated_rows: int | None = None


class Book:
    """An opened workbook (or a CSV file as a book of one sheet); close it after use."""

    def __init__(self, source: Source, *, allow_csv: bool = False) -> None:
        self.name = source_name(source)
        self.kind = check_upload(source, allow_csv=allow_csv)
        self._workbook: Any = None
        self.sheets: list[Sheet] = []
        if self.kind == "csv":
            self.sheets = [_csv_sheet(source)]
            return
        try:
            self._workbook = load_workbook(source, read_only=True, data_only=False)
        except Exception as error:  # openpyxl raises many kinds on a damaged file
            raise BookError(
                _("无法打开工作簿（%(error)s）：文件可能已损坏，请用 Excel 打开后另存为 .xlsx。")
                % {"error": type(error).__name__}
            ) from None
        for worksheet in self._workbook.worksheets:
            if getattr(worksheet, "sheet_state", "visible") != "visible":
                continue
            if not hasattr(worksheet, "iter_rows"):  # a chart sheet
                continue
            self.sheets.append(_xlsx_sheet(worksheet))

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()

    def __enter__(self) -> "Book":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _xlsx_sheet(worksheet: Any) -> Sheet:
    estimated = worksheet.max_row
    # A stated dimension that is wrong (some writers state "A1") would cut rows short;
    # without one, openpyxl reads each row as far as it goes.
    worksheet.reset_dimensions()

    def rows() -> Iterator[Sequence[Any]]:
        return worksheet.iter_rows(values_only=True)

    return Sheet(worksheet.title, rows, _merged_ranges(worksheet), estimated)


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(worksheet: Any) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a read-only sheet, from its XML (they come after the rows, and
    read-only openpyxl does not report them). One pass over the inflated stream."""
    archive = getattr(worksheet.parent, "_archive", None)
    path = getattr(worksheet, "_worksheet_path", None)
    if archive is None or path is None:
        return []
    found: list[bytes] = []
    overlap = 512  # longer than any mergeCell element
    tail = b""
    with archive.open(path) as stream:
        while True:
            chunk = stream.read(1 << 20)
            data = tail + chunk
            if not chunk:
                found += [match[1] for match in _MERGE_CELL.finditer(data)]
                break
            # A match starting before the cut ends inside `data`; later ones come again.
            cut = max(0, len(data) - overlap)
            if b"mergeCell" in data:
                found += [match[1] for match in _MERGE_CELL.finditer(data) if match.start() < cut]
            tail = data[cut:]
    ranges = []
    for ref in dict.fromkeys(found):
        min_col, min_row, max_col, max_row = range_boundaries(ref.decode())
        ranges.append((min_row, min_col, max_row, max_col))
    return ranges


def _csv_sheet(source: Source) -> Sheet:
    """A CSV file as one sheet: UTF-8 (with or without BOM), or GB18030, in which Excel on
    a Chinese Windows saves CSV."""
    raw = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BookError(_("无法识别 CSV 文件的编码：请保存为 UTF-8。"))
    lines = list(csv.reader(io.StringIO(text)))
    return Sheet(Path(source_name(source)).stem or "CSV", lambda: iter(lines), [], len(lines))


# Finding and reading the table ------------------------------------------------------------


class Table:
    """The data table of a sheet: where its header is, which template columns it has, and
    its data rows (read once, streamed)."""

    def __init__(
        self,
        sheet: Sheet,
        columns: Sequence[Column],
        header_rows: tuple[int, int],
        found: list[FoundColumn],
        ignored: list[str],
        head: list[Sequence[Any]],
        rest: Iterator[Sequence[Any]],
    ) -> None:
        self.sheet = sheet
        self.columns = columns
        self.header_rows = header_rows
        self.found = found
        self.ignored = ignored
        self._by_key = {found_column.column.key: found_column for found_column in found}
        self._head = head
        self._rest = rest
        first_data = header_rows[1] + 1
        # Cells hidden under a merge (not the top-left one) in the data area, with the range.
        self._hidden: dict[tuple[int, int], str] = {}
        for min_row, min_col, max_row, max_col in sheet.merged:
            if max_row < first_data:
                continue
            ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
            for row in range(max(min_row, first_data), max_row + 1):
                for col in range(min_col, max_col + 1):
                    if (row, col) != (min_row, min_col):
                        self._hidden[(row, col)] = ref

    @property
    def title(self) -> str:
        return self.sheet.title

    @property
    def estimated_rows(self) -> int | None:
        if self.sheet.estimated_rows is None:
            return None
        return max(0, self.sheet.estimated_rows - self.header_rows[1])

    def has(self, key: str) -> bool:
        return key in self._by_key

    def locate(self, key: str) -> FoundColumn | None:
        return self._by_key.get(key)

    def error(
        self, report: ImportReport[Any], row: int | None, key: str | None, message: str
    ) -> None:
        """An error at the column of `key` in `row`, or of the row when the sheet lacks it."""
        found = self._by_key.get(key) if key else None
        report.error(
            message,
            sheet=self.title,
            row=row,
            column=found.letter if found else None,
            header=found.header if found else None,
        )

    def rows(self, report: ImportReport[Any]) -> Iterator[TableRow]:
        """The data rows, each cell parsed; errors go to `report`. Empty rows, group rows
        (一 街道) and 合计 rows are skipped; a 注/说明 line ends the table."""
        number = self.header_rows[1]
        group = ""
        found = self.found
        hidden = self._hidden
        for values in chain(self._head, self._rest):
            number += 1
            first, filled = _first_filled(values)
            if first is None:
                continue
            first_text = tidy(cell_text(first)) if isinstance(first, str) else ""
            label = first_text.replace(" ", "").lower()
            if label.startswith(_TOTAL_LABELS) or label.rstrip(":：") in _TOTAL_LABELS_EN:
                continue
            if filled == 1 and _NOTE_LINE.match(first_text):
                break
            if filled <= 2 and _GROUP_NUMBER.match(first_text):
                group = next(
                    (tidy(cell_text(v)) for v in values if not is_blank(v) and v is not first), ""
                )
                continue
            parsed: dict[str, Any] = {}
            ok = True
            width = len(values)
            for column in found:
                raw = values[column.index] if column.index < width else None
                value = None
                problem = ""
                if is_blank(raw):
                    if hidden and (number, column.index + 1) in hidden:
                        anchor = hidden[(number, column.index + 1)]
                        problem = _(
                            "这是合并单元格 %(range)s 的一部分，只有左上角的格子有值；请取消合并，在每一行填写。"
                        ) % {"range": anchor}
                elif is_formula(raw):
                    problem = _(
                        "单元格是公式“%(formula)s”，这里需要数值：请复制后“选择性粘贴 → 数值”。"
                    ) % {"formula": str(getattr(raw, "text", raw))}
                else:
                    try:
                        value = column.column.parse(raw.strip() if isinstance(raw, str) else raw)
                    except ValueError as error:
                        problem = str(error)
                if not problem and value is None and column.column.required:
                    problem = _("必填，不能为空。")
                if problem:
                    ok = False
                    report.error(
                        problem,
                        sheet=self.title,
                        row=number,
                        column=column.letter,
                        header=column.header,
                    )
                parsed[column.column.key] = value
            yield TableRow(number, parsed, ok, group)


def _first_filled(values: Sequence[Any]) -> tuple[Any, int]:
    """The first non-empty cell of a row and how many cells are filled."""
    first = None
    filled = 0
    for value in values:
        if not is_blank(value):
            filled += 1
            if first is None:
                first = value
    return first, filled


def find_table(book: Book, columns: Sequence[Column], report: ImportReport[Any]) -> Table | None:
    """The first visible sheet whose header names template columns (说明 and 选项 sheets
    are passed over), or None with the reason in `report`: no such header, a required
    column missing, a column twice."""
    best: tuple[int, Sheet, int, list[Sequence[Any]], Iterator[Sequence[Any]]] | None = None
    for sheet in book.sheets:
        if sheet.title in (_("说明"), _("选项"), "说明", "选项"):
            continue
        rows = sheet.rows()
        head = [row for _index, row in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
        for index in range(len(head)):
            score = len(_match_header(head, index, sheet.merged, columns)[0])
            if score >= min(2, len(columns)) and (best is None or score > best[0]):
                best = (score, sheet, index, head, rows)
        if best is not None:
            break
    if best is None:
        expected = "、".join(column.label for column in columns if column.required) or "、".join(
            column.label for column in columns
        )
        report.error(
            _("找不到表头：表头行应含有 %(expected)s 等列（模板见“下载导入模板”）。")
            % {"expected": expected},
            sheet="",
        )
        return None
    _score, sheet, index, head, rows = best
    report.sheet = sheet.title
    found, ignored, last = _match_header(head, index, sheet.merged, columns)
    failed = False
    seen: dict[str, FoundColumn] = {}
    for found_column in found:
        key = found_column.column.key
        if key in seen:
            failed = True
            report.error(
                _("“%(header)s”出现了两次（%(first)s 列和 %(second)s 列），请删去一列。")
                % {
                    "header": found_column.column.label,
                    "first": seen[key].letter,
                    "second": found_column.letter,
                },
                row=index + 1,
            )
        seen[key] = found_column
    missing = [column.label for column in columns if column.required and column.key not in seen]
    if missing:
        failed = True
        report.error(
            _("缺少必填的列：%(missing)s。") % {"missing": "、".join(missing)}, row=index + 1
        )
    if failed:
        return None
    if ignored:
        report.notes.append(
            _("未识别、已忽略的列：%(columns)s。") % {"columns": "、".join(ignored)}
        )
    return Table(
        sheet, columns, (index + 1, last + 1), list(seen.values()), ignored, head[last + 1 :], rows
    )


def _match_header(
    head: list[Sequence[Any]],
    index: int,
    merged: list[tuple[int, int, int, int]],
    columns: Sequence[Column],
) -> tuple[list[FoundColumn], list[str], int]:
    """The template columns named by the header at row `index` (0-based) of `head`: one row,
    or two when merges say the header has two levels. Returns the columns found, the
    headers not recognised, and the index of the header's last row."""
    row_number = index + 1
    top = list(head[index])
    two_level = False
    if index + 1 < len(head):
        two_level = _has_second_level(top, head[index + 1], row_number, merged)
    # A header merged across columns names each of them (its text is in the first one).
    for min_row, min_col, _max_row, max_col in merged:
        if min_row == row_number and min_col <= len(top):
            top += [None] * (max_col - len(top))
            for col in range(min_col + 1, max_col + 1):
                if is_blank(top[col - 1]):
                    top[col - 1] = top[min_col - 1]
    lower: Sequence[Any] = head[index + 1] if two_level else ()
    vertical = {
        (min_col, col)
        for min_row, min_col, max_row, max_col in merged
        if min_row == row_number and max_row > min_row
        for col in range(min_col, max_col + 1)
    }
    names = {column.key: (column.names(), column.patterns()) for column in columns}
    found: list[FoundColumn] = []
    ignored: list[str] = []
    for position in range(max(len(top), len(lower))):
        upper = top[position] if position < len(top) else None
        sub = lower[position] if position < len(lower) else None
        if is_blank(upper) and is_blank(sub):
            continue
        covered = any(col == position + 1 for _anchor, col in vertical)
        parts = [
            cell_text(part) for part in (upper, None if covered else sub) if not is_blank(part)
        ]
        shown = "/".join(re.sub(r"\s+", " ", part).strip() for part in parts)
        key = header_key(shown)
        match = next(
            (
                column
                for column in columns
                if key in names[column.key][0]
                or any(fnmatch.fnmatchcase(key, pattern) for pattern in names[column.key][1])
            ),
            None,
        )
        if match is None:
            if header_key(shown) not in ("序号", "编号序号", "no", "no."):
                ignored.append(f"{shown}（{get_column_letter(position + 1)}）")
            continue
        found.append(FoundColumn(match, position, get_column_letter(position + 1), shown))
    return found, ignored, index + (1 if two_level else 0)


def _has_second_level(
    top: Sequence[Any],
    below: Sequence[Any],
    row_number: int,
    merged: list[tuple[int, int, int, int]],
) -> bool:
    """Whether the row below a header is its second level: a header cell merged down into
    it (序号 over two rows), or headers merged across columns with text under them and
    nothing under the other columns (a data row has values everywhere). A title merged
    across the table is one cell, not a header."""
    if sum(1 for value in top if not is_blank(value)) < 2:
        return False
    across: set[int] = set()
    for min_row, min_col, max_row, max_col in merged:
        if min_row != row_number:
            continue
        if max_row > min_row:
            return True
        if max_col > min_col:
            across.update(range(min_col, max_col + 1))
    if not across:
        return False
    under = [(col, value) for col, value in enumerate(below, start=1) if not is_blank(value)]
    return (
        any(col in across for col, _value in under)
        and all(col in across for col, _value in under)
        and all(isinstance(value, str) for _col, value in under)
    )


# Scoping ------------------------------------------------------------------------------------


def writable_unit_ids(user: Any, queryset: RestrictedQuerySet, action: str) -> set[int] | None:
    """The units whose rows `user` may `action` in the model of `queryset` (its scoping
    table decides), or None for all: an importer checks each row's unit against it
    without a query per row."""
    return reached_unit_ids(user, queryset, action)
