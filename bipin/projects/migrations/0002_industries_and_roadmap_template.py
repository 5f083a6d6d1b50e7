"""Ships the GB/T 4754-2017 sections and divisions, and the default roadmap template
(注册 1 month after signing, 供地 6 after signing, 开工 3 after land, 投产 18 after start,
达产 12 after production; evidence required for 供地 and 开工)."""

import csv
from pathlib import Path

from django.db import migrations

TABLE = Path(__file__).resolve().parent.parent / "data" / "gbt4754_2017.csv"
TEMPLATE = [
    ("registered", "signed", 1, False),
    ("land", "signed", 6, True),
    ("started", "land", 3, True),
    ("producing", "started", 18, False),
    ("at_capacity", "producing", 12, False),
]


def load(apps, schema_editor):
    Industry = apps.get_model("projects", "Industry")
    MilestoneTemplate = apps.get_model("projects", "MilestoneTemplate")
    with TABLE.open(encoding="utf-8") as table:
        rows = list(csv.DictReader(table))
    sections = {row["code"]: Industry.objects.create(code=row["code"], name=row["name"]) for row in rows if not row["section"]}
    Industry.objects.bulk_create(
        Industry(code=row["code"], name=row["name"], section=sections[row["section"]]) for row in rows if row["section"]
    )
    for stage, after, months, evidence in TEMPLATE:
        MilestoneTemplate.objects.create(stage=stage, after=after, months=months, requires_evidence=evidence)


def unload(apps, schema_editor):
    apps.get_model("projects", "MilestoneTemplate").objects.all().delete()
    apps.get_model("projects", "Industry").objects.filter(section__isnull=False).delete()
    apps.get_model("projects", "Industry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
