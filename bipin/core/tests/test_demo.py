"""The deterministic demo generator: Lin'an, and the larger scales for benchmarks."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from bipin.core.demo import DEMO_PASSWORD
from bipin.org.choices import UnitKind
from bipin.org.models import Group, Link, Unit, User

DEMO_ACCOUNTS = [
    "supervisor",
    "leader1",
    "manager_jincheng",
    "clerk_jincheng",
    "clerk_yuqian",
    "clerk_shangwu",
    "provider_tongji",
    "viewer",
]


def load(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_district_demo_is_linan(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    output = load()
    district = Unit.objects.get(kind=UnitKind.DISTRICT)
    assert district.name == "临安区"
    counts = {kind: Unit.objects.filter(kind=kind).count() for kind in UnitKind.values}
    assert counts == {
        "province": 0,
        "city": 0,
        "district": 1,
        "subdistrict": 5,
        "town": 13,
        "department": 13,
        "platform": 3,
    }
    assert set(
        Unit.objects.filter(kind=UnitKind.SUBDISTRICT).values_list("short_name", flat=True)
    ) == {"锦城", "锦北", "锦南", "玲珑", "青山湖"}
    groups = {group.name: group.members.count() for group in Group.objects.filter(year=2026)}
    assert groups == {"街道组": 5, "乡镇组": 13, "部门组": 13, "平台组": 3}
    assert set(User.objects.filter(role="leader").values_list("name", flat=True)) == {
        "李明华",
        "王建国",
        "赵志刚",
        "陈卫东",
    }
    assert Link.objects.filter(content_type__model="unit").count() == 21
    for username in DEMO_ACCOUNTS:
        assert username in output
        signed_in = Client().post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302, username
    assert User.objects.get(username="supervisor").password.startswith("argon2")
    # Only the demo accounts can sign in.
    assert not User.objects.get(username="clerk_taihuyuan").has_usable_password()
    assert User.objects.get(username="clerk_jincheng").unit.name == "锦城街道"
    assert User.objects.get(username="clerk_yuqian").unit.name == "於潜镇"
    # The demo data carries its history like any other change.
    assert Unit.objects.get(short_name="锦城").history.get().history_change_reason == "演示数据"


@pytest.mark.django_db
def test_running_the_demo_again_changes_nothing():
    load()
    before = (Unit.objects.count(), User.objects.count(), Unit.history.count())
    output = load()
    assert "already loaded" in output
    assert "clerk_jincheng" in output
    assert (Unit.objects.count(), User.objects.count(), Unit.history.count()) == before


# --reset flushes, which PostgreSQL refuses inside a transaction; the serialized rollback
# puts the shipped reference data (industries, roadmap template) back for later tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_seed_gives_the_same_people():
    load("--seed", "7")
    first = list(User.objects.order_by("username").values_list("username", "name", "phone"))
    load("--reset", "--seed", "7")
    assert list(User.objects.order_by("username").values_list("username", "name", "phone")) == first
    load("--reset", "--seed", "8")
    assert list(User.objects.order_by("username").values_list("username", "name", "phone")) != first


@pytest.mark.django_db
def test_the_city_scale_builds_thirteen_districts():
    load("--scale", "city")
    assert Unit.objects.filter(kind=UnitKind.DISTRICT).count() == 13
    assert Unit.objects.count() == 1 + 13 + 13 * 35  # the city, its bureaus, its districts
    assert Group.objects.count() == 13 * 4
    assert not User.objects.filter(username="supervisor").exists()  # no demo accounts


@pytest.mark.django_db
def test_the_province_scale_has_about_1500_units():
    load("--scale", "province")
    assert Unit.objects.filter(kind=UnitKind.CITY).count() == 11
    assert 1400 <= Unit.objects.count() <= 1600
