"""Choices of the alerts app (督查预警)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    """How serious a finding is. Red and yellow are the warning colours of DESIGN.md; a
    reminder (提醒) is a deadline coming up, not yet a shortfall."""

    RED = "red", _("红色预警")
    YELLOW = "yellow", _("黄色预警")
    REMINDER = "reminder", _("提醒")


#: Most serious first, for sorting and for "raised" versus "lowered".
SEVERITY_RANK = {Severity.RED: 3, Severity.YELLOW: 2, Severity.REMINDER: 1}


class AlertStatus(models.TextChoices):
    """open → acknowledged (with the planned remedy and date) → resolved."""

    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已认领")
    RESOLVED = "resolved", _("已解除")


#: Statuses of an alert that still stands.
STANDING = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class EventKind(models.TextChoices):
    """What happened to an alert; its page lists these as its history."""

    OPENED = "opened", _("触发")
    RAISED = "raised", _("升级为更高级别")
    LOWERED = "lowered", _("降为较低级别")
    ACKNOWLEDGED = "acknowledged", _("认领并提出整改措施")
    RESPONDED = "responded", _("书面回复")
    ESCALATED = "escalated", _("逾期未回应，上报")
    RESOLVED = "resolved", _("自动解除")
    CLOSED = "closed", _("人工解除")
    REOPENED = "reopened", _("再次触发")


class Escalation(models.IntegerChoices):
    """Who an unanswered alert has reached: the responsible person, then the unit's
    manager, then the leader linked to the subject or its unit."""

    RESPONSIBLE = 0, _("责任人")
    MANAGER = 1, _("单位负责人")
    LEADER = 2, _("挂联领导")


class Channel(models.TextChoices):
    """Where a notification goes. The inbox always; mail and the webhook by the person's
    choice."""

    INBOX = "inbox", _("站内消息")
    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("浙政钉/钉钉机器人")


class DeliveryStatus(models.TextChoices):
    """pending → sending → sent; a failure goes to retrying (with the next attempt's time)
    until the attempts run out, then failed — kept and shown, to be sent again by hand."""

    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    RETRYING = "retrying", _("发送失败，等待重试")
    FAILED = "failed", _("发送失败")


#: Deliveries a worker may claim.
CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class NotificationKind(models.TextChoices):
    ALERT = "alert", _("预警")
    ESCALATION = "escalation", _("预警上报")
    DIGEST = "digest", _("每日摘要")
