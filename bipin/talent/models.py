"""Talents introduced to the district (招才引智)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bipin.core.history import History
from bipin.enterprises.models import Enterprise
from bipin.org.models import Unit
from bipin.talent.choices import (
    HIGH_LEVEL,
    TIER_SHORT,
    Employment,
    ProjectStage,
    TalentStatus,
    Tier,
)
from bipin.talent.personal import shown, validate_id_number, validate_phone
from bipin.talent.querysets import TalentQuerySet

#: Personal data: never in the history, masked for those who may not see it (personal.py).
PERSONAL_FIELDS = ("phone", "id_number")


class Talent(models.Model):
    """A talent introduced by a unit to work for an enterprise of the district, full-time
    or flexibly, perhaps with a start-up project of their own."""

    code = models.CharField(_("人才编号"), max_length=30, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    tier = models.CharField(_("人才类别"), max_length=20, choices=Tier.choices)
    field = models.CharField(_("专业领域"), max_length=100, blank=True)
    employer = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="talents", verbose_name=_("工作单位")
    )
    introducing_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="talents", verbose_name=_("引进单位")
    )
    introduced_on = models.DateField(_("引进日期"))
    employment = models.CharField(_("引进方式"), max_length=20, choices=Employment.choices)
    settled = models.BooleanField(_("已落户"), default=False)
    settled_on = models.DateField(_("落户日期"), null=True, blank=True)
    project_name = models.CharField(_("创业创新项目"), max_length=200, blank=True)
    project_funding = models.DecimalField(
        _("项目资助（万元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    project_stage = models.CharField(
        _("项目阶段"), max_length=20, choices=ProjectStage.choices, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=TalentStatus.choices, default=TalentStatus.ACTIVE
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    id_number = models.CharField(
        _("身份证号码"), max_length=18, blank=True, validators=[validate_id_number]
    )
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)

    objects = TalentQuerySet.as_manager()
    history = History(excluded_fields=list(PERSONAL_FIELDS))

    class Meta:
        verbose_name = _("人才")
        verbose_name_plural = _("人才")
        ordering = ["-introduced_on", "name"]
        indexes = [models.Index(fields=["introduced_on"]), models.Index(fields=["tier"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("talent:detail", args=[self.pk])

    @property
    def is_high_level(self) -> bool:
        return self.tier in HIGH_LEVEL

    @property
    def tier_short(self) -> str:
        return str(TIER_SHORT.get(self.tier, self.tier))

    @property
    def phone_shown(self) -> str:
        """The phone number as the reader may see it (personal.shown)."""
        return shown(self, "phone")

    @property
    def id_number_shown(self) -> str:
        return shown(self, "id_number")
