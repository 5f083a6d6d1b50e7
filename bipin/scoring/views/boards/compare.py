"""Units side by side on one run, with the export."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from bipin.indicators.computations import ColourBands
from bipin.indicators.views.entry.cells import month_label
from bipin.org.views import AuthedRequest
from bipin.scoring import exports
from bipin.scoring.models import Score, ScoreItem
from bipin.scoring.views.boards.common import (
    BoardRow,
    _run_for,
    _xlsx,
)
from bipin.scoring.views.boards.scorecards import ScorecardLine, scorecard_line

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
