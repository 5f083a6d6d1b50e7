"""Excel in and out of enterprise service requests (企业诉求): the import template, the
importer, the export of the request list, and the kind that `bipin import requests` and
`bipin export requests` (and the /excel/requests/ pages) dispatch to.

An import is all or nothing (one transaction; any error and nothing is written) and lists
every error of the file with its sheet, row and column. Rows are upserted on the request
code, so importing the same file twice, or an export, changes nothing; a row without a
code is a new request with the next code of its submission year. A request comes in any
status with what has happened to it (the reply, the visits, the dates, the rating), each
row checked by `actions.check_request` before anything is written, and written by
`actions.do_import_requests`, which checks it again and records one step saying it was
imported in its status.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import islice
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from bipin.core.choices import Action
from bipin.core.excel import (
    DATE_FORMAT,
    Column,
    ExcelKind,
    ImportReport,
    Outcome,
    Remark,
    RowPreview,
    Table,
    WorkbookWriter,
    choice_parser,
    header_key,
    parse_date,
    parse_int,
    parse_name,
    parse_text,
    parse_title,
    tidy,
)
from bipin.core.excel.importing import TableImport, run_import
from bipin.core.uscc import normalize_uscc, validate_uscc
from bipin.enterprises import actions
from bipin.enterprises.choices import OPEN, Intake, Satisfaction, Status
from bipin.enterprises.models import Enterprise, ServiceCategory, ServiceRequest
from bipin.org.choices import UnitKind
from bipin.org.models import Unit, User

#: Rows written in one batch; the progress is reported after each.
PROGRESS_EVERY = 500
#: The separator of departments in a cell (and the spellings offices use besides it).
SEPARATOR = "、"
_SEPARATORS = ("、", ",", "，", ";", "；", "/", "\n")


def _parse_uscc(value: Any) -> str:
    code = normalize_uscc(str(value))
    try:
        validate_uscc(code)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    return code


def _parse_visits(value: Any) -> int:
    visits = parse_int(value)
    if visits < 0:
        raise ValueError(_("跑动次数不能为负数（%(value)s）。") % {"value": visits})
    return visits


def _not_read(value: Any) -> None:
    """A column the export writes for the reader and the import passes over."""
    return None


def _parse_departments(value: Any) -> list[str]:
    text = str(value)
    for separator in _SEPARATORS[1:]:
        text = text.replace(separator, SEPARATOR)
    return [tidy(name) for name in text.split(SEPARATOR) if tidy(name)]


_DATE_ALLOWED = gettext_lazy("日期，如 2026-03-18、2026年3月18日 或 2026.3.18；不能晚于今天")


@cache
def request_columns() -> tuple[Column, ...]:
    """The columns of the template and of the export, in order."""
    return (
        Column(
            "code", gettext_noop("诉求编号"), ("编号",), parse_name,
            help=gettext_lazy("留空则按提交年度自动编号；填写已有编号则更新该诉求"),
            allowed=gettext_lazy("如 SQ2026-0001"),
        ),
        Column(
            "enterprise", gettext_noop("企业名称"), ("企业",), parse_title, width=30,
            help=gettext_lazy("与统一社会信用代码至少填一项；只填名称时须与系统中的企业名称完全一致"),
        ),
        Column(
            "uscc", gettext_noop("统一社会信用代码"), ("信用代码", "社会信用代码"), _parse_uscc,
            width=22, help=gettext_lazy("填写时按信用代码找企业（优先于名称）"),
            allowed=gettext_lazy("18 位，含校验码"),
        ),
        Column(
            "category", gettext_noop("诉求类别"), ("类别", "诉求类型"), parse_name, required=True,
            options="诉求类别", help=gettext_lazy("办理期限按类别的办理时限自提交日期算起"),
            allowed=gettext_lazy("“诉求类别”页面上的类别名称"),
        ),
        Column(
            "description", gettext_noop("诉求内容"), ("内容", "诉求事项"), parse_text,
            required=True, width=40,
        ),
        Column(
            "intake", gettext_noop("受理渠道"), ("渠道", "来源"),
            choice_parser(
                Intake,
                extra={"电话": Intake.HOTLINE, "12345": Intake.HOTLINE, "网上": Intake.ONLINE,
                       "座谈": Intake.FORUM},
            ),
            required=True, options="受理渠道",
            allowed="、".join(str(label) for label in Intake.labels),
        ),
        Column(
            "departments", gettext_noop("承办部门"), ("责任部门", "办理部门"), _parse_departments,
            width=24, help=gettext_lazy("提交以后的状态必填；多个部门以“、”分隔"),
            allowed=gettext_lazy("部门的全称或简称（同名时填单位代码），如 区发展和改革局、区商务局"),
        ),
        Column(
            "submitted_on", gettext_noop("提交日期"), ("受理日期", "登记日期"), parse_date,
            required=True, width=12, number_format=DATE_FORMAT, allowed=_DATE_ALLOWED,
        ),
        Column(
            "deadline", gettext_noop("办理期限"), (), _not_read, width=12,
            number_format=DATE_FORMAT,
            help=gettext_lazy("导出时写出，由诉求类别的时限算出；导入时不读取"),
        ),
        Column(
            "status", gettext_noop("状态"), ("办理状态",),
            choice_parser(
                Status,
                extra={"已提交": Status.SUBMITTED, "待分派": Status.SUBMITTED,
                       "已受理": Status.IN_PROGRESS, "办结": Status.DONE, "关闭": Status.CLOSED,
                       "重开": Status.REOPENED},
            ),
            required=True, options="状态",
            allowed="、".join(str(label) for label in Status.labels),
        ),
        Column(
            "reply", gettext_noop("答复意见"), ("答复", "办理结果"), parse_text, width=40,
            help=gettext_lazy("已办结、已关闭的诉求必填"),
        ),
        Column(
            "visits", gettext_noop("跑动次数"), ("跑动",), _parse_visits, width=10,
            help=gettext_lazy("企业为此事到部门现场的次数，已办结必填（未跑动填 0）；承诺最多一次"),
            allowed=gettext_lazy("0 或正整数"),
        ),
        Column(
            "done_on", gettext_noop("办结日期"), (), parse_date, width=12,
            number_format=DATE_FORMAT, help=gettext_lazy("已办结、已关闭的诉求必填"),
            allowed=_DATE_ALLOWED,
        ),
        Column(
            "closed_on", gettext_noop("关闭日期"), (), parse_date, width=12,
            number_format=DATE_FORMAT, help=gettext_lazy("只有已关闭的诉求才有"),
            allowed=_DATE_ALLOWED,
        ),
        Column(
            "satisfaction", gettext_noop("满意度"), ("企业满意度", "评价"),
            choice_parser(Satisfaction), options="满意度",
            help=gettext_lazy("只有已关闭的诉求才有，且必填"),
            allowed="、".join(str(label) for label in Satisfaction.labels),
        ),
    )  # fmt: skip


#: Columns that are not fields of the request (looked up, or not read).
_NOT_FIELDS = {"code", "enterprise", "uscc", "departments", "deadline"}
#: Fields stored as "" (not NULL) when their cell is empty.
_TEXT_FIELDS = {"reply", "satisfaction", "description"}


@dataclass(slots=True)
class RequestPreview(RowPreview):
    """A row as the import's preview shows it: the request it makes or changes."""

    code: str = ""
    enterprise: str = ""
    category: str = ""
    status: str = ""
    late: bool = False
    request_id: int | None = None

    @property
    def remarks(self) -> list[Remark]:
        return [Remark(_("已超过办理期限，尚未办结"), warning=True)] if self.late else []


@dataclass(slots=True)
class _Planned:
    """A row read and checked, waiting to be written."""

    row: int
    code: str
    fields: dict[str, Any]
    departments: list[Unit]
    exists: bool = False


class _Lookups:
    """What rows name, read once per import: the enterprises the actor may see, the
    categories and the departments."""

    def __init__(self, actor: User) -> None:
        visible = Enterprise.objects.restrict(actor, Action.VIEW)
        self.by_uscc = {enterprise.uscc: enterprise for enterprise in visible}
        self.by_name: dict[str, list[Enterprise]] = {}
        for enterprise in self.by_uscc.values():
            self.by_name.setdefault(enterprise.name, []).append(enterprise)
        self.categories = {
            header_key(category.name): category for category in ServiceCategory.objects.all()
        }
        departments = list(Unit.objects.filter(kind=UnitKind.DEPARTMENT))
        self.departments: dict[str, list[Unit]] = {}
        for unit in departments:
            for key in {header_key(unit.code), header_key(unit.name), header_key(unit.short_name)}:
                if key:
                    self.departments.setdefault(key, []).append(unit)

    def enterprise(self, name: str | None, uscc: str | None) -> tuple[str, Enterprise]:
        """The enterprise a row names, and the column to blame if it is not found."""
        if uscc:
            found = self.by_uscc.get(uscc)
            if found is None:
                raise _Blame(
                    "uscc",
                    _("找不到统一社会信用代码为 %(code)s 的企业，或它不在您的权限范围内。")
                    % {"code": uscc},
                )
            if name and tidy(name) != tidy(found.name):
                raise _Blame(
                    "enterprise",
                    _("统一社会信用代码 %(code)s 是“%(found)s”的，与企业名称“%(name)s”不符。")
                    % {"code": uscc, "found": found.name, "name": name},
                )
            return "uscc", found
        if not name:
            raise _Blame("enterprise", _("请填写企业名称或统一社会信用代码。"))
        matches = self.by_name.get(name, [])
        if not matches:
            raise _Blame(
                "enterprise",
                _(
                    "找不到名为“%(name)s”的企业（须与系统中的名称完全一致），或它不在您的权限范围内。"
                )
                % {"name": name},
            )
        if len(matches) > 1:
            raise _Blame(
                "enterprise",
                _("有 %(count)s 家企业名为“%(name)s”：请填写统一社会信用代码。")
                % {"count": len(matches), "name": name},
            )
        return "enterprise", matches[0]

    def category(self, name: str) -> ServiceCategory:
        found = self.categories.get(header_key(name))
        if found is None:
            allowed = "、".join(category.name for category in self.categories.values())
            raise ValueError(
                _("没有诉求类别“%(name)s”：应为 %(allowed)s 之一。")
                % {"name": name, "allowed": allowed}
            )
        return found

    def department(self, name: str) -> Unit:
        found = self.departments.get(header_key(name), [])
        if not found:
            raise ValueError(
                _("“%(name)s”不是部门：应填部门的全称、简称或单位代码。") % {"name": name}
            )
        if len(found) > 1:
            raise ValueError(
                _("有 %(count)s 个部门名为“%(name)s”：请填写单位代码（如 %(code)s）。")
                % {"count": len(found), "name": name, "code": found[0].code}
            )
        return found[0]


class _Blame(ValueError):
    """An error about the column `key`."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)


# Import ------------------------------------------------------------------------------------


def import_requests(
    source: str | Path | IO[bytes],
    *,
    actor: User,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport[RequestPreview]:
    """Imports requests (.xlsx): all or nothing, upserted on the request code.

    Returns the report: every error with its sheet, row and column (nothing written when
    there is one), and each row with its outcome. A dry run does everything but keep it.
    `progress(done, total)` is called after each batch of PROGRESS_EVERY rows written.
    """
    return run_import(_RequestImporter, source, actor=actor, dry_run=dry_run, progress=progress)


class _RequestImporter(TableImport[RequestPreview]):
    """One import of one table: reads and checks its rows, gives the new ones their codes,
    and writes them through do_import_requests."""

    model = ServiceRequest
    refusal = gettext_lazy("您的账号不能导入企业诉求（需要镇街的填报员、负责人或督查室的权限）。")
    columns = staticmethod(request_columns)

    def __init__(
        self,
        table: Table,
        report: ImportReport[RequestPreview],
        actor: User,
        scope_add: set[int] | None,
        scope_change: set[int] | None,
    ) -> None:
        super().__init__(table, report, actor, scope_add, scope_change)
        # A request is added and changed by the enterprise's town: one scope for both.
        self.scope = scope_add
        self.lookups = _Lookups(actor)
        self.today = timezone.localdate()
        if table.has("deadline"):
            report.notes.append(_("“办理期限”列不导入：期限由诉求类别的办理时限算出。"))

    def read(self) -> list[_Planned]:
        """Every row parsed, looked up and checked; errors go to the report."""
        planned = []
        codes: dict[str, int] = {}
        for row in self.table.rows(self.report):
            code = row.values.get("code") or ""
            if code:
                first = codes.setdefault(header_key(code), row.number)
                if first != row.number:
                    self.error(
                        row.number,
                        "code",
                        _("诉求编号“%(code)s”与第 %(row)s 行重复。") % {"code": code, "row": first},
                    )
                    continue
            item = self._plan(row.number, row.values, row.ok)
            if item is not None:
                planned.append(item)
        return planned

    def _plan(self, number: int, values: dict[str, Any], ok: bool) -> _Planned | None:
        fields: dict[str, Any] = {}
        for key, value in values.items():
            if key in _NOT_FIELDS:
                continue
            if key == "category" and value is not None:
                try:
                    value = self.lookups.category(value)
                except ValueError as error:
                    self.error(number, key, str(error))
                    ok = False
                    continue
            if value is None and key in _TEXT_FIELDS:
                value = ""
            fields[key] = value
        enterprise = self._enterprise(number, values, ok)
        if enterprise is None:
            ok = False
        else:
            fields["enterprise"] = enterprise
        departments = []
        for name in values.get("departments") or []:
            try:
                departments.append(self.lookups.department(name))
            except ValueError as error:
                self.error(number, "departments", str(error))
                ok = False
        if not ok:
            return None
        return _Planned(number, values.get("code") or "", fields, departments)

    def _enterprise(self, number: int, values: dict[str, Any], ok: bool) -> Enterprise | None:
        """The enterprise a row names, if found and the actor's; else None, the error
        reported (unless the cell that named it could not be read: that is reported)."""
        name, uscc = values.get("enterprise"), values.get("uscc")
        if name is None and uscc is None and not ok:
            return None
        try:
            blamed, enterprise = self.lookups.enterprise(name, uscc)
        except _Blame as error:
            column = error.key if self.table.has(error.key) else None
            self.error(number, column or ("uscc" if self.table.has("uscc") else None), str(error))
            return None
        if self.scope is not None and enterprise.unit_id not in self.scope:
            self.error(
                number,
                blamed,
                _("“%(name)s”不是您所在镇街的企业，不能导入它的诉求。") % {"name": enterprise.name},
            )
            return None
        return enterprise

    def check(self, planned: list[_Planned]) -> None:
        """Gives new rows their codes, finds the requests the others change (which the
        actor must be allowed to change), and checks each row's rules before writing."""
        taken = {header_key(item.code) for item in planned if item.code}
        counters: dict[int, int] = {}
        for item in planned:
            if item.code:
                continue
            year = item.fields["submitted_on"].year
            if year not in counters:
                counters[year] = int(actions.next_request_code(year).rsplit("-", 1)[1]) - 1
            while True:
                counters[year] += 1
                code = f"SQ{year}-{counters[year]:04d}"
                if header_key(code) not in taken:
                    break
            item.code = code
        by_code = {item.code: item for item in planned}
        existing = ServiceRequest.objects.filter(code__in=list(by_code)).values_list(
            "code", "enterprise__unit_id"
        )
        for code, unit_id in existing:
            item = by_code[code]
            item.exists = True
            if self.scope is not None and unit_id not in self.scope:
                self.error(
                    item.row,
                    "code",
                    _("诉求“%(code)s”不是您所在镇街企业的诉求，不能修改。") % {"code": code},
                )
        # New rows are checked before anything is written; a row that changes a request is
        # checked by the action, against the request as the row leaves it.
        for item in planned:
            if item.exists:
                continue
            try:
                actions.check_request(ServiceRequest(**item.fields), self.today, item.departments)
            except ValidationError as error:
                self._explain(item.row, error)

    def write(self, planned: list[_Planned], progress: Callable[[int, int], None] | None) -> None:
        """Applies the rows through do_import_requests, a batch at a time (inside the
        caller's transaction), reporting the progress after each batch."""
        failed = {error.row for error in self.report.errors}
        todo = [item for item in planned if item.row not in failed]
        total = len(todo)
        for start in range(0, total, PROGRESS_EVERY):
            batch = todo[start : start + PROGRESS_EVERY]
            rows = [actions.RequestRow(item.code, item.fields, item.departments) for item in batch]
            try:
                results = actions.do_import_requests(rows, actor=self.actor, reason=self.reason)
            except actions.RowErrors as refused:
                for index, error in refused.errors.items():
                    self._explain(batch[index].row, error)
                continue
            for item, (service_request, outcome) in zip(batch, results, strict=True):
                self.report.rows.append(self._preview(item.row, service_request, outcome))
            if progress is not None:
                progress(min(start + PROGRESS_EVERY, total), total)
        if progress is not None and total == 0:
            progress(0, 0)

    def _preview(
        self, row: int, service_request: ServiceRequest, outcome: Outcome
    ) -> RequestPreview:
        return RequestPreview(
            row=row,
            outcome=outcome,
            code=service_request.code,
            enterprise=service_request.enterprise.name,
            category=service_request.category.name,
            status=str(service_request.get_status_display()),
            late=service_request.is_overdue(self.today),
            request_id=service_request.pk,
        )

    def _explain(self, row: int, error: ValidationError) -> None:
        """A ValidationError of a check or the action, at the column of its field."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.error(row, None, message)
            return
        for name, messages in error.message_dict.items():
            key: str | None = name
            if name == NON_FIELD_ERRORS or not self.table.has(name):
                key = "enterprise" if name == "enterprise" else None
            for message in messages:
                self.error(row, key, message)


# Export ------------------------------------------------------------------------------------


def _option_lists() -> dict[str, list[str]]:
    """The lists of the dropdowns (the template's 选项 sheet)."""
    return {
        "诉求类别": list(ServiceCategory.objects.active().values_list("name", flat=True)),
        "受理渠道": [str(label) for label in Intake.labels],
        "状态": [str(label) for label in Status.labels],
        "满意度": [str(label) for label in Satisfaction.labels],
    }


def _chunks(items: Iterable[ServiceRequest], size: int) -> Iterator[list[ServiceRequest]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def export_requests(
    queryset: QuerySet[ServiceRequest], destination: str | Path | IO[bytes]
) -> None:
    """Writes the requests of `queryset` (already scoped and filtered, in its order) as the
    import template's columns, with a totals row: how many, open and overdue (the list
    page's totals). Importing the file back changes nothing."""
    writer = WorkbookWriter()
    columns = request_columns()
    table = writer.table(
        _("企业诉求"),
        columns,
        heading=_("企业诉求（%(date)s 导出）") % {"date": timezone.localdate().isoformat()},
        options=_option_lists(),
    )
    # A department is written by its name, unless another has the same name (the districts
    # of a city): then by its code, so that the file imports back to the same department.
    names = Counter(Unit.objects.filter(kind=UnitKind.DEPARTMENT).values_list("name", flat=True))
    ambiguous = {name for name, count in names.items() if count > 1}
    today = timezone.localdate()
    count = open_count = overdue = 0
    requests = (
        queryset.select_related("enterprise", "category")
        .prefetch_related("departments")
        .iterator(chunk_size=2000)
    )
    for service_request in requests:
        table.append(_export_row(service_request, ambiguous))
        count += 1
        if service_request.status in OPEN:
            open_count += 1
            if service_request.is_overdue(today):
                overdue += 1
    table.totals(
        {
            "enterprise": _("%(count)s 件诉求，未办结 %(open)s 件，其中超期 %(overdue)s 件")
            % {"count": count, "open": open_count, "overdue": overdue}
        }
    )
    writer.save(destination)


def _export_row(service_request: ServiceRequest, ambiguous: set[str]) -> dict[str, Any]:
    departments = sorted(
        service_request.departments.all(), key=lambda unit: (unit.order, unit.code)
    )
    return {
        "code": service_request.code,
        "enterprise": service_request.enterprise.name,
        "uscc": service_request.enterprise.uscc,
        "category": service_request.category.name,
        "description": service_request.description,
        "intake": service_request.get_intake_display(),
        "departments": SEPARATOR.join(
            unit.code if unit.name in ambiguous else unit.name for unit in departments
        ),
        "submitted_on": service_request.submitted_on,
        "deadline": service_request.deadline,
        "status": service_request.get_status_display(),
        "reply": service_request.reply,
        "visits": service_request.visits,
        "done_on": service_request.done_on,
        "closed_on": service_request.closed_on,
        "satisfaction": service_request.get_satisfaction_display()
        if service_request.satisfaction
        else "",
    }


def request_template() -> bytes:
    """The blank import template: the header only (importing it imports nothing), a 说明
    sheet, and dropdowns for the coded columns."""
    writer = WorkbookWriter()
    columns = request_columns()
    writer.table(_("企业诉求"), columns, options=_option_lists())
    writer.instructions(
        columns,
        intro=[
            _("企业诉求导入模板：每行一件诉求，表头不要改动；表头为橙色的列必填。"),
            _(
                "按诉求编号更新已有诉求；没有编号的行新建诉求，按提交年度自动编号（如 SQ2026-0001）。"
            ),
            _(
                "企业按统一社会信用代码查找，没有代码时按企业名称（须完全一致）；只能导入本镇街企业的诉求。"
            ),
            _(
                "状态与办理情况须一致：已办结须有答复意见、跑动次数和办结日期；已关闭还须有关闭日期和满意度；未关闭的诉求不能有满意度；日期不能晚于今天。"
            ),
            _("整个文件要么全部导入，要么（有任何错误时）一行也不导入；错误会指出工作表、行和列。"),
        ],
    )
    return writer.to_bytes()


def export_queryset(user: User, filters: Mapping[str, str]) -> QuerySet[ServiceRequest]:
    """The user's requests filtered by the request list's own filter (RequestFilter), so
    an export holds what the page shows. From the command line, `unit` names a town or a
    department by its code and `year` the year of submission."""
    from bipin.enterprises.filters import RequestFilter

    data = {key: value for key, value in filters.items() if key != "page"}
    unit_code = data.pop("unit", None)
    if unit_code:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise ValueError(_("找不到单位代码“%(code)s”。") % {"code": unit_code})
        data["department" if unit.kind == UnitKind.DEPARTMENT else "town"] = str(unit.pk)
    year = data.pop("year", None)
    if year:
        if not year.isdigit():
            raise ValueError(_("年度应为四位数字：%(year)s") % {"year": year})
        data.setdefault("submitted_from", date(int(year), 1, 1).isoformat())
        data.setdefault("submitted_to", date(int(year), 12, 31).isoformat())
    filterset = RequestFilter(
        data, queryset=ServiceRequest.objects.restrict(user), request=SimpleNamespace(user=user)
    )
    if not filterset.is_valid():
        problems = [
            f"{name}: {' '.join(str(message) for message in messages)}"
            for name, messages in filterset.errors.items()
        ]
        raise ValueError("；".join(problems))
    return filterset.qs


REQUESTS_EXCEL = ExcelKind(
    label=gettext_lazy("企业诉求"),
    import_file=import_requests,
    export_queryset=export_queryset,
    export_file=export_requests,
    template=request_template,
    filter_help=gettext_lazy(
        "--unit 镇街或部门的单位代码；--year 提交年度；--filter status=closed、category=类别编号、"
        "intake=hotline、overdue=true、submitted_from=2026-01-01、submitted_to=…、q=关键词"
    ),
    model=ServiceRequest,
    list_url_name="enterprises:requests",
    preview_columns=(
        (gettext_lazy("企业"), "enterprise"),
        (gettext_lazy("诉求编号"), "code"),
        (gettext_lazy("类别"), "category"),
        (gettext_lazy("状态"), "status"),
    ),
    template_name=gettext_lazy("企业诉求导入模板.xlsx"),
)
