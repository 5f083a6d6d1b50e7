"""Writes of the 亩均 evaluation (亩均论英雄): the year's scheme, the enterprises' figures,
the evaluation computed as a draft and published. Each action is one transaction, checks
that the actor is the supervisor and records the history with its reason; the pages, the
API, the figures import and the demo call these.

An evaluation's life:
    computed (草稿, the results shown for checking, 公示) ─ computed again replaces it ─
    发布 → 已发布: never changes; every evaluated enterprise's class goes into the registry
    (Enterprise.grade, grade_year). A published year is not computed again, and its scheme
    and figures keep what they were published with.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.core.bulk import insert_rows
from bipin.core.choices import Role
from bipin.core.excel import Outcome
from bipin.core.history import delete_with_history, record_versions, save_with_history
from bipin.enterprises.choices import Size
from bipin.enterprises.models import Enterprise
from bipin.org.models import User
from bipin.scoring.choices import Measure, RunStatus
from bipin.scoring.evaluation import ALLOWED_MEASURES, evaluate
from bipin.scoring.models import (
    Criterion,
    EnterpriseFigures,
    Evaluation,
    EvaluationResult,
    EvaluationScheme,
)

#: Years an evaluation may be of.
YEARS = (2000, 2100)
#: Ids per UPDATE statement (SQLite takes 32,766 parameters).
_IDS_PER_STATEMENT = 5000
SCHEME_FIELDS = ("year", "name", "share_a", "share_b", "share_c", "min_years")


def _is_supervisor(actor: Any) -> bool:
    return bool(actor.is_superuser or actor.role == Role.SUPERVISOR)


def _require_supervisor(actor: Any, message: str) -> None:
    if actor is None or not _is_supervisor(actor):
        raise ValidationError(message, code="not_allowed")


# The scheme (评价办法) ------------------------------------------------------------------------


@dataclass
class CriterionSpec:
    """One measure of a scheme as a form, the API or the demo gives it."""

    size: str
    measure: str
    weight: Decimal
    benchmark: Decimal
    cap: Decimal = Decimal(2)


def criterion_specs(scheme: EvaluationScheme) -> list[CriterionSpec]:
    """A saved scheme's criteria as specs (to copy or edit them)."""
    return [
        CriterionSpec(
            size=criterion.size,
            measure=criterion.measure,
            weight=criterion.weight,
            benchmark=criterion.benchmark,
            cap=criterion.cap,
        )
        for criterion in scheme.criteria.all()
    ]


def is_used(scheme: EvaluationScheme) -> bool:
    """Whether a published evaluation used the scheme (then it never changes)."""
    return scheme.pk is not None and scheme.evaluations.filter(status=RunStatus.PUBLISHED).exists()


def _field_messages(obj: models.Model, label: str, exclude: list[str]) -> list[str]:
    """The model's own field rules (digits, lengths) broken by `obj`, each naming the field."""
    try:
        obj.clean_fields(exclude=exclude)
    except ValidationError as error:
        return [
            _("%(label)s“%(field)s”：%(message)s")
            % {
                "label": label,
                "field": getattr(obj._meta.get_field(name), "verbose_name", name),
                "message": message,
            }
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return []


def check_evaluation_scheme(
    scheme: EvaluationScheme, criteria: Sequence[CriterionSpec]
) -> list[str]:
    """Every rule the scheme breaks, each message naming what breaks it: the year, the
    shares (0 < A < B < C ≤ 100), and per size at least one criterion, only the measures
    of that size, each once, weights ≥ 0 (not all 0), benchmarks > 0, caps > 0."""
    errors: list[str] = []
    if not (YEARS[0] <= (scheme.year or 0) <= YEARS[1]):
        errors.append(
            _("年度应在 %(first)s 至 %(last)s 之间。") % {"first": YEARS[0], "last": YEARS[1]}
        )
    elif EvaluationScheme.objects.filter(year=scheme.year).exclude(pk=scheme.pk).exists():
        errors.append(
            _("已有 %(year)s 年度的评价办法：每年只有一个，请修改它。") % {"year": scheme.year}
        )
    if not (scheme.name or "").strip():
        errors.append(_("评价办法须有名称。"))
    errors.extend(_field_messages(scheme, "", ["year", "name"]))
    shares = (scheme.share_a, scheme.share_b, scheme.share_c)
    if any(share is None for share in shares):
        errors.append(_("须填写 A、B、C 类的累计比例。"))
    elif not (Decimal(0) < shares[0] < shares[1] < shares[2] <= Decimal(100)):
        errors.append(
            _(
                "分类比例应在 0 至 100 之间逐级递增：A 类 < B 类 < C 类 ≤ 100（现为 %(a)s、%(b)s、%(c)s）。"
            )
            % {"a": shares[0], "b": shares[1], "c": shares[2]}
        )
    counts: dict[str, int] = defaultdict(int)
    weights: dict[str, Decimal] = defaultdict(Decimal)
    seen: set[tuple[str, str]] = set()
    for spec in criteria:
        counts[spec.size] += 1
        number = counts[spec.size]
        size_label = Size(spec.size).label if spec.size in Size.values else spec.size
        measure_label = (
            Measure(spec.measure).label if spec.measure in Measure.values else spec.measure
        )
        label = _("%(size)s第 %(number)s 项“%(measure)s”") % {
            "size": size_label,
            "number": number,
            "measure": measure_label,
        }
        if spec.size not in Size.values:
            errors.append(_("%(label)s：企业类别应为规上或规下。") % {"label": label})
            continue
        if spec.measure not in ALLOWED_MEASURES[spec.size]:
            allowed = "、".join(str(measure.label) for measure in ALLOWED_MEASURES[spec.size])
            errors.append(
                _("%(label)s：%(size)s企业只能按 %(allowed)s 评价。")
                % {"label": label, "size": size_label, "allowed": allowed}
            )
        if (spec.size, spec.measure) in seen:
            errors.append(_("%(label)s：同一指标只能有一项。") % {"label": label})
        seen.add((spec.size, spec.measure))
        if spec.weight is None or spec.weight < 0:
            errors.append(_("%(label)s：权重不能为负数。") % {"label": label})
        else:
            weights[spec.size] += spec.weight
        if spec.benchmark is None or spec.benchmark <= 0:
            errors.append(_("%(label)s：基准值须大于 0。") % {"label": label})
        if spec.cap is None or spec.cap <= 0:
            errors.append(_("%(label)s：封顶倍数须大于 0。") % {"label": label})
        criterion = Criterion(
            size=spec.size,
            measure=spec.measure,
            weight=spec.weight,
            benchmark=spec.benchmark,
            cap=spec.cap,
        )
        errors.extend(
            message
            for message in _field_messages(criterion, label, ["scheme"])
            if message not in errors
        )
    for size in Size:
        if not counts[size]:
            errors.append(_("%(size)s企业至少要有一项评价指标。") % {"size": size.label})
        elif weights[size] <= 0:
            errors.append(_("%(size)s企业的权重不能全为 0。") % {"size": size.label})
    return errors


@transaction.atomic
def do_save_evaluation_scheme(
    scheme: EvaluationScheme,
    *,
    criteria: Sequence[CriterionSpec],
    actor: User,
    reason: str = "",
) -> EvaluationScheme:
    """Saves a year's scheme with all its criteria, replacing the ones it had. A scheme a
    published evaluation used is refused (code "frozen"); every broken rule is listed in
    one ValidationError. All or nothing."""
    _require_supervisor(actor, _("只有督查室可以制定亩均评价办法。"))
    if scheme.pk is not None:
        stored = EvaluationScheme.objects.select_for_update().get(pk=scheme.pk)
        if is_used(stored):
            raise ValidationError(
                _("“%(scheme)s”已被发布的亩均评价使用，不能再修改。") % {"scheme": stored},
                code="frozen",
            )
    errors = check_evaluation_scheme(scheme, criteria)
    if errors:
        raise ValidationError(errors, code="invalid")
    why = reason or _("保存亩均评价办法")
    save_with_history(scheme, actor=actor, reason=why)
    for old in list(scheme.criteria.all()):
        delete_with_history(old, actor=actor, reason=why)
    for spec in criteria:
        criterion = Criterion(scheme=scheme, **spec.__dict__)
        save_with_history(criterion, actor=actor, reason=why)
    return scheme


# Figures (亩均数据) ---------------------------------------------------------------------------


@dataclass
class FiguresRow:
    """An enterprise's figures of the year as a sheet, the API or the demo gives them;
    `label` names the row in messages ("第 5 行")."""

    enterprise: Enterprise
    size: str
    land_area: Decimal
    tax: Decimal
    value_added: Decimal | None = None
    revenue: Decimal | None = None
    employees: int | None = None
    energy: Decimal | None = None
    emissions: Decimal | None = None
    rd_expense: Decimal | None = None
    electricity: Decimal | None = None
    production_started: int | None = None
    unrated_reason: str = ""
    veto_reason: str = ""
    label: str = ""


#: The figures' fields a row sets (all but the enterprise, the year and the label).
FIGURES_FIELDS = tuple(
    item.name for item in fields(FiguresRow) if item.name not in ("enterprise", "label")
)
_AMOUNT_FIELDS = (
    "land_area", "tax", "value_added", "revenue", "energy", "emissions", "rd_expense",
    "electricity",
)  # fmt: skip
_INSERT_COLUMNS = ("enterprise_id", "year", *FIGURES_FIELDS)


def _places(value: Decimal, field_name: str) -> str:
    """What is wrong with the digits of an amount for its column, or ""."""
    model_field = EnterpriseFigures._meta.get_field(field_name)
    assert isinstance(model_field, models.DecimalField)
    places = model_field.decimal_places or 0
    digits = model_field.max_digits or 0
    try:
        exact = value == value.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        return _("数值过大（%(value)s）。") % {"value": value}
    if not exact:
        return _("最多 %(places)s 位小数（%(value)s）。") % {"places": places, "value": value}
    if value.adjusted() + 1 > digits - places:
        return _("数值过大（%(value)s）。") % {"value": value}
    return ""


def check_figures(row: FiguresRow, year: int) -> list[tuple[str, str]]:
    """The rules of one row of figures, as (field, message): 规上 or 规下, a land area > 0,
    the tax, no negative amount or count, at most the column's decimals, a year of
    production not after the evaluated year, reasons within their length."""
    problems: list[tuple[str, str]] = []
    if row.size not in Size.values:
        problems.append(("size", _("企业类别应为规上或规下。")))
    if row.land_area is None:
        problems.append(("land_area", _("必须填写用地面积：亩均评价按用地面积计算。")))
    elif row.land_area <= 0:
        problems.append(
            ("land_area", _("用地面积须大于 0（%(value)s）。") % {"value": row.land_area})
        )
    if row.tax is None:
        problems.append(("tax", _("必须填写实缴税收（没有税收填 0）。")))
    for name in _AMOUNT_FIELDS:
        value = getattr(row, name)
        if value is None:
            continue
        if value < 0:
            label = getattr(EnterpriseFigures._meta.get_field(name), "verbose_name", name)
            problems.append(
                (name, _("%(field)s不能为负数（%(value)s）。") % {"field": label, "value": value})
            )
            continue
        problem = _places(value, name)
        if problem:
            problems.append((name, problem))
    if row.employees is not None and row.employees < 0:
        problems.append(
            ("employees", _("职工人数不能为负数（%(value)s）。") % {"value": row.employees})
        )
    started = row.production_started
    if started is not None and not (1900 <= started <= year):
        problems.append(
            (
                "production_started",
                _("投产年份应在 1900 至 %(year)s 年之间（%(value)s）。")
                % {"year": year, "value": started},
            )
        )
    for name, limit in (("unrated_reason", 100), ("veto_reason", 200)):
        if len(getattr(row, name)) > limit:
            problems.append((name, _("最多 %(limit)s 个字。") % {"limit": limit}))
    return problems


@dataclass
class FiguresSaved:
    """What do_save_figures did: each row's outcome (in the order given) and the counts."""

    outcomes: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return self.outcomes.count(outcome)


def _normalised(row: FiguresRow) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in FIGURES_FIELDS}
    for name in ("unrated_reason", "veto_reason"):
        values[name] = " ".join((values[name] or "").split())
    return values


def _differs(stored: Any, new: Any) -> bool:
    if isinstance(stored, Decimal) and isinstance(new, Decimal | int):
        return stored != Decimal(new)
    return bool(stored != new)


def is_published_year(year: int) -> bool:
    return Evaluation.objects.filter(year=year, status=RunStatus.PUBLISHED).exists()


@transaction.atomic
def do_save_figures(rows: Sequence[FiguresRow], *, year: int, actor: User) -> FiguresSaved:
    """Writes the year's figures of many enterprises at once (the bureaus' sheet): every
    row is checked first, and one broken rule anywhere writes nothing — the
    ValidationError lists each row's label and rule. Rows upsert on (enterprise, year);
    an unchanged row is not written. The figures of a year whose evaluation is published
    do not change. A few statements per batch, each version in the history."""
    _require_supervisor(actor, _("只有督查室可以录入亩均数据。"))
    if not (YEARS[0] <= year <= YEARS[1]):
        raise ValidationError(
            _("年度应在 %(first)s 至 %(last)s 之间。") % {"first": YEARS[0], "last": YEARS[1]},
            code="year",
        )
    errors: list[str] = []
    first: dict[int, str] = {}
    for number, row in enumerate(rows, start=1):
        label = row.label or _("第 %(number)s 条") % {"number": number}
        previous = first.setdefault(row.enterprise.pk, label)
        if previous != label:
            errors.append(
                _("%(label)s：“%(name)s”与%(other)s重复，每家企业每年只有一条亩均数据。")
                % {"label": label, "name": row.enterprise.name, "other": previous}
            )
        errors.extend(f"{label}：{message}" for _name, message in check_figures(row, year))
    if errors:
        raise ValidationError(errors, code="invalid")
    existing = {
        figures.enterprise_id: figures
        for figures in EnterpriseFigures.objects.select_for_update().filter(
            year=year, enterprise__in=[row.enterprise.pk for row in rows]
        )
    }
    saved = FiguresSaved()
    new: list[list[Any]] = []
    changed: list[EnterpriseFigures] = []
    for row in rows:
        values = _normalised(row)
        stored = existing.get(row.enterprise.pk)
        if stored is None:
            new.append([row.enterprise.pk, year, *values.values()])
            saved.outcomes.append(Outcome.CREATED)
            continue
        changes = {
            name: value for name, value in values.items() if _differs(getattr(stored, name), value)
        }
        if not changes:
            saved.outcomes.append(Outcome.UNCHANGED)
            continue
        for name, value in changes.items():
            setattr(stored, name, value)
        changed.append(stored)
        saved.outcomes.append(Outcome.UPDATED)
    if (new or changed) and is_published_year(year):
        raise ValidationError(
            _("%(year)s 年度的亩均评价已发布，其亩均数据不能再修改。") % {"year": year},
            code="published",
        )
    created = insert_rows(EnterpriseFigures, _INSERT_COLUMNS, new)
    EnterpriseFigures.objects.bulk_update(changed, list(FIGURES_FIELDS), batch_size=1000)
    record_versions(EnterpriseFigures, created, actor=actor, reason=_("录入亩均数据"))
    record_versions(
        EnterpriseFigures,
        [figures.pk for figures in changed],
        actor=actor,
        reason=_("修改亩均数据"),
        kind="~",
    )
    saved.ids = [*created, *(figures.pk for figures in changed)]
    return saved


# The evaluation -------------------------------------------------------------------------------


_RESULT_COLUMNS = (
    "evaluation_id", "enterprise_id", "unit_id", "size", "score", "rank", "grade",
    "veto_reason", "unrated_reason", "breakdown",
)  # fmt: skip


@transaction.atomic
def do_evaluate(year: int, *, actor: User) -> Evaluation:
    """Evaluates the year's figures under the year's scheme as a draft, replacing the
    year's previous draft; the results are written in bulk. Refused when the year has no
    scheme, the scheme breaks a rule, there are no figures, or the year is published."""
    _require_supervisor(actor, _("只有督查室可以计算亩均评价。"))
    scheme = EvaluationScheme.objects.select_for_update().filter(year=year).first()
    if scheme is None:
        raise ValidationError(
            _("没有 %(year)s 年度的亩均评价办法：请先制定评价办法。") % {"year": year},
            code="no_scheme",
        )
    if is_published_year(year):
        raise ValidationError(
            _("%(year)s 年度的亩均评价已发布，不能重新计算。") % {"year": year},
            code="published",
        )
    problems = check_evaluation_scheme(scheme, criterion_specs(scheme))
    if problems:
        raise ValidationError(
            [_("评价办法须先改正：%(problem)s") % {"problem": problem} for problem in problems],
            code="invalid_scheme",
        )
    figures = list(
        EnterpriseFigures.objects.filter(year=year)
        .select_related("enterprise")
        .order_by("enterprise_id")
    )
    if not figures:
        raise ValidationError(
            _("没有 %(year)s 年度的亩均数据：请先导入亩均数据表。") % {"year": year},
            code="no_figures",
        )
    for draft in Evaluation.objects.filter(year=year, status=RunStatus.DRAFT):
        delete_with_history(draft, actor=actor, reason=_("重新计算亩均评价"))
    rows = evaluate(scheme, figures)
    evaluation = Evaluation(scheme=scheme, year=year, computed_at=timezone.now(), computed_by=actor)
    save_with_history(evaluation, actor=actor, reason=_("计算亩均评价"))
    insert_rows(
        EvaluationResult,
        _RESULT_COLUMNS,
        [
            (
                evaluation.pk,
                row.enterprise_id,
                row.unit_id,
                row.size,
                row.score,
                row.rank,
                row.grade,
                row.veto_reason,
                row.unrated_reason,
                row.breakdown,
            )
            for row in rows
        ],
    )
    return evaluation


@transaction.atomic
def do_publish_evaluation(evaluation: Evaluation, *, actor: User) -> Evaluation:
    """Publishes a draft evaluation: from now on it never changes, and every evaluated
    enterprise's class and year go into the registry (Enterprise.grade, grade_year) — one
    UPDATE per class, each enterprise's new version in its history. An enterprise already
    graded for a later year keeps that grade."""
    _require_supervisor(actor, _("只有督查室可以发布亩均评价。"))
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.status != RunStatus.DRAFT:
        raise ValidationError(_("该亩均评价已发布，不能再次发布。"), code="published")
    if is_published_year(evaluation.year):
        raise ValidationError(
            _("%(year)s 年度已有发布的亩均评价。") % {"year": evaluation.year}, code="published"
        )
    now = timezone.now()
    evaluation.status = RunStatus.PUBLISHED
    evaluation.published_at = now
    evaluation.published_by = actor
    save_with_history(evaluation, actor=actor, reason=_("发布亩均评价"))
    grades = dict(evaluation.results.values_list("enterprise_id", "grade"))
    current = set(
        Enterprise.objects.filter(pk__in=evaluation.results.values("enterprise_id"))
        .filter(Q(grade_year__isnull=True) | Q(grade_year__lte=evaluation.year))
        .values_list("pk", flat=True)
    )
    by_grade: dict[str, list[int]] = defaultdict(list)
    for enterprise_id, grade in grades.items():
        if enterprise_id in current:
            by_grade[grade].append(enterprise_id)
    for grade, ids in sorted(by_grade.items()):
        for start in range(0, len(ids), _IDS_PER_STATEMENT):
            Enterprise.objects.filter(pk__in=ids[start : start + _IDS_PER_STATEMENT]).update(
                grade=grade, grade_year=evaluation.year
            )
    record_versions(
        Enterprise,
        sorted(current),
        actor=actor,
        reason=_("%(year)s年度亩均评价发布") % {"year": evaluation.year},
        kind="~",
    )
    return evaluation
