"""The test district's competition: 乡镇组 of 2026 (锦城街道, 於潜镇 and a third town, 太湖源镇)
scored on a small scheme, with approved values of September 2026 whose points can be
worked out by hand.

Scheme (乡镇组 v1), month 9 (time progress 75 %):
- 固定资产投资 (FAI), 40 points, 序时完成率 capped at 1.2;
- 引进市外内资 (OUTSIDE), 20 points, 序时完成率 capped at 1.2;
- 地区生产总值增速 (GDP_G), 20 points, efficacy coefficient 20 + 80 × relative position;
- 项目开工率 (START_RATE), 20 points, by place, 5 % of the weight less per place;
- bonus: +0.5 per 新签约亿元以上项目 (PROJ_1YI), at most +1;
- deduction: −0.2 per 新增规上企业 short of nothing — counted on NEW_ABOVE, at most −0.4
  (a deduction needs some count; this one is artificial but hand-checkable).

Values of September 2026 (targets for 2026 in brackets):
            FAI            OUTSIDE         GDP_G  START_RATE  PROJ_1YI  NEW_ABOVE
锦城街道   900 (1000)      600 (1000)      8.0    90.0        3         1
於潜镇     750 (1000)      750 (1000)      6.0    90.0        1         0
太湖源镇   300 (1000)      —   (1000)      5.0    60.0        0         3

Worked by hand:
- FAI: 锦城 90 % done / 75 % = 1.2 → 40 × 1.2 = 48; 於潜 1.0 → 40; 太湖源 0.4 → 16.
- OUTSIDE: 锦城 0.8 → 16; 於潜 1.0 → 20; 太湖源 no approved value → 0.
- GDP_G: 锦城 max → 20 × 100 % = 20; 於潜 (6 − 5)/(8 − 5) → 20 × (20 + 80/3)/100 = 9.33;
  太湖源 min → 20 × 20 % = 4.
- START_RATE: 锦城 and 於潜 share place 1 → 20 each; 太湖源 place 3 → 20 × 0.9 = 18.
- bonus: 锦城 3 × 0.5 capped at 1 → +1; 於潜 +0.5; 太湖源 0.
- deduction: 锦城 −0.2; 於潜 0; 太湖源 3 × 0.2 capped at 0.4 → −0.4.
- totals: 锦城 48 + 16 + 20 + 20 + 1 − 0.2 = 104.80; 於潜 40 + 20 + 9.33 + 20 + 0.5 = 89.83;
  太湖源 16 + 0 + 4 + 18 − 0.4 = 37.60.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from bipin.conftest import District
from bipin.core.periods import Period
from bipin.indicators.choices import ValueStatus
from bipin.indicators.models import Indicator, Target, Value
from bipin.indicators.tests.conftest import Catalogue
from bipin.org.choices import UnitKind
from bipin.org.models import GroupMember, Unit
from bipin.scoring.actions import AdjustmentSpec, ItemSpec, do_save_scheme
from bipin.scoring.choices import AdjustmentKind, Basis
from bipin.scoring.models import Scheme

SEPTEMBER = Period(2026, 9)

#: unit short name → (FAI, OUTSIDE, GDP_G, START_RATE, PROJ_1YI, NEW_ABOVE); None: no value.
VALUES = {
    "锦城": ("900", "600", "8.0", "90.0", "3", "1"),
    "於潜": ("750", "750", "6.0", "90.0", "1", "0"),
    "太湖源": ("300", None, "5.0", "60.0", "0", "3"),
}
EXPECTED_TOTALS = {"锦城": Decimal("104.80"), "於潜": Decimal("89.83"), "太湖源": Decimal("37.60")}


@dataclass
class Competition:
    district: District
    catalogue: Catalogue
    town_c: Unit
    scheme: Scheme

    @property
    def units(self) -> dict[str, Unit]:
        return {
            "锦城": self.district.town_a,
            "於潜": self.district.town_b,
            "太湖源": self.town_c,
        }


def put_value(
    indicator: Indicator,
    unit: Unit,
    amount: str,
    period: Period = SEPTEMBER,
    status: str = ValueStatus.APPROVED,
) -> Value:
    """A value as the workflow would have left it (tests of scoring need no workflow)."""
    return Value.objects.create(
        indicator=indicator,
        unit=unit,
        year=period.year,
        month=period.month,
        amount=Decimal(amount),
        status=status,
    )


@pytest.fixture
def competition(district: District) -> Competition:
    catalogue = Catalogue(district)
    town_c = Unit.objects.create(
        kind=UnitKind.TOWN,
        code="330112103",
        name="太湖源镇",
        short_name="太湖源",
        parent=district.district,
        order=103,
    )
    GroupMember.objects.create(group=district.group, unit=town_c, year=2026)
    units = {"锦城": district.town_a, "於潜": district.town_b, "太湖源": town_c}
    columns = (
        catalogue.fai,
        catalogue.outside,
        catalogue.gdp_growth,
        catalogue.start_rate,
        catalogue.projects_1yi,
        catalogue.new_above,
    )
    for short_name, amounts in VALUES.items():
        for indicator, amount in zip(columns, amounts, strict=True):
            if amount is not None:
                put_value(indicator, units[short_name], amount)
        for indicator in (catalogue.fai, catalogue.outside):
            Target.objects.create(
                indicator=indicator, unit=units[short_name], year=2026, amount=Decimal(1000)
            )
    scheme = do_save_scheme(
        Scheme(group=district.group, name="乡镇组测试方案"),
        items=[
            ItemSpec(catalogue.fai, Decimal(40), Basis.COMPLETION),
            ItemSpec(catalogue.outside, Decimal(20), Basis.COMPLETION),
            ItemSpec(catalogue.gdp_growth, Decimal(20), Basis.LEVEL),
            ItemSpec(catalogue.start_rate, Decimal(20), Basis.RANK),
        ],
        adjustments=[
            AdjustmentSpec(
                AdjustmentKind.BONUS,
                "亿元以上项目加分",
                catalogue.projects_1yi,
                Decimal("0.5"),
                Decimal(1),
            ),
            AdjustmentSpec(
                AdjustmentKind.DEDUCTION,
                "测试扣分",
                catalogue.new_above,
                Decimal("0.2"),
                Decimal("0.4"),
            ),
        ],
        actor=district.supervisor,
    )
    return Competition(district, catalogue, town_c, scheme)
