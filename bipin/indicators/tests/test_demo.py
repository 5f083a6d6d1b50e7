"""Indicator data's part of the demo: Lin'an's catalogue, two years of monthly values for
every unit, targets that spread over the colours, an open October 2026 with something
for the progress page — and the statistics bureau's sample report fits it: it imports as
new values, and bipin's growth agrees with the bureau's within 0.1 pp.

The district demo is loaded once for the tests of the class (inside a transaction rolled
back at the end), as the other apps' demo tests do.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from python_calamine import CalamineWorkbook

from bipin.core.excel import excel_kinds
from bipin.core.periods import Period
from bipin.indicators import computations
from bipin.indicators.choices import IndicatorKind, Source, ValueStatus
from bipin.indicators.demo import (
    NO_BASE,
    RETURN_REASON,
    SAMPLE_CODES,
    implied_last_year,
    sample_report,
)
from bipin.indicators.models import Indicator, ReportingPeriod, Target, Value
from bipin.indicators.views.entry import submission_progress
from bipin.org.choices import UnitKind
from bipin.org.models import Unit, User
from bipin.projects.choices import InvestorKind
from bipin.projects.models import Project

SAMPLE = Path(settings.BASE_DIR).parent / "shared" / "samples" / "统计局月报_2026年1-10月.xlsx"
OCTOBER = Period(2026, 10)
SEPTEMBER = Period(2026, 9)
#: The indicators the issue names for the demo catalogue.
ISSUE_NAMES = {
    "地区生产总值增速", "固定资产投资增速", "工业投资", "制造业投资", "民间投资",
    "高新技术产业投资", "规上工业增加值增速", "数字经济核心产业增加值", "财政总收入",
    "一般公共预算收入", "实际利用外资", "引进市外内资", "新签约亿元以上项目数", "10亿元以上项目数",
    "项目开工率", "引进高层次人才数", "引进大学生数", "新增规上企业数", "企业诉求按期办结率",
}  # fmt: skip


def _load() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def demo(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The district demo, loaded once for the tests of a class, then rolled back."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        yield {"output": _load()}
        transaction.set_rollback(True)


def _amounts(year: int, month: int | None = None) -> dict[tuple[str, str], Decimal]:
    """{(unit short name, indicator code): amount} of a month (or of every month, keyed
    with the month too)."""
    rows = Value.objects.filter(year=year)
    if month is not None:
        rows = rows.filter(month=month)
    return {
        (short_name, code): amount
        for short_name, code, amount in rows.values_list(
            "unit__short_name", "indicator__code", "amount"
        )
    }


def _sample_cells() -> list[tuple[str, str, object, object]]:
    """(unit as printed, indicator, amount cell, growth cell) of each unit row of the
    sample report, read with calamine (a library that did not write it)."""
    rows = CalamineWorkbook.from_path(str(SAMPLE)).get_sheet_by_index(0).to_python()
    names = list(rows[2][2::2])
    cells: list[tuple[str, str, object, object]] = []
    for row in rows[4:]:
        if not isinstance(row[0], int | float):
            continue  # the group rows (一 街道), the 合计 and the note
        unit = str(row[1]).strip()
        for index, name in enumerate(names):
            cells.append((unit, str(name), row[2 + 2 * index], row[3 + 2 * index]))
    return cells


@pytest.mark.usefixtures("db")
class TestTheDistrictDemo:
    def test_the_catalogue_is_a_district_set_with_the_issues_indicators(self, demo: Any) -> None:
        indicators = {i.name: i for i in Indicator.objects.select_related("provider", "base")}
        assert len(indicators) >= 19
        assert set(indicators) >= ISSUE_NAMES
        assert "indicators: 24 indicators" in demo["output"]
        for indicator in indicators.values():
            assert indicator.description and indicator.unit_of_measure, indicator
        # The sample report's five, by name, owned by the statistics bureau.
        for name in ("固定资产投资", "工业投资", "民间投资", "规上工业增加值", "财政总收入"):
            assert indicators[name].provider.name == "区统计局"
            assert indicators[name].kind == IndicatorKind.CUMULATIVE
        assert indicators["一般公共预算收入"].provider.name == "区财政局"
        assert indicators["实际利用外资"].provider.name == "区商务局"
        assert indicators["实际利用外资"].unit_of_measure == "万美元"
        assert indicators["地区生产总值增速"].kind == IndicatorKind.GROWTH
        assert indicators["地区生产总值增速"].source == Source.MANUAL
        assert indicators["固定资产投资增速"].base == indicators["固定资产投资"]
        assert indicators["规上工业增加值增速"].base == indicators["规上工业增加值"]
        assert indicators["新签约亿元以上项目数"].derivation == "signed_projects_1yi"
        assert indicators["10亿元以上项目数"].derivation == "signed_projects_10yi"
        assert indicators["项目开工率"].kind == IndicatorKind.RATE
        assert indicators["引进市外内资"].provider is None
        assert indicators["新增规上企业数"].provider is None
        # The departments report nothing for themselves: their service to enterprises is
        # counted from the requests they handled (部门组 competes on it).
        departments = list(Unit.objects.filter(kind=UnitKind.DEPARTMENT))
        theirs = {i.code for i in indicators.values() if any(map(i.applies_to, departments))}
        assert theirs == {"DEPT_ON_TIME", "DEPT_ONE_VISIT"}
        assert all(
            indicators[i.name].source == Source.DERIVED
            for i in indicators.values()
            if i.code in theirs
        )

    def test_every_unit_has_two_years_of_every_manual_indicator_approved_and_locked(
        self, demo: Any
    ) -> None:
        units = list(Unit.objects.filter(kind__in=("subdistrict", "town", "platform")))
        months = [Period(2025, m) for m in range(1, 13)] + [Period(2026, m) for m in range(1, 10)]
        stored = Counter(
            Value.objects.filter(indicator__source=Source.MANUAL, status=ValueStatus.LOCKED)
            .exclude(year=2026, month__gt=9)
            .values_list("indicator__code", "unit__short_name")
        )
        expected = 0
        for indicator in Indicator.objects.manual():
            for unit in units:
                if not indicator.applies_to(unit):
                    continue
                wanted = 9 if (unit.short_name, indicator.code) == NO_BASE else len(months)
                assert stored[(indicator.code, unit.short_name)] == wanted, (indicator, unit)
                expected += wanted
        assert sum(stored.values()) == expected
        closed = ReportingPeriod.objects.filter(closed_at__isnull=False)
        assert sorted(row.period for row in closed) == months
        # Every value went through the workflow: created, approved, locked.
        value = Value.objects.get(
            indicator__code="FAI", unit__short_name="锦城", year=2025, month=3
        )
        reasons = list(
            value.history.order_by("history_id").values_list("history_change_reason", flat=True)
        )
        assert reasons == ["填报", "审核通过", "填报期锁定"]
        assert value.approved_by == User.objects.get(username="supervisor")
        own = Value.objects.get(
            indicator__code="OUTSIDE", unit__short_name="锦城", year=2025, month=3
        )
        assert own.entered_by == User.objects.get(username="clerk_jincheng")
        assert own.approved_by == User.objects.get(username="manager_jincheng")

    def test_year_to_date_amounts_grow_and_their_growth_is_realistic(self, demo: Any) -> None:
        rows = Value.objects.filter(
            indicator__source=Source.MANUAL, indicator__kind=IndicatorKind.CUMULATIVE
        ).values_list(
            "indicator__code", "indicator__unit_of_measure", "unit_id", "year", "month", "amount"
        )
        series: dict[tuple[str, int, int], dict[int, Decimal]] = {}
        measures = {}
        for code, measure, unit_id, year, month, amount in rows:
            series.setdefault((code, unit_id, year), {})[month] = amount
            measures[code] = measure
        for (code, _unit, _year), months in series.items():
            ordered = [months[m] for m in sorted(months)]
            assert ordered == sorted(ordered), code
        growths = []
        for (code, unit_id, year), months in series.items():
            if year != 2026 or measures[code] not in ("万元", "万美元"):
                continue
            last = series.get((code, unit_id, 2025), {})
            for month in range(1, 10):
                growth = computations.growth(months[month], last.get(month))
                if growth.percent is not None:
                    growths.append(growth.percent)
        assert len(growths) > 1000
        assert all(Decimal(-20) <= growth <= Decimal(35) for growth in growths)
        # A town's investment of 1-10月 is 1–20亿.
        towns = _amounts(2026, 9)
        fai = [amount for (unit, code), amount in towns.items() if code == "FAI"]
        assert all(Decimal(5_000) < amount < Decimal(300_000) for amount in fai)

    def test_growth_is_computable_for_september_for_every_unit_but_the_deliberate_gap(
        self, demo: Any
    ) -> None:
        this_year, last_year = _amounts(2026, 9), _amounts(2025, 9)
        units = list(Unit.objects.filter(kind__in=("subdistrict", "town", "platform")))
        states: Counter[str] = Counter()
        for indicator in Indicator.objects.manual().filter(kind=IndicatorKind.CUMULATIVE):
            for unit in units:
                if not indicator.applies_to(unit):
                    continue
                key = (unit.short_name, indicator.code)
                growth = computations.growth(this_year.get(key), last_year.get(key))
                states[growth.state] += 1
                if key == NO_BASE:
                    assert growth.state == computations.GrowthState.NO_BASE
                else:
                    assert growth.state == computations.GrowthState.OK, key
        assert states[computations.GrowthState.NO_BASE] == 1
        # The derived growths are there for every unit of their base.
        for code, base in (("FAI_G", "FAI"), ("IVA_G", "IVA")):
            for unit in units:
                key = (unit.short_name, base)
                if key not in this_year:
                    continue
                expected = computations.growth(this_year[key], last_year[key]).percent
                assert this_year[(unit.short_name, code)] == expected

    def test_every_derived_indicator_is_computed_for_every_month(self, demo: Any) -> None:
        months = set(Value.objects.filter(indicator__code="PROJ_1YI").values_list("year", "month"))
        assert months == {(2025, m) for m in range(1, 13)} | {(2026, m) for m in range(1, 11)}
        # The 2026 counts equal a count of the projects themselves: new (not a capital
        # increase), signed by the end of September, of 1亿 and more (or its foreign
        # threshold, for a foreign investor's capital), counted for the unit.
        jincheng = Unit.objects.get(short_name="锦城")
        yi, foreign_yi = (
            settings.BIPIN_MAJOR_PROJECT_THRESHOLDS[0],
            settings.BIPIN_MAJOR_FOREIGN_THRESHOLDS[0],
        )
        counted = 0
        for project in Project.objects.counted(2026).filter(counting_unit=jincheng):
            foreign = project.investor_kind == InvestorKind.FOREIGN and project.foreign_capital
            major = (
                project.foreign_capital >= foreign_yi
                if foreign
                else project.contracted_investment >= yi
            )
            if major and not project.is_capital_increase and project.signed_on <= date(2026, 9, 30):
                counted += 1
        assert counted > 0
        assert _amounts(2026, 9)[("锦城", "PROJ_1YI")] == counted
        # The request demo starts in 2026: 2025 has no on-time rates (nothing finished).
        assert not Value.objects.filter(indicator__code="REQ_ON_TIME", year=2025).exists()
        assert Value.objects.filter(indicator__code="REQ_ON_TIME", year=2026, month=9).count() >= 15

    def test_the_sample_report_fits_the_demo(self, demo: Any) -> None:
        """Read independently from the file: no October value yet for its units, and the
        October 2025 values give back the growth the bureau printed."""
        october, last_october = _amounts(2026, 10), _amounts(2025, 10)
        codes = {i.name: i.code for i in Indicator.objects.all()}
        short = {u.name: u.short_name for u in Unit.objects.all()}
        cells = _sample_cells()
        assert len(cells) == 18 * 5
        for unit_name, indicator_name, amount_cell, growth_cell in cells:
            key = (short[unit_name], codes[indicator_name])
            assert key not in october, key
            amount = computations.to_percent_number(amount_cell)
            printed = computations.to_percent_number(growth_cell, allow_blank=True)
            growth = computations.growth(amount, last_october.get(key))
            if printed is None:
                assert key == NO_BASE
                assert growth.state == computations.GrowthState.NO_BASE
            else:
                assert growth.percent is not None, key
                assert abs(growth.percent - printed) <= Decimal("0.1"), key
        # The table in the demo module is the sample's.
        table = sample_report()
        for unit_name, indicator_name, amount_cell, growth_cell in cells:
            figures = table[short[unit_name]][codes[indicator_name]]
            assert figures[0] == computations.to_percent_number(amount_cell)
            assert figures[1] == computations.to_percent_number(growth_cell, allow_blank=True)
        assert set(SAMPLE_CODES) == {codes[name] for _u, name, _a, _g in cells}
        assert implied_last_year(Decimal("38018.2"), Decimal("7.1")) == Decimal("35497.9")

    def test_the_sample_report_imports_into_the_demo_with_the_bureaus_growth(
        self, demo: Any
    ) -> None:
        provider = User.objects.get(username="provider_tongji")
        report = excel_kinds.get("values").import_file(SAMPLE, actor=provider, dry_run=False)
        assert not report.errors, [str(error) for error in report.errors]
        assert report.created == 18
        warnings = [remark.text for row in report.rows for remark in row.remarks if remark.warning]
        assert warnings == []
        imported = Value.objects.for_period(2026, 10).filter(indicator__code__in=SAMPLE_CODES)
        imported = imported.exclude(unit__kind="platform")
        assert imported.count() == 18 * 5
        last = _amounts(2025, 10)
        for value in imported.select_related("indicator", "unit"):
            assert value.status == ValueStatus.SUBMITTED
            key = (value.unit.short_name, value.indicator.code)
            growth = computations.growth(value.amount, last.get(key))
            if key == NO_BASE:
                assert value.reported_growth is None
                assert growth.state == computations.GrowthState.NO_BASE
            else:
                assert growth.percent is not None
                assert abs(growth.percent - value.reported_growth) <= Decimal("0.1"), key
        # Importing it again changes nothing.
        again = excel_kinds.get("values").import_file(SAMPLE, actor=provider, dry_run=False)
        assert not again.errors and again.created == again.updated == 0

    def test_october_is_open_and_overdue_with_something_for_the_progress_page(
        self, demo: Any
    ) -> None:
        period = ReportingPeriod.objects.get(year=2026, month=10)
        assert not period.is_closed
        assert str(period.deadline) == "2026-11-10"
        assert period.is_overdue(date(2026, 11, 28))
        assert not ReportingPeriod.objects.filter(year=2026, month=11).exists()
        own = Value.objects.for_period(2026, 10).filter(
            indicator__source=Source.MANUAL, indicator__provider__isnull=True
        )
        statuses = Counter(own.values_list("status", flat=True))
        assert statuses[ValueStatus.APPROVED] and statuses[ValueStatus.SUBMITTED]
        assert statuses[ValueStatus.DRAFT] >= 2
        returned = own.get(unit__short_name="锦城", indicator__code="OUTSIDE")
        assert returned.status == ValueStatus.DRAFT
        assert returned.history.latest("history_id").history_change_reason.endswith(RETURN_REASON)
        supervisor = User.objects.get(username="supervisor")
        progress = submission_progress(supervisor, OCTOBER)
        pending = {
            (group.unit.short_name, item.indicator.code, item.status)
            for group in progress["groups"]
            for item in group.pending
        }
        assert ("於潜", "OUTSIDE", "") in pending  # missing
        assert ("河桥", "NEW_ABOVE", ValueStatus.DRAFT) in pending
        assert ("锦城", "OUTSIDE", ValueStatus.DRAFT) in pending  # returned
        assert ("锦城", "FAI", "") in pending  # the bureau's report is not in yet
        assert progress["counts"]["blank"] > 0
        assert progress["counts"][ValueStatus.SUBMITTED] > 0
        # The commerce bureau has submitted, the finance bureau saved drafts.
        provided = Value.objects.for_period(2026, 10).exclude(indicator__provider=None)
        assert set(provided.filter(indicator__code="FDI").values_list("status", flat=True)) == {
            ValueStatus.SUBMITTED
        }
        assert set(provided.filter(indicator__code="BUDGET").values_list("status", flat=True)) == {
            ValueStatus.DRAFT
        }

    def test_targets_are_set_for_both_years_and_spread_over_the_colours(self, demo: Any) -> None:
        units = list(Unit.objects.filter(kind__in=("subdistrict", "town", "platform")))
        targets = {
            (t.indicator.code, t.unit_id, t.year): t
            for t in Target.objects.select_related("indicator")
        }
        # Every indicator but the count that only costs points (未按期开工项目数) has targets.
        for indicator in Indicator.objects.exclude(code="LATE_START"):
            for unit in units:
                if indicator.applies_to(unit):
                    for year in (2025, 2026):
                        assert (indicator.code, unit.pk, year) in targets, (indicator, unit, year)
        town = Unit.objects.get(short_name="於潜")
        assert targets[("START_RATE", town.pk, 2026)].amount == 80
        assert 6 <= targets[("GDP_G", town.pk, 2026)].amount <= 8
        for unit in units:
            if unit.kind == UnitKind.TOWN:
                assert 2 <= targets[("PROJ_1YI", unit.pk, 2026)].amount <= 6
        phased = [t for t in targets.values() if t.phasing]
        assert phased
        assert all(t.phased_amounts()[-1] == t.amount for t in phased)
        # Set before each year began: no reason asked, the demo's own.
        target = targets[("FAI", town.pk, 2026)]
        assert target.history.get().history_change_reason == "演示数据"
        # By September the towns are green, yellow and red.
        september = _amounts(2026, 9)
        colours: Counter[str] = Counter()
        for (code, unit_id, year), target in targets.items():
            unit = next(u for u in units if u.pk == unit_id)
            if year != 2026 or unit.kind != UnitKind.TOWN:
                continue
            completion = computations.completion(
                target.indicator.kind,
                target.indicator.direction,
                september.get((unit.short_name, code)),
                target.amount,
                SEPTEMBER.month,
                target.phased_amounts(),
            )
            if completion.colour:
                colours[completion.colour] += 1
        assert all(colours[colour] >= 20 for colour in computations.Colour), colours
