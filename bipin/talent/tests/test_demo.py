"""Talent's part of the demo: ~250 talents across the tiers, built through the actions,
valid personal data, dates that have happened, the same for the same seed, loaded once.

The district demo is loaded once for the tests of the class (inside a transaction rolled
back at the end), as the projects' demo tests do.
"""

from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

from bipin.conftest import District
from bipin.core.demo import DemoContext, load_demo
from bipin.enterprises.models import Enterprise
from bipin.org.choices import UnitKind
from bipin.org.models import User
from bipin.projects.demo import demo_today
from bipin.talent.choices import HIGH_LEVEL, Employment, Tier
from bipin.talent.demo import DISTRICT_TIERS, TalentDemo
from bipin.talent.models import Talent
from bipin.talent.personal import validate_id_number, validate_phone

COLUMNS = (
    "code", "name", "tier", "field", "employer__uscc", "introducing_unit__code", "introduced_on",
    "employment", "settled", "settled_on", "project_name", "project_funding", "project_stage",
    "status", "phone", "id_number",
)  # fmt: skip


def _load(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def _fresh_demo(seed: int) -> list[tuple[Any, ...]]:
    with transaction.atomic():
        load_demo(scale="district", seed=seed, out=StringIO())
        made = list(Talent.objects.order_by("code").values_list(*COLUMNS))
        transaction.set_rollback(True)
    return made


def test_the_same_seed_gives_the_same_talents(db: None, tmp_path: Any) -> None:
    with override_settings(MEDIA_ROOT=tmp_path):
        first = _fresh_demo(2019)
        again = _fresh_demo(2019)
    assert len(first) == sum(DISTRICT_TIERS.values()) == 250
    assert again == first


@pytest.fixture(scope="class")
def demo(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The district demo, loaded once for the tests of a class, then rolled back."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        yield {"output": _load()}
        transaction.set_rollback(True)


@pytest.mark.usefixtures("db")
class TestTheDistrictDemo:
    def test_it_has_250_talents_few_at_the_top_many_graduates(self, demo: Any) -> None:
        tiers = Counter(Talent.objects.values_list("tier", flat=True))
        assert tiers == Counter(DISTRICT_TIERS)
        assert tiers[Tier.A] + tiers[Tier.B] < tiers[Tier.C] < tiers[Tier.D] < tiers[Tier.E]
        high = sum(tiers[tier] for tier in HIGH_LEVEL)
        assert high < sum(tiers.values()) - high  # more graduates than high-level talents
        assert "talent: 250 talents" in demo["output"]

    def test_every_talent_has_an_employer_of_record_and_valid_personal_data(
        self, demo: Any
    ) -> None:
        talents = list(Talent.objects.select_related("employer"))
        assert all(talent.employer.pk for talent in talents)
        for talent in talents:
            validate_phone(talent.phone)
            validate_id_number(talent.id_number)
        assert len({talent.phone for talent in talents}) == len(talents)
        assert len({talent.id_number for talent in talents}) == len(talents)
        area_codes = Counter(talent.id_number[:6] for talent in talents)
        assert area_codes.most_common(1)[0][0] == "330185"

    def test_birth_dates_fit_the_tiers(self, demo: Any) -> None:
        for tier, number, introduced in Talent.objects.values_list(
            "tier", "id_number", "introduced_on"
        ):
            age = introduced.year - int(number[6:10])
            assert (22 <= age <= 24) if tier == Tier.BACHELOR else (25 <= age <= 66), (tier, age)

    def test_dates_have_happened_and_settling_follows_the_introduction(self, demo: Any) -> None:
        today = demo_today()
        assert not Talent.objects.filter(introduced_on__gt=today).exists()
        assert not Talent.objects.filter(settled_on__gt=today).exists()
        settled = Talent.objects.filter(settled=True)
        assert 80 <= settled.count() <= 170
        for talent in settled:
            assert talent.settled_on is not None and talent.settled_on >= talent.introduced_on
        assert not Talent.objects.filter(settled=False, settled_on__isnull=False).exists()
        years = Counter(Talent.objects.values_list("introduced_on__year", flat=True))
        assert len(years) >= 5 and years[2025] > years[2021]

    def test_top_talents_bring_funded_projects_and_come_flexibly_more_often(
        self, demo: Any
    ) -> None:
        assert not Talent.objects.filter(tier=Tier.A, project_name="").exists()
        funded = Talent.objects.exclude(project_name="")
        assert 15 <= funded.count() <= 60
        assert all(t.project_funding and t.project_funding > 0 for t in funded)
        assert not Talent.objects.filter(project_name="", project_funding__isnull=False).exists()
        flexible = Talent.objects.filter(employment=Employment.FLEXIBLE)
        assert flexible.exists()
        assert not flexible.exclude(tier__in=HIGH_LEVEL).exists()

    def test_towns_departments_and_platforms_introduce_them(self, demo: Any) -> None:
        kinds = Counter(Talent.objects.values_list("introducing_unit__kind", flat=True))
        assert kinds[UnitKind.SUBDISTRICT] + kinds[UnitKind.TOWN] >= 150
        assert kinds[UnitKind.DEPARTMENT] >= 10 and kinds[UnitKind.PLATFORM] >= 5
        jincheng = Talent.objects.filter(introducing_unit__name="锦城街道")
        assert jincheng.exists()
        # A town's talents mostly work for the town's own enterprises.
        own = jincheng.filter(employer__unit__name="锦城街道").count()
        assert own >= 0.8 * jincheng.count()

    def test_every_talent_was_entered_through_the_actions_by_the_supervisor(
        self, demo: Any
    ) -> None:
        supervisor = User.objects.get(username="supervisor")
        assert Talent.history.filter(history_type="+").count() == Talent.objects.count()
        assert set(Talent.history.values_list("history_user", flat=True)) == {supervisor.pk}
        codes = list(Talent.objects.values_list("code", "introduced_on"))
        assert all(code.startswith(f"RC{day.year}-") for code, day in codes)

    def test_a_clerk_of_jincheng_sees_jinchengs_talents_only(self, demo: Any) -> None:
        clerk = User.objects.get(username="clerk_jincheng")
        visible = Talent.objects.restrict(clerk)
        assert visible.exists()
        assert set(visible.values_list("introducing_unit__name", flat=True)) <= {"锦城街道"}

    def test_running_the_demo_again_changes_nothing(self, demo: Any) -> None:
        before = (Talent.objects.count(), Talent.history.count(), Enterprise.objects.count())
        assert "already loaded" in _load()
        assert (Talent.objects.count(), Talent.history.count(), Enterprise.objects.count()) == (
            before
        )


def test_the_larger_scales_give_one_or_two_talents_a_town(district: District) -> None:
    """The step's region path, on the test district's towns (a whole city takes long)."""
    units = {unit.code: unit for unit in (district.town_a, district.town_b, district.office)}
    out = StringIO()
    context = DemoContext(scale="city", seed=7, out=out)
    context.made["units"] = units
    TalentDemo().generate(context)
    # No enterprise existed: the step entered a few for each town.
    assert Enterprise.objects.filter(unit=district.town_a).exists()
    assert Enterprise.objects.filter(unit=district.town_b).exists()
    talents = Talent.objects.select_related("employer")
    assert 1 <= talents.count() <= 4
    for talent in talents:
        assert talent.introducing_unit in (district.town_a, district.town_b)
        assert talent.employer.unit == talent.introducing_unit
        validate_id_number(talent.id_number)
    assert "talent: " in out.getvalue()
