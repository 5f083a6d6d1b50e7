"""The boards: every group's board of a month (比拼榜) and one group's board with each
unit's trend line, with its Excel export."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from bipin.core.choices import Action
from bipin.core.periods import Period
from bipin.core.views import get_restricted_or_404, require_action
from bipin.indicators.views.entry.cells import month_label, period_or_404, picked_period
from bipin.org.models import Group
from bipin.org.views import AuthedRequest
from bipin.scoring import exports
from bipin.scoring.models import Run
from bipin.scoring.views.boards.common import (
    GroupBoard,
    _board_rows,
    _default_period,
    _may_score,
    _period_choices,
    _visible_runs,
    _xlsx,
    superseded,
)


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
