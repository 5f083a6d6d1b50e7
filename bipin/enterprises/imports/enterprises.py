"""Excel in and out of the enterprise registry (企业名录): the columns, the importer, the
export of the list, the blank template, and the kind that `bipin import enterprises` and
`bipin export enterprises` and the /excel/enterprises/ pages dispatch to.

An import is all or nothing (one transaction; any error and nothing is written) and lists
every error of the file with its sheet, row and column. Rows are upserted on the unified
social credit code, the one key of an enterprise, so the same code twice in a file is an
error naming both rows, and importing the same file twice changes nothing. A column the
sheet lacks leaves that field of existing enterprises as it is; an empty cell clears it.
Leaders named are linked where they are not yet (links are never ended by an import).
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import islice
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from bipin.core.choices import Action, Role
from bipin.core.excel import (
    AMOUNT_FORMAT,
    Column,
    ExcelKind,
    ImportReport,
    Outcome,
    Remark,
    RowPreview,
    Table,
    WorkbookWriter,
    cell_text,
    choice_parser,
    parse_bool,
    parse_int,
    parse_name,
    parse_title,
    tidy,
)
from bipin.core.excel.importing import TableImport, run_import
from bipin.core.uscc import normalize_uscc, validate_uscc
from bipin.enterprises import actions
from bipin.enterprises.choices import Size
from bipin.enterprises.models import LOCAL_UNIT_KINDS, Enterprise
from bipin.org.actions import do_create_links
from bipin.org.models import Link, Unit, User
from bipin.projects.imports import Lookups
from bipin.projects.models import Industry

#: Rows between two progress reports; each row is one action.
PROGRESS_EVERY = 200
#: Codes per query where a query takes a list of them.
_BATCH = 500
#: Whole 亩 with two decimals, and people as whole numbers with separators.
AREA_FORMAT = AMOUNT_FORMAT
COUNT_FORMAT = "#,##0"
#: Fields stored as "" (not NULL) when their cell is empty.
_TEXT_FIELDS = {"address"}
_SHEET = gettext_noop("企业")

# Columns -----------------------------------------------------------------------------------


def _parse_uscc(value: Any) -> str:
    """A USCC checked where it is read, so that the message says which position is wrong."""
    code = normalize_uscc(cell_text(value))
    try:
        validate_uscc(code)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    return code


def _parse_area(value: Any) -> Decimal:
    """A land area in 亩: a number, or text with thousands separators, full-width digits or
    the unit (“35.5亩”); not negative."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        area = Decimal(str(value))
    else:
        text = tidy(cell_text(value)).replace(",", "").replace(" ", "").removesuffix("亩")
        try:
            area = Decimal(text)
        except InvalidOperation:
            area = Decimal("NaN")
    if not area.is_finite():
        raise ValueError(
            _("“%(value)s”不是面积：应填亩数，如 35 或 12.5。") % {"value": cell_text(value)}
        )
    if area < 0:
        raise ValueError(_("用地面积不能为负数（%(value)s）。") % {"value": cell_text(value)})
    return area


def _parse_employees(value: Any) -> int:
    count = parse_int(value)
    if count < 0:
        raise ValueError(_("从业人数不能为负数（%(value)s）。") % {"value": cell_text(value)})
    return count


def _parse_leaders(value: Any) -> list[str]:
    return [name for name in re.split(r"[、,，;；/\s]+", tidy(cell_text(value))) if name]


_SIZE_SPELLINGS = {
    "规模以上": Size.ABOVE_SCALE, "规上企业": Size.ABOVE_SCALE, "规上工业": Size.ABOVE_SCALE,
    "规模以下": Size.BELOW_SCALE, "规下企业": Size.BELOW_SCALE, "小微": Size.BELOW_SCALE,
}  # fmt: skip


@cache
def enterprise_columns() -> tuple[Column, ...]:
    """The columns of the template and of the export, in order, with the headers offices
    use for them."""
    return (
        Column(
            "uscc", gettext_noop("统一社会信用代码"), ("信用代码", "社会信用代码", "统一信用代码"),
            _parse_uscc, required=True, width=22,
            help=gettext_lazy("企业的唯一标识：已有的代码更新该企业，新的代码新增企业"),
            allowed=gettext_lazy("18 位，GB 32100-2015：数字或除 I、O、Z、S、V 外的大写字母，第 18 位为校验码"),
        ),
        Column(
            "name", gettext_noop("企业名称"), ("企业", "单位名称", "名称"), parse_title,
            required=True, width=36,
        ),
        Column(
            "industry", gettext_noop("所属行业"), ("行业", "国民经济行业", "行业代码", "行业分类", "行业大类"),
            parse_name, required=True, width=30, options="所属行业", strict_options=False,
            help=gettext_lazy("GB/T 4754-2017 国民经济行业分类的大类"),
            allowed=gettext_lazy("大类代码（两位数字，如 39）或大类名称（如 计算机、通信和其他电子设备制造业）"),
        ),
        Column(
            "unit", gettext_noop("所属镇街"), ("镇街", "所在镇街", "所属乡镇", "乡镇（街道）", "属地"),
            parse_name, required=True, width=12, options="所属镇街",
            allowed=gettext_lazy("镇或街道的全称、简称或代码"),
        ),
        Column(
            "size", gettext_noop("规模"), ("企业规模", "规上/规下"),
            choice_parser(Size, extra=_SIZE_SPELLINGS), required=True, width=8, options="规模",
            help=gettext_lazy("规上：年主营业务收入 2000 万元及以上的工业企业"),
            allowed=gettext_lazy("规上、规下"),
        ),
        Column(
            "is_key", gettext_noop("重点企业"), ("是否重点企业", "区重点企业"), parse_bool, width=10,
            options="是否", allowed=gettext_lazy("是、否；留空为否"),
        ),
        Column(
            "leaders", gettext_noop("挂联区领导"), ("挂联领导", "联系领导"), _parse_leaders,
            width=14, options="挂联区领导", strict_options=False,
            help=gettext_lazy("缺少的挂联会新建（须督查室导入）；已有的挂联不会因本列为空而解除"),
            allowed=gettext_lazy("区领导姓名，多人用“、”分隔"),
        ),
        Column(
            "land_area", gettext_noop("用地面积（亩）"), ("用地面积", "占地面积（亩）", "占地面积", "用地（亩）"),
            _parse_area, width=12, number_format=AREA_FORMAT,
            allowed=gettext_lazy("不小于 0 的数字，如 35 或 12.5；没有自有用地留空"),
        ),
        Column(
            "employees", gettext_noop("从业人数"), ("职工人数", "员工人数", "从业人员", "从业人员数"),
            _parse_employees, width=10, number_format=COUNT_FORMAT,
            allowed=gettext_lazy("不小于 0 的整数"),
        ),
        Column(
            "address", gettext_noop("注册地址"), ("地址", "住所", "企业地址"), parse_title, width=40,
        ),
    )  # fmt: skip


# Import ------------------------------------------------------------------------------------


@dataclass(slots=True)
class EnterprisePreview(RowPreview):
    """A row as the preview shows it: the enterprise it makes or changes, and the leaders
    it links."""

    uscc: str = ""
    name: str = ""
    unit: str = ""
    size: str = ""
    key: str = ""
    new_leaders: list[str] = field(default_factory=list)
    enterprise_id: int | None = None

    @property
    def remarks(self) -> list[Remark]:
        if not self.new_leaders:
            return []
        return [Remark(_("新增挂联领导：%(names)s") % {"names": "、".join(self.new_leaders)})]


@dataclass(slots=True)
class _Planned:
    """A row read and checked, waiting to be written."""

    row: int
    uscc: str
    fields: dict[str, Any]
    leaders: list[User]
    existing: Enterprise | None = None


def import_enterprises(
    source: str | Path | IO[bytes],
    *,
    actor: User,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport[EnterprisePreview]:
    """Imports a list of enterprises (.xlsx): all or nothing, upserted on the USCC.

    Returns the report: every error with its sheet, row and column (nothing written when
    there is one), and each row with its outcome. A dry run does everything but keep it.
    `progress(done, total)` is called every PROGRESS_EVERY rows written.
    """
    return run_import(_EnterpriseImporter, source, actor=actor, dry_run=dry_run, progress=progress)


class _EnterpriseImporter(TableImport[EnterprisePreview]):
    """One import of one table: reads and checks its rows, finds the enterprises they
    name, and writes them through the actions."""

    model = Enterprise
    refusal = gettext_lazy("您的账号不能导入企业（需要镇街的填报员、负责人或督查室的权限）。")
    columns = staticmethod(enterprise_columns)

    def __init__(
        self,
        table: Table,
        report: ImportReport[EnterprisePreview],
        actor: User,
        scope_add: set[int] | None,
        scope_change: set[int] | None,
    ) -> None:
        super().__init__(table, report, actor, scope_add, scope_change)
        self.lookups = Lookups()
        self.sizes = {size.value: str(size.label) for size in Size}  # once, not per row
        self.yes, self.no = _("是"), _("否")

    # Reading -----------------------------------------------------------------------------

    def read(self) -> list[_Planned]:
        """Every row parsed and checked against the lookups; errors go to the report."""
        planned = []
        first_row: dict[str, int] = {}
        for row in self.table.rows(self.report):
            uscc = row.values.get("uscc")
            if uscc:
                first = first_row.setdefault(uscc, row.number)
                if first != row.number:
                    # Duplicates are looked for in rows with other errors too.
                    self.error(
                        row.number,
                        "uscc",
                        _(
                            "统一社会信用代码“%(code)s”在第 %(first)s 行和第 %(row)s 行重复出现：每家企业只能占一行。"
                        )
                        % {"code": uscc, "first": first, "row": row.number},
                    )
                    continue
            item = self._plan(row.number, row.values, row.ok)
            if item is not None:
                planned.append(item)
        return planned

    def _plan(self, number: int, values: dict[str, Any], ok: bool) -> _Planned | None:
        lookups = self.lookups
        fields: dict[str, Any] = {}
        for key, value in values.items():
            if key in ("uscc", "leaders"):
                continue
            if value is None and key in _TEXT_FIELDS:
                value = ""
            if value is None and key == "is_key":
                value = False
            try:
                if key == "unit" and value is not None:
                    value = lookups.unit(value, scope=self.scope_add)
                    if value.kind not in LOCAL_UNIT_KINDS:
                        raise ValueError(
                            _("“%(name)s”不是镇或街道：企业只能属于镇街。") % {"name": value.name}
                        )
                elif key == "industry" and value is not None:
                    value = lookups.industry(value)
            except ValueError as error:
                self.error(number, key, str(error))
                ok = False
                continue
            fields[key] = value
        leaders: list[User] = []
        for name in values.get("leaders") or []:
            try:
                leader = lookups.leader(name)
            except ValueError as error:
                self.error(number, "leaders", str(error))
                ok = False
            else:
                if leader not in leaders:
                    leaders.append(leader)
        if not ok:
            return None
        return _Planned(number, values["uscc"], fields, leaders)

    # What the rows name ------------------------------------------------------------------

    def check(self, planned: list[_Planned]) -> None:
        """Finds the enterprises the rows update, and checks the user may change them and
        put them in the units the rows name."""
        by_uscc = {item.uscc: item for item in planned}
        codes = list(by_uscc)
        for start in range(0, len(codes), _BATCH):
            found = Enterprise.objects.filter(uscc__in=codes[start : start + _BATCH])
            for enterprise in found:
                item = by_uscc[enterprise.uscc]
                item.existing = enterprise
                if self.scope_change is not None and enterprise.unit_id not in self.scope_change:
                    self.error(
                        item.row,
                        "uscc",
                        _("统一社会信用代码为“%(code)s”的企业不属于您管辖的镇街，不能修改。")
                        % {"code": enterprise.uscc},
                    )
        for item in planned:
            unit = item.fields.get("unit")
            scope = self.scope_change if item.existing else self.scope_add
            if unit is not None and scope is not None and unit.pk not in scope:
                self.error(
                    item.row,
                    "unit",
                    _("您只能导入本镇街的企业：“%(unit)s”不在您的范围内。") % {"unit": unit.name},
                )

    # Writing -----------------------------------------------------------------------------

    def write(self, planned: list[_Planned], progress: Callable[[int, int], None] | None) -> None:
        """Applies the rows through the actions (inside the caller's transaction), then
        links the leaders they name."""
        failed_rows = {error.row for error in self.report.errors}
        todo = [item for item in planned if item.row not in failed_rows]
        linked = set(
            Link.objects.current()
            .filter(content_type=ContentType.objects.get_for_model(Enterprise))
            .values_list("leader_id", "object_id")
        )
        may_link = not Link.objects.restrict(self.actor, Action.ADD).query.is_empty()
        pairs: list[tuple[User, Enterprise, Any]] = []
        total = len(todo)
        for done, item in enumerate(todo, start=1):
            preview = self._apply(item)
            if preview is not None:
                enterprise = preview[0]
                new = [
                    leader for leader in item.leaders if (leader.pk, enterprise.pk) not in linked
                ]
                if new and not may_link:
                    self.error(
                        item.row,
                        "leaders",
                        _("只有督查室可以设置挂联领导：%(names)s 尚未挂联该企业。")
                        % {"names": "、".join(str(leader) for leader in new)},
                    )
                for leader in new:
                    pairs.append((leader, enterprise, timezone.localdate()))
                    linked.add((leader.pk, enterprise.pk))
                self.report.rows.append(self._preview(item, *preview, new))
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        if progress is not None and total == 0:
            progress(0, 0)
        if pairs and not self.report.errors:
            try:
                do_create_links(
                    actor=self.actor, pairs=pairs, duty=_("企业服务"), reason=self.reason
                )
            except ValidationError as error:  # a link made since the import began
                for message in error.messages:
                    self.error(None, None, message)

    def _apply(self, item: _Planned) -> tuple[Enterprise, str] | None:
        """Writes one row; a refused row's errors go to the report."""
        try:
            with transaction.atomic():
                if item.existing is None:
                    enterprise = actions.do_create_enterprise(
                        actor=self.actor, reason=self.reason, uscc=item.uscc, **item.fields
                    )
                    return enterprise, Outcome.CREATED
                enterprise = item.existing
                changes = {
                    name: value
                    for name, value in item.fields.items()
                    if _differs(getattr(enterprise, name), value)
                }
                if not changes:
                    return enterprise, Outcome.UNCHANGED
                actions.do_update_enterprise(
                    enterprise, actor=self.actor, reason=self.reason, **changes
                )
                return enterprise, Outcome.UPDATED
        except ValidationError as error:
            self._explain(item.row, error)
            return None

    def _preview(
        self, item: _Planned, enterprise: Enterprise, outcome: str, new: list[User]
    ) -> EnterprisePreview:
        if new and outcome == Outcome.UNCHANGED:
            outcome = Outcome.UPDATED
        return EnterprisePreview(
            row=item.row,
            outcome=outcome,
            uscc=enterprise.uscc,
            name=enterprise.name,
            unit=item.fields["unit"].name if "unit" in item.fields else "",
            size=self.sizes.get(enterprise.size, enterprise.size),
            key=self.yes if enterprise.is_key else self.no,
            new_leaders=[str(leader) for leader in new],
            enterprise_id=enterprise.pk,
        )

    def _explain(self, row: int, error: ValidationError) -> None:
        """An action's ValidationError, at the column of its field."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.error(row, None, message)
            return
        for name, messages in error.message_dict.items():
            key = None if name == NON_FIELD_ERRORS or not self.table.has(name) else name
            for message in messages:
                self.error(row, key, message)


def _differs(stored: Any, new: Any) -> bool:
    """Whether a row's value changes a stored one (objects compare by key, amounts by value,
    text as the action will store it)."""
    if isinstance(stored, Unit | Industry) or isinstance(new, Unit | Industry):
        return getattr(stored, "pk", None) != getattr(new, "pk", None)
    if isinstance(new, str):
        return " ".join(new.split()) != (stored or "")
    return stored != new


# Export ------------------------------------------------------------------------------------


def _option_lists() -> dict[str, list[str]]:
    """The lists of the dropdowns (the template's 选项 sheet)."""
    return {
        "规模": [str(label) for label in Size.labels],
        "是否": [_("是"), _("否")],
        "所属镇街": list(
            Unit.objects.filter(active=True, kind__in=LOCAL_UNIT_KINDS)
            .order_by("order", "code")
            .values_list("name", flat=True)
        ),
        "所属行业": list(
            Industry.objects.filter(section__isnull=False)
            .order_by("code")
            .values_list("name", flat=True)
        ),
        "挂联区领导": list(
            User.objects.filter(role=Role.LEADER, is_active=True)
            .order_by("username")
            .values_list("name", flat=True)
        ),
    }


def _chunks(items: Iterable[Enterprise], size: int) -> Iterator[list[Enterprise]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def export_enterprises(queryset: QuerySet[Enterprise], destination: str | Path | IO[bytes]) -> None:
    """Writes the enterprises of `queryset` (already scoped and filtered, in its order) in
    the import template's columns, formatted, with a totals row: how many, their employees
    and land area. Importing the file back changes nothing."""
    writer = WorkbookWriter()
    table = writer.table(
        _(_SHEET),
        enterprise_columns(),
        heading=_("企业名录（%(date)s 导出）") % {"date": timezone.localdate().isoformat()},
        options=_option_lists(),
    )
    # A unit is written by its name, unless another unit has the same name: then by its
    # code, so that the file imports back to the same unit.
    names = Counter(Unit.objects.values_list("name", flat=True))
    ambiguous = {name for name, count in names.items() if count > 1}
    enterprise_type = ContentType.objects.get_for_model(Enterprise)
    yes, no = _("是"), _("否")
    sizes = {size.value: str(size.label) for size in Size}
    count = key = employees = 0
    land_area = Decimal(0)
    rows = queryset.select_related("industry", "unit").iterator(chunk_size=2000)
    for chunk in _chunks(rows, 2000):
        leaders: dict[int, list[str]] = {}
        links = (
            Link.objects.current()
            .filter(content_type=enterprise_type, object_id__in=[e.pk for e in chunk])
            .select_related("leader")
            .order_by("leader__username")
        )
        for link in links:
            leaders.setdefault(link.object_id, []).append(str(link.leader))
        for enterprise in chunk:
            unit = enterprise.unit
            table.append(
                {
                    "uscc": enterprise.uscc,
                    "name": enterprise.name,
                    "industry": enterprise.industry.name,
                    "unit": unit.code if unit.name in ambiguous else unit.name,
                    "size": sizes.get(enterprise.size, enterprise.size),
                    "is_key": yes if enterprise.is_key else no,
                    "leaders": "、".join(leaders.get(enterprise.pk, [])),
                    "land_area": enterprise.land_area,
                    "employees": enterprise.employees,
                    "address": enterprise.address,
                }
            )
            count += 1
            key += enterprise.is_key
            employees += enterprise.employees or 0
            land_area += enterprise.land_area or Decimal(0)
    label = _("%(count)s 家企业，其中重点企业 %(key)s 家") % {"count": count, "key": key}
    table.totals({"name": label, "employees": employees, "land_area": land_area})
    writer.save(destination)


def enterprise_template() -> bytes:
    """The blank import template: the header only (importing it imports nothing), a 说明
    sheet, and dropdowns for the coded columns."""
    writer = WorkbookWriter()
    columns = enterprise_columns()
    writer.table(_(_SHEET), columns, options=_option_lists())
    writer.instructions(
        columns,
        intro=[
            _("企业导入模板：每行一家企业，表头不要改动；表头为橙色的列必填。"),
            _("按统一社会信用代码更新已有企业，新的代码新增企业；同一代码在文件中只能出现一次。"),
            _("整个文件要么全部导入，要么（有任何错误时）一行也不导入；错误会指出工作表、行和列。"),
            _("用地面积单位：亩；可先“试运行”预览结果。"),
        ],
    )
    return writer.to_bytes()


def export_queryset(user: User, filters: Mapping[str, str]) -> QuerySet[Enterprise]:
    """The user's enterprises filtered by the list's own filter (EnterpriseFilter), so an
    export holds what the page shows; `unit` may name a unit by its code (the command's
    --unit) or by its id (the page's query string). A filter the list does not have is
    refused, naming it."""
    from bipin.enterprises.filters import EnterpriseFilter

    data = {key: value for key, value in filters.items() if key != "page"}
    unit = data.get("unit")
    if unit:
        found = Unit.objects.restrict(user).filter(code=unit).first()
        if found is not None:
            data["unit"] = str(found.pk)
        elif not unit.isdigit():
            raise ValueError(_("找不到单位代码“%(code)s”。") % {"code": unit})
    filterset = EnterpriseFilter(
        data, queryset=Enterprise.objects.restrict(user), request=SimpleNamespace(user=user)
    )
    unknown = sorted(set(data) - set(filterset.filters))
    if unknown:
        raise ValueError(
            _("企业列表没有这些筛选条件：%(names)s（可用：%(allowed)s）。")
            % {"names": "、".join(unknown), "allowed": "、".join(filterset.filters)}
        )
    if not filterset.is_valid():
        problems = [
            f"{name}: {' '.join(str(message) for message in messages)}"
            for name, messages in filterset.errors.items()
        ]
        raise ValueError("；".join(problems))
    return filterset.qs


ENTERPRISES_EXCEL = ExcelKind(
    label=gettext_lazy("企业"),
    import_file=import_enterprises,
    export_queryset=export_queryset,
    export_file=export_enterprises,
    template=enterprise_template,
    filter_help=gettext_lazy(
        "--unit 镇街代码；--filter industry=39、size=above_scale、is_key=true、leader=用户编号、q=关键词"
    ),
    model=Enterprise,
    list_url_name="enterprises:list",
    preview_columns=(
        (gettext_lazy("企业"), "name"),
        (gettext_lazy("统一社会信用代码"), "uscc"),
        (gettext_lazy("所属镇街"), "unit"),
        (gettext_lazy("规模"), "size"),
        (gettext_lazy("重点企业"), "key"),
    ),
    template_name=gettext_lazy("企业导入模板.xlsx"),
)
