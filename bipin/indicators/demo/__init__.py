"""Indicator data's part of the demo (指标数据): Lin'an's catalogue, two years of monthly
values for every unit, the annual targets, and October 2026 open for submission.

Who reports what (the catalogue below):

- 区统计局 reports the statistics for every subdistrict and town: 地区生产总值增速, the
  investment figures, 规上工业增加值, 数字经济核心产业增加值, 财政总收入 — and the
  investment figures of the three platforms too, which compete in 平台组 on investment;
- 区财政局 reports 一般公共预算收入, 区商务局 实际利用外资 (万美元, platforms included);
- each subdistrict, town and platform reports its own 引进市外内资, and the subdistricts
  and towns their 新增规上企业数 (the units know their newly listed enterprises first);
- the system counts the signed projects (for the subdistrict or town that signed them:
  the counting rule, so platforms have none), the start rate, the talents (platforms
  introduce them too) and the requests closed on time;
- departments report nothing for themselves: they provide data, and their own
  competition (部门组) is on the service they give, counted from the enterprises' requests
  they handled (承办诉求按期办结率, 最多跑一次实现率), not on these indicators;
- the system also counts each unit's projects not started on time (未按期开工项目数), which
  has no target: a scheme deducts points for it.

History: every month of 2025 and January–September 2026 is submitted by its owner,
approved (by the supervisor for a data provider's values, by the unit's manager for the
unit's own), the derived values computed, and the month closed, all through the actions,
so every value carries its versions. Year-to-date amounts grow month by month along a
seasonal profile (investment back-loaded, fiscal revenue front-loaded) with growth
against 2025 between −20 % and +35 %.

The statistics bureau's report of 1-10月 2026 (samples/统计局月报_2026年1-10月.xlsx) fits:
its 18 units × 5 indicators have no October value yet, so it imports as new values, and
their October 2025 values are those its printed growth implies (current ÷ (1 + g), to
0.1), so that bipin's own growth agrees with the bureau's within 0.1 pp. Where it prints
"—" (岛石镇's 民间投资) the unit has no 2025 value at all.

October 2026 is open (deadline 10 November, so overdue today): some units' own values are
approved, some submitted, some drafts, some missing, and 锦城街道's 引进市外内资 was sent
back with a reason; 区商务局 has submitted, 区财政局 has drafts, 区统计局 not yet. November
has no period yet.

Targets for 2025 and 2026 are set before each year: amounts at last year's figure plus a
growth target, a few phased by month along the seasonal profile; growth targets such as
8.0 %; 项目开工率 80 %. By September the towns spread over green, yellow and red.

The city and province scales get no indicators here: the benchmark
(benchmarks/indicators.py) makes its own catalogue with `make_catalogue`.
"""

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

from django.db.models import QuerySet

from bipin.core.choices import Role
from bipin.core.demo import DemoContext, DemoStep
from bipin.core.periods import Period
from bipin.indicators.actions import (
    Entry,
    SaveResult,
    do_approve_values,
    do_close_period,
    do_compute_derived,
    do_return_value,
    do_save_values,
    do_set_target,
)
from bipin.indicators.choices import IndicatorKind, Source, ValueStatus
from bipin.indicators.demo.catalogue import (
    CATALOGUE,
    NO_BASE,
    REASON,
    SAMPLE_CODES,
    Spec,
    implied_last_year,
    make_catalogue,
    sample_report,
)
from bipin.indicators.models import Indicator, Value
from bipin.org.actions import do_create_person
from bipin.org.choices import UnitKind
from bipin.org.demo import person_name
from bipin.org.models import Unit, User

__all__ = [
    "NO_BASE",
    "SAMPLE_CODES",
    "IndicatorsDemo",
    "implied_last_year",
    "make_catalogue",
    "sample_report",
]

#: The months of history: closed, every value approved.
FIRST = Period(2025, 1)
LAST_CLOSED = Period(2026, 9)
#: The open month the statistics bureau's sample report is for.
OPEN = Period(2026, 10)


# Seasonal profiles: the share of the year's amount that comes in each month. Investment
# is back-loaded (little in January and February, most at the year end), industrial output
# dips at the Spring Festival, fiscal revenue is front-loaded (January's tax settlement).
_INVESTMENT = (4.5, 4.5, 8, 8.5, 9, 10, 8, 8, 9, 9, 9, 12.5)
_OUTPUT = (8.5, 5.5, 8.5, 8.5, 8.5, 8.5, 8, 7.5, 8.5, 9, 9, 10)
_FISCAL = (13, 6, 8, 10, 10, 8, 9, 6, 7, 9, 7, 7)
_INFLOW = (5, 5, 8, 8, 9, 9, 8, 8, 9, 9, 9, 13)
_PROFILES = {
    "FAI": _INVESTMENT, "IND_INV": _INVESTMENT, "MFG_INV": _INVESTMENT,
    "PRIV_INV": _INVESTMENT, "HT_INV": _INVESTMENT, "IVA": _OUTPUT, "DIGITAL": _OUTPUT,
    "FISCAL": _FISCAL, "BUDGET": _FISCAL, "OUTSIDE": _INFLOW,
}  # fmt: skip
#: The growth targets (%) a unit's amount targets are set with, by indicator.
_TARGET_GROWTH = {
    "FAI": (8, 10, 12), "IND_INV": (10, 12, 15), "MFG_INV": (10, 12, 15),
    "PRIV_INV": (6, 8, 10), "HT_INV": (10, 12, 15), "IVA": (6, 7, 8, 9),
    "DIGITAL": (10, 12, 15), "FISCAL": (5, 6, 7, 8), "BUDGET": (5, 6, 7),
    "FDI": (5, 10, 15), "OUTSIDE": (8, 10, 15), "NEW_ABOVE": (10, 20),
}  # fmt: skip
#: The units' own indicators in October 2026, by unit (short name): approved, submitted,
#: drafts, missing; 锦城's 引进市外内资 was sent back, its 新增规上企业数 submitted; 龙岗
#: has saved one of its two values as a draft.
_OCTOBER = {
    "approved": ("锦北", "青山湖", "太湖源", "天目山", "昌化"),
    "submitted": ("锦南", "玲珑", "太阳", "潜川", "高虹", "科技城"),
    "draft": ("河桥", "板桥", "微纳小镇"),
}
_RETURNED = ("锦城", "OUTSIDE")
_PARTLY_DRAFTED = ("龙岗", "OUTSIDE")
RETURN_REASON = "到位资金与银行进账单不符，请核实 10 月新增的到位资金后重新提交。"
#: Targets phased by month along the unit's seasonal profile.
_PHASED = ("FAI",)
_PHASED_KINDS = (UnitKind.SUBDISTRICT, UnitKind.PLATFORM)


def _amount(figure: float | Decimal, decimals: int) -> Decimal:
    return Decimal(str(figure)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def _round_target(figure: float) -> Decimal:
    """A target as the office writes one: three significant digits (12,300 万元)."""
    if figure < 100:
        return _amount(figure, 1)
    step = Decimal(10) ** (len(str(int(figure))) - 3)
    return (Decimal(str(figure)) / step).quantize(Decimal(1), ROUND_HALF_UP) * step


def _months(first: Period, last: Period) -> Iterator[Period]:
    period = first
    while period <= last:
        yield period
        period = period.next()


@dataclass
class _Series:
    """A unit's year-to-date amounts of one indicator for 2025 and 2026 (12 months each;
    None where the unit has no value), with what its targets are set from."""

    last_year: list[Decimal | None]
    this_year: list[Decimal]
    #: The cumulative shares of the unit's seasonal profile (the phasing of its target).
    shares: list[float]
    #: The 2025 annual amount (what the 2026 target grows from), even where unrecorded.
    annual: float


class IndicatorsDemo(DemoStep):
    name = "indicators"

    def is_loaded(self) -> bool:
        return Indicator.objects.exists()

    def generate(self, context: DemoContext) -> None:
        if context.scale != "district":
            context.out.write("  indicators: the district demo only (benchmarks make their own)\n")
            return
        _DistrictBuilder(context).build()


class _DistrictBuilder:
    def __init__(self, context: DemoContext) -> None:
        self.context = context
        # Its own random source: the sample's figures must not move when another step
        # draws a number more or less.
        self.rng = random.Random(f"indicators:{context.seed}")
        units: dict[str, Unit] = context.made["units"]
        self.by_short = {unit.short_name: unit for unit in units.values()}
        kinds = (UnitKind.SUBDISTRICT, UnitKind.TOWN, UnitKind.PLATFORM)
        self.units = sorted((u for u in units.values() if u.kind in kinds), key=lambda u: u.order)
        self.supervisor = User.objects.get(username="supervisor")
        people = User.objects.filter(
            unit__in=self.units, role__in=(Role.UNIT_CLERK, Role.UNIT_MANAGER)
        )
        self.clerks = {p.unit_id: p for p in people if p.role == Role.UNIT_CLERK}
        self.managers = {p.unit_id: p for p in people if p.role == Role.UNIT_MANAGER}
        self.series: dict[tuple[str, int], _Series] = {}
        self.growth_targets: dict[tuple[str, int], int] = {}

    def build(self) -> None:
        providers = {name: self.by_short[name] for name in ("统计局", "财政局", "商务局")}
        self.indicators = make_catalogue(self.supervisor, providers)
        self.reporters = self._reporters(providers)
        self._plan_values()
        for period in _months(FIRST, LAST_CLOSED):
            self._write_month(period)
            do_compute_derived(period)
            do_close_period(period, actor=self.supervisor)
        october = self._write_october()
        do_compute_derived(OPEN)
        targets = self._set_targets()
        manual = sum(1 for spec in CATALOGUE if spec.source == Source.MANUAL)
        self.context.out.write(
            f"  indicators: {len(CATALOGUE)} indicators ({manual} reported, "
            f"{len(CATALOGUE) - manual} computed), {Value.objects.count()} values of "
            f"{FIRST}–{OPEN}, {targets} targets; {OPEN} open: {october}\n"
        )

    # Who writes ---------------------------------------------------------------------------

    def _reporters(self, providers: Mapping[str, Unit]) -> dict[int, User]:
        """The data provider's person of each providing department; 区财政局 gets one (the
        org demo makes provider accounts for the statistics and commerce bureaus)."""
        people = {
            person.unit_id: person
            for person in User.objects.filter(
                role=Role.DATA_PROVIDER, unit__in=providers.values()
            ).order_by("username")
        }
        finance = providers["财政局"]
        if finance.pk not in people:
            people[finance.pk] = do_create_person(
                actor=self.supervisor,
                reason=REASON,
                username="provider_caizheng",
                name=person_name(self.rng),
                title="预算科",
                unit=finance,
                role=Role.DATA_PROVIDER,
            )
        return people

    # The values ---------------------------------------------------------------------------

    def _plan_values(self) -> None:
        """Every manual indicator's 24 months for every unit it applies to."""
        sample = sample_report()
        for spec in CATALOGUE:
            if spec.source != Source.MANUAL:
                continue
            indicator = self.indicators[spec.code]
            for unit in self.units:
                if not indicator.applies_to(unit):
                    continue
                key = (spec.code, unit.pk)
                if spec.code == "GDP_G":
                    self.series[key] = self._growth_series()
                elif spec.code == "NEW_ABOVE":
                    self.series[key] = self._count_series(unit)
                elif spec.code in SAMPLE_CODES and unit.short_name in sample:
                    amount, growth = sample[unit.short_name][spec.code]
                    self.series[key] = self._sample_series(spec.code, amount, growth)
                else:
                    self.series[key] = self._amount_series(spec.code, unit)
                if (unit.short_name, spec.code) == NO_BASE:
                    self.series[key].last_year = [None] * 12

    def _shares(self, code: str) -> list[float]:
        """A unit's cumulative seasonal shares (month 12 is 1): the indicator's profile
        with each month's share varied by up to 15 % (45 % for 引进市外内资, which comes
        with the projects; 实际利用外资 arrives in lumps)."""
        if code == "FDI":
            weights = [self.rng.expovariate(1) + 0.3 for _ in range(12)]
        else:
            spread = 0.45 if code == "OUTSIDE" else 0.15
            weights = [w * self.rng.uniform(1 - spread, 1 + spread) for w in _PROFILES[code]]
        total = sum(weights)
        return [share / total for share in accumulate(weights)]

    def _growth_path(self, final: float) -> list[float]:
        """The year-to-date growth (%) of each month of 2026, drifting towards `final` at
        October: the early months' growth differs by a few points."""
        drift = self.rng.uniform(-4, 4)
        return [
            max(-19.0, min(34.0, final + drift * (10 - month) / 9 + self.rng.uniform(-0.6, 0.6)))
            if month != 10
            else final
            for month in range(1, 13)
        ]

    def _ytd(
        self, last_year: Sequence[float], path: Sequence[float], decimals: int
    ) -> tuple[list[Decimal | None], list[Decimal]]:
        """Both years' year-to-date amounts, never falling from one month to the next;
        2026's grown from 2025's as stored, so that the growth is the path's."""
        before = _rising([_amount(figure, decimals) for figure in last_year])
        after = [
            _amount(float(figure or 0) * (1 + growth / 100), decimals)
            for figure, growth in zip(before, path, strict=True)
        ]
        return before, [amount for amount in _rising(after) if amount is not None]

    def _sample_series(self, code: str, amount: Decimal, growth: Decimal | None) -> _Series:
        """A unit's series that reaches the sample's October figure, and whose October 2025
        is the figure its printed growth implies (a made-up base where it prints "—")."""
        shares = self._shares(code)
        printed = float(growth) if growth is not None else self.rng.uniform(5, 20)
        october_2025 = implied_last_year(amount, Decimal(str(printed)))
        annual = float(october_2025) / shares[9]
        last_year, this_year = self._ytd(
            [annual * share for share in shares], self._growth_path(printed), 1
        )
        # Exactly the figures the bureau's report implies, not their float round trip.
        last_year[9], this_year[9] = october_2025, amount
        return _Series(last_year, this_year, shares, annual)

    def _amount_series(self, code: str, unit: Unit) -> _Series:
        shares = self._shares(code)
        annual = self._annual(code, unit)
        final = self._growth(code, unit)
        decimals = self.indicators[code].decimals
        last_year, this_year = self._ytd(
            [annual * s for s in shares], self._growth_path(final), decimals
        )
        return _Series(last_year, this_year, shares, annual)

    def _annual(self, code: str, unit: Unit) -> float:
        """A unit's 2025 amount (万元; 万美元 for 实际利用外资): the sample's towns set the
        scale of the figures they do not print (制造业投资 is most of 工业投资 …)."""
        rng, kind = self.rng, unit.kind
        related = {
            "MFG_INV": ("IND_INV", 0.65, 0.92), "HT_INV": ("IND_INV", 0.3, 0.6),
            "DIGITAL": ("IVA", 0.06, 0.25), "BUDGET": ("FISCAL", 0.52, 0.62),
            "IND_INV": ("FAI", 0.55, 0.8),
        }  # fmt: skip
        if code in related and (related[code][0], unit.pk) in self.series:
            base, low, high = related[code]
            share = rng.uniform(low, high)
            if code == "DIGITAL" and kind == UnitKind.SUBDISTRICT:
                share *= 1.5
            return self.series[(base, unit.pk)].annual * share
        ranges = {
            # (subdistrict, town, platform)
            "FAI": ((), (), (100_000, 350_000)),
            "FDI": ((600, 3000), (80, 800), (1500, 5000)),
            "OUTSIDE": ((30_000, 90_000), (8_000, 40_000), (40_000, 120_000)),
        }
        kinds = (UnitKind.SUBDISTRICT, UnitKind.TOWN, UnitKind.PLATFORM)
        low, high = ranges[code][kinds.index(UnitKind(kind))]
        return rng.uniform(low, high)

    def _growth(self, code: str, unit: Unit) -> float:
        """A unit's growth at October 2026 (%): close to that of the figure it is part of."""
        related = {"MFG_INV": "IND_INV", "HT_INV": "IND_INV", "DIGITAL": "IVA", "BUDGET": "FISCAL"}
        base = self.series.get((related.get(code, ""), unit.pk))
        if base is not None and base.last_year[9] is not None:
            assert base.last_year[9] is not None
            last = float(base.last_year[9])
            centre = (float(base.this_year[9]) / last - 1) * 100
            return max(-18.0, min(32.0, centre + self.rng.uniform(-6, 6)))
        return self.rng.triangular(-15, 30, 8)

    def _growth_series(self) -> _Series:
        """地区生产总值增速: a growth typed in each month, around 5–9 %."""
        years = []
        for _year in (2025, 2026):
            level, drift = self.rng.uniform(5.0, 9.0), self.rng.uniform(-1.5, 1.5)
            years.append(
                [
                    _amount(level + drift * (12 - month) / 11 + self.rng.uniform(-0.3, 0.3), 1)
                    for month in range(1, 13)
                ]
            )
        last_year: list[Decimal | None] = list(years[0])
        return _Series(last_year, years[1], [m / 12 for m in range(1, 13)], 0.0)

    def _count_series(self, unit: Unit) -> _Series:
        """新增规上企业数: enterprises listed over the year, many in January (the annual
        review), each month's figure the count so far."""
        high = 14 if unit.kind == UnitKind.SUBDISTRICT else 8
        low = 5 if unit.kind == UnitKind.SUBDISTRICT else 2
        last = self.rng.randint(low, high)
        this = max(1, round(last * self.rng.uniform(0.7, 1.5)))
        years = []
        for count in (last, this):
            january = max(1, round(count * 0.4))
            months = [1] * january + [self.rng.randint(2, 12) for _ in range(count - january)]
            years.append([Decimal(sum(1 for m in months if m <= month)) for month in range(1, 13)])
        last_year: list[Decimal | None] = list(years[0])
        return _Series(last_year, years[1], [m / 12 for m in range(1, 13)], float(last))

    def _amount_of(self, code: str, unit: Unit, period: Period) -> Decimal | None:
        series = self.series[(code, unit.pk)]
        months = series.last_year if period.year == 2025 else series.this_year
        return months[period.month - 1]

    def _entries(self, specs: Sequence[Spec], units: Sequence[Unit], period: Period) -> list[Entry]:
        entries = []
        for spec in specs:
            indicator = self.indicators[spec.code]
            for unit in units:
                if (spec.code, unit.pk) not in self.series:
                    continue
                amount = self._amount_of(spec.code, unit, period)
                if amount is not None:
                    entries.append(Entry(indicator, unit, amount, label=f"{unit} · {indicator}"))
        return entries

    def _provided(self, provider: str) -> list[Spec]:
        return [spec for spec in CATALOGUE if spec.provider == provider]

    def _own(self) -> list[Spec]:
        return [spec for spec in CATALOGUE if spec.source == Source.MANUAL and not spec.provider]

    def _write_month(self, period: Period) -> None:
        """A closed month: every value submitted by its owner and approved."""
        for short_name in ("统计局", "财政局", "商务局"):
            reporter = self.reporters[self.by_short[short_name].pk]
            entries = self._entries(self._provided(short_name), self.units, period)
            saved = do_save_values(period, entries, actor=reporter, submit=True)
            do_approve_values(_written(saved), actor=self.supervisor)
        for unit in self.units:
            entries = self._entries(self._own(), [unit], period)
            if entries:
                saved = do_save_values(period, entries, actor=self.clerks[unit.pk], submit=True)
                do_approve_values(_written(saved), actor=self.managers[unit.pk])

    def _write_october(self) -> str:
        """The open month as the progress page shows it on the demo's today."""
        commerce, finance = self.by_short["商务局"], self.by_short["财政局"]
        do_save_values(
            OPEN,
            self._entries(self._provided("商务局"), self.units, OPEN),
            actor=self.reporters[commerce.pk],
            submit=True,
        )
        do_save_values(
            OPEN,
            self._entries(self._provided("财政局"), self.units, OPEN),
            actor=self.reporters[finance.pk],
        )
        state_of = {name: state for state, names in _OCTOBER.items() for name in names}
        for unit in self.units:
            clerk, manager = self.clerks[unit.pk], self.managers[unit.pk]
            entries = self._entries(self._own(), [unit], OPEN)
            if unit.short_name == _PARTLY_DRAFTED[0]:
                entries = [e for e in entries if e.indicator.code == _PARTLY_DRAFTED[1]]
                do_save_values(OPEN, entries, actor=clerk)
            elif unit.short_name == _RETURNED[0]:
                saved = do_save_values(OPEN, entries, actor=clerk, submit=True)
                returned = Value.objects.for_steps().get(
                    pk__in=saved.written, indicator__code=_RETURNED[1]
                )
                do_return_value(returned, actor=manager, reason=RETURN_REASON)
            elif unit.short_name in state_of:
                state = state_of[unit.short_name]
                saved = do_save_values(OPEN, entries, actor=clerk, submit=state != "draft")
                if state == "approved":
                    do_approve_values(_written(saved), actor=manager)
        statuses = Value.objects.for_period(OPEN.year, OPEN.month).filter(
            indicator__source=Source.MANUAL
        )
        counts = {status: statuses.filter(status=status).count() for status in ValueStatus}
        return (
            f"{counts[ValueStatus.APPROVED]} approved, {counts[ValueStatus.SUBMITTED]} "
            f"submitted, {counts[ValueStatus.DRAFT]} drafts (one returned)"
        )

    # Targets ------------------------------------------------------------------------------

    def _set_targets(self) -> int:
        """Every unit's targets of 2025 and 2026, set the December before."""
        counts = self._derived_counts()
        made = 0
        for spec in CATALOGUE:
            if not spec.targeted:
                continue
            indicator = self.indicators[spec.code]
            for unit in self.units:
                if not indicator.applies_to(unit):
                    continue
                for year in (2025, 2026):
                    amount, phasing = self._target(spec, unit, year, counts)
                    do_set_target(
                        indicator=indicator,
                        unit=unit,
                        year=year,
                        amount=amount,
                        phasing=phasing,
                        actor=self.supervisor,
                        reason=REASON,
                        today=date(year - 1, 12, 1),
                    )
                    made += 1
        return made

    def _derived_counts(self) -> dict[tuple[str, int, int], Decimal]:
        """The computed counts of December 2025 and September 2026, by (code, unit, year)."""
        rows = Value.objects.filter(
            indicator__source=Source.DERIVED, indicator__kind=IndicatorKind.CUMULATIVE
        ).filter(year__in=(2025, 2026))
        wanted = {(2025, 12), (2026, LAST_CLOSED.month)}
        return {
            (code, unit_id, year): amount
            for code, unit_id, year, month, amount in rows.values_list(
                "indicator__code", "unit_id", "year", "month", "amount"
            )
            if (year, month) in wanted
        }

    def _target(
        self,
        spec: Spec,
        unit: Unit,
        year: int,
        counts: Mapping[tuple[str, int, int], Decimal],
    ) -> tuple[Decimal, list[Decimal] | None]:
        rng, code = self.rng, spec.code
        if code == "GDP_G":
            return Decimal(rng.choice(("6.5", "7.0", "7.5", "8.0"))), None
        if spec.base:
            # 2026: the growth its base's amount target was set with.
            if year == 2026 and (spec.base, unit.pk) in self.growth_targets:
                return Decimal(self.growth_targets[(spec.base, unit.pk)]), None
            return Decimal(rng.choice((7, 8, 10))), None
        if code == "START_RATE":
            return Decimal(80 if year == 2026 else 75), None
        if code in ("REQ_ON_TIME", "DEPT_ON_TIME"):
            return Decimal(95 if year == 2026 else 90), None
        if code == "DEPT_ONE_VISIT":
            return Decimal(90 if year == 2026 else 85), None
        if code in ("PROJ_1YI", "PROJ_10YI", "TALENT_HL", "GRADUATES"):
            return Decimal(self._count_target(code, unit, year, counts)), None
        series = self.series[(code, unit.pk)]
        if year == 2025:
            # Set without knowing how 2025 would turn out: within about 10 % of it.
            actual = series.annual * rng.uniform(0.9, 1.12)
            if code == "NEW_ABOVE":
                return Decimal(max(1, round(actual))), None
            return _round_target(actual), None
        growth = rng.choice(_TARGET_GROWTH[code])
        self.growth_targets[(code, unit.pk)] = growth
        if code == "NEW_ABOVE":
            return Decimal(max(2, round(series.annual * (1 + growth / 100)))), None
        amount = _round_target(series.annual * (1 + growth / 100))
        phasing = None
        if code in _PHASED and unit.kind in _PHASED_KINDS:
            phasing = [_amount(float(amount) * share, 1) for share in series.shares[:11]]
            phasing.append(amount)
        return amount, phasing

    def _count_target(
        self, code: str, unit: Unit, year: int, counts: Mapping[tuple[str, int, int], Decimal]
    ) -> int:
        """A count's target: about what the year brings (the whole of 2025; September 2026
        projected to December), more or less ambitious, within the office's usual range
        (a town: 2–6 new projects of 1亿 and more, one of 10亿)."""
        if year == 2025:
            actual = float(counts.get((code, unit.pk, 2025), 0))
        else:
            actual = float(counts.get((code, unit.pk, 2026), 0)) * 12 / LAST_CLOSED.month
        wanted = round(actual * self.rng.uniform(0.8, 1.5))
        subdistrict = unit.kind == UnitKind.SUBDISTRICT
        low, high = {
            "PROJ_1YI": (4, 12) if subdistrict else (2, 6),
            "PROJ_10YI": (1, 3) if subdistrict else (1, 1),
            "TALENT_HL": (2, 6) if subdistrict else (1, 4),
            "GRADUATES": (3, 8) if subdistrict else (1, 5),
        }[code]
        return max(low, min(high, wanted))


def _written(saved: SaveResult) -> QuerySet[Value]:
    """The values a batch wrote."""
    return Value.objects.filter(pk__in=saved.written)


def _rising(amounts: list[Decimal]) -> list[Decimal | None]:
    """Year-to-date amounts with no month below the one before (rounding may dip)."""
    rising: list[Decimal | None] = []
    for amount in amounts:
        previous = rising[-1] if rising else None
        rising.append(amount if previous is None or amount >= previous else previous)
    return rising
