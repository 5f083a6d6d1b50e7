"""Audit history of domain models, on django-simple-history.

Every domain model declares `history = HistoricalRecords()`. Actions save through
`save_with_history`, so each version records who made it and why; pages show the versions
as a list of field changes with readable old and new values.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

_KINDS = {"+": _("创建"), "~": _("修改"), "-": _("删除")}


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
    raw: list[tuple[Any, list[tuple[models.Field, Any, Any]]]] = []
    related_ids: dict[type[models.Model], set[Any]] = {}
    for new, old in pairs:
        changed: list[tuple[models.Field, Any, Any]] = []
        if old is not None and new.history_type == "~":
            delta = new.diff_against(old)
            for change in delta.changes:
                field = model._meta.get_field(change.field)
                assert isinstance(field, models.Field)
                changed.append((field, change.old, change.new))
                related = field.related_model
                if field.many_to_one and isinstance(related, type):
                    related_ids.setdefault(related, set()).update({change.old, change.new} - {None})
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


def _display(
    field: models.Field, value: Any, names: dict[type[models.Model], dict[Any, str]]
) -> str:
    if value is None or value == "":
        return "—"
    if field.is_relation and field.many_to_one:
        return names.get(field.related_model, {}).get(value, f"#{value}")  # type: ignore[arg-type]
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    return str(value)
