"""Scoping of enterprises and their service requests."""

from typing import Any, ClassVar

from django.db.models import Exists, OuterRef, Q

from bipin.core.choices import Action, Role
from bipin.core.querysets import DEFAULT_REACH, Reach, ReachTable, RestrictedQuerySet
from bipin.enterprises.choices import OPEN


class EnterpriseQuerySet(RestrictedQuerySet):
    """Enterprises belong to their town or subdistrict: its people see and edit them,
    supervisors and leaders see all (the default reach)."""

    unit_lookup = "unit"


class ServiceCategoryQuerySet(RestrictedQuerySet):
    """The categories of requests are known to everyone who handles requests; the
    supervisor sets them."""

    reach: ClassVar[ReachTable] = {
        Action.VIEW: dict.fromkeys(Role, Reach.ALL),
        Action.ADD: {Role.SUPERVISOR: Reach.ALL},
        Action.CHANGE: {Role.SUPERVISOR: Reach.ALL},
        Action.DELETE: {Role.SUPERVISOR: Reach.ALL},
    }

    def active(self) -> "ServiceCategoryQuerySet":
        return self.filter(active=True)


class ServiceRequestQuerySet(RestrictedQuerySet):
    """A request is seen and worked by the people of the enterprise's town (who take it in
    and close it with the enterprise) and of each department it is assigned to (who handle
    it); supervisors see and may work all, leaders see all. Viewers see none: a request
    names an enterprise's troubles."""

    unit_lookup = "enterprise__unit"
    reach: ClassVar[ReachTable] = {
        **DEFAULT_REACH,
        Action.VIEW: {**DEFAULT_REACH[Action.VIEW], Role.VIEWER: Reach.NONE},
    }

    def restrict(self, user: Any, action: str = Action.VIEW) -> "ServiceRequestQuerySet":
        if (
            getattr(user, "is_authenticated", False)
            and user.is_active
            and not user.is_superuser
            and action in self.reach
            and self.reach[action].get(user.role, Reach.NONE) == Reach.UNIT
        ):
            units = user.scope_unit_ids()
            assigned = self.model.departments.through.objects.filter(
                servicerequest=OuterRef("pk"), unit__in=units
            )
            return self.filter(Q(enterprise__unit__in=units) | Exists(assigned))
        return super().restrict(user, action)

    def open(self) -> "ServiceRequestQuerySet":
        return self.filter(status__in=OPEN)

    def assigned_to(self, unit_ids: list[int]) -> "ServiceRequestQuerySet":
        """Requests assigned to any of these departments (a department's queue)."""
        assigned = self.model.departments.through.objects.filter(
            servicerequest=OuterRef("pk"), unit__in=unit_ids
        )
        return self.filter(Exists(assigned))


class RequestStepQuerySet(RestrictedQuerySet):
    """A request's steps are seen with the request."""

    unit_lookup = "request__enterprise__unit"
