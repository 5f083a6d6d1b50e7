"""督查预警 at the province scale (`make benchmark` runs it).

Issue 7, "Speed": at the province's scale (500,000 milestones, 1,500 units × 60 indicators)
one full pass of all the rules, beside the plain SQL query that counts the same overdue
milestones and lagging values in the same run; the aim is at most 5×, with no per-row
Python loop over all rows.

The data: a fresh SQLite database with the province demo (~1,500 units, ~2,900 people,
~2,100 projects, ~700 requests; the alerts demo step is left out, it wants the district's
accounts), and, written with the bulk helpers of core.bulk:

- 100,000 more projects signed 2023–2026, each with its five roadmap milestones (注册 …
  达产, planned at the template's distances from signing) and a stage event for each step
  it took: most keep to their roadmap, a third run late by one to seven months (some
  milestones overdue, some due soon), 4 % are terminated and 1 % merged into another;
- 60 indicators (40 year-to-date amounts of which 5 are ceilings, 8 stocks, 6 rates, 6
  growths; half reported by three bureaus for every unit, half by each unit), the 2026
  targets of every unit (no monthly phasing), the month 2026-10 (open, its deadline
  passed: 2 % of the values missing and 2 % drafts) and the 24 months before it, locked
  (the forecast reads 2025 and 2024; the first month is written, the others copied from
  it by the database with a seasonal profile);
- three published boards (2026-08 … 10) of each of the province's groups, a scheme per
  group, the units ranked by a standing plus noise (so some stay at the bottom);
- 20,000 more service requests, a fifth still open, routed to one or two departments;
- one rule of each kind, as the alerts demo configures them (do_save_rule).

Measured, for "today" 2026-11-29 (the data month is 2026-10):

(a) the baseline: two raw cursor queries, the best of a few runs — the count of overdue
    milestones (not reached by the project's stage in pipeline order, project neither
    terminated nor merged, planned before today) and the count of lagging values (2026
    targets whose submitted value at 2026-10 is behind time progress by completion_behind's
    definition: completion quantized to 4 places minus 序时进度 below the green band for
    amounts, value minus target for rates and growths, either direction);
(b) the first pass (`run_rules`, rule by rule so each one's time shows): opens everything;
(c) the second pass on the same day (steady state): keeps everything.

The counts are checked against plain SQL (overdue, due soon, lagging, requests past their
deadline) and the run fails loudly if they differ. The report goes to benchmarks/alerts.json.
`--profile` prints where each pass spends its time; `--keep` keeps the database, and
`--reuse FOLDER` measures again on it (its alerts emptied first) without building it anew.

    python benchmarks/alerts.py [--profile] [--keep | --reuse FOLDER]
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
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

TARGET_RATIO = 5.0
PROJECTS = 100_000
REQUESTS = 20_000
INDICATORS = 60
TODAY = date(2026, 11, 29)
BASELINE_REPEATS = 5
#: The roadmap: days from signing to each milestone (the demo's template's distances).
ROADMAP_DAYS = {
    "registered": 60,
    "land": 150,
    "started": 240,
    "producing": 780,
    "at_capacity": 1080,
}


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


def best_of(repeats: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def load_province() -> None:
    """The province demo, every step but the alerts' (which looks for the district demo's
    `supervisor` account; this benchmark makes its own rules)."""
    from django.db import transaction

    from bipin.core.demo import DemoContext, demo_steps

    context = DemoContext(scale="province", seed=2019, out=StringIO())
    with transaction.atomic():
        for key, step in demo_steps.items():
            if key != "alerts":
                step.generate(context)


# --- the data ------------------------------------------------------------------------


def build_projects(rng: random.Random, supervisor: Any) -> dict[str, int]:
    """PROJECTS projects past signing, their five milestones and their stage events."""
    from django.utils import timezone

    from bipin.core.bulk import insert, insert_rows
    from bipin.org.choices import UnitKind
    from bipin.org.models import Unit
    from bipin.projects.choices import Stage
    from bipin.projects.models import Industry, Milestone, Project, StageEvent

    towns = list(Unit.objects.filter(kind__in=(UnitKind.TOWN, UnitKind.SUBDISTRICT)))
    industries = list(Industry.objects.filter(section__isnull=False).values_list("pk", flat=True))
    existing = list(Project.objects.values_list("pk", flat=True))
    roadmap = list(ROADMAP_DAYS)
    first_signing = date(2023, 3, 1)
    span = (TODAY - first_signing).days
    projects, plans = [], []
    for number in range(PROJECTS):
        signed = first_signing + timedelta(days=rng.randrange(span))
        # A third run late, by one to seven months; the rest keep to the roadmap.
        lag = rng.randrange(30, 210) if rng.random() < 0.35 else 0
        planned = {stage: signed + timedelta(days=days) for stage, days in ROADMAP_DAYS.items()}
        reached = [stage for stage in roadmap if planned[stage] + timedelta(days=lag) <= TODAY]
        stage = reached[-1] if reached else Stage.SIGNED
        unit = rng.choice(towns)
        fate = rng.random()
        project = Project(
            code=f"BA{number:07d}",
            name=f"预警基准项目{number:06d}",
            investor_name=f"基准投资方{number % 7000:04d}",
            industry_id=rng.choice(industries),
            contracted_investment=Decimal(rng.randrange(500, 200_000)),
            responsible_unit=unit,
            stage=stage,
            lead_on=signed - timedelta(days=90),
            negotiating_on=signed - timedelta(days=45),
            signed_on=signed,
            counting_year=signed.year,
            counting_unit=unit,
            created_at=timezone.make_aware(datetime(signed.year, signed.month, signed.day)),
        )
        for done in reached:
            setattr(project, f"{done}_on", planned[done] + timedelta(days=lag))
        if fate < 0.04:
            project.stage = Stage.TERMINATED
            project.terminated_on = min(TODAY, signed + timedelta(days=200))
            project.termination_reason = "投资方战略调整"
        elif fate < 0.05:
            project.merged_into_id = rng.choice(existing)
        projects.append(project)
        plans.append((planned, lag, reached, stage))
    insert(projects)
    milestones, events = [], []
    now = timezone.now()
    for project, (planned, lag, reached, stage) in zip(projects, plans, strict=True):
        for milestone_stage in roadmap:
            actual = planned[milestone_stage] + timedelta(days=lag)
            milestones.append(
                [project.pk, milestone_stage, planned[milestone_stage],
                 actual if milestone_stage in reached else None,
                 milestone_stage == "started", ""]
            )  # fmt: skip
        steps = ["signed", *reached]
        on = {"signed": project.signed_on} | {
            step: planned[step] + timedelta(days=lag) for step in reached
        }
        for before, after in zip(["negotiating", *steps], steps, strict=False):
            events.append([project.pk, before, after, on[after], supervisor.pk, "", now])
        if project.stage == Stage.TERMINATED:
            events.append(
                [project.pk, stage, Stage.TERMINATED, project.terminated_on, supervisor.pk,
                 project.termination_reason, now]
            )  # fmt: skip
    insert_rows(
        Milestone,
        ["project_id", "stage", "planned_on", "actual_on", "requires_evidence", "note"],
        milestones,
    )
    insert_rows(
        StageEvent,
        ["project_id", "from_stage", "to_stage", "happened_on", "actor_id", "reason",
         "recorded_at"],
        events,
    )  # fmt: skip
    return {"projects": len(projects), "milestones": len(milestones), "stage_events": len(events)}


def _share(month: int) -> float:
    """The seasonal profile of the year-to-date amounts: the share of the year reached by
    the end of a month (back-loaded, as investment is)."""
    return (month / 12) ** 1.1


def build_indicators(rng: random.Random, supervisor: Any) -> dict[str, Any]:
    """60 indicators, the 2026 targets, the month 2026-10 and the 24 locked months before."""
    from django.db import connection
    from django.utils import timezone

    from bipin.core.bulk import insert_rows
    from bipin.core.periods import Period
    from bipin.indicators.actions import default_deadline, do_save_indicator
    from bipin.indicators.choices import Direction, IndicatorKind, ValueStatus
    from bipin.indicators.models import ReportingPeriod, Target, Value
    from bipin.org.choices import UnitKind
    from bipin.org.models import Unit

    bureaus = [
        Unit.objects.filter(kind=UnitKind.DEPARTMENT, short_name=name).order_by("code")[0]
        for name in ("统计局", "财政局", "商务局")
    ]
    kinds = (
        [(IndicatorKind.CUMULATIVE, Direction.HIGHER)] * 35
        + [(IndicatorKind.CUMULATIVE, Direction.LOWER)] * 5
        + [(IndicatorKind.STOCK, Direction.HIGHER)] * 8
        + [(IndicatorKind.RATE, Direction.HIGHER)] * 6
        + [(IndicatorKind.GROWTH, Direction.HIGHER)] * 6
    )
    assert len(kinds) == INDICATORS
    indicators = [
        do_save_indicator(
            None, actor=supervisor, reason="基准测试", code=f"A{number:02d}",
            name=f"预警基准指标{number:02d}",
            unit_of_measure="%" if kind in (IndicatorKind.RATE, IndicatorKind.GROWTH) else "万元",
            kind=kind, direction=direction, decimals=1,
            unit_kinds="city,district,department,subdistrict,town,platform", order=number,
            provider=bureaus[number % 3] if number % 2 else None,
        )
        for number, (kind, direction) in enumerate(kinds, start=1)
    ]  # fmt: skip
    units = list(Unit.objects.active().exclude(kind=UnitKind.PROVINCE))
    pairs = [(i, u) for i in indicators for u in units if i.applies_to(u)]
    percent_kinds = (IndicatorKind.RATE, IndicatorKind.GROWTH)
    level = {
        (i.pk, u.pk): Decimal(rng.randrange(5, 15))
        if i.kind in percent_kinds
        else Decimal(rng.randrange(1_000, 500_000))
        for i, u in pairs
    }
    now = timezone.now()
    names = [
        "indicator_id", "unit_id", "year", "month", "amount", "status", "reported_growth",
        "note", "entered_by_id", "entered_at", "submitted_by_id", "submitted_at",
        "approved_by_id", "approved_at", "computed_at",
    ]  # fmt: skip
    tenth = Decimal("0.1")

    def row(indicator: Any, unit: Any, period: Period, amount: Decimal, status: str) -> list:
        approved = status in (ValueStatus.APPROVED, ValueStatus.LOCKED)
        submitted = status != ValueStatus.DRAFT
        return [
            indicator.pk, unit.pk, period.year, period.month, amount.quantize(tenth), status,
            None, "", supervisor.pk, now, supervisor.pk if submitted else None,
            now if submitted else None, supervisor.pk if approved else None,
            now if approved else None, None,
        ]  # fmt: skip

    # The first month of history (2024-10, at 2024's level: a tenth below 2026's target),
    # then every other month copied from it by the database, scaled by the profile.
    first, measured = Period(2024, 10), Period(2026, 10)
    cumulative = [i.pk for i in indicators if i.kind == IndicatorKind.CUMULATIVE]
    insert_rows(
        Value,
        names,
        [
            row(i, u, first, level[(i.pk, u.pk)] * Decimal(str(0.82 * _share(10))), "locked")
            if i.kind not in percent_kinds
            else row(i, u, first, level[(i.pk, u.pk)] + Decimal(rng.randrange(-30, 30)) / 10,
                     "locked")
            for i, u in pairs
        ],
    )  # fmt: skip
    table = connection.ops.quote_name(Value._meta.db_table)
    columns = [connection.ops.quote_name(Value._meta.get_field(n).column) for n in names]
    copied = ", ".join(
        "%s"
        if name in ("year", "month")
        else f"CASE WHEN indicator_id IN ({', '.join(map(str, cumulative))}) "
        f"THEN ROUND(amount * %s, 1) ELSE amount END"
        if name == "amount"
        else column
        for name, column in zip(names, columns, strict=True)
    )
    history = 0
    period = first
    while period < measured:
        if period != first:
            growth = 1.0 if period.year == 2024 else 1.08 if period.year == 2025 else 1.15
            factor = growth * _share(period.month) / _share(first.month)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) SELECT {copied} FROM {table} "
                    "WHERE year = %s AND month = %s",
                    [period.year, period.month, factor, first.year, first.month],
                )
        history += len(pairs)
        period = period.next()
    periods = []
    period = first
    while period <= measured:
        closed = period != measured
        periods.append(
            [period.year, period.month, default_deadline(period), now if closed else None,
             supervisor.pk if closed else None]
        )  # fmt: skip
        period = period.next()
    insert_rows(
        ReportingPeriod, ["year", "month", "deadline", "closed_at", "closed_by_id"], periods
    )
    # The 2026 targets and the month measured: around time progress, about a third behind.
    insert_rows(
        Target,
        ["indicator_id", "unit_id", "year", "amount", "phasing", "note"],
        [
            [i.pk, u.pk, 2026,
             level[(i.pk, u.pk)] if i.kind in percent_kinds
             else (level[(i.pk, u.pk)] * Decimal("1.1")).quantize(Decimal(1)),
             None, ""]
            for i, u in pairs
        ],
    )  # fmt: skip
    month_rows = []
    for i, u in pairs:
        chance = rng.random()
        if chance < 0.02:
            continue  # not reported at all
        status = (
            ValueStatus.DRAFT
            if chance < 0.04
            else ValueStatus.SUBMITTED
            if chance < 0.3
            else ValueStatus.APPROVED
        )
        if i.kind in percent_kinds:
            amount = level[(i.pk, u.pk)] + Decimal(str(round(rng.gauss(0.8, 3.0), 1)))
        else:
            ahead = rng.gauss(0.97 if i.direction == Direction.LOWER else 1.04, 0.1)
            target = (level[(i.pk, u.pk)] * Decimal("1.1")).quantize(Decimal(1))
            amount = target * Decimal(str(round(measured.month / 12 * ahead, 6)))
        month_rows.append(row(i, u, measured, amount, status))
    insert_rows(Value, names, month_rows)
    return {
        "indicators": len(indicators),
        "units": len(units),
        "targets": len(pairs),
        "month_values": len(month_rows),
        "history_values": history,
    }


def build_boards(rng: random.Random, supervisor: Any) -> dict[str, int]:
    """Three published boards (2026-08 … 10) of every group of 2026, with a scheme each."""
    from django.utils import timezone

    from bipin.core.bulk import insert, insert_rows
    from bipin.org.models import Group, GroupMember
    from bipin.scoring.choices import RunStatus
    from bipin.scoring.models import Run, Scheme, Score

    groups = list(Group.objects.filter(year=2026).order_by("pk"))
    members: dict[int, list[int]] = {}
    for group_id, unit_id in GroupMember.objects.filter(year=2026).values_list(
        "group_id", "unit_id"
    ):
        members.setdefault(group_id, []).append(unit_id)
    schemes = [
        Scheme(group=group, name=f"{group.name}基准方案", created_by=supervisor) for group in groups
    ]
    insert(schemes)
    standing = {unit_id: rng.gauss(80, 6) for units in members.values() for unit_id in units}
    runs, scores = 0, 0
    previous: dict[int, Run] = {}
    for month in (8, 9, 10):
        published = timezone.make_aware(datetime(2026, month + 1, 20, 9))
        batch = [
            Run(
                scheme=scheme, group=scheme.group, year=2026, month=month,
                status=RunStatus.PUBLISHED, previous=previous.get(scheme.group_id),
                value_count=len(members.get(scheme.group_id, [])) * INDICATORS,
                computed_at=published, computed_by=supervisor, published_at=published,
                published_by=supervisor,
            )
            for scheme in schemes
        ]  # fmt: skip
        insert(batch)
        rows = []
        for run in batch:
            totals = sorted(
                ((standing[u] + rng.gauss(0, 2), u) for u in members.get(run.group_id, [])),
                reverse=True,
            )
            for rank, (total, unit_id) in enumerate(totals, start=1):
                points = Decimal(str(round(total, 2)))
                rows.append(
                    [run.pk, unit_id, points, points, Decimal(0), Decimal(0), rank, None, None, ""]
                )
            previous[run.group_id] = run
        insert_rows(
            Score,
            ["run_id", "unit_id", "total", "item_points", "bonus", "deduction", "rank",
             "previous_rank", "gap", "colour"],
            rows,
        )  # fmt: skip
        runs += len(batch)
        scores += len(rows)
    return {"groups": len(groups), "published_runs": runs, "scores": scores}


def build_requests(rng: random.Random) -> dict[str, int]:
    """REQUESTS service requests of 2026, a fifth still open, routed to departments."""
    from bipin.core.bulk import insert, insert_rows
    from bipin.enterprises.choices import Intake, Status
    from bipin.enterprises.models import Enterprise, ServiceCategory, ServiceRequest
    from bipin.org.choices import UnitKind
    from bipin.org.models import Unit

    enterprises = list(Enterprise.objects.values_list("pk", flat=True))
    categories = list(ServiceCategory.objects.values_list("pk", flat=True))
    departments = list(Unit.objects.filter(kind=UnitKind.DEPARTMENT).values_list("pk", flat=True))
    requests = []
    for number in range(REQUESTS):
        submitted = date(2026, 1, 1) + timedelta(
            days=rng.randrange((TODAY - date(2026, 1, 1)).days)
        )
        deadline = submitted + timedelta(days=rng.choice((5, 10, 15, 30)))
        open_ = rng.random() < 0.2
        status = rng.choice((Status.ASSIGNED, Status.IN_PROGRESS)) if open_ else Status.CLOSED
        requests.append(
            ServiceRequest(
                code=f"BQ2026-{number:06d}", enterprise_id=rng.choice(enterprises),
                category_id=rng.choice(categories), description="基准诉求：用地、用工、融资协调",
                intake=Intake.values[0], submitted_on=submitted, deadline=deadline, status=status,
                done_on=None if open_ else min(TODAY, deadline + timedelta(days=rng.randrange(-4, 3))),
                closed_on=None if open_ else min(TODAY, deadline + timedelta(days=3)),
                visits=None if open_ else 1,
            )
        )  # fmt: skip
    insert(requests)
    routed = []
    for request in requests:
        for unit_id in rng.sample(departments, 1 if rng.random() < 0.8 else 2):
            routed.append([request.pk, unit_id])
    insert_rows(ServiceRequest.departments.through, ["servicerequest_id", "unit_id"], routed)
    return {"requests": len(requests), "routings": len(routed)}


def make_rules(supervisor: Any) -> list[Any]:
    from bipin.alerts.actions import do_save_rule
    from bipin.alerts.demo import RULES

    return [
        do_save_rule(
            None, kind=kind, name=name, severity=severity, params=params,
            escalate_after_days=days, active=True, actor=supervisor, reason="基准测试",
        )
        for kind, name, severity, params, days in RULES
    ]  # fmt: skip


# --- the plain SQL -----------------------------------------------------------------------


def _sql() -> dict[str, tuple[str, list[Any]]]:
    """Raw queries that count what the rules find, by the rules' definitions."""
    from django.db import connection

    from bipin.alerts.demo import RULES
    from bipin.enterprises.choices import FINISHED
    from bipin.enterprises.models import ServiceRequest
    from bipin.indicators.choices import SUBMITTED_OR_LATER
    from bipin.indicators.computations import time_progress
    from bipin.indicators.models import Indicator, Target, Value
    from bipin.org.models import Unit
    from bipin.projects.choices import PIPELINE, Stage
    from bipin.projects.models import Milestone, Project

    quote = connection.ops.quote_name

    def table(model: Any) -> str:
        return quote(model._meta.db_table)

    def rank(column: str) -> str:
        whens = " ".join(f"WHEN '{stage}' THEN {place}" for place, stage in enumerate(PIPELINE))
        return f"(CASE {column} {whens} ELSE -1 END)"

    open_milestones = (
        f"SELECT COUNT(*) FROM {table(Milestone)} m JOIN {table(Project)} p "
        f"ON p.id = m.project_id WHERE p.merged_into_id IS NULL AND p.stage <> %s "
        f"AND {rank('m.stage')} > {rank('p.stage')} "
    )
    days = next(params for kind, _n, _s, params, _d in RULES if kind == "milestone_due_soon")[
        "days"
    ]
    bands = next(params for kind, _n, _s, params, _d in RULES if kind == "completion_behind")
    green = float(bands["green_from"])
    progress = float(time_progress(10))
    statuses = ", ".join(f"'{status}'" for status in SUBMITTED_OR_LATER)
    through = ServiceRequest.departments.through
    finished = ", ".join(f"'{status}'" for status in FINISHED)
    return {
        "overdue": (
            open_milestones + "AND m.planned_on < %s",
            [Stage.TERMINATED, TODAY.isoformat()],
        ),
        "due_soon": (
            open_milestones + "AND m.planned_on >= %s AND m.planned_on <= %s",
            [Stage.TERMINATED, TODAY.isoformat(), (TODAY + timedelta(days=days)).isoformat()],
        ),
        # completion_behind's gap: for amounts, the completion rounded to 4 places less the
        # time progress (per cent); for rates and growths, value less target; reversed for
        # a ceiling. The targets carry no phasing here.
        "lagging": (
            f"SELECT COUNT(*) FROM {table(Target)} t "
            f"JOIN {table(Indicator)} i ON i.id = t.indicator_id "
            f"JOIN {table(Unit)} u ON u.id = t.unit_id "
            f"JOIN {table(Value)} v ON v.indicator_id = t.indicator_id AND v.unit_id = t.unit_id "
            f"AND v.year = %s AND v.month = %s AND v.status IN ({statuses}) "
            f"WHERE t.year = %s AND t.amount IS NOT NULL AND i.active AND u.active AND ("
            f"(i.kind IN ('cumulative', 'stock') AND t.amount > 0 AND "
            f"CASE WHEN i.direction = 'higher' THEN ROUND(v.amount * 100.0 / t.amount, 4) - %s "
            f"ELSE %s - ROUND(v.amount * 100.0 / t.amount, 4) END < %s) OR "
            f"(i.kind NOT IN ('cumulative', 'stock') AND "
            f"CASE WHEN i.direction = 'higher' THEN v.amount - t.amount "
            f"ELSE t.amount - v.amount END < %s))",
            [2026, 10, 2026, progress, progress, green, green],
        ),
        # One alert per handling department, or the town's when it is not routed.
        "requests_overdue": (
            f"SELECT (SELECT COUNT(*) FROM {quote(through._meta.db_table)} d "
            f"JOIN {table(ServiceRequest)} r ON r.id = d.servicerequest_id "
            f"WHERE r.deadline < %s AND r.status NOT IN ({finished})) + "
            f"(SELECT COUNT(*) FROM {table(ServiceRequest)} r WHERE r.deadline < %s "
            f"AND r.status NOT IN ({finished}) AND NOT EXISTS (SELECT 1 FROM "
            f"{quote(through._meta.db_table)} d WHERE d.servicerequest_id = r.id))",
            [TODAY.isoformat(), TODAY.isoformat()],
        ),
    }


def count(sql: tuple[str, list[Any]]) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(*sql)
        return int(cursor.fetchone()[0])


# --- the passes --------------------------------------------------------------------------


def one_pass(rules: list[Any], profile: bool) -> tuple[float, dict[str, Any], str]:
    """A pass of every rule (run_rules, one rule at a time so that each one's time shows):
    its seconds, what each rule did, and its profile."""
    from bipin.alerts.engine import run_rules

    gc.collect()
    profiler = cProfile.Profile() if profile else None
    by_rule: dict[str, Any] = {}
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    for rule in rules:
        began = time.perf_counter()
        result = run_rules(TODAY, [rule])
        by_rule[rule.kind] = dict(result.by_rule[rule.name]) | {
            "seconds": time.perf_counter() - began
        }
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    profiled = ""
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
        profiled = out.getvalue()
    return seconds, by_rule, profiled


def standing(rule: Any) -> int:
    from bipin.alerts.choices import STANDING
    from bipin.alerts.models import Alert

    return Alert.objects.filter(rule=rule, status__in=STANDING).count()


def clear_alerts() -> None:
    """Empties the alerts' tables of a kept database, to measure its passes again."""
    from django.db import connection

    from bipin.alerts.models import Alert, AlertEvent, Delivery, Notification

    with connection.cursor() as cursor:
        for model in (Delivery, Notification, AlertEvent, Alert):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", action="store_true", help="print where each pass spends")
    parser.add_argument("--keep", action="store_true", help="keep the database folder")
    parser.add_argument(
        "--reuse", metavar="FOLDER", help="measure again on a folder kept by --keep"
    )
    arguments = parser.parse_args()
    folder = Path(arguments.reuse or tempfile.mkdtemp(prefix="bipin-bench-alerts-"))
    _setup_django(folder)
    from django.core.management import call_command

    from bipin.alerts.models import Rule
    from bipin.core.choices import Role
    from bipin.org.actions import do_create_person
    from bipin.org.choices import UnitKind
    from bipin.org.models import Unit

    built = folder / "alerts-data.json"
    started = time.perf_counter()
    if arguments.reuse:
        data: dict[str, Any] = json.loads(built.read_text())
        clear_alerts()
        rules = list(Rule.objects.filter(active=True).order_by("pk"))
    else:
        call_command("migrate", verbosity=0)
        load_province()
        print(f"the province demo loaded in {time.perf_counter() - started:.0f}s", flush=True)
        rng = random.Random(7)
        supervisor = do_create_person(
            actor=None, username="bench_supervisor", name="省督查室",
            unit=Unit.objects.get(kind=UnitKind.PROVINCE), role=Role.SUPERVISOR,
        )  # fmt: skip
        data = {}
        data |= build_projects(rng, supervisor)
        data |= build_indicators(rng, supervisor)
        data |= build_boards(rng, supervisor)
        data |= build_requests(rng)
        rules = make_rules(supervisor)
        built.write_text(json.dumps(data))
    setup = time.perf_counter() - started
    print(f"set up in {setup:.0f}s: {data}", flush=True)

    queries = _sql()
    baseline_parts = {
        name: best_of(BASELINE_REPEATS, lambda name=name: count(queries[name]))
        for name in ("overdue", "lagging")
    }
    baseline = sum(baseline_parts.values())
    expected = {name: count(sql) for name, sql in queries.items()}

    first, first_rules, first_profile = one_pass(rules, arguments.profile)
    found = {rule.kind: standing(rule) for rule in rules}
    second, second_rules, second_profile = one_pass(rules, arguments.profile)

    # The counts must agree, or the ratio means nothing.
    mismatches = [
        f"{kind}: {found[kind]} alerts, SQL counts {expected[name]}"
        for kind, name in (
            ("milestone_overdue", "overdue"),
            ("milestone_due_soon", "due_soon"),
            ("completion_behind", "lagging"),
            ("request_overdue", "requests_overdue"),
        )
        if found[kind] != expected[name]
    ]
    mismatches += [
        f"{kind}: the first pass opened {counts['opened']} of {found[kind]} standing"
        for kind, counts in first_rules.items()
        if counts.get("opened", 0) != found[kind]
    ]
    mismatches += [
        f"{kind}: the second pass did {counts} (it should only keep {found[kind]})"
        for kind, counts in second_rules.items()
        if counts.get("kept", 0) != found[kind]
        or any(counts.get(step, 0) for step in ("opened", "resolved", "raised", "lowered"))
    ]
    if mismatches:
        print("COUNTS DIFFER:\n  " + "\n  ".join(mismatches), file=sys.stderr)

    cases = {"first_pass": first, "second_pass": second}
    report: dict[str, Any] = {
        "python": sys.version.split()[0],
        "today": TODAY.isoformat(),
        "data": data,
        "setup_seconds": setup,
        "sql_counts": expected,
        "alerts_by_rule": found,
        "baseline_seconds": baseline_parts | {"total": baseline},
        "rules_first_pass": first_rules,
        "rules_second_pass": second_rules,
        "counts_agree": not mismatches,
        "cases": {},
    }
    print(
        f"督查预警 at the province scale (Python {report['python']}), today {TODAY}: "
        f"{data['milestones']:,} milestones of {data['projects']:,} projects, "
        f"{data['units']:,} units × {data['indicators']} indicators ({data['targets']:,} "
        f"targets, {data['history_values']:,} values of history), "
        f"{data['published_runs']} published boards, {data['requests']:,} requests"
    )
    print(
        f"baseline: overdue milestones {expected['overdue']:,} in "
        f"{baseline_parts['overdue'] * 1000:.0f} ms + lagging values {expected['lagging']:,} "
        f"in {baseline_parts['lagging'] * 1000:.0f} ms = {baseline * 1000:.0f} ms"
    )
    print(f"{'rule':<22} {'alerts':>8} {'first':>9} {'second':>9}")
    for rule in rules:
        print(
            f"{rule.kind:<22} {found[rule.kind]:>8,} {first_rules[rule.kind]['seconds']:>8.2f}s "
            f"{second_rules[rule.kind]['seconds']:>8.2f}s"
        )
    failed = bool(mismatches)
    print(f"{'case':<22} {'seconds':>9} {'ratio':>7} {'target':>7}")
    for name, seconds in cases.items():
        ratio = seconds / baseline
        ok = ratio <= TARGET_RATIO
        report["cases"][name] = {
            "seconds": seconds, "ratio": ratio, "target": TARGET_RATIO, "ok": ok,
        }  # fmt: skip
        print(
            f"{name:<22} {seconds:>8.2f}s {ratio:>7.1f} {TARGET_RATIO:>7.1f} {'ok' if ok else 'OVER'}"
        )
    # The aim is for a pass: the daily one, after the first, is the steady state.
    failed |= not report["cases"]["second_pass"]["ok"]
    for name, text in (("first pass", first_profile), ("second pass", second_profile)):
        if text:
            print(f"\n--- profile of the {name} ---\n{text}")
    out = Path(__file__).with_name("alerts.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    print(f"report: {out}")
    if arguments.keep or arguments.reuse:
        print(f"database kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
