"""The runs: the list, a run's page with the supervisor's buttons (publish, discard, score
again), and the form that scores a month."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bipin.core.choices import Action
from bipin.core.forms import StyledFormMixin
from bipin.core.periods import Period
from bipin.core.views import add_action_errors, require_action
from bipin.indicators.views.entry.cells import month_label, picked_period
from bipin.org.models import Group
from bipin.org.views import AuthedRequest
from bipin.scoring.actions import (
    do_discard_run,
    do_publish_run,
    do_score,
    scheme_for,
    score_changes,
)
from bipin.scoring.filters import MONTH_CHOICES, GroupField, RunFilterSet
from bipin.scoring.models import Run
from bipin.scoring.views.boards.common import (
    PAGE_SIZE,
    _board_rows,
    _may_score,
    _run_for,
    _visible_runs,
    superseded,
)

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
