"""督查预警: the supervisor's warning rules (预警规则), the alerts they raise on a unit and
its responsible person (预警), and the notifications that carry them to people — the
in-app inbox, mail and a DingTalk-style webhook.

An alert is the finding of one rule about one subject (a milestone, a target, a service
request, a unit in its group …) in one period; (rule, subject, unit, period) is unique, so
running the rules twice changes nothing (DESIGN.md). A delivery is one notification on one
channel; it is claimed before it is sent and recorded when it has been, so a notification is
never lost and never sent twice.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bipin.alerts.choices import (
    AlertStatus,
    Channel,
    DeliveryStatus,
    Escalation,
    EventKind,
    NotificationKind,
    Severity,
)
from bipin.alerts.querysets import AlertQuerySet, NotificationQuerySet, RuleQuerySet
from bipin.core.history import History
from bipin.org.models import Unit


class Rule(models.Model):
    """预警规则: one configured use of a rule kind (registered in `alerts.rules`) with its
    parameters and severity, set by the supervisor.

    The kind decides what it looks at and how; the rule says with which numbers ("due
    within 15 days", "bottom 2 for 3 runs") and who is told when an alert goes unanswered.
    """

    kind = models.CharField(_("规则类型"), max_length=40)
    name = models.CharField(_("规则名称"), max_length=60, unique=True)
    severity = models.CharField(
        _("预警级别"),
        max_length=20,
        choices=Severity.choices,
        help_text=_("按差距分档的规则（序时进度、年度目标预测）以分档为准"),
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    escalate_after_days = models.PositiveSmallIntegerField(
        _("未回应几天后上报"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("预警触发后这么多天仍未认领，通知单位负责人；再过同样天数，通知挂联领导"),
    )
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    note = models.TextField(_("说明"), blank=True)

    objects = RuleQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("alerts:rule", args=[self.pk])


class Alert(models.Model):
    """预警: a rule's finding about one subject in one period, on the unit that must act and
    its responsible person.

    open → acknowledged (the unit names its remedy and the date it will be done) →
    resolved. A pass of the rules resolves an alert whose condition has cleared and raises
    one that has grown worse; a red turns yellow only when the shortfall is made up (the
    kind says when), never on one good month. `facts` keeps the numbers the finding was
    made with (days overdue, gap, projection …), so the page says why.
    """

    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("预警规则")
    )
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("对象类型")
    )
    subject_id = models.PositiveBigIntegerField(_("对象编号"))
    subject = GenericForeignKey("subject_type", "subject_id")
    #: The subject as it was named when the alert was raised: a page lists alerts without
    #: fetching each subject.
    subject_label = models.CharField(_("预警对象"), max_length=300)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("责任单位")
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("责任人"),
    )
    #: "2026-10" for a month, "2026" for a year, "" for a subject that is its own period
    #: (a milestone, a request).
    period = models.CharField(_("期间"), max_length=10, blank=True)
    severity = models.CharField(_("预警级别"), max_length=20, choices=Severity.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    facts = models.JSONField(_("预警依据"), default=dict)
    opened_on = models.DateField(_("触发日期"))
    last_seen_on = models.DateField(_("最近一次核查日期"))
    acknowledged_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认领人"),
    )
    remedy = models.TextField(_("整改措施"), blank=True)
    remedy_due = models.DateField(_("计划完成日期"), null=True, blank=True)
    response = models.TextField(_("书面回复"), blank=True)
    resolved_on = models.DateField(_("解除日期"), null=True, blank=True)
    #: Empty when the rules resolved it themselves.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("解除人"),
    )
    escalation = models.PositiveSmallIntegerField(
        _("上报层级"), choices=Escalation.choices, default=Escalation.RESPONSIBLE
    )
    escalated_on = models.DateField(_("上报日期"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["opened_on", "pk"]
        constraints = [
            # DESIGN.md: alerts are deduplicated by (rule, subject, period). The unit is
            # part of the key because one subject can bind several units: a request handled
            # by two departments, a month's reporting of every unit.
            models.UniqueConstraint(
                fields=["rule", "subject_type", "subject_id", "unit", "period"],
                name="one_alert_per_rule_subject_unit_period",
            )
        ]
        indexes = [
            models.Index(fields=["status", "severity"], name="alert_status_severity"),
            models.Index(fields=["unit", "status"], name="alert_unit_status"),
            models.Index(fields=["responsible", "status"], name="alert_responsible_status"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.subject_label}"

    def get_absolute_url(self) -> str:
        return reverse("alerts:alert", args=[self.pk])

    @property
    def is_standing(self) -> bool:
        return self.status != AlertStatus.RESOLVED

    def days_open(self, today: date | None = None) -> int:
        end = self.resolved_on or today or timezone.localdate()
        return (end - self.opened_on).days

    def escalation_due(self) -> date:
        """When an unanswered alert goes one step further up."""
        days = self.rule.escalate_after_days * (self.escalation + 1)
        return self.opened_on + timedelta(days=days)

    def describe(self) -> str:
        """The finding in words, in the reader's language (the kind writes it from
        `facts`)."""
        from bipin.alerts.rules import rule_kinds

        if self.rule.kind not in rule_kinds:
            return self.subject_label
        return rule_kinds.get(self.rule.kind).describe(self)


class AlertEvent(models.Model):
    """One step in an alert's life: raised, acknowledged, answered, escalated, resolved.
    The alert's page shows them in order; who did it is empty for the rules' own steps."""

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="events", verbose_name=_("预警")
    )
    kind = models.CharField(_("事件"), max_length=20, choices=EventKind.choices)
    on = models.DateField(_("日期"))
    at = models.DateTimeField(_("记录时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    from_severity = models.CharField(
        _("原级别"), max_length=20, choices=Severity.choices, blank=True
    )
    to_severity = models.CharField(_("新级别"), max_length=20, choices=Severity.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("预警记录")
        verbose_name_plural = _("预警记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert} · {self.get_kind_display()}"


class Notification(models.Model):
    """A message to one person: in the inbox always, and by mail or webhook as the person
    chose (one `Delivery` each). A person on the daily digest gets their alert messages in
    the inbox at once and by mail or webhook in the next digest."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=NotificationKind.choices)
    alert = models.ForeignKey(
        Alert,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("预警"),
    )
    event = models.ForeignKey(
        AlertEvent,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("预警记录"),
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    #: The digest that carried this message by mail or webhook (for digest readers).
    digest = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digested",
        verbose_name=_("所在摘要"),
    )
    #: A digest's day; one digest per person and day.
    digest_on = models.DateField(_("摘要日期"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An alert's step is told to a person once, however many workers run.
            models.UniqueConstraint(
                fields=["recipient", "event"],
                condition=models.Q(event__isnull=False),
                name="one_notification_per_recipient_and_event",
            ),
            models.UniqueConstraint(
                fields=["recipient", "digest_on"],
                condition=models.Q(digest_on__isnull=False),
                name="one_digest_per_recipient_and_day",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("alerts:notification", args=[self.pk])


class Delivery(models.Model):
    """One notification on one channel (mail or webhook): claimed by one worker, then sent
    or retried with backoff; a delivery that runs out of attempts stays, marked failed,
    until someone sends it again."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("消息"),
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    #: The address it goes to, fixed when it was made: a mail address or a webhook URL.
    address = models.CharField(_("发送地址"), max_length=500)
    status = models.CharField(
        _("状态"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), default=timezone.now)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    claimed_by = models.CharField(_("领取进程"), max_length=64, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最近一次错误"), blank=True)

    class Meta:
        verbose_name = _("消息发送")
        verbose_name_plural = _("消息发送")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="one_delivery_per_channel"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.notification} → {self.get_channel_display()}"


class NotificationPreference(models.Model):
    """How a person wants to be told: the inbox always; mail and the webhook by choice;
    each message at once, or one daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("用户"),
    )
    email = models.BooleanField(_("邮件通知"), default=False)
    webhook = models.BooleanField(_("浙政钉/钉钉通知"), default=False)
    #: A person's own robot or work-notice URL; empty uses the instance's
    #: (BIPIN_WEBHOOK_URL).
    webhook_url = models.URLField(_("钉钉机器人地址"), max_length=500, blank=True)
    daily_digest = models.BooleanField(
        _("每日摘要"),
        default=False,
        help_text=_("勾选后，邮件和钉钉消息每天汇总发送一次；站内消息仍即时送达"),
    )

    history = History()

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return str(self.user)


class ScheduleSlot(models.Model):
    """A scheduled job's turn on one day (the daily pass of the rules, the digests),
    taken by the first worker to reach it: the unique key is what keeps two workers from
    running the same job twice."""

    job = models.CharField(_("任务"), max_length=40)
    on = models.DateField(_("日期"))
    taken_by = models.CharField(_("执行进程"), max_length=64)
    taken_at = models.DateTimeField(_("领取时间"), default=timezone.now)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")
        ordering = ["-on", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "on"], name="one_slot_per_job_day")]

    def __str__(self) -> str:
        return f"{self.job} {self.on}"
