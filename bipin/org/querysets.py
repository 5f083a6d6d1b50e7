"""Scoping of the organisation: who sees which units, groups, people and links."""

from typing import Any, ClassVar

from django.db import connection
from tree_queries.query import TreeQuerySet

from bipin.core.choices import Action, Role
from bipin.core.querysets import (
    DEFAULT_REACH,
    Reach,
    ReachTable,
    RestrictedQuerySet,
    reached_unit_ids,
)

_SUPERVISOR_ONLY = {Role.SUPERVISOR: Reach.ALL}


class UnitQuerySet(TreeQuerySet, RestrictedQuerySet):
    """Units: a tree ordered by `order` among siblings.

    Data providers see every unit, since they report their indicators for all of them;
    only the supervisor changes the tree.
    """

    unit_lookup = "pk"
    reach: ClassVar[ReachTable] = {
        Action.VIEW: {
            **DEFAULT_REACH[Action.VIEW],
            Role.DATA_PROVIDER: Reach.ALL,
            Role.VIEWER: Reach.NONE,
        },
        Action.ADD: _SUPERVISOR_ONLY,
        Action.CHANGE: _SUPERVISOR_ONLY,
        Action.DELETE: _SUPERVISOR_ONLY,
    }

    def active(self) -> "UnitQuerySet":
        return self.filter(active=True)

    def reached_by(self, user: Any, scoped: Any, action: str) -> "UnitQuerySet":
        """The units whose rows `user` may `action` in the model that `scoped` (a
        RestrictedQuerySet class) scopes: the same reach as its `restrict`, read for units
        (the units a form or a filter offers)."""
        ids = reached_unit_ids(user, scoped, action)
        return self.all() if ids is None else self.filter(pk__in=ids)

    def subtree_ids(self, root_id: int) -> list[int]:
        """The ids of a unit and every unit below it.

        One recursive query that walks down from the unit only; tree-queries'
        `descendants()` builds the paths of the whole tree first, which costs a province's
        1,500 units on every request.
        """
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE subtree(id) AS ("
                f" SELECT id FROM {table} WHERE id = %s"
                f" UNION ALL SELECT unit.id FROM {table} unit JOIN subtree ON unit.parent_id = subtree.id"
                f") SELECT id FROM subtree",
                [root_id],
            )
            return [row[0] for row in cursor.fetchall()]


class GroupQuerySet(RestrictedQuerySet):
    """Competition groups: who competes with whom is known to every signed-in user
    (the viewers' big screen shows the groups' boards); the supervisor sets them."""

    reach: ClassVar[ReachTable] = {
        Action.VIEW: dict.fromkeys(Role, Reach.ALL),
        Action.ADD: _SUPERVISOR_ONLY,
        Action.CHANGE: _SUPERVISOR_ONLY,
        Action.DELETE: _SUPERVISOR_ONLY,
    }

    def for_year(self, year: int) -> "GroupQuerySet":
        return self.filter(year=year)


class PersonQuerySet(RestrictedQuerySet):
    """People: a unit's people see their colleagues; only the supervisor manages accounts."""

    reach: ClassVar[ReachTable] = {
        Action.VIEW: {**DEFAULT_REACH[Action.VIEW], Role.VIEWER: Reach.NONE},
        Action.ADD: _SUPERVISOR_ONLY,
        Action.CHANGE: _SUPERVISOR_ONLY,
        Action.DELETE: _SUPERVISOR_ONLY,
    }


class LinkQuerySet(RestrictedQuerySet):
    """Leaders' links (挂联): visible to leaders and to the people of the linked object's
    unit; set by the supervisor."""

    reach: ClassVar[ReachTable] = {
        Action.VIEW: {**DEFAULT_REACH[Action.VIEW], Role.VIEWER: Reach.NONE},
        Action.ADD: _SUPERVISOR_ONLY,
        Action.CHANGE: _SUPERVISOR_ONLY,
        Action.DELETE: _SUPERVISOR_ONLY,
    }

    def current(self) -> "LinkQuerySet":
        return self.filter(ended_on__isnull=True)
