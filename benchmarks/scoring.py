"""比拼 at the province scale (`make benchmark` runs it).

Issue 6, "Speed", two cases, each against a baseline measured in the same run:

(a) methods: entropy weights and TOPSIS on a 1,500 × 60 matrix (seeded, a tenth of its
    criteria costs), ours (bipin.scoring.methods) against pymcdm's (the independent
    implementation the tests check them against; entropy_weights and TOPSIS with vector
    normalisation), the best of several runs each. Aim: no slower (ratio ≤ 1), and the
    same ranks.
(b) a whole scoring run from the database: `do_score` for one group of 1,500 units on a
    60-item scheme (40 on 序时完成率, 10 on the growth by the efficacy coefficient, 5 by
    the threshold form, 5 by place, with a bonus and a deduction) for a month, which reads
    the values and targets, scores, ranks and writes 1,500 scores with 93,000 lines,
    against the one query that fetches its values (the same ORM query the engine makes,
    read into Python). Aim: at most 3×.

The data of (b): a fresh SQLite database in a temporary folder with 1,500 towns of one
district, 60 indicators, the month's approved values, last year's for the growths, and the
year's targets, written with the bulk helper (the values' workflow is not measured here:
benchmarks/indicators.py measures it). The report goes to benchmarks/scoring.json.

    python benchmarks/scoring.py [--profile]
"""

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

UNITS = 1_500
INDICATORS = 60
TARGETS = {"methods": 1.0, "scoring_run": 3.0}
REPEATS = 5


def best_of(repeats: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


# (a) the methods ------------------------------------------------------------------------


def methods_case() -> dict[str, Any]:
    from pymcdm.helpers import rankdata
    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import vector_normalization
    from pymcdm.weights import entropy_weights as pymcdm_entropy

    from bipin.scoring import methods

    rng = np.random.default_rng(2019)
    matrix = rng.uniform(1.0, 1_000.0, size=(UNITS, INDICATORS))
    types = np.ones(INDICATORS)
    types[: INDICATORS // 10] = -1

    def ours() -> np.ndarray:
        weights = methods.entropy_weights(matrix, normalization="sum")
        return methods.topsis(matrix, weights, types)

    topsis = TOPSIS(normalization_function=vector_normalization)

    def theirs() -> np.ndarray:
        weights = pymcdm_entropy(matrix)
        return topsis(matrix, weights, types)

    our_closeness, their_closeness = ours(), theirs()
    our_ranks = methods.competition_ranks(our_closeness, decimals=None)
    their_ranks = rankdata(their_closeness, reverse=True)
    same_ranks = bool(np.array_equal(our_ranks, their_ranks.astype(int)))
    largest_difference = float(np.max(np.abs(our_closeness - their_closeness)))
    seconds_ours = best_of(REPEATS, ours)
    seconds_theirs = best_of(REPEATS, theirs)
    return {
        "matrix": [UNITS, INDICATORS],
        "seconds": seconds_ours,
        "baseline_seconds": seconds_theirs,
        "ratio": seconds_ours / seconds_theirs,
        "same_ranks": same_ranks,
        "largest_closeness_difference": largest_difference,
    }


# (b) a scoring run ----------------------------------------------------------------------


def _setup_django(folder: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bipin.settings",
            "BIPIN_VAR_DIR": str(folder),
            "BIPIN_SECRET_KEY": "benchmark-key-not-used-for-anything-0123456789",
        }
    )
    os.environ.pop("BIPIN_DATABASE_URL", None)
    import django

    django.setup()


def build(rng: random.Random) -> dict[str, Any]:
    """1,500 towns in one group, 60 indicators, a month of approved values and targets,
    and the 60-item scheme."""
    from django.utils import timezone

    from bipin.core.bulk import insert_rows
    from bipin.core.choices import Role
    from bipin.core.periods import Period
    from bipin.indicators.actions import do_save_indicator
    from bipin.indicators.choices import IndicatorKind, ValueStatus
    from bipin.indicators.models import Target, Value
    from bipin.org.actions import do_create_person
    from bipin.org.choices import UnitKind
    from bipin.org.models import Group, GroupMember, Unit
    from bipin.scoring.actions import AdjustmentSpec, ItemSpec, do_save_scheme
    from bipin.scoring.choices import AdjustmentKind, Basis, EfficacyForm
    from bipin.scoring.models import Scheme

    district = Unit.objects.create(
        kind=UnitKind.DISTRICT, code="BENCH", name="基准区", short_name="基准"
    )
    supervisor = do_create_person(
        actor=None, username="bench_supervisor", name="督查室", unit=district, role=Role.SUPERVISOR
    )
    Unit.objects.bulk_create(
        Unit(
            kind=UnitKind.TOWN,
            code=f"BENCH{number:05d}",
            name=f"基准镇{number:05d}",
            short_name=f"镇{number:05d}",
            parent=district,
            order=number,
        )
        for number in range(1, UNITS + 1)
    )
    towns = list(Unit.objects.filter(kind=UnitKind.TOWN).order_by("order"))
    group = Group.objects.create(year=2026, code="bench", name="基准组")
    GroupMember.objects.bulk_create(
        GroupMember(group=group, unit=town, year=2026) for town in towns
    )

    def indicator(number: int, kind: str, unit_of_measure: str) -> Any:
        return do_save_indicator(
            None, actor=supervisor, reason="基准测试", code=f"B{number:02d}",
            name=f"基准指标{number:02d}", unit_of_measure=unit_of_measure, kind=kind,
            decimals=1, unit_kinds="town", order=number,
        )  # fmt: skip

    amounts = [indicator(n, IndicatorKind.CUMULATIVE, "万元") for n in range(1, 41)]
    growths = [indicator(n, IndicatorKind.GROWTH, "%") for n in range(41, 51)]
    rates = [indicator(n, IndicatorKind.RATE, "%") for n in range(51, 61)]
    month, last_year = Period(2026, 9), Period(2025, 9)
    now = timezone.now()
    names = [
        "indicator_id", "unit_id", "year", "month", "amount", "status", "reported_growth",
        "note", "entered_by_id", "entered_at", "submitted_by_id", "submitted_at",
        "approved_by_id", "approved_at", "computed_at",
    ]  # fmt: skip
    rows, targets = [], []
    for town in towns:
        for item in amounts:
            level = Decimal(rng.randrange(1_000, 500_000))
            for period, share in ((month, Decimal("0.8")), (last_year, Decimal("0.72"))):
                rows.append(
                    [item.pk, town.pk, period.year, period.month, (level * share).quantize(Decimal("0.1")),
                     ValueStatus.APPROVED, None, "", supervisor.pk, now, supervisor.pk, now,
                     supervisor.pk, now, None]
                )  # fmt: skip
            targets.append([item.pk, town.pk, 2026, level, None, ""])
        for item in growths + rates:
            amount = Decimal(rng.randrange(-150, 1_000)) / 10
            rows.append(
                [item.pk, town.pk, month.year, month.month, amount, ValueStatus.APPROVED, None,
                 "", supervisor.pk, now, supervisor.pk, now, supervisor.pk, now, None]
            )  # fmt: skip
    insert_rows(Value, names, rows)
    insert_rows(Target, ["indicator_id", "unit_id", "year", "amount", "phasing", "note"], targets)
    items = (
        [ItemSpec(item, Decimal(2), Basis.COMPLETION) for item in amounts]
        + [ItemSpec(item, Decimal(1), Basis.GROWTH) for item in growths]
        + [
            ItemSpec(
                item, Decimal(1), Basis.LEVEL, efficacy_form=EfficacyForm.THRESHOLD,
                satisfactory=Decimal(90), not_allowed=Decimal(10),
            )
            for item in rates[:5]
        ]
        + [ItemSpec(item, Decimal(1), Basis.RANK) for item in rates[5:]]
    )  # fmt: skip
    adjustments = [
        AdjustmentSpec(AdjustmentKind.BONUS, "加分", amounts[0], Decimal("0.0001"), Decimal(3)),
        AdjustmentSpec(AdjustmentKind.DEDUCTION, "扣分", amounts[1], Decimal("0.0001"), Decimal(2)),
    ]
    scheme = do_save_scheme(
        Scheme(group=group, name="基准方案"), items=items, adjustments=adjustments, actor=supervisor
    )
    return {
        "scheme": scheme,
        "supervisor": supervisor,
        "period": month,
        "values": len(rows),
        "indicator_ids": [item.pk for item in amounts + growths + rates],
        "unit_ids": [town.pk for town in towns],
    }


def scoring_case(world: dict[str, Any], profile: bool) -> dict[str, Any]:
    from bipin.indicators.models import Value
    from bipin.scoring.actions import do_discard_run, do_score
    from bipin.scoring.engine import SCORED_STATES, score_scheme
    from bipin.scoring.models import ScoreItem

    scheme, supervisor, period = world["scheme"], world["supervisor"], world["period"]

    def fetch() -> list[tuple[Any, ...]]:
        return list(
            Value.objects.filter(
                indicator_id__in=world["indicator_ids"],
                unit_id__in=world["unit_ids"],
                year__in=[period.year],
                month=period.month,
                status__in=SCORED_STATES,
            ).values_list("indicator_id", "unit_id", "year", "amount")
        )

    fetched = len(fetch())
    runs: list[float] = []
    lines = 0
    profiled = ""
    for repeat in range(3):
        gc.collect()
        profiler = cProfile.Profile() if profile and repeat == 0 else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        run = do_score(scheme, period, actor=supervisor)
        if profiler:
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            profiled = out.getvalue()
        runs.append(time.perf_counter() - start)
        lines = ScoreItem.objects.filter(score__run=run).count()
        do_discard_run(run, actor=supervisor)
    baseline = best_of(REPEATS, fetch)
    seconds = min(runs)
    # Of which the reading and scoring, without the writes.
    engine = best_of(3, lambda: score_scheme(scheme, period))
    return {
        "units": len(world["unit_ids"]),
        "items": scheme.items.count(),
        "fetched_values": fetched,
        "score_lines": lines,
        "seconds": seconds,
        "scoring_without_writes_seconds": engine,
        "baseline_seconds": baseline,
        "ratio": seconds / baseline,
        "profile": profiled,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", action="store_true", help="print where the run spends")
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bipin-bench-scoring-"))
    _setup_django(folder)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    report: dict[str, Any] = {"python": sys.version.split()[0], "cases": {}}
    failed = False

    methods = methods_case()
    ok = methods["ratio"] <= TARGETS["methods"] and methods["same_ranks"]
    failed |= not ok
    report["cases"]["methods"] = methods | {"target": TARGETS["methods"], "ok": ok}
    print(
        f"entropy + TOPSIS on {UNITS:,} × {INDICATORS}: ours {methods['seconds'] * 1000:.1f} ms, "
        f"pymcdm {methods['baseline_seconds'] * 1000:.1f} ms, ratio {methods['ratio']:.2f} "
        f"(target ≤ {TARGETS['methods']:.1f}); same ranks: {methods['same_ranks']}, "
        f"largest closeness difference {methods['largest_closeness_difference']:.1e} "
        f"{'ok' if ok else 'OVER'}"
    )

    started = time.perf_counter()
    world = build(random.Random(6))
    print(f"set up {world['values']:,} values in {time.perf_counter() - started:.0f}s", flush=True)
    scoring = scoring_case(world, arguments.profile)
    ok = scoring["ratio"] <= TARGETS["scoring_run"]
    failed |= not ok
    profiled = scoring.pop("profile")
    report["cases"]["scoring_run"] = scoring | {"target": TARGETS["scoring_run"], "ok": ok}
    print(
        f"scoring run of {scoring['units']:,} units × {scoring['items']} items "
        f"({scoring['score_lines']:,} lines written): {scoring['seconds']:.3f}s, of which "
        f"reading and scoring {scoring['scoring_without_writes_seconds']:.3f}s; the one query "
        f"fetching its {scoring['fetched_values']:,} values: {scoring['baseline_seconds']:.3f}s; "
        f"ratio {scoring['ratio']:.1f} (target ≤ {TARGETS['scoring_run']:.1f}) "
        f"{'ok' if ok else 'OVER'}"
    )
    if profiled:
        print(profiled)
    out = Path(__file__).with_name("scoring.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"report: {out}")
    shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
