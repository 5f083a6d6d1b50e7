"""bipin's benchmark suite: `make benchmark`.

Each case is timed against a baseline measured in the same run on the same data, and
reported as a ratio, so that the numbers mean the same on a slow and a fast machine. A case
fails when its ratio exceeds its target. The data is the generated province (~1,500 units,
~3,000 people) in a fresh SQLite database in a temporary folder.

Cases:
- scoping: a clerk's `Unit.objects.restrict()` list against the same rows read by primary
  key (the cost of the scope itself);
- unit_tree: the unit list page as a supervisor sees it (1,500 rows in tree order, with
  people counts) against the bare ORM read of the same units;
- unit_page: a unit's page (details, people, links, history) against reading the unit;
- api_units: a page of /api/units against reading the same 50 units;
- demo_memory: peak Python memory of generating the province, per unit, against the
  memory of holding the same units as model instances.
"""

import gc
import json
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from io import StringIO
from pathlib import Path

TARGETS = {
    "scoping": 3.0,
    "unit_tree": 25.0,
    "unit_page": 50.0,
    "api_units": 15.0,
    "demo_memory": 15.0,
}


def best_of(repeats: int, action: Callable[[], object]) -> float:
    """The fastest of `repeats` runs, in seconds (the least disturbed by the machine)."""
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="bipin-bench-"))
    (folder / "static").mkdir()  # STATIC_ROOT, which WhiteNoise expects to exist
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bipin.settings",
            "BIPIN_VAR_DIR": str(folder),
            "BIPIN_SECRET_KEY": "benchmark-key-not-used-for-anything-0123456789",
            "BIPIN_ALLOWED_HOSTS": "testserver",
        }
    )
    os.environ.pop("BIPIN_DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from bipin.core.choices import Role
    from bipin.core.demo import load_demo
    from bipin.org.models import Unit, User

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    call_command("migrate", verbosity=0)

    tracemalloc.start()
    load_demo(scale="province", seed=2019, out=StringIO())
    _current, demo_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    unit_count = Unit.objects.count()
    tracemalloc.start()
    held = list(Unit.objects.all())
    _current, held_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del held

    supervisor = User.objects.create_user(
        "bench_supervisor", role=Role.SUPERVISOR, unit=Unit.objects.get(code="S01")
    )
    clerk = (
        User.objects.filter(role=Role.UNIT_CLERK, unit__kind="subdistrict")
        .select_related("unit")
        .first()
    )
    assert clerk is not None
    district = Unit.objects.filter(kind="district").first()
    assert district is not None
    district_clerk = User.objects.create_user(
        "bench_district_clerk", role=Role.UNIT_CLERK, unit=district
    )
    browser = Client()
    browser.force_login(supervisor)

    scope_ids = list(
        Unit.objects.descendants(district.pk, include_self=True).values_list("pk", flat=True)
    )

    def scoped() -> object:
        fresh = User.objects.get(
            pk=district_clerk.pk
        )  # a request's user: the scope is computed anew
        return list(Unit.objects.restrict(fresh))

    results = {}
    results["scoping"] = (
        best_of(20, scoped),
        best_of(20, lambda: list(Unit.objects.filter(pk__in=scope_ids))),
    )
    results["unit_tree"] = (
        best_of(5, lambda: browser.get("/units/")),
        best_of(5, lambda: list(Unit.objects.all())),
    )
    unit = clerk.unit
    results["unit_page"] = (
        best_of(20, lambda: browser.get(f"/units/{unit.pk}/")),
        best_of(20, lambda: Unit.objects.get(pk=unit.pk)),
    )
    results["api_units"] = (
        best_of(20, lambda: browser.get("/api/units?page=2")),
        best_of(20, lambda: list(Unit.objects.order_by("order", "code")[50:100])),
    )

    report = {
        "data": {"units": unit_count, "people": User.objects.count()},
        "cases": {},
    }
    failed = False
    print(
        f"bipin benchmarks on {unit_count} units, {User.objects.count()} people (Python {sys.version.split()[0]})"
    )
    print(f"{'case':<12} {'measured':>12} {'baseline':>12} {'ratio':>8} {'target':>8}")
    for name, (measured, baseline) in results.items():
        ratio = measured / baseline
        ok = ratio <= TARGETS[name]
        failed |= not ok
        report["cases"][name] = {
            "seconds": measured,
            "baseline_seconds": baseline,
            "ratio": ratio,
            "target": TARGETS[name],
            "ok": ok,
        }
        print(
            f"{name:<12} {measured * 1000:>10.2f}ms {baseline * 1000:>10.2f}ms {ratio:>8.2f} {TARGETS[name]:>8.1f} {'ok' if ok else 'OVER'}"
        )
    ratio = demo_peak / held_peak
    ok = ratio <= TARGETS["demo_memory"]
    failed |= not ok
    report["cases"]["demo_memory"] = {
        "peak_bytes": demo_peak,
        "baseline_bytes": held_peak,
        "ratio": ratio,
        "target": TARGETS["demo_memory"],
        "ok": ok,
    }
    print(
        f"{'demo_memory':<12} {demo_peak / 2**20:>10.1f}MB {held_peak / 2**20:>10.1f}MB {ratio:>8.2f} {TARGETS['demo_memory']:>8.1f} {'ok' if ok else 'OVER'}"
    )
    out = Path(__file__).with_name("report.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"report: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
