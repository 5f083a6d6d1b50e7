"""A unit's 成绩单 (every line with target, actual, completion, gap and points; its rank
history as a chart), its export, and the scoring section of a unit's page."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from bipin.indicators.computations import ColourBands, colour
from bipin.indicators.models import format_amount
from bipin.indicators.views.entry.cells import month_label, period_or_404
from bipin.org.models import Unit
from bipin.org.views import AuthedRequest
from bipin.scoring import exports
from bipin.scoring.choices import Basis, ItemState, RunStatus
from bipin.scoring.models import Run, Score, ScoreItem
from bipin.scoring.views.boards.common import (
    COLOUR_CLASS,
    BoardRow,
    _rank_history,
    _visible_runs,
    _xlsx,
    percent,
    signed,
)

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
