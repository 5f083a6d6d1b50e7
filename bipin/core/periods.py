"""Periods: a (year, month) of the monthly data collection.

Cumulative indicators are year-to-date (1–N月累计); growth compares with the same period
last year; time progress (序时进度) at month n is n/12 (DESIGN.md, "Domain rules").
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Self

from django.utils.translation import gettext as _

_PERIOD = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


@dataclass(frozen=True, order=True)
class Period:
    """One month of one year; ordered in time."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(_("月份必须在 1 到 12 之间：%(month)s") % {"month": self.month})
        if not 1900 <= self.year <= 9999:
            raise ValueError(_("年份不合理：%(year)s") % {"year": self.year})

    @classmethod
    def parse(cls, text: str) -> Self:
        """Reads "2026-10", "2026/10", "2026.10" or "2026年10月"."""
        match = _PERIOD.match(str(text))
        if not match:
            raise ValueError(_("无法识别的期间“%(text)s”，应写作 2026-10") % {"text": text})
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Self:
        """The period a day falls in."""
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        """The period as a Chinese report names it: 2026年1-10月, and 2026年1月 for January."""
        if self.month == 1:
            return _("%(year)s年1月") % {"year": self.year}
        return _("%(year)s年1-%(month)s月") % {"year": self.year, "month": self.month}

    def next(self) -> "Period":
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def previous(self) -> "Period":
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def same_period_last_year(self) -> "Period":
        return Period(self.year - 1, self.month)

    def months_of_year(self) -> list["Period"]:
        """The months of this year up to and including this one (the year-to-date range)."""
        return [Period(self.year, month) for month in range(1, self.month + 1)]

    def time_progress(self) -> Decimal:
        """序时进度 without a monthly phasing: n/12 as a fraction."""
        return Decimal(self.month) / Decimal(12)
