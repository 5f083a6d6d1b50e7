"""The 亩均 figures sheet (亩均效益评价数据表), in and out: `bipin import figures FILE
[--dry-run]`, `bipin export figures 2025 FILE`, and the pages under /excel/figures/.

The sheet is the one the tax, statistics, energy and environment bureaus' figures are
gathered in each year: a title naming the year ("2025年度亩均效益评价数据表"), then one row
per enterprise — its unified social credit code and name, 规上 or 规下, land, tax, value
added, revenue, employees, energy, emissions, R&D, electricity, the year production began,
and why it is not rated (T) or is barred from A and B (a veto). An enterprise is found by
its code, and the name must be the registry's (a wrong code for a similarly named company
is the commonest slip of a merged sheet), else the error says both.

Figures are the supervisor's (actions.evaluations.do_save_figures). All or nothing: every
cell is checked first, and one bad cell writes nothing. An export imports back unchanged.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from bipin.core.excel import (
    AMOUNT_FORMAT,
    Column,
    ExcelKind,
    ImportReport,
    RowPreview,
    Table,
    WorkbookWriter,
    cell_text,
    choice_parser,
    parse_amount,
    parse_int,
    parse_title,
    tidy,
)
from bipin.core.excel.importing import TableImport, run_import
from bipin.core.uscc import normalize_uscc, validate_uscc
from bipin.enterprises.choices import Size
from bipin.enterprises.models import Enterprise
from bipin.org.models import User
from bipin.scoring.actions.evaluations import FiguresRow, check_figures, do_save_figures
from bipin.scoring.models import EnterpriseFigures

#: The year in the title: "2025年度亩均效益评价数据表".
TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
#: Codes per query where a query takes a list of them.
_BATCH = 500
_SHEET = gettext_noop("亩均数据")
QUANTITY_FORMAT = "#,##0.00"
EMISSION_FORMAT = "#,##0.0000"
COUNT_FORMAT = "#,##0"
#: Units offices type after a number ("35.5亩", "120吨标煤").
_QUANTITY_UNITS = re.compile(r"(亩|吨标煤|吨标准煤|吨|万千瓦时|万kwh|人|%)$", re.IGNORECASE)
_SIZE_SPELLINGS = {
    "规模以上": Size.ABOVE_SCALE, "规上企业": Size.ABOVE_SCALE, "规上工业": Size.ABOVE_SCALE,
    "规模以下": Size.BELOW_SCALE, "规下企业": Size.BELOW_SCALE, "规下工业": Size.BELOW_SCALE,
}  # fmt: skip


# Columns -----------------------------------------------------------------------------------


def _parse_uscc(value: Any) -> str:
    code = normalize_uscc(cell_text(value))
    try:
        validate_uscc(code)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    return code


def _parse_quantity(value: Any) -> Decimal:
    """A non-negative quantity (亩, 吨标煤, 吨, 万千瓦时): a number, or text with thousands
    separators, full-width digits or the unit."""
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s”不是数字。") % {"value": cell_text(value)})
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = tidy(cell_text(value)).replace(",", "").replace(" ", "")
        try:
            number = Decimal(_QUANTITY_UNITS.sub("", text))
        except InvalidOperation:
            number = Decimal("NaN")
    if not number.is_finite():
        raise ValueError(
            _("“%(value)s”不是数字：应填如 35 或 1,234.5。") % {"value": cell_text(value)}
        )
    if number < 0:
        raise ValueError(_("不能为负数（%(value)s）。") % {"value": cell_text(value)})
    return number


def _parse_count(value: Any) -> int:
    text = _QUANTITY_UNITS.sub("", tidy(cell_text(value))) if isinstance(value, str) else value
    count = parse_int(text)
    if count < 0:
        raise ValueError(_("不能为负数（%(value)s）。") % {"value": cell_text(value)})
    return count


def _parse_year(value: Any) -> int:
    """A year: 2019, "2019年", or a date cell (its year)."""
    if hasattr(value, "year") and not isinstance(value, int | float | str):
        return int(value.year)
    text = tidy(cell_text(value)).removesuffix("年")
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(_("“%(value)s”不是年份：应填如 2019。") % {"value": cell_text(value)})
    return int(text)


@cache
def figures_columns() -> tuple[Column, ...]:
    """The columns of the template and of the export, in order, with the headers offices
    use for them. Their keys are the fields of EnterpriseFigures (and of FiguresRow)."""
    return (
        Column(
            "uscc", gettext_noop("统一社会信用代码"), ("信用代码", "社会信用代码", "统一信用代码"),
            _parse_uscc, required=True, width=22,
            help=gettext_lazy("企业须已在企业名录中"),
            allowed=gettext_lazy("18 位，GB 32100-2015"),
        ),
        Column(
            "name", gettext_noop("企业名称"), ("企业", "单位名称", "名称"), parse_title,
            required=True, width=34,
            help=gettext_lazy("须与企业名录中该代码的企业名称一致"),
        ),
        Column(
            "size", gettext_noop("企业类别（规上/规下）"), ("企业类别", "规上/规下", "企业规模", "规模"),
            choice_parser(Size, extra=_SIZE_SPELLINGS), required=True, width=12,
            options="企业类别", allowed=gettext_lazy("规上、规下"),
            help=gettext_lazy("规上、规下企业分别评价、排名和分类"),
        ),
        Column(
            "land_area", gettext_noop("用地面积（亩）"), ("用地面积", "占地面积（亩）", "占地面积"),
            _parse_quantity, required=True, width=12, number_format=QUANTITY_FORMAT,
            allowed=gettext_lazy("大于 0 的数字，最多 2 位小数"),
        ),
        Column(
            "tax", gettext_noop("实缴税收（万元）"), ("实缴税收", "税收（万元）", "评价税收（万元）", "评价税收"),
            parse_amount, required=True, width=14, number_format=AMOUNT_FORMAT,
            help=gettext_lazy("税务部门提供的年度实缴税金"),
            allowed=gettext_lazy("不小于 0 的金额（万元），最多 2 位小数"),
        ),
        Column(
            "value_added", gettext_noop("工业增加值（万元）"), ("工业增加值", "增加值（万元）"),
            parse_amount, width=14, number_format=AMOUNT_FORMAT,
            allowed=gettext_lazy("不小于 0 的金额（万元）；规下企业可空"),
        ),
        Column(
            "revenue", gettext_noop("营业收入（万元）"), ("营业收入", "主营业务收入（万元）", "主营业务收入"),
            parse_amount, width=14, number_format=AMOUNT_FORMAT,
            allowed=gettext_lazy("不小于 0 的金额（万元）"),
        ),
        Column(
            "employees", gettext_noop("年平均职工人数"), ("职工人数", "年均职工人数", "从业人数"),
            _parse_count, width=10, number_format=COUNT_FORMAT,
            allowed=gettext_lazy("不小于 0 的整数"),
        ),
        Column(
            "energy", gettext_noop("综合能耗（吨标煤）"), ("综合能耗", "综合能耗（吨标准煤）"),
            _parse_quantity, width=12, number_format=QUANTITY_FORMAT,
            allowed=gettext_lazy("不小于 0 的数字（等价值），最多 2 位小数"),
        ),
        Column(
            "emissions", gettext_noop("主要污染物排放量（吨）"), ("主要污染物排放量", "排放量（吨）"),
            _parse_quantity, width=12, number_format=EMISSION_FORMAT,
            allowed=gettext_lazy("不小于 0 的数字，最多 4 位小数"),
        ),
        Column(
            "rd_expense", gettext_noop("R&D 经费支出（万元）"), ("R&D经费支出", "研发经费支出（万元）", "研发经费"),
            parse_amount, width=14, number_format=AMOUNT_FORMAT,
            allowed=gettext_lazy("不小于 0 的金额（万元）"),
        ),
        Column(
            "electricity", gettext_noop("用电量（万千瓦时）"), ("用电量", "用电量（万kWh）"),
            _parse_quantity, width=12, number_format=QUANTITY_FORMAT,
            allowed=gettext_lazy("不小于 0 的数字，最多 2 位小数"),
        ),
        Column(
            "production_started", gettext_noop("投产年份"), ("投产时间", "投产年度"),
            _parse_year, width=10,
            help=gettext_lazy("投产不满评价办法规定年限的企业列为 T 类"),
            allowed=gettext_lazy("四位年份，如 2019"),
        ),
        Column(
            "unrated_reason", gettext_noop("不参评原因"), ("不参评", "不参加评价原因"), parse_title,
            width=20, help=gettext_lazy("填写则列为 T 类（暂不评价），如：公用事业"),
            allowed=gettext_lazy("最多 100 字"),
        ),
        Column(
            "veto_reason", gettext_noop("否决事项"), ("一票否决", "否决", "否决事项说明"), parse_title,
            width=24, help=gettext_lazy("填写则不得评为 A、B 类，如：发生较大安全生产或环境污染事故"),
            allowed=gettext_lazy("最多 200 字"),
        ),
    )  # fmt: skip


# Import ------------------------------------------------------------------------------------


@dataclass(slots=True)
class FiguresPreview(RowPreview):
    """A row as the preview shows it: the enterprise, its size and town."""

    uscc: str = ""
    name: str = ""
    size: str = ""
    unit: str = ""


@dataclass(slots=True)
class _Planned:
    """A row read and checked, waiting to be written."""

    row: int
    uscc: str
    name: str
    values: dict[str, Any]
    enterprise: Enterprise | None = None


def import_figures(
    source: str | Path | IO[bytes],
    *,
    actor: User,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport[FiguresPreview]:
    """Imports a 亩均 figures sheet (.xlsx) of the year its title names: all or nothing,
    as the supervisor. Returns the report: every error with its sheet, row and column
    (nothing written when there is one), and each row with its outcome."""
    return run_import(_FiguresImport, source, actor=actor, dry_run=dry_run, progress=progress)


class _FiguresImport(TableImport[FiguresPreview]):
    model = EnterpriseFigures
    refusal = gettext_lazy("只有督查室可以导入亩均数据。")
    columns = staticmethod(figures_columns)

    def __init__(self, table: Table, *args: Any) -> None:
        super().__init__(table, *args)
        self.year: int | None = None
        self.sizes = {size.value: str(size.label) for size in Size}

    def _read_year(self) -> int | None:
        """The year of the title above the header, or None (named in the report)."""
        above = self.table.header_rows[0] - 1
        texts = []
        for _number, cells in zip(range(above), self.table.sheet.rows(), strict=False):
            texts += [cell_text(cell) for cell in cells if isinstance(cell, str | int)]
        for text in texts:
            match = TITLE_YEAR.search(text)
            if match:
                return int(match[1])
        self.report.error(
            _("无法读出年度：表头上方的标题应写明年度，如“2025年度亩均效益评价数据表”。"),
            sheet=self.table.title,
            row=1 if above else None,
        )
        return None

    def read(self) -> list[_Planned]:
        self.year = self._read_year()
        planned = []
        first_row: dict[str, int] = {}
        for row in self.table.rows(self.report):
            uscc = row.values.get("uscc")
            if uscc:
                first = first_row.setdefault(uscc, row.number)
                if first != row.number:
                    self.error(
                        row.number,
                        "uscc",
                        _(
                            "统一社会信用代码“%(code)s”在第 %(first)s 行和第 %(row)s 行重复出现：每家企业每年只有一行。"
                        )
                        % {"code": uscc, "first": first, "row": row.number},
                    )
                    continue
            if row.ok and uscc:
                values = {
                    key: value for key, value in row.values.items() if key not in ("uscc", "name")
                }
                planned.append(_Planned(row.number, uscc, row.values["name"], values))
        return planned

    def check(self, planned: list[_Planned]) -> None:
        """Finds each row's enterprise by its code (the name must match) and checks the
        row against the rules of the figures."""
        if self.year is None:
            return
        by_uscc = {item.uscc: item for item in planned}
        codes = list(by_uscc)
        for start in range(0, len(codes), _BATCH):
            for enterprise in Enterprise.objects.filter(uscc__in=codes[start : start + _BATCH]):
                by_uscc[enterprise.uscc].enterprise = enterprise
        for item in planned:
            enterprise = item.enterprise
            if enterprise is None:
                self.error(
                    item.row,
                    "uscc",
                    _("企业名录中没有统一社会信用代码为“%(code)s”的企业：请先录入该企业。")
                    % {"code": item.uscc},
                )
                continue
            if _name_key(enterprise.name) != _name_key(item.name):
                self.error(
                    item.row,
                    "name",
                    _(
                        "企业名称“%(name)s”与企业名录不符：代码“%(code)s”是“%(registered)s”。请核对代码或名称。"
                    )
                    % {"name": item.name, "code": item.uscc, "registered": enterprise.name},
                )
                continue
            for key, message in check_figures(self._row(item), self.year):
                self.error(item.row, key, message)

    def _row(self, item: _Planned) -> FiguresRow:
        assert item.enterprise is not None
        values = dict(item.values)
        for name in ("unrated_reason", "veto_reason"):
            values[name] = values.get(name) or ""
        return FiguresRow(
            enterprise=item.enterprise,
            label=_("第 %(row)s 行") % {"row": item.row},
            **{key: value for key, value in values.items() if key in _ROW_KEYS},
        )

    def write(self, planned: list[_Planned], progress: Callable[[int, int], None] | None) -> None:
        """The rows through do_save_figures (inside the import's transaction), when every
        row is clean."""
        if self.report.errors or self.year is None:
            return
        rows = [self._row(item) for item in planned]
        try:
            saved = do_save_figures(rows, year=self.year, actor=self.actor)
        except ValidationError as error:
            for message in error.messages:
                self.report.error(message, sheet=self.table.title)
            return
        for item, outcome in zip(planned, saved.outcomes, strict=True):
            enterprise = item.enterprise
            assert enterprise is not None
            self.report.rows.append(
                FiguresPreview(
                    row=item.row,
                    outcome=outcome,
                    uscc=enterprise.uscc,
                    name=enterprise.name,
                    size=self.sizes.get(item.values.get("size") or "", ""),
                    unit=str(enterprise.unit) if enterprise.unit_id else "",
                )
            )
        if progress is not None:
            progress(len(rows), len(rows))


_ROW_KEYS = {column.key for column in figures_columns()} - {"uscc", "name"}


def _name_key(name: str) -> str:
    """A name as compared: full-width folded, without spaces."""
    return tidy(name).replace(" ", "")


# Export and the template -------------------------------------------------------------------


@dataclass
class FiguresExport:
    """What an export of the sheet holds: the year and the user's figures of it."""

    year: int
    queryset: QuerySet[EnterpriseFigures]

    def count(self) -> int:
        return self.queryset.count()


def heading(year: int) -> str:
    return _("%(year)s年度亩均效益评价数据表") % {"year": year}


def default_year() -> int:
    """The year an evaluation is usually of: the one before this one."""
    return timezone.localdate().year - 1


def export_queryset(user: User, filters: Mapping[str, str]) -> FiguresExport:
    """The figures of a year as `user` may see them, filtered by the figures page's own
    filter (FiguresFilter: q, size, unit): `period` or `year` (default: the latest year
    with figures). Raises ValueError on a filter it cannot take."""
    from bipin.scoring.filters import FiguresFilter

    data = {key: value for key, value in filters.items() if key not in ("page", "period", "year")}
    text = (filters.get("period") or filters.get("year") or "").strip()
    if text and not re.fullmatch(r"\d{4}", text):
        raise ValueError(_("无法识别的年度“%(text)s”，应写作 2025。") % {"text": text})
    visible = EnterpriseFigures.objects.restrict(user)
    if text:
        year = int(text)
    else:
        latest = visible.order_by("-year").values_list("year", flat=True).first()
        year = latest or default_year()
    filterset = FiguresFilter(
        data, queryset=visible.filter(year=year), request=SimpleNamespace(user=user)
    )
    unknown = sorted(set(data) - set(filterset.filters))
    if unknown:
        raise ValueError(
            _("亩均数据没有这些筛选条件：%(names)s（可用：year、%(allowed)s）。")
            % {"names": "、".join(unknown), "allowed": "、".join(filterset.filters)}
        )
    if not filterset.is_valid():
        raise ValueError(
            "；".join(
                f"{name}: {' '.join(str(message) for message in messages)}"
                for name, messages in filterset.errors.items()
            )
        )
    return FiguresExport(year, filterset.qs)


def _option_lists() -> dict[str, list[str]]:
    return {"企业类别": [str(label) for label in Size.labels]}


def export_figures(export: FiguresExport, destination: str | Path | IO[bytes]) -> None:
    """Writes the year's figures in the template's columns under the title naming the
    year, with a totals row; importing the file back changes nothing."""
    writer = WorkbookWriter()
    table = writer.table(
        _("%(year)s年亩均数据") % {"year": export.year},
        figures_columns(),
        heading=heading(export.year),
        options=_option_lists(),
    )
    sizes = {size.value: str(size.label) for size in Size}
    queryset = export.queryset.select_related("enterprise")
    for figures in queryset.iterator(chunk_size=2000):
        table.append(
            {
                "uscc": figures.enterprise.uscc,
                "name": figures.enterprise.name,
                "size": sizes.get(figures.size, figures.size),
                **{key: getattr(figures, key) for key in _ROW_KEYS if key != "size"},
            }
        )
    sums = export.queryset.order_by().aggregate(
        land_area=Sum("land_area"), tax=Sum("tax"), value_added=Sum("value_added"),
        revenue=Sum("revenue"), employees=Sum("employees"),
    )  # fmt: skip
    count = export.queryset.count()
    table.totals(
        {**sums, "name": ngettext("%(count)s 家企业", "%(count)s 家企业", count) % {"count": count}}
    )
    writer.save(destination)


def figures_template() -> bytes:
    """The blank sheet of last year: its title, the header, a 说明 sheet, and a dropdown
    for 规上/规下."""
    year = default_year()
    writer = WorkbookWriter()
    columns = figures_columns()
    writer.table(
        _("%(year)s年亩均数据") % {"year": year},
        columns,
        heading=heading(year),
        options=_option_lists(),
    )
    writer.instructions(
        columns,
        intro=[
            _("亩均数据导入模板：每行一家企业；标题须写明年度，如“%(year)s年度亩均效益评价数据表”。")
            % {"year": year},
            _("企业按统一社会信用代码查找，须已在企业名录中，企业名称须与名录一致。"),
            _("已有的亩均数据按企业和年度更新；亩均评价发布后，该年度的数据不能再修改。"),
            _("整个文件要么全部导入，要么（有任何错误时）一行也不导入；错误会指出工作表、行和列。"),
        ],
    )  # fmt: skip
    return writer.to_bytes()


FIGURES_EXCEL = ExcelKind(
    label=gettext_lazy("亩均数据"),
    import_file=import_figures,
    export_queryset=export_queryset,
    export_file=export_figures,
    template=figures_template,
    filter_help=gettext_lazy(
        "年度写在文件名之前：bipin export figures 2025 FILE；--filter size=above_scale、unit=单位编号、q=关键词"
    ),
    model=EnterpriseFigures,
    list_url_name="scoring:figures",
    preview_columns=(
        (gettext_lazy("企业"), "name"),
        (gettext_lazy("统一社会信用代码"), "uscc"),
        (gettext_lazy("企业类别"), "size"),
        (gettext_lazy("所属镇街"), "unit"),
    ),
    template_name=gettext_lazy("亩均数据导入模板.xlsx"),
    period_argument="YEAR",
)
