"""The reference data bipin ships for projects: the GB/T 4754-2017 sections and divisions
and the default roadmap template. Loaded by migration 0002, and again by the demo after
`bipin demo --reset` (a flush empties every table, shipped data included)."""

import csv
from pathlib import Path
from typing import Any

TABLE = Path(__file__).resolve().parent / "data" / "gbt4754_2017.csv"
#: 注册 1 month after signing, 供地 6 after signing, 开工 3 after land, 投产 18 after start,
#: 达产 12 after production; evidence for 供地 (land contract) and 开工 (construction permit).
TEMPLATE = [
    ("registered", "signed", 1, False),
    ("land", "signed", 6, True),
    ("started", "land", 3, True),
    ("producing", "started", 18, False),
    ("at_capacity", "producing", 12, False),
]


def load_reference_data(industry_model: Any, template_model: Any) -> None:
    """Loads what is missing; takes the model classes so that the migration can pass its
    historical models."""
    if not industry_model.objects.exists():
        with TABLE.open(encoding="utf-8") as table:
            rows = list(csv.DictReader(table))
        sections = {
            row["code"]: industry_model.objects.create(code=row["code"], name=row["name"])
            for row in rows
            if not row["section"]
        }
        industry_model.objects.bulk_create(
            industry_model(code=row["code"], name=row["name"], section=sections[row["section"]])
            for row in rows
            if row["section"]
        )
    if not template_model.objects.exists():
        for stage, after, months, evidence in TEMPLATE:
            template_model.objects.create(
                stage=stage, after=after, months=months, requires_evidence=evidence
            )
