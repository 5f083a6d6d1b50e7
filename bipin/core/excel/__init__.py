"""Excel in and out, shared by every app's importer and exporter (DESIGN.md: core holds "the
Excel reader and writer").

Reading takes the office's sheets as they are kept: a merged title row above the header; a
header of one row or of two merged levels (指标 → 1-10月累计 / 同比增长); header cells with
stray spaces, line breaks and full-width characters; full-width digits and stray spaces in
values; dates typed as text; a 合计 row (skipped, formulas and all) and a 注/说明 line under
the table (the end of the data). What it cannot take is a `CellError` naming the sheet, the
row as Excel numbers it, the column (letter and header) and what is allowed. Imports are
all or nothing, so a reader reports every error of the file, not the first.

openpyxl reads in read-only mode (streamed, a row at a time), which does not report merged
cells; they are read from the sheet's XML beside it (`_merged_ranges`), because a merged
cell where a value is expected must be named, not taken as empty.

Writing streams too (write-only mode), so an export of 100,000 rows never holds them all:
a bold, filled, frozen header, column widths, 万元 with thousands separators, a totals row,
dropdowns fed from a hidden 选项 sheet and a 说明 sheet.

Each app registers its kinds in `excel_kinds`, so that `bipin import KIND FILE` and
`bipin export KIND FILE` serve projects now and talent and enterprises later.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from bipin.core.excel.columns import (
    Column,
    cell_text,
    choice_parser,
    header_key,
    in_every_language,
    is_blank,
    is_formula,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    parse_name,
    parse_text,
    parse_title,
    tidy,
)
from bipin.core.excel.reading import (
    Book,
    BookError,
    FoundColumn,
    Sheet,
    Source,
    Table,
    TableRow,
    check_upload,
    find_table,
    source_name,
    writable_unit_ids,
)
from bipin.core.excel.report import (
    CellError,
    ImportRejected,
    ImportReport,
    Outcome,
    Remark,
    RowPreview,
)
from bipin.core.excel.writing import (
    AMOUNT_FORMAT,
    DATE_FORMAT,
    TableWriter,
    WorkbookWriter,
)
from bipin.core.registry import Registry


@dataclass(frozen=True)
class ExcelKind:
    """What `bipin import KIND` and `bipin export KIND` do for one kind of record.

    - `import_file(source, *, actor, dry_run, progress)` → ImportReport (and `reason=`
      for a kind with `reason_help`)
    - `export_queryset(user, filters)` → the user's rows, filtered by the list's own filter
      class (`filters` as the list page takes them, e.g. {"year": "2026"}); raises
      ValueError on a filter it cannot take. What it returns needs only `count()` and to
      be understood by `export_file` (a report of one period returns its figures)
    - `export_file(queryset, destination)` writes them
    - `template()` → the blank import template as bytes
    """

    label: "str | Promise"
    import_file: Callable[..., ImportReport[Any]]
    export_queryset: Callable[[Any, Mapping[str, str]], Any]
    export_file: Callable[[Any, Any], None]
    template: Callable[[], bytes]
    filter_help: "str | Promise" = ""
    #: The model whose records the kind holds: importing needs the ADD action on it
    #: (Model.objects.restrict(user, "add") not empty), exporting VIEW.
    model: Any = None
    #: The list page (URL name) the import page links back to, e.g. "projects:list".
    list_url_name: str = ""
    #: The preview table's columns after the row number and before the outcome: (header,
    #: attribute of the kind's RowPreview), e.g. ((_("项目"), "name"), (_("阶段"), "stage")).
    #: The first names the row: it is shown at every width, with the row's `remarks` under
    #: it; the others from a tablet's width up. A Decimal is shown as 万元 (`wan`).
    preview_columns: tuple[tuple["str | Promise", str], ...] = ()
    #: The template's file name as it is downloaded, e.g. _("招商项目导入模板.xlsx").
    template_name: "str | Promise" = ""
    #: A kind whose export is of one period names its argument here ("YEAR-MONTH",
    #: "YEAR"): `bipin export KIND PERIOD FILE`, passed to export_queryset as the filter
    #: "period" (the page passes ?period=… the same way). Empty: the kind takes none.
    period_argument: str = ""
    #: A kind whose import may need a reason (a change of targets after the year began)
    #: says here what the reason is for: the import page then asks for one (optional) and
    #: `bipin import KIND FILE --reason …` takes one; import_file gets it as `reason=`.
    reason_help: "str | Promise" = ""


excel_kinds: Registry[ExcelKind] = Registry("Excel kind")

__all__ = [
    "AMOUNT_FORMAT", "DATE_FORMAT", "Book", "BookError", "CellError", "Column", "ExcelKind",
    "FoundColumn", "ImportRejected", "ImportReport", "Outcome", "Remark", "RowPreview", "Sheet",
    "Source", "Table", "TableRow", "TableWriter", "WorkbookWriter", "cell_text",
    "check_upload", "choice_parser", "excel_kinds", "find_table", "header_key",
    "in_every_language", "is_blank", "is_formula", "parse_amount", "parse_bool",
    "parse_date", "parse_int", "parse_name", "parse_text", "parse_title", "source_name", "tidy",
    "writable_unit_ids",
]  # fmt: skip
