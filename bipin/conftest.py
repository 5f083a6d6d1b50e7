"""The shared test base: a small district and its named test users (STYLE.md, "Tests").

town_a is 锦城街道 and town_b 於潜镇, as in the demo, so that a test reads like the issue:
clerk_a (锦城) opens what clerk_b (於潜) gets 404 for.
"""

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from bipin.core.choices import Role
from bipin.org.choices import UnitKind
from bipin.org.models import Group, GroupMember, Link, Unit, User

PASSWORD = "test-password-9x!"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    """Tests render pages without running collectstatic first (and WhiteNoise looks for
    no collected files)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = None
    # Argon2 is what production uses; tests create many users and need no slow hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class District:
    """The units and people every test can use."""

    def __init__(self) -> None:
        self.district = Unit.objects.create(
            kind=UnitKind.DISTRICT, code="330112", name="临安区", short_name="临安"
        )
        self.town_a = Unit.objects.create(
            kind=UnitKind.SUBDISTRICT,
            code="330112001",
            name="锦城街道",
            short_name="锦城",
            parent=self.district,
            order=1,
        )
        self.town_b = Unit.objects.create(
            kind=UnitKind.TOWN,
            code="330112102",
            name="於潜镇",
            short_name="於潜",
            parent=self.district,
            order=102,
        )
        self.village_a = Unit.objects.create(
            kind=UnitKind.PLATFORM,
            code="330112-P09",
            name="锦城数字小镇",
            short_name="数字小镇",
            parent=self.town_a,
            order=1,
        )
        self.office = Unit.objects.create(
            kind=UnitKind.DEPARTMENT,
            code="330112-D01",
            name="区发展和改革局",
            short_name="发改局",
            parent=self.district,
            order=201,
        )
        self.statistics = Unit.objects.create(
            kind=UnitKind.DEPARTMENT,
            code="330112-D02",
            name="区统计局",
            short_name="统计局",
            parent=self.district,
            order=202,
        )
        self.supervisor = self._user("supervisor", "督查员", self.office, Role.SUPERVISOR)
        self.leader = self._user("leader", "李明华", self.district, Role.LEADER)
        self.manager_a = self._user("manager_a", "锦城主任", self.town_a, Role.UNIT_MANAGER)
        self.clerk_a = self._user("clerk_a", "锦城填报员", self.town_a, Role.UNIT_CLERK)
        self.clerk_b = self._user("clerk_b", "於潜填报员", self.town_b, Role.UNIT_CLERK)
        self.provider = self._user("provider", "统计员", self.statistics, Role.DATA_PROVIDER)
        self.viewer = self._user("viewer", "大屏", self.district, Role.VIEWER)
        self.group = Group.objects.create(year=2026, code="towns", name="乡镇组", order=1)
        GroupMember.objects.create(group=self.group, unit=self.town_a, year=2026)
        GroupMember.objects.create(group=self.group, unit=self.town_b, year=2026)
        unit_type = ContentType.objects.get_for_model(Unit)
        self.link_a = Link.objects.create(
            leader=self.leader,
            content_type=unit_type,
            object_id=self.town_a.pk,
            unit=self.town_a,
            duty="联系镇街",
            started_on=date(2026, 1, 1),
        )
        self.link_b = Link.objects.create(
            leader=self.leader,
            content_type=unit_type,
            object_id=self.town_b.pk,
            unit=self.town_b,
            duty="联系镇街",
            started_on=date(2026, 1, 1),
        )

    @staticmethod
    def _user(username: str, name: str, unit: Unit, role: str) -> User:
        return User.objects.create_user(
            username=username, password=PASSWORD, name=name, unit=unit, role=role
        )

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def district(db: None) -> District:
    return District()


@pytest.fixture
def login(district: District) -> Iterator[Any]:
    """`login(district.clerk_a)` gives a client signed in as that user."""
    yield district.client_for
