"""The export of the project list, the blank import template, and the kind that
`bipin import projects` and `bipin export projects` dispatch to."""

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from itertools import islice
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bipin.core.choices import Role
from bipin.core.excel import ExcelKind, WorkbookWriter
from bipin.org.choices import UnitKind
from bipin.org.models import Link, Unit, User
from bipin.projects.choices import Channel, InvestorKind, Stage
from bipin.projects.imports.columns import STAGE_OF_DATE, project_columns
from bipin.projects.imports.ledger import import_projects
from bipin.projects.models import Industry, LeadingIndustry, Project


def _option_lists() -> dict[str, list[str]]:
    """The lists of the dropdowns (the template's 选项 sheet)."""
    return {
        "当前进度": [str(label) for label in Stage.labels],
        "招商方式": [str(label) for label in Channel.labels],
        "内外资": [str(label) for label in InvestorKind.labels],
        "是否": [_("是"), _("否")],
        "主导产业": list(
            LeadingIndustry.objects.filter(active=True).values_list("name", flat=True)
        ),
        "责任单位": list(
            Unit.objects.filter(active=True)
            .exclude(kind__in=(UnitKind.PROVINCE, UnitKind.CITY))
            .order_by("order", "code")
            .values_list("name", flat=True)
        ),
        "落地平台": list(
            Unit.objects.filter(active=True, kind=UnitKind.PLATFORM)
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


def _chunks(items: Iterable[Project], size: int) -> Iterator[list[Project]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def export_projects(queryset: QuerySet[Project], destination: str | Path | IO[bytes]) -> None:
    """Writes the projects of `queryset` (already scoped and filtered, in its order) as the
    import template's columns, formatted, with a totals row: count and sums. Importing the
    file back changes nothing."""
    writer = WorkbookWriter()
    columns = project_columns()
    table = writer.table(
        _("招商项目"),
        columns,
        heading=_("招商引资项目台账（%(date)s 导出）") % {"date": timezone.localdate().isoformat()},
        options=_option_lists(),
    )
    # A unit is written by its name, unless another unit has the same name (a province's
    # two 青云镇): then by its code, so that the file imports back to the same unit.
    names = Counter(Unit.objects.values_list("name", flat=True))
    ambiguous = {name for name, count in names.items() if count > 1}
    project_type = ContentType.objects.get_for_model(Project)
    projects = queryset.select_related(
        "industry", "leading_industry", "responsible_unit", "platform"
    ).iterator(chunk_size=2000)
    count = increases = 0
    sums = dict.fromkeys(
        ("contracted_investment", "fixed_asset_investment", "foreign_capital"), Decimal(0)
    )
    for chunk in _chunks(projects, 2000):
        leaders: dict[int, list[str]] = {}
        links = (
            Link.objects.current()
            .filter(content_type=project_type, object_id__in=[p.pk for p in chunk])
            .select_related("leader")
            .order_by("leader__username")
        )
        for link in links:
            leaders.setdefault(link.object_id, []).append(str(link.leader))
        for project in chunk:
            table.append(_export_row(project, leaders.get(project.pk, []), ambiguous))
            if project.is_capital_increase:
                increases += 1
            else:
                count += 1
            for key in sums:
                sums[key] += getattr(project, key) or Decimal(0)
    label = _("%(count)s 个项目") % {"count": count}
    if increases:
        label += _("，另有增资 %(count)s 个") % {"count": increases}
    table.totals({"name": label, **sums})
    writer.save(destination)


def _export_row(project: Project, leaders: list[str], ambiguous: set[str]) -> dict[str, Any]:
    unit = project.responsible_unit
    row: dict[str, Any] = {
        "code": project.code,
        "name": project.name,
        "investor_name": project.investor_name,
        "investor_origin": project.investor_origin,
        "investor_kind": project.get_investor_kind_display(),
        "contracted_investment": project.contracted_investment,
        "fixed_asset_investment": project.fixed_asset_investment,
        "foreign_capital": project.foreign_capital,
        "industry": project.industry.name,
        "leading_industry": project.leading_industry.name if project.leading_industry else "",
        "channel": project.get_channel_display(),
        "stage": project.get_stage_display(),
        "termination_reason": project.termination_reason,
        "responsible_unit": unit.code if unit.name in ambiguous else unit.name,
        "platform": project.platform.name if project.platform else "",
        "leaders": "、".join(leaders),
        "uscc": project.uscc,
        "is_capital_increase": _("是") if project.is_capital_increase else _("否"),
        "note": project.note,
    }
    for key in STAGE_OF_DATE:
        row[key] = getattr(project, key)
    return row


def project_template() -> bytes:
    """The blank import template: the header only (importing it imports nothing), a 说明
    sheet, and dropdowns for the coded columns."""
    writer = WorkbookWriter()
    columns = project_columns()
    writer.table(_("招商项目"), columns, options=_option_lists())
    writer.instructions(
        columns,
        intro=[
            _("招商项目导入模板：每行一个项目，表头不要改动；表头为橙色的列必填。"),
            _(
                "按项目编号更新已有项目；没有编号时，投资方和项目名称都相同的视为同一项目，否则新建并自动编号。"
            ),
            _("整个文件要么全部导入，要么（有任何错误时）一行也不导入；错误会指出工作表、行和列。"),
            _("金额单位：万元（外资为万美元）；日期如 2026-03-18；可先“试运行”预览结果。"),
        ],
    )
    return writer.to_bytes()


def export_queryset(user: User, filters: Mapping[str, str]) -> QuerySet[Project]:
    """The user's projects filtered by the project list's own filter (ProjectFilter), so an
    export holds what the page shows; `unit` may name a unit by its code."""
    from bipin.projects.filters import ProjectFilter

    data = dict(filters)
    unit_code = data.pop("unit", None)
    if unit_code:
        unit = Unit.objects.restrict(user).filter(code=unit_code).first()
        if unit is None:
            raise ValueError(_("找不到单位代码“%(code)s”。") % {"code": unit_code})
        data["responsible_unit"] = str(unit.pk)
    filterset = ProjectFilter(
        data, queryset=Project.objects.restrict(user), request=SimpleNamespace(user=user)
    )
    if not filterset.is_valid():
        problems = [
            f"{name}: {' '.join(str(message) for message in messages)}"
            for name, messages in filterset.errors.items()
        ]
        raise ValueError("；".join(problems))
    return filterset.qs


PROJECTS_EXCEL = ExcelKind(
    label=gettext_lazy("招商项目"),
    import_file=import_projects,
    export_queryset=export_queryset,
    export_file=export_projects,
    template=project_template,
    filter_help=gettext_lazy(
        "--year 计数年度；--unit 单位代码；--filter stage=signed、industry=39、channel=…、q=关键词"
    ),
    model=Project,
    list_url_name="projects:list",
    preview_columns=(
        (gettext_lazy("项目"), "name"),
        (gettext_lazy("编号"), "code"),
        (gettext_lazy("责任单位"), "unit"),
        (gettext_lazy("阶段"), "stage"),
        (gettext_lazy("总投资"), "amount"),
    ),
    template_name=gettext_lazy("招商项目导入模板.xlsx"),
)
