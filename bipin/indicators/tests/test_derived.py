"""Derived indicators equal an independent count of the records: the projects, talents and
requests are made through their own actions, then counted here in plain Python by the
rule each derivation's docstring states, and compared with what bipin computes."""

from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from bipin.conftest import District
from bipin.indicators import actions
from bipin.indicators.derived import derivations, period_bounds
from bipin.indicators.models import Value
from bipin.indicators.tests.conftest import PERIOD, Catalogue
from bipin.projects import actions as projects
from bipin.projects.choices import Stage
from bipin.projects.models import Industry, Milestone, Project
from bipin.talent.choices import HIGH_LEVEL, Tier
from bipin.talent.models import Talent
from bipin.talent.tests.conftest import make_enterprise, make_talent

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _signed(district: District, unit: Any, amount: int, on: date, **fields: Any) -> Project:
    particulars = {
        "name": f"项目{Project.objects.count() + 1}",
        "investor_name": f"投资方{Project.objects.count() + 1}有限公司",
        "industry": Industry.objects.get(code="39"),
        "contracted_investment": Decimal(amount),
        "responsible_unit": unit,
    }
    particulars.update(fields)
    return projects.do_create_project(
        actor=district.supervisor, stage=Stage.SIGNED, stage_on=on, **particulars
    )


def _start(district: District, project: Project, on: date) -> None:
    steps = [
        (Stage.REGISTERED, date(2025, 2, 1)),
        (Stage.LAND, date(2025, 6, 1)),
        (Stage.STARTED, on),
    ]
    for stage, day in steps:
        milestone = Milestone.objects.get(project=project, stage=stage)
        if milestone.requires_evidence:
            projects.do_add_evidence(
                milestone, upload=SimpleUploadedFile("证明.pdf", PDF), actor=district.supervisor
            )
        project = projects.do_change_stage(project, to=stage, on=day, actor=district.supervisor)


@pytest.fixture
def pipeline(district: District) -> list[Project]:
    """锦城 (with the platform under it) and 於潜 sign projects of every kind in 2025."""
    made = [
        _signed(district, district.town_a, 20000, date(2025, 1, 5)),
        _signed(district, district.town_a, 150000, date(2025, 3, 10)),
        _signed(district, district.town_a, 5000, date(2025, 4, 1)),  # below 1亿
        _signed(district, district.town_a, 30000, date(2025, 5, 1), is_capital_increase=True),
        _signed(district, district.village_a, 12000, date(2025, 1, 20)),  # under 锦城
        _signed(district, district.town_b, 11000, date(2025, 1, 6)),
        _signed(district, district.town_b, 60000, date(2025, 11, 3)),  # after the period
        _signed(district, district.town_b, 40000, date(2024, 12, 30)),  # the year before
    ]
    terminated = _signed(district, district.town_b, 90000, date(2025, 2, 2))
    projects.do_change_stage(
        terminated, to=Stage.TERMINATED, on=date(2025, 6, 1), actor=district.supervisor,
        reason="投资方撤资",
    )  # fmt: skip
    _start(district, made[0], date(2025, 9, 20))
    _start(district, made[5], date(2025, 10, 30))
    return made


def _independent_1yi(unit_ids: set[int]) -> int:
    """新签约亿元以上项目数 by its definition, over every project in plain Python."""
    _start_day, end = period_bounds(PERIOD)
    return sum(
        1
        for project in Project.objects.all()
        if project.counting_year == PERIOD.year
        and project.counting_unit_id in unit_ids
        and project.signed_on is not None
        and project.signed_on <= end
        and not project.is_capital_increase
        and project.stage != Stage.TERMINATED
        and project.merged_into_id is None
        and project.contracted_investment >= 10000
    )


def test_signed_major_projects_equal_an_independent_count(
    district: District, catalogue: Catalogue, pipeline: list[Project]
) -> None:
    actions.do_compute_derived(PERIOD)
    computed = dict(
        Value.objects.filter(indicator=catalogue.projects_1yi).values_list("unit", "amount")
    )
    town_a = {district.town_a.pk, district.village_a.pk}
    assert computed[district.town_a.pk] == _independent_1yi(town_a) == 3
    assert computed[district.town_b.pk] == _independent_1yi({district.town_b.pk}) == 1


def test_the_records_counted_are_the_ones_the_page_lists(
    district: District, catalogue: Catalogue, pipeline: list[Project]
) -> None:
    derivation = derivations.get("signed_projects_1yi")
    listed = derivation.records_of([district.town_a.pk, district.village_a.pk], PERIOD)
    assert sorted(project.pk for project in listed) == sorted(
        project.pk for project in (pipeline[0], pipeline[1], pipeline[4])
    )


def test_the_start_rate_equals_an_independent_share(
    district: District, catalogue: Catalogue, pipeline: list[Project]
) -> None:
    actions.do_compute_derived(PERIOD)
    _start_day, end = period_bounds(PERIOD)
    computed = dict(
        Value.objects.filter(indicator=catalogue.start_rate).values_list("unit", "amount")
    )
    for unit_ids, unit in (
        ({district.town_a.pk, district.village_a.pk}, district.town_a),
        ({district.town_b.pk}, district.town_b),
    ):
        due = [
            milestone
            for milestone in Milestone.objects.select_related("project")
            if milestone.stage == Stage.STARTED
            and date(PERIOD.year, 1, 1) <= milestone.planned_on <= end
            and milestone.project.responsible_unit_id in unit_ids
            and milestone.project.stage != Stage.TERMINATED
        ]
        started = [m for m in due if m.project.started_on and m.project.started_on <= end]
        if not due:
            assert unit.pk not in computed
            continue
        expected = (Decimal(len(started)) / Decimal(len(due)) * 100).quantize(Decimal("0.0001"))
        assert computed[unit.pk] == expected
    # 锦城's projects signed in January are due to start in October; one of them has.
    assert computed[district.town_a.pk] == Decimal("50.0000")


def test_a_rate_with_nothing_to_count_has_no_value(
    district: District, catalogue: Catalogue
) -> None:
    actions.do_compute_derived(PERIOD)
    assert not Value.objects.filter(indicator=catalogue.start_rate).exists()
    # A count with nothing to count is zero.
    assert set(
        Value.objects.filter(indicator=catalogue.projects_1yi).values_list("amount", flat=True)
    ) == {Decimal(0)}


def test_the_command_computes_a_month_and_says_what_it_did(
    district: District, catalogue: Catalogue, pipeline: list[Project]
) -> None:
    out = StringIO()
    call_command("compute_derived", "2025-10", stdout=out)
    assert "新增 4 个" in out.getvalue()  # 1亿 projects of both towns, and both start rates
    out = StringIO()
    call_command("compute_derived", "2025-10", stdout=out)
    assert "新增 0 个，更新 0 个，未变 4 个" in out.getvalue()
    with pytest.raises(CommandError, match="2026-10"):
        call_command("compute_derived", "10/2026")


def test_talents_introduced_equal_an_independent_count(
    district: District, catalogue: Catalogue
) -> None:
    employer = make_enterprise(
        district, district.town_a, "杭州锦城微电子有限公司", "91330185MA2H0AB12"
    )
    introduced = [
        (Tier.A, district.town_a, date(2025, 3, 1)),
        (Tier.C, district.village_a, date(2025, 10, 31)),
        (Tier.E, district.town_b, date(2025, 6, 1)),
        (Tier.C, district.town_a, date(2025, 11, 1)),  # after the period
        (Tier.B, district.town_a, date(2024, 12, 31)),  # the year before
        (Tier.MASTER, district.town_a, date(2025, 4, 1)),  # a graduate
    ]
    for number, (tier, unit, day) in enumerate(introduced):
        make_talent(
            district, name=f"人才{number}", tier=tier, introducing_unit=unit, introduced_on=day,
            employer=employer, phone="", id_number="",
        )  # fmt: skip
    derivation = derivations.get("high_level_talents")
    amounts = derivation.amounts(PERIOD, [district.town_a, district.town_b])
    _start_day, end = period_bounds(PERIOD)
    for unit_ids, unit in (
        ({district.town_a.pk, district.village_a.pk}, district.town_a),
        ({district.town_b.pk}, district.town_b),
    ):
        independent = sum(
            1
            for talent in Talent.objects.all()
            if talent.tier in HIGH_LEVEL
            and talent.introducing_unit_id in unit_ids
            and date(PERIOD.year, 1, 1) <= talent.introduced_on <= end
        )
        assert amounts[unit.pk] == independent
    assert (amounts[district.town_a.pk], amounts[district.town_b.pk]) == (2, 1)
