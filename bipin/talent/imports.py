"""Excel in and out of talents: the import template, the importer, the export of the talent
list, and the kind that `bipin import talents` and `bipin export talents` dispatch to.

An import is all or nothing (one transaction; any error and nothing is written) and lists
every error of the file with its sheet, row and column. Rows are upserted on the talent
code; a row without a code is the talent of the same name and employer, if the importer
may change one, else a new talent with the next code of the year introduced. Every row
goes through the actions (do_create_talent, do_update_talent), which hold the rules.

Personal data: an export shows the phone and ID number as its user may see them, masked
(138****5678) where they may not. A mask read back never replaces a number: for a talent
on record whose number it masks, the stored number stays; anywhere else it is an error
that names the cell.

Talents are counted in hundreds or thousands, not in the projects' tens of thousands: rows
are written one action at a time, not in bulk.
"""

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
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
    AMOUNT_FORMAT,
    DATE_FORMAT,
    Column,
    ExcelKind,
    ImportReport,
    Outcome,
    RowPreview,
    Table,
    WorkbookWriter,
    cell_text,
    choice_parser,
    header_key,
    parse_amount,
    parse_bool,
    parse_date,
    parse_name,
    parse_text,
    parse_title,
)
from bipin.core.excel.importing import TableImport, run_import
from bipin.core.uscc import normalize_uscc, validate_uscc
from bipin.enterprises.models import Enterprise
from bipin.org.choices import UnitKind
from bipin.org.models import Unit, User
from bipin.talent import actions
from bipin.talent.choices import HIGH_LEVEL, Employment, ProjectStage, TalentStatus, Tier
from bipin.talent.models import Talent

#: Rows between two progress reports.
PROGRESS_EVERY = 100
#: Codes per query where a query takes a list of them.
_BATCH = 500
#: Fields stored as "" (not NULL) when their cell is empty.
_TEXT_FIELDS = {"field", "project_name", "project_stage", "phone", "id_number", "note"}

# Columns --------------------------------------------------------------------------------------


def _parse_uscc(value: Any) -> str:
    """A USCC checked where it is read, so that the message says which position is wrong."""
    code = normalize_uscc(str(value))
    try:
        validate_uscc(code)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    return code


def _parse_phone(value: Any) -> str:
    return cell_text(value).strip()


def _parse_id_number(value: Any) -> str:
    """An ID number is text: typed as a number, Excel keeps 15 digits and loses the rest."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            _("身份证号码须以文本格式填写：按数字保存时 Excel 只保留 15 位有效数字，后几位已丢失。")
        )
    return cell_text(value).strip().upper()


_TIER_SPELLINGS = {
    **{f"{tier}类": tier for tier in HIGH_LEVEL},
    **{f"{tier}类人才": tier for tier in HIGH_LEVEL},
    "顶尖人才": Tier.A, "国家级领军人才": Tier.B, "省级领军人才": Tier.C,
    "市级领军人才": Tier.D, "高级人才": Tier.E,
    "博士": Tier.DOCTOR, "博士研究生": Tier.DOCTOR, "硕士": Tier.MASTER,
    "硕士研究生": Tier.MASTER, "本科": Tier.BACHELOR, "学士": Tier.BACHELOR,
    "本科生": Tier.BACHELOR,
}  # fmt: skip
_DATE_ALLOWED = gettext_lazy("日期，如 2026-03-18、2026年3月18日 或 2026.3.18；不能晚于今天")
_PERSONAL_HELP = gettext_lazy(
    "个人信息。导出时无权查看的人看到遮盖后的号码（如 138****5678）：导回时保留系统中已存的号码"
)


@cache
def talent_columns() -> tuple[Column, ...]:
    """The columns of the template and of the export, in order; aliases take the headers
    offices use for them."""
    return (
        Column(
            "code", gettext_noop("人才编号"), ("编号",), parse_name,
            help=gettext_lazy("留空则自动生成；填写已有编号则更新该人才"),
            allowed=gettext_lazy("如 RC2026-0001"),
        ),
        Column(
            "name", gettext_noop("姓名"), ("人才姓名",), parse_title, required=True, width=10,
            help=gettext_lazy("没有人才编号时，姓名和工作单位都相同的行视为同一人才"),
        ),
        Column(
            "tier", gettext_noop("人才类别"), ("类别", "人才层次", "人才等级", "人才分类"),
            choice_parser(Tier, extra=_TIER_SPELLINGS), required=True, width=22,
            options="人才类别", help=gettext_lazy("杭州市高层次人才分类 A–E 类，或高校毕业生的学历"),
            allowed=gettext_lazy("A、B、C、D、E（或“A类”“A类（顶尖人才）”），博士、硕士、本科"),
        ),
        Column("field", gettext_noop("专业领域"), ("领域", "专业", "研究领域"), parse_title),
        Column(
            "employer", gettext_noop("工作单位"), ("用人单位", "工作企业", "所在企业", "企业名称"),
            parse_title, width=30, options="工作单位", strict_options=False,
            help=gettext_lazy("须为已登记的企业；与信用代码同时填写时须一致"),
            allowed=gettext_lazy("企业全称"),
        ),
        Column(
            "employer_uscc", gettext_noop("工作单位统一社会信用代码"),
            ("统一社会信用代码", "信用代码", "企业信用代码"), _parse_uscc, width=22,
            help=gettext_lazy("填写后按代码找企业（企业重名时必填）"),
            allowed=gettext_lazy("18 位，GB 32100-2015（含校验位）"),
        ),
        Column(
            "introducing_unit", gettext_noop("引进单位"), ("引才单位", "所属镇街", "责任单位"),
            parse_name, required=True, options="引进单位",
            allowed=gettext_lazy("单位全称、简称或代码"),
        ),
        Column(
            "introduced_on", gettext_noop("引进日期"), ("引进时间",), parse_date, required=True,
            allowed=_DATE_ALLOWED, width=12, number_format=DATE_FORMAT,
        ),
        Column(
            "employment", gettext_noop("引进方式"), ("全职/柔性", "引进形式"),
            choice_parser(Employment, extra={"全职引进": Employment.FULL_TIME, "柔性引进": Employment.FLEXIBLE}),
            width=10, options="引进方式", help=gettext_lazy("留空为全职"),
            allowed=gettext_lazy("全职、柔性"),
        ),
        Column(
            "settled", gettext_noop("是否落户"), ("已落户", "落户"), parse_bool, width=10,
            options="是否", help=gettext_lazy("留空时按是否填写落户日期判断"),
            allowed=gettext_lazy("是、否"),
        ),
        Column(
            "settled_on", gettext_noop("落户日期"), ("落户时间",), parse_date,
            help=gettext_lazy("已落户的必填；不能早于引进日期"), allowed=_DATE_ALLOWED, width=12,
            number_format=DATE_FORMAT,
        ),
        Column(
            "project_name", gettext_noop("创业创新项目"), ("项目名称", "创业项目", "创新创业项目"),
            parse_title, width=28,
        ),
        Column(
            "project_funding", gettext_noop("项目资助（万元）"),
            ("资助金额（万元）", "资助资金（万元）", "项目资助", "资助金额"), parse_amount,
            allowed=gettext_lazy("不小于 0 的数字，可带千分位，如 200 或 1,200.50"),
            number_format=AMOUNT_FORMAT,
        ),
        Column(
            "project_stage", gettext_noop("项目阶段"), ("项目进度",), choice_parser(ProjectStage),
            width=10, options="项目阶段",
            allowed=", ".join(str(label) for label in ProjectStage.labels),
        ),
        Column(
            "status", gettext_noop("状态"), ("在岗状态",),
            choice_parser(TalentStatus, extra={"在职": TalentStatus.ACTIVE, "离职": TalentStatus.LEFT, "已离职": TalentStatus.LEFT}),
            width=8, options="状态", help=gettext_lazy("留空为在岗"),
            allowed=", ".join(str(label) for label in TalentStatus.labels),
        ),
        Column(
            "phone", gettext_noop("联系电话"), ("手机", "手机号", "手机号码", "电话"), _parse_phone,
            width=14, help=_PERSONAL_HELP,
            allowed=gettext_lazy("11 位手机号，或带区号的固定电话（如 0571-63712345）"),
        ),
        Column(
            "id_number", gettext_noop("身份证号码"), ("身份证号", "身份证"), _parse_id_number,
            width=22, help=_PERSONAL_HELP,
            allowed=gettext_lazy("18 位，末位为校验码（数字或 X）；请以文本格式填写"),
        ),
        Column("note", gettext_noop("备注"), (), parse_text, width=30),
    )  # fmt: skip


# Looking up what rows name -------------------------------------------------------------------


class Lookups:
    """Units and enterprises by what rows name them, read once per import so that checking
    a row costs no query."""

    def __init__(self) -> None:
        self.units: dict[str, list[Unit]] = {}
        for unit in Unit.objects.only("pk", "code", "name", "short_name", "active"):
            for text in {unit.code, unit.name, unit.short_name} - {""}:
                self.units.setdefault(header_key(text), []).append(unit)
        self.by_uscc: dict[str, Enterprise] = {}
        self.by_name: dict[str, list[Enterprise]] = {}
        for enterprise in Enterprise.objects.only("pk", "uscc", "name"):
            self.by_uscc[enterprise.uscc] = enterprise
            self.by_name.setdefault(header_key(enterprise.name), []).append(enterprise)

    def unit(self, text: str, scope: set[int] | None) -> Unit:
        candidates = self.units.get(header_key(text), [])
        if len(candidates) > 1 and scope is not None:
            candidates = [unit for unit in candidates if unit.pk in scope] or candidates
        if not candidates:
            raise ValueError(
                _("未知单位“%(name)s”：应填单位全称、简称或代码（见模板的“选项”表）。")
                % {"name": text}
            )
        if len(candidates) > 1:
            raise ValueError(
                _("有 %(count)s 个单位叫“%(name)s”（代码 %(codes)s），请填写单位代码。")
                % {
                    "count": len(candidates),
                    "name": text,
                    "codes": "、".join(unit.code for unit in candidates),
                }
            )
        if not candidates[0].active:
            raise ValueError(_("单位“%(name)s”已停用。") % {"name": text})
        return candidates[0]

    def employer(self, name: str | None, uscc: str | None) -> tuple[Enterprise, str]:
        """The enterprise a row names, and the column that named it ("employer_uscc" or
        "employer"); a ValueError says why none is meant (with the column it is about)."""
        if uscc:
            found = self.by_uscc.get(uscc)
            if found is None:
                raise _EmployerError(
                    "employer_uscc",
                    _("统一社会信用代码为 %(code)s 的企业尚未登记：请先录入企业。")
                    % {"code": uscc},
                )
            if name and header_key(name) != header_key(found.name):
                raise _EmployerError(
                    "employer",
                    _("工作单位“%(name)s”与信用代码 %(code)s 的企业“%(real)s”不一致。")
                    % {"name": name, "code": uscc, "real": found.name},
                )
            return found, "employer_uscc"
        if not name:
            raise _EmployerError(
                "employer",
                _(
                    "请填写工作单位：人才须有在本区登记的工作单位（企业），填写企业全称或统一社会信用代码。"
                ),
            )
        candidates = self.by_name.get(header_key(name), [])
        if not candidates:
            raise _EmployerError(
                "employer",
                _("找不到工作单位“%(name)s”：应为已登记企业的全称；企业尚未登记的，请先录入企业。")
                % {"name": name},
            )
        if len(candidates) > 1:
            raise _EmployerError(
                "employer",
                _("有 %(count)s 家企业名为“%(name)s”：请填写工作单位统一社会信用代码。")
                % {"count": len(candidates), "name": name},
            )
        return candidates[0], "employer"


class _EmployerError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


# The import -------------------------------------------------------------------------------


@dataclass(slots=True)
class TalentPreview(RowPreview):
    """A row as the import's preview shows it: the talent it makes or changes."""

    code: str = ""
    name: str = ""
    tier: str = ""
    unit: str = ""
    employer: str = ""
    talent_id: int | None = None


@dataclass(slots=True)
class _Planned:
    """A row read and checked, waiting to be written."""

    row: int
    code: str
    fields: dict[str, Any]
    employer_key: str
    talent: Talent | None = None


def import_talents(
    source: str | Path | IO[bytes],
    *,
    actor: User,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport[TalentPreview]:
    """Imports a sheet of talents (.xlsx): all or nothing, upserted on the talent code.

    Returns the report: every error with its sheet, row and column (nothing written when
    there is one), and each row with its outcome. A dry run does everything but keep it.
    `progress(done, total)` is called every PROGRESS_EVERY rows written.
    """
    return run_import(_TalentImporter, source, actor=actor, dry_run=dry_run, progress=progress)


class _TalentImporter(TableImport[TalentPreview]):
    """One import of one table: reads and checks its rows, gives them their codes and
    talents, and writes them through the actions."""

    model = Talent
    refusal = gettext_lazy("您的账号不能导入人才（需要填报员、单位负责人或督查室的权限）。")
    columns = staticmethod(talent_columns)

    def __init__(
        self,
        table: Table,
        report: ImportReport[TalentPreview],
        actor: User,
        scope_add: set[int] | None,
        scope_change: set[int] | None,
    ) -> None:
        super().__init__(table, report, actor, scope_add, scope_change)
        self.lookups = Lookups()
        self.tier_labels = {tier.value: str(tier.label) for tier in Tier}

    # Reading ---------------------------------------------------------------------------

    def read(self) -> list[_Planned]:
        """Every row parsed and checked against the lookups; errors go to the report."""
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
                        _("人才编号“%(code)s”与第 %(row)s 行重复。") % {"code": code, "row": first},
                    )
                    continue
            item = self._plan(row.number, row.values, row.ok)
            if item is not None:
                planned.append(item)
        return planned

    def _plan(self, number: int, values: dict[str, Any], ok: bool) -> _Planned | None:
        fields: dict[str, Any] = {}
        employer_key = "employer"
        for key, value in values.items():
            if key in ("code", "employer", "employer_uscc"):
                continue
            if value is None and key in _TEXT_FIELDS:
                value = ""
            if key == "introducing_unit" and value is not None:
                try:
                    value = self.lookups.unit(value, self.scope_add)
                except ValueError as error:
                    self.error(number, key, str(error))
                    ok = False
                    continue
            fields[key] = value
        if self.table.has("employer") or self.table.has("employer_uscc"):
            try:
                fields["employer"], employer_key = self.lookups.employer(
                    values.get("employer"), values.get("employer_uscc")
                )
            except _EmployerError as error:
                self.error(number, error.key, str(error))
                ok = False
        else:
            # The column is missing: say so at the row (a new talent needs an employer).
            fields["employer"] = None
        if fields.get("employment", "") is None:
            fields["employment"] = Employment.FULL_TIME
        if fields.get("status", "") is None:
            fields["status"] = TalentStatus.ACTIVE
        if "settled" in fields and fields["settled"] is None:
            fields["settled"] = fields.get("settled_on") is not None
        elif "settled" not in fields and "settled_on" in fields:
            fields["settled"] = fields["settled_on"] is not None
        if not ok:
            return None
        return _Planned(number, values.get("code") or "", fields, employer_key)

    # Codes and scope ---------------------------------------------------------------------

    def check(self, planned: list[_Planned]) -> None:
        """Finds the talent of each row (by its code, or by name and employer), gives new
        ones their codes, and checks the user may write each."""
        codes = [item.code for item in planned if item.code]
        existing: dict[str, Talent] = {}
        for start in range(0, len(codes), _BATCH):
            for talent in Talent.objects.filter(code__in=codes[start : start + _BATCH]):
                existing[talent.code] = talent
        natural: dict[tuple[str, int], Talent] | None = None
        taken = {header_key(code) for code in codes}
        counters: dict[int, int] = {}
        for item in planned:
            if item.code:
                item.talent = existing.get(item.code)
                continue
            if natural is None:
                natural = self._natural_keys()
            employer = item.fields.get("employer")
            key = (header_key(item.fields.get("name") or ""), employer.pk if employer else 0)
            if key in natural:
                item.talent = natural[key]
                item.code = item.talent.code
                continue
            introduced: date = item.fields.get("introduced_on") or timezone.localdate()
            year = introduced.year
            if year not in counters:
                counters[year] = int(actions.next_talent_code(year).rsplit("-", 1)[1]) - 1
            while True:
                counters[year] += 1
                code = f"RC{year}-{counters[year]:04d}"
                if header_key(code) not in taken:
                    break
            taken.add(header_key(code))
            item.code = code
        seen: dict[str, _Planned] = {}
        for item in planned:
            other = seen.setdefault(item.code, item)
            if other is not item:
                self.error(
                    item.row,
                    "name",
                    _("与第 %(row)s 行是同一人才（%(code)s）：请合并为一行。")
                    % {"row": other.row, "code": item.code},
                )
            self._check_scope(item)

    def _check_scope(self, item: _Planned) -> None:
        unit = item.fields.get("introducing_unit")
        if item.talent is not None:
            scope = self.scope_change
            if scope is not None and item.talent.introducing_unit_id not in scope:
                self.error(
                    item.row,
                    "code" if self.table.has("code") else "name",
                    _("人才“%(code)s”不是您管辖的单位引进的，不能修改。") % {"code": item.code},
                )
                return
        else:
            scope = self.scope_add
        if unit is not None and scope is not None and unit.pk not in scope:
            self.error(
                item.row,
                "introducing_unit",
                _("您只能导入本单位及下属单位引进的人才：“%(unit)s”不在您的范围内。")
                % {"unit": unit.name},
            )

    def _natural_keys(self) -> dict[tuple[str, int], Talent]:
        """(name, employer) → the talent of that name and employer the user may change."""
        talents = Talent.objects.restrict(self.actor, Action.CHANGE)
        return {(header_key(talent.name), talent.employer_id): talent for talent in talents}

    # Writing -----------------------------------------------------------------------------

    def write(self, planned: list[_Planned], progress: Callable[[int, int], None] | None) -> None:
        """Applies the rows through the actions (inside the caller's transaction)."""
        failed_rows = {error.row for error in self.report.errors}
        todo = [item for item in planned if item.row not in failed_rows]
        total = len(todo)
        for done, item in enumerate(todo, start=1):
            preview = self._apply(item)
            if preview is not None:
                self.report.rows.append(preview)
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        if progress is not None and total == 0:
            progress(0, 0)

    def _apply(self, item: _Planned) -> TalentPreview | None:
        fields = dict(item.fields)
        try:
            if item.talent is None:
                fields.setdefault("employment", Employment.FULL_TIME)
                fields.setdefault("status", TalentStatus.ACTIVE)
                talent = actions.do_create_talent(
                    actor=self.actor, reason=self.reason, code=item.code, **fields
                )
                outcome = Outcome.CREATED
            else:
                talent = item.talent
                if fields.get("employer", False) is None:
                    del fields["employer"]  # no employer column: the stored one stays
                before = actions.particulars(talent)
                actions.do_update_talent(talent, actor=self.actor, reason=self.reason, **fields)
                changed = actions.particulars(talent) != before
                outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED
        except ValidationError as error:
            self._explain(item, error)
            return None
        return TalentPreview(
            row=item.row,
            outcome=outcome,
            code=talent.code,
            name=talent.name,
            tier=self.tier_labels.get(talent.tier, talent.tier),
            unit=talent.introducing_unit.name,
            employer=talent.employer.name,
            talent_id=talent.pk,
        )

    def _explain(self, item: _Planned, error: ValidationError) -> None:
        """A ValidationError of the action, at the column of its field."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.error(item.row, None, message)
            return
        for name, messages in error.message_dict.items():
            key: str | None = name
            if name == NON_FIELD_ERRORS:
                key = None
            elif name == "employer":
                key = item.employer_key
            elif name == "settled" and not self.table.has("settled"):
                key = "settled_on"
            if key is not None and not self.table.has(key):
                key = None
            for message in messages:
                self.error(item.row, key, message)


# The export and the template -------------------------------------------------------------


def _option_lists() -> dict[str, list[str]]:
    """The lists of the dropdowns (the template's 选项 sheet)."""
    return {
        "人才类别": [str(label) for label in Tier.labels],
        "引进方式": [str(label) for label in Employment.labels],
        "是否": [_("是"), _("否")],
        "项目阶段": [str(label) for label in ProjectStage.labels],
        "状态": [str(label) for label in TalentStatus.labels],
        "引进单位": list(
            Unit.objects.filter(active=True)
            .exclude(kind__in=(UnitKind.PROVINCE, UnitKind.CITY))
            .order_by("order", "code")
            .values_list("name", flat=True)
        ),
        "工作单位": list(Enterprise.objects.order_by("name").values_list("name", flat=True)),
    }


def export_talents(queryset: QuerySet[Talent], destination: str | Path | IO[bytes]) -> None:
    """Writes the talents of `queryset` (already scoped and filtered, in its order) as the
    import template's columns, formatted, with a totals row. The phone and ID number are
    written as the queryset's `with_personal_access` says (masked when it was not asked):
    importing the file back changes nothing."""
    writer = WorkbookWriter()
    table = writer.table(
        _("人才"),
        talent_columns(),
        heading=_("引进人才台账（%(date)s 导出）") % {"date": timezone.localdate().isoformat()},
        options=_option_lists(),
    )
    # A unit is written by its name, unless another unit has the same name: then by its
    # code, so that the file imports back to the same unit.
    names = Counter(Unit.objects.values_list("name", flat=True))
    ambiguous = {name for name, count in names.items() if count > 1}
    count = high_level = settled = 0
    funding = Decimal(0)
    rows = queryset.select_related("employer", "introducing_unit").iterator(chunk_size=2000)
    for talent in rows:
        table.append(_export_row(talent, ambiguous))
        count += 1
        high_level += talent.is_high_level
        settled += talent.settled
        if talent.project_funding is not None:
            funding += talent.project_funding
    label = _("%(count)s 名（A–E 类 %(high)s 名，高校毕业生 %(graduates)s 名）") % {
        "count": count,
        "high": high_level,
        "graduates": count - high_level,
    }
    table.totals(
        {
            "name": label,
            "settled": _("已落户 %(count)s 名") % {"count": settled},
            "project_funding": funding,
        }
    )
    writer.save(destination)


def _export_row(talent: Talent, ambiguous: set[str]) -> dict[str, Any]:
    unit = talent.introducing_unit
    return {
        "code": talent.code,
        "name": talent.name,
        "tier": talent.get_tier_display(),
        "field": talent.field,
        "employer": talent.employer.name,
        "employer_uscc": talent.employer.uscc,
        "introducing_unit": unit.code if unit.name in ambiguous else unit.name,
        "introduced_on": talent.introduced_on,
        "employment": talent.get_employment_display(),
        "settled": _("是") if talent.settled else _("否"),
        "settled_on": talent.settled_on,
        "project_name": talent.project_name,
        "project_funding": talent.project_funding,
        "project_stage": talent.get_project_stage_display() if talent.project_stage else "",
        "status": talent.get_status_display(),
        "phone": talent.phone_shown,
        "id_number": talent.id_number_shown,
        "note": talent.note,
    }


def talent_template() -> bytes:
    """The blank import template: the header only (importing it imports nothing), a 说明
    sheet, and dropdowns for the coded columns."""
    writer = WorkbookWriter()
    columns = talent_columns()
    writer.table(_("人才"), columns, options=_option_lists())
    writer.instructions(
        columns,
        intro=[
            _("人才导入模板：每行一名人才，表头不要改动；表头为橙色的列必填。"),
            _(
                "按人才编号更新已有人才；没有编号时，姓名和工作单位都相同的视为同一人才，否则新建并自动编号。"
            ),
            _("工作单位须为已登记的企业：填写企业全称或统一社会信用代码。"),
            _("整个文件要么全部导入，要么（有任何错误时）一行也不导入；错误会指出工作表、行和列。"),
            _(
                "联系电话和身份证号码是个人信息：身份证号码请以文本格式填写；遮盖后的号码（如 138****5678）导回时保留系统中已存的号码。"
            ),
        ],
    )
    return writer.to_bytes()


def export_queryset(user: User, filters: Mapping[str, str]) -> QuerySet[Talent]:
    """The user's talents filtered by the talent list's own filter (TalentFilter), so an
    export holds what the page shows, with the personal data as the user may see it;
    `unit` may name a unit by its code."""
    from bipin.talent.filters import TalentFilter

    data = dict(filters)
    unit_code = data.pop("unit", None)
    if unit_code:
        unit = Unit.objects.restrict(user).filter(code=unit_code).first()
        if unit is None:
            raise ValueError(_("找不到单位代码“%(code)s”。") % {"code": unit_code})
        data["introducing_unit"] = str(unit.pk)
    filterset = TalentFilter(
        data, queryset=Talent.objects.restrict(user), request=SimpleNamespace(user=user)
    )
    if not filterset.is_valid():
        problems = [
            f"{name}: {' '.join(str(message) for message in messages)}"
            for name, messages in filterset.errors.items()
        ]
        raise ValueError("；".join(problems))
    return filterset.qs.with_personal_access(user)


TALENTS_EXCEL = ExcelKind(
    label=gettext_lazy("人才"),
    import_file=import_talents,
    export_queryset=export_queryset,
    export_file=export_talents,
    template=talent_template,
    filter_help=gettext_lazy(
        "--year 引进年度；--unit 单位代码；--filter tier=A（或 high_level、graduate）、settled=true、employment=flexible、q=关键词"
    ),
    model=Talent,
    list_url_name="talent:list",
    preview_columns=(
        (gettext_lazy("人才"), "name"),
        (gettext_lazy("编号"), "code"),
        (gettext_lazy("类别"), "tier"),
        (gettext_lazy("引进单位"), "unit"),
        (gettext_lazy("工作单位"), "employer"),
    ),
    template_name=gettext_lazy("人才导入模板.xlsx"),
)
