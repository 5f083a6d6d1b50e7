"""The 亩均 evaluation's part of the demo: the 2025 figures of Lin'an's industrial
enterprises, the 2025 scheme and its evaluation published (the classes in the registry),
and the 2026 scheme with no evaluation yet.

- Figures for every manufacturing enterprise of the registry (GB/T 4754 section C), 规上
  and 规下, with the land area the registry gives (a generated one where it has none), and
  for one utility, the district's water company, entered here through the enterprise
  action: tax, value added and the rest drawn around the ratios a county publishes (about
  24 万元 of tax and 130 万元 of value added per 亩 for a 规上 enterprise, 12 万元 of tax per
  亩 for a 规下 one), each enterprise's own efficiency drawn once and shared by its
  figures, so that a good enterprise is good on most measures. A few 规上 enterprises
  report no emissions (the measure earns 0 and is noted).
- T: the water company (a utility), and one enterprise in production since 2024, less than
  the two years the scheme asks. One veto: the most efficient 规上 enterprise (one that would
  rate A) had a safety accident in 2025, so it is rated C at best.
- The 2025 scheme: 规上 亩均税收 40, 亩均增加值 20, 全员劳动生产率 10, 单位能耗增加值 10,
  单位排放增加值 10, R&D 经费占比 10; 规下 亩均税收 70, 单位电耗税收 30; each benchmark the
  demo's median, to three significant figures; classes 20/60/95 %. The 2026 scheme has the
  same criteria with benchmarks 5 % higher.

Deterministic: its own random source, seeded from the demo's seed, and the enterprises
taken in the order of their codes.
"""

import random
import statistics
from decimal import ROUND_HALF_UP, Decimal

from bipin.core.demo import DemoContext, DemoStep
from bipin.core.uscc import check_character
from bipin.enterprises.actions import do_create_enterprise
from bipin.enterprises.choices import Grade, Size
from bipin.enterprises.models import Enterprise
from bipin.org.models import Unit, User
from bipin.projects.models import Industry
from bipin.scoring.actions.evaluations import (
    CriterionSpec,
    FiguresRow,
    do_evaluate,
    do_publish_evaluation,
    do_save_evaluation_scheme,
    do_save_figures,
)
from bipin.scoring.choices import Measure
from bipin.scoring.evaluation import measures
from bipin.scoring.models import EvaluationResult, EvaluationScheme

REASON = "演示数据"
#: The weights of each size (the brief of the issue's 亩均 item).
WEIGHTS: dict[str, list[tuple[Measure, int]]] = {
    Size.ABOVE_SCALE: [
        (Measure.TAX_PER_MU, 40),
        (Measure.VALUE_ADDED_PER_MU, 20),
        (Measure.LABOUR_PRODUCTIVITY, 10),
        (Measure.VALUE_ADDED_PER_ENERGY, 10),
        (Measure.VALUE_ADDED_PER_EMISSION, 10),
        (Measure.RD_SHARE, 10),
    ],
    Size.BELOW_SCALE: [(Measure.TAX_PER_MU, 70), (Measure.TAX_PER_ELECTRICITY, 30)],
}
#: The utility (T): the district's water company, in 青山湖街道.
UTILITY = {
    "name": "杭州临安青山湖水务有限公司",
    "address": "浙江省杭州市临安区青山湖街道水厂路1号",
}
UTILITY_INDUSTRY, UTILITY_UNIT = "46", "青山湖"
UTILITY_LAND, UTILITY_EMPLOYEES = Decimal("46.80"), 86
UTILITY_BODY = "MA2G4WTH1"
UTILITY_REASON = "公用事业（自来水生产和供应）"
VETO_REASON = "2025年8月发生一般生产安全事故（1人重伤），经应急管理部门认定"
NEXT_YEAR_RAISE = Decimal("1.05")


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _significant(value: float, digits: int = 3) -> Decimal:
    """A benchmark as an office writes it: three significant figures."""
    number = Decimal(repr(value))
    rounded = number.quantize(Decimal(1).scaleb(number.adjusted() - digits + 1), ROUND_HALF_UP)
    exponent = rounded.as_tuple().exponent
    return Decimal(int(rounded)) if isinstance(exponent, int) and exponent > 0 else rounded


class EvaluationDemo(DemoStep):
    name = "evaluation"

    def is_loaded(self) -> bool:
        return EvaluationScheme.objects.exists()

    def generate(self, context: DemoContext) -> None:
        if context.scale != "district":
            context.out.write("  evaluation: the district demo only\n")
            return
        rng = random.Random(f"evaluation:{context.seed}")
        year = context.year - 1
        supervisor = User.objects.get(username="supervisor")
        enterprises = list(Enterprise.objects.filter(industry__section__code="C").order_by("uscc"))
        rows: list[FiguresRow] = []
        quality: dict[int, float] = {}
        for enterprise in enterprises:
            quality[enterprise.pk] = rng.lognormvariate(0, 0.5)
            rows.append(self._figures(rng, enterprise, year, quality[enterprise.pk]))
        above = [row for row in rows if row.size == Size.ABOVE_SCALE]
        # One started production last year (T), and the best 规上 enterprise had an accident.
        newcomer = rng.choice(above)
        newcomer.production_started = year - 1
        vetoed = max(
            (row for row in above if row is not newcomer and row.emissions is not None),
            key=lambda row: quality[row.enterprise.pk],
        )
        vetoed.veto_reason = VETO_REASON
        rows.append(self._utility(rng, supervisor, year))
        criteria = self._criteria(rows)
        do_save_evaluation_scheme(
            EvaluationScheme(
                year=year,
                name=f"{year}年度工业企业亩均效益综合评价办法",
                share_a=Decimal(20),
                share_b=Decimal(60),
                share_c=Decimal(95),
                min_years=2,
            ),
            criteria=criteria,
            actor=supervisor,
            reason=REASON,
        )
        do_save_figures(rows, year=year, actor=supervisor)
        evaluation = do_evaluate(year, actor=supervisor)
        do_publish_evaluation(evaluation, actor=supervisor)
        do_save_evaluation_scheme(
            EvaluationScheme(
                year=year + 1,
                name=f"{year + 1}年度工业企业亩均效益综合评价办法",
                share_a=Decimal(20),
                share_b=Decimal(60),
                share_c=Decimal(95),
                min_years=2,
            ),
            criteria=[
                CriterionSpec(
                    spec.size,
                    spec.measure,
                    spec.weight,
                    _significant(float(spec.benchmark * NEXT_YEAR_RAISE)),
                )
                for spec in criteria
            ],
            actor=supervisor,
            reason=REASON,
        )
        counts = {
            grade: EvaluationResult.objects.filter(evaluation=evaluation, grade=grade).count()
            for grade in Grade.values
        }
        shown = " ".join(f"{grade} {count}" for grade, count in counts.items())
        context.out.write(
            f"  evaluation: {len(rows)} enterprises' figures of {year}, the {year} evaluation "
            f"published ({shown}), the {year + 1} scheme\n"
        )

    @staticmethod
    def _figures(rng: random.Random, enterprise: Enterprise, year: int, q: float) -> FiguresRow:
        """An enterprise's year, drawn around a county's ratios with its own efficiency q."""
        size = enterprise.size
        noise = rng.lognormvariate
        if enterprise.land_area:
            land = float(enterprise.land_area)
        elif size == Size.ABOVE_SCALE:
            land = rng.uniform(15, 60)
        else:
            land = rng.uniform(3, 12)
        row = FiguresRow(
            enterprise=enterprise,
            size=size,
            land_area=_money(land),
            tax=Decimal(0),
            production_started=rng.randint(1998, year - 3),
        )
        if size == Size.ABOVE_SCALE:
            value_added = land * 130 * q * noise(0, 0.2)
            revenue = value_added * rng.uniform(3, 5)
            energy = value_added / (2.7 * noise(0, 0.35))
            row.tax = _money(land * 24 * q * noise(0, 0.25))
            row.value_added = _money(value_added)
            row.revenue = _money(revenue)
            row.employees = enterprise.employees or max(
                10, round(value_added / (18 * noise(0, 0.3)))
            )
            row.energy = _money(energy)
            if rng.random() > 0.05:
                row.emissions = Decimal(f"{value_added / (4900 * noise(0, 0.4)):.4f}")
            row.rd_expense = _money(revenue * rng.uniform(0.005, 0.05) * min(q, 2))
            row.electricity = _money(energy * rng.uniform(0.4, 0.8))
        else:
            tax = land * 12 * q * noise(0, 0.3)
            row.tax = _money(tax)
            row.revenue = _money(tax * rng.uniform(15, 30))
            row.employees = enterprise.employees
            row.electricity = _money(tax / (0.24 * noise(0, 0.35)))
        return row

    @staticmethod
    def _utility(rng: random.Random, supervisor: User, year: int) -> FiguresRow:
        """The water company, entered through the enterprise action: a utility is rated T."""
        first17 = "91330185" + UTILITY_BODY
        enterprise = Enterprise.objects.filter(uscc=first17 + check_character(first17)).first()
        if enterprise is None:
            enterprise = do_create_enterprise(
                actor=supervisor,
                reason=REASON,
                uscc=first17 + check_character(first17),
                name=UTILITY["name"],
                industry=Industry.objects.get(code=UTILITY_INDUSTRY),
                unit=Unit.objects.get(short_name=UTILITY_UNIT),
                size=Size.ABOVE_SCALE,
                is_key=False,
                land_area=UTILITY_LAND,
                employees=UTILITY_EMPLOYEES,
                address=UTILITY["address"],
            )
        value_added = 6200 * rng.uniform(0.9, 1.1)
        return FiguresRow(
            enterprise=enterprise,
            size=Size.ABOVE_SCALE,
            land_area=UTILITY_LAND,
            tax=_money(value_added * 0.09),
            value_added=_money(value_added),
            revenue=_money(value_added * 2.1),
            employees=UTILITY_EMPLOYEES,
            energy=_money(value_added / 1.2),
            emissions=Decimal("0.8500"),
            rd_expense=_money(value_added * 0.004),
            electricity=_money(value_added / 2.5),
            production_started=2006,
            unrated_reason=UTILITY_REASON,
        )

    @staticmethod
    def _criteria(rows: list[FiguresRow]) -> list[CriterionSpec]:
        """Each size's criteria with the demo's median as the benchmark."""
        specs = []
        for size, weights in WEIGHTS.items():
            found = [measures(row) for row in rows if row.size == size and not row.unrated_reason]
            for measure, weight in weights:
                values = [float(value) for m in found if (value := m[measure]) is not None]
                specs.append(
                    CriterionSpec(
                        size=size,
                        measure=measure,
                        weight=Decimal(weight),
                        benchmark=_significant(statistics.median(values)),
                    )
                )
        return specs
