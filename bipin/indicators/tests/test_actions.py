"""The workflow of monthly values and targets, as the actions enforce it: every transition,
who may take it, and every bad input of the issue refused with a specific message and
nothing changed."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bipin.conftest import District
from bipin.core.choices import Role
from bipin.core.history import history_entries
from bipin.core.periods import Period
from bipin.indicators import actions
from bipin.indicators.choices import ValueStatus
from bipin.indicators.models import ReportingPeriod, Target, Value
from bipin.indicators.tests.conftest import LAST_YEAR, PERIOD, Catalogue
from bipin.org.models import User


def _value(pk: int) -> Value:
    return Value.objects.select_related("indicator", "unit").get(pk=pk)


def _own_value(district: District, catalogue: Catalogue, amount: str = "1200") -> Value:
    """锦城's 引进市外内资 of PERIOD, typed in by its clerk."""
    value = actions.do_save_value(
        indicator=catalogue.outside,
        unit=district.town_a,
        period=PERIOD,
        amount=amount,
        actor=district.clerk_a,
    )
    return _value(value.pk)


def _refused(message_part: str, call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert any(message_part in message for message in caught.value.messages), caught.value.messages
    return caught.value


def _versions(value: Value) -> list[tuple[str, str]]:
    return [
        (version.status, version.history_change_reason)
        for version in value.history.order_by("history_date", "history_id")
    ]


# The workflow ------------------------------------------------------------------------------


def test_a_units_value_goes_from_draft_to_locked(district: District, catalogue: Catalogue) -> None:
    value = _own_value(district, catalogue)
    assert value.status == ValueStatus.DRAFT
    assert value.entered_by == district.clerk_a

    actions.do_submit_values([value], actor=district.clerk_a)
    value = _value(value.pk)
    assert value.status == ValueStatus.SUBMITTED
    assert value.submitted_by == district.clerk_a

    actions.do_approve_values([value], actor=district.manager_a)
    value = _value(value.pk)
    assert value.status == ValueStatus.APPROVED
    assert value.approved_by == district.manager_a

    locked = actions.do_close_period(PERIOD, actor=district.supervisor)
    assert locked == 1
    value = _value(value.pk)
    assert value.status == ValueStatus.LOCKED
    assert ReportingPeriod.objects.get(year=PERIOD.year, month=PERIOD.month).is_closed
    assert [status for status, _reason in _versions(value)] == [
        ValueStatus.DRAFT,
        ValueStatus.SUBMITTED,
        ValueStatus.APPROVED,
        ValueStatus.LOCKED,
    ]


def test_changing_a_submitted_value_makes_it_a_draft_again(
    district: District, catalogue: Catalogue
) -> None:
    value = _own_value(district, catalogue)
    actions.do_submit_values([value], actor=district.clerk_a)
    changed = actions.do_save_value(
        indicator=catalogue.outside, unit=district.town_a, period=PERIOD, amount="1300",
        actor=district.clerk_a,
    )  # fmt: skip
    assert (changed.pk, changed.status, changed.amount) == (
        value.pk,
        ValueStatus.DRAFT,
        Decimal(1300),
    )
    assert changed.submitted_by is None


def test_saving_the_same_amount_again_writes_nothing(
    district: District, catalogue: Catalogue
) -> None:
    value = _own_value(district, catalogue)
    versions = value.history.count()
    actions.do_save_value(
        indicator=catalogue.outside, unit=district.town_a, period=PERIOD, amount="1,200",
        actor=district.clerk_a,
    )  # fmt: skip
    assert value.history.count() == versions


def test_an_approved_value_is_changed_only_after_it_is_returned(
    district: District, catalogue: Catalogue
) -> None:
    value = _own_value(district, catalogue)
    actions.do_submit_values([value], actor=district.clerk_a)
    actions.do_approve_values([_value(value.pk)], actor=district.manager_a)
    _refused(
        "已审核", actions.do_save_value, indicator=catalogue.outside, unit=district.town_a,
        period=PERIOD, amount="1300", actor=district.clerk_a,
    )  # fmt: skip
    assert _value(value.pk).amount == Decimal(1200)

    _refused(
        "说明原因", actions.do_return_value, _value(value.pk), actor=district.manager_a, reason=" "
    )
    returned = actions.do_return_value(
        _value(value.pk), actor=district.manager_a, reason="与台账不符，请核实"
    )
    assert returned.status == ValueStatus.DRAFT
    assert returned.approved_by is None
    assert _versions(returned)[-1] == (ValueStatus.DRAFT, "退回：与台账不符，请核实")
    actions.do_save_value(
        indicator=catalogue.outside, unit=district.town_a, period=PERIOD, amount="1300",
        actor=district.clerk_a,
    )  # fmt: skip
    assert _value(value.pk).amount == Decimal(1300)


def test_a_value_is_submitted_once(district: District, catalogue: Catalogue) -> None:
    value = _own_value(district, catalogue)
    actions.do_submit_values([value], actor=district.clerk_a)
    _refused("不能提交", actions.do_submit_values, [_value(value.pk)], actor=district.clerk_a)


def test_a_value_is_approved_only_when_submitted(district: District, catalogue: Catalogue) -> None:
    value = _own_value(district, catalogue)
    _refused("不能审核", actions.do_approve_values, [value], actor=district.manager_a)
    assert _value(value.pk).status == ValueStatus.DRAFT


def test_a_clerk_cannot_approve(district: District, catalogue: Catalogue) -> None:
    value = _own_value(district, catalogue)
    actions.do_submit_values([value], actor=district.clerk_a)
    _refused(
        "负责人或督查室", actions.do_approve_values, [_value(value.pk)], actor=district.clerk_a
    )
    assert _value(value.pk).status == ValueStatus.SUBMITTED


def test_an_approval_by_another_units_manager_is_refused(
    district: District, catalogue: Catalogue
) -> None:
    manager_b = User.objects.create_user(
        username="manager_b", name="於潜主任", unit=district.town_b, role=Role.UNIT_MANAGER
    )
    value = _own_value(district, catalogue)
    actions.do_submit_values([value], actor=district.clerk_a)
    _refused("锦城街道的负责人", actions.do_approve_values, [_value(value.pk)], actor=manager_b)
    assert _value(value.pk).status == ValueStatus.SUBMITTED
    # Nor may they see it (pages and the API answer 404).
    assert not Value.objects.restrict(manager_b).filter(pk=value.pk).exists()


def test_a_data_providers_values_are_approved_by_the_supervisor(
    district: District, catalogue: Catalogue
) -> None:
    value = actions.do_save_value(
        indicator=catalogue.fai, unit=district.town_a, period=PERIOD, amount="38018.2",
        actor=district.provider,
    )  # fmt: skip
    actions.do_submit_values([_value(value.pk)], actor=district.provider)
    _refused(
        "由督查室审核", actions.do_approve_values, [_value(value.pk)], actor=district.manager_a
    )
    actions.do_approve_values([_value(value.pk)], actor=district.supervisor)
    assert _value(value.pk).status == ValueStatus.APPROVED


def test_a_batch_is_approved_all_or_nothing(district: District, catalogue: Catalogue) -> None:
    own = _own_value(district, catalogue)
    provided = actions.do_save_value(
        indicator=catalogue.fai, unit=district.town_a, period=PERIOD, amount="1",
        actor=district.provider,
    )  # fmt: skip
    actions.do_submit_values([own], actor=district.clerk_a)
    actions.do_submit_values([_value(provided.pk)], actor=district.provider)
    _refused(
        "固定资产投资", actions.do_approve_values, [_value(own.pk), _value(provided.pk)],
        actor=district.manager_a,
    )  # fmt: skip
    assert _value(own.pk).status == ValueStatus.SUBMITTED


def test_a_step_taken_meanwhile_by_someone_else_is_not_taken_twice(
    district: District, catalogue: Catalogue
) -> None:
    value = _own_value(district, catalogue)
    actions.do_submit_values([value], actor=district.clerk_a)
    stale = _value(value.pk)
    actions.do_approve_values([_value(value.pk)], actor=district.manager_a)
    _refused("已被他人处理", actions.do_approve_values, [stale], actor=district.supervisor)
    assert _value(value.pk).approved_by == district.manager_a


# After the lock ----------------------------------------------------------------------------


def test_a_correction_after_the_lock_corrects_the_growths_computed_from_it(
    district: District, catalogue: Catalogue
) -> None:
    """固定资产投资 corrected in a closed month: its growth (固定资产投资增速) of that month,
    and of the same month a year later, is computed again with the same reason."""
    statistics = district.provider
    for period, amount in ((LAST_YEAR, "1000"), (PERIOD, "1200")):
        actions.do_save_values(
            period,
            [actions.Entry(catalogue.fai, district.town_a, Decimal(amount))],
            actor=statistics,
            submit=True,
        )
    actions.do_compute_derived(PERIOD)
    growth = Value.objects.get(indicator=catalogue.fai_growth, unit=district.town_a)
    assert growth.amount == Decimal(20)
    actions.do_close_period(PERIOD, actor=district.supervisor)

    fai = Value.objects.for_steps().get(
        indicator=catalogue.fai, unit=district.town_a, year=PERIOD.year, month=PERIOD.month
    )
    actions.do_correct_value(fai, amount="1300", actor=district.supervisor, reason="漏报一个项目")
    growth.refresh_from_db()
    assert (growth.amount, growth.status) == (Decimal(30), ValueStatus.LOCKED)
    assert growth.history.latest().history_change_reason == "更正：漏报一个项目"

    # Last year's base corrected: this year's growth follows, and a base without a
    # growth of its own (October 2024 has no value) creates none.
    base = Value.objects.for_steps().get(
        indicator=catalogue.fai, unit=district.town_a, year=LAST_YEAR.year
    )
    actions.do_correct_value(base, amount="650", actor=district.supervisor, reason="基数更正")
    growth.refresh_from_db()
    assert growth.amount == Decimal(100)
    assert not Value.objects.filter(indicator=catalogue.fai_growth, year=LAST_YEAR.year).exists()


def test_after_the_lock_only_the_supervisor_corrects_with_a_reason(
    district: District, catalogue: Catalogue
) -> None:
    value = _own_value(district, catalogue)
    actions.do_close_period(PERIOD, actor=district.supervisor)
    _refused(
        "已锁定", actions.do_save_value, indicator=catalogue.outside, unit=district.town_a,
        period=PERIOD, amount="1300", actor=district.clerk_a,
    )  # fmt: skip
    _refused(
        "只有督查室", actions.do_correct_value, _value(value.pk), amount="1300",
        actor=district.manager_a, reason="笔误",
    )  # fmt: skip
    _refused(
        "说明原因", actions.do_correct_value, _value(value.pk), amount="1300",
        actor=district.supervisor, reason="",
    )  # fmt: skip
    assert _value(value.pk).amount == Decimal(1200)

    corrected = actions.do_correct_value(
        _value(value.pk), amount="1300", actor=district.supervisor, reason="统计局更正快报数"
    )
    assert corrected.amount == Decimal(1300)
    assert corrected.status == ValueStatus.LOCKED
    amounts = [
        version.amount for version in corrected.history.order_by("history_date", "history_id")
    ]
    assert amounts == [Decimal(1200), Decimal(1200), Decimal(1300)]
    assert _versions(corrected)[-1][1] == "更正：统计局更正快报数"


def test_a_closed_period_refuses_every_step(district: District, catalogue: Catalogue) -> None:
    value = _own_value(district, catalogue)
    actions.do_close_period(PERIOD, actor=district.supervisor)
    _refused("已锁定", actions.do_submit_values, [_value(value.pk)], actor=district.clerk_a)
    _refused("已经锁定", actions.do_close_period, PERIOD, actor=district.supervisor)


def test_only_the_supervisor_closes_a_period_and_not_before_it_ends(
    district: District, catalogue: Catalogue
) -> None:
    _refused("只有督查室", actions.do_close_period, PERIOD, actor=district.manager_a)
    _refused(
        "尚未结束", actions.do_close_period, Period.of(date.today()), actor=district.supervisor
    )
    assert not ReportingPeriod.objects.filter(closed_at__isnull=False).exists()


def test_a_period_gets_the_default_deadline_and_the_supervisor_sets_another(
    district: District, catalogue: Catalogue, settings
) -> None:
    settings.BIPIN_VALUE_DEADLINE_DAY = 8
    assert actions.reporting_period(PERIOD).deadline == date(2025, 11, 8)
    _refused(
        "只有督查室", actions.do_set_deadline, PERIOD, date(2025, 11, 12), actor=district.clerk_a
    )
    assert actions.do_set_deadline(
        PERIOD, date(2025, 11, 12), actor=district.supervisor
    ).deadline == date(2025, 11, 12)


# Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("12.5%", "12.5"), ("１２．５", "12.5"), ("１２．５％", "12.5"), (" 1,234.5 ", "1234.5")],
)
def test_numbers_are_read_as_people_write_them(
    district: District, catalogue: Catalogue, typed: str, stored: str
) -> None:
    value = actions.do_save_value(
        indicator=catalogue.gdp_growth, unit=district.town_a, period=PERIOD, amount=typed,
        actor=district.provider,
    )  # fmt: skip
    assert value.amount == Decimal(stored)


@pytest.mark.parametrize("typed", ["abc", "12.5.3", "", "NaN"])
def test_a_non_number_is_refused_and_nothing_saved(
    district: District, catalogue: Catalogue, typed: str
) -> None:
    with pytest.raises(ValidationError):
        actions.do_save_value(
            indicator=catalogue.outside, unit=district.town_a, period=PERIOD, amount=typed,
            actor=district.clerk_a,
        )  # fmt: skip
    assert not Value.objects.exists()


def test_a_negative_amount_is_refused_where_it_makes_no_sense(
    district: District, catalogue: Catalogue
) -> None:
    _refused(
        "不能为负数", actions.do_save_value, indicator=catalogue.outside, unit=district.town_a,
        period=PERIOD, amount="-5", actor=district.clerk_a,
    )  # fmt: skip
    # A growth may well be negative.
    growth = actions.do_save_value(
        indicator=catalogue.gdp_growth, unit=district.town_a, period=PERIOD, amount="−3.2",
        actor=district.provider,
    )  # fmt: skip
    assert growth.amount == Decimal("-3.2")
    assert Value.objects.count() == 1


def test_a_unit_cannot_write_an_indicator_it_does_not_own(
    district: District, catalogue: Catalogue
) -> None:
    _refused(
        "由区统计局统一报送", actions.do_save_value, indicator=catalogue.fai,
        unit=district.town_a, period=PERIOD, amount="1", actor=district.clerk_a,
    )  # fmt: skip
    _refused(
        "您不能填报於潜镇", actions.do_save_value, indicator=catalogue.outside,
        unit=district.town_b, period=PERIOD, amount="1", actor=district.clerk_a,
    )  # fmt: skip
    _refused(
        "您不能填报", actions.do_save_value, indicator=catalogue.outside, unit=district.town_a,
        period=PERIOD, amount="1", actor=district.provider,
    )  # fmt: skip
    assert not Value.objects.exists()


def test_a_derived_value_is_never_typed_in(district: District, catalogue: Catalogue) -> None:
    _refused(
        "由系统根据业务记录计算", actions.do_save_value, indicator=catalogue.projects_1yi,
        unit=district.town_a, period=PERIOD, amount="3", actor=district.supervisor,
    )  # fmt: skip
    actions.do_compute_derived(PERIOD)
    derived = _value(Value.objects.get(indicator=catalogue.projects_1yi, unit=district.town_a).pk)
    _refused("无需提交", actions.do_submit_values, [derived], actor=district.supervisor)
    _refused(
        "不能手工更正",
        actions.do_correct_value,
        derived,
        amount="3",
        actor=district.supervisor,
        reason="x",
    )


def test_a_unit_that_does_not_report_an_indicator_cannot_get_a_value(
    district: District, catalogue: Catalogue
) -> None:
    _refused(
        "不报送", actions.do_save_value, indicator=catalogue.fai, unit=district.office,
        period=PERIOD, amount="1", actor=district.supervisor,
    )  # fmt: skip


def test_a_month_that_has_not_come_is_refused(district: District, catalogue: Catalogue) -> None:
    future = Period.of(date.today()).next()
    _refused(
        "还没有到", actions.do_save_value, indicator=catalogue.outside, unit=district.town_a,
        period=future, amount="1", actor=district.clerk_a,
    )  # fmt: skip


def test_a_batch_with_one_bad_cell_writes_nothing_and_names_the_cell(
    district: District, catalogue: Catalogue
) -> None:
    entries = [
        actions.Entry(catalogue.fai, district.town_a, "38018.2", label="C6"),
        actions.Entry(catalogue.fai, district.town_b, "12O5", label="C7"),
    ]
    error = _refused("C7", actions.do_save_values, PERIOD, entries, actor=district.provider)
    assert len(error.messages) == 1
    assert not Value.objects.exists()


def test_a_batch_submits_and_a_second_run_changes_nothing(
    district: District, catalogue: Catalogue
) -> None:
    entries = [
        actions.Entry(catalogue.fai, district.town_a, "38018.2", Decimal("7.1"), "C6"),
        actions.Entry(catalogue.fai, district.town_b, "１２１３１３．０", Decimal("22.7"), "C7"),
    ]
    first = actions.do_save_values(PERIOD, entries, actor=district.provider, submit=True)
    assert (first.created, first.changed, first.unchanged) == (2, 0, 0)
    assert set(Value.objects.values_list("status", flat=True)) == {ValueStatus.SUBMITTED}
    versions = Value.history.count()
    again = actions.do_save_values(PERIOD, entries, actor=district.provider, submit=True)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 2)
    assert Value.history.count() == versions


# Targets -----------------------------------------------------------------------------------


def test_targets_are_set_by_the_supervisor(district: District, catalogue: Catalogue) -> None:
    _refused(
        "只有督查室", actions.do_set_target, indicator=catalogue.fai, unit=district.town_a,
        year=2027, amount="1000", actor=district.manager_a,
    )  # fmt: skip
    target = actions.do_set_target(
        indicator=catalogue.fai, unit=district.town_a, year=2027, amount="50,000",
        actor=district.supervisor, today=date(2026, 12, 1),
    )  # fmt: skip
    assert target.amount == Decimal(50000)


def test_a_target_below_zero_is_refused_where_it_makes_no_sense(
    district: District, catalogue: Catalogue
) -> None:
    _refused(
        "不能为负数", actions.do_set_target, indicator=catalogue.fai, unit=district.town_a,
        year=2027, amount="-1", actor=district.supervisor,
    )  # fmt: skip
    assert not Target.objects.exists()
    growth = actions.do_set_target(
        indicator=catalogue.gdp_growth, unit=district.town_a, year=2027, amount="-2",
        actor=district.supervisor,
    )  # fmt: skip
    assert growth.amount == Decimal(-2)


def test_a_target_changed_after_the_year_starts_needs_a_reason_and_keeps_its_history(
    district: District, catalogue: Catalogue
) -> None:
    def set_to(amount: str, reason: str = "", today: date = date(2026, 3, 1)) -> Target:
        return actions.do_set_target(
            indicator=catalogue.fai, unit=district.town_a, year=2026, amount=amount,
            actor=district.supervisor, reason=reason, today=today,
        )  # fmt: skip

    set_to("40000", today=date(2025, 12, 20))
    set_to("42000", today=date(2025, 12, 28))  # before the year: no reason needed
    _refused("须说明原因", set_to, "45000")
    assert Target.objects.get().amount == Decimal(42000)
    target = set_to("45000", reason="区委常委会调整目标")
    reasons = [
        (version.amount, version.history_change_reason)
        for version in target.history.order_by("history_date", "history_id")
    ]
    assert reasons[-1] == (Decimal(45000), "区委常委会调整目标")
    assert len(reasons) == 3


def test_a_phased_target_is_checked(district: District, catalogue: Catalogue) -> None:
    def phase(months: list[int], amount: str = "1200") -> Target:
        return actions.do_set_target(
            indicator=catalogue.fai, unit=district.town_a, year=2027, amount=amount,
            phasing=[str(month) for month in months], actor=district.supervisor,
        )  # fmt: skip

    _refused("12 个数", phase, [100] * 11)
    _refused("不能比上月小", phase, [100 * n for n in range(1, 12)] + [1000])
    _refused("须等于年度目标", phase, [100 * n for n in range(1, 13)], amount="1300")
    target = phase([100 * n for n in range(1, 13)])
    assert target.phased_amounts() == [Decimal(100 * n) for n in range(1, 13)]


# Derived values ----------------------------------------------------------------------------


def test_a_growth_is_computed_from_its_base_and_missing_without_last_year(
    district: District, catalogue: Catalogue
) -> None:
    for period, unit, amount in [
        (PERIOD, district.town_a, "110"),
        (LAST_YEAR, district.town_a, "100"),
        (PERIOD, district.town_b, "50"),  # 於潜 has no last year's value
    ]:
        actions.do_save_value(
            indicator=catalogue.fai, unit=unit, period=period, amount=amount,
            actor=district.provider,
        )  # fmt: skip
    actions.do_compute_derived(PERIOD)
    growths = dict(
        Value.objects.filter(indicator=catalogue.fai_growth).values_list("unit", "amount")
    )
    assert growths == {district.town_a.pk: Decimal(10)}


def test_computing_twice_changes_nothing_and_a_change_updates(
    district: District, catalogue: Catalogue
) -> None:
    actions.do_save_value(
        indicator=catalogue.fai, unit=district.town_a, period=LAST_YEAR, amount="100",
        actor=district.provider,
    )  # fmt: skip
    actions.do_save_value(
        indicator=catalogue.fai, unit=district.town_a, period=PERIOD, amount="110",
        actor=district.provider,
    )  # fmt: skip
    first = actions.do_compute_derived(PERIOD)
    assert first.created == 3  # the growth of 锦城, and 新签约亿元以上项目数 0 for both towns
    versions = Value.history.count()
    second = actions.do_compute_derived(PERIOD)
    assert (second.created, second.updated, second.removed) == (0, 0, 0)
    assert Value.history.count() == versions

    actions.do_save_value(
        indicator=catalogue.fai, unit=district.town_a, period=PERIOD, amount="125",
        actor=district.provider,
    )  # fmt: skip
    third = actions.do_compute_derived(PERIOD)
    assert third.updated == 1
    assert Value.objects.get(indicator=catalogue.fai_growth).amount == Decimal(25)


def test_a_closed_period_is_not_recomputed(district: District, catalogue: Catalogue) -> None:
    actions.do_close_period(PERIOD, actor=district.supervisor)
    _refused("不再重算", actions.do_compute_derived, PERIOD)


def test_a_target_set_again_with_the_same_numbers_writes_nothing(
    district: District, catalogue: Catalogue
) -> None:
    months = [str(100 * n) for n in range(1, 13)]
    target = actions.do_set_target(
        indicator=catalogue.fai, unit=district.town_a, year=2027, amount="1200",
        phasing=months, actor=district.supervisor,
    )  # fmt: skip
    actions.do_set_target(
        indicator=catalogue.fai, unit=district.town_a, year=2027, amount="1200.0",
        phasing=[f"{month}.0" for month in months], actor=district.supervisor,
    )  # fmt: skip
    assert target.history.count() == 1


def test_the_history_shows_moments_and_a_phasing_as_people_read_them(
    district: District, catalogue: Catalogue
) -> None:
    value = _own_value(district, catalogue)
    actions.do_submit_values([value], actor=district.clerk_a)
    submitted = next(
        change
        for entry in history_entries(_value(value.pk))
        for change in entry.changes
        if change.label == "提交时间"
    )
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", submitted.new), submitted.new
    for first in (100, 50):
        target = actions.do_set_target(
            indicator=catalogue.fai, unit=district.town_a, year=2027, amount="1200",
            phasing=[str(first), *(str(100 * n) for n in range(2, 13))],
            actor=district.supervisor, today=date(2026, 6, 1),
        )  # fmt: skip
    phasing = next(
        change for change in history_entries(target)[0].changes if change.label == "分月目标"
    )
    assert (phasing.old[:11], phasing.new[:10]) == ("100、200、300", "50、200、300")


def test_a_months_values_are_stepped_as_a_queryset_all_or_nothing(
    district: District, catalogue: Catalogue
) -> None:
    entries = [
        actions.Entry(catalogue.fai, district.town_a, "38018.2"),
        actions.Entry(catalogue.fai, district.town_b, "79984"),
    ]
    saved = actions.do_save_values(PERIOD, entries, actor=district.provider, submit=True)
    month = Value.objects.filter(pk__in=saved.written)
    error = _refused("由督查室审核", actions.do_approve_values, month, actor=district.manager_a)
    assert sorted(error.messages) == [
        "於潜镇 · 固定资产投资：数据提供部门报送的数据由督查室审核。",
        "锦城街道 · 固定资产投资：数据提供部门报送的数据由督查室审核。",
    ]
    assert set(month.values_list("status", flat=True)) == {ValueStatus.SUBMITTED}
    assert actions.do_approve_values(month, actor=district.supervisor) == 2
    assert set(month.values_list("status", flat=True)) == {ValueStatus.APPROVED}
