"""The project list at scale (`make benchmark` runs it after run.py and imports.py).

Fills a fresh SQLite database with the Lin'an demo and then 100,000 projects (written with
bulk_create: this measures reading, not writing), and reports the latency of the list page
and of the API list (first page, and a filtered page) as a supervisor sees them, beside the
baseline of the bare ORM read of the same page of projects, plus the number of SQL queries
each runs, which must equal the number it runs with 10 projects (the tests assert the same
at 10 and 100).

    python benchmarks/project_list.py [--projects N]
"""

import argparse
import gc
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

PROJECTS = 100_000
#: Each page at most this many times the bare read of its rows.
TARGET_RATIO = 40.0


def best_of(repeats: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=PROJECTS)
    count = parser.parse_args().projects
    folder = Path(tempfile.mkdtemp(prefix="bipin-bench-list-"))
    (folder / "static").mkdir()
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
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bipin.core.demo import load_demo
    from bipin.org.models import Unit, User
    from bipin.projects.choices import Stage
    from bipin.projects.models import Industry, Project

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    call_command("migrate", verbosity=0)
    load_demo(scale="district", seed=2019, out=StringIO())
    supervisor = User.objects.get(username="supervisor")
    browser = Client()
    browser.force_login(supervisor)
    pages = {
        "list_page": "/projects/",
        "list_filtered": "/projects/?stage=signed&sort=-contracted_investment",
        "api_list": "/api/projects",
        "api_filtered": "/api/projects?stage=signed",
    }

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(url).status_code == 200
        return len(captured)

    small = {name: queries(url) for name, url in pages.items()}

    rng = random.Random(7)
    units = list(Unit.objects.filter(kind__in=["town", "subdistrict"]))
    industries = list(Industry.objects.filter(section__isnull=False))
    stages = [Stage.LEAD, Stage.NEGOTIATING, Stage.SIGNED, Stage.REGISTERED, Stage.STARTED]
    batch = []
    for number in range(count):
        stage = rng.choice(stages)
        signed = date(2026, 1, 1) + timedelta(days=rng.randrange(300))
        unit = rng.choice(units)
        batch.append(
            Project(
                code=f"BM{number:07d}",
                name=f"基准项目{number}",
                investor_name=f"基准投资方{number % 5000}",
                industry=rng.choice(industries),
                contracted_investment=Decimal(rng.randrange(500, 200000)),
                responsible_unit=unit,
                stage=stage,
                lead_on=signed - timedelta(days=60),
                signed_on=signed if stage not in (Stage.LEAD, Stage.NEGOTIATING) else None,
                counting_year=2026 if stage not in (Stage.LEAD, Stage.NEGOTIATING) else None,
                counting_unit=unit if stage not in (Stage.LEAD, Stage.NEGOTIATING) else None,
            )
        )
        if len(batch) == 5000:
            Project.objects.bulk_create(batch)
            batch = []
    Project.objects.bulk_create(batch)
    total = Project.objects.count()

    large = {name: queries(url) for name, url in pages.items()}
    baseline = best_of(
        10, lambda: list(Project.objects.select_related("responsible_unit", "industry")[:50])
    )
    report: dict = {"projects": total, "baseline_seconds": baseline, "cases": {}}
    failed = False
    print(f"project list with {total:,} projects (Python {sys.version.split()[0]})")
    print(f"baseline: the bare ORM read of one page, {baseline * 1000:.2f}ms")
    print(f"{'case':<14} {'latency':>10} {'ratio':>8} {'target':>8} {'queries (10 → all)':>20}")
    for name, url in pages.items():
        latency = best_of(5, lambda url=url: browser.get(url))
        ratio = latency / baseline
        ok = ratio <= TARGET_RATIO and large[name] == small[name]
        failed |= not ok
        report["cases"][name] = {
            "url": url, "seconds": latency, "ratio": ratio, "target": TARGET_RATIO,
            "queries_small": small[name], "queries_large": large[name], "ok": ok,
        }  # fmt: skip
        print(
            f"{name:<14} {latency * 1000:>8.1f}ms {ratio:>8.1f} {TARGET_RATIO:>8.1f} {small[name]:>10} → {large[name]:<6} {'ok' if ok else 'OVER'}"
        )
    out = Path(__file__).with_name("project_list.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"report: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
