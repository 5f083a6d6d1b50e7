"""The batch import of the office's ledger: rows written a thousand at a time with their
history, roadmaps planned in memory and duplicates screened per batch, under the same rules
as the one-at-a-time actions in the package."""

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.core import bulk
from bipin.core.excel.report import Outcome
from bipin.core.history import delete_with_history, record_versions
from bipin.org.models import User
from bipin.projects.actions import (
    PROJECT_FIELDS,
    PlannedMilestone,
    _apply,
    _check_date,
    _count_at_signing,
    _licences_or_refuse,
    _plan_roadmap,
    _similar,
    clean_text,
)
from bipin.projects.choices import (
    PIPELINE,
    DuplicateReason,
    Stage,
    stage_index,
)
from bipin.projects.models import (
    STAGE_DATE_FIELDS,
    DuplicateCheck,
    Industry,
    Milestone,
    MilestoneTemplate,
    NegativeListItem,
    Project,
    StageEvent,
)

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
#: The columns of a roadmap's milestones as an import writes them: the project's, a
#: PlannedMilestone's and the note.
_MILESTONE_COLUMNS = ("project_id", *PlannedMilestone._fields, "note")
#: The columns of the stage events of an import, in the order it gives them.
_STAGE_EVENT_COLUMNS = (
    "project_id", "from_stage", "to_stage", "happened_on", "actor_id", "reason", "recorded_at",
)  # fmt: skip
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
    today = timezone.localdate()
    for index, row in enumerate(rows):
        try:
            if row.code in seen:
                # The second row of a code in a batch: its project exists by then.
                raise ValidationError(
                    {"code": Project(code=row.code).unique_error_message(Project, ("code",))}
                )
            seen.add(row.code)
            imported.append(_import_row(index, row, stored.get(row.code), today))
        except ValidationError as error:
            errors[index] = error
    _check_relations(imported, errors)
    _check_negative_list(imported, errors)
    if errors:
        raise RowErrors(errors)

    created = [item.project for item in imported if item.outcome == Outcome.CREATED]
    updated = [item.project for item in imported if item.outcome == Outcome.UPDATED]
    if created:
        bulk.insert(created)
        record_versions(Project, [project.pk for project in created], actor=actor, reason=reason)
    if updated:
        Project.objects.bulk_update(updated, _LEDGER_WRITTEN)
        record_versions(
            Project, [project.pk for project in updated], actor=actor, reason=reason, kind="~"
        )
    written = [item for item in imported if item.outcome != Outcome.UNCHANGED]
    recorded_at = timezone.now()
    bulk.insert_rows(
        StageEvent,
        _STAGE_EVENT_COLUMNS,
        [
            (
                item.project.pk,
                item.stage_before,
                item.project.stage,
                item.project.stage_date(item.project.stage) or today,
                actor.pk,
                reason,
                recorded_at,
            )
            for item in written
            if item.stage_before != item.project.stage
        ],
    )
    _sync_roadmaps([item.project for item in written], created, actor=actor, reason=reason)
    _record_duplicates_of(
        [item.project for item in written], {project.pk for project in created}, actor, reason
    )
    return [(item.project, item.outcome) for item in imported]


def _ledger_state(project: Project) -> tuple[Any, ...]:
    return tuple(getattr(project, name) for name in _LEDGER_ATTNAMES)


def _import_row(index: int, row: LedgerRow, project: Project | None, today: date) -> _Imported:
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
    laid: list[tuple[Any, ...]] = []  # rows of _MILESTONE_COLUMNS
    moved: list[Milestone] = []
    for project in projects:
        existing = stored.get(project.pk, {})
        if project.signed_on is None:
            for milestone in existing.values():  # rare: a signing taken back by the ledger
                delete_with_history(milestone, actor=actor, reason=reason)
            continue
        laid.extend(
            (project.pk, *planned, "") for planned in _plan_roadmap(project, templates, existing)
        )
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
        keys = bulk.insert_rows(Milestone, _MILESTONE_COLUMNS, laid)
        record_versions(Milestone, keys, actor=actor, reason=reason)
    if moved:
        Milestone.objects.bulk_update(moved, ["actual_on"])
        record_versions(
            Milestone, [milestone.pk for milestone in moved], actor=actor, reason=reason, kind="~"
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
    # The merged are left out here rather than in the query: filtered there, SQLite reads
    # every current project by the merged_into index instead of the investor's and USCC's.
    others = [
        other
        for other in Project.objects.filter(query)
        .order_by("pk")
        .values_list("pk", "name", "uscc", "investor_name", "merged_into_id", named=True)
        if other.merged_into_id is None
    ]
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
            checks.append(DuplicateCheck(project=project, candidate_id=other.pk, reason=found))
            known.add((project.pk, other.pk))
    if checks:
        bulk.insert(checks)
        record_versions(DuplicateCheck, [check.pk for check in checks], actor=actor, reason=reason)
