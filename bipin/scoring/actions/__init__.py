"""Writes of the competition: schemes (the supervisor's), scoring runs and their
publication. Each action is one transaction, checks who may do it and records it in the
history; pages, the API, `bipin score` and the demo call these.

A run's life (DESIGN.md, "A published run never changes"):
    scored (草稿) ─ may be scored again, which replaces it ─ 发布 → 已发布 (frozen forever)
A month that already has a published run is scored again as a correction (更正): the new
draft names the run it corrects, and is published only with the reason.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.core.bulk import insert_rows
from bipin.core.choices import Role
from bipin.core.history import delete_with_history, save_with_history
from bipin.core.periods import Period
from bipin.indicators.choices import IndicatorKind
from bipin.indicators.computations import ColourBands
from bipin.indicators.models import Indicator
from bipin.org.models import Group, User
from bipin.scoring.choices import AdjustmentKind, Basis, Counting, EfficacyForm, RunStatus
from bipin.scoring.engine import Board, score_scheme
from bipin.scoring.models import Adjustment, Run, Scheme, SchemeItem, Score, ScoreItem

SCHEME_FIELDS = ("name", "note", "green_from", "yellow_from")
ITEM_FIELDS = (
    "indicator", "weight", "basis", "cap", "efficacy_form", "satisfactory", "not_allowed",
    "rank_step",
)  # fmt: skip
ADJUSTMENT_FIELDS = ("kind", "name", "indicator", "counting", "per_unit", "cap")
_AMOUNTS = (IndicatorKind.CUMULATIVE, IndicatorKind.STOCK)


def _is_supervisor(actor: User) -> bool:
    return bool(actor.is_superuser or actor.role == Role.SUPERVISOR)


def _require_supervisor(actor: User, message: str) -> None:
    if not _is_supervisor(actor):
        raise ValidationError(message, code="not_allowed")


# Schemes -----------------------------------------------------------------------------------


@dataclass
class ItemSpec:
    """One scored item as a form, the API or the demo gives it."""

    indicator: Indicator
    weight: Decimal
    basis: str
    cap: Decimal = Decimal("1.2")
    efficacy_form: str = EfficacyForm.MINMAX
    satisfactory: Decimal | None = None
    not_allowed: Decimal | None = None
    rank_step: Decimal = Decimal("0.05")


@dataclass
class AdjustmentSpec:
    """One bonus or deduction as a form, the API or the demo gives it."""

    kind: str
    name: str
    indicator: Indicator
    per_unit: Decimal
    cap: Decimal
    counting: str = Counting.VALUE


def check_item(spec: ItemSpec, label: str) -> list[str]:
    """The rules of an item that its fields alone do not say, each message naming it."""
    kind = spec.indicator.kind
    errors = []
    if spec.basis == Basis.COMPLETION and kind not in _AMOUNTS:
        errors.append(
            _(
                "%(label)s：“%(indicator)s”是比率或增速，没有可按序时进度计算的年度总量，请按增速、绝对量或位次计分。"
            )
            % {"label": label, "indicator": spec.indicator.name}
        )
    if spec.basis == Basis.GROWTH and kind not in (*_AMOUNTS, IndicatorKind.GROWTH):
        errors.append(
            _("%(label)s：“%(indicator)s”是比率，没有同比增速。")
            % {"label": label, "indicator": spec.indicator.name}
        )
    if spec.basis in (Basis.GROWTH, Basis.LEVEL) and spec.efficacy_form == EfficacyForm.THRESHOLD:
        if spec.satisfactory is None or spec.not_allowed is None:
            errors.append(_("%(label)s：阈值法须填写满意值和不允许值。") % {"label": label})
        elif spec.satisfactory == spec.not_allowed:
            errors.append(_("%(label)s：满意值与不允许值不能相等。") % {"label": label})
    if spec.weight <= 0:
        errors.append(_("%(label)s：分值须大于 0。") % {"label": label})
    if spec.cap <= 0:
        errors.append(_("%(label)s：封顶倍数须大于 0。") % {"label": label})
    return errors


def check_scheme(
    scheme: Scheme, items: Sequence[ItemSpec], adjustments: Sequence[AdjustmentSpec]
) -> list[str]:
    """Every rule a scheme breaks, each message naming the item."""
    errors = []
    try:
        ColourBands(green_from=scheme.green_from, yellow_from=scheme.yellow_from)
    except ValueError as error:
        errors.append(str(error))
    if not items:
        errors.append(_("评分方案至少要有一个评分项。"))
    seen: set[int] = set()
    for number, spec in enumerate(items, start=1):
        label = _("第 %(number)s 项“%(indicator)s”") % {
            "number": number,
            "indicator": spec.indicator.name,
        }
        if spec.indicator.pk in seen:
            errors.append(_("%(label)s：同一指标只能有一个评分项。") % {"label": label})
        seen.add(spec.indicator.pk)
        errors.extend(check_item(spec, label))
    for number, adjustment in enumerate(adjustments, start=1):
        label = _("第 %(number)s 个加减分项“%(name)s”") % {
            "number": number,
            "name": adjustment.name,
        }
        if not adjustment.name.strip():
            errors.append(_("第 %(number)s 个加减分项须有名称。") % {"number": number})
        if adjustment.kind not in AdjustmentKind.values:
            errors.append(_("%(label)s：类别须为加分或扣分。") % {"label": label})
        if adjustment.per_unit <= 0 or adjustment.cap <= 0:
            errors.append(_("%(label)s：每单位分值和封顶分值须大于 0。") % {"label": label})
    return errors


def _refuse_frozen(scheme: Scheme) -> None:
    if scheme.is_frozen:
        raise ValidationError(
            _("“%(scheme)s”已被发布的评分使用，不能再修改；请另存为新版本。") % {"scheme": scheme},
            code="frozen",
        )


@transaction.atomic
def do_save_scheme(
    scheme: Scheme,
    *,
    items: Sequence[ItemSpec],
    adjustments: Sequence[AdjustmentSpec],
    actor: User,
    reason: str = "",
) -> Scheme:
    """Saves a scheme with all its items and adjustments, replacing the ones it had; a
    frozen scheme is refused (save a new version instead). All or nothing."""
    _require_supervisor(actor, _("只有督查室可以制定评分方案。"))
    if scheme.pk is not None:
        stored = Scheme.objects.select_for_update().get(pk=scheme.pk)
        _refuse_frozen(stored)
    errors = check_scheme(scheme, items, adjustments)
    if errors:
        raise ValidationError(errors)
    if scheme.pk is None:
        latest = Scheme.objects.filter(group=scheme.group).order_by("-version").first()
        scheme.version = latest.version + 1 if latest else 1
        scheme.created_by = actor
    save_with_history(scheme, actor=actor, reason=reason or _("保存评分方案"))
    for old in list(scheme.items.all()):
        delete_with_history(old, actor=actor, reason=reason or _("保存评分方案"))
    for old_adjustment in list(scheme.adjustments.all()):
        delete_with_history(old_adjustment, actor=actor, reason=reason or _("保存评分方案"))
    for order, spec in enumerate(items, start=1):
        item = SchemeItem(scheme=scheme, order=order, **spec.__dict__)
        save_with_history(item, actor=actor, reason=reason or _("保存评分方案"))
    for order, adjustment_spec in enumerate(adjustments, start=1):
        adjustment = Adjustment(scheme=scheme, order=order, **adjustment_spec.__dict__)
        save_with_history(adjustment, actor=actor, reason=reason or _("保存评分方案"))
    return scheme


def item_specs(scheme: Scheme) -> tuple[list[ItemSpec], list[AdjustmentSpec]]:
    """A saved scheme's items and adjustments as specs (to copy or edit them)."""
    items = [
        ItemSpec(**{name: getattr(item, name) for name in ITEM_FIELDS})
        for item in scheme.items.select_related("indicator")
    ]
    adjustments = [
        AdjustmentSpec(**{name: getattr(adjustment, name) for name in ADJUSTMENT_FIELDS})
        for adjustment in scheme.adjustments.select_related("indicator")
    ]
    return items, adjustments


@transaction.atomic
def do_new_scheme_version(scheme: Scheme, *, actor: User) -> Scheme:
    """A copy of `scheme` as the group's next version, open for changes."""
    _require_supervisor(actor, _("只有督查室可以制定评分方案。"))
    items, adjustments = item_specs(scheme)
    copy = Scheme(
        group=scheme.group,
        **{name: getattr(scheme, name) for name in SCHEME_FIELDS},
    )
    return do_save_scheme(
        copy,
        items=items,
        adjustments=adjustments,
        actor=actor,
        reason=_("由第 %(version)s 版另存") % {"version": scheme.version},
    )


# Runs --------------------------------------------------------------------------------------


def current_run(group: Group, period: Period) -> Run | None:
    """The published run of the group's month that no later one corrects."""
    return (
        Run.objects.current()
        .filter(group=group, year=period.year, month=period.month)
        .order_by("-published_at")
        .first()
    )


def previous_run(group: Group, period: Period) -> Run | None:
    """The latest current run of the group before `period` (its rank changes compare to)."""
    earlier = Run.objects.current().filter(group=group, year=period.year, month__lt=period.month)
    return earlier.order_by("-month", "-published_at").first()


_SCORE_COLUMNS = (
    "run_id", "unit_id", "total", "item_points", "bonus", "deduction", "rank",
    "previous_rank", "gap", "colour",
)  # fmt: skip
_ITEM_COLUMNS = (
    "score_id", "order", "kind", "scheme_item_id", "adjustment_id", "indicator_id", "state",
    "actual", "target", "completion", "time_progress", "gap", "growth", "measure", "weight",
    "points",
)  # fmt: skip


def _save_board(run: Run, board: Board) -> None:
    """Writes the board's scores and their lines: two INSERT statements per batch, not a
    statement per line (a province's run is 90,000 lines)."""
    previous_ranks: dict[int, int] = {}
    if run.previous_id is not None:
        previous_ranks = dict(
            Score.objects.filter(run_id=run.previous_id).values_list("unit_id", "rank")
        )
    rows = [
        (
            run.pk,
            result.unit.pk,
            result.total,
            result.item_points,
            result.bonus,
            result.deduction,
            result.rank,
            previous_ranks.get(result.unit.pk),
            result.gap,
            result.colour,
        )
        for result in board.results
    ]
    score_ids = insert_rows(Score, _SCORE_COLUMNS, rows)
    lines = [
        (
            score_id,
            order,
            line.kind,
            line.scheme_item.pk if line.scheme_item else None,
            line.adjustment.pk if line.adjustment else None,
            line.indicator_id,
            line.state,
            line.actual,
            line.target,
            line.completion,
            line.time_progress,
            line.gap,
            line.growth,
            line.measure,
            line.weight,
            line.points,
        )
        for score_id, result in zip(score_ids, board.results, strict=True)
        for order, line in enumerate(result.lines, start=1)
    ]
    insert_rows(ScoreItem, _ITEM_COLUMNS, lines)


@transaction.atomic
def do_score(scheme: Scheme, period: Period, *, actor: User | None) -> Run:
    """Scores the group's month under `scheme` as a draft run, replacing the month's
    previous draft. If the month already has a published run, the draft is its correction
    (更正) and says so. The scheme must be the group's and of the period's year."""
    if actor is not None:
        _require_supervisor(actor, _("只有督查室可以计算评分。"))
    group = scheme.group
    if period.year != group.year:
        raise ValidationError(
            _("“%(scheme)s”是 %(year)s 年的方案，不能用于 %(period)s。")
            % {"scheme": scheme, "year": group.year, "period": period.label},
            code="wrong_year",
        )
    Group.objects.select_for_update().filter(pk=group.pk).first()
    for draft in Run.objects.drafts().filter(group=group, year=period.year, month=period.month):
        draft.delete()
    board = score_scheme(scheme, period)
    run = Run(
        scheme=scheme,
        group=group,
        year=period.year,
        month=period.month,
        corrects=current_run(group, period),
        previous=previous_run(group, period),
        value_count=board.value_count,
        missing_count=board.missing_count,
        computed_at=timezone.now(),
        computed_by=actor,
    )
    save_with_history(run, actor=actor, reason=_("计算评分"))
    _save_board(run, board)
    return run


@transaction.atomic
def do_publish_run(run: Run, *, actor: User, reason: str = "") -> Run:
    """Publishes a draft: from now on it never changes, and its scheme is frozen. A
    correction needs its reason, which the run keeps and the bulletin prints."""
    _require_supervisor(actor, _("只有督查室可以发布评分。"))
    run = Run.objects.select_for_update().select_related("scheme").get(pk=run.pk)
    if run.status != RunStatus.DRAFT:
        raise ValidationError(_("该评分已发布，不能再次发布。"), code="published")
    if run.corrects_id is not None:
        if not reason.strip():
            raise ValidationError(
                {"reason": _("本月已有发布的评分，发布更正须说明原因。")}, code="reason"
            )
        run.correction_reason = reason.strip()
    now = timezone.now()
    run.status = RunStatus.PUBLISHED
    run.published_at = now
    run.published_by = actor
    save_with_history(run, actor=actor, reason=reason.strip() or _("发布评分"))
    scheme = run.scheme
    if scheme.frozen_at is None:
        scheme.frozen_at = now
        save_with_history(scheme, actor=actor, reason=_("发布评分，方案冻结"))
    return run


@transaction.atomic
def do_discard_run(run: Run, *, actor: User) -> None:
    """Deletes a draft run (a published one is kept forever)."""
    _require_supervisor(actor, _("只有督查室可以删除评分草稿。"))
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.DRAFT:
        raise ValidationError(_("已发布的评分不能删除。"), code="published")
    delete_with_history(run, actor=actor, reason=_("删除评分草稿"))


def score_changes(run: Run) -> dict[int, Decimal]:
    """For a correction: each unit's total minus its total in the run it corrects."""
    if run.corrects_id is None:
        return {}
    before = dict(Score.objects.filter(run_id=run.corrects_id).values_list("unit_id", "total"))
    return {
        unit_id: total - before[unit_id]
        for unit_id, total in Score.objects.filter(run=run).values_list("unit_id", "total")
        if unit_id in before
    }


def scheme_for(group: Group) -> Scheme | None:
    """The group's newest scheme version."""
    return Scheme.objects.filter(group=group).order_by("-version").first()
