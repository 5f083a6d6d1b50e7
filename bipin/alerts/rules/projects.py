"""Rule kinds about investment projects: milestones overdue and coming due, projects that
have not moved."""

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import DateField, F, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bipin.alerts.choices import Severity
from bipin.alerts.rules.base import Finding, Param, PassContext, RuleKind, register
from bipin.projects.choices import Stage
from bipin.projects.models import Milestone, Project, StageEvent
from bipin.projects.querysets import stage_rank

if TYPE_CHECKING:
    from bipin.alerts.models import Alert, Rule


def _open_milestones() -> QuerySet[Milestone]:
    """Milestones the project has not reached, of projects still in the pipeline (a
    milestone is reached when the project's stage is at or past it)."""
    return (
        Milestone.objects.filter(project__merged_into__isnull=True)
        .exclude(project__stage=Stage.TERMINATED)
        .annotate(rank=stage_rank("stage"), project_rank=stage_rank("project__stage"))
        .filter(rank__gt=F("project_rank"))
    )


def _milestone_finding(
    context: PassContext, row: dict, severity: str, content_type_id: int
) -> Finding:
    return Finding(
        subject_type_id=content_type_id,
        subject_id=row["pk"],
        subject_label=f"{row['project__name']} · {Stage(row['stage']).label}",
        unit_id=row["project__responsible_unit_id"],
        severity=severity,
        facts={
            "project": row["project__name"],
            "project_id": row["project_id"],
            "stage": row["stage"],
            "planned_on": row["planned_on"].isoformat(),
        },
    )


_MILESTONE_FIELDS = (
    "pk",
    "stage",
    "planned_on",
    "project_id",
    "project__name",
    "project__responsible_unit_id",
)


class _MilestoneKind(RuleKind):
    subject_model = Milestone

    def linked_objects(self, alert: "Alert") -> list[tuple[type[models.Model], int]]:
        return [(Milestone, alert.subject_id), (Project, alert.facts["project_id"])]


@register
class MilestoneOverdue(_MilestoneKind):
    key = "milestone_overdue"
    label = gettext_lazy("节点逾期")
    explanation = gettext_lazy("路线图节点已过计划日期，项目尚未到达该阶段")
    default_severity = Severity.RED

    def find(self, rule: "Rule", context: PassContext) -> Iterable[Finding]:
        content_type_id = context.content_type_id(Milestone)
        rows = _open_milestones().filter(planned_on__lt=context.today).values(*_MILESTONE_FIELDS)
        for row in rows.iterator(chunk_size=5000):
            yield _milestone_finding(context, row, rule.severity, content_type_id)

    def describe(self, alert: "Alert") -> str:
        facts = alert.facts
        return _("%(project)s 的“%(stage)s”节点计划于 %(planned)s 完成，已逾期 %(days)s 天") % {
            "project": facts["project"],
            "stage": Stage(facts["stage"]).label,
            "planned": facts["planned_on"],
            "days": self.days_between(alert, facts["planned_on"]),
        }


@register
class MilestoneDueSoon(_MilestoneKind):
    key = "milestone_due_soon"
    label = gettext_lazy("节点临期提醒")
    explanation = gettext_lazy("路线图节点将在若干天内到期，项目尚未到达该阶段")
    default_severity = Severity.REMINDER
    params = (Param("days", gettext_lazy("提前天数"), 15, minimum=1, maximum=365),)

    def find(self, rule: "Rule", context: PassContext) -> Iterable[Finding]:
        days = int(self.settings(rule)["days"])
        content_type_id = context.content_type_id(Milestone)
        rows = _open_milestones().filter(
            planned_on__gte=context.today, planned_on__lte=context.today + timedelta(days=days)
        )
        for row in rows.values(*_MILESTONE_FIELDS).iterator(chunk_size=5000):
            yield _milestone_finding(context, row, rule.severity, content_type_id)

    def describe(self, alert: "Alert") -> str:
        facts = alert.facts
        return _("%(project)s 的“%(stage)s”节点将于 %(planned)s 到期（还有 %(days)s 天）") % {
            "project": facts["project"],
            "stage": Stage(facts["stage"]).label,
            "planned": facts["planned_on"],
            "days": self.days_between(alert, facts["planned_on"]),
        }


@register
class ProjectStalled(RuleKind):
    key = "project_stalled"
    label = gettext_lazy("项目停滞")
    explanation = gettext_lazy("在推项目连续若干天没有阶段变化（未达产、未终止）")
    subject_model = Project
    default_severity = Severity.YELLOW
    params = (Param("days", gettext_lazy("停滞天数"), 90, minimum=1, maximum=3650),)

    def find(self, rule: "Rule", context: PassContext) -> Iterable[Finding]:
        days = int(self.settings(rule)["days"])
        content_type_id = context.content_type_id(Project)
        last_change = Subquery(
            StageEvent.objects.filter(project=OuterRef("pk"))
            .values("project")
            .annotate(last=Max("happened_on"))
            .values("last")[:1],
            output_field=DateField(),
        )
        rows = (
            Project.objects.current()
            .exclude(stage__in=(Stage.TERMINATED, Stage.AT_CAPACITY))
            .annotate(
                # The local (Asia/Shanghai) day of its entry, not the UTC one.
                moved_on=Coalesce(last_change, TruncDate("created_at")),
            )
            .filter(moved_on__lt=context.today - timedelta(days=days))
            .values("pk", "name", "stage", "responsible_unit_id", "moved_on")
        )
        for row in rows.iterator(chunk_size=5000):
            yield Finding(
                subject_type_id=content_type_id,
                subject_id=row["pk"],
                subject_label=row["name"],
                unit_id=row["responsible_unit_id"],
                severity=rule.severity,
                facts={
                    "project": row["name"],
                    "stage": row["stage"],
                    "moved_on": row["moved_on"].isoformat(),
                },
            )

    def describe(self, alert: "Alert") -> str:
        facts = alert.facts
        return _("%(project)s 自 %(moved)s 起停留在“%(stage)s”阶段，已 %(days)s 天无进展") % {
            "project": facts["project"],
            "stage": Stage(facts["stage"]).label,
            "moved": facts["moved_on"],
            "days": self.days_between(alert, facts["moved_on"]),
        }
