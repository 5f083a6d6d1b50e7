"""The 亩均 evaluation's actions: the scheme (every broken rule listed; frozen once used), the
figures (all or nothing, in bulk, with history), computing a draft and publishing it into
the enterprise registry; and the demo's evaluation.

The `evaluated` fixture is shared by the view, API and import tests: 2025's scheme, the
figures of five enterprises in two towns, and its evaluation published.

    锦城街道  锦城高新 (规上, 亩均税收 50)   锦城精工 (规上, 25)   锦城竹制品 (规下, 亩均税收 20)
    於潜镇    於潜机械 (规上, 12.5)          於潜茶叶 (规下, 10)
"""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bipin.conftest import District
from bipin.core.demo import DemoContext
from bipin.core.excel import Outcome
from bipin.enterprises.choices import Grade, Size
from bipin.enterprises.demo.enterprises import EnterprisesDemo
from bipin.enterprises.models import Enterprise
from bipin.enterprises.tests.test_enterprise_views import make_enterprise
from bipin.org.demo import OrgDemo
from bipin.org.models import Unit
from bipin.scoring.actions.evaluations import (
    CriterionSpec,
    FiguresRow,
    criterion_specs,
    do_evaluate,
    do_publish_evaluation,
    do_save_evaluation_scheme,
    do_save_figures,
)
from bipin.scoring.choices import Measure, RunStatus
from bipin.scoring.demo_evaluation import UTILITY_REASON, VETO_REASON, EvaluationDemo
from bipin.scoring.models import (
    Criterion,
    EnterpriseFigures,
    Evaluation,
    EvaluationResult,
    EvaluationScheme,
)

YEAR = 2025
ABOVE, BELOW = Size.ABOVE_SCALE, Size.BELOW_SCALE


def criteria() -> list[CriterionSpec]:
    """The demo's weights with round benchmarks: an enterprise at every benchmark scores 100."""
    return [
        CriterionSpec(ABOVE, Measure.TAX_PER_MU, Decimal(40), Decimal(25)),
        CriterionSpec(ABOVE, Measure.VALUE_ADDED_PER_MU, Decimal(20), Decimal(130)),
        CriterionSpec(ABOVE, Measure.LABOUR_PRODUCTIVITY, Decimal(10), Decimal(20)),
        CriterionSpec(ABOVE, Measure.VALUE_ADDED_PER_ENERGY, Decimal(10), Decimal("2.6")),
        CriterionSpec(ABOVE, Measure.VALUE_ADDED_PER_EMISSION, Decimal(10), Decimal(5200)),
        CriterionSpec(ABOVE, Measure.RD_SHARE, Decimal(10), Decimal(3)),
        CriterionSpec(BELOW, Measure.TAX_PER_MU, Decimal(70), Decimal(10)),
        CriterionSpec(BELOW, Measure.TAX_PER_ELECTRICITY, Decimal(30), Decimal("0.25")),
    ]


def make_scheme(district: District, year: int = YEAR, **fields: Any) -> EvaluationScheme:
    return do_save_evaluation_scheme(
        EvaluationScheme(year=year, name=f"{year}年度亩均评价办法", **fields),
        criteria=criteria(),
        actor=district.supervisor,
    )


def figures_row(enterprise: Enterprise, tax_per_mu: str = "25", **values: Any) -> FiguresRow:
    """A year of `enterprise`, 20 亩, at every benchmark but the tax (25 万元/亩 by default);
    a 规下 enterprise with the tax only, and electricity at 0.25 万元 per 万千瓦时."""
    tax = Decimal(tax_per_mu) * 20
    if enterprise.size == BELOW:
        fields: dict[str, Any] = {"electricity": tax / Decimal("0.25")}
    else:
        fields = {
            "value_added": Decimal(2600), "revenue": Decimal(10000), "employees": 130,
            "energy": Decimal(1000), "emissions": Decimal("0.5"), "rd_expense": Decimal(300),
        }  # fmt: skip
    fields.update({"land_area": Decimal(20), "tax": tax, "production_started": 2015})
    fields.update(values)
    return FiguresRow(enterprise=enterprise, size=enterprise.size, **fields)


def enterprise(district: District, unit: Unit, name: str, size: str) -> Enterprise:
    return make_enterprise(district, unit, name=name, size=size)


@dataclass
class Evaluated:
    district: District
    scheme: EvaluationScheme
    evaluation: Evaluation
    enterprises: dict[str, Enterprise]

    def result(self, name: str) -> EvaluationResult:
        return self.evaluation.results.get(enterprise=self.enterprises[name])


def build_evaluated(district: District, *, publish: bool = True) -> Evaluated:
    a, b = district.town_a, district.town_b
    made = {
        "锦城高新": enterprise(district, a, "杭州锦城高新科技有限公司", ABOVE),
        "锦城精工": enterprise(district, a, "杭州锦城精工机械有限公司", ABOVE),
        "锦城竹制品": enterprise(district, a, "杭州锦城竹制品有限公司", BELOW),
        "於潜机械": enterprise(district, b, "杭州於潜机械制造有限公司", ABOVE),
        "於潜茶叶": enterprise(district, b, "杭州於潜茶叶有限公司", BELOW),
    }
    scheme = make_scheme(district)
    do_save_figures(
        [
            figures_row(made["锦城高新"], "50"),
            figures_row(made["锦城精工"], "25"),
            figures_row(made["锦城竹制品"], "20"),
            figures_row(made["於潜机械"], "12.5"),
            figures_row(made["於潜茶叶"], "10"),
        ],
        year=YEAR,
        actor=district.supervisor,
    )
    evaluation = do_evaluate(YEAR, actor=district.supervisor)
    if publish:
        evaluation = do_publish_evaluation(evaluation, actor=district.supervisor)
    return Evaluated(district, scheme, evaluation, made)


@pytest.fixture
def evaluated(district: District) -> Evaluated:
    return build_evaluated(district)


def _messages(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return error.value.messages


# The scheme --------------------------------------------------------------------------------


def test_the_supervisor_saves_a_scheme_with_its_criteria_and_history(district):
    scheme = make_scheme(district)
    assert scheme.pk is not None
    assert criterion_specs(scheme) == criteria()
    assert scheme.history.get().history_user == district.supervisor
    assert Criterion.history.filter(scheme_id=scheme.pk).count() == 8


def test_saving_a_scheme_again_replaces_its_criteria(district):
    scheme = make_scheme(district)
    do_save_evaluation_scheme(
        scheme,
        criteria=[
            CriterionSpec(ABOVE, Measure.TAX_PER_MU, Decimal(100), Decimal(20)),
            CriterionSpec(BELOW, Measure.TAX_PER_MU, Decimal(100), Decimal(10)),
        ],
        actor=district.supervisor,
        reason="只按亩均税收评价",
    )
    assert [(c.size, c.measure) for c in scheme.criteria.all()] == [
        (ABOVE, Measure.TAX_PER_MU),
        (BELOW, Measure.TAX_PER_MU),
    ]
    assert Criterion.history.filter(history_type="-").count() == 8
    assert scheme.history.first().history_change_reason == "只按亩均税收评价"


def test_every_broken_rule_of_a_scheme_is_listed_and_nothing_is_saved(district):
    with pytest.raises(ValidationError) as error:
        do_save_evaluation_scheme(
            EvaluationScheme(
                year=YEAR,
                name="",
                share_a=Decimal(60),
                share_b=Decimal(20),
                share_c=Decimal(95),
            ),
            criteria=[
                CriterionSpec(BELOW, Measure.TAX_PER_MU, Decimal(-5), Decimal(10)),
                CriterionSpec(BELOW, Measure.VALUE_ADDED_PER_MU, Decimal(30), Decimal(0)),
                CriterionSpec(BELOW, Measure.TAX_PER_MU, Decimal(10), Decimal(10), Decimal(0)),
            ],
            actor=district.supervisor,
        )
    messages = "\n".join(_messages(error))
    assert "评价办法须有名称" in messages
    assert "A 类 < B 类 < C 类 ≤ 100（现为 60、20、95）" in messages
    assert "规下第 1 项“亩均税收（万元/亩）”：权重不能为负数" in messages
    assert (
        "规下第 2 项“亩均增加值（万元/亩）”：规下企业只能按 亩均税收（万元/亩）、单位电耗税收"
        in (messages)
    )
    assert "规下第 2 项“亩均增加值（万元/亩）”：基准值须大于 0" in messages
    assert "规下第 3 项“亩均税收（万元/亩）”：同一指标只能有一项" in messages
    assert "规下第 3 项“亩均税收（万元/亩）”：封顶倍数须大于 0" in messages
    assert "规上企业至少要有一项评价指标" in messages
    assert not EvaluationScheme.objects.exists()
    assert not Criterion.objects.exists()


def test_a_size_whose_weights_are_all_zero_is_refused(district):
    specs = [spec for spec in criteria() if spec.size == ABOVE] + [
        CriterionSpec(BELOW, Measure.TAX_PER_MU, Decimal(0), Decimal(10))
    ]
    with pytest.raises(ValidationError, match="规下企业的权重不能全为 0"):
        do_save_evaluation_scheme(
            EvaluationScheme(year=YEAR, name="办法"), criteria=specs, actor=district.supervisor
        )


def test_a_year_has_one_scheme(district):
    make_scheme(district)
    with pytest.raises(ValidationError, match="已有 2025 年度的评价办法"):
        make_scheme(district)


def test_only_the_supervisor_makes_schemes(district):
    for user in (district.leader, district.clerk_a, district.manager_a):
        with pytest.raises(ValidationError) as error:
            do_save_evaluation_scheme(
                EvaluationScheme(year=YEAR, name="办法"), criteria=criteria(), actor=user
            )
        assert error.value.code == "not_allowed"
    assert not EvaluationScheme.objects.exists()


def test_a_scheme_used_by_a_published_evaluation_is_frozen(evaluated):
    with pytest.raises(ValidationError) as error:
        do_save_evaluation_scheme(
            evaluated.scheme, criteria=criteria()[:1], actor=evaluated.district.supervisor
        )
    assert error.value.code == "frozen"
    assert evaluated.scheme.criteria.count() == 8


def test_a_scheme_with_only_a_draft_evaluation_may_change(district):
    draft = build_evaluated(district, publish=False)
    do_save_evaluation_scheme(draft.scheme, criteria=criteria(), actor=district.supervisor)


# Figures -----------------------------------------------------------------------------------


def test_figures_are_written_in_bulk_with_their_history(district):
    made = [enterprise(district, district.town_a, f"企业{n}", ABOVE) for n in range(3)]
    saved = do_save_figures(
        [figures_row(item) for item in made], year=YEAR, actor=district.supervisor
    )
    assert saved.outcomes == [Outcome.CREATED] * 3
    stored = EnterpriseFigures.objects.get(enterprise=made[0], year=YEAR)
    assert (stored.land_area, stored.tax, stored.employees) == (Decimal(20), Decimal(500), 130)
    versions = EnterpriseFigures.history.all()
    assert versions.count() == 3
    assert {v.history_user_id for v in versions} == {district.supervisor.pk}
    assert {v.history_type for v in versions} == {"+"}


def test_figures_the_same_again_write_nothing_and_a_change_is_a_new_version(district):
    made = [enterprise(district, district.town_a, f"企业{n}", ABOVE) for n in range(2)]
    do_save_figures([figures_row(item) for item in made], year=YEAR, actor=district.supervisor)
    again = do_save_figures(
        [figures_row(made[0]), figures_row(made[1], "30", veto_reason="  环境  事故 ")],
        year=YEAR,
        actor=district.supervisor,
    )
    assert again.outcomes == [Outcome.UNCHANGED, Outcome.UPDATED]
    changed = EnterpriseFigures.objects.get(enterprise=made[1])
    assert changed.tax == Decimal(600)
    assert changed.veto_reason == "环境 事故"
    assert EnterpriseFigures.history.count() == 3
    assert EnterpriseFigures.history.filter(history_type="~").get().tax == Decimal(600)


def test_one_bad_row_writes_no_figures_and_every_rule_is_named_with_its_row(district):
    made = [enterprise(district, district.town_a, f"企业{n}", ABOVE) for n in range(3)]
    rows = [
        figures_row(made[0]),
        figures_row(made[1], land_area=Decimal(0), energy=Decimal(-1)),
        figures_row(made[2], production_started=2030, emissions=Decimal("0.12345")),
        figures_row(made[0], label="第 9 行"),
    ]
    rows[1].label = "第 5 行"
    with pytest.raises(ValidationError) as error:
        do_save_figures(rows, year=YEAR, actor=district.supervisor)
    messages = _messages(error)
    assert "第 5 行：用地面积须大于 0（0）。" in messages
    assert "第 5 行：综合能耗（吨标煤）不能为负数（-1）。" in messages
    assert "第 3 条：投产年份应在 1900 至 2025 年之间（2030）。" in messages
    assert "第 3 条：最多 4 位小数（0.12345）。" in messages
    assert "第 9 行：“企业0”与第 1 条重复，每家企业每年只有一条亩均数据。" in messages
    assert not EnterpriseFigures.objects.exists()


def test_only_the_supervisor_enters_figures(district):
    made = enterprise(district, district.town_a, "企业", ABOVE)
    with pytest.raises(ValidationError) as error:
        do_save_figures([figures_row(made)], year=YEAR, actor=district.clerk_a)
    assert error.value.code == "not_allowed"


def test_figures_of_a_published_year_do_not_change_but_may_be_sent_again(evaluated):
    supervisor = evaluated.district.supervisor
    high = evaluated.enterprises["锦城高新"]
    unchanged = do_save_figures([figures_row(high, "50")], year=YEAR, actor=supervisor)
    assert unchanged.outcomes == [Outcome.UNCHANGED]
    with pytest.raises(ValidationError) as error:
        do_save_figures([figures_row(high, "51")], year=YEAR, actor=supervisor)
    assert error.value.code == "published"
    assert EnterpriseFigures.objects.get(enterprise=high).tax == Decimal(1000)


# Computing and publishing ------------------------------------------------------------------


def test_computing_a_year_makes_a_draft_with_every_enterprises_result(district):
    draft = build_evaluated(district, publish=False)
    evaluation = draft.evaluation
    assert evaluation.status == RunStatus.DRAFT
    assert evaluation.computed_by == district.supervisor
    assert evaluation.results.count() == 5
    high = draft.result("锦城高新")
    # 亩均税收 50 = 2 × 25: 40 × 2 = 80 (the cap), the rest at the benchmark: 60.
    assert (high.score, high.rank, high.unit_id) == (Decimal("140.00"), 1, district.town_a.pk)
    assert high.breakdown[Measure.TAX_PER_MU] == {
        "value": "50.0000",
        "points": "80.00",
        "weight": "40.00",
        "benchmark": "25.0000",
    }
    assert draft.result("於潜机械").score == Decimal("80.00")  # 40 × 0.5 + 60
    # 规下 apart: 70 × 2 + 30 = 170 and 70 + 30 = 100.
    assert draft.result("锦城竹制品").score == Decimal("170.00")
    assert (draft.result("於潜茶叶").score, draft.result("於潜茶叶").rank) == (Decimal("100.00"), 2)
    # Drafts do not reach the registry.
    assert not Enterprise.objects.exclude(grade="").exists()


def test_computing_again_replaces_the_years_draft(district):
    first = build_evaluated(district, publish=False).evaluation
    second = do_evaluate(YEAR, actor=district.supervisor)
    assert list(Evaluation.objects.values_list("pk", flat=True)) == [second.pk]
    assert not EvaluationResult.objects.filter(evaluation_id=first.pk).exists()
    assert Evaluation.history.filter(id=first.pk, history_type="-").exists()


def test_the_results_are_written_in_one_statement(district):
    draft = build_evaluated(district, publish=False)
    with CaptureQueriesContext(connection) as queries:
        do_evaluate(YEAR, actor=district.supervisor)
    inserts = [
        q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "scoring_evaluationresult"')
    ]
    assert len(inserts) == 1
    assert draft.evaluation.pk  # the first draft was there to be replaced


@pytest.mark.parametrize(
    ("setup", "code"),
    [("nothing", "no_scheme"), ("scheme", "no_figures"), ("published", "published")],
)
def test_a_year_is_computed_only_with_a_scheme_and_figures_and_not_once_published(
    district, setup, code
):
    if setup == "scheme":
        make_scheme(district)
    if setup == "published":
        build_evaluated(district)
    with pytest.raises(ValidationError) as error:
        do_evaluate(YEAR, actor=district.supervisor)
    assert error.value.code == code


def test_only_the_supervisor_computes_and_publishes(district):
    draft = build_evaluated(district, publish=False)
    for user in (district.leader, district.clerk_a):
        with pytest.raises(ValidationError) as error:
            do_evaluate(YEAR, actor=user)
        assert error.value.code == "not_allowed"
        with pytest.raises(ValidationError) as error:
            do_publish_evaluation(draft.evaluation, actor=user)
        assert error.value.code == "not_allowed"


def test_publishing_puts_every_class_into_the_registry_with_history(evaluated):
    evaluation = evaluated.evaluation
    assert evaluation.status == RunStatus.PUBLISHED
    assert evaluation.published_by == evaluated.district.supervisor
    grades = dict(Enterprise.objects.values_list("name", "grade"))
    assert grades == {
        "杭州锦城高新科技有限公司": Grade.B,  # of 3: ⌊0.6⌋ = 0, ⌊1.8⌋ = 1: rank 1 is B
        "杭州锦城精工机械有限公司": Grade.C,
        "杭州於潜机械制造有限公司": Grade.D,
        "杭州锦城竹制品有限公司": Grade.B,
        "杭州於潜茶叶有限公司": Grade.D,
    }
    assert set(Enterprise.objects.values_list("grade_year", flat=True)) == {YEAR}
    high = evaluated.enterprises["锦城高新"]
    version = high.history.first()
    assert (version.grade, version.history_type) == (Grade.B, "~")
    assert version.history_change_reason == "2025年度亩均评价发布"
    assert version.history_user_id == evaluated.district.supervisor.pk


def test_publishing_updates_the_registry_once_per_class(district):
    draft = build_evaluated(district, publish=False)
    with CaptureQueriesContext(connection) as queries:
        do_publish_evaluation(draft.evaluation, actor=district.supervisor)
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "enterprises_enterprise"')]
    assert len(updates) == 3  # B, C, D


def test_a_published_evaluation_is_not_published_again(evaluated):
    with pytest.raises(ValidationError) as error:
        do_publish_evaluation(evaluated.evaluation, actor=evaluated.district.supervisor)
    assert error.value.code == "published"


def test_a_published_evaluation_keeps_its_numbers_when_the_scheme_and_figures_move_on(evaluated):
    before = list(EvaluationResult.objects.values_list("score", "rank", "grade", "breakdown"))
    supervisor = evaluated.district.supervisor
    # The next year's scheme and figures change nothing of 2025's.
    make_scheme(evaluated.district, YEAR + 1)
    do_save_figures(
        [figures_row(evaluated.enterprises["锦城高新"], "5")], year=YEAR + 1, actor=supervisor
    )
    do_evaluate(YEAR + 1, actor=supervisor)
    after = list(
        EvaluationResult.objects.filter(evaluation=evaluated.evaluation).values_list(
            "score", "rank", "grade", "breakdown"
        )
    )
    assert after == before


def test_an_older_year_published_later_leaves_the_newer_class_in_the_registry(evaluated):
    supervisor = evaluated.district.supervisor
    high = evaluated.enterprises["锦城高新"]
    make_scheme(evaluated.district, YEAR - 1)
    do_save_figures(
        [figures_row(high, "1"), figures_row(evaluated.enterprises["锦城精工"], "50")],
        year=YEAR - 1,
        actor=supervisor,
    )
    older = do_evaluate(YEAR - 1, actor=supervisor)
    do_publish_evaluation(older, actor=supervisor)
    high.refresh_from_db()
    assert (high.grade, high.grade_year) == (Grade.B, YEAR)


# The demo ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """Org, the enterprises and this step alone (the others add nothing it reads), once for
    the module, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        context = DemoContext(scale="district", seed=2019, out=out)
        OrgDemo().generate(context)
        EnterprisesDemo().generate(context)
        EvaluationDemo().generate(context)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.mark.usefixtures("db")
class TestTheDemosEvaluation:
    def test_2025_is_published_with_every_class_in_the_registry(self, demo: str) -> None:
        evaluation = Evaluation.objects.get(year=2025)
        assert evaluation.status == RunStatus.PUBLISHED
        assert "the 2025 evaluation published" in demo
        results = evaluation.results.all()
        assert results.count() == EnterpriseFigures.objects.filter(year=2025).count() > 200
        graded = Enterprise.objects.filter(grade_year=2025)
        assert graded.count() == results.count()
        for grade in Grade.values:
            assert results.filter(grade=grade).exists(), grade
        for size in Size.values:
            assert results.filter(size=size, grade=Grade.A).exists()

    def test_the_classes_follow_the_shares_of_each_size(self, demo: str) -> None:
        results = Evaluation.objects.get(year=2025).results.exclude(grade=Grade.T)
        for size in Size.values:
            rated = results.filter(size=size)
            share_a = rated.filter(grade=Grade.A).count() / rated.count()
            share_d = rated.filter(grade=Grade.D).count() / rated.count()
            assert 0.15 <= share_a <= 0.2
            assert 0.05 <= share_d <= 0.1

    def test_the_utility_and_the_newcomer_are_t_and_the_accident_bars_a(self, demo: str) -> None:
        results = Evaluation.objects.get(year=2025).results
        reasons = set(results.filter(grade=Grade.T).values_list("unrated_reason", flat=True))
        assert reasons == {UTILITY_REASON, "投产未满 2 年（2024 年投产）"}
        vetoed = results.get(veto_reason=VETO_REASON)
        assert vetoed.grade == Grade.C
        # Its score would have made it A: within the top 20 % of the rated 规上.
        rated = results.filter(size=ABOVE, rank__isnull=False).count()
        assert vetoed.rank is not None and vetoed.rank <= rated // 5

    def test_some_enterprises_lack_emissions_and_earn_nothing_for_them(self, demo: str) -> None:
        missing = [
            result
            for result in Evaluation.objects.get(year=2025).results.filter(size=ABOVE)
            if result.breakdown[Measure.VALUE_ADDED_PER_EMISSION]["value"] is None
        ]
        assert missing
        assert all(
            r.breakdown[Measure.VALUE_ADDED_PER_EMISSION]["points"] in (None, "0.00")
            for r in missing
        )

    def test_the_2026_scheme_waits_for_its_figures(self, demo: str) -> None:
        scheme = EvaluationScheme.objects.get(year=2026)
        assert not scheme.evaluations.exists()
        before = {
            (c.size, c.measure): c.benchmark for c in Criterion.objects.filter(scheme__year=2025)
        }
        after = {(c.size, c.measure): c.benchmark for c in scheme.criteria.all()}
        assert before.keys() == after.keys()
        assert all(after[key] > before[key] for key in before)

    def test_the_benchmarks_are_near_the_demos_medians(self, demo: str) -> None:
        results = Evaluation.objects.get(year=2025).results.exclude(grade=Grade.T)
        for criterion in Criterion.objects.filter(scheme__year=2025):
            points = sorted(
                Decimal(r.breakdown[criterion.measure]["points"])
                for r in results.filter(size=criterion.size)
                if r.breakdown[criterion.measure]["value"] is not None
            )
            median = points[len(points) // 2]
            assert abs(median - criterion.weight) <= criterion.weight * Decimal("0.05"), criterion
