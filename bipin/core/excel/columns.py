"""Cells and columns: what a cell of an office's sheet may hold, read into a value, and
the columns of an import template (their headers, aliases, parsers and dropdowns)."""

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from bipin.core.money import to_wan

# Compiled once: the reader applies them to every cell of sheets of 50,000 rows. \s takes
# in the ideographic space (U+3000) and the other Unicode spaces.
_SPACES = re.compile(r"\s+")
_SPACES_AND_STARS = re.compile(r"[\s*]+")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
#: Placeholders the offices type for "nothing here".
_EMPTY_MARKS = {"-", "—", "——", "－", "/", "／"}


def tidy(text: str) -> str:
    """Text as it should be compared: full-width folded to ASCII (NFKC), whitespace runs
    (line breaks, ideographic spaces) made one space, no space at either end."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def header_key(text: str) -> str:
    """A header as it is matched: tidied, without any space and without the * that marks a
    required column, case-insensitive."""
    return _SPACES_AND_STARS.sub("", unicodedata.normalize("NFKC", text)).lower()


def cell_text(value: Any) -> str:
    """A cell's value as text: a whole number without the ".0" Excel's floats carry."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return str(value)


def is_formula(value: Any) -> bool:
    """openpyxl without data_only hands a formula over as its text, "=SUM(E3:E8)"."""
    return (isinstance(value, str) and value.startswith("=") and len(value) > 1) or isinstance(
        value, ArrayFormula | DataTableFormula
    )


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    stripped = value.strip()
    return not stripped or stripped in _EMPTY_MARKS


def parse_text(value: Any) -> str:
    """Free text (备注): as typed, without the spaces around it."""
    return cell_text(value).strip()


def parse_title(value: Any) -> str:
    """A name that is stored (a project's, a company's): stray spaces trimmed and collapsed,
    Chinese punctuation kept as typed ("太保家园（杭州）" is the company's name)."""
    return _SPACES.sub(" ", cell_text(value)).strip()


def parse_name(value: Any) -> str:
    """A name or a code, which is compared: tidied (see `tidy`)."""
    return tidy(cell_text(value))


def parse_amount(value: Any) -> Decimal:
    """A non-negative amount in 万元 (or 万美元, as the header says): a number, or text with
    thousands separators, full-width digits or a unit (万元, 亿元), read by `to_wan`."""
    try:
        amount = to_wan(value)
    except ValueError:
        raise ValueError(
            _("“%(value)s”不是金额：应填数字，如 1200 或 1,200.50（可带千分位，全角数字亦可）。")
            % {"value": cell_text(value)}
        ) from None
    if amount < 0:
        raise ValueError(_("金额不能为负数（%(value)s）。") % {"value": cell_text(value)})
    return amount


def parse_int(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = tidy(cell_text(value)).replace(",", "")
    if _WHOLE_NUMBER.fullmatch(text):
        return int(text)
    raise ValueError(_("“%(value)s”不是整数。") % {"value": cell_text(value)})


_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
#: Excel serial numbers of plausible dates (1954–2119): a date cell that lost its format.
_SERIAL_RANGE = (20000, 80000)


def parse_date(value: Any) -> date:
    """A date: a real date cell, or text as offices type it (2026-03-18, 2026年3月18日,
    2026.3.18, 2026/3/18, 20260318, full-width digits), or the serial number of a date
    cell that lost its format."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = tidy(cell_text(value))
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and float(value).is_integer() and _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
        return from_excel(value).date()
    match = _DATE_TEXT.match(text) or _DATE_DIGITS.match(text)
    if match is None:
        raise ValueError(
            _("“%(value)s”不是日期：应填如 2026-03-18、2026年3月18日 或 2026.3.18。")
            % {"value": cell_text(value)}
        )
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(_("日期“%(value)s”不存在。") % {"value": cell_text(value)}) from None


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "无"}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = tidy(cell_text(value)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("“%(value)s”应填“是”或“否”。") % {"value": cell_text(value)})


def in_every_language(text: Any) -> set[str]:
    """A (lazily) translated label in every language of the instance, so that a sheet
    written in English reads back as one written in Chinese."""
    labels = {str(text)}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels.add(str(text))
    return labels


def choice_parser(
    choices: type[models.TextChoices], *, extra: Mapping[str, str] | None = None
) -> Callable[[Any], str]:
    """A parser of a coded field typed by its label (or its stored value): "签约" → "signed".
    `extra` adds spellings offices use ("已签约")."""
    known: dict[str, str] = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        known[header_key(value)] = value
        for text in in_every_language(label):
            known[header_key(text)] = value
    for text, value in (extra or {}).items():
        known[header_key(text)] = value
    allowed = "、".join(str(label) for label in choices.labels)

    def parse(cell: Any) -> str:
        found = known.get(header_key(cell_text(cell)))
        if found is None:
            raise ValueError(
                _("“%(value)s”不是允许的值：应为 %(allowed)s 之一。")
                % {"value": cell_text(cell), "allowed": allowed}
            )
        return found

    return parse


@dataclass(frozen=True)
class Column:
    """A column of an import template and of its export.

    `header` is the template's header (a Chinese msgid, marked with gettext_noop and shown
    translated); `aliases` are the other headers offices write for it, a "*" in an alias
    matching anything ("固定资产投资/*累计"). A two-level header reads as "上级/下级".
    `parse` turns a non-empty cell into a value or raises ValueError saying what is allowed;
    `required` means every row must have a value; `options` names a list of the 选项 sheet
    that the template offers as a dropdown.
    """

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    parse: Callable[[Any], Any] = parse_text
    required: bool = False
    help: "str | Promise" = ""
    allowed: "str | Promise" = ""
    width: float = 14
    number_format: str | None = None
    options: str | None = None
    #: Whether Excel refuses a value outside the dropdown (else it only warns).
    strict_options: bool = True

    @property
    def label(self) -> str:
        return _(self.header)

    def names(self) -> set[str]:
        """The header in every language (a sheet exported in an English session imports in
        a Chinese one) and the aliases without a wildcard, normalised."""
        headers = {self.header} | in_every_language(gettext_lazy(self.header))
        return {header_key(header) for header in headers} | {
            header_key(alias) for alias in self.aliases if "*" not in alias
        }

    def patterns(self) -> list[str]:
        """Aliases with a wildcard, normalised as headers are but keeping their "*"."""
        return [
            re.sub(r"\s+", "", unicodedata.normalize("NFKC", alias)).lower()
            for alias in self.aliases
            if "*" in alias
        ]
