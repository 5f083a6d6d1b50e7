"""Pages of the 亩均 evaluation (亩均论英雄): the years with their schemes, figures and
evaluations; an evaluation's results (filter, counts per class, export); a year's scheme
(评价办法) and the supervisor's editor; the year's figures (亩均数据) with their import and
export; and an enterprise's history of classes.

Who sees what is the scoping's (querysets.py): everyone signed in reads the schemes; the
supervisor and leaders every evaluation, drafts included, and every enterprise's figures;
a town's people the published evaluations and figures of their town's enterprises; the big
screen the published results. Only the supervisor computes, publishes and edits.
"""

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from bipin.core.choices import Action
from bipin.core.excel import AMOUNT_FORMAT, Column, WorkbookWriter
from bipin.core.excel.forms import XLSX
from bipin.core.views import add_action_errors, get_restricted_or_404, require_action
from bipin.enterprises.choices import Grade, Size
from bipin.enterprises.models import Enterprise
from bipin.org.views import AuthedRequest
from bipin.scoring.actions.evaluations import (
    YEARS,
    CriterionSpec,
    criterion_specs,
    do_evaluate,
    do_publish_evaluation,
    do_save_evaluation_scheme,
    is_used,
)
from bipin.scoring.choices import Measure, RunStatus
from bipin.scoring.evaluation import ALLOWED_MEASURES
from bipin.scoring.filters import EvaluationResultFilter, FiguresFilter
from bipin.scoring.forms import CriterionFormSet, EvaluationSchemeForm
from bipin.scoring.imports import default_year
from bipin.scoring.models import (
    Criterion,
    EnterpriseFigures,
    Evaluation,
    EvaluationResult,
    EvaluationScheme,
)

PAGE_SIZE = 50
#: The classes in their order, A to T.
GRADES = list(Grade)


def shown(value: Decimal | None) -> str:
    """A measure as a cell shows it: two places with thousands separators, four below 1
    (0.2352 万元 per 万千瓦时)."""
    if value is None:
        return "—"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4f}"


def measure_parts(measure: str) -> tuple[str, str]:
    """A measure's name and its unit, "亩均税收" and "万元/亩", for a column's head."""
    label = str(Measure(measure).label)
    for opening, closing in (("（", "）"), (" (", ")")):
        if label.endswith(closing) and opening in label:
            name, _sep, unit = label.rpartition(opening)
            return name, unit[: -len(closing)]
    return label, ""


def _is_supervisor(user: Any) -> bool:
    return not Evaluation.objects.restrict(user, Action.ADD).query.is_empty()


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


def _rated_counts(queryset: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """Evaluations with how many enterprises of each size were ranked (a rank's "of n")."""
    return queryset.annotate(
        rated_above=Count(
            "results", filter=Q(results__size=Size.ABOVE_SCALE, results__rank__isnull=False)
        ),
        rated_below=Count(
            "results", filter=Q(results__size=Size.BELOW_SCALE, results__rank__isnull=False)
        ),
    )


# The years ---------------------------------------------------------------------------------


@dataclass
class YearRow:
    """A year: its scheme, how many enterprises' figures the user sees, its evaluations."""

    year: int
    scheme: EvaluationScheme | None = None
    figures: int = 0
    evaluations: list[Evaluation] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return any(evaluation.is_published for evaluation in self.evaluations)


def _grade_counts(results: QuerySet[EvaluationResult]) -> dict[str, int]:
    counts = {grade.value: 0 for grade in Grade}
    for grade, count in results.order_by().values_list("grade").annotate(n=Count("pk")):
        counts[grade] = count
    return counts


@login_required
def evaluation_list(request: AuthedRequest) -> HttpResponse:
    """Every year with its scheme, its figures and its evaluations (each with its counts
    per class): four queries whatever the number of years."""
    user = request.user
    rows: dict[int, YearRow] = {}

    def row(year: int) -> YearRow:
        return rows.setdefault(year, YearRow(year))

    for scheme in EvaluationScheme.objects.restrict(user):
        row(scheme.year).scheme = scheme
    evaluations = list(
        Evaluation.objects.restrict(user)
        .select_related("computed_by", "published_by")
        .order_by("-year", "-computed_at")
    )
    counts: dict[int, dict[str, int]] = {e.pk: {g.value: 0 for g in Grade} for e in evaluations}
    grouped = (
        EvaluationResult.objects.restrict(user)
        .filter(evaluation__in=[evaluation.pk for evaluation in evaluations])
        .order_by()
        .values_list("evaluation", "grade")
        .annotate(n=Count("pk"))
    )
    for evaluation_id, grade, count in grouped:
        counts[evaluation_id][grade] = count
    for evaluation in evaluations:
        evaluation.grade_counts = [(grade, counts[evaluation.pk][grade]) for grade in GRADES]
        evaluation.result_count = sum(counts[evaluation.pk].values())
        row(evaluation.year).evaluations.append(evaluation)
    sees_figures = not EnterpriseFigures.objects.restrict(user).query.is_empty()
    if sees_figures:
        figures = (
            EnterpriseFigures.objects.restrict(user)
            .order_by()
            .values_list("year")
            .annotate(n=Count("pk"))
        )
        for year, count in figures:
            row(year).figures = count
    context = {
        "years": [rows[year] for year in sorted(rows, reverse=True)],
        "can_change": _is_supervisor(user),
        "sees_figures": sees_figures,
    }
    return render(request, "scoring/evaluation_list.html", context)


@login_required
@require_POST
def evaluation_compute(request: AuthedRequest) -> HttpResponse:
    """The supervisor computes the year's evaluation (a draft, replacing the year's draft)."""
    require_action(Evaluation.objects.all(), request.user, Action.ADD)
    text = request.POST.get("year", "")
    if not text.isdigit():
        messages.error(request, _("请选择年度。"))
        return redirect("scoring:evaluations")
    try:
        evaluation = do_evaluate(int(text), actor=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("scoring:evaluations")
    messages.success(
        request,
        _("%(year)s 年度亩均评价已计算（草稿）：请核对结果后发布。") % {"year": evaluation.year},
    )
    return redirect(evaluation)


@login_required
@require_POST
def evaluation_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    """The supervisor publishes a draft: the classes go into the enterprise registry."""
    evaluation = get_restricted_or_404(Evaluation.objects.all(), request.user, Action.CHANGE, pk=pk)
    try:
        do_publish_evaluation(evaluation, actor=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(
            request,
            _("%(year)s 年度亩均评价已发布，各企业的评价类别已写入企业名录。")
            % {"year": evaluation.year},
        )
    return redirect(evaluation)


# An evaluation's results -------------------------------------------------------------------


@dataclass
class MeasureCell:
    """One measure of a result: its value, the points it earned, whether it was missing."""

    measure: str
    name: str
    unit: str
    value: str
    points: str
    missing: bool


def measure_cells(result: EvaluationResult, criteria: Iterable[Criterion]) -> list[MeasureCell]:
    """A result's measures in its scheme's order, from the breakdown it was published with."""
    cells = []
    for criterion in criteria:
        if criterion.size != result.size:
            continue
        line = result.breakdown.get(criterion.measure, {})
        value = line.get("value")
        points = line.get("points")
        name, unit = measure_parts(criterion.measure)
        cells.append(
            MeasureCell(
                measure=criterion.measure,
                name=name,
                unit=unit,
                value=shown(Decimal(value)) if value is not None else "—",
                points=points or "",
                missing=value is None,
            )
        )
    return cells


def _results(request: AuthedRequest, evaluation: Evaluation, data: Any) -> EvaluationResultFilter:
    visible = EvaluationResult.objects.restrict(request.user).filter(evaluation=evaluation)
    return EvaluationResultFilter(data, queryset=visible, request=request)


@login_required
def evaluation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """An evaluation's results the user may see, filtered by size, class, town and name,
    with the counts per class of what the other filters leave; htmx swaps in the results
    only. A fixed number of queries whatever the number of results."""
    user = request.user
    evaluation = get_restricted_or_404(
        _rated_counts(Evaluation.objects.select_related("scheme", "computed_by", "published_by")),
        user,
        pk=pk,
    )
    filterset = _results(request, evaluation, request.GET)
    without_grade = request.GET.copy()
    without_grade.pop("grade", None)
    counts = _grade_counts(_results(request, evaluation, without_grade).qs)
    page = Paginator(filterset.qs.select_related("enterprise", "unit"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    criteria = list(evaluation.scheme.criteria.all())
    chosen_size = filterset.form.cleaned_data.get("size") if filterset.is_valid() else ""
    for result in page:
        result.cells = measure_cells(result, criteria)
        result.rated = (
            evaluation.rated_above if result.size == Size.ABOVE_SCALE else evaluation.rated_below
        )
    context = {
        "evaluation": evaluation,
        "filter": filterset,
        "page": page,
        "counts": [(grade, counts[grade]) for grade in GRADES],
        "total": sum(counts.values()),
        "chosen_grade": request.GET.get("grade", ""),
        "columns": [
            measure_parts(criterion.measure)
            for criterion in criteria
            if chosen_size and criterion.size == chosen_size
        ],
        "can_publish": evaluation.status == RunStatus.DRAFT and _is_supervisor(user),
    }
    template = (
        "scoring/_evaluation_results.html" if request.htmx else "scoring/evaluation_detail.html"
    )
    return render(request, template, context)


def _result_columns() -> list[Column]:
    measures = [
        Column(measure.value, str(measure.label), width=14, number_format="#,##0.0000")
        for measure in Measure
    ]
    return [
        Column("rank", _("名次"), width=6),
        Column("name", _("企业名称"), width=34),
        Column("uscc", _("统一社会信用代码"), width=22),
        Column("unit", _("所属镇街"), width=12),
        Column("size", _("企业类别"), width=8),
        *measures,
        Column("score", _("综合得分"), width=10, number_format=AMOUNT_FORMAT),
        Column("grade", _("评价类别"), width=16),
        Column("veto_reason", _("否决事项"), width=24),
        Column("unrated_reason", _("不参评原因"), width=24),
    ]


@login_required
def evaluation_export(request: AuthedRequest, pk: int) -> HttpResponse:
    """The results as the page filters them, as .xlsx: rank, enterprise, town, size, every
    measure, score, class and reasons."""
    evaluation = get_restricted_or_404(Evaluation.objects.all(), request.user, pk=pk)
    filterset = _results(request, evaluation, request.GET)
    writer = WorkbookWriter()
    table = writer.table(
        _("%(year)s年亩均评价") % {"year": evaluation.year},
        _result_columns(),
        heading=_("%(year)s年度亩均效益综合评价结果（%(status)s）")
        % {"year": evaluation.year, "status": evaluation.get_status_display()},
    )
    sizes = {size.value: str(size.label) for size in Size}
    grades = {grade.value: str(grade.label) for grade in Grade}
    count = 0
    for result in filterset.qs.select_related("enterprise", "unit").iterator(chunk_size=2000):
        values: dict[str, Any] = {
            "rank": result.rank,
            "name": result.enterprise.name,
            "uscc": result.enterprise.uscc,
            "unit": result.unit.name,
            "size": sizes.get(result.size, result.size),
            "score": result.score,
            "grade": grades.get(result.grade, result.grade),
            "veto_reason": result.veto_reason,
            "unrated_reason": result.unrated_reason,
        }
        for measure, line in result.breakdown.items():
            if line.get("value") is not None:
                values[measure] = Decimal(line["value"])
        table.append(values)
        count += 1
    table.totals(
        {"name": ngettext("%(count)s 家企业", "%(count)s 家企业", count) % {"count": count}}
    )
    filename = _("亩均评价_%(year)s_%(date)s.xlsx") % {
        "year": evaluation.year,
        "date": timezone.localdate().strftime("%Y%m%d"),
    }
    return _xlsx(writer.to_bytes(), filename)


# Schemes -----------------------------------------------------------------------------------


@dataclass
class SizeCriteria:
    size: str
    label: str
    criteria: list[Criterion]
    total_weight: Decimal


def size_criteria(criteria: list[Criterion]) -> list[SizeCriteria]:
    return [
        SizeCriteria(
            size.value,
            str(size.label),
            [criterion for criterion in criteria if criterion.size == size],
            sum((c.weight for c in criteria if c.size == size), Decimal(0)),
        )
        for size in Size
    ]


@login_required
def scheme_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A year's scheme: the criteria of each size with weight, benchmark and cap, the class
    shares, the evaluations that used it and its history."""
    user = request.user
    scheme = get_restricted_or_404(EvaluationScheme.objects.all(), user, pk=pk)
    criteria = list(scheme.criteria.all())
    for criterion in criteria:
        criterion.name, criterion.unit = measure_parts(criterion.measure)
        criterion.benchmark_shown = f"{criterion.benchmark.normalize():,f}"
    evaluations = list(Evaluation.objects.restrict(user).filter(scheme=scheme))
    used = any(evaluation.is_published for evaluation in evaluations) or is_used(scheme)
    context = {
        "scheme": scheme,
        "sizes": size_criteria(criteria),
        "evaluations": evaluations,
        "used": used,
        "can_change": _is_supervisor(user) and not used,
        "can_add": _is_supervisor(user),
    }
    return render(request, "scoring/evaluation_scheme.html", context)


def _scheme_page(
    request: AuthedRequest,
    scheme: EvaluationScheme,
    initial: list[CriterionSpec],
    *,
    title: str,
    cancel_url: str,
) -> HttpResponse:
    """The editor of a scheme: its fields and its criteria, saved together by the action;
    every rule the action finds broken is listed above the rows, nothing is saved."""
    form = EvaluationSchemeForm(request.POST or None, instance=scheme)
    # The rows as they were only render the page; a POST is read as sent (its blank rows
    # are blank whatever their place).
    if request.method == "POST":
        formset = CriterionFormSet(request.POST, prefix="criteria")
    else:
        formset = CriterionFormSet(initial=[spec.__dict__ for spec in initial], prefix="criteria")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        specs = [
            row.spec()
            for row in formset.forms
            if row.cleaned_data and not row.cleaned_data.get("DELETE")
        ]
        reason = form.cleaned_data.get("reason", "")
        try:
            saved = do_save_evaluation_scheme(
                form.instance, criteria=specs, actor=request.user, reason=reason
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, _("评价办法“%(name)s”已保存。") % {"name": saved.name})
            return redirect(saved)
    context = {
        "form": form,
        "formset": formset,
        "title": title,
        "cancel_url": cancel_url,
        "allowed": [
            (str(size.label), [measure_parts(measure)[0] for measure in ALLOWED_MEASURES[size]])
            for size in Size
        ],
    }
    return render(request, "scoring/evaluation_scheme_form.html", context)


@login_required
def scheme_add(request: AuthedRequest) -> HttpResponse:
    """A new year's scheme, starting from the latest one (its criteria and shares) or, for
    the first, from the measures of each size with their usual weights."""
    require_action(EvaluationScheme.objects.all(), request.user, Action.ADD)
    latest = EvaluationScheme.objects.order_by("-year").first()
    year = (latest.year + 1) if latest else default_year()
    scheme = EvaluationScheme(
        year=year, name=_("%(year)s年度亩均效益综合评价办法") % {"year": year}
    )
    if latest is not None:
        for name in ("share_a", "share_b", "share_c", "min_years"):
            setattr(scheme, name, getattr(latest, name))
        initial = criterion_specs(latest)
    else:
        initial = [
            CriterionSpec(size, measure, Decimal(0), Decimal(0))
            for size, measures in ALLOWED_MEASURES.items()
            for measure in measures
        ]
    return _scheme_page(
        request,
        scheme,
        initial,
        title=_("新建亩均评价办法"),
        cancel_url=reverse("scoring:evaluations"),
    )


@login_required
def scheme_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    scheme = get_restricted_or_404(
        EvaluationScheme.objects.all(), request.user, Action.CHANGE, pk=pk
    )
    if is_used(scheme):
        messages.error(request, _("该评价办法已被发布的亩均评价使用，不能再修改。"))
        return redirect(scheme)
    return _scheme_page(
        request,
        copy.copy(scheme),
        criterion_specs(scheme),
        title=_("修改评价办法：%(name)s") % {"name": scheme.name},
        cancel_url=scheme.get_absolute_url(),
    )


# Figures -----------------------------------------------------------------------------------


def _year(text: str | None, fallback: int) -> int:
    if text and text.isdigit() and YEARS[0] <= int(text) <= YEARS[1]:
        return int(text)
    return fallback


@login_required
def figures(request: AuthedRequest) -> HttpResponse:
    """The year's figures the user may see (a town's people their town's), filtered, with
    the import, template and export links."""
    user = request.user
    require_action(EnterpriseFigures.objects.all(), user, Action.VIEW)
    visible = EnterpriseFigures.objects.restrict(user)
    with_figures = set(visible.order_by().values_list("year", flat=True).distinct())
    years = with_figures | set(
        EvaluationScheme.objects.restrict(user).values_list("year", flat=True)
    )
    # By default the latest year with figures (the next year's scheme may have none yet).
    latest = max(with_figures or years or {default_year()})
    year = _year(request.GET.get("year"), latest)
    years.add(year)
    filterset = FiguresFilter(request.GET, queryset=visible.filter(year=year), request=request)
    page = Paginator(
        filterset.qs.select_related("enterprise", "enterprise__unit"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    evaluation = Evaluation.objects.restrict(user).filter(year=year).order_by("status").first()
    context = {
        "year": year,
        "years": sorted(years, reverse=True),
        "filter": filterset,
        "page": page,
        "evaluation": evaluation,
        "can_import": not EnterpriseFigures.objects.restrict(user, Action.ADD).query.is_empty(),
    }
    template = "scoring/_figures_rows.html" if request.htmx else "scoring/evaluation_figures.html"
    return render(request, template, context)


# An enterprise's classes -------------------------------------------------------------------


@login_required
def enterprise_evaluations(request: AuthedRequest, pk: int) -> HttpResponse:
    """An enterprise's published results, year by year: class, score, rank among the rated
    of its size, and the measures it was rated on. An enterprise the user may not see is
    404."""
    user = request.user
    enterprise = get_restricted_or_404(Enterprise.objects.select_related("unit"), user, pk=pk)
    results = list(
        EvaluationResult.objects.restrict(user)
        .published()
        .filter(enterprise=enterprise)
        .select_related("unit")
        .order_by("-evaluation__year")
    )
    evaluations: dict[int, Any] = {
        evaluation.pk: evaluation
        for evaluation in _rated_counts(
            Evaluation.objects.restrict(user).filter(pk__in=[r.evaluation_id for r in results])
        ).select_related("scheme")
    }
    criteria: dict[int, list[Criterion]] = {}
    for criterion in Criterion.objects.filter(
        scheme__in={evaluation.scheme_id for evaluation in evaluations.values()}
    ):
        criteria.setdefault(criterion.scheme_id, []).append(criterion)
    for result in results:
        evaluation = evaluations[result.evaluation_id]
        result.evaluation = evaluation
        result.cells = measure_cells(result, criteria.get(evaluation.scheme_id, []))
        result.rated = (
            evaluation.rated_above if result.size == Size.ABOVE_SCALE else evaluation.rated_below
        )
    context = {"enterprise": enterprise, "results": results}
    return render(request, "scoring/evaluation_enterprise.html", context)


urlpatterns: list[URLPattern] = [
    path("evaluations/", evaluation_list, name="evaluations"),
    path("evaluations/compute/", evaluation_compute, name="evaluation_compute"),
    path("evaluations/<int:pk>/", evaluation_detail, name="evaluation"),
    path("evaluations/<int:pk>/publish/", evaluation_publish, name="evaluation_publish"),
    path("evaluations/<int:pk>/export/", evaluation_export, name="evaluation_export"),
    path("evaluations/schemes/add/", scheme_add, name="evaluation_scheme_add"),
    path("evaluations/schemes/<int:pk>/", scheme_detail, name="evaluation_scheme"),
    path("evaluations/schemes/<int:pk>/edit/", scheme_edit, name="evaluation_scheme_edit"),
    path("evaluations/figures/", figures, name="figures"),
    path(
        "evaluations/enterprises/<int:pk>/",
        enterprise_evaluations,
        name="enterprise_evaluations",
    ),
]
