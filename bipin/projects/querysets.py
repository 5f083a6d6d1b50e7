"""Scoping and the counting rules of projects."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Sum, Value, When
from django.utils import timezone

from bipin.core.querysets import RestrictedQuerySet
from bipin.projects.choices import DuplicateStatus, Stage


class ProjectQuerySet(RestrictedQuerySet):
    """Projects belong to their responsible unit: its people see and edit them, supervisors
    and leaders see all (the default reach)."""

    unit_lookup = "responsible_unit"

    def counted(self, year: int, unit: Any = None) -> "ProjectQuerySet":
        """The one definition of what counts (甄别), used by every report.

        A project counts once, in the year it was signed, for the unit that signed it (and
        for the units above it); not when it was merged into another, terminated, or while
        a possible duplicate of it waits to be screened. A capital increase of an existing
        enterprise is in here for its amount; `totals()` does not count it as a project.
        """
        from bipin.org.models import Unit

        open_check = self.model.duplicate_checks.rel.related_model.objects.filter(
            project=OuterRef("pk"), status=DuplicateStatus.OPEN
        )
        counted = (
            self.filter(counting_year=year, merged_into__isnull=True)
            .exclude(stage=Stage.TERMINATED)
            .exclude(Exists(open_check))
        )
        if unit is not None:
            unit_id = unit if isinstance(unit, int) else unit.pk
            counted = counted.filter(counting_unit_id__in=Unit.objects.subtree_ids(unit_id))
        return counted

    def totals(self) -> dict[str, Any]:
        """Number of projects (capital increases are not new projects) and their amounts."""
        result = self.aggregate(
            count=Count("pk", filter=Q(is_capital_increase=False)),
            capital_increases=Count("pk", filter=Q(is_capital_increase=True)),
            contracted_investment=Sum("contracted_investment"),
            foreign_capital=Sum("foreign_capital"),
        )
        result["contracted_investment"] = result["contracted_investment"] or Decimal(0)
        result["foreign_capital"] = result["foreign_capital"] or Decimal(0)
        return result

    def current(self) -> "ProjectQuerySet":
        """Not merged into another project."""
        return self.filter(merged_into__isnull=True)

    def overdue(self, today: date | None = None) -> "ProjectQuerySet":
        """Projects with a milestone past its planned date that the project has not reached
        (the milestone's stage comes after the project's stage in the pipeline)."""
        from bipin.projects.models import Milestone

        late = Milestone.objects.annotate(rank=stage_rank("stage")).filter(
            project=OuterRef("pk"),
            planned_on__lt=today or timezone.localdate(),
            rank__gt=OuterRef("stage_rank"),
        )
        return (
            self.exclude(stage=Stage.TERMINATED)
            .annotate(stage_rank=stage_rank("stage"))
            .filter(Exists(late))
        )

    def with_major_class(self, major: str) -> "ProjectQuerySet":
        """Projects of a major class (亿元/10亿元/50亿元以上) by the configured thresholds."""
        from django.conf import settings

        from bipin.projects.choices import InvestorKind, MajorClass

        index = [MajorClass.YI_1, MajorClass.YI_10, MajorClass.YI_50].index(MajorClass(major))
        domestic = Q(
            contracted_investment__gte=settings.BIPIN_MAJOR_PROJECT_THRESHOLDS[index]
        ) & ~Q(investor_kind=InvestorKind.FOREIGN, foreign_capital__isnull=False)
        foreign = Q(
            investor_kind=InvestorKind.FOREIGN,
            foreign_capital__gte=settings.BIPIN_MAJOR_FOREIGN_THRESHOLDS[index],
        )
        return self.filter(domestic | foreign)


def stage_rank(field: str) -> Case:
    """A stage's place in the pipeline as a number, for comparing stages in SQL (one
    condition, where a comparison stage by stage would join the project again)."""
    from bipin.projects.choices import PIPELINE

    return Case(
        *(When(**{field: stage}, then=Value(position)) for position, stage in enumerate(PIPELINE)),
        default=Value(-1),
        output_field=IntegerField(),
    )


class EvidenceQuerySet(RestrictedQuerySet):
    """Evidence files are scoped by their milestone's project."""

    unit_lookup = "milestone__project__responsible_unit"


class ProjectRelatedQuerySet(RestrictedQuerySet):
    """Rows that belong to a project (milestones, evidence, stage events, duplicate checks)
    are scoped by the project's responsible unit."""

    unit_lookup = "project__responsible_unit"
