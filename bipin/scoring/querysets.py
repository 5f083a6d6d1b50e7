"""Scoping of the competition's schemes, runs and scores, and of the 亩均 evaluation.

How a group is scored is known to everyone signed in (a fair competition has public rules);
results reach units and viewers only once published; a unit reads the breakdown of its own
scores (and of its sub-units'), the supervisor and leaders every breakdown and every draft
(issue 6: "a unit sees its own breakdown and the published board"). The big screen (viewer)
shows every published 成绩单.
"""

from typing import Any, ClassVar, Self

from django.db.models import Q

from bipin.core.choices import Action, Role
from bipin.core.querysets import DEFAULT_REACH, Reach, ReachTable, RestrictedQuerySet
from bipin.scoring.choices import RunStatus

_SUPERVISOR_ONLY = {Role.SUPERVISOR: Reach.ALL}
_EVERYONE = dict.fromkeys(Role, Reach.ALL)
#: Results: drafts for the supervisor and leaders, the published rest for everyone else.
_RESULTS: ReachTable = {
    Action.VIEW: {
        Role.SUPERVISOR: Reach.ALL,
        Role.LEADER: Reach.ALL,
        Role.UNIT_MANAGER: Reach.PUBLISHED,
        Role.UNIT_CLERK: Reach.PUBLISHED,
        Role.DATA_PROVIDER: Reach.PUBLISHED,
        Role.VIEWER: Reach.PUBLISHED,
    },
    Action.ADD: _SUPERVISOR_ONLY,
    Action.CHANGE: _SUPERVISOR_ONLY,
    Action.DELETE: _SUPERVISOR_ONLY,
}


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


class SchemeQuerySet(RestrictedQuerySet):
    """Schemes: read by everyone signed in, written by the supervisor."""

    reach: ClassVar[ReachTable] = {
        Action.VIEW: _EVERYONE,
        Action.ADD: _SUPERVISOR_ONLY,
        Action.CHANGE: _SUPERVISOR_ONLY,
        Action.DELETE: _SUPERVISOR_ONLY,
    }


class RunQuerySet(RestrictedQuerySet):
    reach: ClassVar[ReachTable] = _RESULTS

    def published(self) -> Self:
        return self.filter(status=RunStatus.PUBLISHED)

    def drafts(self) -> Self:
        return self.filter(status=RunStatus.DRAFT)

    def for_period(self, year: int, month: int) -> Self:
        return self.filter(year=year, month=month)

    def current(self) -> Self:
        """Published runs that no later published run corrects: what the board shows."""
        return self.published().exclude(
            corrections__status=RunStatus.PUBLISHED,
        )


class ScoreQuerySet(RestrictedQuerySet):
    """Scores: the board (total, rank, colour) of a published run is everyone's to read."""

    reach: ClassVar[ReachTable] = _RESULTS

    def published(self) -> Self:
        return self.filter(run__status=RunStatus.PUBLISHED)

    def with_breakdown(self, user: Any) -> Self:
        """Scores whose 成绩单 lines `user` may read: every one for the supervisor, leaders
        and the big screen (published ones for the screen), a unit's people their own
        unit's and its sub-units' of published runs."""
        if not _signed_in(user):
            return self.none()
        if user.is_superuser or user.role in (Role.SUPERVISOR, Role.LEADER):
            return self.all()
        if user.role == Role.VIEWER:
            return self.published()
        return self.published().filter(unit__in=user.scope_unit_ids())


class EvaluationSchemeQuerySet(RestrictedQuerySet):
    unit_lookup = "pk"
    reach: ClassVar[ReachTable] = {
        Action.VIEW: _EVERYONE,
        Action.ADD: _SUPERVISOR_ONLY,
        Action.CHANGE: _SUPERVISOR_ONLY,
        Action.DELETE: _SUPERVISOR_ONLY,
    }


class FiguresQuerySet(RestrictedQuerySet):
    """An enterprise's 亩均 figures: the supervisor and leaders see all, a town's people
    their town's enterprises; the supervisor enters them (from the bureaus' sheets)."""

    unit_lookup = "enterprise__unit"
    reach: ClassVar[ReachTable] = {
        Action.VIEW: {**DEFAULT_REACH[Action.VIEW], Role.VIEWER: Reach.NONE},
        Action.ADD: _SUPERVISOR_ONLY,
        Action.CHANGE: _SUPERVISOR_ONLY,
        Action.DELETE: _SUPERVISOR_ONLY,
    }


class EvaluationQuerySet(RestrictedQuerySet):
    unit_lookup = "pk"
    reach: ClassVar[ReachTable] = _RESULTS

    def published(self) -> Self:
        return self.filter(status=RunStatus.PUBLISHED)


class EvaluationResultQuerySet(RestrictedQuerySet):
    """Results: drafts for the supervisor and leaders; published ones for a town's people
    (their own enterprises) and the big screen."""

    reach: ClassVar[ReachTable] = _RESULTS

    def published(self) -> Self:
        return self.filter(evaluation__status=RunStatus.PUBLISHED)

    def restrict(self, user: Any, action: str = Action.VIEW) -> Self:
        scoped = super().restrict(user, action)
        if (
            action == Action.VIEW
            and _signed_in(user)
            and not user.is_superuser
            and user.role in (Role.UNIT_MANAGER, Role.UNIT_CLERK, Role.DATA_PROVIDER)
        ):
            return scoped.filter(Q(unit__in=user.scope_unit_ids()))
        return scoped
