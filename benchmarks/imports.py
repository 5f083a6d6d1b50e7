"""The import benchmark (`make benchmark` runs it after run.py).

Imports a generated ledger of 50,000 projects (.xlsx, written with openpyxl's write-only
mode) into the Lin'an demo in a fresh SQLite database, and reports rows per second and peak
memory beside the baseline of merely reading the same file with the same library
(openpyxl, read-only mode, every cell visited). Targets: the import at most 3× the plain
read, and under 500 MB.

Each measurement runs in its own process, so that its peak resident memory (ru_maxrss) is
its own: the import's peak includes the interpreter and Django, as a real `bipin import`
does. The read and the new import each run twice (the import into two copies of the demo
database) and keep their best time; the re-import runs once. The report goes to
benchmarks/imports.json.

    python benchmarks/imports.py [--rows N]
"""

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

TARGET_RATIO = 3.0
TARGET_MB = 500
ROWS = 50_000
#: Each case runs this many times and keeps its best time: the plain read and the import
#: alike, so that a busy moment of the machine does not decide the ratio.
ATTEMPTS = 2


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


def _peak_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec, whereas
    ru_maxrss carries the parent's peak over into a child process."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes


def _uscc(rng: random.Random) -> str:
    """A valid code: a company (91) of the district (330185), a random organisation code."""
    from bipin.core.uscc import CHARSET, check_character

    first17 = "91330185" + "".join(rng.choice(CHARSET) for _ in range(9))
    return first17 + check_character(first17)


def generate(path: Path, rows: int, seed: int = 2019) -> None:
    """A ledger as the office keeps it (a title row, the template's header, a 合计 row),
    of `rows` projects across the demo's towns, platforms, industries and stages."""
    from openpyxl import Workbook

    from bipin.core.choices import Role
    from bipin.org.choices import UnitKind
    from bipin.org.models import Unit, User
    from bipin.projects.choices import PIPELINE, Channel, Stage
    from bipin.projects.imports import project_columns
    from bipin.projects.models import Industry, LeadingIndustry, NegativeListItem

    rng = random.Random(seed)
    prohibited = set(
        NegativeListItem.objects.filter(kind="prohibited").values_list(
            "industries__code", flat=True
        )
    )
    industries = [
        industry.name
        for industry in Industry.objects.filter(section__isnull=False).select_related("section")
        if industry.code not in prohibited and industry.section.code not in prohibited
    ]
    towns = list(
        Unit.objects.filter(kind__in=(UnitKind.SUBDISTRICT, UnitKind.TOWN)).values_list(
            "name", flat=True
        )
    )
    platforms = list(Unit.objects.filter(kind=UnitKind.PLATFORM).values_list("name", flat=True))
    leaders = list(User.objects.filter(role=Role.LEADER).values_list("name", flat=True))
    leading = list(LeadingIndustry.objects.values_list("name", flat=True))
    origins = ["上海市", "江苏省苏州市", "浙江省宁波市", "广东省深圳市", "北京市", "德国", "新加坡"]
    columns = [
        "code", "name", "investor_name", "investor_origin", "contracted_investment",
        "fixed_asset_investment", "foreign_capital", "industry", "leading_industry", "channel",
        "stage", "signed_on", "registered_on", "land_on", "started_on", "responsible_unit",
        "platform", "leaders", "uscc", "note",
    ]  # fmt: skip
    labels = {column.key: column.label for column in project_columns()}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("签约项目")
    sheet.append([f"临安区招商引资项目台账（基准测试，{rows} 行）"])
    sheet.append([labels[key] for key in columns])
    today = date.today()
    stages = [Stage.SIGNED, Stage.REGISTERED, Stage.LAND, Stage.STARTED]
    for number in range(1, rows + 1):
        stage = rng.choice(stages)
        signed = today - timedelta(days=rng.randrange(400, 700))
        dates = {Stage.SIGNED: signed}
        for later in PIPELINE[PIPELINE.index(Stage.SIGNED) + 1 : PIPELINE.index(stage) + 1]:
            dates[later] = dates[PIPELINE[PIPELINE.index(later) - 1]] + timedelta(
                days=rng.randrange(20, 90)
            )
        amount = rng.choice((5000, 12000, 20000, 35000, 60000, 150000)) + rng.randrange(0, 999)
        origin = rng.choice(origins)
        sheet.append(
            [
                f"BM{signed.year}-{number:05d}",
                f"{rng.choice(('年产', '新建', '扩建'))}{rng.choice(('芯片', '医药', '装备', '材料', '文旅'))}项目{number}",
                f"杭州{rng.choice(('微芯', '天目', '精工', '烯材', '青山'))}{number:05d}科技有限公司",
                origin,
                amount if number % 50 else f"{amount:,}",  # text with separators, as pasted
                round(amount * 0.8, 2),
                rng.randrange(500, 5000) if origin in ("德国", "新加坡") else None,
                rng.choice(industries),
                rng.choice(leading) if leading else None,
                str(rng.choice(Channel.labels)),
                str(stage.label),
                dates[Stage.SIGNED],
                dates.get(Stage.REGISTERED),
                dates.get(Stage.LAND),
                dates.get(Stage.STARTED),
                rng.choice(towns),
                rng.choice(platforms) if number % 4 == 0 else None,
                rng.choice(leaders) if number % 10 == 0 and leaders else None,
                _uscc(rng) if stage != Stage.SIGNED else None,
                "基准测试" if number % 7 == 0 else None,
            ]
        )
    sheet.append(["合计", None, None, None, f"=SUM(E3:E{rows + 2})"])
    book.save(path)


def child_read(path: str) -> dict[str, float]:
    """The baseline: openpyxl read-only, every cell of every row visited."""
    from openpyxl import load_workbook

    start = time.perf_counter()
    book = load_workbook(path, read_only=True)
    cells = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for _value in row:
                cells += 1
    book.close()
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(), "cells": cells}


def child_import(path: str, folder: str) -> dict[str, float]:
    _setup_django(Path(folder))
    from bipin.core.choices import Role
    from bipin.org.models import User
    from bipin.projects.imports import import_projects

    actor = User.objects.filter(role=Role.SUPERVISOR).order_by("pk").first()
    start = time.perf_counter()
    report = import_projects(path, actor=actor)
    seconds = time.perf_counter() - start
    if report.errors:
        for error in report.errors[:20]:
            print(error, file=sys.stderr)
        raise SystemExit(f"the import failed with {len(report.errors)} errors")
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }


def _child(*args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--child", nargs="+")
    options = parser.parse_args()
    if options.child:
        kind, *rest = options.child
        result = child_read(*rest) if kind == "read" else child_import(*rest)
        print(json.dumps(result))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="bipin-bench-imports-"))
    (folder / "static").mkdir()
    _setup_django(folder)
    from django.core.management import call_command
    from django.db import connection

    from bipin.core.demo import load_demo
    from bipin.projects.imports import NEGATIVE_LIST_DEMO, load_negative_list_file
    from bipin.projects.models import LeadingIndustry, NegativeListItem, Project

    call_command("migrate", verbosity=0)
    load_demo(scale="district", seed=2019, out=StringIO())
    for order, name in enumerate(
        ("数字经济", "生物医药", "高端装备", "新材料", "文旅康养", "现代服务业")
    ):
        LeadingIndustry.objects.get_or_create(name=name, defaults={"order": order})
    if not NegativeListItem.objects.exists():
        load_negative_list_file(NEGATIVE_LIST_DEMO, actor=None)
    before = Project.objects.count()
    path = folder / "ledger.xlsx"
    generate(path, options.rows)
    size_mb = path.stat().st_size / 2**20
    print(f"import benchmark: {options.rows} rows, {size_mb:.1f} MB, into {before} demo projects")

    # The demo database as it stands, for each import to start from a copy of.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    reads = [_child("read", str(path)) for _ in range(ATTEMPTS)]
    read = min(reads, key=lambda result: result["seconds"])
    imports = []
    for attempt in range(ATTEMPTS):
        copy = folder / f"import-{attempt}"
        (copy / "static").mkdir(parents=True)
        shutil.copy(folder / "bipin.sqlite3", copy / "bipin.sqlite3")
        imports.append(_child("import", str(path), str(copy)))
    first = min(imports, key=lambda result: result["seconds"])
    again = _child("import", str(path), str(copy))  # into the last copy, imported once
    assert first["created"] == options.rows, first
    assert again["unchanged"] == options.rows, again

    ratio = first["seconds"] / read["seconds"]
    ok = ratio <= TARGET_RATIO and first["peak_mb"] <= TARGET_MB
    print(f"{'case':<16} {'seconds':>9} {'rows/s':>9} {'peak MB':>9} {'ratio':>7}")
    for name, result in (("plain read", read), ("import (new)", first), ("import (same)", again)):
        print(
            f"{name:<16} {result['seconds']:>9.2f} {options.rows / result['seconds']:>9.0f}"
            f" {result['peak_mb']:>9.0f} {result['seconds'] / read['seconds']:>7.2f}"
        )
    print(
        f"targets: ratio ≤ {TARGET_RATIO:.0f}, peak ≤ {TARGET_MB} MB: "
        + ("ok" if ok else "NOT MET (see benchmarks/imports.json)")
    )
    report = {
        "rows": options.rows,
        "file_mb": size_mb,
        "python": sys.version.split()[0],
        "plain_read": read,
        "import_new": first,
        "import_unchanged": again,
        "ratio": ratio,
        "ratio_unchanged": again["seconds"] / read["seconds"],
        "target_ratio": TARGET_RATIO,
        "target_mb": TARGET_MB,
        "ok": ok,
    }
    out = Path(__file__).with_name("imports.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"report: {out}")
    shutil.rmtree(folder, ignore_errors=True)  # the ledger and a database of 50,000 projects
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
