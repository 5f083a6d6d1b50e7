"""Writes of 督查预警: configuring rules, acknowledging and answering alerts, closing one by
hand, reading messages, choosing channels. Each is one transaction with its history
(AlertEvent for an alert); views, the API and commands call these.
"""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.alerts.choices import AlertStatus, EventKind, Severity
from bipin.alerts.models import Alert, AlertEvent, Notification, NotificationPreference, Rule
from bipin.alerts.notifications import deliveries_for
from bipin.alerts.rules import rule_kinds
from bipin.core.choices import Action, Role
from bipin.core.history import save_with_history
from bipin.org.models import User


def _refuse(message: str, code: str = "not_allowed") -> None:
    raise PermissionDenied(message)


def _may_change(alert: Alert, actor: User) -> None:
    if not Alert.objects.can(actor, Action.CHANGE, alert):
        _refuse(_("您无权处理这条预警"))


def check_rule(
    kind: str, name: str, severity: str, params: dict[str, Any], *, pk: int | None = None
) -> dict[str, str]:
    """The broken rules of a rule's settings, by field ("params.days" for a parameter)."""
    errors: dict[str, str] = {}
    if kind not in rule_kinds:
        errors["kind"] = _("未知的规则类型：%(kind)s") % {"kind": kind}
        return errors
    if not name.strip():
        errors["name"] = _("请填写规则名称")
    elif Rule.objects.filter(name=name.strip()).exclude(pk=pk or 0).exists():
        errors["name"] = _("已有同名规则：%(name)s") % {"name": name}
    if severity not in Severity.values:
        errors["severity"] = _("未知的预警级别：%(severity)s") % {"severity": severity}
    kind_of = rule_kinds.get(kind)
    read = {}
    for param in kind_of.params:
        try:
            read[param.name] = param.read(params.get(param.name))
        except ValueError as error:
            errors[f"params.{param.name}"] = str(error)
    if len(read) == len(kind_of.params):
        errors.update(kind_of.check(read))
    return errors


@transaction.atomic
def do_save_rule(
    rule: Rule | None,
    *,
    kind: str,
    name: str,
    severity: str,
    params: dict[str, Any],
    escalate_after_days: int,
    active: bool,
    note: str = "",
    actor: User,
    reason: str = "",
) -> Rule:
    """Creates or changes a rule. Parameters are stored as the kind reads them (numbers
    as strings for decimals), defaults filled in. Raises ValidationError by field."""
    if actor.role != Role.SUPERVISOR and not actor.is_superuser:
        _refuse(_("只有督查室可以配置预警规则"))
    if rule is not None and rule.kind != kind:
        raise ValidationError({"kind": _("规则类型创建后不能更改")})
    errors = check_rule(kind, name, severity, params, pk=rule.pk if rule else None)
    if escalate_after_days < 1:
        errors["escalate_after_days"] = _("上报天数至少为 1 天")
    if errors:
        raise ValidationError(errors)
    stored = {
        param.name: (value if param.is_integer else str(value))
        for param in rule_kinds.get(kind).params
        for value in [param.read(params.get(param.name))]
    }
    switched_off = rule is not None and rule.active and not active
    rule = rule or Rule(kind=kind)
    rule.name = name.strip()
    rule.severity = severity
    rule.params = stored
    rule.escalate_after_days = escalate_after_days
    rule.active = active
    rule.note = note
    save_with_history(rule, actor=actor, reason=reason or _("配置预警规则"))
    if switched_off:
        _close_standing(rule, actor, _("规则“%(rule)s”已停用") % {"rule": rule.name})
    return rule


def _close_standing(rule: Rule, actor: User, note: str) -> None:
    """Closes a rule's standing alerts (a rule switched off no longer watches them, so
    they would stand for ever), each with its CLOSED event."""
    today = timezone.localdate()
    alerts = list(Alert.objects.select_for_update().filter(rule=rule).standing())
    Alert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(
        status=AlertStatus.RESOLVED, resolved_on=today, resolved_by=actor
    )
    AlertEvent.objects.bulk_create(
        AlertEvent(alert=alert, kind=EventKind.CLOSED, on=today, actor=actor, note=note)
        for alert in alerts
    )


def _locked(alert: Alert) -> Alert:
    """The alert, locked for this transaction behind its rule's row — the row a pass of
    the rules holds — so that a pass running meanwhile cannot write back an older copy
    over an acknowledgement or a close."""
    Rule.objects.select_for_update().filter(pk=alert.rule_id).first()
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _event(alert: Alert, kind: str, actor: User, note: str = "") -> AlertEvent:
    return AlertEvent.objects.create(
        alert=alert, kind=kind, on=timezone.localdate(), actor=actor, note=note
    )


@transaction.atomic
def do_acknowledge_alert(alert: Alert, *, remedy: str, remedy_due: date, actor: User) -> Alert:
    """认领: the unit names what it will do and by when. Only an open alert; the date may
    not be in the past."""
    _may_change(alert, actor)
    alert = _locked(alert)
    if alert.status != AlertStatus.OPEN:
        raise ValidationError(
            _("这条预警当前为“%(status)s”，不能再认领")
            % {"status": AlertStatus(alert.status).label}
        )
    errors = {}
    if not remedy.strip():
        errors["remedy"] = _("请填写整改措施")
    if remedy_due < timezone.localdate():
        errors["remedy_due"] = _("计划完成日期不能早于今天")
    if errors:
        raise ValidationError(errors)
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.remedy = remedy.strip()
    alert.remedy_due = remedy_due
    alert.save(
        update_fields=["status", "acknowledged_at", "acknowledged_by", "remedy", "remedy_due"]
    )
    _event(
        alert,
        EventKind.ACKNOWLEDGED,
        actor,
        _("%(remedy)s（计划 %(due)s 前完成）")
        % {"remedy": alert.remedy, "due": remedy_due.isoformat()},
    )
    return alert


@transaction.atomic
def do_respond_alert(alert: Alert, *, response: str, actor: User) -> Alert:
    """书面回复: the unit's written answer, on a standing alert (open or acknowledged); a
    later answer replaces the shown one, and every answer stays in the history."""
    _may_change(alert, actor)
    alert = _locked(alert)
    if alert.status == AlertStatus.RESOLVED:
        raise ValidationError(_("这条预警已解除，不能再回复"))
    if not response.strip():
        raise ValidationError({"response": _("请填写回复内容")})
    alert.response = response.strip()
    alert.save(update_fields=["response"])
    _event(alert, EventKind.RESPONDED, actor, alert.response)
    return alert


@transaction.atomic
def do_close_alert(alert: Alert, *, reason: str, actor: User) -> Alert:
    """人工解除: the supervisor closes a standing alert with a reason (the cause is gone in
    a way the rules cannot see). If the condition still holds, the next pass reopens it."""
    if actor.role != Role.SUPERVISOR and not actor.is_superuser:
        _refuse(_("只有督查室可以人工解除预警"))
    alert = _locked(alert)
    if alert.status == AlertStatus.RESOLVED:
        raise ValidationError(_("这条预警已解除"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写解除原因")})
    alert.status = AlertStatus.RESOLVED
    alert.resolved_on = timezone.localdate()
    alert.resolved_by = actor
    alert.save(update_fields=["status", "resolved_on", "resolved_by"])
    _event(alert, EventKind.CLOSED, actor, reason.strip())
    return alert


def do_read_notification(notification: Notification, *, actor: User) -> Notification:
    """Marks a message read (its recipient only; reading twice keeps the first time)."""
    if notification.recipient_id != actor.pk:
        _refuse(_("这不是您的消息"))
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.refresh_from_db(fields=["read_at"])
    return notification


def do_read_all_notifications(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def do_save_preference(
    *,
    email: bool,
    webhook: bool,
    webhook_url: str,
    daily_digest: bool,
    actor: User,
) -> NotificationPreference:
    """A person's own choice of channels. Mail needs an address on the account."""
    if email and not actor.email:
        raise ValidationError({"email": _("您的账号没有邮箱地址，请先在个人信息中填写")})
    preference, _created = NotificationPreference.objects.get_or_create(user=actor)
    left_digest = preference.daily_digest and not daily_digest
    preference.email = email
    preference.webhook = webhook
    preference.webhook_url = webhook_url.strip()
    preference.daily_digest = daily_digest
    preference.full_clean()
    save_with_history(preference, actor=actor, reason=_("修改通知设置"))
    if left_digest:
        # Messages waiting for a digest that will no longer come go out one by one.
        last_digest = (
            Notification.objects.filter(recipient=actor, digest_on__isnull=False)
            .order_by("-created_at")
            .first()
        )
        since = last_digest.created_at if last_digest else timezone.now() - timedelta(days=1)
        waiting = Notification.objects.filter(
            recipient=actor,
            created_at__gt=since,
            digest__isnull=True,
            digest_on__isnull=True,
            deliveries__isnull=True,
        )
        deliveries_for(list(waiting))
    return preference
