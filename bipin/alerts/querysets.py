"""Scoping of alerts, rules and notifications.

Alerts follow the default reach: the supervisor and leaders see every alert, a unit's
people their unit's (and its sub-units'), a data provider its own unit's (the values it has
not submitted); viewers — the big screen — none. A unit's people acknowledge and answer
their own alerts; closing one by hand is the supervisor's. Rules are public, like schemes:
everyone signed in may read how they are warned; only the supervisor changes them. A
notification is its recipient's alone.
"""

from typing import Any, ClassVar, Self

from django.db.models import Q

from bipin.alerts.choices import STANDING, Severity
from bipin.core.choices import Action, Role
from bipin.core.querysets import DEFAULT_REACH, Reach, ReachTable, RestrictedQuerySet

_SUPERVISOR_ONLY = {Role.SUPERVISOR: Reach.ALL}
_UNIT_ROLES = {
    Role.UNIT_MANAGER: Reach.UNIT,
    Role.UNIT_CLERK: Reach.UNIT,
    Role.DATA_PROVIDER: Reach.UNIT,
}


class RuleQuerySet(RestrictedQuerySet):
    reach: ClassVar[ReachTable] = {
        Action.VIEW: dict.fromkeys(Role, Reach.ALL),
        Action.ADD: _SUPERVISOR_ONLY,
        Action.CHANGE: _SUPERVISOR_ONLY,
        Action.DELETE: _SUPERVISOR_ONLY,
    }

    def active(self) -> Self:
        return self.filter(active=True)


class AlertQuerySet(RestrictedQuerySet):
    reach: ClassVar[ReachTable] = {
        Action.VIEW: {**DEFAULT_REACH[Action.VIEW], **_UNIT_ROLES, Role.VIEWER: Reach.NONE},
        Action.ADD: {},
        Action.CHANGE: {Role.SUPERVISOR: Reach.ALL, **_UNIT_ROLES},
        Action.DELETE: {},
    }

    def standing(self) -> Self:
        """Open or acknowledged: what still needs doing."""
        return self.filter(status__in=STANDING)

    def warnings(self) -> Self:
        """Red and yellow, not reminders: what the overview counts."""
        return self.filter(severity__in=(Severity.RED, Severity.YELLOW))

    def for_person(self, user: Any) -> Self:
        """Alerts a person is answerable for: theirs as the responsible person, and the
        ones escalated to them (a manager of the unit, a leader linked to it)."""
        return self.filter(Q(responsible=user) | Q(notifications__recipient=user)).distinct()


class NotificationQuerySet(RestrictedQuerySet):
    def restrict(self, user: Any, action: str = Action.VIEW) -> Self:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> Self:
        return self.filter(read_at__isnull=True)

    def inbox(self) -> Self:
        """What the inbox lists: the messages themselves, not the digests that carried
        them by mail."""
        return self.filter(digest_on__isnull=True)
