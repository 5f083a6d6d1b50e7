"""Writes of the investment pipeline: projects, stage changes, roadmaps, evidence,
duplicate screening and the negative list. One transaction each, audited."""

import calendar
import difflib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.core.history import delete_with_history, save_with_history
from bipin.org.models import User
from bipin.projects.choices import (
    PIPELINE,
    ROADMAP_STAGES,
    DuplicateReason,
    DuplicateStatus,
    NegativeKind,
    Stage,
    stage_index,
)
from bipin.projects.models import (
    STAGE_DATE_FIELDS,
    DuplicateCheck,
    Evidence,
    Industry,
    Milestone,
    MilestoneTemplate,
    NegativeListItem,
    Project,
    StageEvent,
)

PROJECT_FIELDS: tuple[str, ...] = (
    "code", "name", "investor_name", "investor_origin", "investor_kind", "uscc", "industry",
    "leading_industry", "channel", "contracted_investment", "fixed_asset_investment",
    "foreign_capital", "responsible_unit", "platform", "is_capital_increase", "note",
)  # fmt: skip
#: Stages a project may be entered at by hand; later stages are reached by stage changes
#: (imports of an office's ledger may bring any stage with its dates).
ENTRY_STAGES = (Stage.LEAD, Stage.NEGOTIATING, Stage.SIGNED)
EVIDENCE_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".ofd"}
#: Two names of one investor at least this alike (difflib ratio) are a possible duplicate.
NAME_SIMILARITY = 0.6


_SPACES = re.compile(r"\s+")  # the ideographic space (U+3000) among them


def clean_text(text: str) -> str:
    """What office sheets and forms hold, tidied: stray spaces (full-width ones too) trimmed
    and collapsed. Chinese punctuation stays as typed: "太保家园（杭州）" is a company's name."""
    return _SPACES.sub(" ", text or "").strip()


def comparable(text: str) -> str:
    """A name folded for comparison only (full-width to half-width, case, spaces)."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


# The negative list -------------------------------------------------------------------------


def negative_items(industry: Industry) -> list[NegativeListItem]:
    """Items of the negative list covering an industry (directly or by its section)."""
    codes = [industry.pk] + ([industry.section_id] if industry.section_id else [])
    return list(
        NegativeListItem.objects.filter(industries__in=codes).distinct().order_by("kind", "code")
    )


def check_negative_list(industry: Industry) -> list[NegativeListItem]:
    """Refuses a prohibited industry with the item's text; returns the licensed items,
    which say which licence the project needs."""
    return _licences_or_refuse(negative_items(industry))


def _licences_or_refuse(items: list[NegativeListItem]) -> list[NegativeListItem]:
    """check_negative_list on the items already read (a batch reads them once for all)."""
    prohibited = [item for item in items if item.kind == NegativeKind.PROHIBITED]
    if prohibited:
        raise ValidationError(
            {
                "industry": _("该行业属于市场准入负面清单禁止准入事项（%(code)s）：%(text)s")
                % {"code": prohibited[0].code, "text": prohibited[0].text}
            }
        )
    return [item for item in items if item.kind == NegativeKind.LICENSED]


# Projects ----------------------------------------------------------------------------------


def next_project_code(year: int) -> str:
    """ZS2026-0001, ZS2026-0002 …: the next free number of the year."""
    prefix = f"ZS{year}-"
    taken = Project.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _apply(project: Project, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise ValueError(f"cannot set {', '.join(sorted(unknown))} of a project")
    for name, value in fields.items():
        if name in ("name", "investor_name", "investor_origin") and isinstance(value, str):
            value = clean_text(value)
        if name == "uscc" and isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).replace(" ", "").upper()
        setattr(project, name, value)


def _check_date(field: str, value: date | None, today: date | None = None) -> None:
    if value is not None and value > (today or timezone.localdate()):
        raise ValidationError({field: _("日期不能晚于今天。")})


@transaction.atomic
def do_create_project(
    *,
    actor: User,
    stage: str = Stage.LEAD,
    stage_on: date | None = None,
    reason: str = "",
    **fields: Any,
) -> Project:
    """A new project entered at 线索, 洽谈 or 签约 with that stage's date.

    Refused in a prohibited industry; a project entered as signed gets its counting year
    and unit and its roadmap; possible duplicates are recorded for screening.
    """
    if stage not in ENTRY_STAGES:
        raise ValidationError(
            {"stage": _("新项目只能从线索、洽谈或签约阶段录入，之后的阶段请通过阶段变更推进。")}
        )
    project = Project(stage=stage)
    _apply(project, fields)
    stage_on = stage_on or timezone.localdate()
    _check_date("stage_on", stage_on)
    setattr(project, STAGE_DATE_FIELDS[stage], stage_on)
    if not project.code:
        project.code = next_project_code(stage_on.year)
    project.full_clean()
    check_negative_list(project.industry)
    if stage == Stage.SIGNED:
        _count_at_signing(project)
    save_with_history(project, actor=actor, reason=reason or _("录入项目"))
    StageEvent.objects.create(
        project=project,
        from_stage="",
        to_stage=stage,
        happened_on=stage_on,
        actor=actor,
        reason=reason,
    )
    if stage == Stage.SIGNED:
        lay_roadmap(project)
    record_duplicates(project)
    return project


@transaction.atomic
def do_update_project(
    project: Project, *, actor: User, reason: str = "", **changes: Any
) -> Project:
    """Changes a project's particulars (not its stage: that is `do_change_stage`)."""
    industry_before, uscc_before, investor_before, name_before = (
        project.industry_id, project.uscc, project.investor_name, project.name
    )  # fmt: skip
    _apply(project, changes)
    project.full_clean()
    if project.industry_id != industry_before:
        check_negative_list(project.industry)
    save_with_history(project, actor=actor, reason=reason)
    if (project.uscc, project.investor_name, project.name) != (
        uscc_before,
        investor_before,
        name_before,
    ):
        record_duplicates(project)
    return project


def _count_at_signing(project: Project) -> None:
    """The counting rule: the signing year, and the unit responsible when it was signed."""
    assert project.signed_on is not None
    project.counting_year = project.signed_on.year
    project.counting_unit_id = project.responsible_unit_id


# Stages ------------------------------------------------------------------------------------


@transaction.atomic
def do_change_stage(
    project: Project, *, to: str, on: date, actor: User, reason: str = ""
) -> Project:
    """Moves a project to another stage, checking the rules of the pipeline.

    Forward one step at a time: the current stage must carry its date, the new date may
    not come before it nor after today, the milestone's evidence must be there where the
    roadmap requires it, and a prohibited industry cannot be signed. Going back, and
    terminating, need a reason. The matching milestone takes the date.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    forward = False
    to = Stage(to)
    current = Stage(project.stage)
    reason = (reason or "").strip()
    _check_date("on", on)
    if to == current:
        raise ValidationError({"to": _("项目已处于“%(stage)s”阶段。") % {"stage": current.label}})

    if to == Stage.TERMINATED:
        if not reason:
            raise ValidationError({"reason": _("终止项目须说明原因。")})
        project.terminated_on = on
        project.termination_reason = reason
    elif current == Stage.TERMINATED:
        reached = [stage for stage in PIPELINE if project.stage_date(stage)]
        if not reason:
            raise ValidationError({"reason": _("恢复已终止的项目须说明原因。")})
        if not reached or to != reached[-1]:
            last = reached[-1].label if reached else Stage.LEAD.label
            raise ValidationError(
                {"to": _("已终止的项目只能恢复到终止前的阶段“%(stage)s”。") % {"stage": last}}
            )
        project.terminated_on = None
        project.termination_reason = ""
    elif stage_index(to) > stage_index(current):
        _check_forward(project, current, to, on)
        setattr(project, STAGE_DATE_FIELDS[to], on)
        if to == Stage.SIGNED:
            _count_at_signing(project)
        forward = True
    else:
        if not reason:
            raise ValidationError({"reason": _("退回到之前的阶段须说明原因。")})
        if project.stage_date(to) is None:
            # A stage never dated (a project entered at 签约 sent back to 洽谈) is dated by
            # the going back, so that the pipeline can move on from it again.
            setattr(project, STAGE_DATE_FIELDS[to], on)
        for later in PIPELINE[stage_index(to) + 1 :]:
            setattr(project, STAGE_DATE_FIELDS[later], None)
        if stage_index(to) < stage_index(Stage.SIGNED):
            # The signing fell through: the project no longer counts, its roadmap goes.
            project.counting_year = None
            project.counting_unit = None
            for milestone in Milestone.objects.filter(project=project):
                delete_with_history(milestone, actor=actor, reason=reason)
        else:
            for milestone in Milestone.objects.filter(
                project=project, stage__in=PIPELINE[stage_index(to) + 1 :]
            ):
                milestone.actual_on = None
                save_with_history(milestone, actor=actor, reason=reason)

    project.stage = to
    save_with_history(
        project, actor=actor, reason=reason or _("阶段变更：%(stage)s") % {"stage": to.label}
    )
    StageEvent.objects.create(
        project=project, from_stage=current, to_stage=to, happened_on=on, actor=actor, reason=reason
    )
    if to == Stage.SIGNED:
        lay_roadmap(project)
    if forward and to in ROADMAP_STAGES:
        milestone = Milestone.objects.filter(project=project, stage=to).first()
        if milestone is not None:
            milestone.actual_on = on
            save_with_history(milestone, actor=actor, reason=_("节点完成"))
    return project


def _check_forward(project: Project, current: Stage, to: Stage, on: date) -> None:
    if stage_index(to) != stage_index(current) + 1:
        expected = PIPELINE[stage_index(current) + 1]
        raise ValidationError(
            {
                "to": _("不能从“%(current)s”直接跳到“%(to)s”，下一阶段应为“%(next)s”。")
                % {"current": current.label, "to": to.label, "next": expected.label}
            }
        )
    reached_on = project.stage_date(current)
    if reached_on is None:
        raise ValidationError(
            {"to": _("“%(current)s”阶段还没有日期，请先补充。") % {"current": current.label}}
        )
    if on < reached_on:
        raise ValidationError(
            {
                "on": _("“%(to)s”日期不能早于“%(current)s”日期 %(date)s。")
                % {"to": to.label, "current": current.label, "date": reached_on}
            }
        )
    if to == Stage.SIGNED:
        check_negative_list(project.industry)
    milestone = Milestone.objects.filter(project=project, stage=to).first()
    if milestone is not None and milestone.requires_evidence and not milestone.evidence.exists():
        raise ValidationError({"to": _("“%(to)s”节点须先上传佐证材料。") % {"to": to.label}})


# Roadmaps ----------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day where it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def lay_roadmap(project: Project) -> list[Milestone]:
    """Lays the roadmap from the template on a signed project: each milestone is due a
    number of months after the date of its base stage, actual where reached, planned
    otherwise. Milestones already laid are kept."""
    templates = {template.stage: template for template in MilestoneTemplate.objects.all()}
    existing = {
        milestone.stage: milestone for milestone in Milestone.objects.filter(project=project)
    }
    created = [
        Milestone(project=project, **planned._asdict())
        for planned in _plan_roadmap(project, templates, existing)
    ]
    for milestone in created:
        milestone.save(force_insert=True)
    return created


class PlannedMilestone(NamedTuple):
    """A milestone lay_roadmap would add, as the values of its fields."""

    stage: str
    planned_on: date
    actual_on: date | None
    requires_evidence: bool


def _plan_roadmap(
    project: Project, templates: dict[str, MilestoneTemplate], existing: dict[str, Milestone]
) -> list[PlannedMilestone]:
    """The milestones lay_roadmap would add to a project, unsaved (an import writes those
    of a whole batch at once, without an instance for each)."""
    due: dict[str, date] = {Stage.SIGNED: project.signed_on} if project.signed_on else {}
    planned_milestones = []
    for stage in ROADMAP_STAGES:
        if stage in existing:
            due[stage] = existing[stage].actual_on or existing[stage].planned_on
            continue
        template = templates.get(stage)
        if template is None:
            continue
        base = project.stage_date(template.after) or due.get(template.after)
        if base is None:
            continue
        planned = add_months(base, template.months)
        milestone = PlannedMilestone(
            stage, planned, project.stage_date(stage), template.requires_evidence
        )
        due[stage] = milestone.actual_on or planned
        planned_milestones.append(milestone)
    return planned_milestones


@transaction.atomic
def do_replan_milestone(
    milestone: Milestone, *, planned_on: date, actor: User, reason: str
) -> Milestone:
    """Moves a milestone's planned date; a roadmap is a commitment, so this says why."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("调整计划日期须说明原因。")})
    milestone.planned_on = planned_on
    save_with_history(milestone, actor=actor, reason=reason)
    return milestone


@transaction.atomic
def do_note_milestone(milestone: Milestone, *, note: str, actor: User) -> Milestone:
    milestone.note = note
    save_with_history(milestone, actor=actor, reason=_("更新节点备注"))
    return milestone


@transaction.atomic
def do_add_evidence(
    milestone: Milestone, *, upload: UploadedFile, actor: User, name: str = ""
) -> Evidence:
    """Attaches a file to a milestone: PDF, images, Word, Excel or OFD, within the size limit."""
    from django.conf import settings

    filename = upload.name or ""
    extension = filename[filename.rfind(".") :].lower() if "." in filename else ""
    if extension not in EVIDENCE_EXTENSIONS:
        raise ValidationError(
            {
                "upload": _("不支持的文件类型“%(ext)s”，允许：%(allowed)s。")
                % {"ext": extension or "—", "allowed": "、".join(sorted(EVIDENCE_EXTENSIONS))}
            }
        )
    if upload.size is not None and upload.size > settings.BIPIN_UPLOAD_MAX_MB * 1024 * 1024:
        raise ValidationError(
            {"upload": _("文件超过 %(limit)s MB。") % {"limit": settings.BIPIN_UPLOAD_MAX_MB}}
        )
    evidence = Evidence(
        milestone=milestone, file=upload, name=clean_text(name) or filename, uploaded_by=actor
    )
    save_with_history(evidence, actor=actor, reason=_("上传佐证材料"))
    return evidence


# Duplicate screening -------------------------------------------------------------------------


def find_duplicates(project: Project) -> list[tuple[Project, str]]:
    """Possible duplicates in any unit: the same USCC, or the same investor with a similar
    project name (one name containing the other, or alike by NAME_SIMILARITY)."""
    query = Q(investor_name=project.investor_name)
    if project.uscc:
        query |= Q(uscc=project.uscc)
    found: list[tuple[Project, str]] = []
    for other in (
        Project.objects.current()
        .filter(query)
        .exclude(pk=project.pk)
        .only("pk", "name", "uscc", "investor_name")
    ):
        if project.uscc and other.uscc == project.uscc:
            found.append((other, DuplicateReason.USCC))
        elif _similar(project.name, other.name):
            found.append((other, DuplicateReason.INVESTOR_NAME))
    return found


def _similar(first: str, second: str) -> bool:
    first, second = comparable(first), comparable(second)
    if first in second or second in first:
        return True
    return difflib.SequenceMatcher(None, first, second).ratio() >= NAME_SIMILARITY


def record_duplicates(project: Project) -> list[DuplicateCheck]:
    """Records new possible duplicates of a project for screening (pairs seen before keep
    their decision, in either direction)."""
    known = set(
        DuplicateCheck.objects.filter(Q(project=project) | Q(candidate=project)).values_list(
            "project_id", "candidate_id"
        )
    )
    checks = []
    for other, reason in find_duplicates(project):
        if (project.pk, other.pk) in known or (other.pk, project.pk) in known:
            continue
        checks.append(
            DuplicateCheck.objects.create(project=project, candidate=other, reason=reason)
        )
    return checks


@transaction.atomic
def do_decide_duplicate(
    check: DuplicateCheck, *, decision: str, actor: User, note: str = ""
) -> DuplicateCheck:
    """Screens a possible duplicate: distinct (both count), or merged (the later project
    is folded into the earlier one and no longer counts). Decided once: the row is read
    afresh under a lock, so a second reviewer with a stale page is refused."""
    check = (
        DuplicateCheck.objects.select_for_update()
        .select_related("project", "candidate")
        .get(pk=check.pk)
    )
    if check.status != DuplicateStatus.OPEN:
        raise ValidationError(
            _("该疑似重复已于 %(when)s 甄别。")
            % {
                "when": timezone.localtime(check.decided_at).strftime("%Y-%m-%d %H:%M")
                if check.decided_at
                else "—"
            }
        )
    if decision not in (DuplicateStatus.DISTINCT, DuplicateStatus.MERGED):
        raise ValidationError({"decision": _("甄别结果只能是“确认不重复”或“合并”。")})
    check.status = decision
    check.decided_by = actor
    check.decided_at = timezone.now()
    check.note = note
    save_with_history(check, actor=actor, reason=note)
    if decision == DuplicateStatus.MERGED:
        project = check.project
        project.merged_into = check.candidate
        save_with_history(
            project,
            actor=actor,
            reason=_("与 %(code)s 合并：%(note)s") % {"code": check.candidate.code, "note": note},
        )
        # The other open checks of a merged project have nothing left to decide.
        for other in project.duplicate_checks.filter(status=DuplicateStatus.OPEN):
            other.status = DuplicateStatus.MERGED
            other.decided_by, other.decided_at, other.note = actor, check.decided_at, note
            save_with_history(other, actor=actor, reason=note)
    return check


# The negative list ---------------------------------------------------------------------------


@transaction.atomic
def do_load_negative_list(rows: Iterable[dict[str, Any]], *, actor: User | None) -> tuple[int, int]:
    """Creates or updates negative-list items from rows of code, text, kind and industry
    codes; returns (created, updated). The caller has validated the rows."""
    created = updated = 0
    for row in rows:
        item = NegativeListItem.objects.filter(code=row["code"]).first()
        if item is None:
            item = NegativeListItem(code=row["code"])
            created += 1
        else:
            updated += 1
        item.text, item.kind = row["text"], row["kind"]
        save_with_history(item, actor=actor, reason=_("导入负面清单"))
        item.industries.set(row["industries"])
    return created, updated


# The batch import of the ledger lives in its own module; it uses the helpers above.
from bipin.projects.actions.ledger import (  # noqa: E402
    LedgerRow,
    RowErrors,
    do_import_project,
    do_import_projects,
)

__all__ = ["LedgerRow", "RowErrors", "do_import_project", "do_import_projects"]
