"""The loader of the market-access negative list (市场准入负面清单) from .xlsx or .csv."""

import re
from functools import cache
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bipin.core.excel import (
    Book,
    BookError,
    CellError,
    Column,
    ImportRejected,
    ImportReport,
    RowPreview,
    choice_parser,
    find_table,
    parse_name,
    parse_text,
    source_name,
    tidy,
)
from bipin.org.models import User
from bipin.projects import actions
from bipin.projects.choices import NegativeKind
from bipin.projects.models import Industry

#: Spellings of the two kinds besides their labels (禁止准入, 许可准入).
_NEGATIVE_KINDS = {
    "禁止": NegativeKind.PROHIBITED, "禁止类": NegativeKind.PROHIBITED,
    "许可": NegativeKind.LICENSED, "许可类": NegativeKind.LICENSED,
}  # fmt: skip


@cache
def negative_list_columns() -> tuple[Column, ...]:
    """The columns of a negative-list file; industry codes are separated by 、 or commas."""
    return (
        Column("code", gettext_noop("事项编号"), ("编号",), parse_name, required=True),
        Column("text", gettext_noop("事项内容"), ("内容", "事项"), parse_text, required=True, width=60),
        Column(
            "kind", gettext_noop("类别"), ("类型",),
            choice_parser(NegativeKind, extra=_NEGATIVE_KINDS),
            required=True,
        ),
        Column(
            "industries", gettext_noop("涉及行业代码"), ("涉及行业", "行业代码"),
            lambda value: [code for code in re.split(r"[、,，;；\s]+", tidy(str(value))) if code],
            required=True,
        ),
    )  # fmt: skip


def read_negative_list(source: str | Path | IO[bytes]) -> list[dict[str, Any]]:
    """The rows of a negative-list file (.xlsx or .csv) for do_load_negative_list, every
    row checked first; raises ImportRejected with every error. A section letter (B) covers
    its divisions; a division is its two-digit code."""
    report: ImportReport[RowPreview] = ImportReport(source=source_name(source))
    try:
        book = Book(source, allow_csv=True)
    except BookError as error:
        raise ImportRejected([CellError("", None, None, None, str(error))]) from None
    industries = {industry.code.upper(): industry for industry in Industry.objects.all()}
    rows: list[dict[str, Any]] = []
    with book:
        table = find_table(book, negative_list_columns(), report)
        if table is None:
            raise ImportRejected(report.errors)
        seen: dict[str, int] = {}
        for row in table.rows(report):
            values = row.values
            first = seen.setdefault(values["code"] or "", row.number)
            if values["code"] and first != row.number:
                table.error(
                    report, row.number, "code", _("事项编号与第 %(row)s 行重复。") % {"row": first}
                )
                continue
            found = []
            for code in values["industries"] or []:
                industry = industries.get(code.upper()) or industries.get(code.zfill(2))
                if industry is None:
                    table.error(
                        report,
                        row.number,
                        "industries",
                        _("未知行业代码“%(code)s”：应为门类字母（如 B）或两位大类代码（如 31）。")
                        % {"code": code},
                    )
                else:
                    found.append(industry)
            if row.ok and found:
                rows.append({**values, "industries": found})
    if report.errors:
        raise ImportRejected(report.errors)
    return rows


def load_negative_list_file(path: str | Path, *, actor: User | None) -> tuple[int, int]:
    """Loads a negative-list file (see read_negative_list) all or nothing; returns
    (created, updated). Raises ImportRejected with every error of the file."""
    return actions.do_load_negative_list(read_negative_list(path), actor=actor)


#: The small demo list shipped with bipin (bipin demo loads it).
NEGATIVE_LIST_DEMO = Path(__file__).resolve().parent.parent / "data" / "negative_list_demo.csv"
