"""Investment projects (招商项目): the pipeline from lead to full production, roadmaps of
milestones, counting rules, duplicate screening and the market-access negative list."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bipin.core.history import History
from bipin.core.uscc import validate_uscc
from bipin.org.models import Unit
from bipin.projects.choices import (
    PIPELINE,
    Channel,
    DuplicateReason,
    DuplicateStatus,
    InvestorKind,
    MajorClass,
    NegativeKind,
    Stage,
    stage_index,
)
from bipin.projects.querysets import EvidenceQuerySet, ProjectQuerySet, ProjectRelatedQuerySet

_NOT_NEGATIVE = [MinValueValidator(Decimal(0))]

#: The date field of each stage on Project.
STAGE_DATE_FIELDS: dict[str, str] = {
    Stage.LEAD: "lead_on",
    Stage.NEGOTIATING: "negotiating_on",
    Stage.SIGNED: "signed_on",
    Stage.REGISTERED: "registered_on",
    Stage.LAND: "land_on",
    Stage.STARTED: "started_on",
    Stage.PRODUCING: "producing_on",
    Stage.AT_CAPACITY: "at_capacity_on",
    Stage.TERMINATED: "terminated_on",
}


class Industry(models.Model):
    """An industry of GB/T 4754-2017: a section (门类, A–T) or a division (大类, 01–97).

    Shipped as data (projects/data/gbt4754_2017.csv, loaded by a migration); projects are
    classified by division.
    """

    code = models.CharField(_("行业代码"), max_length=4, unique=True)
    name = models.CharField(_("行业名称"), max_length=60)
    section = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="divisions",
        verbose_name=_("门类"),
    )

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_section(self) -> bool:
        return self.section_id is None


class LeadingIndustry(models.Model):
    """A leading industry of the district (主导产业), a configurable list."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    history = History()

    class Meta:
        verbose_name = _("主导产业")
        verbose_name_plural = _("主导产业")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class NegativeListItem(models.Model):
    """An item of the market-access negative list (市场准入负面清单).

    A prohibited item refuses projects in the industries it covers; a licensed item says
    which licence such a project needs. An item covering a section covers its divisions.
    """

    code = models.CharField(_("事项编号"), max_length=20, unique=True)
    text = models.TextField(_("事项内容"))
    kind = models.CharField(_("类别"), max_length=20, choices=NegativeKind.choices)
    industries = models.ManyToManyField(
        Industry, related_name="negative_items", verbose_name=_("涉及行业")
    )

    history = History()

    class Meta:
        verbose_name = _("负面清单事项")
        verbose_name_plural = _("负面清单事项")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"


class MilestoneTemplate(models.Model):
    """One line of the roadmap template (时间表、路线图): stage X is due N months after
    stage Y, optionally with evidence required. Laid on a project when it is signed."""

    stage = models.CharField(_("节点"), max_length=20, choices=Stage.choices, unique=True)
    after = models.CharField(_("起算节点"), max_length=20, choices=Stage.choices)
    months = models.PositiveIntegerField(_("期限（月）"))
    requires_evidence = models.BooleanField(_("需上传佐证材料"), default=False)

    history = History()

    class Meta:
        verbose_name = _("路线图模板")
        verbose_name_plural = _("路线图模板")

    def __str__(self) -> str:
        return f"{self.get_stage_display()} ← {self.get_after_display()} + {self.months}"


class Project(models.Model):
    """An investment project (招商项目), from the first lead to full production.

    It belongs to its responsible unit (scoping); when signed it counts once, in its signing
    year, for the unit that signed it (`counting_year`, `counting_unit`, fixed at signing).
    """

    code = models.CharField(_("项目编号"), max_length=30, unique=True)
    name = models.CharField(_("项目名称"), max_length=200)
    investor_name = models.CharField(_("投资方"), max_length=200)
    investor_origin = models.CharField(
        _("投资方来源地"), max_length=60, blank=True, help_text=_("省市或国家")
    )
    investor_kind = models.CharField(
        _("内外资"), max_length=20, choices=InvestorKind.choices, default=InvestorKind.DOMESTIC
    )
    uscc = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[validate_uscc],
        help_text=_("项目公司注册后填写"),
    )
    industry = models.ForeignKey(
        Industry,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("所属行业"),
        limit_choices_to={"section__isnull": False},
    )
    leading_industry = models.ForeignKey(
        LeadingIndustry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("主导产业"),
    )
    channel = models.CharField(
        _("招商方式"), max_length=20, choices=Channel.choices, default=Channel.OTHER
    )
    contracted_investment = models.DecimalField(
        _("总投资（万元）"), max_digits=14, decimal_places=2, validators=_NOT_NEGATIVE
    )
    fixed_asset_investment = models.DecimalField(
        _("固定资产投资（万元）"),
        null=True,
        blank=True,
        max_digits=14,
        decimal_places=2,
        validators=_NOT_NEGATIVE,
    )
    foreign_capital = models.DecimalField(
        _("外资（万美元）"),
        null=True,
        blank=True,
        max_digits=14,
        decimal_places=2,
        validators=_NOT_NEGATIVE,
    )
    responsible_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="projects", verbose_name=_("责任单位")
    )
    platform = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="platform_projects",
        verbose_name=_("落地平台"),
        limit_choices_to={"kind": "platform"},
    )
    is_capital_increase = models.BooleanField(
        _("现有企业增资"), default=False, help_text=_("增资计入金额，不计为新项目")
    )
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices, default=Stage.LEAD)
    lead_on = models.DateField(_("线索日期"), null=True, blank=True)
    negotiating_on = models.DateField(_("洽谈日期"), null=True, blank=True)
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    registered_on = models.DateField(_("注册日期"), null=True, blank=True)
    land_on = models.DateField(_("供地日期"), null=True, blank=True)
    started_on = models.DateField(_("开工日期"), null=True, blank=True)
    producing_on = models.DateField(_("投产日期"), null=True, blank=True)
    at_capacity_on = models.DateField(_("达产日期"), null=True, blank=True)
    terminated_on = models.DateField(_("终止日期"), null=True, blank=True)
    termination_reason = models.TextField(_("终止原因"), blank=True)
    counting_year = models.PositiveIntegerField(
        _("计数年度"), null=True, blank=True, editable=False
    )
    counting_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counted_projects",
        verbose_name=_("计数单位"),
        editable=False,
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_projects",
        verbose_name=_("已合并到"),
        editable=False,
    )
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)

    objects = ProjectQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("招商项目")
        verbose_name_plural = _("招商项目")
        ordering = ["-signed_on", "-created_at", "code"]
        indexes = [
            models.Index(fields=["stage"]),
            models.Index(fields=["counting_year", "counting_unit"]),
            models.Index(fields=["uscc"]),
            models.Index(fields=["investor_name"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])

    @property
    def link_unit_id(self) -> int:
        """Leaders linked to a project are seen by its responsible unit."""
        return self.responsible_unit_id

    @property
    def major_class(self) -> MajorClass | None:
        """亿元 / 10亿元 / 50亿元以上 by contracted investment; foreign projects by their
        foreign capital in 万美元 (thresholds: BIPIN_MAJOR_PROJECT_THRESHOLDS and
        BIPIN_MAJOR_FOREIGN_THRESHOLDS)."""
        return major_class_of(
            self.contracted_investment,
            self.foreign_capital if self.investor_kind == InvestorKind.FOREIGN else None,
        )

    def stage_date(self, stage: str) -> date | None:
        return getattr(self, STAGE_DATE_FIELDS[stage])

    def has_reached(self, stage: str) -> bool:
        """Whether the pipeline has passed `stage` (a terminated project keeps what it reached)."""
        if self.stage == Stage.TERMINATED:
            return self.stage_date(stage) is not None
        return stage_index(self.stage) >= stage_index(stage)

    def next_stage(self) -> Stage | None:
        if self.stage in (Stage.TERMINATED, Stage.AT_CAPACITY):
            return None
        return PIPELINE[stage_index(self.stage) + 1]

    def overdue_milestones(self, today: date | None = None) -> list["Milestone"]:
        today = today or timezone.localdate()
        return [m for m in self.milestones.all() if m.is_overdue(today)]

    def is_overdue(self, today: date | None = None) -> bool:
        """A milestone past its planned date and not reached (DESIGN.md: 逾期)."""
        return bool(self.overdue_milestones(today))


def major_class_of(
    amount_wan: Decimal | None, foreign_wan_usd: Decimal | None = None
) -> MajorClass | None:
    classes = [MajorClass.YI_1, MajorClass.YI_10, MajorClass.YI_50]
    amount: Decimal | None = amount_wan
    thresholds = settings.BIPIN_MAJOR_PROJECT_THRESHOLDS
    if foreign_wan_usd is not None:
        thresholds, amount = settings.BIPIN_MAJOR_FOREIGN_THRESHOLDS, foreign_wan_usd
    if amount is None:
        return None
    found = None
    for major, threshold in zip(classes, thresholds, strict=True):
        if amount >= threshold:
            found = major
    return found


class Milestone(models.Model):
    """A planned date on a project's roadmap (节点), with its actual date and evidence.

    Whether it is reached follows the project's stage, so a project imported at 开工 has
    reached 注册 and 供地 even where the sheet does not say when.
    """

    # Found by the index of one_milestone_per_stage, which begins with the project.
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="milestones",
        db_index=False,
        verbose_name=_("项目"),
    )
    stage = models.CharField(_("节点"), max_length=20, choices=Stage.choices)
    planned_on = models.DateField(_("计划日期"))
    actual_on = models.DateField(_("实际日期"), null=True, blank=True)
    requires_evidence = models.BooleanField(_("需上传佐证材料"), default=False)
    note = models.TextField(_("备注"), blank=True)

    objects = ProjectRelatedQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("路线图节点")
        verbose_name_plural = _("路线图节点")
        ordering = ["planned_on"]
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="one_milestone_per_stage")
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_stage_display()}"

    @property
    def is_reached(self) -> bool:
        return self.project.has_reached(self.stage)

    def is_overdue(self, today: date | None = None) -> bool:
        if self.project.stage == Stage.TERMINATED or self.is_reached:
            return False
        return self.planned_on < (today or timezone.localdate())


def evidence_path(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.milestone.project_id}/{instance.milestone.stage}/{filename}"


class Evidence(models.Model):
    """A file proving a milestone (佐证材料): a business licence, a land contract …"""

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("节点")
    )
    file = models.FileField(_("文件"), upload_to=evidence_path)
    name = models.CharField(_("名称"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = EvidenceQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.name


class StageEvent(models.Model):
    """A stage change of a project: who moved it, from where to where, when and why."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="stage_events", verbose_name=_("项目")
    )
    from_stage = models.CharField(_("原阶段"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=20, choices=Stage.choices)
    happened_on = models.DateField(_("发生日期"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    reason = models.TextField(_("原因"), blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = ProjectRelatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"

    @property
    def is_backward(self) -> bool:
        if not self.from_stage or Stage.TERMINATED in (self.from_stage, self.to_stage):
            return False
        return stage_index(self.to_stage) < stage_index(self.from_stage)


class DuplicateCheck(models.Model):
    """A possible duplicate found at entry or import (甄别): same USCC, or the same investor
    with a similar project name, in any unit. Until it is confirmed as distinct or merged,
    the project does not count."""

    # Found by the index of one_check_per_pair, which begins with the project.
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="duplicate_checks",
        db_index=False,
        verbose_name=_("项目"),
    )
    candidate = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("疑似重复项目")
    )
    reason = models.CharField(_("依据"), max_length=20, choices=DuplicateReason.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("甄别人"),
    )
    decided_at = models.DateTimeField(_("甄别时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    objects = ProjectRelatedQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("重复甄别")
        verbose_name_plural = _("重复甄别")
        ordering = ["status", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "candidate"], name="one_check_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.project} ≟ {self.candidate}"
