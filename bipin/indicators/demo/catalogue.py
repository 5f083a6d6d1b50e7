"""The demo catalogue of 指标数据: Lin'an's indicators with their owners and 指标解释, and the
figures of the statistics bureau's sample report that the demo's history is made to fit
(see the package's docstring for who reports what)."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bipin.indicators.actions import do_save_indicator
from bipin.indicators.choices import Direction, IndicatorKind, Source
from bipin.indicators.models import Indicator
from bipin.org.models import Unit, User

REASON = "演示数据"

_TOWNS = "subdistrict,town"
_TOWNS_PLATFORMS = "subdistrict,town,platform"


@dataclass(frozen=True)
class Spec:
    """An indicator of the demo catalogue. `provider` is the short name of the department
    that reports it (empty: each unit reports its own); `base` the code of the cumulative
    indicator a derived growth is computed from."""

    code: str
    name: str
    unit_of_measure: str
    kind: str
    decimals: int
    unit_kinds: str
    description: str
    provider: str = ""
    derivation: str = ""
    base: str = ""
    direction: str = Direction.HIGHER
    #: Whether units get an annual target on it (a count that only deducts points has none).
    targeted: bool = True

    @property
    def source(self) -> str:
        return Source.DERIVED if self.derivation or self.base else Source.MANUAL


# fmt: off
CATALOGUE = (
    Spec("GDP_G", "地区生产总值增速", "%", IndicatorKind.GROWTH, 1, _TOWNS,
         "按可比价格计算的本年 1 月至期末地区生产总值比上年同期增长的百分比，由区统计局核算后报送。",
         provider="统计局"),
    Spec("FAI", "固定资产投资", "万元", IndicatorKind.CUMULATIVE, 1, _TOWNS_PLATFORMS,
         "本年 1 月至期末计划总投资 500 万元及以上项目完成的投资与房地产开发投资之和"
         "（1–N月累计），由区统计局按项目所在地报送。",
         provider="统计局"),
    Spec("FAI_G", "固定资产投资增速", "%", IndicatorKind.GROWTH, 1, _TOWNS_PLATFORMS,
         "固定资产投资本期累计 ÷ 上年同期累计 − 1，由系统根据“固定资产投资”计算。",
         base="FAI"),
    Spec("IND_INV", "工业投资", "万元", IndicatorKind.CUMULATIVE, 1, _TOWNS_PLATFORMS,
         "固定资产投资中采矿业，制造业，电力、热力、燃气及水生产和供应业的投资（1–N月累计）。",
         provider="统计局"),
    Spec("MFG_INV", "制造业投资", "万元", IndicatorKind.CUMULATIVE, 1, _TOWNS_PLATFORMS,
         "固定资产投资中制造业（国民经济行业分类 C 门类）的投资（1–N月累计）。",
         provider="统计局"),
    Spec("PRIV_INV", "民间投资", "万元", IndicatorKind.CUMULATIVE, 1, _TOWNS,
         "固定资产投资中由非国有控股的内资企业和个人进行的投资（1–N月累计）。",
         provider="统计局"),
    Spec("HT_INV", "高新技术产业投资", "万元", IndicatorKind.CUMULATIVE, 1, _TOWNS_PLATFORMS,
         "固定资产投资中高新技术制造业和高技术服务业的投资（1–N月累计）。",
         provider="统计局"),
    Spec("IVA", "规上工业增加值", "万元", IndicatorKind.CUMULATIVE, 1, _TOWNS,
         "年主营业务收入 2000 万元及以上工业企业的工业增加值（现价，1–N月累计）。",
         provider="统计局"),
    Spec("IVA_G", "规上工业增加值增速", "%", IndicatorKind.GROWTH, 1, _TOWNS,
         "规上工业增加值本期累计 ÷ 上年同期累计 − 1，由系统根据“规上工业增加值”计算。",
         base="IVA"),
    Spec("DIGITAL", "数字经济核心产业增加值", "万元", IndicatorKind.CUMULATIVE, 1, _TOWNS,
         "数字产品制造业、数字产品服务业、数字技术应用业和数字要素驱动业的增加值"
         "（1–N月累计）。",
         provider="统计局"),
    Spec("FISCAL", "财政总收入", "万元", IndicatorKind.CUMULATIVE, 1, _TOWNS,
         "一般公共预算收入与上划中央、省、市税收收入之和（1–N月累计），按属地统计。",
         provider="统计局"),
    Spec("BUDGET", "一般公共预算收入", "万元", IndicatorKind.CUMULATIVE, 1, _TOWNS,
         "按属地统计的地方一般公共预算收入，含税收收入和非税收入（1–N月累计），由区财政局报送。",
         provider="财政局"),
    Spec("FDI", "实际利用外资", "万美元", IndicatorKind.CUMULATIVE, 2, _TOWNS_PLATFORMS,
         "外商投资企业本年实际到位的外资金额（1–N月累计），按商务部门统计口径，由区商务局报送。",
         provider="商务局"),
    Spec("OUTSIDE", "引进市外内资", "万元", IndicatorKind.CUMULATIVE, 1, _TOWNS_PLATFORMS,
         "本单位引进的杭州市外内资项目本年实际到位资金（1–N月累计），各单位自行填报，"
         "到位凭证留存备查。"),
    Spec("PROJ_1YI", "新签约亿元以上项目数", "个", IndicatorKind.CUMULATIVE, 0, _TOWNS,
         "经甄别计入本单位、本年签约、合同投资 1 亿元及以上的新项目个数（增资扩股项目不计个数），"
         "由系统根据招商项目台账计算。",
         derivation="signed_projects_1yi"),
    Spec("PROJ_10YI", "10亿元以上项目数", "个", IndicatorKind.CUMULATIVE, 0, _TOWNS,
         "经甄别计入本单位、本年签约、合同投资 10 亿元及以上的新项目个数，由系统根据招商项目台账计算。",
         derivation="signed_projects_10yi"),
    Spec("START_RATE", "项目开工率", "%", IndicatorKind.RATE, 1, _TOWNS,
         "计划本年开工的项目中，期末前已开工的项目所占比例，按责任单位统计，由系统根据项目节点计算。",
         derivation="start_rate"),
    Spec("LATE_START", "未按期开工项目数", "个", IndicatorKind.CUMULATIVE, 0, _TOWNS,
         "计划于本年 1 月至期末开工、期末前仍未开工的项目个数，按责任单位统计，由系统根据项目节点计算；"
         "比拼中每个扣分。",
         derivation="late_starts", direction=Direction.LOWER, targeted=False),
    Spec("TALENT_HL", "引进高层次人才数", "人", IndicatorKind.CUMULATIVE, 0, _TOWNS_PLATFORMS,
         "本年引进的 A–E 类高层次人才人数，按引进单位统计，由系统根据人才库计算。",
         derivation="high_level_talents"),
    Spec("GRADUATES", "引进大学生数", "人", IndicatorKind.CUMULATIVE, 0, _TOWNS_PLATFORMS,
         "本年引进的博士、硕士和本科毕业生人数，按引进单位统计，由系统根据人才库计算。",
         derivation="graduates"),
    Spec("NEW_ABOVE", "新增规上企业数", "个", IndicatorKind.CUMULATIVE, 0, _TOWNS,
         "本年新纳入规模以上统计的工业企业个数（1–N月累计），各单位自行填报，"
         "以统计联网直报名录为准。"),
    Spec("REQ_ON_TIME", "企业诉求按期办结率", "%", IndicatorKind.RATE, 1, _TOWNS,
         "本年办结的企业诉求中在办理期限内办结的比例，按企业所在镇街统计，由系统根据企业诉求记录计算。",
         derivation="requests_on_time"),
    Spec("DEPT_ON_TIME", "承办诉求按期办结率", "%", IndicatorKind.RATE, 1, "department",
         "本年办结的、由本部门承办的企业诉求中在办理期限内办结的比例，由系统根据企业诉求记录计算；"
         "部门组比拼的服务指标。",
         derivation="handled_on_time"),
    Spec("DEPT_ONE_VISIT", "最多跑一次实现率", "%", IndicatorKind.RATE, 1, "department",
         "本年办结的、由本部门承办的企业诉求中企业跑动不超过一次的比例，由系统根据企业诉求记录计算。",
         derivation="handled_in_one_visit"),
)
# fmt: on

#: The statistics bureau's report of 1-10月 2026 (samples/统计局月报_2026年1-10月.xlsx):
#: for each unit, the year-to-date amount and the printed growth (%) of 固定资产投资,
#: 工业投资, 民间投资, 规上工业增加值 and 财政总收入; "—" where last year has no base.
SAMPLE_CODES = ("FAI", "IND_INV", "PRIV_INV", "IVA", "FISCAL")
SAMPLE_REPORT = """
锦城    38018.2  7.1   136979.3  25.0   33864.5  -6.8   159459.7   9.8   205410.1   9.4
锦北   192095.8 20.4   197258.5  11.3   68463.4  12.7    35905.6  22.8   121313.0  22.7
锦南   180664.9 16.0    60976.6  -5.4  254937.9  28.5   210894.2  32.0   137424.1 -14.2
玲珑    93779.4  9.9    81614.7   4.9  228871.7  17.2   153510.7 -16.8   187137.3   0.2
青山湖 114398.8  1.9   155600.9   6.9   37344.9   7.3   197037.0  12.0   131739.7  27.8
太湖源  24389.9  3.0    83471.6   6.0   47341.9 -16.7    21370.5 -11.6     5826.6  17.2
於潜    79984.0 -12.9   56574.4   5.5   44167.0  -6.6    79904.0  13.3    41926.5   5.5
天目山  83757.6 31.4    49788.5  10.0   60773.2  -2.6    72282.5   7.1    43882.0  26.2
太阳    39826.4 -3.3    25309.7 -16.3   59524.4  11.9    42053.1   8.1    44822.3  28.1
潜川    24519.8  6.3    46747.1  23.3   73004.4   9.9    81793.1  23.6    29524.2  27.8
昌化    10206.1 16.5    70979.9   7.8   41583.5  30.3    87103.2  24.1    43904.4 -14.8
河桥    25082.3  6.9    10054.6  19.4   37901.0   4.5     2741.9 -18.0    52886.6  28.6
湍口     8851.3 21.7    23433.6  13.1   68039.2  29.8    60660.2  13.8    15196.3  -2.3
清凉峰  53101.3 20.5    85569.3   6.6   65261.8 -11.3    21229.1  11.4    86307.6  25.8
岛石    46167.8 -13.8   60667.1  28.8   70834.3   —      28581.4   2.6    73007.6   8.0
龙岗    18907.7 -17.3   10892.9  26.4    6046.7  -0.6    32776.1  20.5     3782.4   7.5
板桥    30506.8 -2.8    30354.8 -11.9   85467.2  10.6    72737.1 -10.3    47485.8   3.7
高虹    31273.1 11.9    61547.1 -14.5   36825.4  -8.2    83048.8 -15.7    49711.8  23.9
"""


def sample_report() -> dict[str, dict[str, tuple[Decimal, Decimal | None]]]:
    """The sample report's figures: {unit short name: {code: (amount, growth or None)}}."""
    report = {}
    for line in SAMPLE_REPORT.strip().splitlines():
        name, *cells = line.split()
        pairs = zip(cells[::2], cells[1::2], strict=True)
        report[name] = {
            code: (Decimal(amount), None if growth == "—" else Decimal(growth))
            for code, (amount, growth) in zip(SAMPLE_CODES, pairs, strict=True)
        }
    return report


def implied_last_year(amount: Decimal, growth: Decimal) -> Decimal:
    """Last year's amount that a printed growth implies: amount ÷ (1 + g/100), to 0.1."""
    return (amount * 100 / (100 + growth)).quantize(Decimal("0.1"), ROUND_HALF_UP)


#: The one gap the sample report prints "—" for: no 2025 values of the unit at all.
NO_BASE = ("岛石", "PRIV_INV")


def make_catalogue(actor: User, providers: Mapping[str, Unit]) -> dict[str, Indicator]:
    """The demo catalogue through do_save_indicator, by code; `providers` are the
    departments by short name (统计局, 财政局, 商务局)."""
    made: dict[str, Indicator] = {}
    for order, spec in enumerate(CATALOGUE, start=1):
        made[spec.code] = do_save_indicator(
            None,
            actor=actor,
            reason=REASON,
            code=spec.code,
            name=spec.name,
            unit_of_measure=spec.unit_of_measure,
            kind=spec.kind,
            direction=spec.direction,
            decimals=spec.decimals,
            provider=providers[spec.provider] if spec.provider else None,
            source=spec.source,
            derivation=spec.derivation,
            base=made[spec.base] if spec.base else None,
            unit_kinds=spec.unit_kinds,
            description=spec.description,
            order=order * 10,
        )
    return made
