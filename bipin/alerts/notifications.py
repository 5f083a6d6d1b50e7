"""Telling people: an alert's step becomes a `Notification` for each person concerned (the
inbox), and a `Delivery` for each channel the person chose (mail, webhook) unless they
read a daily digest instead. Sending is `alerts.deliveries`' business: a delivery row is
the message's place in the queue, so nothing is lost if a worker stops, and it is claimed
before it is sent, so nothing goes twice.

Messages are written in the instance's language (BIPIN_LANGUAGE, Chinese by default): a
person has no language of their own yet, and a mail is read outside the page.
"""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from bipin.alerts.choices import Channel, EventKind, NotificationKind, Severity
from bipin.alerts.models import Delivery, Notification, NotificationPreference
from bipin.core import bulk

if TYPE_CHECKING:
    from bipin.alerts.models import Alert, AlertEvent

#: Who is told of a step: user ids.
Recipients = Sequence[int]


def title_of(alert: "Alert", event: "AlertEvent") -> str:
    """The message's title: what happened, to what."""
    severity = Severity(alert.severity).label
    if event.kind == EventKind.ESCALATED:
        return _("【预警上报】%(rule)s：%(subject)s") % {
            "rule": alert.rule.name,
            "subject": alert.subject_label,
        }
    if event.kind == EventKind.RAISED:
        return _("【升级为%(severity)s】%(rule)s：%(subject)s") % {
            "severity": severity,
            "rule": alert.rule.name,
            "subject": alert.subject_label,
        }
    return _("【%(severity)s】%(rule)s：%(subject)s") % {
        "severity": severity,
        "rule": alert.rule.name,
        "subject": alert.subject_label,
    }


def body_of(alert: "Alert", event: "AlertEvent") -> str:
    lines = [alert.describe()]
    lines.append(
        _("责任单位：%(unit)s；触发日期：%(opened)s")
        % {"unit": alert.unit.name, "opened": alert.opened_on.isoformat()}
    )
    if event.kind == EventKind.ESCALATED:
        lines.append(
            _("该预警触发后 %(days)s 天仍未认领，现上报%(level)s。")
            % {"days": alert.days_open(event.on), "level": event.note}
        )
    return "\n".join(lines)


def _alert_link() -> Callable[[int], str]:
    """An alert page's address for any id, from one reverse(): a first pass at the
    province's scale tells of 100,000 alerts, and reverse() per message costs about as much
    as writing the message."""
    sample = reverse("alerts:alert", args=[1])
    head, tail = sample.rsplit("/1/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


def notify(told: Sequence[tuple["AlertEvent", Recipients]]) -> list[Notification]:
    """Notifications (and their deliveries) for alert events, in the caller's transaction.
    An event already told to a person is not told again (the unique key of recipient and
    event), so a pass that runs twice sends nothing twice."""
    if not told:
        return []
    link_of = _alert_link()
    notifications: list[Notification] = []
    with translation.override(settings.LANGUAGE_CODE):
        for event, recipients in told:
            # Written once per event, however many people it goes to.
            title, body = title_of(event.alert, event)[:200], body_of(event.alert, event)
            kind = (
                NotificationKind.ESCALATION
                if event.kind == EventKind.ESCALATED
                else NotificationKind.ALERT
            )
            notifications.extend(
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    alert=event.alert,
                    event=event,
                    title=title,
                    body=body,
                    link=link_of(event.alert.pk),
                )
                for user_id in sorted(set(recipients))
            )
    bulk.insert(notifications)
    deliveries_for(notifications)
    return notifications


def deliveries_for(notifications: Sequence[Notification]) -> list[Delivery]:
    """A delivery per channel each recipient chose, for recipients who take their messages
    one by one (digest readers get theirs in the digest)."""
    recipients = {notification.recipient_id for notification in notifications}
    preferences = {
        preference.user_id: preference
        for preference in NotificationPreference.objects.filter(
            user_id__in=recipients
        ).select_related("user")
    }
    deliveries = []
    for notification in notifications:
        preference = preferences.get(notification.recipient_id)
        if preference is None:
            continue
        if notification.kind != NotificationKind.DIGEST and preference.daily_digest:
            continue
        deliveries.extend(addressed(notification, preference))
    bulk.insert(deliveries)
    return deliveries


def addressed(notification: Notification, preference: NotificationPreference) -> list[Delivery]:
    """The deliveries a person's choices give one notification: mail when they asked for
    it and have an address; the webhook when they asked for it and a URL is set."""
    deliveries = []
    if preference.email and preference.user.email:
        deliveries.append(
            Delivery(
                notification=notification, channel=Channel.EMAIL, address=preference.user.email
            )
        )
    webhook_url = preference.webhook_url or settings.BIPIN_WEBHOOK_URL
    if preference.webhook and webhook_url:
        deliveries.append(
            Delivery(notification=notification, channel=Channel.WEBHOOK, address=webhook_url)
        )
    return deliveries


def notify_once(notification: Notification) -> bool:
    """Saves one notification made outside a pass (a digest); False if it exists already."""
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return False
    return True
