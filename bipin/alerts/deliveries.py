"""Sending the queue of deliveries: claim, send, record; retry with backoff; never lose a
message, never send one twice.

A delivery is claimed by a conditional UPDATE (from pending or retrying, due, to sending):
the database lets exactly one such update count for a row, so when several workers reach
the same delivery only the one whose update counted sends it. The outcome is recorded
with another conditional UPDATE on the claim, so a worker never overwrites a delivery it
no longer holds.

A failure (server refused, unreachable, timed out, webhook errcode) is counted and the
delivery waits BIPIN_DELIVERY_BACKOFF_MINUTES[attempts - 1] before the next try; when the
list runs out it is failed — kept and shown on the deliveries page, where the supervisor
can send it again (`do_resend_delivery`).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.alerts.channels import DeliveryError, channels
from bipin.alerts.choices import CLAIMABLE, DeliveryStatus
from bipin.alerts.models import Delivery
from bipin.core.choices import Role
from bipin.org.models import User

logger = logging.getLogger(__name__)

#: A claim older than this belongs to a worker that died mid-send (a send takes seconds;
#: the SMTP and webhook timeouts are 20 and 10).
STALE_CLAIM = timedelta(minutes=15)
#: How many deliveries one call of `send_due` sends at most.
BATCH = 500


def due(now: datetime) -> QuerySet[Delivery]:
    """Deliveries waiting to be sent whose time has come, oldest first."""
    return Delivery.objects.filter(status__in=CLAIMABLE, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )


def claim(delivery_id: int, worker: str, now: datetime | None = None) -> bool:
    """Takes a due delivery for `worker`; False when it is not due or another worker took
    it first. Only the worker whose claim counted may send it."""
    now = now or timezone.now()
    taken = Delivery.objects.filter(
        pk=delivery_id, status__in=CLAIMABLE, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, claimed_by=worker[:64])
    return taken == 1


def send_due(worker: str, now: datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Claims and sends every due delivery (up to `limit`). Returns the counts: sent,
    retrying, failed (attempts ran out), requeued (stale claims put back), and skipped
    (claimed by another worker first)."""
    clock = now
    now = now or timezone.now()
    counts = {"sent": 0, "retrying": 0, "failed": 0, "requeued": requeue_stale(now), "skipped": 0}
    for delivery_id in list(due(now).values_list("pk", flat=True)[:limit]):
        # The clock moves on while a batch is sent (a refusing server costs its timeout):
        # a claim is stamped with the time it is made, or another worker would take a
        # long batch's fresh claims for stale ones and send them again. (A caller that
        # passes `now` — a test moving time on — keeps its clock.)
        moment = clock or timezone.now()
        if not claim(delivery_id, worker, moment):
            counts["skipped"] += 1
            continue
        counts[send_claimed(delivery_id, worker, moment)] += 1
    return counts


def send_claimed(delivery_id: int, worker: str, now: datetime) -> str:
    """Sends a delivery `worker` has claimed and records the outcome: "sent", "retrying"
    or "failed"."""
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    try:
        channels.get(delivery.channel).send(delivery)
    except DeliveryError as error:
        return _record_failure(delivery, worker, now, str(error))
    except Exception as error:
        # A fault of ours (a bad address, an unknown channel) must not leave the delivery
        # "sending" nor stop the batch: it is recorded like any failure and shown.
        logger.exception("delivery %s failed unexpectedly", delivery_id)
        return _record_failure(delivery, worker, now, f"{type(error).__name__}: {error}")
    recorded = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.SENDING, claimed_by=worker[:64]
    ).update(status=DeliveryStatus.SENT, sent_at=now, last_error="")
    if not recorded:
        logger.warning("delivery %s was sent, but its claim had been taken back", delivery_id)
    logger.info("delivery %s sent by %s to %s", delivery_id, delivery.channel, delivery.address)
    return "sent"


def _record_failure(delivery: Delivery, worker: str, now: datetime, error: str) -> str:
    status, next_attempt_at = after_failure(delivery.attempts + 1, now)
    Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_by=worker[:64]
    ).update(
        status=status,
        attempts=delivery.attempts + 1,
        next_attempt_at=next_attempt_at,
        last_error=error,
    )
    logger.warning(
        "delivery %s by %s failed (attempt %s): %s",
        delivery.pk,
        delivery.channel,
        delivery.attempts + 1,
        error,
    )
    return "retrying" if status == DeliveryStatus.RETRYING else "failed"


def after_failure(attempts: int, now: datetime) -> tuple[str, datetime]:
    """The status and next attempt's time after `attempts` failed tries: the backoff
    list's entry for it, or failed when the list has run out."""
    backoff = settings.BIPIN_DELIVERY_BACKOFF_MINUTES
    if attempts > len(backoff):
        return DeliveryStatus.FAILED, now
    return DeliveryStatus.RETRYING, now + timedelta(minutes=backoff[attempts - 1])


def requeue_stale(now: datetime) -> int:
    """Puts back deliveries claimed more than STALE_CLAIM ago and never recorded: their
    worker died mid-send. The try counts as a failed attempt, so a message that kills its
    worker every time ends failed rather than looping.

    This is the one case where a message can go twice: the worker may have died after the
    mail server or the webhook took the message and before it wrote "sent". Sending again
    is preferred to losing it — an alert that never reaches the responsible person is the
    failure this app exists to prevent, while a duplicate is a nuisance, and the mail
    carries the same Message-ID both times so a receiving server can drop it."""
    stale = Delivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).values_list("pk", "attempts", "claimed_by", "claimed_at")
    requeued = 0
    for pk, attempts, claimed_by, claimed_at in list(stale):
        status, next_attempt_at = after_failure(attempts + 1, now)
        requeued += Delivery.objects.filter(
            pk=pk, status=DeliveryStatus.SENDING, claimed_at=claimed_at
        ).update(
            status=status,
            attempts=attempts + 1,
            next_attempt_at=next_attempt_at,
            last_error=_("发送进程 %(worker)s 领取后未完成（可能已中断），重新排队")
            % {"worker": claimed_by},
        )
    if requeued:
        logger.warning("%s stale deliveries put back in the queue", requeued)
    return requeued


@transaction.atomic
def do_resend_delivery(delivery: Delivery, *, actor: User) -> Delivery:
    """Sends a failed delivery again (the supervisor's button on the deliveries page): back
    to pending with its attempts reset, due now. The previous error stays in the note."""
    if actor.role != Role.SUPERVISOR and not actor.is_superuser:
        raise PermissionDenied(_("只有督查室可以重新发送消息"))
    now = timezone.now()
    note = _("%(name)s 于 %(at)s 重新发送") % {
        "name": actor.get_full_name(),
        "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }
    if delivery.last_error:
        note += _("；此前的错误：%(error)s") % {"error": delivery.last_error}
    changed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        claimed_at=None,
        claimed_by="",
        last_error=note,
    )
    if not changed:
        raise ValidationError(_("只有发送失败的消息可以重新发送"))
    delivery.refresh_from_db()
    return delivery
