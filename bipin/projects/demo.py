"""The projects' part of the demo: Lin'an's investment pipeline, or a generated one for the
larger scales.

The district demo builds ~300 projects through the actions, as the supervisor, so that each
has the history, stage events and roadmap a real one would have: leads and negotiations,
projects signed mostly in 2025–2026 that moved on a step at a time (with a generated
evidence file where the roadmap template asks for one), some stalled past a milestone's
planned date (overdue), a few terminated, one sent back, capital increases, and possible
duplicates, most of them left for the supervisor to screen. The four leaders are linked to
the largest projects.

The city and province get ~8 projects per town or subdistrict through the ledger import
(`do_import_project`), which takes a stage with all its dates at once: several times faster
than walking each project through its stages, and the benchmarks need volume, not history.

Names, investors, codes and amounts are generated from parts; no real company is meant.
"""

import math
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import FileField
from django.utils import timezone

from bipin.core.demo import DemoContext, DemoStep
from bipin.core.history import save_with_history
from bipin.core.uscc import CHARSET, check_character
from bipin.org.actions import do_create_link
from bipin.org.choices import UnitKind
from bipin.org.models import Link, Unit, User
from bipin.projects import actions
from bipin.projects.choices import (
    Channel,
    DuplicateStatus,
    InvestorKind,
    NegativeKind,
    Stage,
)
from bipin.projects.imports import NEGATIVE_LIST_DEMO, load_negative_list_file
from bipin.projects.models import (
    DuplicateCheck,
    Evidence,
    Industry,
    LeadingIndustry,
    Milestone,
    MilestoneTemplate,
    NegativeListItem,
    Project,
)
from bipin.projects.reference import load_reference_data

#: The demo's "today" at the latest: the office's sheets are as of the end of November 2026.
#: No generated date lies after it, nor after the real today.
LATEST = date(2026, 11, 28)
#: The earliest signing: projects in production now were signed in 2023–2024 (start to
#: production alone is 18 months on the roadmap); most were signed in 2025–2026.
EARLIEST_SIGNING = date(2023, 3, 1)
#: Projects per town or subdistrict in the generated city and province.
PER_TOWN = (2, 4)

# Leading industries (主导产业), with what a project of each makes or runs: the GB/T 4754
# division, then a product and its measure (manufacturing, "年产…") or a facility's name.
LEADING_INDUSTRIES = ["数字经济", "生物医药", "高端装备", "新材料", "文旅康养", "现代服务业"]
_LEADING_WEIGHTS = {
    "数字经济": 22, "生物医药": 14, "高端装备": 20, "新材料": 14, "文旅康养": 14,
    "现代服务业": 9, "": 7,
}  # fmt: skip
_PRODUCTS: dict[str, list[tuple[str, str, str]]] = {
    "数字经济": [
        ("39", "MEMS传感器芯片", "万片"), ("39", "光通信模块", "万只"), ("39", "智能终端", "万台"),
        ("39", "射频前端模组", "万套"), ("39", "新型显示模组", "万片"),
        ("39", "集成电路封装测试", "亿颗"),
    ],
    "生物医药": [
        ("27", "生物制剂", "万支"), ("27", "化学原料药", "吨"), ("27", "中药配方颗粒", "吨"),
        ("27", "医用敷料", "万件"), ("35", "高端医疗器械", "台/套"),
        ("35", "体外诊断设备", "台/套"),
    ],
    "高端装备": [
        ("34", "高端数控机床关键部件", "万件"), ("34", "精密轴承", "万套"),
        ("34", "工业机器人减速器", "万台"), ("35", "半导体专用设备", "台/套"),
        ("35", "锂电池生产设备", "台/套"), ("38", "新能源汽车驱动电机", "万台"),
        ("38", "储能电池系统", "兆瓦时"), ("38", "智能电网设备", "台/套"),
        ("40", "智能仪器仪表", "万台"), ("40", "光学检测仪器", "台/套"),
    ],
    "新材料": [
        ("26", "电子级化学品", "吨"), ("26", "高性能涂料", "吨"), ("29", "高分子复合材料", "吨"),
        ("29", "新能源汽车密封件", "万件"), ("30", "特种玻璃", "万平方米"),
        ("30", "碳化硅陶瓷", "吨"), ("30", "石墨烯导热膜", "万平方米"),
        ("32", "高纯铜合金材料", "吨"), ("32", "高端铝箔", "吨"),
    ],
    # Lin'an's traditional industries: hickory nuts, bamboo shoots, bamboo and wood.
    "": [
        ("13", "山核桃精深加工", "吨"), ("13", "竹笋食品", "吨"), ("20", "竹木制品", "万件"),
        ("20", "竹重组材料", "立方米"), ("21", "定制家具", "万套"),
    ],
}  # fmt: skip
_FACILITIES: dict[str, list[tuple[str, str]]] = {
    "数字经济": [
        ("65", "{brand}工业软件研发中心"), ("65", "{brand}数字孪生平台研发中心"),
        ("65", "{place}数字经济产业园"), ("65", "{brand}信创软件总部项目"),
        ("64", "{brand}云计算数据中心"), ("64", "{place}跨境电商直播基地"),
    ],
    "生物医药": [
        ("73", "{brand}新药研发中心"), ("73", "{brand}细胞治疗研究院"),
        ("73", "{brand}生物医药CDMO研发生产基地"), ("73", "{brand}医疗器械研发中心"),
    ],
    "高端装备": [("34", "{brand}智能装备研发中心"), ("40", "{place}高端装备产业园")],
    "新材料": [("26", "{place}新材料产业园"), ("30", "{brand}新材料研究院")],
    "文旅康养": [
        ("61", "{place}精品度假酒店"), ("61", "{place}精品民宿集群"), ("61", "{place}温泉度假酒店项目"),
        ("84", "{place}康养综合体"), ("84", "{place}医养结合中心"), ("84", "{place}康复医院项目"),
        ("88", "{place}非遗文创园"), ("88", "{place}影视拍摄基地"), ("90", "{place}露营基地"),
        ("90", "{place}户外运动小镇"), ("90", "{place}文旅度假区"),
    ],
    "现代服务业": [
        ("51", "{brand}供应链总部项目"), ("51", "{place}山核桃电商交易中心"),
        ("72", "{brand}区域总部项目"), ("72", "{place}人力资源服务产业园"),
        ("74", "{brand}工业设计中心"), ("74", "{brand}检验检测认证中心"),
    ],
    "": [],
}  # fmt: skip
_QUANTITIES = {
    "万片": ["500", "1000", "3000", "5000"], "万只": ["100", "300", "500"],
    "万台": ["10", "20", "50", "100"], "万套": ["20", "50", "100", "200"],
    "台/套": ["500", "1000", "2000", "5000"], "亿颗": ["5", "10", "20"],
    "万支": ["500", "1000", "3000"], "吨": ["500", "1000", "3000", "1万", "2万", "5万"],
    "万件": ["50", "100", "300", "500"], "万平方米": ["50", "100", "200"],
    "立方米": ["5万", "10万"], "兆瓦时": ["500", "1000", "2000"],
}  # fmt: skip
#: Typical size of a project of each kind relative to the median (services are smaller,
#: resorts and health complexes larger, the traditional industries small).
_SIZE = {"文旅康养": 1.3, "现代服务业": 0.5, "": 0.35}

_BRANDS = [
    "微芯", "天工", "华瑞", "恒泰", "鼎盛", "精诚", "博远", "康达", "明德", "中科", "国信", "锐思", "凯越", "亿联",
    "睿康", "优创", "宏晟", "嘉和", "润禾", "力拓", "青禾", "云栖", "星辰", "远景", "聚能", "合创", "昊天", "瑞丰",
    "新禾", "汇川", "众成", "泰和", "鑫源", "华诺", "拓维", "智源", "科瑞", "德元", "晶科", "启明", "海纳", "卓远",
    "通泰", "弘毅", "铭泰", "安捷", "正元", "益康", "普瑞", "赛恩", "同心", "立德", "天衡", "金石",
]  # fmt: skip
_WORDS = {
    "数字经济": ["科技", "电子", "信息技术", "智能科技", "数字科技"],
    "生物医药": ["生物医药", "生物科技", "制药", "医疗器械"],
    "高端装备": ["智能装备", "精密机械", "机电", "装备制造"],
    "新材料": ["新材料", "材料科技", "复合材料", "新能源材料"],
    "文旅康养": ["文化旅游", "健康产业", "酒店管理", "旅游开发", "养老服务"],
    "现代服务业": ["供应链管理", "商务服务", "企业管理", "贸易"],
    "": ["食品", "竹业", "家居"],
}
# (origin, city as written in a company's name, weight)
_ORIGINS = [
    ("浙江省杭州市", "杭州", 22), ("上海市", "上海", 16), ("广东省深圳市", "深圳", 10),
    ("江苏省苏州市", "苏州", 8), ("北京市", "北京", 8), ("浙江省宁波市", "宁波", 6),
    ("浙江省绍兴市", "绍兴", 4), ("江苏省无锡市", "无锡", 4), ("江苏省南京市", "南京", 4),
    ("安徽省合肥市", "合肥", 4), ("浙江省温州市", "温州", 3), ("广东省广州市", "广州", 3),
    ("福建省厦门市", "厦门", 2), ("山东省青岛市", "青岛", 2), ("四川省成都市", "成都", 2),
    ("湖北省武汉市", "武汉", 2),
]  # fmt: skip
# (country or region, legal suffix, weight); Hong Kong capital counts as foreign (外资).
_COUNTRIES = [
    ("中国香港", "Limited", 4), ("德国", "GmbH", 3), ("日本", "Co., Ltd.", 3),
    ("新加坡", "Pte. Ltd.", 3), ("美国", "Inc.", 2), ("韩国", "Co., Ltd.", 2),
    ("瑞士", "AG", 1), ("荷兰", "B.V.", 1),
]  # fmt: skip
_FOREIGN_FIRST = [
    "Harbor", "Alpine", "Nordic", "Pacific", "Lumen", "Vertex", "Orion", "Summit",
    "Meridian", "Aster", "Crestline", "Evergreen", "Bluewater", "Silverline", "Northstar", "Keystone",
]  # fmt: skip
_FOREIGN_SECOND = {
    "数字经济": ["Electronics", "Photonics", "Systems", "Semiconductor"],
    "生物医药": ["Biotech", "Pharma", "Medical", "Life Sciences"],
    "高端装备": ["Precision", "Mobility", "Robotics", "Machinery"],
    "新材料": ["Materials", "Chemicals", "Composites"],
    "文旅康养": ["Hospitality", "Resorts", "Healthcare"],
    "现代服务业": ["Logistics", "Capital", "Trading"],
    "": ["Foods", "Home"],
}
#: CNY per USD for the foreign capital of foreign projects (万美元).
_USD_RATE = 7.1
_CHANNEL_WEIGHTS = {
    Channel.DOOR_TO_DOOR: 25, Channel.STATIONED: 15, Channel.SPECIALISED: 20,
    Channel.BY_BUSINESS: 18, Channel.PLATFORM: 16, Channel.OTHER: 6,
}  # fmt: skip

# Where projects of each leading industry go in Lin'an (by short name): the subdistricts
# take most, the mountain towns take the resorts; the weights multiply.
_UNIT_WEIGHTS = {"青山湖": 5.0, "锦城": 3.0, "锦北": 3.0, "锦南": 3.0, "玲珑": 3.0}
_REMOTE_TOWNS = {"岛石", "清凉峰", "湍口", "龙岗", "河桥"}
_AFFINITY: dict[str, dict[str, float]] = {
    "青山湖": {"数字经济": 3, "高端装备": 3, "新材料": 2, "文旅康养": 0.2},
    "锦城": {"现代服务业": 3, "数字经济": 2, "文旅康养": 0.5},
    "锦北": {"生物医药": 3, "高端装备": 1.5, "文旅康养": 0.3},
    "锦南": {"生物医药": 3, "新材料": 1.5, "文旅康养": 0.5},
    "玲珑": {"高端装备": 2, "新材料": 2, "文旅康养": 0.5},
    "於潜": {"高端装备": 2, "新材料": 2, "": 2},
    "昌化": {"新材料": 2, "高端装备": 1.5, "": 2},
    "天目山": {"文旅康养": 6, "数字经济": 0.3},
    "太湖源": {"文旅康养": 5, "": 2},
    "湍口": {"文旅康养": 6},
    "清凉峰": {"文旅康养": 5, "": 2},
    "龙岗": {"文旅康养": 4, "": 3},
    "河桥": {"文旅康养": 4, "": 2},
    "岛石": {"文旅康养": 3, "": 4},
    "高虹": {"新材料": 1.5, "": 2},
    "板桥": {"高端装备": 1.5, "": 2},
}
_PLACES = {"湍口": "湍口温泉", "龙岗": "浙西大峡谷", "河桥": "柳溪江", "青山湖": "青山湖"}
# Platforms a project of a leading industry in a subdistrict lands on (by short names).
_PLATFORM_FIT = {
    "青山湖": {
        "数字经济": ["微纳小镇", "科技城"], "高端装备": ["科技城", "微纳小镇"],
        "新材料": ["科技城"], "现代服务业": ["科技城"], "生物医药": ["科技城"],
    },
    "锦北": {"生物医药": ["医药港"]},
    "锦南": {"生物医药": ["医药港"]},
    "玲珑": {"高端装备": ["科技城"], "数字经济": ["科技城"]},
}  # fmt: skip
#: Departments that take a project themselves now and then, with the platform they use.
_DEPARTMENTS = {"投资促进局": None, "商务局": None, "科技城管委会": "科技城"}

# Where signed projects stand today (weights), and how long each step takes after the one
# before it (days). A project is placed at its stage by working back from today: the steps
# it took, then the time it has spent at its stage so far, which is less than its next step
# takes, or (stalled) well more: that is what makes a milestone overdue.
_STANDING = {
    Stage.SIGNED: 16, Stage.REGISTERED: 44, Stage.LAND: 40, Stage.STARTED: 40,
    Stage.PRODUCING: 18, Stage.AT_CAPACITY: 6,
}  # fmt: skip
_STEP_DAYS = {
    Stage.REGISTERED: (10, 75), Stage.LAND: (50, 190), Stage.STARTED: (20, 100),
    Stage.PRODUCING: (300, 540), Stage.AT_CAPACITY: (150, 380),
}  # fmt: skip
_STALLED = 0.25
_TERMINATION_REASONS = [
    "投资方战略调整，暂停在华扩张计划。",
    "项目用地指标未能落实，投资方转投外地。",
    "环评未通过，项目不予准入。",
    "投资方资金链紧张，无法按期出资。",
    "产业政策调整，项目不符合园区准入标准。",
    "双方在土地价格上未能达成一致。",
]
_LARGE_NAMES = ("产业园", "基地", "综合体", "度假区", "小镇", "智能制造", "总部")
_EVIDENCE_NAMES = {Stage.LAND: "国有建设用地使用权出让合同", Stage.STARTED: "建筑工程施工许可证"}


def demo_today() -> date:
    """The last date the demo may use: the samples' date, or today if that comes first."""
    return min(LATEST, timezone.localdate())


@dataclass
class _Plan:
    """One project to build: its particulars and the dates of the stages it reached."""

    name: str
    investor_name: str
    investor_origin: str
    investor_kind: str
    industry: Industry
    leading: LeadingIndustry | None
    channel: str
    amount: Decimal
    fixed_asset: Decimal | None
    foreign_capital: Decimal | None
    unit: Unit
    platform: Unit | None
    #: The pipeline stages reached, in order, with their dates.
    dates: dict[Stage, date]
    uscc: str = ""
    is_capital_increase: bool = False
    #: Terminated at the end: (date, reason).
    terminated: tuple[date, str] | None = None
    #: Sent back at the end: (stage, date, reason).
    sent_back: tuple[Stage, date, str] | None = None
    brand: str = ""
    note: str = ""

    @property
    def reached(self) -> Stage:
        return list(self.dates)[-1]

    @property
    def first_on(self) -> date:
        return min(self.dates.values())

    def fields(self, *, with_uscc: bool) -> dict[str, Any]:
        return {
            "name": self.name,
            "investor_name": self.investor_name,
            "investor_origin": self.investor_origin,
            "investor_kind": self.investor_kind,
            "industry": self.industry,
            "leading_industry": self.leading,
            "channel": self.channel,
            "contracted_investment": self.amount,
            "fixed_asset_investment": self.fixed_asset,
            "foreign_capital": self.foreign_capital,
            "responsible_unit": self.unit,
            "platform": self.platform,
            "is_capital_increase": self.is_capital_increase,
            "note": self.note,
            **({"uscc": self.uscc} if with_uscc and self.uscc else {}),
        }


@dataclass
class _Generator:
    """Generates plans from the demo's one seeded random source."""

    rng: random.Random
    industries: dict[str, Industry]
    leading: dict[str, LeadingIndustry]
    today: date
    allowed: set[str]
    investors: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)

    def _weighted(self, options: Sequence[Any], weights: Sequence[float]) -> Any:
        return self.rng.choices(options, weights=weights)[0]

    def _day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max((last - first).days, 0)))

    def leading_name(self) -> str:
        names = [name for name in _LEADING_WEIGHTS if self._options(name)]
        return self._weighted(names, [_LEADING_WEIGHTS[name] for name in names])

    def _options(self, leading: str) -> list[tuple[str, str, str | None]]:
        """What a project of a leading industry can be, within the industries allowed."""
        products = [(code, text, measure) for code, text, measure in _PRODUCTS.get(leading, [])]
        facilities = [(code, text, None) for code, text in _FACILITIES.get(leading, [])]
        return [
            option
            for option in products + facilities
            if option[0] in self.allowed and option[0] in self.industries
        ]

    def plan(self, *, leading: str, unit: Unit, platform: Unit | None, place: str) -> _Plan:
        rng = self.rng
        options = self._options(leading)
        code, text, measure = rng.choice(options)
        brand = rng.choice(_BRANDS)
        if measure is None:
            name = text.format(brand=brand, place=place)
        else:
            form = rng.random()
            if form < 0.58:
                name = f"年产{rng.choice(_QUANTITIES[measure])}{measure}{text}项目"
            elif form < 0.74:
                name = f"{text}生产基地项目"
            elif form < 0.88:
                name = f"{brand}{text}智能制造项目"
            else:
                name = f"{text}扩产项目"
        foreign = rng.random() < 0.1
        investor_name, origin = self.investor(leading, brand, foreign=foreign)
        size = _SIZE.get(leading, 1.0) * (0.6 if measure is None and leading != "文旅康养" else 1)
        amount = _round_amount(
            min(max(rng.lognormvariate(math.log(12000 * size), 1.05), 600), 450000)
        )
        fixed_share = rng.uniform(0.6, 0.9) if measure or leading == "文旅康养" else 0.35
        foreign_capital = (
            _round_amount(float(amount) * rng.uniform(0.4, 1.0) / _USD_RATE, step=10)
            if foreign
            else None
        )
        return _Plan(
            name=name,
            investor_name=investor_name,
            investor_origin=origin,
            investor_kind=InvestorKind.FOREIGN if foreign else InvestorKind.DOMESTIC,
            industry=self.industries[code],
            leading=self.leading.get(leading),
            channel=self._weighted(list(_CHANNEL_WEIGHTS), list(_CHANNEL_WEIGHTS.values())),
            amount=amount,
            fixed_asset=_round_amount(float(amount) * fixed_share),
            foreign_capital=foreign_capital,
            unit=unit,
            platform=platform,
            dates=self.dates(),
            brand=brand,
        )

    def investor(self, leading: str, brand: str, *, foreign: bool) -> tuple[str, str]:
        """A generated company name, never used before, and where it comes from."""
        rng = self.rng
        while True:
            if foreign:
                country, suffix, _weight = self._weighted(
                    _COUNTRIES, [weight for *_rest, weight in _COUNTRIES]
                )
                if country == "中国香港":
                    name = f"香港{rng.choice(_BRANDS)}{rng.choice(_WORDS[leading])}控股有限公司"
                else:
                    second = rng.choice(_FOREIGN_SECOND[leading])
                    name = f"{rng.choice(_FOREIGN_FIRST)} {second} {suffix}"
                origin = country
            else:
                origin, city, _weight = self._weighted(
                    _ORIGINS, [weight for *_rest, weight in _ORIGINS]
                )
                word = rng.choice(_WORDS[leading])
                form = rng.random()
                if form < 0.5:
                    name = f"{city}{brand}{word}有限公司"
                elif form < 0.7 and origin.startswith("浙江"):
                    name = f"浙江{brand}{word}股份有限公司"
                else:
                    name = f"{brand}{word}（{city}）有限公司"
            if name not in self.investors:
                self.investors.add(name)
                return name, origin
            brand = rng.choice(_BRANDS)

    def dates(self) -> dict[Stage, date]:
        """The stages a project reached and when: a lead, a negotiation, or a signed
        project at the stage it has come to today, on time or stalled."""
        rng, today = self.rng, self.today
        kind = rng.random()
        if kind < 0.13:
            return {Stage.LEAD: self._day(date(2025, 10, 1), today)}
        if kind < 0.28:
            lead = self._day(date(2025, 4, 1), date(2026, 9, 30))
            return {
                Stage.LEAD: lead,
                Stage.NEGOTIATING: min(lead + timedelta(days=rng.randint(10, 100)), today),
            }
        standing = self._weighted(list(_STANDING), list(_STANDING.values()))
        steps = list(_STEP_DAYS)
        taken = steps[: steps.index(standing) + 1] if standing in steps else []
        waiting = steps[len(taken)] if len(taken) < len(steps) else None
        while True:
            days = [rng.randint(*_STEP_DAYS[stage]) for stage in taken]
            next_step = rng.randint(*_STEP_DAYS[waiting]) if waiting else 400
            so_far = (
                next_step + rng.randint(60, 400)
                if rng.random() < _STALLED
                else rng.randint(0, next_step - 1)
            )
            signed = today - timedelta(days=sum(days) + so_far)
            if signed >= EARLIEST_SIGNING:
                break
        lead = signed - timedelta(days=rng.randint(45, 270))
        negotiating = lead + timedelta(days=int((signed - lead).days * rng.uniform(0.25, 0.75)))
        dates = {Stage.LEAD: lead, Stage.NEGOTIATING: negotiating, Stage.SIGNED: signed}
        for stage, step in zip(taken, days, strict=True):
            signed += timedelta(days=step)
            dates[stage] = signed
        return dates

    def uscc(self, division: str = "330112") -> str:
        """A valid unified social credit code of a company (91: an enterprise registered by
        the market regulator), never used before; the organisation code carries its own
        GB 11714 check character."""
        while True:
            body = "MA" + "".join(self.rng.choice(CHARSET) for _ in range(6))
            first17 = "91" + division + body + _org_check(body)
            code = first17 + check_character(first17)
            if code not in self.codes:
                self.codes.add(code)
                return code


def _org_check(body: str) -> str:
    """The check character of an 8-character organisation code (GB 11714-1997)."""
    total = sum(
        (int(char) if char.isdigit() else ord(char) - 55) * weight
        for char, weight in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _round_amount(value: float, *, step: int | None = None) -> Decimal:
    """Amounts as offices write them: to the hundred 万元 below 1亿, the thousand above."""
    if step is None:
        step = 100 if value < 10000 else 500 if value < 100000 else 1000
    return Decimal(max(step, round(value / step) * step))


def _evidence_pdf(title: str) -> bytes:
    """A one-page PDF saying what it stands for (ASCII, so it needs no embedded font)."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 770 Td (" + text + b") Tj ET"
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return bytes(pdf)


def ensure_reference_data() -> None:
    """Puts back the data the migrations ship where `bipin demo --reset` flushed it."""
    load_reference_data(Industry, MilestoneTemplate)


def load_demo_negative_list(actor: User | None) -> int:
    """Loads the demo negative list with its importer; the number of items loaded."""
    created, updated = load_negative_list_file(NEGATIVE_LIST_DEMO, actor=actor)
    return created + updated


def _allowed_industries() -> set[str]:
    """Division codes no prohibited item of the negative list covers (nor their section)."""
    prohibited = set(
        NegativeListItem.objects.filter(kind=NegativeKind.PROHIBITED).values_list(
            "industries__code", flat=True
        )
    )
    return {
        industry.code
        for industry in Industry.objects.filter(section__isnull=False).select_related("section")
        if industry.code not in prohibited
        and industry.section is not None
        and industry.section.code not in prohibited
    }


class ProjectsDemo(DemoStep):
    name = "projects"

    def is_loaded(self) -> bool:
        return Project.objects.exists()

    def generate(self, context: DemoContext) -> None:
        ensure_reference_data()
        supervisor = User.objects.filter(username="supervisor").first()
        leading = {}
        for order, name in enumerate(LEADING_INDUSTRIES, start=1):
            industry = LeadingIndustry(name=name, order=order)
            save_with_history(industry, actor=supervisor, reason="演示数据")
            leading[name] = industry
        items = load_demo_negative_list(supervisor)
        generator = _Generator(
            rng=context.rng,
            industries={
                industry.code: industry
                for industry in Industry.objects.filter(section__isnull=False)
            },
            leading=leading,
            today=demo_today(),
            allowed=_allowed_industries(),
        )
        if context.scale == "district":
            assert supervisor is not None, "the org step makes the supervisor"
            _DistrictBuilder(context, generator, supervisor).build()
        else:
            _import_region(context, generator)
        stages = Counter(Project.objects.values_list("stage", flat=True))
        context.out.write(
            f"  projects: {sum(stages.values())} projects "
            f"({', '.join(f'{Stage(stage).label} {stages[stage]}' for stage in Stage if stages[stage])}), "
            f"{Project.objects.overdue(generator.today).count()} overdue, "
            f"{DuplicateCheck.objects.filter(status=DuplicateStatus.OPEN).count()} possible duplicates to screen, "
            f"{items} negative-list items\n"
        )


class _DistrictBuilder:
    """Lin'an: ~300 projects built through the actions, as the supervisor."""

    def __init__(self, context: DemoContext, generator: _Generator, actor: User) -> None:
        self.context, self.generator, self.actor = context, generator, actor
        self.rng = context.rng
        self.by_short = {unit.short_name: unit for unit in context.made["units"].values()}

    def build(self) -> None:
        plans = [self._plan() for _ in range(291)]
        for plan in plans:
            if Stage.REGISTERED in plan.dates:
                plan.uscc = self.generator.uscc()
        self._make_flagships(plans)
        self._terminate_and_send_back(plans)
        plans += self._capital_increases()
        duplicates = self._duplicates(plans)
        plans += [plan for plan, _decision, _note in duplicates]
        built = {}
        # In the order they came in, so that codes and duplicate checks run as they would.
        for plan in sorted(plans, key=lambda plan: (plan.first_on, plan.name)):
            built[id(plan)] = self._build(plan)
        for plan, decision, note in duplicates:
            if decision:
                check = DuplicateCheck.objects.get(project=built[id(plan)])
                actions.do_decide_duplicate(check, decision=decision, actor=self.actor, note=note)
        self._link_leaders()

    # Planning -----------------------------------------------------------------------------

    def _plan(self, *, leading: str | None = None) -> _Plan:
        rng = self.rng
        leading = self.generator.leading_name() if leading is None else leading
        if rng.random() < 0.04:
            department = rng.choice(list(_DEPARTMENTS))
            unit = self.by_short[department]
            platform_name = _DEPARTMENTS[department]
            platform = self.by_short[platform_name] if platform_name else None
        else:
            towns = [
                unit
                for unit in self.by_short.values()
                if unit.kind in (UnitKind.SUBDISTRICT, UnitKind.TOWN)
            ]
            weights = [
                _UNIT_WEIGHTS.get(unit.short_name, 0.7 if unit.short_name in _REMOTE_TOWNS else 1.2)
                * _AFFINITY.get(unit.short_name, {}).get(leading, 1)
                for unit in towns
            ]
            unit = rng.choices(towns, weights=weights)[0]
            fits = _PLATFORM_FIT.get(unit.short_name, {}).get(leading, [])
            platform = self.by_short[rng.choice(fits)] if fits and rng.random() < 0.75 else None
        place = _PLACES.get(unit.short_name, unit.short_name)
        if unit.kind == UnitKind.DEPARTMENT:
            place = "青山湖" if platform else "临安"
        return self.generator.plan(leading=leading, unit=unit, platform=platform, place=place)

    def _make_flagships(self, plans: list[_Plan]) -> None:
        """Three projects of 50亿 and more and six of 10亿 and more, signed and moving: the
        conference's flagships, among projects whose names sound the size."""
        big = [
            plan
            for plan in plans
            if Stage.SIGNED in plan.dates
            and plan.investor_kind == InvestorKind.DOMESTIC
            and plan.leading is not None
            and any(word in plan.name for word in _LARGE_NAMES)
        ]
        big.sort(key=lambda plan: (plan.amount, plan.name), reverse=True)
        for plan, amount in zip(big, (800000, 650000, 520000), strict=False):
            plan.amount = Decimal(amount)
        for plan in self.rng.sample(big[3:], min(6, len(big) - 3)):
            plan.amount = _round_amount(self.rng.uniform(100000, 450000))
        for plan in big:
            if plan.amount >= 100000:
                plan.fixed_asset = _round_amount(float(plan.amount) * self.rng.uniform(0.6, 0.85))

    def _terminate_and_send_back(self, plans: list[_Plan]) -> None:
        """A few projects terminated, with a reason; one signing fell through."""
        rng, today = self.rng, self.generator.today
        negotiating = [plan for plan in plans if plan.reached == Stage.NEGOTIATING]
        signed = [
            plan
            for plan in plans
            if plan.reached in (Stage.SIGNED, Stage.REGISTERED) and plan.amount < 500000
        ]
        for plan in rng.sample(negotiating, 6) + rng.sample(signed, 4):
            last = max(plan.dates.values())
            plan.terminated = (
                min(last + timedelta(days=rng.randint(20, 120)), today),
                rng.choice(_TERMINATION_REASONS),
            )
        recent = [
            plan
            for plan in plans
            if plan.reached == Stage.SIGNED
            and plan.terminated is None
            and plan.dates[Stage.SIGNED] >= date(2026, 3, 1)
        ]
        if recent:
            plan = rng.choice(recent)
            plan.sent_back = (
                Stage.NEGOTIATING,
                min(plan.dates[Stage.SIGNED] + timedelta(days=rng.randint(15, 60)), today),
                "投资方调整投资主体，原合作协议作废，需重新洽谈签约。",
            )

    def _capital_increases(self) -> list[_Plan]:
        """Local enterprises adding capital (增资扩产): counted in the amount, not as new
        projects; the enterprise is registered, so its code is known from the start."""
        plans = []
        for leading in ("高端装备", "新材料", "数字经济"):
            plan = self._plan(leading=leading)
            if plan.reached in (Stage.LEAD, Stage.NEGOTIATING):
                signed = self.generator._day(date(2026, 1, 5), date(2026, 9, 30))
                plan.dates = {
                    Stage.LEAD: signed - timedelta(days=40),
                    Stage.NEGOTIATING: signed - timedelta(days=20),
                    Stage.SIGNED: signed,
                }
            while plan.investor_name in self.generator.investors:
                word = self.rng.choice(_WORDS[leading])
                plan.investor_name = f"杭州临安{self.rng.choice(_BRANDS)}{word}有限公司"
            self.generator.investors.add(plan.investor_name)
            plan.investor_origin, plan.investor_kind = "浙江省杭州市", InvestorKind.DOMESTIC
            plan.foreign_capital = None
            plan.name = f"{plan.investor_name.removesuffix('有限公司')}增资扩产项目"
            plan.is_capital_increase = True
            plan.uscc = self.generator.uscc("330185")  # registered before Lin'an became a district
            plan.note = "现有企业增资，计入投资额，不计为新引进项目。"
            plans.append(plan)
        return plans

    def _duplicates(self, plans: list[_Plan]) -> list[tuple[_Plan, str, str]]:
        """Possible duplicates (甄别): the same investor with a like-named project in another
        unit, or the same company code; four left open, one confirmed distinct, one merged.
        Each comes in after its original."""
        rng = self.rng
        originals = [
            plan
            for plan in plans
            if Stage.SIGNED in plan.dates
            and plan.terminated is None
            and plan.sent_back is None
            and not plan.is_capital_increase
            and plan.unit.kind != UnitKind.DEPARTMENT
        ]
        registered = [plan for plan in originals if Stage.REGISTERED in plan.dates]
        by_uscc = rng.choice(registered)
        chosen = [by_uscc, *rng.sample([plan for plan in originals if plan is not by_uscc], 5)]
        towns = [
            unit
            for unit in self.by_short.values()
            if unit.kind in (UnitKind.SUBDISTRICT, UnitKind.TOWN)
        ]
        made = []
        # (how the name reads, the stage it comes in at, in the same unit, decision, note)
        variants = [
            ("uscc", Stage.SIGNED, False, "", ""),
            ("{name}（一期）", Stage.NEGOTIATING, False, "", ""),
            ("{name}建设", Stage.SIGNED, False, "", ""),
            ("{unit}{name}", Stage.LEAD, False, "", ""),
            (
                "{name}（二期）",
                Stage.SIGNED,
                True,
                DuplicateStatus.DISTINCT,
                "二期项目另行签约，为新增投资，确认不重复。",
            ),
            (
                "{name}",
                Stage.SIGNED,
                False,
                DuplicateStatus.MERGED,
                "同一项目由两地重复录入，以先录入的为准。",
            ),
        ]
        for original, (form, stage, same_unit, decision, note) in zip(
            chosen, variants, strict=True
        ):
            unit = (
                original.unit
                if same_unit
                else rng.choice([town for town in towns if town != original.unit])
            )
            base = original.name.removesuffix("项目")
            copy = _Plan(
                name=original.name,
                investor_name=original.investor_name,
                investor_origin=original.investor_origin,
                investor_kind=original.investor_kind,
                industry=original.industry,
                leading=original.leading,
                channel=original.channel,
                amount=original.amount,
                fixed_asset=original.fixed_asset,
                foreign_capital=original.foreign_capital,
                unit=unit,
                platform=None,
                dates={},
                brand=original.brand,
            )
            if form == "uscc":
                # The same company, written another way, in another town: caught by its code.
                copy.name = f"{base}（{unit.short_name}基地）项目"
                copy.uscc = original.uscc
            else:
                copy.name = form.format(name=base, unit=unit.short_name) + "项目"
            came_in = self.generator._day(
                original.dates[Stage.SIGNED] + timedelta(days=10), self.generator.today
            )
            copy.dates = (
                {Stage.LEAD: came_in - timedelta(days=30), Stage.NEGOTIATING: came_in}
                if stage == Stage.NEGOTIATING
                else {Stage.LEAD: came_in}
                if stage == Stage.LEAD
                else {Stage.SIGNED: came_in}
            )
            made.append((copy, decision, note))
        return made

    # Building -----------------------------------------------------------------------------

    def _build(self, plan: _Plan) -> Project:
        """Creates the project at its first stage and moves it on a step at a time."""
        stages = list(plan.dates)
        first = stages[0]
        with_uscc = plan.is_capital_increase or (plan.uscc != "" and first == Stage.SIGNED)
        project = actions.do_create_project(
            actor=self.actor,
            stage=first,
            stage_on=plan.dates[first],
            **plan.fields(with_uscc=with_uscc),
        )
        for stage in stages[1:]:
            on = plan.dates[stage]
            milestone = Milestone.objects.filter(project=project, stage=stage).first()
            if milestone is not None and milestone.requires_evidence:
                self._add_evidence(project, milestone, stage, on)
            project = actions.do_change_stage(project, to=stage, on=on, actor=self.actor)
            if stage == Stage.REGISTERED and plan.uscc and not project.uscc:
                project = actions.do_update_project(
                    project, actor=self.actor, reason="项目公司完成注册", uscc=plan.uscc
                )
        if plan.sent_back is not None:
            stage, on, reason = plan.sent_back
            project = actions.do_change_stage(
                project, to=stage, on=on, actor=self.actor, reason=reason
            )
        if plan.terminated is not None:
            on, reason = plan.terminated
            project = actions.do_change_stage(
                project, to=Stage.TERMINATED, on=on, actor=self.actor, reason=reason
            )
        return project

    def _add_evidence(self, project: Project, milestone: Milestone, stage: Stage, on: date) -> None:
        filename = f"{_EVIDENCE_NAMES.get(stage, f'{stage.label}佐证材料')}.pdf"
        # Reloading the demo writes the same paths again: replace the file rather than pile
        # up copies under new names.
        file_field = cast(FileField, Evidence._meta.get_field("file"))
        path = file_field.generate_filename(Evidence(milestone=milestone), filename)
        if default_storage.exists(path):
            default_storage.delete(path)
        content = _evidence_pdf(f"bipin demo evidence: {project.code} {stage.value} {on}")
        actions.do_add_evidence(
            milestone,
            upload=SimpleUploadedFile(filename, content, content_type="application/pdf"),
            actor=self.actor,
        )

    def _link_leaders(self) -> None:
        """Each leader takes five of the largest projects, preferring those in the towns
        they are linked to (领导挂联重大项目)."""
        unit_leader = {
            link.object_id: link.leader
            for link in Link.objects.filter(content_type__model="unit").select_related("leader")
        }
        leaders = list(User.objects.filter(role="leader").order_by("username"))
        taken: Counter[int] = Counter()
        largest = (
            Project.objects.current()
            .filter(signed_on__isnull=False)
            .exclude(stage=Stage.TERMINATED)
            .exclude(duplicate_checks__status=DuplicateStatus.OPEN)
            .order_by("-contracted_investment", "code")
        )
        for project in largest[:40]:
            if len(taken) == len(leaders) and min(taken.values()) >= 5:
                break
            leader = unit_leader.get(project.responsible_unit_id)
            if leader is None or taken[leader.pk] >= 5:
                leader = min(leaders, key=lambda person: (taken[person.pk], person.username))
                if taken[leader.pk] >= 5:
                    break
            assert project.signed_on is not None
            do_create_link(
                actor=self.actor,
                leader=leader,
                target=project,
                started_on=max(project.signed_on, date(2025, 1, 1)),
                duty="重大项目推进",
            )
            taken[leader.pk] += 1


def _import_region(context: DemoContext, generator: _Generator) -> None:
    """The city or province: ~8 projects per town or subdistrict, by the ledger import, each
    entered by its unit's clerk."""
    rng = context.rng
    units: dict[str, Unit] = context.made["units"]
    clerks = {
        person.unit_id: person
        for person in User.objects.filter(role="unit_clerk", unit__kind__in=_TOWN_KINDS)
    }
    platforms: dict[int | None, list[Unit]] = {}
    for unit in units.values():
        if unit.kind == UnitKind.PLATFORM:
            platforms.setdefault(unit.parent_id, []).append(unit)
    numbers: Counter[int] = Counter()
    for unit in _towns(units):
        for _ in range(rng.randint(*PER_TOWN)):
            leading = generator.leading_name()
            choices = platforms.get(unit.parent_id, [])
            platform = rng.choice(choices) if choices and rng.random() < 0.3 else None
            plan = generator.plan(
                leading=leading, unit=unit, platform=platform, place=unit.short_name
            )
            if Stage.REGISTERED in plan.dates:
                plan.uscc = generator.uscc()
            year = plan.first_on.year
            numbers[year] += 1
            actions.do_import_project(
                actor=clerks[unit.pk],
                code=f"ZS{year}-{numbers[year]:04d}",
                stage=plan.reached,
                stage_dates={str(stage): on for stage, on in plan.dates.items()},
                reason="演示数据",
                **plan.fields(with_uscc=True),
            )


_TOWN_KINDS = (UnitKind.SUBDISTRICT, UnitKind.TOWN)


def _towns(units: dict[str, Unit]) -> Iterator[Unit]:
    for unit in sorted(units.values(), key=lambda unit: unit.code):
        if unit.kind in _TOWN_KINDS:
            yield unit
