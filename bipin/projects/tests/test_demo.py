"""The projects' part of the Lin'an demo: ~300 projects with the mix a district's pipeline
has, built through the actions, the same for the same seed, and loaded only once.

Loading the demo takes seconds, so the tests that read it share one load (the class
fixture below), inside a transaction that is rolled back when the class is done.
"""

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

from bipin.core.demo import load_demo
from bipin.org.choices import UnitKind
from bipin.org.models import Link, Unit, User
from bipin.projects.actions import negative_items
from bipin.projects.choices import (
    PIPELINE,
    DuplicateReason,
    DuplicateStatus,
    InvestorKind,
    MajorClass,
    NegativeKind,
    Stage,
)
from bipin.projects.demo import LATEST, demo_today, ensure_reference_data
from bipin.projects.models import (
    DuplicateCheck,
    Evidence,
    Industry,
    LeadingIndustry,
    Milestone,
    MilestoneTemplate,
    NegativeListItem,
    Project,
    StageEvent,
)

#: The divisions each leading industry's projects are classified in (GB/T 4754-2017).
FITTING_DIVISIONS = {
    "数字经济": {"39", "65", "64"},
    "生物医药": {"27", "35", "73"},
    "高端装备": {"34", "35", "38", "40"},
    "新材料": {"26", "29", "30", "32"},
    "文旅康养": {"61", "84", "88", "90"},
    "现代服务业": {"51", "72", "74"},
}
PROJECT_COLUMNS = (
    "code", "name", "investor_name", "investor_origin", "investor_kind", "uscc", "industry__code",
    "leading_industry__name", "channel", "contracted_investment", "fixed_asset_investment",
    "foreign_capital", "responsible_unit__code", "platform__code", "is_capital_increase", "stage",
    "lead_on", "negotiating_on", "signed_on", "registered_on", "land_on", "started_on",
    "producing_on", "at_capacity_on", "terminated_on", "termination_reason", "counting_year",
    "counting_unit__code", "merged_into__code",
)  # fmt: skip
SIGNED_STAGES = PIPELINE[PIPELINE.index(Stage.SIGNED) :]


def _load(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def _fingerprint() -> dict[str, Any]:
    """What the demo made, without database ids (they differ between databases)."""
    project_codes = dict(Project.objects.values_list("pk", "code"))
    project_type = ContentType.objects.get_for_model(Project)
    return {
        "projects": list(Project.objects.order_by("code").values_list(*PROJECT_COLUMNS)),
        "milestones": list(
            Milestone.objects.order_by("project__code", "stage").values_list(
                "project__code", "stage", "planned_on", "actual_on", "requires_evidence"
            )
        ),
        "evidence": sorted(
            (code, stage, Path(file).name)
            for code, stage, file in Evidence.objects.values_list(
                "milestone__project__code", "milestone__stage", "file"
            )
        ),
        "checks": sorted(
            DuplicateCheck.objects.values_list(
                "project__code", "candidate__code", "reason", "status", "note"
            )
        ),
        "links": sorted(
            (leader, project_codes[object_id])
            for leader, object_id in Link.objects.filter(content_type=project_type).values_list(
                "leader__username", "object_id"
            )
        ),
    }


def _fresh_demo(seed: int) -> dict[str, Any]:
    with transaction.atomic():
        load_demo(scale="district", seed=seed, out=StringIO())
        made = _fingerprint()
        transaction.set_rollback(True)
    return made


def test_the_same_seed_gives_the_same_projects(db, tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        first = _fresh_demo(2019)
        again = _fresh_demo(2019)
    assert len(first["projects"]) >= 280
    assert first["evidence"] and first["checks"] and first["links"]
    assert again == first
    # Reloading replaces the evidence files rather than adding copies under new names.
    names = {path.name for path in tmp_path.rglob("*") if path.is_file()}
    assert names == {"国有建设用地使用权出让合同.pdf", "建筑工程施工许可证.pdf"}


def test_the_demo_puts_back_the_shipped_tables_a_reset_emptied(db):
    """`bipin demo --reset` flushes every table, also what the migrations loaded."""
    Industry.objects.filter(section__isnull=False).delete()
    Industry.objects.all().delete()
    MilestoneTemplate.objects.all().delete()
    ensure_reference_data()
    assert Industry.objects.filter(section__isnull=True).count() == 20  # sections A–T
    assert Industry.objects.filter(section__isnull=False).count() == 97  # divisions 01–97
    assert dict(MilestoneTemplate.objects.values_list("stage", "months")) == {
        Stage.REGISTERED: 1,
        Stage.LAND: 6,
        Stage.STARTED: 3,
        Stage.PRODUCING: 18,
        Stage.AT_CAPACITY: 12,
    }


@pytest.fixture(scope="class")
def demo(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The district demo, loaded once for the tests of a class, then rolled back."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        output = _load()
        yield {"output": output, "media": media}
        transaction.set_rollback(True)


@pytest.mark.usefixtures("db")
class TestTheDistrictDemo:
    def test_it_has_about_300_projects_at_every_stage(self, demo):
        stages = Counter(Project.objects.values_list("stage", flat=True))
        assert 280 <= sum(stages.values()) <= 320
        assert set(stages) == set(Stage)
        assert "projects: " in demo["output"]

    def test_leads_and_negotiations_are_unsigned_and_a_good_share_is(self, demo):
        unsigned = Project.objects.filter(stage__in=[Stage.LEAD, Stage.NEGOTIATING])
        assert 40 <= unsigned.count() <= 110
        assert not unsigned.filter(signed_on__isnull=False).exists()
        assert not unsigned.filter(counting_year__isnull=False).exists()
        assert not Milestone.objects.filter(project__in=unsigned).exists()

    def test_signed_projects_count_in_their_signing_year_for_their_unit(self, demo):
        signed = Project.objects.filter(signed_on__isnull=False)
        assert signed.count() >= 180
        for project in signed:
            assert project.signed_on is not None
            assert project.counting_year == project.signed_on.year
            assert project.counting_unit_id == project.responsible_unit_id
        assert Project.objects.counted(2026).count() >= 60
        assert Project.objects.counted(2025).count() >= 20

    def test_signings_are_mostly_in_2025_and_2026_and_never_later_than_the_demos_today(self, demo):
        signed_on = list(
            Project.objects.filter(signed_on__isnull=False).values_list("signed_on", flat=True)
        )
        recent = [day for day in signed_on if day.year in (2025, 2026)]
        assert len(recent) >= 0.7 * len(signed_on)
        assert len({(day.year, day.month) for day in recent}) >= 20  # spread over the months
        today = demo_today()
        assert today <= LATEST
        for field in (
            "lead_on", "negotiating_on", "signed_on", "registered_on", "land_on", "started_on",
            "producing_on", "at_capacity_on", "terminated_on",
        ):  # fmt: skip
            assert not Project.objects.filter(**{f"{field}__gt": today}).exists(), field

    def test_the_later_stages_are_progressively_rarer(self, demo):
        stages = Counter(Project.objects.values_list("stage", flat=True))
        later = [stages[stage] for stage in PIPELINE[PIPELINE.index(Stage.REGISTERED) :]]
        assert later == sorted(later, reverse=True)
        assert stages[Stage.AT_CAPACITY] >= 1

    def test_some_projects_are_overdue_with_their_land_or_construction_late(self, demo):
        today = demo_today()
        overdue = Project.objects.overdue(today)
        signed = Project.objects.filter(signed_on__isnull=False).exclude(stage=Stage.TERMINATED)
        assert 0.1 * signed.count() <= overdue.count() <= 0.4 * signed.count()
        late = Counter(
            milestone.stage
            for project in overdue.prefetch_related("milestones")
            for milestone in project.overdue_milestones(today)
        )
        assert late[Stage.LAND] >= 5
        assert late[Stage.STARTED] >= 5
        assert all(project.is_overdue(today) for project in overdue)

    def test_amounts_are_mostly_two_thousand_to_fifty_thousand_wan_with_a_few_giants(self, demo):
        amounts = list(Project.objects.values_list("contracted_investment", flat=True))
        usual = [amount for amount in amounts if Decimal(2000) <= amount <= Decimal(50000)]
        assert len(usual) >= 0.7 * len(amounts)
        assert Project.objects.with_major_class(MajorClass.YI_10).count() >= 8
        assert 2 <= Project.objects.with_major_class(MajorClass.YI_50).count() <= 3
        assert all(amount > 0 for amount in amounts)

    def test_about_a_tenth_are_foreign_with_their_capital_in_wan_usd(self, demo):
        foreign = Project.objects.filter(investor_kind=InvestorKind.FOREIGN)
        assert 0.05 * Project.objects.count() <= foreign.count() <= 0.2 * Project.objects.count()
        for project in foreign:
            assert project.foreign_capital is not None
            assert project.foreign_capital < project.contracted_investment
            assert not project.investor_origin.endswith(("省", "市")), project.investor_origin
        domestic = Project.objects.filter(investor_kind=InvestorKind.DOMESTIC)
        assert not domestic.filter(foreign_capital__isnull=False).exists()

    def test_each_projects_industry_fits_its_leading_industry(self, demo):
        assert list(LeadingIndustry.objects.values_list("name", flat=True)) == list(
            FITTING_DIVISIONS
        )
        for name, code in Project.objects.filter(leading_industry__isnull=False).values_list(
            "leading_industry__name", "industry__code"
        ):
            assert code in FITTING_DIVISIONS[name], (name, code)
        tags = Counter(Project.objects.values_list("leading_industry__name", flat=True))
        assert all(tags[name] >= 10 for name in FITTING_DIVISIONS)

    def test_registered_companies_have_a_valid_and_unique_code(self, demo):
        registered = Project.objects.filter(
            stage__in=SIGNED_STAGES[1:], merged_into__isnull=True
        ).exclude(duplicate_checks__reason=DuplicateReason.USCC)
        assert not registered.filter(uscc="").exists()
        for project in registered:
            project.full_clean()  # the code's check character included
        codes = [code for code in Project.objects.values_list("uscc", flat=True) if code]
        assert len(codes) - len(set(codes)) == 1  # the one duplicate left to screen

    def test_terminated_projects_say_why(self, demo):
        terminated = Project.objects.filter(stage=Stage.TERMINATED)
        assert 3 <= terminated.count() <= 15
        assert not terminated.filter(termination_reason="").exists()
        assert not terminated.filter(terminated_on__isnull=True).exists()
        assert terminated.filter(signed_on__isnull=False).exists()
        assert not Project.objects.counted(2026).filter(stage=Stage.TERMINATED).exists()

    def test_a_handful_of_duplicates_wait_for_screening_and_two_are_decided(self, demo):
        checks = DuplicateCheck.objects.select_related("project", "candidate")
        open_checks = checks.filter(status=DuplicateStatus.OPEN)
        assert 3 <= open_checks.count() <= 5
        assert {check.reason for check in open_checks} == set(DuplicateReason)
        for check in open_checks:
            assert check.project.responsible_unit_id != check.candidate.responsible_unit_id
            if check.reason == DuplicateReason.INVESTOR_NAME:
                assert check.project.investor_name == check.candidate.investor_name
            else:
                assert check.project.uscc == check.candidate.uscc != ""
        distinct = checks.get(status=DuplicateStatus.DISTINCT)
        merged = checks.get(status=DuplicateStatus.MERGED)
        assert distinct.note and merged.note
        assert merged.project.merged_into == merged.candidate
        assert distinct.decided_by == merged.decided_by == User.objects.get(username="supervisor")
        counted = Project.objects.counted(2026)
        assert not counted.filter(pk__in=[c.project_id for c in open_checks]).exists()
        assert not counted.filter(pk=merged.project_id).exists()

    def test_capital_increases_count_in_the_amount_but_not_as_projects(self, demo):
        increases = Project.objects.filter(is_capital_increase=True)
        assert 2 <= increases.count() <= 3
        assert all(project.uscc for project in increases)
        counted = Project.objects.counted(2026)
        totals = counted.totals()
        assert totals["capital_increases"] == counted.filter(is_capital_increase=True).count() >= 1
        assert totals["count"] == counted.filter(is_capital_increase=False).count()

    def test_every_project_was_built_through_the_actions_by_the_supervisor(self, demo):
        supervisor = User.objects.get(username="supervisor")
        first_versions = Project.history.filter(history_type="+")
        assert first_versions.count() == Project.objects.count()
        assert set(Project.history.values_list("history_user", flat=True)) == {supervisor.pk}
        assert set(StageEvent.objects.values_list("actor", flat=True)) == {supervisor.pk}
        moved = StageEvent.objects.exclude(from_stage="").values_list("project", flat=True)
        assert len(set(moved)) >= 200  # most went through their stages one by one
        for project in Project.objects.exclude(stage=Stage.TERMINATED):
            events = list(project.stage_events.order_by("pk").values_list("to_stage", flat=True))
            assert events[-1] == project.stage

    def test_reached_milestones_have_their_date_and_evidence_where_the_template_asks(self, demo):
        reached = [
            milestone
            for milestone in Milestone.objects.select_related("project").prefetch_related(
                "evidence"
            )
            if milestone.is_reached and milestone.project.stage != Stage.TERMINATED
        ]
        assert len(reached) >= 200
        for milestone in reached:
            assert milestone.actual_on == milestone.project.stage_date(milestone.stage)
            if milestone.requires_evidence:
                files = list(milestone.evidence.all())
                assert files and files[0].file.name.endswith(".pdf")
                assert (Path(demo["media"]) / files[0].file.name).read_bytes().startswith(b"%PDF")

    def test_each_leader_is_linked_to_large_signed_projects(self, demo):
        project_type = ContentType.objects.get_for_model(Project)
        linked: dict[str, list[Project]] = {}
        for link in Link.objects.filter(content_type=project_type).select_related("leader"):
            linked.setdefault(link.leader.name, []).append(Project.objects.get(pk=link.object_id))
            assert link.unit_id == Project.objects.get(pk=link.object_id).responsible_unit_id
        assert set(linked) == {"李明华", "王建国", "赵志刚", "陈卫东"}
        for projects in linked.values():
            assert len(projects) >= 3
            for project in projects:
                assert project.signed_on is not None
                assert project.major_class is not None

    def test_projects_are_spread_over_towns_subdistricts_platforms_and_a_few_departments(
        self, demo
    ):
        by_kind = Counter(Project.objects.values_list("responsible_unit__kind", flat=True))
        towns = Unit.objects.filter(kind__in=[UnitKind.SUBDISTRICT, UnitKind.TOWN])
        assert towns.count() == 18
        assert not towns.exclude(projects__isnull=False).exists()  # every one has some
        assert 1 <= by_kind[UnitKind.DEPARTMENT] <= 20
        assert set(by_kind) == {UnitKind.SUBDISTRICT, UnitKind.TOWN, UnitKind.DEPARTMENT}
        platforms = Counter(
            Project.objects.filter(platform__isnull=False).values_list("platform__name", flat=True)
        )
        assert set(platforms) == {"青山湖科技城", "微纳智造小镇", "天目医药港"}

    def test_the_demo_negative_list_is_loaded_and_no_project_is_prohibited(self, demo):
        assert NegativeListItem.objects.filter(kind=NegativeKind.PROHIBITED).exists()
        assert NegativeListItem.objects.filter(kind=NegativeKind.LICENSED).exists()
        for industry in Industry.objects.filter(projects__isnull=False).distinct():
            kinds = {item.kind for item in negative_items(industry)}
            assert NegativeKind.PROHIBITED not in kinds, industry

    def test_running_the_demo_again_changes_nothing(self, demo):
        def state() -> tuple[int, ...]:
            return (
                Project.objects.count(),
                Project.history.count(),
                Milestone.objects.count(),
                StageEvent.objects.count(),
                Evidence.objects.count(),
                DuplicateCheck.objects.count(),
                Link.objects.count(),
                LeadingIndustry.objects.count(),
                NegativeListItem.objects.count(),
                sum(1 for path in Path(demo["media"]).rglob("*") if path.is_file()),
            )

        before = state()
        output = _load()
        assert "already loaded" in output
        assert state() == before
