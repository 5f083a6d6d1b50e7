"""比拼: how each competition group is scored (评分方案), the scoring runs of a month with
every unit's score, rank, colour and breakdown (评分结果), and the 亩均 evaluation of
enterprises (亩均论英雄) with the same methods.

A published run never changes (DESIGN.md): it keeps every number it scored with, so that a
成绩单 read a year later says what it said on the day; a correction is a new run that names
the run it corrects.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bipin.core.history import History
from bipin.core.periods import Period
from bipin.enterprises.choices import Grade, Size
from bipin.enterprises.models import Enterprise
from bipin.indicators.choices import Colour
from bipin.indicators.models import AMOUNT_DIGITS, AMOUNT_PLACES, Indicator
from bipin.org.models import Group, Unit
from bipin.scoring.choices import (
    AdjustmentKind,
    Basis,
    Counting,
    EfficacyForm,
    ItemState,
    Measure,
    RunStatus,
)
from bipin.scoring.querysets import (
    EvaluationQuerySet,
    EvaluationResultQuerySet,
    EvaluationSchemeQuerySet,
    FiguresQuerySet,
    RunQuerySet,
    SchemeQuerySet,
    ScoreQuerySet,
)

#: Points are kept to two places, as a board shows them: a unit's total is the sum of the
#: points on its 成绩单, exactly.
POINT_DIGITS, POINT_PLACES = 9, 2
#: Percentages (completion, time progress, growth, gap) to four places.
PERCENT_DIGITS, PERCENT_PLACES = 12, 4
_POSITIVE = [MinValueValidator(Decimal(0))]


class Scheme(models.Model):
    """评分方案: how one group is scored in its year — the items with their weights and
    methods, the bonuses and deductions, the colour bands.

    Versioned: a scheme that a published run has used is frozen (`frozen_at`), and a
    change to it is a new version, so a published run can always be explained by the
    scheme it was scored with.
    """

    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="schemes", verbose_name=_("比拼组")
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("方案名称"), max_length=100)
    note = models.TextField(_("说明"), blank=True)
    green_from = models.DecimalField(
        _("绿色起点（百分点）"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(0),
        help_text=_("加权序时差距不低于此值为绿色"),
    )
    yellow_from = models.DecimalField(
        _("黄色起点（百分点）"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(-10),
        help_text=_("加权序时差距不低于此值为黄色，更低为红色"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    frozen_at = models.DateTimeField(
        _("冻结时间"),
        null=True,
        blank=True,
        help_text=_("已发布的评分使用后不可再改，只能另存新版本"),
    )

    objects = SchemeQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("评分方案")
        verbose_name_plural = _("评分方案")
        ordering = ["-group__year", "group__order", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["group", "version"], name="one_scheme_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("scoring:scheme", args=[self.pk])

    @property
    def year(self) -> int:
        return self.group.year

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class SchemeItem(models.Model):
    """One scored item of a scheme: an indicator, its weight (the most points it earns)
    and how its number becomes points."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="items", verbose_name=_("评分方案")
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("指标")
    )
    weight = models.DecimalField(
        _("分值"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    basis = models.CharField(_("评分依据"), max_length=12, choices=Basis.choices)
    cap = models.DecimalField(
        _("完成率封顶"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1.2"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("序时完成率按此倍数封顶，如 1.2 即最多得分值的 120%"),
    )
    efficacy_form = models.CharField(
        _("功效系数形式"),
        max_length=12,
        choices=EfficacyForm.choices,
        default=EfficacyForm.MINMAX,
        help_text=_("用于同比增速和绝对量"),
    )
    satisfactory = models.DecimalField(
        _("满意值"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, null=True, blank=True
    )
    not_allowed = models.DecimalField(
        _("不允许值"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, null=True, blank=True
    )
    rank_step = models.DecimalField(
        _("每降一位扣减比例"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.05"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("按位次计分时，第一名得满分，每降一位少得分值的此比例"),
    )

    history = History()

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["scheme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "indicator"], name="one_item_per_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.name}（{self.weight}）"


class Adjustment(models.Model):
    """A bonus (加分) or deduction (扣分) of a scheme, counted from an indicator, each with its
    own cap: "+0.1 per ≥10亿 project over the target, at most +3"; "−0.1 per project signed
    but not started on time"."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="adjustments", verbose_name=_("评分方案")
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    kind = models.CharField(_("类别"), max_length=12, choices=AdjustmentKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("计数指标")
    )
    counting = models.CharField(
        _("计数方式"), max_length=12, choices=Counting.choices, default=Counting.VALUE
    )
    per_unit = models.DecimalField(
        _("每单位分值"), max_digits=8, decimal_places=4, validators=_POSITIVE
    )
    cap = models.DecimalField(_("封顶分值"), max_digits=6, decimal_places=2, validators=_POSITIVE)

    history = History()

    class Meta:
        verbose_name = _("加减分项")
        verbose_name_plural = _("加减分项")
        ordering = ["scheme", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class Run(models.Model):
    """评分结果: a scheme applied to a month. Drafts may be scored again; a published run
    never changes, and a correction is a new run that names the run it corrects."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.PROTECT, related_name="runs", verbose_name=_("评分方案")
    )
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="runs", verbose_name=_("比拼组")
    )
    year = models.PositiveIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.DRAFT
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("更正的评分"),
    )
    correction_reason = models.TextField(_("更正原因"), blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上期评分"),
        help_text=_("位次变化与之比较的上一期已发布评分"),
    )
    value_count = models.PositiveIntegerField(_("计分数据条数"), default=0)
    missing_count = models.PositiveIntegerField(_("缺少审核数据条数"), default=0)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("计算人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )

    objects = RunQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("评分结果")
        verbose_name_plural = _("评分结果")
        ordering = ["-year", "-month", "group__order", "-computed_at"]
        constraints = [
            # One draft at a time per group and month: scoring again replaces it.
            models.UniqueConstraint(
                fields=["group", "year", "month"],
                condition=models.Q(status=RunStatus.DRAFT),
                name="one_draft_run_per_group_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group.name} {self.period.label}"

    def get_absolute_url(self) -> str:
        return reverse("scoring:run", args=[self.pk])

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)

    @property
    def is_published(self) -> bool:
        return self.status == RunStatus.PUBLISHED


class Score(models.Model):
    """One unit's result in a run: total, rank, rank change and colour. Its items (the
    成绩单's lines) add up to the total."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="scores", verbose_name=_("单位")
    )
    total = models.DecimalField(_("总分"), max_digits=POINT_DIGITS, decimal_places=POINT_PLACES)
    item_points = models.DecimalField(
        _("指标得分"), max_digits=POINT_DIGITS, decimal_places=POINT_PLACES
    )
    bonus = models.DecimalField(
        _("加分"), max_digits=POINT_DIGITS, decimal_places=POINT_PLACES, default=Decimal(0)
    )
    deduction = models.DecimalField(
        _("扣分"), max_digits=POINT_DIGITS, decimal_places=POINT_PLACES, default=Decimal(0)
    )
    rank = models.PositiveIntegerField(_("名次"))
    previous_rank = models.PositiveIntegerField(_("上期名次"), null=True, blank=True)
    gap = models.DecimalField(
        _("加权序时差距（百分点）"),
        max_digits=PERCENT_DIGITS,
        decimal_places=PERCENT_PLACES,
        null=True,
        blank=True,
        help_text=_("各序时完成率评分项的完成率与序时进度之差，按分值加权"),
    )
    colour = models.CharField(_("颜色"), max_length=8, choices=Colour.choices, blank=True)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位得分")
        verbose_name_plural = _("单位得分")
        ordering = ["run", "rank", "unit__order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit"], name="one_score_per_unit_and_run"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.total}"

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous run: positive is up."""
        if self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def change_arrow(self) -> str:
        """The rank change as a board prints it: ↑2, ↓1, — (unchanged or no earlier run)."""
        change = self.rank_change
        if not change:
            return "—"
        return f"↑{change}" if change > 0 else f"↓{-change}"


class ScoreItem(models.Model):
    """One line of a unit's 成绩单: an item with the numbers it was scored on, or a bonus
    or deduction with its count. `points` is signed: a deduction is negative."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField(_("排序"), default=0)
    kind = models.CharField(_("类别"), max_length=12, default="item")
    scheme_item = models.ForeignKey(
        SchemeItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    adjustment = models.ForeignKey(
        Adjustment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("指标")
    )
    state = models.CharField(
        _("计分情况"), max_length=16, choices=ItemState.choices, default=ItemState.SCORED
    )
    actual = models.DecimalField(
        _("实际值"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, null=True, blank=True
    )
    target = models.DecimalField(
        _("年度目标"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, null=True, blank=True
    )
    completion = models.DecimalField(
        _("完成率（%）"),
        max_digits=PERCENT_DIGITS,
        decimal_places=PERCENT_PLACES,
        null=True,
        blank=True,
    )
    time_progress = models.DecimalField(
        _("序时进度（%）"),
        max_digits=PERCENT_DIGITS,
        decimal_places=PERCENT_PLACES,
        null=True,
        blank=True,
    )
    gap = models.DecimalField(
        _("序时差距（百分点）"),
        max_digits=PERCENT_DIGITS,
        decimal_places=PERCENT_PLACES,
        null=True,
        blank=True,
    )
    growth = models.DecimalField(
        _("同比增长（%）"),
        max_digits=PERCENT_DIGITS,
        decimal_places=PERCENT_PLACES,
        null=True,
        blank=True,
    )
    measure = models.DecimalField(
        _("计分值"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_PLACES,
        null=True,
        blank=True,
        help_text=_("评分所依据的数：序时完成率、增速、绝对量、位次或计数"),
    )
    weight = models.DecimalField(_("分值"), max_digits=POINT_DIGITS, decimal_places=POINT_PLACES)
    points = models.DecimalField(_("得分"), max_digits=POINT_DIGITS, decimal_places=POINT_PLACES)

    class Meta:
        verbose_name = _("得分明细")
        verbose_name_plural = _("得分明细")
        ordering = ["score", "order"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.points}"

    @property
    def lost(self) -> Decimal:
        """Points an item did not earn of its weight (none for bonuses and deductions)."""
        if self.kind != "item":
            return Decimal(0)
        return max(self.weight - self.points, Decimal(0))


# --- 亩均论英雄 ----------------------------------------------------------------------------


class EvaluationScheme(models.Model):
    """The year's 亩均 evaluation rules (亩均评价办法): which measures count for 规上 and
    规下 enterprises with what weight and benchmark, and the class shares."""

    year = models.PositiveIntegerField(_("年度"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    share_a = models.DecimalField(
        _("A 类累计比例（%）"), max_digits=5, decimal_places=2, default=Decimal(20)
    )
    share_b = models.DecimalField(
        _("B 类累计比例（%）"), max_digits=5, decimal_places=2, default=Decimal(60)
    )
    share_c = models.DecimalField(
        _("C 类累计比例（%）"), max_digits=5, decimal_places=2, default=Decimal(95)
    )
    min_years = models.PositiveSmallIntegerField(
        _("参评最短投产年限"), default=2, help_text=_("投产不满此年限的企业列为 T 类，不参评")
    )

    objects = EvaluationSchemeQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("亩均评价办法")
        verbose_name_plural = _("亩均评价办法")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("scoring:evaluation_scheme", args=[self.pk])


class Criterion(models.Model):
    """A measure of the 亩均 evaluation for one size of enterprise, with its weight and its
    benchmark (the value that earns exactly the weight: score = Σ value/benchmark × weight)."""

    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.CASCADE, related_name="criteria")
    size = models.CharField(_("企业类别"), max_length=20, choices=Size.choices)
    measure = models.CharField(_("评价指标"), max_length=32, choices=Measure.choices)
    weight = models.DecimalField(
        _("权重（分）"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    benchmark = models.DecimalField(
        _("基准值"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_PLACES,
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    cap = models.DecimalField(
        _("封顶倍数"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(2),
        help_text=_("单项得分最多为权重的此倍数"),
    )

    history = History()

    class Meta:
        verbose_name = _("亩均评价指标")
        verbose_name_plural = _("亩均评价指标")
        ordering = ["scheme", "size", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "size", "measure"], name="one_criterion_per_measure"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_size_display()} {self.get_measure_display()}"


class EnterpriseFigures(models.Model):
    """An enterprise's figures of one year for the 亩均 evaluation (亩均数据), as the tax,
    statistics, energy and environment bureaus report them, with what rates it: the land,
    and whether it is rated at all (T) or barred from A and B (a veto)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="figures", verbose_name=_("企业")
    )
    year = models.PositiveIntegerField(_("年度"))
    size = models.CharField(_("企业类别"), max_length=20, choices=Size.choices)
    land_area = models.DecimalField(
        _("用地面积（亩）"), max_digits=12, decimal_places=2, validators=_POSITIVE
    )
    tax = models.DecimalField(_("实缴税收（万元）"), max_digits=16, decimal_places=2)
    value_added = models.DecimalField(
        _("工业增加值（万元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    revenue = models.DecimalField(
        _("营业收入（万元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    employees = models.PositiveIntegerField(_("年平均职工人数"), null=True, blank=True)
    energy = models.DecimalField(
        _("综合能耗（吨标煤）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    emissions = models.DecimalField(
        _("主要污染物排放量（吨）"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    rd_expense = models.DecimalField(
        _("R&D 经费支出（万元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    electricity = models.DecimalField(
        _("用电量（万千瓦时）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    production_started = models.PositiveIntegerField(
        _("投产年份"),
        null=True,
        blank=True,
        help_text=_("投产不满评价办法规定年限的企业列为 T 类"),
    )
    unrated_reason = models.CharField(
        _("不参评原因"),
        max_length=100,
        blank=True,
        help_text=_("如：公用事业；填写则列为 T 类"),
    )
    veto_reason = models.CharField(
        _("否决事项"),
        max_length=200,
        blank=True,
        help_text=_("如：发生较大安全生产或环境污染事故；填写则不得评为 A、B 类"),
    )

    objects = FiguresQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("亩均数据")
        verbose_name_plural = _("亩均数据")
        ordering = ["-year", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"], name="one_figures_per_enterprise_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.enterprise}"


class Evaluation(models.Model):
    """亩均评价结果: the year's scheme applied to the year's figures; drafts may be
    computed again, a published evaluation never changes and sets each enterprise's class
    in the registry."""

    scheme = models.ForeignKey(
        EvaluationScheme,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("评价办法"),
    )
    year = models.PositiveIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("计算人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )

    objects = EvaluationQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("亩均评价")
        verbose_name_plural = _("亩均评价")
        ordering = ["-year", "-computed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(status=RunStatus.DRAFT),
                name="one_draft_evaluation_per_year",
            ),
        ]

    def __str__(self) -> str:
        return _("%(year)s年度亩均评价") % {"year": self.year}

    def get_absolute_url(self) -> str:
        return reverse("scoring:evaluation", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == RunStatus.PUBLISHED


class EvaluationResult(models.Model):
    """One enterprise's result: the measures it was rated on, its score, its rank among
    the rated enterprises of its size, and its class."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="results")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="evaluation_results"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属镇街")
    )
    size = models.CharField(_("企业类别"), max_length=20, choices=Size.choices)
    score = models.DecimalField(
        _("综合得分"), max_digits=POINT_DIGITS, decimal_places=POINT_PLACES, null=True, blank=True
    )
    rank = models.PositiveIntegerField(_("名次"), null=True, blank=True)
    grade = models.CharField(_("评价类别"), max_length=1, choices=Grade.choices)
    veto_reason = models.CharField(_("否决事项"), max_length=200, blank=True)
    unrated_reason = models.CharField(_("不参评原因"), max_length=100, blank=True)
    #: {measure: {"value": "…", "points": "…"}} — the numbers the score is made of, kept with
    #: the result so that a published evaluation explains itself after the figures change.
    breakdown = models.JSONField(_("得分明细"), default=dict)

    objects = EvaluationResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业亩均评价")
        verbose_name_plural = _("企业亩均评价")
        ordering = ["evaluation", "size", "rank", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "enterprise"], name="one_result_per_enterprise"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.grade}"
