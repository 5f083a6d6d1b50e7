"""The organisation's part of the demo: Lin'an's units, groups, people and leaders' links,
or a generated city or province of ~1,500 units for the benchmarks.

People get generated names (never real officials'); the four district leaders are the
fictional ones the office's sheets name (DESIGN.md).
"""

import random
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from simple_history.utils import bulk_create_with_history

from bipin.core.choices import Role
from bipin.core.demo import DEMO_PASSWORD, DemoAccount, DemoContext, DemoStep
from bipin.org.choices import UnitKind
from bipin.org.models import Group, GroupMember, Link, Unit, User

DISTRICT = ("330112", "临安区", "临安")
# (slug for user names, name); codes follow the 统计用区划代码 pattern of the district.
SUBDISTRICTS = [
    ("jincheng", "锦城"),
    ("jinbei", "锦北"),
    ("jinnan", "锦南"),
    ("linglong", "玲珑"),
    ("qingshanhu", "青山湖"),
]
TOWNS = [
    ("taihuyuan", "太湖源"), ("yuqian", "於潜"), ("tianmushan", "天目山"), ("taiyang", "太阳"),
    ("qianchuan", "潜川"), ("changhua", "昌化"), ("heqiao", "河桥"), ("tuankou", "湍口"),
    ("qingliangfeng", "清凉峰"), ("daoshi", "岛石"), ("longgang", "龙岗"), ("banqiao", "板桥"),
    ("gaohong", "高虹"),
]  # fmt: skip
# (slug, full name, short name)
DEPARTMENTS = [
    ("fagai", "区发展和改革局", "发改局"), ("tongji", "区统计局", "统计局"),
    ("nongye", "区农业农村局", "农业农村局"), ("jingxin", "区经济和信息化局", "经信局"),
    ("shangwu", "区商务局", "商务局"), ("rencai", "区委人才工作领导小组办公室", "人才办"),
    ("kejicheng", "青山湖科技城管理委员会", "科技城管委会"), ("caizheng", "区财政局", "财政局"),
    ("keji", "区科学技术局", "科技局"), ("renshe", "区人力资源和社会保障局", "人力社保局"),
    ("ziran", "区自然资源和规划局", "自然资源和规划局"), ("shijian", "区市场监督管理局", "市场监管局"),
    ("touzi", "区投资促进局", "投资促进局"),
]  # fmt: skip
PLATFORMS = [
    ("kejichengpt", "青山湖科技城", "科技城"),
    ("weina", "微纳智造小镇", "微纳小镇"),
    ("yiyaogang", "天目医药港", "医药港"),
]
GROUPS = [
    ("jiedao", "街道组", UnitKind.SUBDISTRICT),
    ("xiangzhen", "乡镇组", UnitKind.TOWN),
    ("bumen", "部门组", UnitKind.DEPARTMENT),
    ("pingtai", "平台组", UnitKind.PLATFORM),
]
LEADERS = ["李明华", "王建国", "赵志刚", "陈卫东"]
DEMO_USERNAMES = [
    "supervisor",
    "leader1",
    "manager_jincheng",
    "clerk_jincheng",
    "clerk_yuqian",
    "clerk_shangwu",
    "provider_tongji",
    "viewer",
]

_SURNAMES = "王李张刘陈杨黄吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华红玉晓海波宁斌云峰婷浩俊鹏辉琳欣怡然宇航嘉懿晨思远佳雯睿哲"
_PLACE = "青云龙凤桥溪山湖泉石岭塘坞源川河林松竹梅兰金银玉锦安宁和平兴新长乐丰泰华阳"


def person_name(rng: random.Random) -> str:
    """A generated Chinese name; never one of the demo's fictional leaders."""
    while True:
        given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
        name = rng.choice(_SURNAMES) + given
        if name not in LEADERS:
            return name


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


@dataclass
class _Planned:
    """A unit to create, with the slug its people's user names are made from."""

    unit: Unit
    slug: str
    parent_key: str | None


class OrgDemo(DemoStep):
    name = "org"

    def is_loaded(self) -> bool:
        return Unit.objects.exists()

    def accounts(self) -> list[DemoAccount]:
        people = User.objects.filter(username__in=DEMO_USERNAMES).select_related("unit")
        by_name = {person.username: person for person in people}
        return [
            DemoAccount(
                name,
                str(by_name[name].get_role_display()),
                by_name[name].unit.name if by_name[name].unit else "",
            )
            for name in DEMO_USERNAMES
            if name in by_name
        ]

    def generate(self, context: DemoContext) -> None:
        if context.scale == "district":
            regions = [self._district(*DISTRICT, prefix="", parent_key=None)]
        else:
            regions = self._regions(context)
        planned = [item for region in regions for item in region]
        units = self._create_units(planned)
        context.made["units"] = units
        self._create_groups(context, regions, units)
        people = self._create_people(context, planned, units)
        if context.scale == "district":
            self._create_leaders_and_accounts(context, units, people)
        context.out.write(
            f"  org: {len(units)} units, {Group.objects.count()} groups, {User.objects.count()} people\n"
        )

    # Units ---------------------------------------------------------------------------

    def _district(
        self, code: str, name: str, short: str, *, prefix: str, parent_key: str | None
    ) -> list[_Planned]:
        """A district with Lin'an's structure: subdistricts, towns, departments, platforms."""
        key = code
        items = [
            _Planned(
                Unit(kind=UnitKind.DISTRICT, code=code, name=name, short_name=short, order=0),
                prefix + "district",
                parent_key,
            )
        ]
        for index, (slug, base) in enumerate(SUBDISTRICTS, start=1):
            unit = Unit(
                kind=UnitKind.SUBDISTRICT,
                code=f"{code}{index:03d}",
                name=f"{base}街道",
                short_name=base,
                order=index,
            )
            items.append(_Planned(unit, prefix + slug, key))
        for index, (slug, base) in enumerate(TOWNS, start=1):
            unit = Unit(
                kind=UnitKind.TOWN,
                code=f"{code}{100 + index:03d}",
                name=f"{base}镇",
                short_name=base,
                order=100 + index,
            )
            items.append(_Planned(unit, prefix + slug, key))
        for index, (slug, full, short_name) in enumerate(DEPARTMENTS, start=1):
            unit = Unit(
                kind=UnitKind.DEPARTMENT,
                code=f"{code}-D{index:02d}",
                name=full,
                short_name=short_name,
                order=200 + index,
            )
            items.append(_Planned(unit, prefix + slug, key))
        for index, (slug, full, short_name) in enumerate(PLATFORMS, start=1):
            unit = Unit(
                kind=UnitKind.PLATFORM,
                code=f"{code}-P{index:02d}",
                name=full,
                short_name=short_name,
                order=300 + index,
            )
            items.append(_Planned(unit, prefix + slug, key))
        for item in items[1:]:
            item.parent_key = key
        return items

    def _regions(self, context: DemoContext) -> list[list[_Planned]]:
        """A generated city (13 districts) or province (11 cities of 3–4 districts)."""
        rng = context.rng
        used: set[str] = set()

        def place() -> str:
            while True:
                name = rng.choice(_PLACE) + rng.choice(_PLACE)
                if name not in used and name[0] != name[1]:
                    used.add(name)
                    return name

        regions: list[list[_Planned]] = []
        if context.scale == "city":
            root = _Planned(
                Unit(kind=UnitKind.CITY, code="C01", name="示范市", short_name="示范", order=0),
                "c01",
                None,
            )
            cities = [(root, 13)]
            regions.append([root])
        else:
            root = _Planned(
                Unit(kind=UnitKind.PROVINCE, code="S01", name="示范省", short_name="示范", order=0),
                "s01",
                None,
            )
            regions.append([root])
            cities = []
            for number in range(1, 12):
                base = place()
                city = _Planned(
                    Unit(
                        kind=UnitKind.CITY,
                        code=f"S01C{number:02d}",
                        name=f"{base}市",
                        short_name=base,
                        order=number,
                    ),
                    f"s01c{number:02d}",
                    "S01",
                )
                regions.append([city])
                cities.append((city, 3 + number % 2))
        for city, district_count in cities:
            # The city's own bureaus (市级部门), named like the district's.
            regions[-1 if context.scale == "city" else 0].extend(
                _Planned(
                    Unit(
                        kind=UnitKind.DEPARTMENT,
                        code=f"{city.unit.code}-D{index:02d}",
                        name=f"{city.unit.short_name}市{short_name}",
                        short_name=short_name,
                        order=200 + index,
                    ),
                    f"{city.unit.code.lower()}_{slug}",
                    city.unit.code,
                )
                for index, (slug, _full, short_name) in enumerate(DEPARTMENTS, start=1)
            )
            for number in range(1, district_count + 1):
                base = place()
                code = f"{city.unit.code}D{number:02d}"
                district = self._district(
                    code, f"{base}区", base, prefix=f"{code.lower()}_", parent_key=city.unit.code
                )
                district[0].parent_key = city.unit.code
                district[0].unit.order = number
                regions.append(district)
        return regions

    def _create_units(self, planned: list[_Planned]) -> dict[str, Unit]:
        """Creates the units a level at a time (parents need their ids first)."""
        by_code: dict[str, Unit] = {}
        remaining = planned
        while remaining:
            level = [
                item for item in remaining if item.parent_key is None or item.parent_key in by_code
            ]
            for item in level:
                item.unit.parent = by_code[item.parent_key] if item.parent_key else None
            created = bulk_create_with_history(
                [item.unit for item in level], Unit, default_change_reason="演示数据"
            )
            by_code.update({unit.code: unit for unit in created})
            remaining = [item for item in remaining if item.unit.code not in by_code]
        return by_code

    def _create_groups(
        self, context: DemoContext, regions: list[list[_Planned]], units: dict[str, Unit]
    ) -> None:
        groups, members = [], []
        for region in regions:
            district = region[0].unit
            if district.kind != UnitKind.DISTRICT:
                continue
            prefix = "" if context.scale == "district" else f"{district.code}-"
            name_prefix = "" if context.scale == "district" else district.short_name
            for order, (code, name, kind) in enumerate(GROUPS, start=1):
                group = Group(
                    year=context.year, code=prefix + code, name=name_prefix + name, order=order
                )
                groups.append(group)
                members.append((group, [item.unit for item in region if item.unit.kind == kind]))
        bulk_create_with_history(groups, Group, default_change_reason="演示数据")
        memberships = [
            GroupMember(group=group, unit=units[unit.code], year=group.year)
            for group, group_units in members
            for unit in group_units
        ]
        bulk_create_with_history(memberships, GroupMember, default_change_reason="演示数据")

    # People --------------------------------------------------------------------------

    def _create_people(
        self, context: DemoContext, planned: list[_Planned], units: dict[str, Unit]
    ) -> dict[str, User]:
        """A manager and a clerk for every unit below the region level, without passwords
        (only the demo accounts can sign in)."""
        rng = context.rng
        unusable = make_password(None)
        people = []
        for item in planned:
            if item.unit.kind in (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.DISTRICT):
                continue
            unit = units[item.unit.code]
            for role, prefix, title in (
                (Role.UNIT_MANAGER, "manager", "主任"),
                (Role.UNIT_CLERK, "clerk", "填报员"),
            ):
                people.append(
                    User(
                        username=f"{prefix}_{item.slug}",
                        name=person_name(rng),
                        title=title
                        if unit.kind != UnitKind.DEPARTMENT or role == Role.UNIT_CLERK
                        else "局长",
                        phone=phone(rng),
                        unit=unit,
                        role=role,
                        password=unusable,
                    )
                )
        created = bulk_create_with_history(people, User, default_change_reason="演示数据")
        return {person.username: person for person in created}

    def _create_leaders_and_accounts(
        self, context: DemoContext, units: dict[str, Unit], people: dict[str, User]
    ) -> None:
        rng = context.rng
        district = units[DISTRICT[0]]
        by_short = {unit.short_name: unit for unit in units.values()}
        demo_password = make_password(DEMO_PASSWORD)
        unusable = make_password(None)
        extra = [
            User(
                username="supervisor",
                name=person_name(rng),
                title="督查室主任",
                unit=by_short["发改局"],
                role=Role.SUPERVISOR,
            ),
            User(
                username="provider_tongji",
                name=person_name(rng),
                title="综合统计科",
                unit=by_short["统计局"],
                role=Role.DATA_PROVIDER,
            ),
            User(
                username="provider_shangwu",
                name=person_name(rng),
                title="外资科",
                unit=by_short["商务局"],
                role=Role.DATA_PROVIDER,
            ),
            User(username="viewer", name="大会大屏", title="", unit=district, role=Role.VIEWER),
        ]
        leaders = [
            User(
                username=f"leader{number}",
                name=name,
                title="区领导",
                unit=district,
                role=Role.LEADER,
            )
            for number, name in enumerate(LEADERS, start=1)
        ]
        for person in extra + leaders:
            person.phone = phone(rng)
            person.password = unusable
        created = bulk_create_with_history(extra + leaders, User, default_change_reason="演示数据")
        people.update({person.username: person for person in created})
        # Only the demo accounts can sign in, all with the one demo password.
        User.objects.filter(username__in=DEMO_USERNAMES).update(password=demo_password)
        for username in DEMO_USERNAMES:
            person = people[username]
            context.accounts.append(
                DemoAccount(
                    username,
                    str(person.get_role_display()),
                    person.unit.name if person.unit else "",
                )
            )

        # 领导联系乡镇: the subdistricts, towns and platforms shared out among the leaders.
        leader_users = [people[f"leader{number}"] for number in range(1, len(LEADERS) + 1)]
        linked = [
            u
            for u in units.values()
            if u.kind in (UnitKind.SUBDISTRICT, UnitKind.TOWN, UnitKind.PLATFORM)
        ]
        unit_type = ContentType.objects.get_for_model(Unit)
        links = [
            Link(
                leader=leader_users[index % len(leader_users)],
                content_type=unit_type,
                object_id=unit.pk,
                unit=unit,
                duty="联系平台" if unit.kind == UnitKind.PLATFORM else "联系镇街",
                started_on=date(context.year, 1, 1),
            )
            for index, unit in enumerate(sorted(linked, key=lambda u: u.order))
        ]
        bulk_create_with_history(links, Link, default_change_reason="演示数据")
