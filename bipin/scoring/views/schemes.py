"""Pages of the scoring schemes (评分方案): every group's schemes, a scheme explained in words
a clerk understands, the supervisor's editor, and the preview of the board a scheme would
give for a month.

A fair competition has public rules: everyone signed in reads the schemes and how each
point is earned (querysets.SchemeQuerySet). Only the supervisor writes them, and a scheme
that a published run has used is frozen: a change is a new version
(actions.do_new_scheme_version), so that every published board is explained by the scheme
it was scored with. The preview shows results nobody has published, so it is for those
who may read draft runs: the supervisor and the leaders.
"""

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bipin.core.choices import Action
from bipin.core.periods import Period
from bipin.core.querysets import Reach
from bipin.core.views import add_action_errors, get_restricted_or_404, require_action
from bipin.indicators.choices import Colour, Direction
from bipin.indicators.models import Indicator, Value, format_amount
from bipin.org.models import Group, Unit
from bipin.org.views import AuthedRequest
from bipin.scoring.actions import (
    AdjustmentSpec,
    ItemSpec,
    check_item,
    check_scheme,
    do_new_scheme_version,
    do_save_scheme,
    item_specs,
)
from bipin.scoring.choices import AdjustmentKind, Basis, Counting, EfficacyForm, ItemState
from bipin.scoring.engine import SCORED_STATES, Line, UnitResult, score_scheme
from bipin.scoring.forms import (
    AdjustmentFormSet,
    ItemFormSet,
    NewItemFormSet,
    SchemeForm,
)
from bipin.scoring.models import Adjustment, Run, Scheme, SchemeItem
from bipin.scoring.querysets import RunQuerySet

#: The Bootstrap colour of a board's light.
COLOUR_CLASS = {Colour.GREEN: "success", Colour.YELLOW: "warning", Colour.RED: "danger"}


# How a scheme reads ------------------------------------------------------------------------


def plain(number: Decimal) -> str:
    """A number without trailing zeros, with a true minus sign: 40, 1.5, −10."""
    return f"{number.normalize():f}".replace("-", "−")


def percent(number: Decimal | None) -> str:
    return "—" if number is None else f"{number:.1f}%".replace("-", "−")


def item_rule(item: SchemeItem) -> tuple[str, str]:
    """How an item earns its points, as a clerk reads it: the rule and a line that says
    what x is and what the numbers mean (DESIGN.md, "Scoring methods")."""
    indicator = item.indicator
    weight, cap = plain(item.weight), plain(item.cap * 100)
    higher = indicator.direction == Direction.HIGHER
    if item.basis == Basis.COMPLETION:
        rule = _("序时完成率 × %(weight)s 分，最高 %(cap)s%%") % {"weight": weight, "cap": cap}
        if higher:
            detail = _("序时完成率 = 实际完成 ÷（年度目标 × 序时进度）；按序时进度完成得满分")
        else:
            detail = _("越小越好：序时完成率 = 年度目标 × 序时进度 ÷ 实际值")
        return rule, detail
    if item.basis == Basis.RANK:
        rule = _("按位次：第一名 %(weight)s 分，每降一位少 %(step)s%%") % {
            "weight": weight,
            "step": plain(item.rank_step * 100),
        }
        detail = _("每降一位少得 %(points)s 分；%(order)s，并列者名次相同") % {
            "points": plain((item.weight * item.rank_step).quantize(Decimal("0.01"))),
            "order": _("指标值越大名次越前") if higher else _("指标值越小名次越前"),
        }
        return rule, detail
    x = _("同比增速") if item.basis == Basis.GROWTH else _("指标值")
    if item.efficacy_form == EfficacyForm.THRESHOLD:
        rule = _("阈值法：60 + 40 × (x − 不允许值)/(满意值 − 不允许值)")
        unit = "%" if item.basis == Basis.GROWTH else indicator.unit_of_measure
        detail = _(
            "x 为%(x)s；满意值 %(satisfactory)s，不允许值 %(not_allowed)s；"
            "得分 = %(weight)s 分 × 系数 ÷ 100，最高 %(cap)s%%"
        ) % {
            "x": x,
            "satisfactory": _with_unit(item.satisfactory, unit),
            "not_allowed": _with_unit(item.not_allowed, unit),
            "weight": weight,
            "cap": cap,
        }
        return rule, detail
    if higher:
        rule = _("功效系数：20 + 80 × (x − 最小值)/(最大值 − 最小值)")
    else:
        rule = _("功效系数：20 + 80 × (最大值 − x)/(最大值 − 最小值)")
    detail = _(
        "x 为%(x)s，最值取本组各单位；得分 = %(weight)s 分 × 系数 ÷ 100，最好的单位得满分"
    ) % {
        "x": x,
        "weight": weight,
    }
    return rule, detail


def _with_unit(number: Decimal | None, unit: str) -> str:
    if number is None:
        return "—"
    return f"{plain(number)}%" if unit == "%" else f"{plain(number)} {unit}"


def adjustment_rule(adjustment: Adjustment) -> str:
    """A bonus or deduction in words: 每个 +1 分，最多 +3 分; 超出年度目标的部分每个 +0.1 分 …"""
    unit = adjustment.indicator.unit_of_measure
    each = _("每个百分点") if unit == "%" else _("每%(unit)s") % {"unit": unit}
    sign = "+" if adjustment.kind == AdjustmentKind.BONUS else "−"
    rule = _("%(each)s %(sign)s%(points)s 分，最多 %(sign)s%(cap)s 分") % {
        "each": each,
        "sign": sign,
        "points": plain(adjustment.per_unit),
        "cap": plain(adjustment.cap),
    }
    if adjustment.counting == Counting.EXCESS:
        return _("超出年度目标的部分%(rule)s") % {"rule": rule}
    return rule


def band_rules(scheme: Scheme) -> list[tuple[str, str]]:
    """The colour bands in words, by their Bootstrap colour."""
    green, yellow = plain(scheme.green_from), plain(scheme.yellow_from)
    return [
        ("success", _("绿色：加权序时差距 ≥ %(green)s 个百分点") % {"green": green}),
        (
            "warning",
            _("黄色：%(yellow)s ≤ 差距 < %(green)s 个百分点") % {"yellow": yellow, "green": green},
        ),
        ("danger", _("红色：差距 < %(yellow)s 个百分点") % {"yellow": yellow}),
    ]


def sees_drafts(user: Any) -> bool:
    """Whether `user` reads unpublished results (draft runs, and so the preview): the
    reach of the runs' scoping, read rather than repeated."""
    if user.is_superuser:
        return True
    return RunQuerySet.reach[Action.VIEW].get(user.role) == Reach.ALL


# The list ----------------------------------------------------------------------------------


@dataclass
class GroupSchemes:
    group: Group
    schemes: list[Scheme]


@dataclass
class YearSchemes:
    year: int
    groups: list[GroupSchemes] = field(default_factory=list)


def _count(queryset: Any, aggregate: Any) -> Subquery:
    return Subquery(queryset.order_by().values("scheme").annotate(n=aggregate).values("n")[:1])


@login_required
def scheme_list(request: AuthedRequest) -> HttpResponse:
    """Every group's schemes by year, each with its items count, total weight, state and
    the runs (that the user may see) which used it: two queries whatever their number."""
    user = request.user
    items = SchemeItem.objects.filter(scheme=OuterRef("pk"))
    runs = Run.objects.restrict(user).filter(scheme=OuterRef("pk"))
    schemes = (
        Scheme.objects.restrict(user)
        .annotate(
            item_count=Coalesce(_count(items, Count("pk")), 0, output_field=IntegerField()),
            total_weight=_count(items, Sum("weight")),
            run_count=Coalesce(_count(runs, Count("pk")), 0, output_field=IntegerField()),
        )
        .order_by("group_id", "-version")
    )
    by_group: dict[int, list[Scheme]] = {}
    for scheme in schemes:
        by_group.setdefault(scheme.group_id, []).append(scheme)
    years: list[YearSchemes] = []
    for group in Group.objects.restrict(user).order_by("-year", "order", "code"):
        if not years or years[-1].year != group.year:
            years.append(YearSchemes(group.year))
        years[-1].groups.append(GroupSchemes(group, by_group.get(group.pk, [])))
    context = {
        "years": years,
        "can_add": not Scheme.objects.restrict(user, Action.ADD).query.is_empty(),
    }
    return render(request, "scoring/scheme_list.html", context)


# A scheme ----------------------------------------------------------------------------------


@dataclass
class ItemRow:
    item: SchemeItem
    rule: str
    detail: str


@login_required
def scheme_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The scheme in words: each item and how its points are earned, the bonuses and
    deductions, the colours, the versions, the runs that used it and its history."""
    user = request.user
    scheme = get_restricted_or_404(
        Scheme.objects.select_related("group", "created_by"), user, pk=pk
    )
    items = [ItemRow(item, *item_rule(item)) for item in scheme.items.select_related("indicator")]
    adjustments = [
        (adjustment, adjustment_rule(adjustment))
        for adjustment in scheme.adjustments.select_related("indicator")
    ]
    versions = Scheme.objects.restrict(user).filter(group=scheme.group_id).order_by("-version")
    runs = (
        Run.objects.restrict(user).filter(scheme=scheme).order_by("-year", "-month", "-computed_at")
    )
    context = {
        "scheme": scheme,
        "items": items,
        "adjustments": adjustments,
        "total_weight": sum((row.item.weight for row in items), Decimal(0)),
        "bands": band_rules(scheme),
        "versions": list(versions),
        "runs": list(runs),
        "can_change": Scheme.objects.can(user, Action.CHANGE, scheme),
        "can_preview": sees_drafts(user),
    }
    return render(request, "scoring/scheme_detail.html", context)


# The editor --------------------------------------------------------------------------------


def scheme_indicators(user: Any, group: Group) -> dict[int, Indicator]:
    """The indicators a group's scheme may score: the active ones that apply to every kind
    of unit in the group (a group of towns is not scored on a department's indicator). A
    group without members may use any active indicator."""
    kinds = set(
        Unit.objects.restrict(user).filter(memberships__group=group).values_list("kind", flat=True)
    )
    return {
        indicator.pk: indicator
        for indicator in Indicator.objects.restrict(user).active().order_by("order", "code")
        if kinds <= set(indicator.applies_to_kinds())
    }


def _kept(formset: Any) -> list[Any]:
    """The rows that count: not removed, and not a blank row left untouched."""
    initial = formset.initial_form_count()
    return [
        form
        for index, form in enumerate(formset.forms)
        if not form["DELETE"].value() and (index < initial or form.has_changed())
    ]


def _item_label(number: int, indicator: Indicator) -> str:
    """The name actions.check_scheme gives an item in its messages (the same words, so the
    page can put each message next to its row)."""
    return _("第 %(number)s 项“%(indicator)s”") % {"number": number, "indicator": indicator.name}


def _adjustment_label(number: int, name: str) -> str:
    return _("第 %(number)s 个加减分项“%(name)s”") % {"number": number, "name": name}


def _place_messages(
    scheme_form: SchemeForm,
    rows: Sequence[tuple[str, Any]],
    problems: Sequence[str],
) -> None:
    """Puts each message of the action next to the row it names; the rest (the colour
    bands, a frozen scheme) above the form."""
    for problem in problems:
        row = next((form for label, form in rows if problem.startswith(label)), None)
        (row or scheme_form).add_error(None, problem)


def _save_scheme(
    request: AuthedRequest,
    scheme: Scheme,
    scheme_form: SchemeForm,
    item_forms: Any,
    adjustment_forms: Any,
) -> Scheme | None:
    """Checks the whole scheme and saves it, or leaves every error on the page and
    nothing saved (do_save_scheme is all or nothing). One look shows every error there
    is: the rules are checked even when a field elsewhere was typed wrong."""
    scheme_valid = scheme_form.is_valid()
    rows_valid = all([item_forms.is_valid(), adjustment_forms.is_valid()])
    items = _kept(item_forms)
    adjustments = _kept(adjustment_forms)
    if not rows_valid:
        # Without every row the rows cannot be numbered as the action numbers them; each
        # row typed right is still checked on its own.
        for number, form in enumerate(items, start=1):
            if not form.errors:
                spec = ItemSpec(**form.spec_fields())
                for problem in check_item(spec, _item_label(number, spec.indicator)):
                    form.add_error(None, problem)
        return None
    item_list = [ItemSpec(**form.spec_fields()) for form in items]
    adjustment_list = [AdjustmentSpec(**form.spec_fields()) for form in adjustments]
    labelled = [
        (_item_label(number, spec.indicator), form)
        for number, (spec, form) in enumerate(zip(item_list, items, strict=True), start=1)
    ] + [
        (_adjustment_label(number, spec.name), form)
        for number, (spec, form) in enumerate(
            zip(adjustment_list, adjustments, strict=True), start=1
        )
    ]
    problems = check_scheme(scheme, item_list, adjustment_list)
    _place_messages(scheme_form, labelled, problems)
    if problems or not scheme_valid:
        return None
    try:
        return do_save_scheme(
            scheme,
            items=item_list,
            adjustments=adjustment_list,
            actor=request.user,
            reason=scheme_form.cleaned_data.get("reason", ""),
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            add_action_errors(scheme_form, error)
        else:
            _place_messages(scheme_form, labelled, error.messages)
        return None


def _number_rows(formset: Any) -> None:
    """Each row's place among the kept rows ("第 2 项"), as the messages count them."""
    number = 0
    for form in formset.forms:
        if form["DELETE"].value():
            form.number = None
        else:
            number += 1
            form.number = number


def _initial(spec: ItemSpec | AdjustmentSpec) -> dict[str, Any]:
    """A saved row as its form starts: the indicator by its key, numbers without the
    trailing zeros of their storage (15, not 15.00; 0.05, not 0.0500)."""
    initial: dict[str, Any] = {}
    for name, value in spec.__dict__.items():
        if isinstance(value, Indicator):
            value = value.pk
        elif isinstance(value, Decimal):
            value = Decimal(f"{value.normalize():f}")
        initial[name] = value
    return initial


def _editor(
    request: AuthedRequest,
    scheme: Scheme,
    *,
    title: str,
    cancel_url: str,
) -> HttpResponse:
    """The one form page of a new and a saved scheme: the scheme's fields and its two
    formsets, checked and saved all together."""
    data = request.POST if request.method == "POST" else None
    indicators = scheme_indicators(request.user, scheme.group)
    row_kwargs = {"indicators": indicators}
    # The form validates on a copy: the action saves it with the changes.
    working = copy.copy(scheme)
    scheme_form = SchemeForm(data, instance=working)
    if scheme.pk is None:
        item_forms = NewItemFormSet(data, prefix="items", form_kwargs=row_kwargs)
        adjustment_forms = AdjustmentFormSet(data, prefix="adjustments", form_kwargs=row_kwargs)
    else:
        saved_items, saved_adjustments = item_specs(scheme)
        item_forms = ItemFormSet(
            data,
            prefix="items",
            form_kwargs=row_kwargs,
            initial=[_initial(spec) for spec in saved_items],
        )
        adjustment_forms = AdjustmentFormSet(
            data,
            prefix="adjustments",
            form_kwargs=row_kwargs,
            initial=[_initial(spec) for spec in saved_adjustments],
        )
    if data is not None:
        saved = _save_scheme(request, working, scheme_form, item_forms, adjustment_forms)
        if saved is not None:
            messages.success(
                request,
                _("评分方案“%(name)s”已保存（第 %(version)s 版）。")
                % {"name": saved.name, "version": saved.version},
            )
            return redirect(saved)
    _number_rows(item_forms)
    _number_rows(adjustment_forms)
    context = {
        "scheme": scheme,
        "group": scheme.group,
        "form": scheme_form,
        "items": item_forms,
        "adjustments": adjustment_forms,
        "indicator_count": len(indicators),
        "title": title,
        "cancel_url": cancel_url,
    }
    return render(request, "scoring/scheme_form.html", context)


def _group_of(request: AuthedRequest) -> Group:
    text = request.GET.get("group", "")
    if not text.isdigit():
        raise Http404
    group: Group = get_restricted_or_404(Group.objects.all(), request.user, pk=int(text))
    return group


@login_required
def scheme_add(request: AuthedRequest) -> HttpResponse:
    """A group's new scheme (its next version, from a blank page)."""
    require_action(Scheme.objects.all(), request.user, Action.ADD)
    group = _group_of(request)
    scheme = Scheme(group=group)
    if request.method != "POST":
        scheme.name = _("%(year)s年度%(group)s比拼方案") % {"year": group.year, "group": group.name}
    return _editor(
        request,
        scheme,
        title=_("新建评分方案：%(group)s") % {"group": group},
        cancel_url=reverse("scoring:schemes"),
    )


@login_required
def scheme_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """The editor of a scheme still open; a frozen scheme's page says why it cannot change
    and offers a new version."""
    scheme: Scheme = get_restricted_or_404(
        Scheme.objects.select_related("group"), request.user, Action.CHANGE, pk=pk
    )
    if scheme.is_frozen:
        first_run = (
            Run.objects.restrict(request.user)
            .published()
            .filter(scheme=scheme)
            .order_by("published_at")
            .first()
        )
        context = {"scheme": scheme, "group": scheme.group, "frozen": True, "first_run": first_run}
        status = 409 if request.method == "POST" else 200
        return render(request, "scoring/scheme_form.html", context, status=status)
    return _editor(
        request,
        scheme,
        title=_("修改评分方案：%(name)s（第 %(version)s 版）")
        % {"name": scheme.name, "version": scheme.version},
        cancel_url=scheme.get_absolute_url(),
    )


@login_required
@require_POST
def scheme_version(request: AuthedRequest, pk: int) -> HttpResponse:
    """另存为新版本: a copy of the scheme as the group's next version, opened for changes."""
    scheme: Scheme = get_restricted_or_404(
        Scheme.objects.select_related("group"), request.user, Action.ADD, pk=pk
    )
    try:
        copy_of = do_new_scheme_version(scheme, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(scheme)
    messages.success(
        request,
        _("已由第 %(old)s 版另存为第 %(new)s 版，可以修改。")
        % {"old": scheme.version, "new": copy_of.version},
    )
    return redirect("scoring:scheme_edit", pk=copy_of.pk)


# The preview -------------------------------------------------------------------------------


@dataclass
class LineView:
    """A line of a unit's preview, as the page prints it."""

    indicator: Indicator
    kind: str
    rule: str
    actual: str
    target: str
    measure: str
    points: Decimal
    weight: Decimal
    scored: bool


@dataclass
class ResultView:
    result: UnitResult
    colour_class: str
    gap: str
    lines: list[LineView]


def _measure(line: Line, indicator: Indicator) -> str:
    """The number a line was scored on, or why it was not."""
    if line.state != ItemState.SCORED:
        return str(ItemState(line.state).label)
    if line.kind != "item":
        return _("计 %(count)s") % {"count": format_amount(line.measure, indicator)}
    basis = line.scheme_item.basis if line.scheme_item else ""
    if basis == Basis.COMPLETION:
        return _("序时完成率 %(rate)s") % {"rate": percent(line.measure)}
    if basis == Basis.RANK:
        return _("第 %(place)s 名") % {"place": line.measure}
    if basis == Basis.GROWTH:
        return _("增速 %(rate)s") % {"rate": percent(line.measure)}
    return format_amount(line.measure, indicator)


def _line_view(line: Line) -> LineView:
    if line.scheme_item is not None:
        indicator = line.scheme_item.indicator
        rule = str(Basis(line.scheme_item.basis).label)
    else:
        assert line.adjustment is not None
        indicator = line.adjustment.indicator
        rule = str(AdjustmentKind(line.adjustment.kind).label)
    actual = format_amount(line.actual, indicator)
    if line.target is not None:
        actual = _("%(actual)s / 目标 %(target)s") % {
            "actual": actual,
            "target": format_amount(line.target, indicator),
        }
    completion = ""
    if line.kind == "item" and line.completion is not None:
        completion = _("完成 %(done)s，序时 %(pace)s") % {
            "done": percent(line.completion),
            "pace": percent(line.time_progress),
        }
    return LineView(
        indicator=indicator,
        kind=line.kind,
        rule=rule,
        actual=actual,
        target=completion,
        measure=_measure(line, indicator),
        points=line.points,
        weight=line.weight,
        scored=line.state == ItemState.SCORED,
    )


def _latest_month(user: Any, scheme: Scheme) -> int | None:
    """The latest month of the scheme's year with an approved value of one of its
    indicators for one of the group's units."""
    latest: int | None = (
        Value.objects.restrict(user)
        .filter(
            year=scheme.year,
            status__in=SCORED_STATES,
            indicator__in=scheme.items.values("indicator"),
            unit__memberships__group=scheme.group_id,
        )
        .aggregate(latest=Max("month"))["latest"]
    )
    return latest


@login_required
def scheme_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    """The board the scheme would give for a month of its year (engine.score_scheme):
    computed on the spot, nothing saved. Unpublished results, so for the supervisor and
    the leaders."""
    user = request.user
    scheme: Scheme = get_restricted_or_404(Scheme.objects.select_related("group"), user, pk=pk)
    if not sees_drafts(user):
        raise PermissionDenied(_("评分预览只对督查室和区领导开放。"))
    period_error = ""
    latest = _latest_month(user, scheme)
    period = Period(scheme.year, latest or 1)
    text = request.GET.get("period", "").strip()
    if text:
        try:
            chosen = Period.parse(text)
        except ValueError as error:
            period_error = str(error)
        else:
            if chosen.year == scheme.year:
                period = chosen
            else:
                period_error = _("本方案是 %(year)s 年的，只能预览该年的月份。") % {
                    "year": scheme.year
                }
    board = score_scheme(scheme, period)
    results = [
        ResultView(
            result=result,
            colour_class=COLOUR_CLASS.get(Colour(result.colour), "") if result.colour else "",
            gap=plain(result.gap.quantize(Decimal("0.1"))) if result.gap is not None else "",
            lines=[_line_view(line) for line in result.lines],
        )
        for result in board.results
    ]
    context = {
        "scheme": scheme,
        "board": board,
        "results": results,
        "period": period,
        "period_error": period_error,
        "latest": latest,
        "months": [Period(scheme.year, month) for month in range(1, 13)],
    }
    return render(request, "scoring/scheme_preview.html", context)


urlpatterns: list[URLPattern] = [
    path("schemes/", scheme_list, name="schemes"),
    path("schemes/add/", scheme_add, name="scheme_add"),
    path("schemes/<int:pk>/", scheme_detail, name="scheme"),
    path("schemes/<int:pk>/edit/", scheme_edit, name="scheme_edit"),
    path("schemes/<int:pk>/version/", scheme_version, name="scheme_version"),
    path("schemes/<int:pk>/preview/", scheme_preview, name="scheme_preview"),
]
