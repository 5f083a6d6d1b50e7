"""What the pages of the results share: numbers as they are shown, the runs a user sees,
the trend lines, a board's rows and the period pickers."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bipin.core.choices import Action
from bipin.core.excel.forms import XLSX
from bipin.core.periods import Period
from bipin.core.views import get_restricted_or_404
from bipin.indicators.views.entry.cells import month_label
from bipin.org.models import Group
from bipin.org.views import AuthedRequest
from bipin.scoring.choices import RunStatus
from bipin.scoring.models import Run, Score
from bipin.scoring.querysets import RunQuerySet

#: Runs on one page of the runs list.
PAGE_SIZE = 50
#: The traffic lights of the indicators pages (Bootstrap's contextual colours).
COLOUR_CLASS = {"green": "success", "yellow": "warning", "red": "danger"}
#: The trend line of a board row, in SVG user units.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 84, 24, 3


# Numbers as the pages and the exports show them --------------------------------------------


def percent(value: Decimal | None, places: int = 1) -> str:
    """90.0000 → "90.0%"; "—" for none."""
    return "—" if value is None else f"{value:.{places}f}%"


def signed(value: Decimal | None, places: int = 1) -> str:
    """A gap or a difference with its sign: "+3.5", "-7.3", "0.0"; "—" for none."""
    if value is None:
        return "—"
    text = f"{value:.{places}f}"
    return f"+{text}" if value > 0 else text


def colour_label(code: str) -> str:
    return {"green": _("绿"), "yellow": _("黄"), "red": _("红")}.get(code, "")


def _visible_runs(user: Any) -> RunQuerySet:
    """The runs the user sees, each with `superseded`: a published correction replaces it."""
    replaced = Run.objects.filter(corrects=OuterRef("pk"), status=RunStatus.PUBLISHED)
    return Run.objects.restrict(user).annotate(superseded=Exists(replaced))


def superseded(run: Run) -> bool:
    """Whether a published correction replaces the run (annotated by `_visible_runs`)."""
    return bool(getattr(run, "superseded", False))


def _may_score(user: Any) -> bool:
    return not Run.objects.restrict(user, Action.ADD).query.is_empty()


# The trend line ------------------------------------------------------------------------------


@dataclass
class Sparkline:
    """A unit's rank over the months, drawn as an inline SVG polyline: the first place at
    the top, so that a line going up is a unit climbing the board."""

    points: str
    last_x: float
    last_y: float
    title: str
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def sparkline(ranks: list[tuple[int, int]], places: int, last_month: int) -> Sparkline | None:
    """`ranks` as (month, rank), months 1…`last_month` across, ranks 1…`places` down."""
    if not ranks:
        return None
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD
    coordinates = []
    for month, rank in sorted(ranks):
        x = SPARK_PAD + (inner_w * (month - 1) / (last_month - 1) if last_month > 1 else inner_w)
        y = SPARK_PAD + (inner_h * (rank - 1) / (places - 1) if places > 1 else inner_h / 2)
        coordinates.append((round(x, 1), round(y, 1)))
    title = _("名次走势：") + pgettext("list separator", "、").join(
        _("%(month)s月第%(rank)s名") % {"month": month, "rank": rank}
        for month, rank in sorted(ranks)
    )
    return Sparkline(
        points=" ".join(f"{x},{y}" for x, y in coordinates),
        last_x=coordinates[-1][0],
        last_y=coordinates[-1][1],
        title=title,
    )


def _rank_history(user: Any, run: Run) -> dict[int, list[tuple[int, int, Decimal]]]:
    """By unit: (month, rank, total) in the current published runs of the run's group of
    the months before the run's (the run itself adds its own month). One query."""
    earlier = (_visible_runs(user).current().filter(group_id=run.group_id, year=run.year)).filter(
        month__lt=run.month
    )
    history: dict[int, list[tuple[int, int, Decimal]]] = defaultdict(list)
    rows = (
        Score.objects.restrict(user)
        .filter(run__in=earlier.values("pk"))
        .order_by("run__month")
        .values_list("unit_id", "run__month", "rank", "total")
    )
    for unit_id, month, rank, total in rows:
        history[unit_id].append((month, rank, total))
    return history


# A board ---------------------------------------------------------------------------------------


@dataclass
class BoardRow:
    """One unit's line of a board."""

    score: Score
    #: Whether the user may open its 成绩单 (and pick it to compare).
    breakdown: bool = False
    trend: Sparkline | None = None
    #: A correction's difference against the corrected run.
    change: Decimal | None = None

    @property
    def colour_class(self) -> str:
        return COLOUR_CLASS.get(self.score.colour, "")

    @property
    def colour_label(self) -> str:
        return colour_label(self.score.colour)

    @property
    def gap_shown(self) -> str:
        return signed(self.score.gap)

    @property
    def change_class(self) -> str:
        change = self.score.rank_change
        return "text-success" if change and change > 0 else "text-danger" if change else ""

    @property
    def change_shown(self) -> str:
        return signed(self.change, 2)


def _board_rows(user: Any, runs: list[Run], *, trends: bool = False) -> dict[int, list[BoardRow]]:
    """The board of each run, best first; with `trends` (one run) each unit's sparkline.
    Two queries, three with the trends."""
    scores = list(
        Score.objects.restrict(user)
        .filter(run__in=[run.pk for run in runs])
        .select_related("unit")
        .order_by("run", "rank", "unit__order", "unit__code")
    )
    breakdown = set(
        Score.objects.with_breakdown(user)
        .filter(run__in=[run.pk for run in runs])
        .values_list("pk", flat=True)
    )
    boards: dict[int, list[BoardRow]] = {run.pk: [] for run in runs}
    for score in scores:
        boards[score.run_id].append(BoardRow(score, breakdown=score.pk in breakdown))
    if trends and runs:
        run = runs[0]
        history = _rank_history(user, run)
        rows = boards[run.pk]
        places = max([len(rows)] + [rank for line in history.values() for _m, rank, _t in line])
        for row in rows:
            ranks = [(month, rank) for month, rank, _total in history.get(row.score.unit_id, [])]
            row.trend = sparkline([*ranks, (run.month, row.score.rank)], places, run.month)
    return boards


@dataclass
class GroupBoard:
    """A group's board of a month on the 比拼榜: the run shown (the current published one,
    or for those who see drafts the draft when nothing is published) and a draft beside a
    published run (a correction being prepared)."""

    group: Group
    run: Run | None = None
    draft: Run | None = None
    rows: list[BoardRow] = field(default_factory=list)


def _period_choices(user: Any) -> list[dict[str, Any]]:
    """The months that have a run the user sees, newest first."""
    months = (
        Run.objects.restrict(user)
        .order_by("-year", "-month")
        .values_list("year", "month")
        .distinct()
    )
    return [
        {"key": str(Period(year, month)), "label": month_label(Period(year, month))}
        for year, month in months
    ]


def _default_period(user: Any) -> Period | None:
    """The latest month with a published run; for those who see only drafts so far, the
    latest draft's."""
    runs = Run.objects.restrict(user).order_by("-year", "-month")
    latest = (
        runs.published().values_list("year", "month").first()
        or runs.values_list("year", "month").first()
    )
    return Period(*latest) if latest else None


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


def _run_for(request: AuthedRequest, pk: int, action: str = Action.VIEW) -> Run:
    related = ("group", "scheme", "corrects", "computed_by", "published_by")
    queryset = _visible_runs(request.user).select_related(*related)
    return get_restricted_or_404(queryset, request.user, action, pk=pk)
