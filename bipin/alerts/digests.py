"""The daily digest (每日摘要): for a person who chose it, one mail or robot message a day
listing the alert messages they received since the last one, instead of one each.

The messages themselves were in the inbox at once; the digest is only how they travel by
mail and webhook, so it is a Notification of kind digest that the inbox does not list
(`NotificationQuerySet.inbox`). (recipient, digest_on) is unique: when two workers make the
same day's digests, the second one's insert fails and it leaves that person alone.
"""

from collections import defaultdict
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bipin.alerts.choices import SEVERITY_RANK, NotificationKind, Severity
from bipin.alerts.models import Delivery, Notification, NotificationPreference
from bipin.alerts.notifications import addressed, notify_once

#: A digest lists this many messages by title at most; the rest are counted.
LISTED = 50


def digest_time(day: date) -> datetime:
    """BIPIN_DIGEST_AT on `day`, local time: messages made before it go in that day's
    digest, later ones in the next."""
    # The worker checks the setting's form when it starts (schedule.clock_setting).
    hours, minutes = (int(part) for part in str(settings.BIPIN_DIGEST_AT).split(":"))
    return timezone.make_aware(datetime.combine(day, time(hours, minutes)))


def send_digests(day: date, worker: str = "") -> int:
    """Makes `day`'s digest for every person on the daily digest with messages not yet
    digested, with a delivery per channel they chose; returns how many it made. Safe to
    run twice and from two workers at once."""
    cutoff = digest_time(day)
    preferences = {
        preference.user_id: preference
        for preference in NotificationPreference.objects.filter(daily_digest=True)
        .exclude(email=False, webhook=False)
        .select_related("user")
    }
    waiting: dict[int, list[Notification]] = defaultdict(list)
    for notification in (
        Notification.objects.filter(
            recipient_id__in=preferences,
            digest__isnull=True,
            digest_on__isnull=True,
            created_at__lt=cutoff,
        )
        .exclude(kind=NotificationKind.DIGEST)
        # Sent on its own before the person switched to the digest: not again.
        .exclude(Exists(Delivery.objects.filter(notification=OuterRef("pk"))))
        .select_related("alert")
        .order_by("created_at", "pk")
    ):
        waiting[notification.recipient_id].append(notification)
    made = 0
    for user_id, notifications in waiting.items():
        preference = preferences[user_id]
        # Nothing to carry it: a digest would sit there unsent.
        if not addressed(Notification(recipient_id=user_id), preference):
            continue
        made += _make_digest(day, cutoff, preference, notifications)
    return made


def _make_digest(
    day: date, cutoff: datetime, preference: NotificationPreference, listed: list[Notification]
) -> int:
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        digest = Notification(
            recipient_id=preference.user_id,
            kind=NotificationKind.DIGEST,
            digest_on=day,
            title=_("督查预警每日摘要（%(count)s 条）") % {"count": len(listed)},
            body=digest_body(cutoff, listed),
            link=reverse("alerts:inbox"),
        )
        if not notify_once(digest):
            return 0  # Another worker made this person's digest for the day.
        # Only the messages no other digest took in the meantime.
        Notification.objects.filter(
            pk__in=[notification.pk for notification in listed], digest__isnull=True
        ).update(digest=digest)
        Delivery.objects.bulk_create(addressed(digest, preference))
    return 1


def digest_body(cutoff: datetime, listed: list[Notification]) -> str:
    """The messages by severity, red first, each by its title; at most LISTED titles, the
    count of every severity said at the top so that none goes unmentioned."""
    groups: dict[str, list[Notification]] = defaultdict(list)
    for notification in listed:
        severity = notification.alert.severity if notification.alert else ""
        groups[severity].append(notification)
    order = sorted(groups, key=_rank, reverse=True)
    counted = [
        _("%(label)s %(count)s 条") % {"label": _label(severity), "count": len(groups[severity])}
        for severity in order
    ]
    lines = [
        _("截至 %(time)s，您有 %(count)s 条新的督查预警消息（%(counted)s）：")
        % {
            "time": timezone.localtime(cutoff).strftime("%Y-%m-%d %H:%M"),
            "count": len(listed),
            "counted": _("、").join(counted),
        }
    ]
    room = LISTED
    for severity in order:
        shown = groups[severity][:room]
        if not shown:
            break
        heading = _("%(label)s（%(count)s 条）") % {
            "label": _label(severity),
            "count": len(groups[severity]),
        }
        lines += ["", heading, *(f"· {notification.title}" for notification in shown)]
        room -= len(shown)
    if len(listed) > LISTED:
        lines += [
            "",
            _("另有 %(count)s 条未列出，请登录系统查看。") % {"count": len(listed) - LISTED},
        ]
    return "\n".join(lines)


def _label(severity: str) -> str:
    return str(Severity(severity).label) if severity else _("其他消息")


def _rank(severity: str) -> int:
    return SEVERITY_RANK[Severity(severity)] if severity else 0
