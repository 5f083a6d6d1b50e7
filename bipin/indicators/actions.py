"""Writes of indicator data: the catalogue, targets, reporting periods and monthly values.

Each action is one transaction, checks who may do it, and records who did it and why in
the history; pages, the API, the Excel imports, the commands and the demo call these.

A value's workflow (DESIGN.md, "The flow of data", step 3):

    草稿 ─提交→ 已提交 ─审核→ 已审核 ─锁定（填报期关闭）→ 已锁定
      ↑ the owner edits while draft or submitted (an edit makes it a draft again)
      └──────── 退回 (the approver, with a reason) ───────┘

- the owner writes: the people of the unit for an indicator each unit reports itself, the
  data provider's people for its indicators (for every unit), or the supervisor;
- the approver: the unit's manager for the unit's own indicators, the supervisor for a
  data provider's values (and for any value);
- after the period closes only the supervisor corrects, with a reason (do_correct_value);
- derived values are computed (do_compute_derived), never typed in.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from bipin.core import bulk
from bipin.core.choices import Role
from bipin.core.history import delete_with_history, record_versions, save_with_history
from bipin.core.periods import Period
from bipin.indicators import computations
from bipin.indicators.choices import EDITABLE, IndicatorKind, Source, ValueStatus
from bipin.indicators.derived import derivations
from bipin.indicators.models import Indicator, ReportingPeriod, Target, Value
from bipin.org.choices import UnitKind
from bipin.org.models import Unit, User

INDICATOR_FIELDS = (
    "code", "name", "unit_of_measure", "kind", "direction", "decimals", "provider", "source",
    "derivation", "base", "unit_kinds", "description", "order", "active",
)  # fmt: skip
_MAX_PLACES = 4


def _is_supervisor(actor: User) -> bool:
    return bool(actor.is_superuser or actor.role == Role.SUPERVISOR)


def _refuse(message: str, code: str = "not_allowed") -> None:
    raise ValidationError(message, code=code)


# The catalogue -----------------------------------------------------------------------------


def check_indicator(indicator: Indicator) -> dict[str, str]:
    """The rules of an indicator that its fields alone do not say."""
    errors: dict[str, str] = {}
    if indicator.source == Source.DERIVED:
        if indicator.base_id is None and indicator.derivation not in derivations:
            errors["derivation"] = _("系统计算指标须选择计算方法，或（增速指标）选择基础指标。")
    elif indicator.derivation:
        errors["derivation"] = _("只有系统计算指标才有计算方法。")
    if indicator.base_id is not None:
        if indicator.kind != IndicatorKind.GROWTH:
            errors["base"] = _("只有增速指标才能有基础指标。")
        elif indicator.source != Source.DERIVED:
            errors["base"] = _("有基础指标的增速由系统计算，数据来源须为“系统计算”。")
        elif (
            indicator.base is None
            or indicator.base.kind != IndicatorKind.CUMULATIVE
            or indicator.base_id == indicator.pk
        ):
            errors["base"] = _("基础指标须是另一个累计值指标。")
    if indicator.provider is not None and indicator.provider.kind != UnitKind.DEPARTMENT:
        errors["provider"] = _("数据提供部门须是部门。")
    return errors


@transaction.atomic
def do_save_indicator(
    indicator: Indicator | None, *, actor: User, reason: str = "", **fields: Any
) -> Indicator:
    """Creates or changes an indicator of the catalogue (the supervisor's)."""
    if not _is_supervisor(actor):
        _refuse(_("只有督查室可以维护指标目录。"))
    indicator = indicator or Indicator()
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValueError(f"cannot set {', '.join(sorted(unknown))} of an indicator")
    for name, value in fields.items():
        if isinstance(value, str) and name not in ("description",):
            value = " ".join(value.split())
        if name in ("provider", "base") and value is None:
            setattr(indicator, f"{name}_id", None)
            continue
        setattr(indicator, name, value)
    indicator.full_clean()
    errors = check_indicator(indicator)
    if errors:
        raise ValidationError(errors)
    save_with_history(indicator, actor=actor, reason=reason)
    return indicator


# Reporting periods -------------------------------------------------------------------------


def default_deadline(period: Period) -> date:
    """Day BIPIN_VALUE_DEADLINE_DAY of the month after the period."""
    following = period.next()
    return date(following.year, following.month, settings.BIPIN_VALUE_DEADLINE_DAY)


def reporting_period(period: Period) -> ReportingPeriod:
    """The period's row, made with the default deadline the first time it is needed."""
    row, _created = ReportingPeriod.objects.get_or_create(
        year=period.year, month=period.month, defaults={"deadline": default_deadline(period)}
    )
    return row


@transaction.atomic
def do_set_deadline(period: Period, deadline: date, *, actor: User) -> ReportingPeriod:
    if not _is_supervisor(actor):
        _refuse(_("只有督查室可以设置报送截止日期。"))
    row = reporting_period(period)
    if row.is_closed:
        _refuse(_("%(period)s 已锁定，不能再改截止日期。") % {"period": period.label}, "closed")
    if deadline <= date(period.year, period.month, 1):
        raise ValidationError({"deadline": _("截止日期须在该月开始之后。")})
    row.deadline = deadline
    save_with_history(row, actor=actor, reason=_("设置报送截止日期"))
    return row


@transaction.atomic
def do_close_period(period: Period, *, actor: User) -> int:
    """Closes a period: every value of the month is locked, whatever its state (the list of
    what was not approved is on the page that asks for the confirmation). Returns how
    many values were locked."""
    if not _is_supervisor(actor):
        _refuse(_("只有督查室可以锁定填报期。"))
    row = reporting_period(period)
    if row.is_closed:
        _refuse(_("%(period)s 已经锁定。") % {"period": period.label}, "closed")
    if period >= Period.of(timezone.localdate()):
        _refuse(_("本月尚未结束，不能锁定。"), "too_early")
    row.closed_at = timezone.now()
    row.closed_by = actor
    save_with_history(row, actor=actor, reason=_("锁定填报期"))
    values = Value.objects.for_period(period.year, period.month).exclude(status=ValueStatus.LOCKED)
    pks = list(values.values_list("pk", flat=True))
    Value.objects.filter(pk__in=pks).update(status=ValueStatus.LOCKED)
    record_versions(Value, pks, actor=actor, reason=_("填报期锁定"), kind="~")
    return len(pks)


# Values: who may do what -------------------------------------------------------------------


def _writes(actor: User, source: str, provider_id: int | None, unit_id: int, scope: Any) -> bool:
    """The owner rule: the supervisor; a data provider's people for its indicators; a
    unit's people for the indicators each unit reports itself, within their units."""
    if source != Source.MANUAL:
        return False
    if _is_supervisor(actor):
        return True
    if actor.role == Role.DATA_PROVIDER:
        return provider_id in scope
    if actor.role in (Role.UNIT_MANAGER, Role.UNIT_CLERK):
        return provider_id is None and unit_id in scope
    return False


def _approves(actor: User, source: str, provider_id: int | None, unit_id: int, scope: Any) -> bool:
    """The approver rule: the supervisor (a data provider's values are theirs alone); the
    unit's manager for the unit's own indicators."""
    if source != Source.MANUAL:
        return False
    if _is_supervisor(actor):
        return True
    return actor.role == Role.UNIT_MANAGER and provider_id is None and unit_id in scope


def may_write(actor: User, indicator: Indicator, unit: Unit) -> bool:
    """Whether `actor` owns the value of `indicator` for `unit` (ValueQuerySet's "change",
    for a value that may not exist yet)."""
    return _writes(actor, indicator.source, indicator.provider_id, unit.pk, actor.scope_unit_ids())


def may_approve(actor: User, value: Value) -> bool:
    """Whether `actor` approves (and returns) `value`, whatever its state."""
    indicator = value.indicator
    return _approves(
        actor, indicator.source, indicator.provider_id, value.unit_id, actor.scope_unit_ids()
    )


def _owner_refusal(indicator: Indicator, unit: Unit) -> str:
    if indicator.source != Source.MANUAL:
        return _("“%(indicator)s”由系统根据业务记录计算，不能填报。") % {"indicator": indicator}
    if indicator.provider_id is not None:
        return _("“%(indicator)s”由%(provider)s统一报送，您不能填报。") % {
            "indicator": indicator,
            "provider": indicator.provider,
        }
    return _("您不能填报%(unit)s的“%(indicator)s”。") % {"unit": unit, "indicator": indicator}


def check_writable(
    actor: User,
    indicator: Indicator,
    unit: Unit,
    period: Period,
    *,
    today: date | None = None,
    reporting: ReportingPeriod | None = None,
) -> ReportingPeriod:
    """Raises the ValidationError a write of this cell would (who, which indicator, which
    month); returns the period. Grids ask before they show a cell as editable, passing the
    month's row they read once (`reporting`) rather than one query per cell."""
    if not may_write(actor, indicator, unit):
        _refuse(_owner_refusal(indicator, unit))
    if not indicator.active:
        _refuse(_("“%(indicator)s”已停用。") % {"indicator": indicator}, "inactive")
    if not indicator.applies_to(unit):
        _refuse(
            _("%(unit)s不报送“%(indicator)s”。") % {"unit": unit, "indicator": indicator},
            "not_applicable",
        )
    today = today or timezone.localdate()
    if period > Period.of(today):
        _refuse(_("%(period)s 还没有到，不能填报。") % {"period": period.label}, "future")
    row = reporting if reporting is not None else reporting_period(period)
    if row.is_closed:
        _refuse(
            _("%(period)s 已锁定，数据只能由督查室说明原因后更正。") % {"period": period.label},
            "closed",
        )
    return row


def read_amount(indicator: Indicator, raw: Any) -> Decimal:
    """A typed or imported amount for `indicator`: numbers as people write them ("12.5%",
    full-width digits, thousands separators), refused with the reason otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValidationError(_("请填写数值。"), code="blank")
    try:
        amount = raw if isinstance(raw, Decimal) else computations.to_percent_number(raw)
    except ValueError as error:
        raise ValidationError(str(error), code="not_a_number") from None
    if amount < 0 and indicator.kind != IndicatorKind.GROWTH:
        raise ValidationError(
            _("“%(indicator)s”不能为负数：%(amount)s") % {"indicator": indicator, "amount": amount},
            code="negative",
        )
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > _MAX_PLACES:
        raise ValidationError(
            _("小数位数过多（最多 %(places)s 位）：%(amount)s")
            % {"places": _MAX_PLACES, "amount": amount},
            code="precision",
        )
    if abs(amount) >= Decimal(10) ** 16:
        raise ValidationError(_("数值过大：%(amount)s") % {"amount": amount}, code="too_large")
    return amount


# Values: writes ----------------------------------------------------------------------------


@transaction.atomic
def do_save_value(
    *,
    indicator: Indicator,
    unit: Unit,
    period: Period,
    amount: Any,
    actor: User,
    note: str | None = None,
    reported_growth: Decimal | None = None,
    today: date | None = None,
) -> Value:
    """Writes the owner's value of one cell as a draft (a change to a submitted value makes
    it a draft again); a value already approved is refused: the approver returns it first."""
    check_writable(actor, indicator, unit, period, today=today)
    amount = read_amount(indicator, amount)
    value = (
        Value.objects.select_for_update()
        .filter(indicator=indicator, unit=unit, year=period.year, month=period.month)
        .first()
    )
    if value is None:
        value = Value(indicator=indicator, unit=unit, year=period.year, month=period.month)
    elif value.status not in EDITABLE:
        _refuse(_("该数据已审核，如需修改请审核人先退回：%(value)s") % {"value": value}, "approved")
    changed = value.pk is None or value.amount != amount
    if note is not None and note != value.note:
        value.note = note
        changed = True
    if reported_growth is not None and reported_growth != value.reported_growth:
        value.reported_growth = reported_growth
        changed = True
    if not changed:
        return value
    value.amount = amount
    value.status = ValueStatus.DRAFT
    value.entered_by = actor
    value.entered_at = timezone.now()
    value.submitted_by = value.submitted_at = None
    save_with_history(value, actor=actor, reason=_("填报"))
    return value


@dataclass(frozen=True)
class Entry:
    """One cell of a batch of values: what `do_save_values` writes. `label` names the
    cell in an error ("C7", "锦城街道 · 工业投资")."""

    indicator: Indicator
    unit: Unit
    amount: Any
    reported_growth: Decimal | None = None
    label: str = ""


@dataclass
class SaveResult:
    """What a batch changed: the ids of the values it wrote (new or changed: to submit or
    approve next, `Value.objects.for_steps().filter(pk__in=written)`), how many it created
    and changed, and how many it left as they were."""

    written: list[int] = field(default_factory=list)
    created: int = 0
    changed: int = 0
    unchanged: int = 0


#: The columns of a new value row in do_save_values, in its order.
_NEW_VALUE_COLUMNS = (
    "indicator_id", "unit_id", "year", "month", "amount", "reported_growth", "note", "status",
    "entered_by_id", "entered_at", "submitted_by_id", "submitted_at", "approved_by_id",
    "approved_at", "computed_at",
)  # fmt: skip


@transaction.atomic
def do_save_values(
    period: Period,
    entries: Sequence[Entry],
    *,
    actor: User,
    submit: bool = False,
    today: date | None = None,
) -> SaveResult:
    """Writes many cells of one month at once (a provider's grid, the monthly report):
    every cell is checked first, and one error anywhere writes nothing — the
    ValidationError lists every refused cell with its label and the rule. Unchanged cells
    are not written; changed or new ones become drafts, or are submitted at once with
    `submit` (the bureau's report is its submission). A few statements per batch, not a
    few per cell."""
    errors: list[str] = []
    amounts: list[Decimal] = []
    checked: dict[tuple[int, int], str] = {}
    # The month's row, read once for the batch (not a query per cell).
    reporting: ReportingPeriod | None = None
    for entry in entries:
        key = (entry.indicator.pk, entry.unit.pk)
        try:
            if key not in checked:
                reporting = check_writable(
                    actor, entry.indicator, entry.unit, period, today=today, reporting=reporting
                )
                checked[key] = entry.label
            else:
                raise ValidationError(
                    _("与 %(other)s 重复：同一单位同一指标只能有一个数。")
                    % {"other": checked[key]},
                    code="duplicate",
                )
            amounts.append(read_amount(entry.indicator, entry.amount))
        except ValidationError as error:
            errors.append(
                f"{entry.label}：{error.messages[0]}" if entry.label else error.messages[0]
            )
    existing = {
        (value.indicator_id, value.unit_id): value
        for value in Value.objects.select_for_update().filter(
            year=period.year,
            month=period.month,
            indicator__in={entry.indicator.pk for entry in entries},
            unit__in={entry.unit.pk for entry in entries},
        )
    }
    if not errors:
        for entry, amount in zip(entries, amounts, strict=True):
            value = existing.get((entry.indicator.pk, entry.unit.pk))
            growth = entry.reported_growth
            if (
                value is not None
                and value.status not in EDITABLE
                and (
                    value.amount != amount
                    or (growth is not None and growth != value.reported_growth)
                )
            ):
                label = f"{entry.label}：" if entry.label else ""
                errors.append(label + _("该数据已审核，如需修改请审核人先退回。"))
    if errors:
        raise ValidationError(errors, code="refused")
    now = timezone.now()
    status = ValueStatus.SUBMITTED if submit else ValueStatus.DRAFT
    stamp = {
        "status": status,
        "entered_by": actor,
        "entered_at": now,
        "submitted_by": actor if submit else None,
        "submitted_at": now if submit else None,
    }
    result = SaveResult()
    # New values go in as rows, not model instances: a bureau's month is 40,000 of them.
    new: list[list[Any]] = []
    changed: list[Value] = []
    to_submit: list[Value] = []
    stamp_ids = [status, actor.pk, now, actor.pk if submit else None, now if submit else None]
    for entry, amount in zip(entries, amounts, strict=True):
        value = existing.get((entry.indicator.pk, entry.unit.pk))
        growth = entry.reported_growth
        if value is None:
            new.append(
                [entry.indicator.pk, entry.unit.pk, period.year, period.month, amount, growth,
                 "", *stamp_ids, None, None, None]
            )  # fmt: skip
        elif value.amount != amount or (growth is not None and growth != value.reported_growth):
            value.amount = amount
            if growth is not None:
                value.reported_growth = growth
            for name, stamped in stamp.items():
                setattr(value, name, stamped)
            changed.append(value)
        elif submit and value.status == ValueStatus.DRAFT:
            to_submit.append(value)
            result.unchanged += 1
        else:
            result.unchanged += 1
    created = bulk.insert_rows(Value, _NEW_VALUE_COLUMNS, new)
    Value.objects.bulk_update(changed, ["amount", "reported_growth", *stamp], batch_size=2000)
    record_versions(Value, created, actor=actor, reason=_("填报"))
    record_versions(Value, [value.pk for value in changed], actor=actor, reason=_("填报"), kind="~")
    if to_submit:
        # Drafts left as they were but now part of a submission.
        Value.objects.filter(pk__in=[value.pk for value in to_submit]).update(
            status=ValueStatus.SUBMITTED, submitted_by=actor, submitted_at=now
        )
        record_versions(
            Value, [value.pk for value in to_submit], actor=actor, reason=_("提交"), kind="~"
        )
    result.written = [*created, *(value.pk for value in changed)]
    result.created, result.changed = len(created), len(changed)
    return result


@dataclass(frozen=True)
class StepRow:
    """What the workflow's rules read of a value: a batch of 40,000 is checked from these,
    read in one query, without a model instance per value."""

    pk: int
    status: str
    year: int
    month: int
    unit_id: int
    indicator_id: int
    source: str
    provider_id: int | None

    @classmethod
    def of(cls, value: Value) -> "StepRow":
        return cls(
            value.pk, value.status, value.year, value.month, value.unit_id,
            value.indicator_id, value.indicator.source, value.indicator.provider_id,
        )  # fmt: skip


_STEP_ROW_FIELDS = (
    "pk", "status", "year", "month", "unit_id", "indicator_id", "indicator__source",
    "indicator__provider_id",
)  # fmt: skip


def _step_refusal(row: StepRow, actor: User, step: str, scope: set[int]) -> str:
    """Why `actor` may not take `step` on the value (its message), or "" if they may: the
    one statement of who submits, approves and returns what. `scope` is the actor's
    units."""
    status_label = ValueStatus(row.status).label
    if row.source != Source.MANUAL:
        return _("系统计算的数据无需提交审核。")
    if step == "submit":
        if not _writes(actor, row.source, row.provider_id, row.unit_id, scope):
            return "owner"
        if row.status != ValueStatus.DRAFT:
            return _("“%(status)s”的数据不能提交。") % {"status": status_label}
        return ""
    if not _approves(actor, row.source, row.provider_id, row.unit_id, scope):
        return "provider" if row.provider_id is not None else "manager"
    allowed = (
        (ValueStatus.SUBMITTED,)
        if step == "approve"
        else (ValueStatus.SUBMITTED, ValueStatus.APPROVED)
    )
    if row.status not in allowed:
        return _("“%(status)s”的数据不能%(step)s。") % {
            "status": status_label,
            "step": STEP_LABELS[step],
        }
    return ""


def _refusal_message(refusal: str, indicator: Indicator, unit: Unit) -> str:
    """The refusal in words, with the indicator and unit named where it is about them."""
    if refusal == "owner":
        return _owner_refusal(indicator, unit)
    if refusal == "provider":
        return _("数据提供部门报送的数据由督查室审核。")
    if refusal == "manager":
        return _("只有%(unit)s的负责人或督查室可以审核该数据。") % {"unit": unit}
    return refusal


def _check_step(value: Value, actor: User, step: str) -> None:
    refusal = _step_refusal(StepRow.of(value), actor, step, set(actor.scope_unit_ids()))
    if refusal:
        _refuse(_refusal_message(refusal, value.indicator, value.unit))


STEP_LABELS = {
    "submit": pgettext_lazy("value step", "提交"),
    "approve": pgettext_lazy("value step", "审核"),
    "return": pgettext_lazy("value step", "退回"),
}


def allowed_steps(value: Value, actor: User) -> list[str]:
    """The steps `actor` may take on `value` now (its indicator loaded)."""
    steps = []
    for step in ("submit", "approve", "return"):
        try:
            _check_step(value, actor, step)
        except ValidationError:
            continue
        steps.append(step)
    return steps


#: What the batch steps take: values with their indicators loaded, or a queryset of
#: values (read as StepRows in one query: the way for a month's thousands).
Values = Sequence[Value] | QuerySet[Value]


def _step_rows(values: Values) -> list[StepRow]:
    if isinstance(values, QuerySet):
        return [StepRow(*row) for row in values.order_by().values_list(*_STEP_ROW_FIELDS)]
    return [StepRow.of(value) for value in values]


def _locked_refusal(rows: Sequence[StepRow]) -> None:
    months = {(row.year, row.month) for row in rows}
    closed = {
        (period.year, period.month)
        for period in ReportingPeriod.objects.filter(
            closed_at__isnull=False, year__in={year for year, _month in months}
        )
        if (period.year, period.month) in months
    }
    if closed:
        year, month = sorted(closed)[0]
        _refuse(_("%(period)s 已锁定。") % {"period": Period(year, month).label}, "closed")


@transaction.atomic
def do_submit_values(values: Values, *, actor: User) -> int:
    """Submits the owner's drafts (all of them or none); returns how many."""
    return _step_values(values, actor, "submit", ValueStatus.SUBMITTED, _("提交"))


@transaction.atomic
def do_approve_values(values: Values, *, actor: User) -> int:
    """Approves submitted values (all of them or none); returns how many."""
    return _step_values(values, actor, "approve", ValueStatus.APPROVED, _("审核通过"))


@transaction.atomic
def do_return_value(value: Value, *, actor: User, reason: str) -> Value:
    """Sends a submitted or approved value back to its owner as a draft, with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("退回须说明原因。")})
    _step_values(
        [value],
        actor,
        "return",
        ValueStatus.DRAFT,
        _("退回：%(reason)s") % {"reason": reason.strip()},
    )
    value.refresh_from_db()
    return value


def _step_values(values: Values, actor: User, step: str, status: str, reason: str) -> int:
    rows = _step_rows(values)
    if not rows:
        return 0
    _locked_refusal(rows)
    scope = set(actor.scope_unit_ids())
    refused = [
        (row, refusal) for row in rows if (refusal := _step_refusal(row, actor, step, scope))
    ]
    if refused:
        # Named only now, for the values refused: two small queries.
        indicators = Indicator.objects.in_bulk({row.indicator_id for row, _r in refused})
        units = Unit.objects.in_bulk({row.unit_id for row, _r in refused})
        raise ValidationError(
            [
                f"{units[row.unit_id]} · {indicators[row.indicator_id]}："
                + _refusal_message(refusal, indicators[row.indicator_id], units[row.unit_id])
                for row, refusal in refused
            ],
            code="not_allowed",
        )
    now = timezone.now()
    changes: dict[str, Any] = {"status": status}
    if step == "submit":
        changes |= {"submitted_by": actor, "submitted_at": now}
    elif step == "approve":
        changes |= {"approved_by": actor, "approved_at": now}
    else:
        changes |= {
            "approved_by": None,
            "approved_at": None,
            "submitted_by": None,
            "submitted_at": None,
        }
    pks = [row.pk for row in rows]
    # Only rows still in the state they were read in: a concurrent step wins, this one
    # refuses rather than stepping twice.
    expected = {row.status for row in rows}
    updated = 0
    for start in range(0, len(pks), _IDS_PER_STATEMENT):
        batch = pks[start : start + _IDS_PER_STATEMENT]
        updated += Value.objects.filter(pk__in=batch, status__in=expected).update(**changes)
    if updated != len(pks):
        _refuse(_("数据已被他人处理，请刷新后重试。"), "conflict")
    record_versions(Value, pks, actor=actor, reason=str(reason), kind="~")
    if not isinstance(values, QuerySet):
        for value in values:
            for name, new in changes.items():
                setattr(value, name, new)
    return len(pks)


#: Ids a statement names at most (SQLite allows 32,766 parameters).
_IDS_PER_STATEMENT = 20000


@transaction.atomic
def do_correct_value(value: Value, *, amount: Any, actor: User, reason: str) -> Value:
    """The supervisor's correction of a value after its period closed (or of any value),
    with the reason; the old version stays in the history."""
    if not _is_supervisor(actor):
        _refuse(_("数据锁定后只有督查室可以更正。"))
    if value.indicator.source != Source.MANUAL:
        _refuse(_("系统计算的数据不能手工更正，请更正其业务记录后重新计算。"), "derived")
    if not reason.strip():
        raise ValidationError({"reason": _("更正数据须说明原因。")})
    amount = read_amount(value.indicator, amount)
    if amount == value.amount:
        raise ValidationError({"amount": _("更正后的数值与原数值相同。")})
    value.amount = amount
    why = _("更正：%(reason)s") % {"reason": reason.strip()}
    save_with_history(value, actor=actor, reason=why)
    _recompute_growths(value, actor=actor, reason=why)
    return value


def _recompute_growths(value: Value, *, actor: User, reason: str) -> None:
    """The growths computed from a corrected value (固定资产投资 → 固定资产投资增速) of its
    month and of the same month a year later, for its unit, even in a closed month: a
    growth is derived, so a correction of its base corrects it too (do_compute_derived
    does not recompute a closed month)."""
    growths = list(Indicator.objects.filter(base_id=value.indicator_id, active=True))
    if not growths:
        return
    now = timezone.now()
    for growth_indicator in growths:
        for period in (value.period, Period(value.year + 1, value.month)):
            amount = _growth_amounts(value.indicator_id, period, [value.unit]).get(value.unit_id)
            stored = Value.objects.filter(
                indicator=growth_indicator, unit_id=value.unit_id, year=period.year,
                month=period.month,
            ).first()  # fmt: skip
            if stored is None:
                if amount is None:
                    continue
                closed = ReportingPeriod.objects.filter(
                    year=period.year, month=period.month, closed_at__isnull=False
                ).exists()
                stored = Value(
                    indicator=growth_indicator, unit_id=value.unit_id, year=period.year,
                    month=period.month, amount=amount, computed_at=now,
                    status=ValueStatus.LOCKED if closed else ValueStatus.APPROVED,
                )  # fmt: skip
                save_with_history(stored, actor=actor, reason=reason)
            elif amount is None:
                delete_with_history(stored, actor=actor, reason=reason)
            elif stored.amount != amount:
                stored.amount, stored.computed_at = amount, now
                save_with_history(stored, actor=actor, reason=reason)


# Derived values ----------------------------------------------------------------------------


@dataclass
class ComputeResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


def derived_amounts(indicator: Indicator, period: Period, units: list[Unit]) -> dict[int, Decimal]:
    """The computed value of a derived indicator for each of `units` that has one."""
    if indicator.base_id is not None:
        return _growth_amounts(indicator.base_id, period, units)
    return derivations.get(indicator.derivation).amounts(period, units)


def _growth_amounts(base_id: int, period: Period, units: list[Unit]) -> dict[int, Decimal]:
    last = period.same_period_last_year()
    rows = Value.objects.filter(
        indicator_id=base_id,
        unit__in=[unit.pk for unit in units],
        year__in=(period.year, last.year),
        month=period.month,
    ).values_list("unit_id", "year", "amount")
    by_unit: dict[int, dict[int, Decimal]] = {}
    for unit_id, year, amount in rows:
        by_unit.setdefault(unit_id, {})[year] = amount
    amounts = {}
    for unit_id, years in by_unit.items():
        growth = computations.growth(years.get(period.year), years.get(last.year))
        if growth.percent is not None:
            amounts[unit_id] = growth.percent
    return amounts


@transaction.atomic
def do_compute_derived(
    period: Period, *, actor: User | None = None, indicators: Iterable[Indicator] | None = None
) -> ComputeResult:
    """Counts every derived indicator of the period for every unit it applies to and
    writes the values (approved: the records were approved where they were made). Safe to
    run again: unchanged values are not written; a value that can no longer be computed
    (no records any more for a rate) is removed. A closed period is not recomputed."""
    row = reporting_period(period)
    if row.is_closed:
        _refuse(
            _("%(period)s 已锁定，系统计算的数据不再重算。") % {"period": period.label}, "closed"
        )
    if indicators is None:
        indicators = Indicator.objects.derived().active().select_related("base")
    # Growths are computed from their base's values, which may be derived themselves.
    ordered = sorted(indicators, key=lambda indicator: indicator.base_id is not None)
    units = list(Unit.objects.active())
    result = ComputeResult()
    now = timezone.now()
    for indicator in ordered:
        applicable = [unit for unit in units if indicator.applies_to(unit)]
        amounts = derived_amounts(indicator, period, applicable)
        if indicator.kind != IndicatorKind.RATE and indicator.base_id is None:
            # A count with no records is zero, not missing.
            amounts = {unit.pk: amounts.get(unit.pk, Decimal(0)) for unit in applicable}
        existing = {
            value.unit_id: value
            for value in Value.objects.filter(
                indicator=indicator, year=period.year, month=period.month
            )
        }
        new = [
            Value(
                indicator=indicator, unit_id=unit_id, year=period.year, month=period.month,
                amount=amount, status=ValueStatus.APPROVED, computed_at=now,
            )
            for unit_id, amount in amounts.items()
            if unit_id not in existing
        ]  # fmt: skip
        changed = [
            value
            for unit_id, value in existing.items()
            if unit_id in amounts and value.amount != amounts[unit_id]
        ]
        for value in changed:
            value.amount = amounts[value.unit_id]
            value.computed_at = now
        stale = [value.pk for unit_id, value in existing.items() if unit_id not in amounts]
        bulk.insert(new)
        Value.objects.bulk_update(changed, ["amount", "computed_at"])
        reason = _("系统计算")
        record_versions(Value, [value.pk for value in new], actor=actor, reason=reason)
        record_versions(
            Value, [value.pk for value in changed], actor=actor, reason=reason, kind="~"
        )
        if stale:
            record_versions(Value, stale, actor=actor, reason=reason, kind="-")
            Value.objects.filter(pk__in=stale).delete()
        result.created += len(new)
        result.updated += len(changed)
        result.removed += len(stale)
        result.unchanged += len(existing) - len(changed) - len(stale)
    return result


# Targets -----------------------------------------------------------------------------------


def check_target(
    indicator: Indicator, amount: Decimal, phasing: list[Decimal] | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if amount < 0 and indicator.kind != IndicatorKind.GROWTH:
        errors["amount"] = _("“%(indicator)s”的目标不能为负数。") % {"indicator": indicator}
    if phasing is not None:
        if len(phasing) != 12:
            errors["phasing"] = _("分月目标须有 1-12 月共 12 个数。")
        elif indicator.kind not in (IndicatorKind.CUMULATIVE, IndicatorKind.STOCK):
            errors["phasing"] = _("只有累计值和期末值指标可以分月。")
        elif any(later < earlier for earlier, later in pairwise(phasing)):
            errors["phasing"] = _("分月目标是各月末的累计数，不能比上月小。")
        elif phasing[-1] != amount:
            errors["phasing"] = _("12 月末的累计目标须等于年度目标 %(amount)s。") % {
                "amount": amount
            }
        elif phasing[0] < 0:
            errors["phasing"] = _("分月目标不能为负数。")
    return errors


@transaction.atomic
def do_set_target(
    *,
    indicator: Indicator,
    unit: Unit,
    year: int,
    amount: Any,
    actor: User,
    phasing: Sequence[Any] | None = None,
    note: str | None = None,
    reason: str = "",
    today: date | None = None,
) -> Target:
    """Sets a unit's annual target (the supervisor's): before the year starts freely,
    after 1 January only with a reason, which the history keeps."""
    if not _is_supervisor(actor):
        _refuse(_("只有督查室可以设置目标。"))
    if not indicator.applies_to(unit):
        _refuse(
            _("%(unit)s不报送“%(indicator)s”，不能设置目标。")
            % {"unit": unit, "indicator": indicator},
            "not_applicable",
        )
    amount = read_amount(indicator, amount) if not isinstance(amount, Decimal) else amount
    phased = [read_amount(indicator, month) for month in phasing] if phasing else None
    errors = check_target(indicator, amount, phased)
    if errors:
        raise ValidationError(errors)
    target = (
        Target.objects.select_for_update().filter(indicator=indicator, unit=unit, year=year).first()
    ) or Target(indicator=indicator, unit=unit, year=year)
    stored_phasing = [str(month) for month in phased] if phased else None
    if (
        target.pk is not None
        and target.amount == amount
        and target.phased_amounts() == phased
        and (note is None or note == target.note)
    ):
        return target
    started = (today or timezone.localdate()) >= date(year, 1, 1)
    if target.pk is not None and started and not reason.strip():
        raise ValidationError(
            {"reason": _("%(year)s 年已开始，修改目标须说明原因。") % {"year": year}}
        )
    target.amount = amount
    target.phasing = stored_phasing
    if note is not None:
        target.note = note
    save_with_history(target, actor=actor, reason=reason.strip() or _("设置目标"))
    return target
