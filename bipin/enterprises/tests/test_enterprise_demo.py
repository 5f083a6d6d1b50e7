"""The enterprises' part of the Lin'an demo: ~400 enterprises with valid codes across the
district's towns and subdistricts, entered through the actions, the same for the same seed,
loaded once, and at every scale and after `--reset` (the whole demo at the province scale
and after a reset runs in core's demo tests).

Loading the demo takes seconds, so the tests that read it share one load (the class
fixture below), inside a transaction that is rolled back when the class is done.
"""

import math
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

from bipin.core.demo import DemoContext
from bipin.core.uscc import validate_uscc
from bipin.enterprises.choices import Size
from bipin.enterprises.demo.enterprises import EnterprisesDemo
from bipin.enterprises.models import LOCAL_UNIT_KINDS, Enterprise
from bipin.org.demo import OrgDemo
from bipin.org.models import Link, Unit, User
from bipin.projects.models import Industry, Project

#: The divisions of the projects demo's leading industries (数字经济, 生物医药, 高端装备,
#: 新材料, 文旅康养, 现代服务业).
LEADING_DIVISIONS = {
    "39", "65", "64", "27", "35", "73", "34", "38", "40", "26", "29", "30", "32", "61", "84",
    "85", "88", "90", "51", "72", "74",
}  # fmt: skip
_MOUNTAIN_TOWNS = ("天目山", "太湖源", "湍口", "清凉峰", "龙岗", "河桥")
COLUMNS = (
    "uscc", "name", "industry__code", "unit__code", "size", "is_key", "land_area", "employees",
    "address",
)  # fmt: skip


def _load(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def _fingerprint() -> dict[str, Any]:
    """What the step made, without database ids."""
    enterprise_type = ContentType.objects.get_for_model(Enterprise)
    codes = dict(Enterprise.objects.values_list("pk", "uscc"))
    return {
        "enterprises": list(Enterprise.objects.order_by("uscc").values_list(*COLUMNS)),
        "links": sorted(
            (leader, codes[object_id], started_on)
            for leader, object_id, started_on in Link.objects.filter(
                content_type=enterprise_type
            ).values_list("leader__username", "object_id", "started_on")
        ),
    }


@pytest.fixture(scope="class")
def demo(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The district demo, loaded once for the tests of a class, then rolled back."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        output = _load()
        yield {"output": output, "fingerprint": _fingerprint()}
        transaction.set_rollback(True)


@pytest.mark.usefixtures("db")
class TestTheDistrictDemo:
    def test_it_has_about_400_enterprises_in_every_town_and_subdistrict(self, demo):
        count = Enterprise.objects.count()
        assert 370 <= count <= 430
        assert "enterprises: " in demo["output"]
        towns = Unit.objects.filter(kind__in=LOCAL_UNIT_KINDS)
        assert towns.count() == 18
        per_town = Counter(Enterprise.objects.values_list("unit__short_name", flat=True))
        assert set(per_town) == set(towns.values_list("short_name", flat=True))
        # The subdistricts, 青山湖 first, hold more than the mountain towns.
        assert per_town.most_common(1)[0][0] == "青山湖"
        assert per_town["锦城"] > per_town["岛石"]

    def test_every_code_is_a_valid_and_unique_code_of_the_district(self, demo):
        codes = list(Enterprise.objects.values_list("uscc", flat=True))
        assert len(set(codes)) == len(codes)
        for code in codes:
            validate_uscc(code)
            assert code.startswith("91330185"), code

    def test_names_are_unique_and_read_like_companies(self, demo):
        names = list(Enterprise.objects.values_list("name", flat=True))
        assert len(set(names)) == len(names)
        assert all(name.endswith(("有限公司", "股份有限公司")) for name in names)

    def test_industries_are_divisions_weighted_towards_the_leading_industries(self, demo):
        divisions = Counter(Enterprise.objects.values_list("industry__code", flat=True))
        assert Enterprise.objects.filter(industry__section__isnull=True).count() == 0
        leading = sum(count for code, count in divisions.items() if code in LEADING_DIVISIONS)
        assert leading / sum(divisions.values()) > 0.5
        assert len(divisions) >= 20
        # Lin'an's own: hickory nuts and bamboo, resorts in the mountains.
        assert divisions["13"] and divisions["20"] and divisions["61"]
        mountains = Enterprise.objects.filter(unit__short_name__in=_MOUNTAIN_TOWNS)
        resorts = ("61", "90")
        share = mountains.filter(industry__code__in=resorts).count() / mountains.count()
        overall = Enterprise.objects.filter(industry__code__in=resorts).count() / sum(
            divisions.values()
        )
        assert share > 1.5 * overall

    def test_about_a_third_are_above_scale_with_the_employees_and_land_of_their_size(self, demo):
        above = Enterprise.objects.filter(size=Size.ABOVE_SCALE)
        below = Enterprise.objects.filter(size=Size.BELOW_SCALE)
        assert 0.25 <= above.count() / Enterprise.objects.count() <= 0.5
        assert all(20 <= e.employees <= 3000 for e in above)
        assert all(3 <= e.employees <= 120 for e in below)
        median_above = sorted(e.employees for e in above)[above.count() // 2]
        median_below = sorted(e.employees for e in below)[below.count() // 2]
        assert median_above > 3 * median_below
        factories = above.filter(industry__code__gte="13", industry__code__lte="43")
        assert factories.filter(land_area__isnull=False).count() / factories.count() > 0.85
        assert all(
            Decimal(0) < e.land_area <= 400 for e in Enterprise.objects.exclude(land_area=None)
        )
        assert Enterprise.objects.filter(land_area__isnull=True).exists()  # renting offices

    def test_about_sixty_are_key_enterprises_mostly_above_scale(self, demo):
        key = Enterprise.objects.filter(is_key=True)
        assert 55 <= key.count() <= 65
        assert key.filter(size=Size.ABOVE_SCALE).count() >= key.count() - 6
        assert key.filter(size=Size.BELOW_SCALE).exists()  # 专精特新

    def test_the_four_leaders_are_linked_to_key_enterprises_through_the_link_action(self, demo):
        links = Link.objects.filter(content_type__model="enterprise").select_related("leader")
        leaders = Counter(link.leader.name for link in links)
        assert set(leaders) == {"李明华", "王建国", "赵志刚", "陈卫东"}
        assert all(3 <= count <= 6 for count in leaders.values())
        linked = Enterprise.objects.filter(pk__in=links.values("object_id"))
        assert all(enterprise.is_key for enterprise in linked)
        for link in links:
            assert link.unit_id == Enterprise.objects.get(pk=link.object_id).unit_id
            assert link.history.get().history_change_reason == "演示数据"
            assert link.ended_on is None

    def test_every_enterprise_was_entered_through_the_action_by_the_supervisor(self, demo):
        supervisor = User.objects.get(username="supervisor")
        versions = Enterprise.history.filter(history_type="+")
        assert versions.count() == Enterprise.objects.count()
        assert set(versions.values_list("history_user", flat=True)) == {supervisor.pk}
        assert set(versions.values_list("history_change_reason", flat=True)) == {"演示数据"}
        # The only later versions: the 2025 亩均 evaluation's classes, set when published.
        later = Enterprise.history.exclude(history_type="+")
        assert set(later.values_list("history_change_reason", flat=True)) == {
            "2025年度亩均评价发布"
        }

    def test_the_capital_increases_of_the_projects_demo_are_of_its_enterprises(self, demo):
        increases = Project.objects.filter(is_capital_increase=True).exclude(uscc="")
        assert increases.exists()
        for project in increases:
            enterprise = Enterprise.objects.get(uscc=project.uscc)
            assert enterprise.name == project.investor_name
            assert enterprise.unit_id == project.responsible_unit_id

    def test_running_the_demo_again_changes_nothing(self, demo):
        versions = Enterprise.history.count()
        output = _load()
        assert "already loaded" in output
        assert _fingerprint() == demo["fingerprint"]
        assert Enterprise.history.count() == versions
        assert Enterprise.history.filter(history_type="+").count() == len(
            demo["fingerprint"]["enterprises"]
        )


def _step(scale: str, seed: int, *, org: bool = True) -> DemoContext:
    """The org step (unless loaded already) and this step alone, without the others: the
    step's output depends only on the random source it is handed."""
    context = DemoContext(scale=scale, seed=seed, out=StringIO())
    if org:
        OrgDemo().generate(context)
    else:
        context.made["units"] = {unit.code: unit for unit in Unit.objects.all()}
    EnterprisesDemo().generate(context)
    return context


def test_the_same_seed_gives_the_same_enterprises_and_another_seed_others(db):
    OrgDemo().generate(DemoContext(scale="district", seed=2019, out=StringIO()))

    def fresh(seed: int) -> dict[str, Any]:
        with transaction.atomic():
            _step("district", seed, org=False)
            made = _fingerprint()
            transaction.set_rollback(True)
        return made

    first = fresh(2019)
    assert len(first["enterprises"]) >= 370 and first["links"]
    assert fresh(2019) == first
    assert fresh(7)["enterprises"] != first["enterprises"]


def test_the_step_puts_back_the_industries_a_reset_emptied(db):
    """`bipin demo --reset` flushes every table, also what the migrations loaded; the
    whole demo after a reset is run by core's demo tests."""
    Industry.objects.filter(section__isnull=False).delete()
    Industry.objects.all().delete()
    _step("district", 2019)
    assert Industry.objects.filter(section__isnull=False).count() == 97
    assert 370 <= Enterprise.objects.count() <= 430


@pytest.mark.django_db
def test_the_city_scale_has_enterprises_in_every_town_entered_by_its_clerk():
    context = _step("city", 2019)
    assert "enterprises: " in context.out.getvalue()  # type: ignore[attr-defined]
    towns = Unit.objects.filter(kind__in=LOCAL_UNIT_KINDS)
    per_town = Counter(Enterprise.objects.values_list("unit_id", flat=True))
    assert set(per_town) == set(towns.values_list("pk", flat=True))
    assert all(2 <= count <= 5 for count in per_town.values())
    for enterprise in Enterprise.objects.all():
        validate_uscc(enterprise.uscc)
    version = Enterprise.history.select_related("history_user").first()
    assert version.history_user.role == "unit_clerk"
    assert version.history_user.unit_id == version.unit_id
    # A key enterprise now and then, all above the threshold; no leaders to link.
    key = Enterprise.objects.filter(is_key=True)
    assert key.exists() and not key.filter(size=Size.BELOW_SCALE).exists()
    assert math.isclose(Enterprise.objects.count() / towns.count(), 3.5, abs_tol=0.5)
    assert not Link.objects.filter(content_type__model="enterprise").exists()
