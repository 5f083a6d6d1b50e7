"""The enterprises' part of the demo: Lin'an's registry of ~400 enterprises, or a
generated one for the larger scales.

The district demo enters its enterprises through the actions, as the supervisor: spread
over the 5 subdistricts and 13 towns as industry is (the subdistricts and 青山湖 take most,
the mountain towns their resorts, tea, hickory nuts and bamboo), in GB/T 4754 divisions
weighted towards the leading industries of the projects' demo, a third of them above the
statistical threshold (规上) with the employees and land of their size, ~60 of them key
enterprises (重点企业), some of which the four district leaders are linked to through the
org link actions. The local enterprises whose capital increases are in the projects' demo
are among them, under the same code. The city and province get a few enterprises per town
or subdistrict, each entered by its town's clerk.

Every code is a valid unified social credit code of the district (330185, Lin'an's
division code before it became a district in 2017; GB 32100-2015 check character
computed); names are generated from parts, and no real company is meant.
"""

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bipin.core.demo import DemoContext, DemoStep
from bipin.core.uscc import CHARSET, check_character
from bipin.enterprises import actions
from bipin.enterprises.choices import Size
from bipin.enterprises.models import LOCAL_UNIT_KINDS, Enterprise
from bipin.org.actions import do_create_links
from bipin.org.choices import UnitKind
from bipin.org.models import Link, Unit, User
from bipin.projects.demo import demo_today, ensure_reference_data
from bipin.projects.models import Industry, Project

#: The division code of the district's codes: Lin'an's (临安市, 330185), under which its
#: enterprises were registered before it became a district.
DIVISION = "330185"
#: Key enterprises of the district demo, and how many of them each leader takes.
KEY_ENTERPRISES = 60
LINKS_PER_LEADER = 5
#: Key enterprises below the threshold: high-tech firms (专精特新) of these divisions.
SMALL_KEY = 5
_HIGH_TECH = {"27", "35", "39", "40", "65"}
#: Enterprises per town or subdistrict in the generated city and province.
PER_TOWN = (2, 5)
REASON = "演示数据"

# Enterprises per town or subdistrict (by short name), before a ±10 % jitter.
_PER_UNIT = {
    "青山湖": 62, "锦城": 46, "锦北": 42, "锦南": 36, "玲珑": 36, "於潜": 25, "昌化": 22,
    "太湖源": 15, "高虹": 15, "板桥": 14, "天目山": 14, "太阳": 13, "潜川": 12, "河桥": 10,
    "龙岗": 10, "清凉峰": 10, "湍口": 8, "岛石": 8,
}  # fmt: skip

# What the district's enterprises do: the leading industries of the projects' demo, the
# traditional industries of Lin'an (hickory nuts, tea, bamboo and wood), other
# manufacturing and trade. Each with its GB/T 4754 divisions (weighted) and the words
# companies of each division put in their names.
_BRANCHES: dict[str, dict[str, int]] = {
    "数字经济": {"39": 6, "65": 4, "64": 2},
    "生物医药": {"27": 5, "35": 2, "73": 1},
    "高端装备": {"34": 5, "35": 3, "38": 4, "40": 2},
    "新材料": {"26": 3, "29": 4, "30": 3, "32": 2},
    "文旅康养": {"61": 6, "85": 1, "88": 1, "90": 2},
    "现代服务业": {"51": 4, "52": 2, "54": 1, "72": 2, "74": 2},
    "传统产业": {"02": 1, "13": 4, "14": 3, "15": 2, "20": 4, "21": 2},
    "其他制造": {"17": 2, "22": 2, "33": 4, "36": 2, "41": 1},
}
_BRANCH_WEIGHTS = {
    "数字经济": 12, "生物医药": 8, "高端装备": 16, "新材料": 12, "文旅康养": 8,
    "现代服务业": 12, "传统产业": 16, "其他制造": 14,
}  # fmt: skip
# How much more (or less) of each branch a town or subdistrict has; the weights multiply.
_AFFINITY: dict[str, dict[str, float]] = {
    "青山湖": {"数字经济": 3, "高端装备": 2, "新材料": 1.5, "文旅康养": 0.2, "传统产业": 0.4},
    "锦城": {"现代服务业": 3, "数字经济": 1.5, "传统产业": 0.6},
    "锦北": {"生物医药": 3, "高端装备": 1.5},
    "锦南": {"生物医药": 2.5, "新材料": 1.5},
    "玲珑": {"高端装备": 2, "新材料": 2, "其他制造": 1.5},
    "於潜": {"高端装备": 1.5, "新材料": 1.5, "传统产业": 2},
    "昌化": {"新材料": 1.5, "传统产业": 2.5},
    "天目山": {"文旅康养": 4, "传统产业": 1.5, "数字经济": 0.3},
    "太湖源": {"文旅康养": 3, "传统产业": 2.5},
    "湍口": {"文旅康养": 5, "传统产业": 2},
    "清凉峰": {"文旅康养": 3, "传统产业": 3},
    "龙岗": {"文旅康养": 3, "传统产业": 3},
    "河桥": {"文旅康养": 3, "传统产业": 2.5},
    "岛石": {"传统产业": 5, "文旅康养": 2},
    "高虹": {"新材料": 1.5, "其他制造": 1.5, "传统产业": 2},
    "板桥": {"高端装备": 1.5, "传统产业": 2},
    "太阳": {"传统产业": 2.5, "其他制造": 1.5},
    "潜川": {"传统产业": 2.5, "文旅康养": 1.5},
}
_WORDS: dict[str, list[str]] = {
    "02": ["林业开发", "苗木"], "13": ["山核桃食品", "农产品加工", "笋业食品"],
    "14": ["食品", "炒货食品"], "15": ["茶业", "酒业"], "17": ["纺织", "织造"],
    "20": ["竹木制品", "竹业", "木业"], "21": ["家具", "家居"], "22": ["纸业", "包装材料"],
    "26": ["化工", "涂料", "精细化工"], "27": ["制药", "生物医药", "药业"],
    "29": ["塑业", "橡塑制品", "高分子材料"], "30": ["新型建材", "玻璃", "陶瓷"],
    "32": ["铜业", "铝业", "金属材料"], "33": ["五金", "金属制品", "不锈钢制品"],
    "34": ["机械", "精密机械", "轴承", "动力设备"], "35": ["医疗器械", "专用设备", "智能装备"],
    "36": ["汽车零部件", "汽配"], "38": ["电气", "电器", "新能源科技", "电机"],
    "39": ["电子科技", "微电子", "光电科技", "智能科技"], "40": ["仪器仪表", "测控技术"],
    "41": ["工艺品", "日用制品"], "51": ["贸易", "供应链管理", "农产品"],
    "52": ["商贸", "超市"], "54": ["物流", "运输"], "61": ["酒店管理", "度假村", "民宿管理"],
    "64": ["网络科技", "电子商务"], "65": ["信息技术", "软件", "数字科技"],
    "72": ["企业管理", "人力资源"], "73": ["生物技术", "新材料研究"],
    "74": ["检测技术", "工程设计", "技术服务"], "85": ["养老服务", "康养"],
    "88": ["文化传媒", "文化创意"], "90": ["旅游开发", "户外运动", "文化旅游"],
}  # fmt: skip
_BRAND_FIRST = "华恒鼎精博康明中锐凯亿睿优宏嘉润力青云星远聚昊瑞新汇众泰鑫诺拓智德晶启海卓通弘铭安正益普赛同立天金山竹禾"
_BRAND_SECOND = "信达泰源丰盛诚创远航康宇辰科鑫成和润宏峰晟邦瑞力林川美华"
# (prefix of the name, weight): most are registered in the district, some elsewhere in
# Hangzhou or the province.
_PREFIXES = [("杭州临安", 45), ("杭州", 25), ("浙江", 20), ("临安", 10)]
_ROADS = [
    "科技大道", "天目路", "衣锦街", "钱王街", "万马路", "石镜街", "大园路", "横溪路",
    "青山大道", "园区路", "工业路", "农林大路", "环城北路", "锦溪南路", "苕溪路", "胜联路",
]  # fmt: skip
#: Manufacturing divisions (C, 13–43): above the threshold more often, with more land.
_MANUFACTURING = {f"{code:02d}" for code in range(13, 44)}


@dataclass
class _Plan:
    """One enterprise to enter."""

    uscc: str
    name: str
    industry: Industry
    unit: Unit
    size: str
    land_area: Decimal | None
    employees: int
    address: str
    is_key: bool = False

    def fields(self) -> dict[str, Any]:
        return {
            "uscc": self.uscc,
            "name": self.name,
            "industry": self.industry,
            "unit": self.unit,
            "size": self.size,
            "is_key": self.is_key,
            "land_area": self.land_area,
            "employees": self.employees,
            "address": self.address,
        }


class _Generator:
    """Generates enterprises from the demo's one seeded random source."""

    def __init__(self, rng: random.Random, industries: dict[str, Industry]) -> None:
        self.rng = rng
        self.industries = industries
        taken = Enterprise.objects.values_list("uscc", flat=True)
        self.codes = set(taken) | set(
            Project.objects.exclude(uscc="").values_list("uscc", flat=True)
        )
        self.names: set[str] = set(Enterprise.objects.values_list("name", flat=True))

    def _weighted(self, options: Sequence[Any], weights: Sequence[float]) -> Any:
        return self.rng.choices(options, weights=weights)[0]

    def division(self, place: str) -> str:
        affinity = _AFFINITY.get(place, {})
        branches = list(_BRANCHES)
        branch = self._weighted(
            branches, [_BRANCH_WEIGHTS[name] * affinity.get(name, 1) for name in branches]
        )
        divisions = [code for code in _BRANCHES[branch] if code in self.industries]
        return self._weighted(divisions, [_BRANCHES[branch][code] for code in divisions])

    def uscc(self, division: str = DIVISION) -> str:
        """A valid code of a company (91: registered by the market regulator) never used
        before; its organisation code carries its own GB 11714 check character. Older
        companies have the numeric organisation codes of before 2015, newer ones MA…."""
        rng = self.rng
        while True:
            if rng.random() < 0.4:
                body = rng.choice(("14", "70", "72", "74", "76", "79")) + "".join(
                    rng.choice("0123456789") for _ in range(6)
                )
            else:
                body = "MA" + "".join(rng.choice(CHARSET) for _ in range(6))
            first17 = "91" + division + body + _org_check(body)
            code = first17 + check_character(first17)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def name(self, division: str, *, above_scale: bool) -> str:
        rng = self.rng
        while True:
            prefix = self._weighted(
                [prefix for prefix, _weight in _PREFIXES], [weight for _p, weight in _PREFIXES]
            )
            brand = rng.choice(_BRAND_FIRST) + rng.choice(_BRAND_SECOND)
            word = rng.choice(_WORDS[division])
            suffix = "股份有限公司" if above_scale and rng.random() < 0.2 else "有限公司"
            name = f"{prefix}{brand}{word}{suffix}"
            if name not in self.names:
                self.names.add(name)
                return name

    def plan(self, unit: Unit, place: str, *, division_code: str = DIVISION) -> _Plan:
        rng = self.rng
        division = self.division(place)
        manufacturing = division in _MANUFACTURING
        resort = division in ("61", "85", "90")
        above_scale = rng.random() < (0.45 if manufacturing else 0.15 if resort else 0.2)
        if above_scale:
            median, low, high = (180, 50, 3000) if manufacturing else (70, 20, 800)
        else:
            median, low, high = 22, 3, 120
        employees = int(min(max(rng.lognormvariate(math.log(median), 0.7), low), high))
        land = self._land(manufacturing=manufacturing, resort=resort, above_scale=above_scale)
        return _Plan(
            uscc=self.uscc(division_code),
            name=self.name(division, above_scale=above_scale),
            industry=self.industries[division],
            unit=unit,
            size=Size.ABOVE_SCALE if above_scale else Size.BELOW_SCALE,
            land_area=land,
            employees=employees,
            address=self.address(unit, place, manufacturing=manufacturing),
        )

    def _land(self, *, manufacturing: bool, resort: bool, above_scale: bool) -> Decimal | None:
        """亩: a factory above the threshold has tens of mu, a small one a few or rents; most
        offices rent; a resort has its grounds."""
        rng = self.rng
        if manufacturing:
            owns, (median, low, high) = (0.95, (40, 8, 400)) if above_scale else (0.7, (6, 0.5, 30))
        elif resort:
            owns, (median, low, high) = 0.6, (15, 2, 120)
        else:
            owns, (median, low, high) = 0.2, (3, 0.5, 20)
        if rng.random() >= owns:
            return None
        area = min(max(rng.lognormvariate(math.log(median), 0.6), low), high)
        return Decimal(f"{area:.2f}")

    def address(self, unit: Unit, place: str, *, manufacturing: bool) -> str:
        rng = self.rng
        if unit.kind == UnitKind.SUBDISTRICT or manufacturing:
            street = f"{rng.choice(_ROADS)}{rng.randint(1, 1888)}号"
        else:
            street = f"{place}村{rng.randint(1, 120)}号"
        return f"浙江省杭州市临安区{unit.name}{street}"


def _org_check(body: str) -> str:
    """The check character of an 8-character organisation code (GB 11714-1997)."""
    total = sum(
        (int(char) if char.isdigit() else ord(char) - 55) * weight
        for char, weight in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


class EnterprisesDemo(DemoStep):
    name = "enterprises"

    def is_loaded(self) -> bool:
        return Enterprise.objects.exists()

    def generate(self, context: DemoContext) -> None:
        ensure_reference_data()
        industries = {
            industry.code: industry for industry in Industry.objects.filter(section__isnull=False)
        }
        generator = _Generator(context.rng, industries)
        if context.scale == "district":
            _district(context, generator)
        else:
            _region(context, generator)
        sizes = Counter(Enterprise.objects.values_list("size", flat=True))
        context.out.write(
            f"  enterprises: {sum(sizes.values())} enterprises "
            f"({Size.ABOVE_SCALE.label} {sizes[Size.ABOVE_SCALE]}, "
            f"{Size.BELOW_SCALE.label} {sizes[Size.BELOW_SCALE]}), "
            f"{Enterprise.objects.filter(is_key=True).count()} key, "
            f"{Link.objects.filter(content_type__model='enterprise').count()} linked to leaders\n"
        )


def _district(context: DemoContext, generator: _Generator) -> None:
    """Lin'an: ~400 enterprises through the actions, as the supervisor; the largest are
    key enterprises, and each leader is linked to some of them."""
    rng = context.rng
    actor = User.objects.get(username="supervisor")
    towns = [unit for unit in context.made["units"].values() if unit.kind in LOCAL_UNIT_KINDS]
    plans: list[_Plan] = []
    for unit in sorted(towns, key=lambda unit: unit.order):
        count = round(_PER_UNIT.get(unit.short_name, 10) * rng.uniform(0.9, 1.1))
        plans += [generator.plan(unit, unit.short_name) for _ in range(count)]
    plans += _capital_increasers(generator, {unit.pk for unit in towns})

    # The key enterprises: the largest above the threshold, and a few smaller high-tech
    # firms (specialised and innovative, 专精特新).
    def ranked(candidates: list[_Plan]) -> list[_Plan]:
        return sorted(candidates, key=lambda plan: plan.employees * rng.uniform(0.6, 1.4))[::-1]

    above = [plan for plan in plans if plan.size == Size.ABOVE_SCALE]
    small = [
        plan for plan in plans if plan.size == Size.BELOW_SCALE and plan.industry.code in _HIGH_TECH
    ]
    for plan in ranked(above)[: KEY_ENTERPRISES - SMALL_KEY] + ranked(small)[:SMALL_KEY]:
        plan.is_key = True
    enterprises = [
        actions.do_create_enterprise(actor=actor, reason=REASON, **plan.fields()) for plan in plans
    ]
    _link_leaders(context, actor, [e for e in enterprises if e.is_key])


def _capital_increasers(generator: _Generator, towns: set[int]) -> list[_Plan]:
    """The local enterprises whose capital increases (增资扩产) are projects of the projects'
    demo: the investor is the enterprise, under the code the project carries."""
    plans: list[_Plan] = []
    projects = (
        Project.objects.filter(is_capital_increase=True, responsible_unit_id__in=towns)
        .exclude(uscc="")
        .select_related("industry", "responsible_unit")
        .order_by("code")
    )
    for project in projects:
        if (
            project.uscc in {plan.uscc for plan in plans}
            or Enterprise.objects.filter(uscc=project.uscc).exists()
        ):
            continue
        unit = project.responsible_unit
        plan = generator.plan(unit, unit.short_name)
        generator.codes.discard(plan.uscc)
        generator.names.discard(plan.name)
        plan.uscc, plan.name, plan.industry = project.uscc, project.investor_name, project.industry
        plan.size = Size.ABOVE_SCALE
        plan.employees = max(plan.employees, 120)
        plan.land_area = plan.land_area or Decimal("35.00")
        generator.names.add(plan.name)
        plans.append(plan)
    return plans


def _link_leaders(context: DemoContext, actor: User, key: list[Enterprise]) -> None:
    """Each leader takes LINKS_PER_LEADER key enterprises, preferring those in the towns
    they are linked to (领导联系乡镇), through the org link action."""
    rng = context.rng
    unit_leader = {
        link.object_id: link.leader
        for link in Link.objects.filter(content_type__model="unit").select_related("leader")
    }
    leaders = list(User.objects.filter(role="leader").order_by("username"))
    taken: Counter[int] = Counter()
    pairs: list[tuple[User, Enterprise, date]] = []
    latest = demo_today()
    for enterprise in sorted(key, key=lambda e: (-(e.employees or 0), e.uscc)):
        if all(taken[leader.pk] >= LINKS_PER_LEADER for leader in leaders):
            break
        leader = unit_leader.get(enterprise.unit_id)
        if leader is None or taken[leader.pk] >= LINKS_PER_LEADER:
            leader = min(leaders, key=lambda person: (taken[person.pk], person.username))
        started = min(date(2025, 1, 1) + timedelta(days=rng.randint(0, 500)), latest)
        pairs.append((leader, enterprise, started))
        taken[leader.pk] += 1
    if pairs:
        do_create_links(actor=actor, pairs=pairs, duty="挂联重点企业", reason=REASON)


def _region(context: DemoContext, generator: _Generator) -> None:
    """The city or province: a few enterprises per town or subdistrict, each entered by
    its town's clerk, under a division code of its district."""
    rng = context.rng
    units: dict[str, Unit] = context.made["units"]
    clerks = {
        person.unit_id: person
        for person in User.objects.filter(role="unit_clerk", unit__kind__in=LOCAL_UNIT_KINDS)
    }
    divisions: dict[int | None, str] = {}
    for unit in sorted(units.values(), key=lambda unit: unit.code):
        if unit.kind not in LOCAL_UNIT_KINDS:
            continue
        division = divisions.setdefault(unit.parent_id, f"33{rng.randint(100, 9999):04d}")
        for _ in range(rng.randint(*PER_TOWN)):
            plan = generator.plan(unit, unit.short_name, division_code=division)
            plan.is_key = plan.size == Size.ABOVE_SCALE and rng.random() < 0.3
            actions.do_create_enterprise(actor=clerks[unit.pk], reason=REASON, **plan.fields())
