"""Bulk writes for the Excel imports, which write tens of thousands of rows at a time.

QuerySet.bulk_create compiles every value of every row through the SQL compiler, and
spends more time there than the database spends inserting (benchmarks/imports.py).
`insert` writes the same rows with the statement built once per batch size and each value
prepared by its field directly, skipping the preparation where the field's own would
return the value unchanged.
"""

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

#: The Field classes whose value preparation returns a value of their Python type as it
#: is (a str, or a str subclass such as a TextChoices member, for the text fields; an int
#: for the integer ones, an auto key's backend check refusing only MySQL's 0; a bool for
#: BooleanField; a Decimal for DecimalField, whose preparation only makes the Decimal again
#: and hands it to the backend's adapt_decimalfield_value, which returns it unchanged on
#: every backend of Django 5.2). A Field subclass that overrides any step of the
#: preparation is prepared as usual.
_PLAIN_TYPES: dict[type[models.Field], type] = {
    models.CharField: str,
    models.TextField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.BooleanField: bool,
    models.DecimalField: Decimal,
    models.AutoField: int,
    models.BigAutoField: int,
    models.SmallAutoField: int,
}
_PREPARATION = ("get_db_prep_save", "get_db_prep_value", "get_prep_value", "to_python")

Preparer = Callable[[Any], Any]


def _plain_type(field: models.Field) -> type | None:
    """The Python type whose values `field` stores unprepared, if any (a foreign key:
    that of the field it points at)."""
    if isinstance(field, models.ForeignKey):
        return _plain_type(field.target_field)
    for cls in type(field).__mro__:
        plain = _PLAIN_TYPES.get(cls)
        if plain is not None:
            return plain if _unchanged(field, cls) else None
    return None


def _unchanged(field: models.Field, cls: type[models.Field]) -> bool:
    """Whether `field` prepares its values as `cls` does."""
    return isinstance(field, cls) and not any(
        getattr(type(field), name) is not getattr(cls, name) for name in _PREPARATION
    )


def _preparer(field: models.Field, db: BaseDatabaseWrapper) -> tuple[type | None, Preparer]:
    """The type of the values `field` stores as they are (None, stored as it is, aside),
    and the preparation of other values."""
    plain = _plain_type(field)
    if plain is None and _unchanged(field, models.DateField):
        adapt = db.ops.adapt_datefield_value  # what DateField's preparation comes to

        def prepared_date(value: Any) -> Any:
            return adapt(value) if type(value) is date else field.get_db_prep_save(value, db)

        return None, prepared_date
    return plain, functools.partial(field.get_db_prep_save, connection=db)


def _related_pk(obj: models.Model, relation: models.ForeignKey) -> Any:
    """The key of an object assigned to `relation` before it was saved (Django's
    _prepare_related_fields_for_save does this for bulk_create)."""
    if not relation.is_cached(obj):
        return None
    related = relation.get_cached_value(obj)
    if related is None:
        return None
    if related.pk is None:
        raise ValueError(f"{relation.name} of {obj!r} is not saved")
    return related.pk


def insert(objects: Sequence[models.Model]) -> None:
    """INSERTs new instances of one model, as QuerySet.bulk_create does for a model without
    multi-table inheritance or auto_now fields, many rows a statement; sets the primary
    keys the database gives. The values are those on the objects (defaults are filled in
    when an instance is made)."""
    if not objects:
        return
    model = type(objects[0])
    if any(obj.pk is not None for obj in objects) or not _insertable(model):
        model._default_manager.bulk_create(objects)
        return
    columns = _columns(model)
    relations = [
        (index, field)
        for index, field in enumerate(columns)
        if isinstance(field, models.ForeignKey)
    ]
    rows = []
    for obj in objects:
        row = [getattr(obj, field.attname) for field in columns]
        for index, relation in relations:
            if row[index] is None:
                row[index] = _related_pk(obj, relation)
        rows.append(row)
    db = connections[router.db_for_write(model)]
    for obj, key in zip(objects, _insert(model, columns, rows), strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = db.alias


def insert_rows(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[Any]:
    """INSERTs rows given as values of the attributes `names` (every column of the model
    but its primary key), without making an instance per row; returns their primary keys."""
    by_name = {field.attname: field for field in _columns(model)}
    if sorted(names) != sorted(by_name):
        raise ValueError(f"insert_rows of {model.__name__} needs every column, in any order")
    if not _insertable(model):
        objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objects)
        return [obj.pk for obj in objects]
    return _insert(model, [by_name[name] for name in names], rows)


def _columns(model: type[models.Model]) -> list[models.Field]:
    pk = model._meta.pk
    return [field for field in model._meta.concrete_fields if field is not pk]


def _insertable(model: type[models.Model]) -> bool:
    """Whether `_insert` writes the model as bulk_create would (else bulk_create does)."""
    db = connections[router.db_for_write(model)]
    return (
        not model._meta.parents
        and db.features.can_return_rows_from_bulk_insert
        and not any(
            getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            for field in _columns(model)
        )
    )


def _insert(
    model: type[models.Model], columns: Sequence[models.Field], rows: Sequence[Sequence[Any]]
) -> list[Any]:
    """Rows of values of `columns`, prepared and inserted many to a statement; their keys."""
    if not rows:
        return []
    db = connections[router.db_for_write(model)]
    preparers = [_preparer(field, db) for field in columns]
    quote = db.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    batch_size = db.ops.bulk_batch_size(list(columns), rows) or len(rows)
    head = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in columns)}) VALUES "
    )
    placeholders = f"({', '.join(['%s'] * len(columns))})"
    returning = f" RETURNING {quote(pk.column)}"
    keys: list[Any] = []
    with db.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            params = []
            for row in chunk:
                # Inline, not a call per value: the values of a few hundred thousand rows.
                for value, (plain, prepare) in zip(row, preparers, strict=True):
                    if (
                        value is None
                        or (type(value) is plain and (plain is not Decimal or value.is_finite()))
                        or (plain is str and isinstance(value, str))
                    ):
                        params.append(value)
                    else:
                        params.append(prepare(value))
            cursor.execute(head + ", ".join([placeholders] * len(chunk)) + returning, params)
            keys.extend(key for (key,) in cursor.fetchall())
    return keys


@contextlib.contextmanager
def collecting_at_the_end() -> Iterator[None]:
    """Pauses the cyclic garbage collector for a bulk job and lets it run after.

    An import keeps its rows, checks and previews alive to its end, and the collector's
    passes over these tens of thousands of objects took a fifth of the import's time
    (benchmarks/imports.py). What the job drops is still freed at once by reference
    counting; only reference cycles wait for the end. The collector is the process's, so
    other threads of a worker see the pause too, for as long as the import runs.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
