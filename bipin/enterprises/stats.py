"""The figures of the 最多跑一次 promise, overall and per department.

- on-time rate (按时办结率): finished requests (已办结 or 已关闭) finished by their deadline,
  over the finished requests;
- one-visit rate (最多跑一次率): finished requests for which the enterprise came in person at
  most once, over the finished requests;
- satisfaction rate (满意率): closed requests rated 满意 or 基本满意, over the rated ones;
- the open backlog (未办结): how many, how many past their deadline, and their age in days
  since submission (the average and the oldest).

A request assigned to two departments counts for each of them, and once overall. A rate
over nothing is None (shown as "—"), not 0 % nor 100 %.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from bipin.enterprises.choices import FINISHED, OPEN, SATISFIED, Status
from bipin.org.models import Unit

_FINISHED = Q(status__in=FINISHED)
_COUNTS = {
    "total": Count("pk", distinct=True),
    "finished": Count("pk", filter=_FINISHED, distinct=True),
    "on_time": Count("pk", filter=_FINISHED & Q(done_on__lte=F("deadline")), distinct=True),
    "one_visit": Count("pk", filter=_FINISHED & Q(visits__lte=1), distinct=True),
    "rated": Count("pk", filter=Q(status=Status.CLOSED) & ~Q(satisfaction=""), distinct=True),
    "satisfied": Count(
        "pk", filter=Q(status=Status.CLOSED, satisfaction__in=SATISFIED), distinct=True
    ),
    "open": Count("pk", filter=Q(status__in=OPEN), distinct=True),
}


def _rate(part: int, whole: int) -> Decimal | None:
    """A share in per cent with one decimal, or None over nothing."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class RequestFigures:
    """The figures of a set of requests (a department's, or all of them)."""

    unit: Unit | None = None
    total: int = 0
    finished: int = 0
    on_time: int = 0
    one_visit: int = 0
    rated: int = 0
    satisfied: int = 0
    open: int = 0
    overdue: int = 0
    open_ages: list[int] = field(default_factory=list, repr=False)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _rate(self.on_time, self.finished)

    @property
    def one_visit_rate(self) -> Decimal | None:
        return _rate(self.one_visit, self.finished)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return _rate(self.satisfied, self.rated)

    @property
    def average_age(self) -> Decimal | None:
        """The open requests' average age in days, with one decimal."""
        if not self.open_ages:
            return None
        return (Decimal(sum(self.open_ages)) / len(self.open_ages)).quantize(Decimal("0.1"))

    @property
    def oldest_age(self) -> int | None:
        return max(self.open_ages, default=None)


def request_figures(
    requests: QuerySet, today: date | None = None
) -> tuple[RequestFigures, list[RequestFigures]]:
    """The figures of `requests` overall, and per department they are assigned to (the
    departments in the tree's order). Five queries, whatever the number of requests."""
    today = today or timezone.localdate()
    overall = RequestFigures(**requests.aggregate(**_COUNTS))
    per_unit = {
        row.pop("departments"): row
        for row in requests.filter(departments__isnull=False)
        .values("departments")
        .annotate(**_COUNTS)
        .order_by()
    }
    units = {unit.pk: unit for unit in Unit.objects.filter(pk__in=per_unit)}
    departments = {pk: RequestFigures(unit=units[pk], **counts) for pk, counts in per_unit.items()}
    for _pk, department, submitted_on, deadline in (
        requests.filter(status__in=OPEN, departments__isnull=False)
        .values_list("pk", "departments", "submitted_on", "deadline")
        .distinct()
    ):
        _add_open(departments[department], submitted_on, deadline, today)
    # By key, once each: `requests` may have been filtered through the departments' join.
    open_requests = {
        pk: (submitted_on, deadline)
        for pk, submitted_on, deadline in requests.filter(status__in=OPEN).values_list(
            "pk", "submitted_on", "deadline"
        )
    }
    for submitted_on, deadline in open_requests.values():
        _add_open(overall, submitted_on, deadline, today)
    order = {unit.pk: (unit.order, unit.code) for unit in units.values()}
    return overall, sorted(departments.values(), key=lambda figures: order[figures.unit.pk])  # type: ignore[union-attr]


def _add_open(figures: RequestFigures, submitted_on: date, deadline: date, today: date) -> None:
    figures.open_ages.append((today - submitted_on).days)
    if deadline < today:
        figures.overdue += 1
