"""Scoping of talents, and who may see a talent's personal data."""

from decimal import Decimal
from typing import Any, Self

from django.db.models import BooleanField, Count, Exists, OuterRef, Q, Sum, Value

from bipin.core.choices import Action
from bipin.core.querysets import RestrictedQuerySet
from bipin.talent.choices import HIGH_LEVEL

#: The annotation that says whether the user may see a row's personal data in full; a
#: talent read without it shows masks (personal.shown).
PERSONAL_ACCESS = "personal_access"


class TalentQuerySet(RestrictedQuerySet):
    """A talent belongs to the unit that introduced them: its people see and edit the
    record (and its personal data in full), supervisors and leaders see all."""

    unit_lookup = "introducing_unit"

    def with_personal_access(self, user: Any) -> Self:
        """Annotates `personal_access`: whether `user` may see the row's phone and ID number
        in full. The one rule, for pages, API and exports alike: exactly those who may
        change the talent (the supervisor, the people of the introducing unit or a unit
        above it); everyone else who sees the talent (leaders, data providers) sees masks.
        """
        may_change = self.model._default_manager.all().restrict(user, Action.CHANGE)
        if may_change.query.is_empty():
            access: Any = Value(False, output_field=BooleanField())
        elif not may_change.query.where:  # every row (the supervisor): no subquery per row
            access = Value(True, output_field=BooleanField())
        else:
            access = Exists(may_change.filter(pk=OuterRef("pk")))
        return self.annotate(**{PERSONAL_ACCESS: access})

    def totals(self) -> dict[str, Any]:
        """The figures of a list (one query): how many, how many of tiers A–E and how many
        graduates, how many settled, and the funding of their projects (万元)."""
        figures = self.order_by().aggregate(
            count=Count("pk"),
            high_level=Count("pk", filter=Q(tier__in=HIGH_LEVEL)),
            settled_count=Count("pk", filter=Q(settled=True)),
            projects=Count("pk", filter=~Q(project_name="")),
            funding=Sum("project_funding"),
            **{f"tier_{tier}": Count("pk", filter=Q(tier=tier)) for tier in HIGH_LEVEL},
        )
        figures["graduates"] = figures["count"] - figures["high_level"]
        figures["funding"] = figures["funding"] or Decimal(0)
        return figures
