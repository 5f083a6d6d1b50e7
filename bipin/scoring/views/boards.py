"""The pages of the competition's results (比拼榜): every group's board of a month, one
group's board with each unit's trend, the runs and a run's page with the supervisor's
buttons (publish, discard, score again), a unit's 成绩单 and the side-by-side comparison
of units, each with its Excel export; and the scoring section of a unit's page.

Who sees what is the scoping's (querysets.py): a published board is everyone's, drafts
are the supervisor's and the leaders'; a 成绩单's lines are read only through
`Score.objects.with_breakdown(user)`, so a unit's people open their own and get 404 for
another unit's. Every page reads its rows in a fixed number of queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from bipin.core.choices import Action
from bipin.core.excel.forms import XLSX
from bipin.core.forms import StyledFormMixin
from bipin.core.periods import Period
from bipin.core.views import add_action_errors, get_restricted_or_404, require_action
from bipin.indicators.computations import ColourBands, colour
from bipin.indicators.models import format_amount
from bipin.indicators.views.entry.cells import month_label, period_or_404, picked_period
from bipin.org.models import Group, Unit
from bipin.org.views import AuthedRequest
from bipin.scoring import exports
from bipin.scoring.actions import (
    do_discard_run,
    do_publish_run,
    do_score,
    scheme_for,
    score_changes,
)
from bipin.scoring.choices import Basis, ItemState, RunStatus
from bipin.scoring.filters import MONTH_CHOICES, GroupField, RunFilterSet
from bipin.scoring.models import Run, Score, ScoreItem
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


@login_required
def board_list(request: AuthedRequest) -> HttpResponse:
    """比拼榜: every group's board of a month side by side (rank, unit, total, change,
    light). The supervisor and leaders also see the month's drafts; the supervisor scores a
    month from here."""
    user = request.user
    require_action(Run.objects.all(), user, Action.VIEW)
    choices = _period_choices(user)
    period = picked_period(request.GET.get("period")) or _default_period(user)
    boards: list[GroupBoard] = []
    if period is not None:
        groups = list(Group.objects.restrict(user).for_year(period.year).order_by("order", "code"))
        runs = list(
            _visible_runs(user)
            .for_period(period.year, period.month)
            .filter(group__in=groups)
            .select_related("group", "corrects")
            .order_by("published_at")
        )
        shown: list[Run] = []
        for group in groups:
            board = GroupBoard(group)
            for run in runs:
                if run.group_id != group.pk:
                    continue
                if run.is_published and not superseded(run):
                    board.run = run
                elif not run.is_published:
                    board.draft = run
            if board.run is None and board.draft is not None:
                board.run, board.draft = board.draft, None
            if board.run is not None:
                shown.append(board.run)
            boards.append(board)
        rows = _board_rows(user, shown)
        for board in boards:
            if board.run is not None:
                board.rows = rows[board.run.pk]
    keys = [choice["key"] for choice in choices]
    position = keys.index(str(period)) if period is not None and str(period) in keys else -1
    context = {
        "period": period,
        "period_key": str(period) if period else "",
        "month_label": month_label(period) if period else "",
        "choices": choices,
        "newer": choices[position - 1]["key"] if position > 0 else "",
        "older": choices[position + 1]["key"] if 0 <= position < len(choices) - 1 else "",
        "boards": boards,
        "any_board": any(board.run for board in boards),
        "may_score": _may_score(user),
    }
    return render(request, "scoring/home.html", context)


def _board_run(user: Any, group: Group, period: Period) -> Run:
    """The run a group's board shows for a month: the current published one; for those who
    see drafts, the draft when nothing is published yet. 404 when there is none to see."""
    runs = (
        _visible_runs(user)
        .filter(group=group, year=period.year, month=period.month)
        .select_related("group", "scheme", "corrects")
        .order_by("-published_at")
    )
    current = [run for run in runs if run.is_published and not superseded(run)]
    if current:
        return current[0]
    drafts = [run for run in runs if not run.is_published]
    if drafts:
        return drafts[0]
    raise Http404(_("该月没有可查看的评分。"))


@login_required
def board(request: AuthedRequest, group_pk: int, year: int, month: int) -> HttpResponse:
    """One group's board of a month: rank, unit (to its 成绩单), total, item points, bonus,
    deduction, rank change, light and the trend of its rank; units picked to compare."""
    user = request.user
    group = get_restricted_or_404(Group.objects.all(), user, pk=group_pk)
    period = period_or_404(year, month)
    if group.year != period.year:
        raise Http404(_("比拼组与年度不符。"))
    run = _board_run(user, group, period)
    rows = _board_rows(user, [run], trends=True)[run.pk]
    months = list(
        _visible_runs(user)
        .filter(group=group)
        .order_by("month")
        .values_list("month", flat=True)
        .distinct()
    )
    context = {
        "group": group,
        "run": run,
        "period": period,
        "month_label": month_label(period),
        "rows": rows,
        "months": [
            {
                "month": one,
                "label": month_label(Period(group.year, one)),
                "url": reverse("scoring:board", args=[group.pk, group.year, one]),
            }
            for one in months
        ],
        "can_compare": sum(1 for row in rows if row.breakdown) > 1,
    }
    return render(request, "scoring/board.html", context)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


@login_required
def board_export(request: AuthedRequest, pk: int) -> HttpResponse:
    """A run's board as a formatted .xlsx: the columns of the page."""
    run = get_restricted_or_404(
        Run.objects.select_related("group", "corrects"), request.user, pk=pk
    )
    rows = _board_rows(request.user, [run])[run.pk]
    filename = _("比拼榜_%(group)s_%(period)s.xlsx") % {
        "group": run.group.name,
        "period": run.period,
    }
    return _xlsx(exports.board_workbook(run, rows), filename)


# Runs ------------------------------------------------------------------------------------------


@login_required
def run_list(request: AuthedRequest) -> HttpResponse:
    """评分记录: every run the user sees (drafts for the supervisor and leaders), filtered
    by group, year, month and status; htmx swaps in the results only."""
    user = request.user
    require_action(Run.objects.all(), user, Action.VIEW)
    filterset = RunFilterSet(request.GET, queryset=_visible_runs(user), request=request)
    runs = filterset.qs.select_related(
        "group", "scheme", "corrects", "computed_by", "published_by"
    ).order_by("-year", "-month", "group__order", "-computed_at")
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "may_score": _may_score(user),
    }
    template = "scoring/_board_run_rows.html" if request.htmx else "scoring/runs.html"
    return render(request, template, context)


def _run_page(
    request: AuthedRequest, run: Run, *, errors: list[str] | None = None, reason: str = ""
) -> HttpResponse:
    user = request.user
    rows = _board_rows(user, [run])[run.pk]
    changes = score_changes(run)
    for row in rows:
        row.change = changes.get(row.score.unit_id)
    corrections = list(
        _visible_runs(user).filter(corrects=run).select_related("group").order_by("-computed_at")
    )
    newest = scheme_for(run.group)
    may_change = not Run.objects.restrict(user, Action.CHANGE).query.is_empty()
    context = {
        "run": run,
        "period": run.period,
        "month_label": month_label(run.period),
        "rows": rows,
        "corrections": corrections,
        "replaced_by": next((one for one in corrections if one.is_published), None),
        "pending": next((one for one in corrections if not one.is_published), None),
        "newest_scheme": newest,
        "may_change": may_change,
        "may_rescore": may_change and (not run.is_published or not superseded(run)),
        "errors": errors or [],
        "reason": reason,
    }
    return render(request, "scoring/run.html", context)


def _run_for(request: AuthedRequest, pk: int, action: str = Action.VIEW) -> Run:
    related = ("group", "scheme", "corrects", "computed_by", "published_by")
    queryset = _visible_runs(request.user).select_related(*related)
    return get_restricted_or_404(queryset, request.user, action, pk=pk)


@login_required
def run_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A run's page: its board, scheme, who computed and published it and when, its counts;
    for a correction the difference per unit and the reason; the supervisor's buttons."""
    return _run_page(request, _run_for(request, pk))


@login_required
@require_POST
def run_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk, Action.CHANGE)
    reason = request.POST.get("reason", "")
    try:
        do_publish_run(run, actor=request.user, reason=reason)
    except ValidationError as error:
        return _run_page(request, run, errors=error.messages, reason=reason.strip())
    messages.success(request, _("已发布 %(run)s 的评分。") % {"run": run})
    return redirect(run)


@login_required
@require_POST
def run_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk, Action.CHANGE)
    try:
        do_discard_run(run, actor=request.user)
    except ValidationError as error:
        return _run_page(request, run, errors=error.messages)
    messages.success(request, _("已删除 %(run)s 的评分草稿。") % {"run": run})
    return redirect(f"{reverse('scoring:list')}?period={run.period}")


@login_required
@require_POST
def run_rescore(request: AuthedRequest, pk: int) -> HttpResponse:
    """Scores the run's month again with the group's newest scheme: a draft is replaced, a
    published month gets a correction draft."""
    run = _run_for(request, pk, Action.CHANGE)
    scheme = scheme_for(run.group)
    if scheme is None:
        return _run_page(request, run, errors=[_("该比拼组没有评分方案。")])
    try:
        scored = do_score(scheme, run.period, actor=request.user)
    except ValidationError as error:
        return _run_page(request, run, errors=error.messages)
    messages.success(request, _("已重新计算 %(run)s 的评分（草稿）。") % {"run": scored})
    return redirect(scored)


class RunForm(StyledFormMixin, forms.Form):
    """What the supervisor scores: a group (of its year) and a month."""

    group = GroupField(queryset=Group.objects.none(), label=gettext_lazy("比拼组"))
    month = forms.TypedChoiceField(choices=MONTH_CHOICES, coerce=int, label=gettext_lazy("月份"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.restrict(user).order_by(  # type: ignore[attr-defined]
            "-year", "order", "code"
        )
        self.scheme: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        group, month = data.get("group"), data.get("month")
        if group is None or month is None:
            return data
        self.scheme = scheme_for(group)
        if self.scheme is None:
            self.add_error(
                "group", _("“%(group)s”还没有评分方案，请先制定方案。") % {"group": group.name}
            )
        if Period(group.year, month) > Period.of(timezone.localdate()):
            self.add_error(
                "month",
                _("%(month)s尚未开始，不能评分。")
                % {"month": month_label(Period(group.year, month))},
            )
        return data


@login_required
def run_new(request: AuthedRequest) -> HttpResponse:
    """The supervisor scores a group's month with its newest scheme and lands on the draft
    (a month already published gets a correction draft)."""
    user = request.user
    require_action(Run.objects.all(), user, Action.ADD)
    if request.method == "POST":
        form = RunForm(request.POST, user=user)
        if form.is_valid():
            group = form.cleaned_data["group"]
            try:
                run = do_score(
                    form.scheme, Period(group.year, form.cleaned_data["month"]), actor=user
                )
            except ValidationError as error:
                add_action_errors(form, error)
            else:
                messages.success(request, _("已计算 %(run)s 的评分（草稿）。") % {"run": run})
                return redirect(run)
    else:
        initial: dict[str, Any] = {}
        picked = picked_period(request.GET.get("period"))
        if picked is not None:
            initial["month"] = picked.month
        if request.GET.get("group", "").isdigit():
            initial["group"] = int(request.GET["group"])
        form = RunForm(initial=initial, user=user)
    return render(request, "scoring/run_new.html", {"form": form})


# A unit's 成绩单 --------------------------------------------------------------------------------


@dataclass
class ScorecardLine:
    """One line of a 成绩单, with its numbers as the page and the export show them."""

    item: ScoreItem
    label: str
    basis: str = ""
    rule: str = ""
    target: str = "—"
    actual: str = "—"
    completion: str = "—"
    time_progress: str = "—"
    gap: str = "—"
    gap_class: str = ""
    growth: str = "—"
    measure: str = "—"
    note: str = ""

    @property
    def kind(self) -> str:
        return self.item.kind


def _measure(item: ScoreItem) -> str:
    """The number an item was scored on, in its own terms."""
    if item.measure is None:
        return "—"
    if item.kind != "item":
        return format_amount(item.measure, item.indicator)
    basis = item.scheme_item.basis if item.scheme_item else ""
    if basis == Basis.COMPLETION:
        return percent(item.measure)
    if basis == Basis.RANK:
        return _("第 %(place)s 位") % {"place": int(item.measure)}
    if basis == Basis.GROWTH:
        return percent(item.measure)
    return format_amount(item.measure, item.indicator)


def scorecard_line(item: ScoreItem, bands: ColourBands) -> ScorecardLine:
    indicator = item.indicator
    if item.kind == "item":
        scheme_item = item.scheme_item
        line = ScorecardLine(
            item,
            label=indicator.name,
            basis=str(scheme_item.get_basis_display()) if scheme_item else "",
            target=format_amount(item.target, indicator),
            actual=format_amount(item.actual, indicator),
            completion=percent(item.completion),
            time_progress=percent(item.time_progress),
            gap=signed(item.gap),
            gap_class=COLOUR_CLASS[colour(item.gap, bands)] if item.gap is not None else "",
            growth=percent(item.growth),
        )
    else:
        adjustment = item.adjustment
        line = ScorecardLine(
            item,
            label=adjustment.name if adjustment else indicator.name,
            basis=indicator.name,
            rule=_("每个 %(per)s 分，封顶 %(cap)s 分")
            % {
                "per": f"{adjustment.per_unit.normalize():f}" if adjustment else "",
                "cap": f"{item.weight.normalize():f}",
            },
            target=format_amount(item.target, indicator),
            actual=format_amount(item.actual, indicator),
        )
    line.measure = _measure(item)
    if item.state != ItemState.SCORED:
        line.note = str(item.get_state_display())
    return line


@dataclass
class HistoryPoint:
    month: int
    rank: int
    total: Decimal

    @property
    def label(self) -> str:
        return _("%(month)s月") % {"month": self.month}


def _scorecard_score(request: AuthedRequest, score_pk: int) -> Score:
    user = request.user
    related = ("unit", "run__group", "run__scheme", "run__corrects", "run__published_by")
    queryset = Score.objects.restrict(user).with_breakdown(user).select_related(*related)
    return get_object_or_404(queryset, pk=score_pk)


def scorecard_context(request: AuthedRequest, score: Score) -> dict[str, Any]:
    """A score's 成绩单: header, lines (items, then bonuses and deductions), the total they
    add up to, and its rank history over the year. Five queries."""
    user = request.user
    run = score.run
    scheme = run.scheme
    bands = ColourBands(green_from=scheme.green_from, yellow_from=scheme.yellow_from)
    items = list(
        score.items.select_related("indicator", "scheme_item", "adjustment").order_by("order")
    )
    lines = [scorecard_line(item, bands) for item in items]
    members = Score.objects.filter(run_id=run.pk).count()
    history = [
        HistoryPoint(month, rank, total)
        for month, rank, total in _rank_history(user, run).get(score.unit_id, [])
    ]
    history.append(HistoryPoint(run.month, score.rank, score.total))
    replaced_by = (
        _visible_runs(user).filter(corrects=run, status=RunStatus.PUBLISHED).first()
        if run.is_published
        else None
    )
    places = max([members, *(point.rank for point in history)])
    chart = {
        "months": [point.label for point in history],
        "ranks": [point.rank for point in history],
        "totals": [float(point.total) for point in history],
        "places": places,
        "rank_label": _("名次"),
        "total_label": _("总分"),
    }
    return {
        "score": score,
        "run": run,
        "unit": score.unit,
        "group": run.group,
        "period": run.period,
        "month_label": month_label(run.period),
        "members": members,
        "row": BoardRow(score, breakdown=True),
        "items": [line for line in lines if line.kind == "item"],
        "adjustments": [line for line in lines if line.kind != "item"],
        "lines_total": sum((item.points for item in items), Decimal(0)),
        "item_weight": sum((item.weight for item in items if item.kind == "item"), Decimal(0)),
        "lost_total": sum((item.lost for item in items), Decimal(0)),
        "history": history,
        "chart": chart,
        "replaced_by": replaced_by,
    }


@login_required
def scorecard(request: AuthedRequest, score_pk: int) -> HttpResponse:
    """A unit's 成绩单: every item with target, actual, completion, time-progress gap,
    points earned and lost; bonuses and deductions; the total; its rank over the year."""
    score = _scorecard_score(request, score_pk)
    return render(request, "scoring/scorecard.html", scorecard_context(request, score))


@login_required
def scorecard_export(request: AuthedRequest, score_pk: int) -> HttpResponse:
    score = _scorecard_score(request, score_pk)
    context = scorecard_context(request, score)
    filename = _("成绩单_%(unit)s_%(period)s.xlsx") % {
        "unit": score.unit.name,
        "period": score.run.period,
    }
    return _xlsx(exports.scorecard_workbook(context), filename)


@login_required
def unit_scorecard(request: AuthedRequest, unit_pk: int, year: int, month: int) -> HttpResponse:
    """A unit's 成绩单 of a month by its address: the current published run's score (for
    those who see drafts, the draft's while nothing is published)."""
    user = request.user
    period = period_or_404(year, month)
    scores = (
        Score.objects.restrict(user)
        .with_breakdown(user)
        .filter(unit_id=unit_pk, run__year=period.year, run__month=period.month)
    )
    current = (
        scores.filter(run__in=Run.objects.restrict(user).current())
        .order_by("-run__published_at")
        .first()
    )
    found = current or scores.filter(run__status=RunStatus.DRAFT).first()
    if found is None:
        raise Http404(_("该单位该月没有可查看的成绩单。"))
    return redirect("scoring:scorecard", score_pk=found.pk)


# Comparing units --------------------------------------------------------------------------------


@dataclass
class CompareCell:
    line: ScorecardLine | None
    best: bool = False


@dataclass
class CompareRow:
    """One item across the compared units."""

    label: str
    kind: str
    weight: Decimal
    basis: str
    cells: list[CompareCell]


def _unit_ids(request: AuthedRequest) -> list[int] | None:
    """`?units=1,2,3` or `?units=1&units=2`, in the order given; None if one is not a number."""
    ids: list[int] = []
    for chunk in request.GET.getlist("units"):
        for text in chunk.split(","):
            text = text.strip()
            if not text:
                continue
            if not text.isdigit():
                return None
            if int(text) not in ids:
                ids.append(int(text))
    return ids


def compare_context(request: AuthedRequest) -> dict[str, Any]:
    """Two or more units of one run side by side: per item their actual, completion and
    points, the best highlighted; totals and ranks. 404 if the run or any unit's breakdown
    is not the user's to see. Four queries."""
    user = request.user
    run_text = request.GET.get("run", "")
    if not run_text.isdigit():
        raise Http404(_("请指定评分。"))
    run = _run_for(request, int(run_text))
    ids = _unit_ids(request)
    if ids is None:
        raise Http404(_("单位编号有误。"))
    scores = list(
        Score.objects.restrict(user)
        .with_breakdown(user)
        .filter(run=run, unit_id__in=ids)
        .select_related("unit")
        .order_by("rank", "unit__order", "unit__code")
    )
    if len(scores) != len(ids):
        raise Http404(_("所选单位中有您无权查看的成绩单。"))
    scheme = run.scheme
    bands = ColourBands(green_from=scheme.green_from, yellow_from=scheme.yellow_from)
    items = ScoreItem.objects.filter(score__in=scores).select_related(
        "indicator", "scheme_item", "adjustment"
    )
    position = {score.pk: index for index, score in enumerate(scores)}
    rows: dict[tuple[str, int | None, int], CompareRow] = {}
    order: dict[tuple[str, int | None, int], int] = {}
    for item in items.order_by("order"):
        key = (item.kind, item.scheme_item_id or item.adjustment_id, item.indicator_id)
        line = scorecard_line(item, bands)
        if key not in rows:
            rows[key] = CompareRow(
                line.label, item.kind, item.weight, line.basis, [CompareCell(None) for _s in scores]
            )
            order[key] = item.order
        rows[key].cells[position[item.score_id]] = CompareCell(line)
    ordered = [rows[key] for key in sorted(rows, key=lambda key: (order[key], key[0]))]
    for row in ordered:
        points = [cell.line.item.points for cell in row.cells if cell.line is not None]
        if len(set(points)) > 1:
            best = max(points)
            for cell in row.cells:
                cell.best = cell.line is not None and cell.line.item.points == best
    totals = [score.total for score in scores]
    best_total = max(totals) if len(set(totals)) > 1 else None
    return {
        "run": run,
        "period": run.period,
        "month_label": month_label(run.period),
        "scores": scores,
        "rows": [BoardRow(score, breakdown=True) for score in scores],
        "items": [row for row in ordered if row.kind == "item"],
        "adjustments": [row for row in ordered if row.kind != "item"],
        "best_total": best_total,
        "units_query": ",".join(str(score.unit_id) for score in scores),
    }


@login_required
def compare(request: AuthedRequest) -> HttpResponse:
    """单位对比: two or more units of one run side by side."""
    ids = _unit_ids(request)
    if ids is None:
        raise Http404(_("单位编号有误。"))
    if len(ids) < 2:
        context: dict[str, Any] = {"too_few": True}
        if request.GET.get("run", "").isdigit():
            context["run"] = _run_for(request, int(request.GET["run"]))
        return render(request, "scoring/compare.html", context, status=400)
    return render(request, "scoring/compare.html", compare_context(request))


@login_required
def compare_export(request: AuthedRequest) -> HttpResponse:
    if len(_unit_ids(request) or []) < 2:
        raise Http404(_("请至少选择两个单位。"))
    context = compare_context(request)
    run = context["run"]
    filename = _("单位对比_%(group)s_%(period)s.xlsx") % {
        "group": run.group.name,
        "period": run.period,
    }
    return _xlsx(exports.compare_workbook(context), filename)


# The section of a unit's page -------------------------------------------------------------------


def unit_section(request: AuthedRequest, unit: Unit) -> str:
    """The unit's latest published rank in its group, with a link to its 成绩单 when the
    user may read it; nothing for a unit that has never been scored. Three queries."""
    user = request.user
    score = (
        Score.objects.restrict(user)
        .filter(unit=unit, run__in=Run.objects.restrict(user).current())
        .select_related("run__group")
        .order_by("-run__year", "-run__month", "-run__published_at")
        .first()
    )
    if score is None:
        return ""
    context = {
        "unit": unit,
        "score": score,
        "row": BoardRow(score),
        "run": score.run,
        "month_label": month_label(score.run.period),
        "members": Score.objects.filter(run_id=score.run_id).count(),
        "breakdown": Score.objects.with_breakdown(user).filter(pk=score.pk).exists(),
    }
    return render_to_string("scoring/_board_unit_section.html", context, request=request)


_MONTH = "<int:year>-<int:month>"

urlpatterns: list[URLPattern] = [
    path("", board_list, name="list"),
    path(f"groups/<int:group_pk>/{_MONTH}/", board, name="board"),
    path("runs/", run_list, name="runs"),
    path("runs/new/", run_new, name="run_new"),
    path("runs/<int:pk>/", run_detail, name="run"),
    path("runs/<int:pk>/export/", board_export, name="board_export"),
    path("runs/<int:pk>/publish/", run_publish, name="run_publish"),
    path("runs/<int:pk>/discard/", run_discard, name="run_discard"),
    path("runs/<int:pk>/rescore/", run_rescore, name="run_rescore"),
    path("scores/<int:score_pk>/", scorecard, name="scorecard"),
    path("scores/<int:score_pk>/export/", scorecard_export, name="scorecard_export"),
    path(f"units/<int:unit_pk>/{_MONTH}/", unit_scorecard, name="unit_scorecard"),
    path("compare/", compare, name="compare"),
    path("compare/export/", compare_export, name="compare_export"),
]
