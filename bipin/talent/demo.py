"""Talent's part of the demo: ~250 talents introduced to Lin'an, or ~1 a town for the
larger scales, built through the actions as the supervisor, the same for the same seed.

The mix a district's talent work has: a few top talents (A, B), more provincial and city
leaders and senior talents (C, D, E), many graduates; most introduced by the towns for their
own enterprises, some by the talent office (人才办) and the science and human-resources
bureaus for enterprises anywhere; the top talents often flexibly (柔性引进), with a start-up
project and its funding; about half of them settled (落户).

Names, phone numbers and ID numbers are generated: the ID numbers are valid (area code,
a fictional birth date, a sequence and the check character of GB 11643-1999), the phone
numbers are valid mobile numbers; no real person is meant.

Employers come from the enterprises step (which runs before this one). Should it have made
none (a scale it does not cover), a few enterprises per town are entered here through the
enterprises' action, so that every talent has an employer of record.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bipin.core.demo import DemoContext, DemoStep
from bipin.core.uscc import CHARSET, check_character
from bipin.enterprises.actions import do_create_enterprise
from bipin.enterprises.choices import Size
from bipin.enterprises.models import Enterprise
from bipin.org.choices import UnitKind
from bipin.org.demo import person_name
from bipin.org.models import Unit, User
from bipin.projects.demo import demo_today
from bipin.projects.models import Industry
from bipin.talent import actions
from bipin.talent.choices import HIGH_LEVEL, Employment, ProjectStage, TalentStatus, Tier
from bipin.talent.models import Talent
from bipin.talent.personal import id_check_character

REASON = "演示数据"
#: How many talents of each tier the district demo has (250 in all): few top talents, more
#: leaders and senior talents, many graduates.
DISTRICT_TIERS = {
    Tier.A: 2, Tier.B: 5, Tier.C: 15, Tier.D: 30, Tier.E: 48,
    Tier.DOCTOR: 22, Tier.MASTER: 55, Tier.BACHELOR: 73,
}  # fmt: skip
#: The weights of the tiers at the larger scales (one or two talents a town).
REGION_WEIGHTS = {
    Tier.A: 1, Tier.B: 2, Tier.C: 6, Tier.D: 12, Tier.E: 19,
    Tier.DOCTOR: 9, Tier.MASTER: 22, Tier.BACHELOR: 29,
}  # fmt: skip
#: The first year talents were introduced in; later years have more.
FIRST_YEAR = 2021
_YEAR_WEIGHTS = (1, 1.5, 2, 3, 4, 4)
#: Ages on introduction, by tier.
_AGES = {
    Tier.A: (45, 65), Tier.B: (38, 58), Tier.C: (35, 55), Tier.D: (32, 50), Tier.E: (30, 45),
    Tier.DOCTOR: (28, 33), Tier.MASTER: (25, 28), Tier.BACHELOR: (22, 24),
}  # fmt: skip
#: The share of each tier introduced flexibly (柔性), and the share with a start-up project
#: and its funding range (万元).
_FLEXIBLE: dict[str, float] = {Tier.A: 0.5, Tier.B: 0.4, Tier.C: 0.25, Tier.D: 0.15, Tier.E: 0.1}
_PROJECTS: dict[str, tuple[float, int, int]] = {
    Tier.A: (1.0, 1000, 5000), Tier.B: (0.8, 500, 2000), Tier.C: (0.5, 200, 800),
    Tier.D: (0.25, 50, 300), Tier.E: (0.1, 20, 100), Tier.DOCTOR: (0.1, 10, 50),
}  # fmt: skip
#: Area codes of the ID numbers: Lin'an's own (330185, before it became a district) and
#: others of Zhejiang and of the provinces talents come from.
AREA_CODES = (
    "330185", "330185", "330185", "330112", "330106", "330102", "330782", "330203",
    "320102", "310104", "420111", "510107", "610113", "370102", "110108", "430104",
)  # fmt: skip
_HIGH_FIELDS = (
    "集成电路", "人工智能", "生物医药", "新材料", "高端装备", "数字经济", "新能源", "精密制造",
    "林学", "竹木精深加工", "中药材", "生态环境", "现代农业", "工业软件", "医疗器械",
)  # fmt: skip
_GRADUATE_FIELDS = (
    "计算机科学与技术", "软件工程", "电子信息", "机械工程", "材料科学与工程", "生物工程",
    "药学", "工商管理", "会计学", "旅游管理", "林学", "环境工程", "市场营销", "自动化",
)  # fmt: skip
_PROJECT_SUFFIXES = ("研发及产业化项目", "关键技术攻关项目", "中试基地项目", "创新中心项目")
#: Departments that introduce talents for enterprises anywhere (by short name).
_DEPARTMENTS = ("人才办", "科技局", "人力社保局")


@dataclass
class _Plan:
    tier: str
    unit: Unit
    introduced_on: date


class TalentDemo(DemoStep):
    name = "talent"

    def is_loaded(self) -> bool:
        return Talent.objects.exists()

    def generate(self, context: DemoContext) -> None:
        supervisor = User.objects.filter(username="supervisor").first() or (
            User.objects.filter(role="supervisor").order_by("pk").first()
        )
        units: dict[str, Unit] = context.made["units"]
        towns = sorted(
            (u for u in units.values() if u.kind in (UnitKind.SUBDISTRICT, UnitKind.TOWN)),
            key=lambda unit: unit.code,
        )
        today = demo_today()
        builder = _Builder(context.rng, today, supervisor)
        builder.ensure_employers(towns)
        if context.scale == "district":
            by_short = {unit.short_name: unit for unit in units.values()}
            departments = [by_short[name] for name in _DEPARTMENTS if name in by_short]
            platforms = [u for u in units.values() if u.kind == UnitKind.PLATFORM]
            plans = builder.district_plans(towns, departments, platforms)
        else:
            plans = builder.region_plans(towns)
        builder.build(plans)
        tiers = Counter(Talent.objects.values_list("tier", flat=True))
        figures = Talent.objects.all().totals()
        context.out.write(
            f"  talent: {figures['count']} talents "
            f"({', '.join(f'{tier} {tiers[tier]}' for tier in Tier if tiers[tier])}), "
            f"{figures['settled_count']} settled, {figures['projects']} start-up projects "
            f"with {figures['funding']} 万元 of funding\n"
        )


class _Builder:
    def __init__(self, rng: random.Random, today: date, actor: Any) -> None:
        self.rng, self.today, self.actor = rng, today, actor
        self.employers: dict[int, list[Enterprise]] = {}
        self.everywhere: list[Enterprise] = []
        self.phones: set[str] = set()
        self.ids: set[str] = set()

    # Employers ------------------------------------------------------------------------------

    def ensure_employers(self, towns: list[Unit]) -> None:
        """The enterprises talents may work for, by town; entered here only where the
        enterprises step made none."""
        if not Enterprise.objects.exists():
            self._fallback_enterprises(towns)
        for enterprise in Enterprise.objects.order_by("uscc"):
            self.employers.setdefault(enterprise.unit_id, []).append(enterprise)
            self.everywhere.append(enterprise)

    def _fallback_enterprises(self, towns: list[Unit]) -> None:
        divisions = list(
            Industry.objects.filter(code__in=("13", "20", "27", "34", "38", "39", "65"))
        )
        words = ("科技", "智能", "生物", "新材料", "精密", "竹木", "电子")
        used: set[str] = set()
        for town in towns:
            for number in range(1, 3):
                while True:
                    body = "".join(self.rng.choice(CHARSET) for _ in range(9))
                    first17 = "91330185" + body
                    code = first17 + check_character(first17)
                    if code not in used:
                        used.add(code)
                        break
                word = words[(len(used) + number) % len(words)]
                do_create_enterprise(
                    actor=self.actor,
                    reason=REASON,
                    uscc=code,
                    name=f"杭州{town.short_name or town.name}{word}有限公司{number}",
                    industry=self.rng.choice(divisions),
                    unit=town,
                    size=Size.ABOVE_SCALE if number == 1 else Size.BELOW_SCALE,
                )

    def _employer(self, unit: Unit) -> Enterprise:
        own = self.employers.get(unit.pk)
        return self.rng.choice(own if own else self.everywhere)

    # Plans ----------------------------------------------------------------------------------

    def _introduced_on(self, tier: str) -> date:
        years = list(range(FIRST_YEAR, self.today.year + 1))
        weights = list(_YEAR_WEIGHTS[: len(years)]) + [4] * max(0, len(years) - len(_YEAR_WEIGHTS))
        if tier not in HIGH_LEVEL:
            weights = [weight * weight for weight in weights]  # graduates: mostly recent
        year = self.rng.choices(years, weights=weights)[0]
        first = date(year, 1, 1)
        last = min(date(year, 12, 31), self.today)
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def district_plans(
        self, towns: list[Unit], departments: list[Unit], platforms: list[Unit]
    ) -> list[_Plan]:
        # The subdistricts of the centre and the science city introduce more.
        weights = [3 if unit.kind == UnitKind.SUBDISTRICT else 1 for unit in towns]
        plans = []
        for tier, count in DISTRICT_TIERS.items():
            for _ in range(count):
                draw = self.rng.random()
                if departments and draw < 0.18:
                    unit = self.rng.choice(departments)
                elif platforms and draw < 0.26:
                    unit = self.rng.choice(platforms)
                else:
                    unit = self.rng.choices(towns, weights=weights)[0]
                plans.append(_Plan(tier, unit, self._introduced_on(tier)))
        return plans

    def region_plans(self, towns: list[Unit]) -> list[_Plan]:
        tiers = list(REGION_WEIGHTS)
        weights = list(REGION_WEIGHTS.values())
        plans = []
        for town in towns:
            for _ in range(self.rng.randint(0, 2)):
                tier = self.rng.choices(tiers, weights=weights)[0]
                plans.append(_Plan(tier, town, self._introduced_on(tier)))
        return plans

    # Building -------------------------------------------------------------------------------

    def build(self, plans: list[_Plan]) -> None:
        """Each plan through do_create_talent, in the order they were introduced, so that
        the codes number them as they came."""
        numbers: Counter[int] = Counter()
        for plan in sorted(plans, key=lambda plan: (plan.introduced_on, plan.unit.code)):
            year = plan.introduced_on.year
            numbers[year] += 1
            actions.do_create_talent(
                actor=self.actor,
                reason=REASON,
                code=f"RC{year}-{numbers[year]:04d}",
                **self._particulars(plan),
            )

    def _particulars(self, plan: _Plan) -> dict[str, Any]:
        rng, tier = self.rng, plan.tier
        high = tier in HIGH_LEVEL
        flexible = rng.random() < _FLEXIBLE.get(tier, 0)
        field = rng.choice(_HIGH_FIELDS if high else _GRADUATE_FIELDS)
        settled_on = None
        if rng.random() < (0.05 if flexible else 0.55):
            latest = min(plan.introduced_on + timedelta(days=365), self.today)
            settled_on = plan.introduced_on + timedelta(
                days=rng.randint(0, (latest - plan.introduced_on).days)
            )
        fields: dict[str, Any] = {
            "name": person_name(rng),
            "tier": tier,
            "field": field,
            "employer": self._employer(plan.unit),
            "introducing_unit": plan.unit,
            "introduced_on": plan.introduced_on,
            "employment": Employment.FLEXIBLE if flexible else Employment.FULL_TIME,
            "settled": settled_on is not None,
            "settled_on": settled_on,
            "status": TalentStatus.LEFT
            if tier != Tier.A and rng.random() < 0.04
            else TalentStatus.ACTIVE,
            "phone": self._phone(),
            "id_number": self._id_number(tier, plan.introduced_on),
        }
        share, low, high_amount = _PROJECTS.get(tier, (0, 0, 0))
        if rng.random() < share:
            years = (self.today - plan.introduced_on).days / 365
            stages = list(ProjectStage)
            reached = min(len(stages) - 1, int(years) + rng.randint(0, 1))
            fields.update(
                project_name=f"{field}{rng.choice(_PROJECT_SUFFIXES)}",
                project_funding=Decimal(rng.randrange(low, high_amount + 1, 10)),
                project_stage=stages[reached],
            )
        return fields

    def _phone(self) -> str:
        while True:
            phone = f"1{self.rng.choice('35789')}{self.rng.randrange(10**9):09d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _id_number(self, tier: str, introduced_on: date) -> str:
        """A valid, fictional resident ID number of someone of the tier's age."""
        youngest, oldest = _AGES[Tier(tier)]
        while True:
            age = self.rng.randint(youngest, oldest)
            born = date(introduced_on.year - age, 1, 1) + timedelta(days=self.rng.randint(0, 364))
            first17 = f"{self.rng.choice(AREA_CODES)}{born:%Y%m%d}{self.rng.randrange(1, 1000):03d}"
            number = first17 + id_check_character(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number
