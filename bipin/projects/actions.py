"""Writes of the investment pipeline: projects, stage changes, roadmaps, evidence,
duplicate screening and the negative list. One transaction each, audited."""

import calendar
import dataclasses
import difflib
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from bipin.core.excel.report import Outcome
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

PROJECT_FIELDS = (
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


def clean_text(text: str) -> str:
    """What office sheets and forms hold, tidied: stray spaces (full-width ones too) trimmed
    and collapsed. Chinese punctuation stays as typed: "太保家园（杭州）" is a company's name."""
    return re.sub(r"[\s\u3000]+", " ", text or "").strip()


def comparable(text: str) -> str:
    """A name folded for comparison only (full-width to half-width, case, spaces)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).casefold()


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
    created = _plan_roadmap(project, templates, existing)
    for milestone in created:
        milestone.save(force_insert=True)
    return created


def _plan_roadmap(
    project: Project, templates: dict[str, MilestoneTemplate], existing: dict[str, Milestone]
) -> list[Milestone]:
    """The milestones lay_roadmap would add to a project, unsaved (an import saves those of
    a whole batch at once)."""
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
        milestone = Milestone(
            project=project,
            stage=stage,
            planned_on=planned,
            actual_on=project.stage_date(stage),
            requires_evidence=template.requires_evidence,
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
    evidence.save()
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


# Imports -------------------------------------------------------------------------------------

#: What a ledger row may change, by attribute: foreign keys by their id, so that comparing
#: a stored project with its row reads no related object.
_LEDGER_ATTNAMES = tuple(
    field.attname
    for field in Project._meta.concrete_fields
    if field.name in (*PROJECT_FIELDS, "stage", "termination_reason", *STAGE_DATE_FIELDS.values())
)
#: The foreign keys a row sets. A batch checks that they exist (and, for the industry and
#: the platform, that they are a division and a platform) with one query per key, where
#: full_clean would ask once per row and key.
_LEDGER_RELATIONS = ("industry", "leading_industry", "responsible_unit", "platform")
#: What writing a changed project writes.
_LEDGER_WRITTEN = [
    *PROJECT_FIELDS, "stage", "termination_reason", *STAGE_DATE_FIELDS.values(),
    "counting_year", "counting_unit",
]  # fmt: skip


@dataclasses.dataclass(slots=True)
class LedgerRow:
    """A row of an office's ledger as the import takes it: the project's code, the stage it
    stands at with the dates the ledger knows (a stage left out keeps its stored date), the
    reason of a termination, and the particulars it gives (names of PROJECT_FIELDS)."""

    code: str
    stage: str
    stage_dates: Mapping[str, date | None]
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    termination_reason: str = ""


class RowErrors(Exception):
    """The rows of a batch that were refused, by their index in the batch, each with its
    ValidationError (a dict keyed by field name, as full_clean raises). Raised before the
    batch writes anything, with every refused row, so that an import can list them all."""

    def __init__(self, errors: dict[int, ValidationError]) -> None:
        super().__init__(f"{len(errors)} rows refused")
        self.errors = errors


@dataclasses.dataclass(slots=True)
class _Imported:
    """A row of a batch checked and applied to its project in memory, waiting to be written."""

    index: int
    project: Project
    outcome: Outcome
    stage_before: str


@transaction.atomic
def do_import_project(
    *,
    actor: User,
    code: str,
    stage: str,
    stage_dates: Mapping[str, date | None],
    reason: str,
    termination_reason: str = "",
    **fields: Any,
) -> tuple[Project, bool]:
    """One row of a ledger (see do_import_projects); returns the project and whether
    anything changed. A refused row raises its ValidationError."""
    row = LedgerRow(code, stage, stage_dates, fields, termination_reason)
    try:
        [(project, outcome)] = do_import_projects([row], actor=actor, reason=reason)
    except RowErrors as refused:
        raise refused.errors[0] from None
    return project, outcome != Outcome.UNCHANGED


@transaction.atomic
def do_import_projects(
    rows: Sequence[LedgerRow], *, actor: User, reason: str
) -> list[tuple[Project, Outcome]]:
    """Creates or updates (by project code) the projects of a batch of ledger rows; returns
    each row's project and what was done with it, in the order of the rows.

    The ledger is the office's record of where a project stands, so a row may bring any
    stage with the dates it knows; the dates must not run backwards nor lie in the future,
    a prohibited industry is refused, and a row equal to what is stored writes nothing.
    A signed project counts in its signing year for the unit that signed it and gets its
    roadmap; a project no longer signed loses both. Possible duplicates are recorded.

    The batch is checked whole before anything is written and refused whole (RowErrors,
    with every refused row). Its writes, history included, go in a few bulk statements:
    the queries of a batch do not grow with its rows (the Excel import writes 50,000 rows
    in batches; benchmarks/imports.py).
    """
    stored = {
        project.code: project
        for project in Project.objects.filter(code__in={row.code for row in rows})
    }
    imported: list[_Imported] = []
    errors: dict[int, ValidationError] = {}
    seen: set[str] = set()
    for index, row in enumerate(rows):
        try:
            if row.code in seen:
                # The second row of a code in a batch: its project exists by then.
                raise ValidationError(
                    {"code": Project(code=row.code).unique_error_message(Project, ("code",))}
                )
            seen.add(row.code)
            imported.append(_import_row(index, row, stored.get(row.code)))
        except ValidationError as error:
            errors[index] = error
    _check_relations(imported, errors)
    _check_negative_list(imported, errors)
    if errors:
        raise RowErrors(errors)

    created = [item.project for item in imported if item.outcome == Outcome.CREATED]
    updated = [item.project for item in imported if item.outcome == Outcome.UPDATED]
    if created:
        saved = bulk_create_with_history(
            created, Project, default_user=actor, default_change_reason=reason
        )
        for project, with_pk in zip(created, saved, strict=True):
            project.pk = with_pk.pk  # where the database does not return them (MySQL)
    if updated:
        bulk_update_with_history(
            updated, Project, _LEDGER_WRITTEN, default_user=actor, default_change_reason=reason
        )
    written = [item for item in imported if item.outcome != Outcome.UNCHANGED]
    StageEvent.objects.bulk_create(
        StageEvent(
            project=item.project,
            from_stage=item.stage_before,
            to_stage=item.project.stage,
            happened_on=item.project.stage_date(item.project.stage) or timezone.localdate(),
            actor=actor,
            reason=reason,
        )
        for item in written
        if item.stage_before != item.project.stage
    )
    _sync_roadmaps([item.project for item in written], created, actor=actor, reason=reason)
    _record_duplicates_of(
        [item.project for item in written], {project.pk for project in created}, actor, reason
    )
    return [(item.project, item.outcome) for item in imported]


def _ledger_state(project: Project) -> tuple[Any, ...]:
    return tuple(getattr(project, name) for name in _LEDGER_ATTNAMES)


def _import_row(index: int, row: LedgerRow, project: Project | None) -> _Imported:
    """A row checked and applied to its project (stored or new) in memory."""
    is_new = project is None
    if project is None:
        project = Project(code=row.code)
    before = None if is_new else _ledger_state(project)
    stage_before = "" if is_new else project.stage
    _apply(project, {"code": row.code, **row.fields})
    stage = Stage(row.stage)
    project.termination_reason = (
        clean_text(row.termination_reason) if stage == Stage.TERMINATED else ""
    )
    today = timezone.localdate()
    for field_stage, field_name in STAGE_DATE_FIELDS.items():
        if field_stage in row.stage_dates:
            _check_date(field_name, row.stage_dates[field_stage], today)
            setattr(project, field_name, row.stage_dates[field_stage])
    if stage != Stage.TERMINATED:
        project.terminated_on = None
        for later in PIPELINE[stage_index(stage) + 1 :]:
            setattr(project, STAGE_DATE_FIELDS[later], None)
    elif not project.termination_reason:
        raise ValidationError({"termination_reason": _("终止的项目须说明终止原因。")})
    known = [(s, project.stage_date(s)) for s in PIPELINE if project.stage_date(s)]
    for (first_stage, first), (second_stage, second) in itertools.pairwise(known):
        if second < first:  # type: ignore[operator]
            raise ValidationError(
                {
                    STAGE_DATE_FIELDS[second_stage]: _("“%(later)s”日期早于“%(earlier)s”日期。")
                    % {"later": second_stage.label, "earlier": first_stage.label}
                }
            )
    if (
        stage != Stage.TERMINATED
        and stage_index(stage) >= stage_index(Stage.SIGNED)
        and project.signed_on is None
    ):
        raise ValidationError(
            {"signed_on": _("“%(stage)s”阶段的项目须有签约日期。") % {"stage": stage.label}}
        )
    project.stage = stage
    # A row equal to what is stored is skipped before the checks of its fields: the stored
    # values passed them when they were written.
    if before is not None and _ledger_state(project) == before:
        return _Imported(index, project, Outcome.UNCHANGED, stage_before)
    errors: dict[str, Any] = {}
    try:
        # The foreign keys are checked per batch (_check_relations) and the code's
        # uniqueness by the batch's query of stored codes, instead of a query per row.
        project.full_clean(exclude=[*_LEDGER_RELATIONS, "counting_unit"], validate_unique=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for name in _LEDGER_RELATIONS:
        relation = Project._meta.get_field(name)
        assert isinstance(relation, models.ForeignKey)
        try:
            # A required key left empty; Field.validate is ForeignKey.validate without its query.
            models.Field.validate(relation, getattr(project, relation.attname), project)
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    _count_on_import(project)
    if before is not None and _ledger_state(project) == before:
        return _Imported(index, project, Outcome.UNCHANGED, stage_before)
    return _Imported(index, project, Outcome.CREATED if is_new else Outcome.UPDATED, stage_before)


def _count_on_import(project: Project) -> None:
    if project.signed_on is not None and project.counting_unit_id is None:
        _count_at_signing(project)
    elif project.signed_on is not None:
        # A corrected signing date moves the year; the unit that signed stays.
        project.counting_year = project.signed_on.year
    else:
        project.counting_year, project.counting_unit = None, None


def _check_relations(imported: list[_Imported], errors: dict[int, ValidationError]) -> None:
    """ForeignKey.validate for the changed rows of a batch, one query per key."""
    changed = [item for item in imported if item.outcome != Outcome.UNCHANGED]
    for name in _LEDGER_RELATIONS:
        relation = Project._meta.get_field(name)
        assert isinstance(relation, models.ForeignKey)
        ids = {getattr(item.project, relation.attname) for item in changed} - {None}
        if not ids:
            continue
        target, key = relation.remote_field.model, relation.target_field.attname
        found = set(
            target._base_manager.filter(**{f"{key}__in": ids})
            .complex_filter(relation.get_limit_choices_to())
            .values_list(key, flat=True)
        )
        for item in changed:
            value = getattr(item.project, relation.attname)
            if value is None or value in found or item.index in errors:
                continue
            errors[item.index] = ValidationError(
                {
                    name: ValidationError(
                        relation.error_messages["invalid"],
                        code="invalid",
                        params={
                            "model": target._meta.verbose_name,
                            "pk": value,
                            "field": key,
                            "value": value,
                        },
                    )
                }
            )


def _check_negative_list(imported: list[_Imported], errors: dict[int, ValidationError]) -> None:
    """check_negative_list for every row of a batch: the items covering its industries (or
    their sections) read in two queries, each industry judged once."""
    checked = [item for item in imported if item.index not in errors]
    industry_ids = {item.project.industry_id for item in checked}
    sections = dict(Industry.objects.filter(pk__in=industry_ids).values_list("pk", "section_id"))
    links = NegativeListItem.industries.through.objects.filter(
        industry_id__in=industry_ids | (set(sections.values()) - {None})
    ).select_related("negativelistitem")
    covering: dict[int, set[NegativeListItem]] = {}
    for link in links:
        covering.setdefault(link.industry_id, set()).add(link.negativelistitem)
    refusals: dict[int, ValidationError | None] = {}
    for industry_id in industry_ids:
        section_id = sections.get(industry_id)
        items = covering.get(industry_id, set()) | covering.get(section_id or 0, set())
        try:
            _licences_or_refuse(sorted(items, key=lambda item: (item.kind, item.code)))
            refusals[industry_id] = None
        except ValidationError as error:
            refusals[industry_id] = error
    for item in checked:
        refusal = refusals[item.project.industry_id]
        if refusal is not None:
            errors[item.index] = refusal


def _sync_roadmaps(
    projects: list[Project], created: list[Project], *, actor: User, reason: str
) -> None:
    """lay_roadmap and the ledger's actual dates for the written projects of a batch: the
    templates and the stored milestones read once, new and changed milestones written in
    bulk with their history. Reached stages carry the ledger's date (where it gives one);
    stages the project is no longer at lose theirs; a project no longer signed loses its
    roadmap."""
    if not projects:
        return
    templates = {template.stage: template for template in MilestoneTemplate.objects.all()}
    new_ids = {project.pk for project in created}
    stored: dict[int, dict[str, Milestone]] = {}
    stored_of = [project.pk for project in projects if project.pk not in new_ids]
    if stored_of:
        for milestone in Milestone.objects.filter(project__in=stored_of):
            stored.setdefault(milestone.project_id, {})[milestone.stage] = milestone
    laid: list[Milestone] = []
    moved: list[Milestone] = []
    for project in projects:
        existing = stored.get(project.pk, {})
        if project.signed_on is None:
            for milestone in existing.values():  # rare: a signing taken back by the ledger
                delete_with_history(milestone, actor=actor, reason=reason)
            continue
        laid.extend(_plan_roadmap(project, templates, existing))
        for milestone in existing.values():
            actual = (
                project.stage_date(milestone.stage)
                if project.has_reached(milestone.stage)
                else None
            )
            if milestone.actual_on != actual and (
                actual is not None or not project.has_reached(milestone.stage)
            ):
                milestone.actual_on = actual
                moved.append(milestone)
    if laid:
        bulk_create_with_history(laid, Milestone, default_user=actor, default_change_reason=reason)
    if moved:
        bulk_update_with_history(
            moved, Milestone, ["actual_on"], default_user=actor, default_change_reason=reason
        )


def _record_duplicates_of(
    projects: list[Project], new_ids: set[int], actor: User, reason: str
) -> None:
    """record_duplicates for the written projects of a batch, in their order, with one
    query for the projects sharing any of their investors or USCCs. A project is screened
    against the stored projects and the batch's projects before it, as if the rows were
    written one by one (a new project later in the batch finds this one, not the reverse)."""
    if not projects:
        return
    investors = {project.investor_name for project in projects}
    usccs = {project.uscc for project in projects if project.uscc}
    query = Q(investor_name__in=investors)
    if usccs:
        query |= Q(uscc__in=usccs)
    others = list(
        Project.objects.current().filter(query).only("pk", "name", "uscc", "investor_name")
    )
    by_investor: dict[str, list[int]] = {}
    by_uscc: dict[str, list[int]] = {}
    for position, other in enumerate(others):
        by_investor.setdefault(other.investor_name, []).append(position)
        if other.uscc:
            by_uscc.setdefault(other.uscc, []).append(position)
    ids = [project.pk for project in projects]
    known = set(
        DuplicateCheck.objects.filter(Q(project__in=ids) | Q(candidate__in=ids)).values_list(
            "project_id", "candidate_id"
        )
    )
    order = {pk: position for position, pk in enumerate(ids)}
    checks = []
    for position, project in enumerate(projects):
        sharing = set(by_investor.get(project.investor_name, []))
        if project.uscc:
            sharing.update(by_uscc.get(project.uscc, []))
        for other in (others[at] for at in sorted(sharing)):
            if other.pk == project.pk or (other.pk in new_ids and order[other.pk] > position):
                continue
            if (project.pk, other.pk) in known or (other.pk, project.pk) in known:
                continue
            if project.uscc and other.uscc == project.uscc:
                found = DuplicateReason.USCC
            elif _similar(project.name, other.name):
                found = DuplicateReason.INVESTOR_NAME
            else:
                continue
            checks.append(DuplicateCheck(project=project, candidate=other, reason=found))
            known.add((project.pk, other.pk))
    if checks:
        bulk_create_with_history(
            checks, DuplicateCheck, default_user=actor, default_change_reason=reason
        )
