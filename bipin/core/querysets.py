"""The scoping queryset: the one place that decides who may see and change what.

Every query that returns domain objects goes through `Model.objects.restrict(user, action)`
(DESIGN.md). A user who may not see an object does not find it: views and the API turn an
empty lookup into 404, so a forbidden object's existence never leaks.
"""

from collections.abc import Mapping
from enum import Enum
from typing import Any, ClassVar, Protocol, Self

from django.db import models

from bipin.core.choices import Action, Role


class Reach(Enum):
    """How far a role reaches for one action on one model."""

    ALL = "all"  # every row
    UNIT = "unit"  # rows of the user's unit and its sub-units
    PUBLISHED = "published"  # rows the model calls published (viewers, the big screen)
    NONE = "none"


class ScopedUser(Protocol):
    """What the scoping needs of a user; `org.User` provides it."""

    is_authenticated: bool
    is_active: bool
    is_superuser: bool
    role: str

    def scope_unit_ids(self) -> list[int]: ...


_VIEW_ALL_ROLES = {Role.SUPERVISOR: Reach.ALL, Role.LEADER: Reach.ALL}
_UNIT_ROLES = {Role.UNIT_MANAGER: Reach.UNIT, Role.UNIT_CLERK: Reach.UNIT}

#: The default reach: supervisors and leaders see everything, a unit's people see their unit
#: and its sub-units, data providers their own unit (models whose rows they report on for
#: every unit widen this), viewers published results only. Writes: the supervisor anywhere,
#: a unit's people within their unit.
#: Per action, per role; keys are the str values of Action and Role.
ReachTable = Mapping[Any, Mapping[Any, Reach]]

DEFAULT_REACH: ReachTable = {
    Action.VIEW: {
        **_VIEW_ALL_ROLES,
        **_UNIT_ROLES,
        Role.DATA_PROVIDER: Reach.UNIT,
        Role.VIEWER: Reach.PUBLISHED,
    },
    Action.ADD: {Role.SUPERVISOR: Reach.ALL, **_UNIT_ROLES},
    Action.CHANGE: {Role.SUPERVISOR: Reach.ALL, **_UNIT_ROLES},
    Action.DELETE: {Role.SUPERVISOR: Reach.ALL, **_UNIT_ROLES},
}


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to what a user may do.

    Subclasses say how a row reaches its unit (`unit_lookup`) and, where a model differs
    from the default, override `reach`; models with a notion of "published" override
    `published()`.
    """

    #: The lookup from this model to its unit's primary key, e.g. "responsible_unit";
    #: "pk" for the unit model itself.
    unit_lookup: ClassVar[str] = "unit"
    #: Per action, per role, how far the role reaches; roles not listed reach nothing.
    reach: ClassVar[ReachTable] = DEFAULT_REACH

    def restrict(self, user: Any, action: str = Action.VIEW) -> Self:
        """Rows of this queryset that `user` may `action`; none for an anonymous user."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        if action not in self.reach:
            raise ValueError(f"unknown action {action!r} for {self.model.__name__}")
        match self.reach[action].get(user.role, Reach.NONE):
            case Reach.ALL:
                return self.all()
            case Reach.UNIT:
                lookup = "pk" if self.unit_lookup == "pk" else f"{self.unit_lookup}_id"
                return self.filter(**{f"{lookup}__in": user.scope_unit_ids()})
            case Reach.PUBLISHED:
                return self.published()
            case _:
                return self.none()

    def published(self) -> Self:
        """Rows that viewers may see; nothing unless the model publishes results."""
        return self.none()

    def can(self, user: Any, action: str, obj: models.Model) -> bool:
        """Whether `user` may `action` the object `obj` (one query)."""
        return self.model._default_manager.all().restrict(user, action).filter(pk=obj.pk).exists()


def reached_unit_ids(user: Any, scoped: Any, action: str) -> set[int] | None:
    """The units whose rows `user` may `action` in the model that `scoped` (a
    RestrictedQuerySet, or its class) scopes, read off its reach table: None for every
    unit, else their ids. Forms offer these units, importers check each row's unit against
    them without a query per row; both agree with `restrict` by construction."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    match scoped.reach.get(action, {}).get(user.role, Reach.NONE):
        case Reach.ALL:
            return None
        case Reach.UNIT:
            return set(user.scope_unit_ids())
        case _:
            return set()
