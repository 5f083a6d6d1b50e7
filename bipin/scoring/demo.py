"""比拼's part of the demo: a scheme for each of Lin'an's four groups, the monthly runs of
January–September 2026 published, September corrected once, and October scored as a draft.

- 街道组 and 乡镇组 compete on the year's targets (序时完成率 of investment, industry,
  fiscal revenue, foreign and domestic capital, signed projects, talents), on growth (the
  bureau's 规上工业增加值增速 and 地区生产总值增速, by the efficacy coefficient) and on the
  project start rate (by place), with +1 per ≥10亿 project (at most +3) and −0.5 per
  project not started on time (at most −2);
- 平台组 on investment, foreign and domestic capital and talents;
- 部门组 on the service it gives enterprises: requests finished on time and "at most one
  visit" (its tasks join when 督办事项 arrives).

After September was published, 锦城街道's 引进市外内资 of September was corrected (a
payment's evidence came late); the month was scored again and the correction published with its reason, so the
first September run stays as it was and the second shows the difference.
"""

from decimal import Decimal

from bipin.core.demo import DemoContext, DemoStep
from bipin.core.periods import Period
from bipin.indicators.actions import do_correct_value
from bipin.indicators.models import Indicator, Value
from bipin.org.models import Group, User
from bipin.scoring.actions import (
    AdjustmentSpec,
    ItemSpec,
    do_publish_run,
    do_save_scheme,
    do_score,
)
from bipin.scoring.choices import AdjustmentKind, Basis, Counting, EfficacyForm
from bipin.scoring.models import Run, Scheme

PUBLISHED_MONTHS = range(1, 10)
OPEN_MONTH = 10
CORRECTED = ("锦城", "OUTSIDE")
CORRECTION_REASON = (
    "锦城街道 1-9 月引进市外内资补齐一笔到位资金凭证，督查室更正数据，据此更正 9 月评分。"
)

_C, _G, _L, _R = Basis.COMPLETION, Basis.GROWTH, Basis.LEVEL, Basis.RANK

# fmt: off
#: By group code: (indicator code, weight, basis[, efficacy form, satisfactory, not allowed]).
ITEMS: dict[str, list[tuple]] = {
    "towns": [
        ("FAI", 15, _C), ("IND_INV", 10, _C), ("MFG_INV", 5, _C), ("IVA", 10, _C),
        ("IVA_G", 5, _L, EfficacyForm.THRESHOLD, "10", "0"), ("FISCAL", 10, _C),
        ("FDI", 10, _C), ("OUTSIDE", 10, _C), ("PROJ_1YI", 10, _C), ("TALENT_HL", 5, _C),
        ("GDP_G", 5, _L), ("START_RATE", 5, _R),
    ],
    "pingtai": [
        ("FAI", 25, _C), ("IND_INV", 15, _C), ("HT_INV", 15, _C), ("FDI", 15, _C),
        ("OUTSIDE", 15, _C), ("TALENT_HL", 10, _C), ("FAI_G", 5, _L),
    ],
    "bumen": [
        ("DEPT_ON_TIME", 60, _L, EfficacyForm.THRESHOLD, "100", "60"),
        ("DEPT_ONE_VISIT", 40, _L),
    ],
}
# fmt: on
GROUP_ITEMS = {"jiedao": "towns", "xiangzhen": "towns", "pingtai": "pingtai", "bumen": "bumen"}
NAMES = {
    "jiedao": "2026年度街道经济高质量发展比拼方案",
    "xiangzhen": "2026年度乡镇经济高质量发展比拼方案",
    "pingtai": "2026年度平台招商引资比拼方案",
    "bumen": "2026年度部门服务企业比拼方案",
}


def _items(kind: str, indicators: dict[str, Indicator]) -> list[ItemSpec]:
    specs = []
    for code, weight, basis, *efficacy in ITEMS[kind]:
        spec = ItemSpec(indicator=indicators[code], weight=Decimal(weight), basis=basis)
        if efficacy:
            spec.efficacy_form = efficacy[0]
            spec.satisfactory, spec.not_allowed = Decimal(efficacy[1]), Decimal(efficacy[2])
        specs.append(spec)
    return specs


def _adjustments(kind: str, indicators: dict[str, Indicator]) -> list[AdjustmentSpec]:
    if kind != "towns":
        return []
    return [
        AdjustmentSpec(
            kind=AdjustmentKind.BONUS,
            name="10亿元以上项目加分",
            indicator=indicators["PROJ_10YI"],
            per_unit=Decimal(1),
            cap=Decimal(3),
            counting=Counting.VALUE,
        ),
        AdjustmentSpec(
            kind=AdjustmentKind.DEDUCTION,
            name="签约项目未按期开工扣分",
            indicator=indicators["LATE_START"],
            per_unit=Decimal("0.5"),
            cap=Decimal(2),
        ),
    ]


class ScoringDemo(DemoStep):
    name = "scoring"

    def is_loaded(self) -> bool:
        return Scheme.objects.exists()

    def generate(self, context: DemoContext) -> None:
        if context.scale != "district":
            context.out.write("  scoring: the district demo only (benchmarks make their own)\n")
            return
        supervisor = User.objects.get(username="supervisor")
        indicators = {indicator.code: indicator for indicator in Indicator.objects.all()}
        schemes = []
        for group in Group.objects.filter(year=context.year).order_by("order"):
            kind = GROUP_ITEMS[group.code]
            schemes.append(
                do_save_scheme(
                    Scheme(group=group, name=NAMES[group.code]),
                    items=_items(kind, indicators),
                    adjustments=_adjustments(kind, indicators),
                    actor=supervisor,
                    reason="演示数据",
                )
            )
        for month in PUBLISHED_MONTHS:
            for scheme in schemes:
                run = do_score(scheme, Period(context.year, month), actor=supervisor)
                do_publish_run(run, actor=supervisor)
        september = Period(context.year, PUBLISHED_MONTHS[-1])
        self._correct_september(supervisor, september)
        towns = next(scheme for scheme in schemes if scheme.group.code == "jiedao")
        correction = do_score(towns, september, actor=supervisor)
        do_publish_run(correction, actor=supervisor, reason=CORRECTION_REASON)
        for scheme in schemes:
            do_score(scheme, Period(context.year, OPEN_MONTH), actor=supervisor)
        context.out.write(
            f"  scoring: {len(schemes)} schemes, {Run.objects.published().count()} published "
            f"runs (September's 街道组 corrected), {Run.objects.drafts().count()} October drafts\n"
        )

    @staticmethod
    def _correct_september(supervisor: User, september: Period) -> None:
        """The correction of one September value, after the month was closed."""
        short_name, code = CORRECTED
        value = Value.objects.for_steps().get(
            unit__short_name=short_name,
            indicator__code=code,
            year=september.year,
            month=september.month,
        )
        do_correct_value(
            value,
            amount=(value.amount * Decimal("1.06")).quantize(Decimal("0.1")),
            actor=supervisor,
            reason=CORRECTION_REASON,
        )
