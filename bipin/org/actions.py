"""Writes of the organisation: units, groups, people and links.

Each action is one transaction, validates the whole object, and records who did it and
why in the object's history. Views, the API, imports and commands all call these.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from bipin.core import bulk
from bipin.core.history import delete_with_history, record_versions, save_with_history
from bipin.org.models import Group, GroupMember, Link, Unit, User, linkable_models

UNIT_FIELDS = ("kind", "code", "name", "short_name", "parent", "order", "active")
GROUP_FIELDS = ("year", "code", "name", "order")
PERSON_FIELDS = ("username", "name", "title", "phone", "email", "unit", "role", "is_active")


def _apply(obj: models.Model, changes: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))} of {type(obj).__name__}")
    for name, value in changes.items():
        setattr(obj, name, value)


@transaction.atomic
def do_create_unit(*, actor: User, reason: str = "", **fields: Any) -> Unit:
    unit = Unit()
    _apply(unit, fields, UNIT_FIELDS)
    unit.full_clean()
    save_with_history(unit, actor=actor, reason=reason or _("新建单位"))
    return unit


@transaction.atomic
def do_update_unit(unit: Unit, *, actor: User, reason: str = "", **changes: Any) -> Unit:
    """Changes a unit; moving it under one of its own descendants is refused."""
    _apply(unit, changes, UNIT_FIELDS)
    unit.full_clean()  # TreeNode.clean refuses a loop in the tree
    save_with_history(unit, actor=actor, reason=reason)
    return unit


def _check_members(group: Group, units: list[Unit]) -> None:
    """A unit competes in one group a year: name the units that already do elsewhere."""
    taken = (
        GroupMember.objects.filter(year=group.year, unit__in=units)
        .exclude(group_id=group.pk)
        .select_related("unit", "group")
    )
    clashes = [
        _("%(unit)s 已在 %(group)s") % {"unit": m.unit.name, "group": m.group.name} for m in taken
    ]
    if clashes:
        raise ValidationError(
            {"members": _("每个单位每年只能参加一个比拼组：") + "；".join(clashes)}
        )


@transaction.atomic
def do_create_group(
    *, actor: User, members: Iterable[Unit] = (), reason: str = "", **fields: Any
) -> Group:
    group = Group()
    _apply(group, fields, GROUP_FIELDS)
    group.full_clean()
    save_with_history(group, actor=actor, reason=reason or _("新建比拼组"))
    _set_members(group, list(members), actor=actor, reason=reason)
    return group


@transaction.atomic
def do_update_group(
    group: Group,
    *,
    actor: User,
    members: Iterable[Unit] | None = None,
    reason: str = "",
    **changes: Any,
) -> Group:
    _apply(group, changes, GROUP_FIELDS)
    group.full_clean()
    units = (
        list(members)
        if members is not None
        else [m.unit for m in group.memberships.select_related("unit")]
    )
    _check_members(group, units)
    save_with_history(group, actor=actor, reason=reason)
    # Memberships carry the group's year, so that the database keeps a unit in one group a
    # year; when the year changed (a form may already have set it on `group`), they follow.
    for membership in group.memberships.exclude(year=group.year):
        membership.year = group.year
        save_with_history(membership, actor=actor, reason=reason)
    if members is not None:
        _set_members(group, list(members), actor=actor, reason=reason)
    return group


def _set_members(group: Group, units: list[Unit], *, actor: User, reason: str) -> None:
    _check_members(group, units)
    current = {m.unit_id: m for m in group.memberships.all()}
    wanted = {unit.pk for unit in units}
    for unit_id, membership in current.items():
        if unit_id not in wanted:
            delete_with_history(membership, actor=actor, reason=reason or _("退出比拼组"))
    for unit in units:
        if unit.pk not in current:
            membership = GroupMember(group=group, unit=unit, year=group.year)
            save_with_history(membership, actor=actor, reason=reason or _("加入比拼组"))


@transaction.atomic
def do_create_person(
    *, actor: User, password: str | None = None, reason: str = "", **fields: Any
) -> User:
    """A new account; without a password it cannot sign in until one is set."""
    person = User()
    _apply(person, fields, PERSON_FIELDS)
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean()
    save_with_history(person, actor=actor, reason=reason or _("新建用户"))
    return person


@transaction.atomic
def do_update_person(person: User, *, actor: User, reason: str = "", **changes: Any) -> User:
    if person.pk == actor.pk and changes.get("is_active") is False:
        raise ValidationError({"is_active": _("不能停用自己的账号。")})
    _apply(person, changes, PERSON_FIELDS)
    person.full_clean()
    save_with_history(person, actor=actor, reason=reason)
    return person


@transaction.atomic
def do_set_password(person: User, *, actor: User, password: str) -> None:
    """Sets a person's password (the history says it was reset, never what to)."""
    person.set_password(password)
    save_with_history(person, actor=actor, reason=_("重置密码"))


@transaction.atomic
def do_create_link(
    *,
    actor: User,
    leader: User,
    target: models.Model,
    started_on: date,
    duty: str = "",
    note: str = "",
) -> Link:
    """Links a leader to an object of a linkable model (a unit, a project, an enterprise);
    the link remembers the object's unit for scoping."""
    [link] = do_create_links(
        actor=actor, pairs=[(leader, target, started_on)], duty=duty, note=note
    )
    return link


@transaction.atomic
def do_create_links(
    *,
    actor: User,
    pairs: Sequence[tuple[User, models.Model, date]],
    duty: str = "",
    note: str = "",
    reason: str = "",
) -> list[Link]:
    """Links each (leader, object, start date) of `pairs`, as do_create_link does one: the
    links already current read in one query whatever the number of pairs, the new ones
    written in one statement with their history (an Excel import links thousands). A
    refused pair refuses them all, with the leader and object it names."""
    links: list[Link] = []
    by_type: dict[int, set[int]] = {}
    for leader, target, started_on in pairs:
        if target._meta.label_lower not in linkable_models:
            raise ValidationError(_("该类对象不能设置挂联领导。"))
        if leader.role != "leader":
            raise ValidationError({"leader": _("挂联人必须是区领导。")})
        content_type = ContentType.objects.get_for_model(target)
        link = Link(
            leader=leader,
            content_type=content_type,
            object_id=target.pk,
            unit_id=target.link_unit_id,  # type: ignore[attr-defined]
            duty=duty,
            note=note,
            started_on=started_on,
        )
        # The keys are the objects at hand; the one-current-link rule is checked below
        # for the whole batch, instead of a query per link and rule.
        link.full_clean(exclude=["leader", "content_type", "unit"], validate_constraints=False)
        links.append(link)
        by_type.setdefault(content_type.pk, set()).add(target.pk)
    current = Q()
    for type_id, object_ids in by_type.items():
        current |= Q(content_type_id=type_id, object_id__in=object_ids)
    taken = set(
        Link.objects.current()
        .filter(current, leader__in={leader.pk for leader, _target, _on in pairs})
        .values_list("leader_id", "content_type_id", "object_id")
    )
    for link, (leader, target, _on) in zip(links, pairs, strict=True):
        key = (link.leader_id, link.content_type_id, link.object_id)
        if key in taken:
            raise ValidationError(
                {
                    "leader": _("%(leader)s 已挂联“%(target)s”。")
                    % {"leader": leader, "target": target}
                }
            )
        taken.add(key)
    bulk.insert(links)
    record_versions(Link, [link.pk for link in links], actor=actor, reason=reason or _("设置挂联"))
    return links


@transaction.atomic
def do_end_link(link: Link, *, actor: User, ended_on: date, reason: str = "") -> Link:
    """Ends a link; the row stays, so the history of who was responsible when is kept."""
    if link.ended_on is not None:
        raise ValidationError(_("该挂联已于 %(date)s 结束。") % {"date": link.ended_on})
    if ended_on < link.started_on:
        raise ValidationError({"ended_on": _("结束日期不能早于开始日期。")})
    link.ended_on = ended_on
    save_with_history(link, actor=actor, reason=reason or _("结束挂联"))
    return link
