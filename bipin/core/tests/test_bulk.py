"""The bulk writes of the imports write what Django's bulk_create and simple-history's
bulk_create_with_history write, row for row."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from simple_history.utils import bulk_create_with_history

from bipin.core import bulk
from bipin.core.history import record_versions
from bipin.org.actions import do_create_links
from bipin.org.models import Link
from bipin.projects.choices import Channel, InvestorKind, Stage
from bipin.projects.models import Industry, Milestone, Project, StageEvent

#: What differs between two copies of one project written by two routes.
_OWN = {"id", "code", "created_at"}


def _projects(district, prefix: str) -> list[Project]:
    industry = Industry.objects.filter(section__isnull=False).order_by("code").first()
    return [
        Project(
            code=f"{prefix}-1",
            name="年产 10 万台 装备 项目",
            investor_name="杭州天目精工有限公司",
            investor_origin="上海市",
            investor_kind=InvestorKind.DOMESTIC,  # a TextChoices member, a str subclass
            channel=Channel.PLATFORM,
            contracted_investment=Decimal("12345.67"),
            fixed_asset_investment=None,
            foreign_capital=Decimal("0"),
            industry=industry,  # assigned as an object
            responsible_unit_id=district.town_a.pk,  # and by its id
            stage=Stage.SIGNED,
            signed_on=date(2026, 3, 31),
            counting_year=2026,
            counting_unit=district.town_a,
            is_capital_increase=True,
            note="",
        ),
        Project(
            code=f"{prefix}-2",
            name="Lead",
            investor_name="Siemens AG",
            investor_origin="德国",
            investor_kind="foreign",  # a plain str
            channel=Channel.OTHER,
            contracted_investment=Decimal(5000),
            foreign_capital=Decimal("1000.5"),
            industry=industry,
            responsible_unit=district.town_b,
            stage=Stage.LEAD,
            is_capital_increase=False,
        ),
    ]


def _stored(code: str) -> dict:
    row = Project.objects.filter(code=code).values().get()
    return {key: value for key, value in row.items() if key not in _OWN}


def test_insert_writes_what_bulk_create_writes_and_sets_the_keys(district):
    ours, django = _projects(district, "OURS"), _projects(district, "DJANGO")
    bulk.insert(ours)
    Project.objects.bulk_create(django)
    for mine, theirs in zip(ours, django, strict=True):
        assert mine.pk is not None and not mine._state.adding
        assert Project.objects.get(pk=mine.pk).code == mine.code
        assert _stored(mine.code) == _stored(theirs.code)
    assert _stored("OURS-1")["contracted_investment"] == Decimal("12345.67")
    assert _stored("OURS-1")["signed_on"] == date(2026, 3, 31)


def test_insert_takes_the_key_of_an_object_saved_after_it_was_assigned(district):
    [project, _] = _projects(district, "LATE")
    milestone = Milestone(project=project, stage=Stage.REGISTERED, planned_on=date(2026, 4, 30))
    bulk.insert([project])  # the project gets its key after the milestone was made
    bulk.insert([milestone])
    assert Milestone.objects.get(pk=milestone.pk).project_id == project.pk


def test_insert_refuses_an_object_whose_related_object_is_not_saved(district):
    [project, _] = _projects(district, "UNSAVED")
    with pytest.raises(ValueError, match="not saved"):
        bulk.insert([Milestone(project=project, stage=Stage.LAND, planned_on=date(2026, 9, 30))])


def test_insert_rows_returns_the_keys_in_order_and_needs_every_column(district):
    bulk.insert(projects := _projects(district, "ROWS"))
    columns = ("project_id", "stage", "planned_on", "actual_on", "requires_evidence", "note")
    keys = bulk.insert_rows(
        Milestone,
        columns,
        [
            (projects[0].pk, Stage.REGISTERED, date(2026, 4, 30), None, False, ""),
            (projects[0].pk, Stage.LAND, date(2026, 9, 30), date(2026, 8, 1), True, "供地"),
        ],
    )
    stored = list(Milestone.objects.filter(pk__in=keys).order_by("pk").values_list(*columns))
    assert [Milestone.objects.get(pk=key).stage for key in keys] == ["registered", "land"]
    assert stored[1] == (projects[0].pk, "land", date(2026, 9, 30), date(2026, 8, 1), True, "供地")
    with pytest.raises(ValueError, match="StageEvent needs every column"):
        bulk.insert_rows(StageEvent, ("project_id", "to_stage"), [(projects[0].pk, "signed")])


def _versions(code: str) -> list[dict]:
    skip = {"history_id", "history_date", "id", "code", "created_at"}
    return [
        {key: value for key, value in row.items() if key not in skip}
        for row in Project.history.filter(code=code).order_by("history_id").values()
    ]


def test_record_versions_records_what_bulk_create_with_history_records(district):
    ours, theirs = _projects(district, "V-OURS"), _projects(district, "V-THEIRS")
    bulk.insert(ours)
    record_versions(Project, [p.pk for p in ours], actor=district.clerk_a, reason="Excel 导入")
    bulk_create_with_history(
        theirs, Project, default_user=district.clerk_a, default_change_reason="Excel 导入"
    )
    for mine, other in zip(ours, theirs, strict=True):
        assert _versions(mine.code) == _versions(other.code)
        assert _versions(mine.code)[0]["history_type"] == "+"
        assert _versions(mine.code)[0]["history_user_id"] == district.clerk_a.pk


def test_record_versions_of_an_update_and_a_long_reason(district):
    bulk.insert(projects := _projects(district, "V-UPDATE"))
    Project.objects.filter(pk=projects[0].pk).update(name="改名后的项目")
    record_versions(Project, [projects[0].pk], actor=None, reason="原" * 150, kind="~")
    [version] = _versions("V-UPDATE-1")
    assert version["history_type"] == "~"
    assert version["name"] == "改名后的项目"
    assert version["history_change_reason"] == "原" * 100  # the column holds 100
    assert version["history_user_id"] is None


def test_links_in_a_batch_are_written_with_their_history(district):
    bulk.insert(projects := _projects(district, "LINKS"))
    links = do_create_links(
        actor=district.supervisor,
        pairs=[(district.leader, project, date(2026, 4, 1)) for project in projects],
        duty="项目推进",
        reason="Excel 导入",
    )
    assert {link.object_id for link in links} == {project.pk for project in projects}
    assert {link.unit_id for link in links} == {district.town_a.pk, district.town_b.pk}
    for link in links:
        [version] = link.history.all()
        assert version.history_change_reason == "Excel 导入"
        assert version.history_user_id == district.supervisor.pk


def test_a_pair_linked_already_or_twice_refuses_the_batch(district):
    bulk.insert(projects := _projects(district, "TWICE"))
    before = Link.objects.count()
    pair = (district.leader, projects[0], date(2026, 4, 1))
    with pytest.raises(ValidationError, match="李明华 已挂联“年产 10 万台 装备 项目”"):
        do_create_links(actor=district.supervisor, pairs=[pair, pair])
    assert Link.objects.count() == before
    do_create_links(actor=district.supervisor, pairs=[pair])
    with pytest.raises(ValidationError, match="已挂联"):
        do_create_links(
            actor=district.supervisor,
            pairs=[(district.leader, projects[1], date(2026, 4, 1)), pair],
        )
    assert Link.objects.count() == before + 1


def test_only_a_leader_may_be_linked(district):
    bulk.insert(projects := _projects(district, "NOT-LEADER"))
    with pytest.raises(ValidationError, match="挂联人必须是区领导"):
        do_create_links(
            actor=district.supervisor, pairs=[(district.clerk_a, projects[0], date(2026, 4, 1))]
        )


def test_a_decimal_is_written_as_it_is_and_a_non_finite_one_is_refused(district):
    projects = _projects(district, "DECIMAL")
    projects[0].contracted_investment = Decimal("12345.6700")
    bulk.insert([projects[0]])
    stored = Project.objects.get(pk=projects[0].pk).contracted_investment
    assert stored == Decimal("12345.67")
    # The fast path is for finite Decimals only: NaN goes through the field, which refuses it.
    projects[1].contracted_investment = Decimal("NaN")
    with pytest.raises(ValidationError):
        bulk.insert([projects[1]])
