"""The monthly collection at the province scale (`make benchmark` runs it).

Issue 5, "Speed": for the generated province (~1,500 units × 60 indicators × 24 months),
submitting and approving one month of values, and computing every derived value and
completion for that month, beside the time of one plain bulk insert and one aggregate
query of the same rows in the same run; the aim is at most 3× those.

The data: a fresh SQLite database with the province demo (units, people, projects,
talents, requests: what the derived indicators count), the demo catalogue
(indicators.demo.make_catalogue, 21 indicators) plus 39 generated ones to make 60 —
reported by the bureaus, by each unit, counted from the records, and growths — and 23
months of history (2024-11 … 2026-09: the first month and the 2026 targets written with
the bulk helper core.bulk.insert_rows, the other months copied from it by the database;
no history rows: this measures the month, not the years before it).

The month measured is 2026-10, through the actions, as the people would:

(a) submit: each providing bureau submits its indicators for every unit in one batch
    (do_save_values with submit=True, as its monthly report's import does), each unit's
    clerk its own indicators in one batch (its grid); approve: the supervisor approves the
    bureaus' batches, each unit's manager its unit's (do_approve_values);
(b) derive: do_compute_derived for the month; complete: computations.completion for every
    unit × indicator that has a 2026 target, from the month's values (two queries);
(c) the baseline: one executemany INSERT of the rows the month ends with (the submitted
    and the derived values, every column) into the value table itself, as the month
    after, and one aggregate query over them (SUM and COUNT grouped by indicator), rolled
    back.

Each of (a) and (b) is reported with its ratio to (c), insert plus aggregate: the plain
cost of writing the month's rows once and reading them back once; (a) also by the
bureaus' three large batches and the units' ~1,500 small ones. The report goes to
benchmarks/indicators.json. `--profile` prints where (a) and (b) spend their time.

    python benchmarks/indicators.py [--profile] [--keep]
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

TARGET_RATIO = 3.0
#: Indicators in all: the demo catalogue plus generated ones.
INDICATORS = 60
BASELINE_REPEATS = 3


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


class Timer:
    """Seconds of each named phase; with `profile`, each phase's profile too."""

    def __init__(self, profile: bool) -> None:
        self.seconds: dict[str, float] = {}
        self.profile = profile
        self.profiles: dict[str, str] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        gc.collect()
        profiler = cProfile.Profile() if self.profile else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        try:
            yield
        finally:
            if profiler:
                profiler.disable()
            self.seconds[name] = time.perf_counter() - start
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
                self.profiles[name] = out.getvalue()


def best_of(repeats: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def build(rng: random.Random) -> dict[str, Any]:
    """The province with 60 indicators, 23 months of history and the 2026 targets."""
    from django.db import connection
    from django.utils import timezone

    from bipin.core.bulk import insert_rows
    from bipin.core.choices import Role
    from bipin.core.periods import Period
    from bipin.indicators.actions import default_deadline, do_save_indicator
    from bipin.indicators.choices import IndicatorKind, Source, ValueStatus
    from bipin.indicators.demo import make_catalogue
    from bipin.indicators.models import Indicator, ReportingPeriod, Target, Value
    from bipin.org.actions import do_create_person
    from bipin.org.choices import UnitKind
    from bipin.org.models import Unit, User

    province = Unit.objects.get(kind=UnitKind.PROVINCE)
    supervisor = do_create_person(
        actor=None, username="bench_supervisor", name="省督查室", unit=province,
        role=Role.SUPERVISOR,
    )  # fmt: skip
    # The bureaus that report for every unit: the first city's (the province has none).
    bureaus = {
        name: Unit.objects.filter(kind=UnitKind.DEPARTMENT, short_name=name).order_by("code")[0]
        for name in ("统计局", "财政局", "商务局")
    }
    providers = {
        bureau.pk: do_create_person(
            actor=supervisor,
            username=f"bench_provider_{index}",
            name=f"{name}统计员",
            unit=bureau,
            role=Role.DATA_PROVIDER,
        )
        for index, (name, bureau) in enumerate(bureaus.items())
    }
    indicators = list(make_catalogue(supervisor, bureaus).values())
    everyone = "subdistrict,town,platform,department"
    derivations = ("contracted_investment", "foreign_capital", "started_projects")
    generated = INDICATORS - len(indicators)
    growths = 6
    own = 6
    reported = generated - growths - own - len(derivations)
    bureau_list = list(bureaus.values())
    made: list[Indicator] = []
    for number in range(1, generated + 1):
        fields: dict[str, Any] = {
            "code": f"G{number:02d}", "name": f"生成指标{number:02d}", "unit_of_measure": "万元",
            "kind": IndicatorKind.CUMULATIVE, "decimals": 1, "unit_kinds": everyone,
            "order": 1000 + number,
        }  # fmt: skip
        if number <= reported:
            fields["provider"] = bureau_list[number % len(bureau_list)]
        elif number <= reported + own:
            pass  # each unit reports its own
        elif number <= reported + own + len(derivations):
            fields |= {
                "source": Source.DERIVED,
                "derivation": derivations[number - reported - own - 1],
            }
        else:
            fields |= {
                "source": Source.DERIVED, "kind": IndicatorKind.GROWTH, "unit_of_measure": "%",
                "base": made[number - reported - own - len(derivations) - 1],
            }  # fmt: skip
        made.append(do_save_indicator(None, actor=supervisor, reason="基准测试", **fields))
    indicators += made
    units = list(Unit.objects.active())
    pairs = [(i, u) for i in indicators for u in units if i.applies_to(u)]

    # 23 months of locked history and the 2026 targets, without history rows.
    now = timezone.now()
    level = {(i.pk, u.pk): Decimal(rng.randrange(1_000, 500_000)) for i, u in pairs}
    first, measured = Period(2024, 11), Period(2026, 10)
    names = [
        "indicator_id", "unit_id", "year", "month", "amount", "status", "reported_growth",
        "note", "entered_by_id", "entered_at", "submitted_by_id", "submitted_at",
        "approved_by_id", "approved_at", "computed_at",
    ]  # fmt: skip
    rows = []
    for indicator, unit in pairs:
        if indicator.kind == IndicatorKind.GROWTH:
            amount = Decimal(rng.randrange(-150, 300)) / 10
        else:
            amount = level[(indicator.pk, unit.pk)] * first.month / 12
        derived = indicator.source == Source.DERIVED
        rows.append(
            [
                indicator.pk, unit.pk, first.year, first.month, amount.quantize(Decimal("0.1")),
                ValueStatus.LOCKED, None, "", None if derived else supervisor.pk,
                None if derived else now, None if derived else supervisor.pk,
                None if derived else now, None if derived else supervisor.pk,
                None if derived else now, now if derived else None,
            ]
        )  # fmt: skip
    insert_rows(Value, names, rows)
    # The other months copied from the first by the database (year-to-date amounts scaled
    # to the month): the history is there to be read, not to be timed.
    table = connection.ops.quote_name(Value._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(Value._meta.get_field(n).column) for n in names)
    copied = ", ".join(
        "%s" if name in ("year", "month") else "amount * %s" if name == "amount" else
        connection.ops.quote_name(Value._meta.get_field(name).column)
        for name in names
    )  # fmt: skip
    period = first
    history_rows = 0
    while period < measured:
        if period != first:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {copied} FROM {table} "
                    "WHERE year = %s AND month = %s",
                    [
                        period.year,
                        period.month,
                        period.month / first.month,
                        first.year,
                        first.month,
                    ],
                )
        history_rows += len(rows)
        insert_rows(
            ReportingPeriod,
            ["year", "month", "deadline", "closed_at", "closed_by_id"],
            [[period.year, period.month, default_deadline(period), now, supervisor.pk]],
        )
        period = period.next()
    insert_rows(
        Target,
        ["indicator_id", "unit_id", "year", "amount", "phasing", "note"],
        [
            [
                indicator.pk, unit.pk, 2026,
                Decimal(rng.randrange(5, 15)) if indicator.kind in (IndicatorKind.GROWTH, IndicatorKind.RATE)
                else (level[(indicator.pk, unit.pk)] * Decimal("1.1")).quantize(Decimal(1)),
                None, "",
            ]
            for indicator, unit in pairs
        ],
    )  # fmt: skip
    people = User.objects.filter(role__in=(Role.UNIT_CLERK, Role.UNIT_MANAGER))
    return {
        "supervisor": supervisor,
        "providers": providers,
        "indicators": indicators,
        "units": units,
        "pairs": pairs,
        "level": level,
        "clerks": {p.unit_id: p for p in people if p.role == Role.UNIT_CLERK},
        "managers": {p.unit_id: p for p in people if p.role == Role.UNIT_MANAGER},
        "history_rows": history_rows,
        "period": measured,
    }


def measure(world: dict[str, Any], timer: Timer) -> dict[str, Any]:
    from bipin.indicators import computations
    from bipin.indicators.actions import (
        Entry,
        do_approve_values,
        do_compute_derived,
        do_save_values,
    )
    from bipin.indicators.choices import Source
    from bipin.indicators.models import Target, Value

    period = world["period"]
    supervisor = world["supervisor"]
    by_provider: dict[int, list[Entry]] = {}
    by_unit: dict[int, list[Entry]] = {}
    for indicator, unit in world["pairs"]:
        if indicator.source != Source.MANUAL:
            continue
        amount = (world["level"][(indicator.pk, unit.pk)] * Decimal("1.08") * 10 / 12).quantize(
            Decimal("0.1")
        )
        entry = Entry(indicator, unit, amount, label=f"{unit.code} · {indicator.code}")
        if indicator.provider_id is not None:
            by_provider.setdefault(indicator.provider_id, []).append(entry)
        else:
            by_unit.setdefault(unit.pk, []).append(entry)
    # Units without people of their own (the regions) are the supervisor's to fill in.
    groups = {
        "bureaus": [
            (world["providers"][pk], entries, supervisor) for pk, entries in by_provider.items()
        ],
        "units": [
            (
                world["clerks"].get(pk, supervisor),
                entries,
                world["managers"].get(pk, supervisor),
            )
            for pk, entries in by_unit.items()
        ],
    }
    batches = [batch for group in groups.values() for batch in group]
    for name, group in groups.items():
        submitted: list[tuple[list[Any], Any]] = []
        with timer.phase(f"submit_{name}"):
            for writer, entries, approver in group:
                saved = do_save_values(period, entries, actor=writer, submit=True)
                submitted.append((saved.written, approver))
        with timer.phase(f"approve_{name}"):
            for written, approver in submitted:
                do_approve_values(Value.objects.filter(pk__in=written), actor=approver)
    with timer.phase("derive"):
        computed = do_compute_derived(period)
    with timer.phase("complete"):
        kinds = {i.pk: (i.kind, i.direction) for i in world["indicators"]}
        actual = {
            (indicator_id, unit_id): amount
            for indicator_id, unit_id, amount in Value.objects.for_period(
                period.year, period.month
            ).values_list("indicator_id", "unit_id", "amount")
        }
        completions = [
            computations.completion(
                *kinds[indicator_id],
                actual.get((indicator_id, unit_id)),
                amount,
                period.month,
                [Decimal(str(month)) for month in phasing] if phasing else None,
            )
            for indicator_id, unit_id, amount, phasing in Target.objects.filter(
                year=period.year
            ).values_list("indicator_id", "unit_id", "amount", "phasing")
        ]
    manual = sum(len(entries) for _writer, entries, _approver in batches)
    return {
        "manual_values": manual,
        "bureau_values": sum(len(entries) for _w, entries, _a in groups["bureaus"]),
        "bureau_batches": len(groups["bureaus"]),
        "derived_values": computed.created + computed.updated + computed.unchanged,
        "month_values": Value.objects.for_period(period.year, period.month).count(),
        "batches": len(batches),
        "completions": len(completions),
        "coloured": sum(1 for c in completions if c.colour is not None),
    }


def baseline(period: Any) -> dict[str, float]:
    """The plain cost of the same rows: one executemany INSERT of every row the month ends
    with (all the value table's columns, as the workflow wrote them) into the value table
    itself, as the month after, and one aggregate query over them (SUM and COUNT grouped by
    indicator), in a transaction rolled back; the best of a few runs each. No validation,
    no workflow, no history: what the database alone takes for these rows, with the same
    table, indexes and 1.7 million rows beside them."""
    from django.db import connection, transaction

    from bipin.indicators.models import Value

    columns = [field.column for field in Value._meta.concrete_fields if not field.primary_key]
    month_column = columns.index("month")
    rows = []
    for row in Value.objects.for_period(period.year, period.month).values_list(
        *[field.attname for field in Value._meta.concrete_fields if not field.primary_key]
    ):
        row = list(row)
        row[month_column] = period.month + 1
        rows.append(row)
    table = connection.ops.quote_name(Value._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    insert_sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    aggregate_sql = (
        f"SELECT indicator_id, SUM(amount), COUNT(*) FROM {table} "
        f"WHERE year = %s AND month = %s GROUP BY indicator_id"
    )
    adapted = [
        [
            connection.ops.adapt_datetimefield_value(value)
            if hasattr(value, "tzinfo")
            else connection.ops.adapt_decimalfield_value(value)
            if isinstance(value, Decimal)
            else value
            for value in row
        ]
        for row in rows
    ]
    inserts, aggregates = [], []
    for _ in range(BASELINE_REPEATS):
        gc.collect()
        with transaction.atomic():
            with connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.executemany(insert_sql, adapted)
                inserts.append(time.perf_counter() - start)
                start = time.perf_counter()
                cursor.execute(aggregate_sql, [period.year, period.month + 1])
                assert sum(count for _i, _s, count in cursor.fetchall()) == len(rows)
                aggregates.append(time.perf_counter() - start)
            transaction.set_rollback(True)
    return {"insert": min(inserts), "aggregate": min(aggregates)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", action="store_true", help="print where each phase spends")
    parser.add_argument("--keep", action="store_true", help="keep the database folder")
    arguments = parser.parse_args()
    profile = arguments.profile
    folder = Path(tempfile.mkdtemp(prefix="bipin-bench-indicators-"))
    _setup_django(folder)
    from django.core.management import call_command

    from bipin.core.demo import load_demo

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load_demo(scale="province", seed=2019, out=StringIO())
    print(f"the province demo loaded in {time.perf_counter() - started:.0f}s", flush=True)
    rng = random.Random(5)
    world = build(rng)
    setup = time.perf_counter() - started
    timer = Timer(profile)
    counts = measure(world, timer)
    plain = baseline(world["period"])
    base = plain["insert"] + plain["aggregate"]
    seconds = timer.seconds
    cases = {
        "submit_and_approve": sum(
            seconds[f"{step}_{group}"]
            for step in ("submit", "approve")
            for group in ("bureaus", "units")
        ),
        "derive_and_complete": seconds["derive"] + seconds["complete"],
    }
    report: dict[str, Any] = {
        "units": len(world["units"]),
        "indicators": len(world["indicators"]),
        "history_values": world["history_rows"],
        **counts,
        "setup_seconds": setup,
        "phases_seconds": seconds,
        "baseline_seconds": plain | {"total": base},
        "cases": {},
    }
    failed = False
    print(
        f"indicators at the province scale (Python {sys.version.split()[0]}): "
        f"{len(world['units']):,} units, {len(world['indicators'])} indicators, "
        f"{world['history_rows']:,} values of history; set up in {setup:.0f}s"
    )
    print(
        f"month {world['period']}: {counts['manual_values']:,} values submitted in "
        f"{counts['batches']:,} batches ({counts['bureau_values']:,} by the bureaus in "
        f"{counts['bureau_batches']}, the rest by the units, one batch each), "
        f"{counts['derived_values']:,} derived, {counts['completions']:,} completions"
    )
    print(
        f"baseline: insert {plain['insert']:.3f}s + aggregate {plain['aggregate']:.3f}s "
        f"of {counts['month_values']:,} rows = {base:.3f}s"
    )
    for name, phase in seconds.items():
        print(f"  {name:<10} {phase:>8.2f}s")
    print(f"{'case':<22} {'seconds':>9} {'ratio':>7} {'target':>7}")
    for name, case in cases.items():
        ratio = case / base
        ok = ratio <= TARGET_RATIO
        failed |= not ok
        report["cases"][name] = {
            "seconds": case, "ratio": ratio, "target": TARGET_RATIO, "ok": ok,
        }  # fmt: skip
        print(
            f"{name:<22} {case:>8.2f}s {ratio:>7.1f} {TARGET_RATIO:>7.1f} {'ok' if ok else 'OVER'}"
        )
    for name, text in timer.profiles.items():
        print(f"\n--- profile of {name} ---\n{text}")
    out = Path(__file__).with_name("indicators.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    print(f"report: {out}")
    if not arguments.keep:
        shutil.rmtree(folder, ignore_errors=True)  # about a gigabyte of history
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
