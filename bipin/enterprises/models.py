"""Enterprises (企业), and their requests to the government (企业诉求) worked to the
promise of 最多跑一次: at most one visit, in time, to the enterprise's satisfaction."""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bipin.core.history import History
from bipin.core.uscc import validate_uscc
from bipin.enterprises.choices import FINISHED, Grade, Intake, Satisfaction, Size, Status
from bipin.enterprises.querysets import (
    EnterpriseQuerySet,
    RequestStepQuerySet,
    ServiceCategoryQuerySet,
    ServiceRequestQuerySet,
)
from bipin.org.choices import UnitKind
from bipin.org.models import Unit
from bipin.projects.models import Industry

#: Where an enterprise may belong: a town or a subdistrict (镇街).
LOCAL_UNIT_KINDS = (UnitKind.TOWN, UnitKind.SUBDISTRICT)


class Enterprise(models.Model):
    """An enterprise of the district, known by its unified social credit code."""

    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField(_("企业名称"), max_length=200)
    industry = models.ForeignKey(
        Industry,
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"section__isnull": False},
        verbose_name=_("所属行业"),
        help_text=_("国民经济行业分类（GB/T 4754-2017）大类"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"kind__in": LOCAL_UNIT_KINDS},
        verbose_name=_("所属镇街"),
    )
    size = models.CharField(_("规模"), max_length=20, choices=Size.choices)
    is_key = models.BooleanField(_("重点企业"), default=False)
    land_area = models.DecimalField(
        _("用地面积（亩）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    address = models.CharField(_("注册地址"), max_length=200, blank=True)
    #: Set when a 亩均 evaluation is published (scoring.actions.do_publish_evaluation).
    grade = models.CharField(_("亩均评价类别"), max_length=1, choices=Grade.choices, blank=True)
    grade_year = models.PositiveIntegerField(_("亩均评价年度"), null=True, blank=True)
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)

    objects = EnterpriseQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["unit__order", "name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("enterprises:detail", args=[self.pk])

    @property
    def link_unit_id(self) -> int:
        """Leaders linked to an enterprise are seen by its town."""
        return self.unit_id


class ServiceCategory(models.Model):
    """A kind of request (the 服务企业 action areas, and 其他), with its time limit."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    time_limit_days = models.PositiveSmallIntegerField(
        _("办理时限（天）"),
        validators=[MinValueValidator(1)],
        help_text=_("自提交之日起的自然日数；到期未办结即为超期"),
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    objects = ServiceCategoryQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def deadline_from(self, submitted_on: date) -> date:
        return submitted_on + timedelta(days=self.time_limit_days)


class ServiceRequest(models.Model):
    """An enterprise's request (企业诉求), from its submission to its closing.

    Every status step is a RequestStep with its actor and time. It is on time when it was
    finished (已办结) by its deadline, and kept the promise when the enterprise needed at
    most one visit (跑动次数 ≤ 1).
    """

    code = models.CharField(_("诉求编号"), max_length=30, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="requests", verbose_name=_("企业")
    )
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("诉求类别"),
    )
    description = models.TextField(_("诉求内容"))
    intake = models.CharField(_("受理渠道"), max_length=20, choices=Intake.choices)
    departments: "models.ManyToManyField[Unit, Any]" = models.ManyToManyField(
        Unit,
        blank=True,
        related_name="service_requests",
        limit_choices_to={"kind": UnitKind.DEPARTMENT},
        verbose_name=_("承办部门"),
    )
    submitted_on = models.DateField(_("提交日期"))
    deadline = models.DateField(_("办理期限"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    reply = models.TextField(_("答复意见"), blank=True)
    visits = models.PositiveSmallIntegerField(
        _("跑动次数"),
        null=True,
        blank=True,
        help_text=_("企业为此事到部门现场的次数；承诺最多一次"),
    )
    done_on = models.DateField(_("办结日期"), null=True, blank=True)
    closed_on = models.DateField(_("关闭日期"), null=True, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)

    objects = ServiceRequestQuerySet.as_manager()
    history = History(m2m_fields=[departments])

    class Meta:
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")
        ordering = ["-submitted_on", "-code"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.code} {self.enterprise}"

    def get_absolute_url(self) -> str:
        return reverse("enterprises:request", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def on_time(self) -> bool | None:
        """Whether it was finished by its deadline; None while it is open."""
        if not self.is_finished or self.done_on is None:
            return None
        return self.done_on <= self.deadline

    def is_overdue(self, today: date | None = None) -> bool:
        """Open and past its deadline."""
        return not self.is_finished and (today or timezone.localdate()) > self.deadline


class RequestStep(models.Model):
    """One status step of a request: who moved it, from what to what, when, and what they
    wrote (the assignment, the reply, the reason to reopen)."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="steps", verbose_name=_("诉求")
    )
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.TextField(_("说明"), blank=True)

    objects = RequestStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理步骤")
        verbose_name_plural = _("办理步骤")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request.code}: {self.get_to_status_display()}"
