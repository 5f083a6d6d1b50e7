"""Audit history of domain models, on django-simple-history.

Every domain model declares `history = History()`. Actions save through
`save_with_history`, so each version records who made it and why; pages show the versions
as a list of field changes with readable old and new values.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

_KINDS = {"+": _("创建"), "~": _("修改"), "-": _("删除")}


class History(HistoricalRecords):
    """simple-history's HistoricalRecords, its table indexed for how it is read: by the
    object's id (with the version's date and user, which simple-history indexes itself).
    The copies of the model's foreign keys and unique fields get no index: each would be
    written with every version and read by nothing (an import writes 50,000 versions)."""

    def copy_fields(self, model: type[models.Model]) -> dict[str, models.Field]:
        fields = super().copy_fields(model)
        for name, field in fields.items():
            if name != model._meta.pk.name:
                field.db_index = False
        return fields


def save_with_history(
    obj: models.Model, *, actor: Any, reason: str = "", **save_kwargs: Any
) -> None:
    """Saves `obj`, recording `actor` and `reason` on the version it writes."""
    obj._history_user = actor  # type: ignore[attr-defined]
    obj._change_reason = reason  # type: ignore[attr-defined]
    obj.save(**save_kwargs)


def delete_with_history(obj: models.Model, *, actor: Any, reason: str = "") -> None:
    obj._history_user = actor  # type: ignore[attr-defined]
    obj._change_reason = reason  # type: ignore[attr-defined]
    obj.delete()


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One version of an object as a page shows it."""

    when: datetime
    who: str
    kind: str
    reason: str
    changes: list[FieldChange]


def history_entries(obj: models.Model, *, limit: int = 50) -> list[HistoryEntry]:
    """The newest `limit` versions of `obj`, each with what changed since the one before.

    Two queries whatever the number of versions, plus one per related model named in a
    change (to show names instead of ids).
    """
    versions = obj.history.select_related("history_user")  # type: ignore[attr-defined]
    records = list(versions.order_by("-history_date", "-history_id")[: limit + 1])
    model = type(obj)
    pairs = [
        (records[i], records[i + 1] if i + 1 < len(records) else None)
        for i in range(min(limit, len(records)))
    ]
    # Many-to-many fields with history (History(m2m_fields=...)): each version's related
    # ids, read in one query per field, compared here rather than by diff_against (which
    # reads them a version at a time and shows the through rows' dicts).
    m2m_fields = list(getattr(versions.model, "_history_m2m_fields", []))
    m2m_ids = {field.name: _m2m_ids(versions.model, field, records) for field in m2m_fields}
    raw: list[tuple[Any, list[tuple[models.Field, Any, Any]]]] = []
    related_ids: dict[type[models.Model], set[Any]] = {}
    for new, old in pairs:
        changed: list[tuple[models.Field, Any, Any]] = []
        if old is not None and new.history_type == "~":
            delta = new.diff_against(old, excluded_fields=list(m2m_ids))
            for change in delta.changes:
                field = model._meta.get_field(change.field)
                assert isinstance(field, models.Field)
                changed.append((field, change.old, change.new))
                related = field.related_model
                if field.many_to_one and isinstance(related, type):
                    related_ids.setdefault(related, set()).update({change.old, change.new} - {None})
            for field in m2m_fields:
                before = m2m_ids[field.name].get(old.pk, frozenset())
                after = m2m_ids[field.name].get(new.pk, frozenset())
                if before != after:
                    changed.append((field, before, after))
                    related_ids.setdefault(field.related_model, set()).update(before | after)
        raw.append((new, changed))
    names = {
        related: {item.pk: str(item) for item in related._default_manager.filter(pk__in=ids)}
        for related, ids in related_ids.items()
    }
    entries = []
    for record, changed in raw:
        changes = [
            FieldChange(
                str(field.verbose_name), _display(field, old, names), _display(field, new, names)
            )
            for field, old, new in changed
        ]
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=str(user) if user else str(_("系统")),
                kind=str(_KINDS.get(record.history_type, record.history_type)),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def _m2m_ids(
    history_model: Any, field: models.ManyToManyField, records: list[Any]
) -> dict[Any, frozenset[Any]]:
    """The ids `field` held in each of `records` (one query)."""
    m2m_history = getattr(history_model, field.name).model
    target = f"{field.m2m_reverse_field_name()}_id"
    held: dict[Any, set[Any]] = {record.pk: set() for record in records}
    rows = m2m_history.objects.filter(history_id__in=list(held)).values_list("history_id", target)
    for history_id, target_id in rows:
        held[history_id].add(target_id)
    return {history_id: frozenset(ids) for history_id, ids in held.items()}


def _display(
    field: models.Field, value: Any, names: dict[type[models.Model], dict[Any, str]]
) -> str:
    if field.many_to_many:
        shown = [names.get(field.related_model, {}).get(pk, f"#{pk}") for pk in value]  # type: ignore[arg-type]
        return "、".join(sorted(shown)) or "—"
    if value is None or value == "":
        return "—"
    if field.is_relation and field.many_to_one:
        return names.get(field.related_model, {}).get(value, f"#{value}")  # type: ignore[arg-type]
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, datetime):
        # In the local time zone, to the minute, as every page shows a moment.
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, list):
        # A JSON list (a target's monthly phasing): its items, not Python's repr.
        return "、".join(str(item) for item in value) or "—"
    return str(value)


#: How many rows one INSERT ... SELECT of record_versions copies (the ids are parameters,
#: and SQLite allows 32,766 of them in a statement).
_VERSIONS_BATCH = 5000


@cache
def _history_model(model: type[models.Model]) -> Any:
    """The historical model of `model` (`model.history` makes a new manager each time)."""
    return model.history.model  # type: ignore[attr-defined]


def record_versions(
    model: type[models.Model], pks: Iterable[Any], *, actor: Any, reason: str, kind: str = "+"
) -> None:
    """Records a version of each of `pks` as its row stands in the table, with who, when and
    why: what simple-history's bulk_create_with_history and bulk_update_with_history write
    (kind "+" and "~"), copied by the database in one INSERT ... SELECT per few thousand rows
    instead of a historical object built per row (the Excel imports write tens of thousands
    of rows with their history)."""
    ids = list(pks)
    if not ids:
        return
    history = _history_model(model)
    tracked = [connection.ops.quote_name(field.column) for field in history.tracked_fields]
    names = ", ".join(tracked)
    meta = ("history_date", "history_change_reason", "history_type", "history_user_id")
    sql = (
        f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} "
        f"({names}, {', '.join(connection.ops.quote_name(name) for name in meta)}) "
        f"SELECT {names}, %s, %s, %s, %s FROM {connection.ops.quote_name(model._meta.db_table)} "
        f"WHERE {connection.ops.quote_name(model._meta.pk.column)} IN "
    )
    reason_length = history._meta.get_field("history_change_reason").max_length
    params = [
        connection.ops.adapt_datetimefield_value(timezone.now()),
        reason[:reason_length],
        kind,
        getattr(actor, "pk", None),
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _VERSIONS_BATCH):
            batch = ids[start : start + _VERSIONS_BATCH]
            cursor.execute(sql + f"({', '.join(['%s'] * len(batch))})", [*params, *batch])
