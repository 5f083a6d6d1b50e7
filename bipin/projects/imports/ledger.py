"""The importer of the office's project ledger (招商引资签约项目台账)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bipin.core import bulk
from bipin.core.choices import Action
from bipin.core.excel import (
    ImportReport,
    Outcome,
    Remark,
    RowPreview,
    Table,
    header_key,
)
from bipin.core.excel.importing import TableImport, run_import
from bipin.org.actions import do_create_links
from bipin.org.models import Link, User
from bipin.projects import actions
from bipin.projects.choices import PIPELINE, Channel, DuplicateStatus, InvestorKind, Stage
from bipin.projects.imports.columns import (
    NON_FIELD_KEYS,
    STAGE_OF_DATE,
    Lookups,
    is_foreign_origin,
    project_columns,
)
from bipin.projects.models import DuplicateCheck, Project

#: Rows written in one batch (do_import_projects); the progress is reported after each.
PROGRESS_EVERY = 1000
#: Codes and ids per query where a query takes a list of them.
_BATCH = 500
#: Fields stored as "" (not NULL) when their cell is empty.
_TEXT_FIELDS = {"name", "investor_name", "investor_origin", "uscc", "note"}


@dataclass(slots=True)
class ProjectPreview(RowPreview):
    """A row of the ledger as the preview shows it: the project it makes or changes, the
    licences the negative list asks of its industry, and the possible duplicates found."""

    code: str = ""
    name: str = ""
    unit: str = ""
    stage: str = ""
    amount: Decimal | None = None
    licences: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    project_id: int | None = None

    @property
    def remarks(self) -> list[Remark]:
        return [
            Remark(_("需许可：%(licence)s") % {"licence": licence}) for licence in self.licences
        ] + [
            Remark(_("疑似重复：%(project)s") % {"project": duplicate}, warning=True)
            for duplicate in self.duplicates
        ]


@dataclass(slots=True)
class _Planned:
    """A row read and checked, waiting to be written."""

    row: int
    code: str
    fields: dict[str, Any]
    stage: str
    stage_dates: dict[str, date | None]
    leaders: list[User]
    termination_reason: str
    exists: bool = False


@bulk.collecting_at_the_end()
def import_projects(
    source: str | Path | IO[bytes],
    *,
    actor: User,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport[ProjectPreview]:
    """Imports a ledger of projects (.xlsx): all or nothing, upserted on the project code.

    Returns the report: every error with its sheet, row and column (nothing written when
    there is one), and each row with its outcome, licences and possible duplicates. A dry
    run does everything but keep it. `progress(done, total)` is called after each batch
    of PROGRESS_EVERY rows written.
    """
    return run_import(_ProjectImporter, source, actor=actor, dry_run=dry_run, progress=progress)


class _ProjectImporter(TableImport[ProjectPreview]):
    """One import of one table: reads and checks its rows, gives them their codes, and
    writes them in batches through do_import_projects."""

    model = Project
    refusal = gettext_lazy("您的账号不能导入项目（需要填报员、单位负责人或督查室的权限）。")
    columns = staticmethod(project_columns)

    def __init__(
        self,
        table: Table,
        report: ImportReport[ProjectPreview],
        actor: User,
        scope_add: set[int] | None,
        scope_change: set[int] | None,
    ) -> None:
        super().__init__(table, report, actor, scope_add, scope_change)
        self.lookups = Lookups()
        self.stage_keys = [key for key in STAGE_OF_DATE if table.has(key)]
        self.stage_labels: dict[str, str] = {
            stage: str(stage.label) for stage in Stage
        }  # once, not per row

    # Reading ---------------------------------------------------------------------------

    def read(self) -> list[_Planned]:
        """Every row parsed and checked against the lookups; errors go to the report."""
        planned = []
        codes: dict[str, int] = {}
        natural: dict[tuple[str, str], int] = {}
        for row in self.table.rows(self.report):
            item = self._plan(row.number, row.values, row.ok)
            # Duplicates are looked for in rows with other errors too: every error is listed.
            code = row.values.get("code") or ""
            if code:
                first = codes.setdefault(header_key(code), row.number)
                if first != row.number:
                    self.error(
                        row.number,
                        "code",
                        _("项目编号“%(code)s”与第 %(row)s 行重复。") % {"code": code, "row": first},
                    )
                    continue
            elif row.values.get("investor_name") and row.values.get("name"):
                key = (header_key(row.values["investor_name"]), header_key(row.values["name"]))
                first = natural.setdefault(key, row.number)
                if first != row.number:
                    self.error(
                        row.number,
                        "name",
                        _(
                            "与第 %(row)s 行是同一项目（投资方和项目名称相同）：请合并为一行，或填写不同的项目编号。"
                        )
                        % {"row": first},
                    )
                    continue
            if item is not None:
                planned.append(item)
        return planned

    def _plan(self, number: int, values: dict[str, Any], ok: bool) -> _Planned | None:
        lookups = self.lookups
        fields: dict[str, Any] = {}
        for key, value in values.items():
            if key in NON_FIELD_KEYS or key == "code":
                continue
            if value is None and key in _TEXT_FIELDS:
                value = ""
            try:
                if key == "responsible_unit" and value is not None:
                    value = lookups.unit(value, scope=self.scope_add)
                elif key == "platform" and value is not None:
                    value = lookups.unit(value, platform=True)
                elif key == "industry" and value is not None:
                    value = lookups.industry(value)
                    item = lookups.prohibited.get(value.pk) or lookups.prohibited.get(
                        value.section_id or 0
                    )
                    if item is not None:
                        raise ValueError(
                            _("该行业属于市场准入负面清单禁止准入事项（%(code)s）：%(text)s")
                            % {"code": item.code, "text": item.text}
                        )
                elif key == "leading_industry" and value is not None:
                    value = lookups.leading_industry(value)
            except ValueError as error:
                self.error(number, key, str(error))
                ok = False
                continue
            fields[key] = value
        if "channel" in fields and fields["channel"] is None:
            fields["channel"] = Channel.OTHER
        if "is_capital_increase" in fields and fields["is_capital_increase"] is None:
            fields["is_capital_increase"] = False
        if fields.get("investor_kind") is None:
            origin = fields.get("investor_origin") or ""
            fields["investor_kind"] = (
                InvestorKind.FOREIGN if is_foreign_origin(origin) else InvestorKind.DOMESTIC
            )
        leaders: list[User] = []
        for name in values.get("leaders") or []:
            try:
                leaders.append(lookups.leader(name))
            except ValueError as error:
                self.error(number, "leaders", str(error))
                ok = False
        stage_dates = {STAGE_OF_DATE[key]: values.get(key) for key in self.stage_keys}
        stage = values.get("stage") or self._stage_from_dates(stage_dates)
        reason = values.get("termination_reason") or ""
        if stage == Stage.TERMINATED and not reason:
            self.error(
                number,
                "termination_reason" if self.table.has("termination_reason") else "stage",
                _("终止的项目须填写“终止原因”。"),
            )
            ok = False
        if not ok:
            return None
        return _Planned(
            number, values.get("code") or "", fields, stage, stage_dates, leaders, reason
        )

    @staticmethod
    def _stage_from_dates(stage_dates: Mapping[str, date | None]) -> str:
        """Without a stage, the last stage of the pipeline that has a date (else a lead)."""
        if stage_dates.get(Stage.TERMINATED):
            return Stage.TERMINATED
        reached = [stage for stage in PIPELINE if stage_dates.get(stage)]
        return reached[-1] if reached else Stage.LEAD

    # Codes and scope ---------------------------------------------------------------------

    def check(self, planned: list[_Planned]) -> None:
        """Gives each row its project code (the project of the same investor and name, or
        the next free code of its year), and checks the user may change existing ones."""
        if any(not item.code for item in planned):
            natural = self._natural_keys()
            taken = {header_key(item.code) for item in planned if item.code}
            counters: dict[int, int] = {}
            for item in planned:
                if item.code:
                    continue
                key = (header_key(item.fields["investor_name"]), header_key(item.fields["name"]))
                if key in natural:
                    item.code = natural[key]
                    continue
                dates = [d for d in item.stage_dates.values() if d]
                signed = item.stage_dates.get(Stage.SIGNED)
                year = (signed or min(dates, default=None) or timezone.localdate()).year
                if year not in counters:
                    counters[year] = int(actions.next_project_code(year).rsplit("-", 1)[1]) - 1
                while True:
                    counters[year] += 1
                    code = f"ZS{year}-{counters[year]:04d}"
                    if header_key(code) not in taken:
                        break
                item.code = code
        by_code: dict[str, _Planned] = {}
        for item in planned:
            other = by_code.setdefault(item.code, item)
            if other is not item:
                self.error(
                    item.row,
                    "code",
                    _("与第 %(row)s 行是同一项目（%(code)s）。")
                    % {"row": other.row, "code": item.code},
                )
        codes = list(by_code)
        for start in range(0, len(codes), _BATCH):
            existing = Project.objects.filter(code__in=codes[start : start + _BATCH]).values_list(
                "code", "responsible_unit_id"
            )
            for code, unit_id in existing:
                item = by_code[code]
                item.exists = True
                if self.scope_change is not None and unit_id not in self.scope_change:
                    self.error(
                        item.row,
                        "code" if self.table.has("code") else "name",
                        _("项目“%(code)s”不属于您管辖的单位，不能修改。") % {"code": code},
                    )
        for item in planned:
            unit = item.fields.get("responsible_unit")
            scope = self.scope_change if item.exists else self.scope_add
            if unit is not None and scope is not None and unit.pk not in scope:
                self.error(
                    item.row,
                    "responsible_unit",
                    _("您只能导入本单位及下属单位的项目：“%(unit)s”不在您的范围内。")
                    % {"unit": unit.name},
                )

    def _natural_keys(self) -> dict[tuple[str, str], str]:
        """(investor, project name) → code of the current projects the user may change."""
        projects = Project.objects.restrict(self.actor, Action.CHANGE).current()
        return {
            (header_key(investor), header_key(name)): code
            for code, investor, name in projects.values_list("code", "investor_name", "name")
        }

    # Writing -----------------------------------------------------------------------------

    def write(self, planned: list[_Planned], progress: Callable[[int, int], None] | None) -> None:
        """Applies the rows through do_import_projects, PROGRESS_EVERY rows at a time
        (inside the caller's transaction), reporting the progress after each batch."""
        failed_rows = {error.row for error in self.report.errors}
        todo = [item for item in planned if item.row not in failed_rows]
        project_type = ContentType.objects.get_for_model(Project)
        linked = set(
            Link.objects.current()
            .filter(content_type=project_type)
            .values_list("leader_id", "object_id")
        )
        total = len(todo)
        applied: dict[int, ProjectPreview] = {}
        for start in range(0, total, PROGRESS_EVERY):
            for preview in self._apply(todo[start : start + PROGRESS_EVERY], linked):
                self.report.rows.append(preview)
                if preview.outcome != Outcome.UNCHANGED and preview.project_id:
                    applied[preview.project_id] = preview
            if progress is not None:
                progress(min(start + PROGRESS_EVERY, total), total)
        if progress is not None and total == 0:
            progress(0, 0)
        self._add_duplicates(applied)

    def _apply(self, batch: list[_Planned], linked: set[tuple[int, int]]) -> list[ProjectPreview]:
        """One batch of rows written; a refused row's errors go to the report (the batch
        then writes nothing, and the import as a whole nothing either)."""
        rows = [
            actions.LedgerRow(
                item.code, item.stage, item.stage_dates, item.fields, item.termination_reason
            )
            for item in batch
        ]
        try:
            with transaction.atomic():
                results = actions.do_import_projects(rows, actor=self.actor, reason=self.reason)
        except actions.RowErrors as refused:
            for index, error in refused.errors.items():
                self._explain(batch[index].row, error)
            return []
        except IntegrityError as error:
            # A constraint the checks did not foresee: the database does not say which row.
            self.error(None, None, _("无法保存：%(error)s") % {"error": error})
            return []
        linking = self._links_to_make(batch, results, linked)
        if linking:
            try:
                do_create_links(
                    actor=self.actor, pairs=linking, duty=_("项目推进"), reason=self.reason
                )
            except ValidationError as error:  # a link made since the import began
                for message in error.messages:
                    self.error(None, None, message)
                return []
        relinked = {target.pk for _leader, target, _on in linking}
        previews = []
        for item, (project, outcome) in zip(batch, results, strict=True):
            if outcome == Outcome.UNCHANGED and project.pk in relinked:
                outcome = Outcome.UPDATED
            previews.append(
                ProjectPreview(
                    row=item.row,
                    outcome=outcome,
                    code=project.code,
                    name=project.name,
                    unit=project.responsible_unit.name,
                    stage=self.stage_labels[project.stage],
                    amount=project.contracted_investment,
                    licences=self.lookups.licences_of(project.industry),
                    project_id=project.pk,
                )
            )
        return previews

    @staticmethod
    def _links_to_make(
        batch: list[_Planned],
        results: list[tuple[Project, Outcome]],
        linked: set[tuple[int, int]],
    ) -> list[tuple[User, Project, date]]:
        """The rows' leaders not yet linked to their projects, as (leader, project, start)."""
        pairs = []
        for item, (project, _outcome) in zip(batch, results, strict=True):
            for leader in item.leaders:
                if (leader.pk, project.pk) not in linked:
                    pairs.append((leader, project, project.signed_on or timezone.localdate()))
                    linked.add((leader.pk, project.pk))
        return pairs

    def _explain(self, row: int, error: ValidationError) -> None:
        """A ValidationError of the action, at the column of its field (the stage column
        for a date the sheet does not have)."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.error(row, None, message)
            return
        for name, messages in error.message_dict.items():
            key: str | None = name
            if name == NON_FIELD_ERRORS:
                key = None
            elif not self.table.has(name) and name in STAGE_OF_DATE:
                key = "stage"
            for message in messages:
                self.error(row, key, message)

    def _add_duplicates(self, applied: dict[int, ProjectPreview]) -> None:
        ids = list(applied)
        for start in range(0, len(ids), _BATCH):
            checks = DuplicateCheck.objects.filter(
                project_id__in=ids[start : start + _BATCH], status=DuplicateStatus.OPEN
            ).select_related("candidate")
            for check in checks:
                applied[check.project_id].duplicates.append(
                    f"{check.candidate.code} {check.candidate.name}（{check.get_reason_display()}）"
                )
