"""Scoping of indicators, targets and values: who sees and who writes which numbers.

Two kinds of owner (DESIGN.md, "Users"): an indicator with a data provider (区统计局 for
固定资产投资) has its values written by that department for every unit; an indicator
without one is reported by each unit itself. The queryset decides who may see and write a
value; approving is a rule of the workflow (actions.check_value_step).
"""

from typing import Any, ClassVar, Self

from django.db.models import Q

from bipin.core.choices import Action, Role
from bipin.core.querysets import DEFAULT_REACH, Reach, ReachTable, RestrictedQuerySet
from bipin.indicators.choices import Source

_SUPERVISOR_ONLY = {Role.SUPERVISOR: Reach.ALL}
_WRITERS = (Role.UNIT_MANAGER, Role.UNIT_CLERK)


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


class IndicatorQuerySet(RestrictedQuerySet):
    """The catalogue is read by everyone signed in (the big screen names its items) and
    kept by the supervisor."""

    unit_lookup = "provider"
    reach: ClassVar[ReachTable] = {
        Action.VIEW: dict.fromkeys(Role, Reach.ALL),
        Action.ADD: _SUPERVISOR_ONLY,
        Action.CHANGE: _SUPERVISOR_ONLY,
        Action.DELETE: _SUPERVISOR_ONLY,
    }

    def active(self) -> Self:
        return self.filter(active=True)

    def manual(self) -> Self:
        return self.filter(source=Source.MANUAL)

    def derived(self) -> Self:
        return self.filter(source=Source.DERIVED)

    def owned_by(self, user: Any) -> Self:
        """Indicators whose values `user` writes: a data provider's own indicators; for a
        unit's people, the indicators every unit reports itself."""
        if not _signed_in(user):
            return self.none()
        if user.is_superuser or user.role == Role.SUPERVISOR:
            return self.manual()
        if user.role == Role.DATA_PROVIDER:
            return self.manual().filter(provider__in=user.scope_unit_ids())
        if user.role in _WRITERS:
            return self.manual().filter(provider__isnull=True)
        return self.none()


class TargetQuerySet(RestrictedQuerySet):
    """Targets are the supervisor's to set; a unit's people see their unit's targets, a
    data provider the targets of its indicators for every unit, leaders all."""

    reach: ClassVar[ReachTable] = {
        Action.VIEW: {**DEFAULT_REACH[Action.VIEW], Role.VIEWER: Reach.NONE},
        Action.ADD: _SUPERVISOR_ONLY,
        Action.CHANGE: _SUPERVISOR_ONLY,
        Action.DELETE: _SUPERVISOR_ONLY,
    }

    def restrict(self, user: Any, action: str = Action.VIEW) -> Self:
        if _signed_in(user) and user.role == Role.DATA_PROVIDER and action == Action.VIEW:
            units = user.scope_unit_ids()
            return self.filter(Q(unit__in=units) | Q(indicator__provider__in=units))
        return super().restrict(user, action)

    def for_year(self, year: int) -> Self:
        return self.filter(year=year)


class ValueQuerySet(RestrictedQuerySet):
    """Values: supervisors and leaders see all; a unit's people see their unit's values
    (and those of its sub-units); a data provider sees the values of its indicators for
    every unit and its own unit's. Viewers see none: they see published runs.

    Writing (action "change") follows the owner: the people of the unit for an indicator
    every unit reports itself, the data provider's people for its indicators; the
    supervisor may write any (after the period locks, only the supervisor may, with a
    reason: actions.do_correct_value). Derived values are nobody's to write.
    """

    reach: ClassVar[ReachTable] = {
        Action.VIEW: {**DEFAULT_REACH[Action.VIEW], Role.VIEWER: Reach.NONE},
        Action.ADD: {Role.SUPERVISOR: Reach.ALL},
        Action.CHANGE: {Role.SUPERVISOR: Reach.ALL},
        Action.DELETE: {Role.SUPERVISOR: Reach.ALL},
    }

    def restrict(self, user: Any, action: str = Action.VIEW) -> Self:
        if not _signed_in(user):
            return self.none()
        if action == Action.VIEW and user.role == Role.DATA_PROVIDER:
            units = user.scope_unit_ids()
            return self.filter(Q(unit__in=units) | Q(indicator__provider__in=units))
        if action in (Action.ADD, Action.CHANGE, Action.DELETE):
            if user.is_superuser or user.role == Role.SUPERVISOR:
                return self.filter(indicator__source=Source.MANUAL)
            units = user.scope_unit_ids()
            manual = self.filter(indicator__source=Source.MANUAL)
            if user.role == Role.DATA_PROVIDER:
                return manual.filter(indicator__provider__in=units)
            if user.role in _WRITERS:
                return manual.filter(indicator__provider__isnull=True, unit__in=units)
            return self.none()
        return super().restrict(user, action)

    def sees_cell(self, user: Any, indicator: Any, unit_id: int) -> bool:
        """Whether `restrict(user, "view")` holds the value of `indicator` for the unit
        `unit_id`, whether or not that value exists yet (the list of values not submitted
        shows only the cells the user would see once they are)."""
        if not _signed_in(user):
            return False
        if user.is_superuser or user.role in (Role.SUPERVISOR, Role.LEADER):
            return True
        units = user.scope_unit_ids()
        if user.role == Role.DATA_PROVIDER:
            return indicator.provider_id in units or unit_id in units
        return user.role in _WRITERS and unit_id in units

    def for_period(self, year: int, month: int) -> Self:
        return self.filter(year=year, month=month)

    def for_steps(self) -> Self:
        """With what the workflow's checks read of each value: its indicator and unit."""
        return self.select_related("indicator", "unit")


class ReportingPeriodQuerySet(RestrictedQuerySet):
    """The months of the collection, their deadlines and whether they are closed: known to
    everyone who reports or reads numbers; opened and closed by the supervisor."""

    unit_lookup = "pk"  # unused: every role that sees periods sees all of them
    reach: ClassVar[ReachTable] = {
        Action.VIEW: {**dict.fromkeys(Role, Reach.ALL), Role.VIEWER: Reach.NONE},
        Action.ADD: _SUPERVISOR_ONLY,
        Action.CHANGE: _SUPERVISOR_ONLY,
        Action.DELETE: _SUPERVISOR_ONLY,
    }
