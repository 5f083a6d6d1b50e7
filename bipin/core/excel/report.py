"""What an import found and did: errors that name their cell, and the rows applied."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Outcome(models.TextChoices):
    """What an import did with a row."""

    CREATED = "created", gettext_lazy("新增")
    UPDATED = "updated", gettext_lazy("更新")
    UNCHANGED = "unchanged", gettext_lazy("未变")


# Errors and the report ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellError:
    """Something an import cannot take: where (sheet, row as Excel numbers it, column
    letter and its header) and what is wrong and what is allowed. A file-level error has
    no row; a row-level error no column."""

    sheet: str
    row: int | None
    column: str | None
    header: str | None
    message: str

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}" if self.column and self.row else ""

    def __str__(self) -> str:
        where = [self.sheet] if self.sheet else []
        if self.row is not None:
            where.append(_("第 %(row)s 行") % {"row": self.row})
        if self.column:
            where.append(
                _("%(column)s 列（%(header)s）") % {"column": self.column, "header": self.header}
                if self.header
                else _("%(column)s 列") % {"column": self.column}
            )
        return f"{' '.join(where)}：{self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class Remark:
    """A line the import page shows under a row: something the row needs (a licence) or may
    clash with (a possible duplicate, a `warning`)."""

    text: str
    warning: bool = False


@dataclass(slots=True)
class RowPreview:
    """A row an import applied (or would apply, in a dry run), and what it did."""

    row: int
    outcome: str

    @property
    def remarks(self) -> list[Remark]:
        """What the import page shows under the row; a kind's preview overrides it."""
        return []


P = TypeVar("P", bound=RowPreview)


@dataclass
class ImportReport(Generic[P]):
    """What an import found and did: every error, the rows applied with their outcome, and
    notes (columns ignored, values derived). `written` is true only when the import wrote:
    no error and not a dry run."""

    source: str = ""
    sheet: str = ""
    dry_run: bool = False
    errors: list[CellError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: list[P] = field(default_factory=list)
    written: bool = False

    def error(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        header: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.errors.append(
            CellError(self.sheet if sheet is None else sheet, row, column, header, message)
        )

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def created(self) -> int:
        return self.count(Outcome.CREATED)

    @property
    def updated(self) -> int:
        return self.count(Outcome.UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(Outcome.UNCHANGED)

    def summary(self) -> str:
        """One line: what was (or would be) written, or how many errors stopped it."""
        if self.errors:
            return _("发现 %(count)s 处错误，没有写入任何数据。") % {"count": len(self.errors)}
        counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        if self.dry_run:
            return (
                _(
                    "试运行：将新增 %(created)s 行，更新 %(updated)s 行，%(unchanged)s 行未变；没有写入。"
                )
                % counts
            )
        return (
            _("已导入：新增 %(created)s 行，更新 %(updated)s 行，%(unchanged)s 行未变。") % counts
        )


class ImportRejected(Exception):
    """An import refused, with every error it found (for callers that want an exception,
    such as a command or the demo generator)."""

    def __init__(self, errors: Sequence[CellError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))
