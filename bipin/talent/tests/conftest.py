"""Talents of the test district: an enterprise in each town, 锦城's talent and 於潜's, each
entered through the actions, with their personal data."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bipin.conftest import District
from bipin.core.uscc import check_character
from bipin.enterprises.actions import do_create_enterprise
from bipin.enterprises.choices import Size
from bipin.enterprises.models import Enterprise
from bipin.org.models import Unit, User
from bipin.projects.models import Industry
from bipin.talent import actions
from bipin.talent.choices import Employment, ProjectStage, Tier
from bipin.talent.models import Talent
from bipin.talent.personal import id_check_character

TODAY = timezone.localdate()
INTRODUCED = TODAY - timedelta(days=40)
#: 锦城's talent's personal data, and how others see it.
PHONE_A = "13812345678"
PHONE_A_MASKED = "138****5678"
ID_A = "330185198507150318"
ID_A_MASKED = "3301**********0318"
PHONE_B = "13966668888"
ID_B = "330185199203040026"


def uscc(first17: str) -> str:
    return first17 + check_character(first17)


def id_number(first17: str) -> str:
    return first17 + id_check_character(first17)


def make_enterprise(district: District, unit: Unit, name: str, first17: str) -> Enterprise:
    return do_create_enterprise(
        actor=district.supervisor,
        uscc=uscc(first17),
        name=name,
        industry=Industry.objects.get(code="39"),
        unit=unit,
        size=Size.ABOVE_SCALE,
    )


def make_talent(district: District, *, actor: User | None = None, **fields: Any) -> Talent:
    """A talent entered through the action, by default 锦城's."""
    values: dict[str, Any] = {
        "name": "张晓明",
        "tier": Tier.C,
        "field": "集成电路",
        "employer": Enterprise.objects.get(unit=district.town_a),
        "introducing_unit": district.town_a,
        "introduced_on": INTRODUCED,
        "employment": Employment.FULL_TIME,
        "phone": PHONE_A,
        "id_number": ID_A,
    }
    values.update(fields)
    return actions.do_create_talent(actor=actor or district.supervisor, **values)


@pytest.fixture
def enterprises(district: District) -> dict[str, Enterprise]:
    return {
        "a": make_enterprise(
            district, district.town_a, "杭州锦城微电子有限公司", "91330185MA2H0AB12"
        ),
        "b": make_enterprise(
            district, district.town_b, "杭州於潜竹业有限公司", "91330185MA2H0CD34"
        ),
    }


@pytest.fixture
def talent_a(district: District, enterprises: dict[str, Enterprise]) -> Talent:
    return make_talent(
        district,
        settled=True,
        settled_on=INTRODUCED + timedelta(days=10),
        project_name="车规级芯片研发及产业化项目",
        project_funding=Decimal("300"),
        project_stage=ProjectStage.APPROVED,
    )


@pytest.fixture
def talent_b(district: District, enterprises: dict[str, Enterprise]) -> Talent:
    return make_talent(
        district,
        name="李雨桐",
        tier=Tier.MASTER,
        field="林学",
        employer=enterprises["b"],
        introducing_unit=district.town_b,
        phone=PHONE_B,
        id_number=ID_B,
    )
