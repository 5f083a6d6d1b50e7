"""Indicators of the test district: a small catalogue with every kind of owner and source.

- 固定资产投资 (FAI): cumulative, reported by 区统计局 for every unit;
- 固定资产投资增速 (FAI_G): its growth, computed from it;
- 地区生产总值增速 (GDP_G): a growth typed in by 区统计局;
- 引进市外内资 (OUTSIDE): cumulative, each unit reports its own;
- 新增规上企业数 (NEW_ABOVE): stock-like count each unit reports, lower is not better;
- 新签约亿元以上项目数 (PROJ_1YI) and 项目开工率 (START_RATE): derived from projects.

All apply to subdistricts and towns (锦城街道, 於潜镇). PERIOD is a month long past, so
that it can be written to and closed whatever day the tests run.
"""

from typing import Any

import pytest

from bipin.conftest import District
from bipin.core.periods import Period
from bipin.indicators.actions import do_save_indicator
from bipin.indicators.choices import Direction, IndicatorKind, Source
from bipin.indicators.models import Indicator

PERIOD = Period(2025, 10)
LAST_YEAR = PERIOD.same_period_last_year()


class Catalogue:
    def __init__(self, district: District) -> None:
        actor = district.supervisor

        def make(**fields: Any) -> Indicator:
            return do_save_indicator(None, actor=actor, reason="测试指标", **fields)

        self.fai = make(
            code="FAI", name="固定资产投资", unit_of_measure="万元", kind=IndicatorKind.CUMULATIVE,
            provider=district.statistics, decimals=1, order=1,
        )  # fmt: skip
        self.fai_growth = make(
            code="FAI_G", name="固定资产投资增速", unit_of_measure="%", kind=IndicatorKind.GROWTH,
            source=Source.DERIVED, base=self.fai, decimals=1, order=2,
        )  # fmt: skip
        self.gdp_growth = make(
            code="GDP_G", name="地区生产总值增速", unit_of_measure="%", kind=IndicatorKind.GROWTH,
            provider=district.statistics, decimals=1, order=3,
        )  # fmt: skip
        self.outside = make(
            code="OUTSIDE", name="引进市外内资", unit_of_measure="万元",
            kind=IndicatorKind.CUMULATIVE, decimals=1, order=4,
        )  # fmt: skip
        self.new_above = make(
            code="NEW_ABOVE", name="新增规上企业数", unit_of_measure="个",
            kind=IndicatorKind.CUMULATIVE, decimals=0, order=5,
        )  # fmt: skip
        self.projects_1yi = make(
            code="PROJ_1YI", name="新签约亿元以上项目数", unit_of_measure="个",
            kind=IndicatorKind.CUMULATIVE, source=Source.DERIVED,
            derivation="signed_projects_1yi", decimals=0, order=6,
        )  # fmt: skip
        self.start_rate = make(
            code="START_RATE", name="项目开工率", unit_of_measure="%", kind=IndicatorKind.RATE,
            source=Source.DERIVED, derivation="start_rate", direction=Direction.HIGHER,
            decimals=1, order=7,
        )  # fmt: skip


@pytest.fixture
def catalogue(district: District) -> Catalogue:
    return Catalogue(district)
