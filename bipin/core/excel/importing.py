"""The flow every Excel import shares: who may import, the book and its table, the rows
read and checked, then written in one transaction that is rolled back on any error or in
a dry run. Each kind says only how it reads, checks and writes its rows (a subclass of
TableImport) and calls `run_import`.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, ClassVar, Generic

from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from bipin.core.choices import Action
from bipin.core.excel.columns import Column
from bipin.core.excel.reading import (
    Book,
    BookError,
    Table,
    find_table,
    source_name,
    writable_unit_ids,
)
from bipin.core.excel.report import ImportReport, P
from bipin.core.querysets import RestrictedQuerySet

Progress = Callable[[int, int], None]


class TableImport(Generic[P]):
    """One import of one table. A kind subclasses it with its model, its columns and the
    message for a user who may import nothing, and implements the three steps:

    - `read()`: every row parsed and checked against what the book alone can tell (the
      book is open), errors to the report; returns the rows planned for writing;
    - `check(planned)`: what needs the database (codes, existing records, scope);
    - `write(planned, progress)`: the rows written through the kind's actions, inside the
      import's transaction; errors to the report.
    """

    model: ClassVar[type[models.Model]]
    refusal: ClassVar["str | Promise"]

    def __init__(
        self,
        table: Table,
        report: ImportReport[P],
        actor: Any,
        scope_add: set[int] | None,
        scope_change: set[int] | None,
    ) -> None:
        self.table = table
        self.report = report
        self.actor = actor
        #: The units whose records the user may add and change (None: every unit).
        self.scope_add = scope_add
        self.scope_change = scope_change
        self.reason = _("Excel 导入：%(file)s") % {"file": report.source or table.title}

    @staticmethod
    def columns() -> Sequence[Column]:
        raise NotImplementedError

    def error(self, row: int | None, key: str | None, message: str) -> None:
        """An error at the column of `key` in `row` (the row's when the sheet lacks it)."""
        self.table.error(self.report, row, key, message)

    def read(self) -> list[Any]:
        raise NotImplementedError

    def check(self, planned: list[Any]) -> None:
        """Nothing to check against the database unless a kind says so."""

    def write(self, planned: list[Any], progress: Progress | None) -> None:
        raise NotImplementedError


def run_import(
    kind: type[TableImport[P]],
    source: str | Path | IO[bytes],
    *,
    actor: Any,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport[P]:
    """Imports a sheet of `kind` (.xlsx): all or nothing.

    Returns the report: every error with its sheet, row and column (nothing written when
    there is one), and each row with its outcome. A dry run does everything but keep it.
    """
    report: ImportReport[P] = ImportReport(source=source_name(source), dry_run=dry_run)
    everything: RestrictedQuerySet = kind.model._default_manager.all()  # type: ignore[assignment]
    scope_add = writable_unit_ids(actor, everything, Action.ADD)
    scope_change = writable_unit_ids(actor, everything, Action.CHANGE)
    if scope_add == set() and scope_change == set():
        report.error(str(kind.refusal), sheet="")
        return report
    try:
        book = Book(source)
    except BookError as error:
        report.error(str(error), sheet="")
        return report
    with book:
        table = find_table(book, kind.columns(), report)
        if table is None:
            return report
        report.sheet = table.title
        importer = kind(table, report, actor, scope_add, scope_change)
        planned = importer.read()
    importer.check(planned)
    with transaction.atomic():
        importer.write(planned, progress)
        if report.errors or dry_run:
            transaction.set_rollback(True)
    if report.errors:
        # The preview of rows that were applied before the rollback would mislead.
        report.rows = []
        report.errors.sort(
            key=lambda error: (error.row or 0, len(error.column or ""), error.column or "")
        )
    report.written = not report.errors and not dry_run
    return report
