"""Sending deliveries by mail to a real SMTP server on loopback: the message read back,
refusal and retry with backoff, attempts running out, sending again by hand, two workers,
a worker that died mid-send."""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from bipin.alerts.actions import do_save_preference
from bipin.alerts.choices import Channel, DeliveryStatus
from bipin.alerts.deliveries import claim, do_resend_delivery, send_due
from bipin.alerts.models import Delivery
from bipin.alerts.tests.servers import (
    SMTPSink,
    alert_told,
    free_port,
    smtp_server,
    wait_when_locked,
)
from bipin.org.models import User

__all__ = ["smtp_server"]  # the fixture, imported for pytest


def takes_mail(user: User, address: str) -> None:
    User.objects.filter(pk=user.pk).update(email=address)
    user.refresh_from_db()
    do_save_preference(email=True, webhook=False, webhook_url="", daily_digest=False, actor=user)


@pytest.fixture
def mailed(district: Any, settings: Any) -> Delivery:
    """Clerk A takes mail; an overdue milestone is told to them: one mail delivery."""
    settings.BIPIN_BASE_URL = "https://bipin.example.gov.cn"
    settings.BIPIN_DELIVERY_BACKOFF_MINUTES = [1, 5, 30, 120, 720]
    takes_mail(district.clerk_a, "clerk_a@linan.example.gov.cn")
    (notification,) = alert_told(district, [district.clerk_a])
    return notification.deliveries.get()


@pytest.mark.django_db
def test_mail_reaches_the_smtp_server_with_the_alert_and_its_link(
    mailed: Delivery, smtp_server: SMTPSink
) -> None:
    now = timezone.now()
    counts = send_due("worker-1", now=now)

    assert counts["sent"] == 1
    (message,) = smtp_server.messages
    notification = mailed.notification
    # Django folds a long encoded subject onto the next line; the parser keeps the fold.
    assert message["Subject"].strip() == notification.title
    assert "节点逾期" in message["Subject"]
    assert message["To"] == "clerk_a@linan.example.gov.cn"
    assert smtp_server.envelopes[0].rcpt_tos == ["clerk_a@linan.example.gov.cn"]
    assert message["Message-ID"] == f"<bipin.delivery.{mailed.pk}@bipin.example.gov.cn>"
    body = message.get_content()
    assert "临安数字经济产业园 的“开工”节点计划于 2026-10-31 完成，已逾期 29 天" in body
    assert "锦城街道" in body
    assert f"https://bipin.example.gov.cn/alerts/{notification.alert_id}/" in body
    mailed.refresh_from_db()
    assert mailed.status == DeliveryStatus.SENT
    assert mailed.sent_at == now
    assert mailed.attempts == 0
    assert mailed.claimed_by == "worker-1"


@pytest.mark.django_db
def test_a_sent_delivery_is_not_sent_again(mailed: Delivery, smtp_server: SMTPSink) -> None:
    send_due("worker-1")
    counts = send_due("worker-1", now=timezone.now() + timedelta(days=1))

    assert counts["sent"] == 0
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_a_refusing_server_puts_the_delivery_to_retry_after_the_backoff(
    mailed: Delivery, smtp_server: SMTPSink
) -> None:
    smtp_server.refusal = "451 4.3.0 Mailbox temporarily unavailable"
    start = timezone.now()

    counts = send_due("worker-1", now=start)

    assert counts == {"sent": 0, "retrying": 1, "failed": 0, "requeued": 0, "skipped": 0}
    assert smtp_server.refused == 1
    mailed.refresh_from_db()
    assert mailed.status == DeliveryStatus.RETRYING
    assert mailed.attempts == 1
    assert mailed.next_attempt_at == start + timedelta(minutes=1)
    assert "451" in mailed.last_error
    assert "Mailbox temporarily unavailable" in mailed.last_error

    # Not due yet: nothing is tried.
    assert send_due("worker-1", now=start + timedelta(seconds=59))["retrying"] == 0
    assert smtp_server.refused == 1

    # The server accepts again; a minute later the delivery goes.
    smtp_server.refusal = ""
    assert send_due("worker-1", now=start + timedelta(minutes=1))["sent"] == 1
    assert len(smtp_server.messages) == 1
    mailed.refresh_from_db()
    assert mailed.status == DeliveryStatus.SENT
    assert mailed.attempts == 1
    assert mailed.last_error == ""


@pytest.mark.django_db
def test_a_refused_recipient_is_a_failed_attempt(mailed: Delivery, smtp_server: SMTPSink) -> None:
    smtp_server.recipient_refusal = "550 5.1.1 No such user here"

    assert send_due("worker-1")["retrying"] == 1

    mailed.refresh_from_db()
    assert mailed.status == DeliveryStatus.RETRYING
    assert "clerk_a@linan.example.gov.cn 550 5.1.1 No such user here" in mailed.last_error
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_closed_port_counts_as_a_failed_attempt(
    mailed: Delivery, settings: Any, smtp_server: SMTPSink
) -> None:
    settings.EMAIL_PORT = free_port()
    start = timezone.now()

    assert send_due("worker-1", now=start)["retrying"] == 1

    mailed.refresh_from_db()
    assert mailed.status == DeliveryStatus.RETRYING
    assert "无法连接邮件服务器" in mailed.last_error
    assert mailed.next_attempt_at == start + timedelta(minutes=1)


@pytest.mark.django_db
def test_when_the_attempts_run_out_the_delivery_is_kept_as_failed(
    mailed: Delivery, smtp_server: SMTPSink
) -> None:
    smtp_server.refusal = "550 5.7.1 Message rejected"
    now = timezone.now()
    waits = []
    for _attempt in range(5):
        assert send_due("worker-1", now=now)["retrying"] == 1
        mailed.refresh_from_db()
        waits.append(mailed.next_attempt_at - now)
        now = mailed.next_attempt_at

    assert waits == [timedelta(minutes=minutes) for minutes in (1, 5, 30, 120, 720)]
    assert send_due("worker-1", now=now)["failed"] == 1
    mailed.refresh_from_db()
    assert mailed.status == DeliveryStatus.FAILED
    assert mailed.attempts == 6
    assert "550" in mailed.last_error
    # Failed stays failed: no worker picks it up again.
    assert send_due("worker-1", now=now + timedelta(days=30))["failed"] == 0
    assert smtp_server.refused == 6
    assert Delivery.objects.filter(pk=mailed.pk).exists()


@pytest.mark.django_db
def test_the_supervisor_sends_a_failed_delivery_again(
    district: Any, mailed: Delivery, smtp_server: SMTPSink, settings: Any
) -> None:
    settings.BIPIN_DELIVERY_BACKOFF_MINUTES = []
    smtp_server.refusal = "550 5.7.1 Message rejected"
    assert send_due("worker-1")["failed"] == 1
    mailed.refresh_from_db()

    resent = do_resend_delivery(mailed, actor=district.supervisor)

    assert resent.status == DeliveryStatus.PENDING
    assert resent.attempts == 0
    assert "督查员" in resent.last_error
    assert "重新发送" in resent.last_error
    assert "550" in resent.last_error  # the earlier error is kept in the note
    smtp_server.refusal = ""
    assert send_due("worker-1")["sent"] == 1
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_only_the_supervisor_sends_again_and_only_a_failed_delivery(
    district: Any, mailed: Delivery, smtp_server: SMTPSink
) -> None:
    with pytest.raises(PermissionDenied):
        do_resend_delivery(mailed, actor=district.clerk_a)
    with pytest.raises(ValidationError, match="只有发送失败的消息可以重新发送"):
        do_resend_delivery(mailed, actor=district.supervisor)
    send_due("worker-1")
    mailed.refresh_from_db()
    with pytest.raises(ValidationError):
        do_resend_delivery(mailed, actor=district.supervisor)
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_only_the_first_claim_counts(mailed: Delivery) -> None:
    assert claim(mailed.pk, "worker-1") is True
    assert claim(mailed.pk, "worker-2") is False

    mailed.refresh_from_db()
    assert mailed.status == DeliveryStatus.SENDING
    assert mailed.claimed_by == "worker-1"


@pytest.mark.django_db
def test_a_delivery_not_yet_due_cannot_be_claimed(mailed: Delivery) -> None:
    assert claim(mailed.pk, "worker-1", now=mailed.next_attempt_at - timedelta(seconds=1)) is False


@pytest.mark.django_db
def test_a_claim_left_by_a_dead_worker_is_put_back_and_sent(
    mailed: Delivery, smtp_server: SMTPSink
) -> None:
    start = timezone.now()
    assert claim(mailed.pk, "dead-worker", now=start)

    # Ten minutes on, the worker may still be sending: left alone.
    assert send_due("worker-2", now=start + timedelta(minutes=10))["requeued"] == 0
    mailed.refresh_from_db()
    assert mailed.status == DeliveryStatus.SENDING

    later = start + timedelta(minutes=16)
    assert send_due("worker-2", now=later)["requeued"] == 1
    mailed.refresh_from_db()
    assert mailed.status == DeliveryStatus.RETRYING
    assert mailed.attempts == 1
    assert "dead-worker" in mailed.last_error

    assert send_due("worker-2", now=later + timedelta(minutes=1))["sent"] == 1
    assert len(smtp_server.messages) == 1


# The workers commit, each on its own connection: the test runs outside a transaction, and
# the serialized rollback puts the shipped reference data back for the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_send_every_delivery_exactly_once(
    district: Any, smtp_server: SMTPSink, settings: Any
) -> None:
    settings.BIPIN_BASE_URL = "https://bipin.example.gov.cn"
    takes_mail(district.clerk_a, "clerk_a@linan.example.gov.cn")
    takes_mail(district.manager_a, "manager_a@linan.example.gov.cn")
    for number in range(12):
        alert_told(district, [district.clerk_a, district.manager_a], project=f"项目{number}")
    deliveries = set(Delivery.objects.values_list("pk", flat=True))
    assert len(deliveries) == 24
    start = threading.Barrier(2)
    results: dict[str, dict[str, int]] = {}
    errors: list[BaseException] = []

    def work(worker: str) -> None:
        try:
            start.wait(timeout=10)
            with connection.execute_wrapper(wait_when_locked):
                results[worker] = send_due(worker)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(results) == 2
    assert sum(counts["sent"] for counts in results.values()) == 24
    message_ids = [message["Message-ID"] for message in smtp_server.messages]
    assert len(message_ids) == 24
    assert sorted(message_ids) == sorted(
        f"<bipin.delivery.{pk}@bipin.example.gov.cn>" for pk in deliveries
    )
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Delivery.objects.values_list("channel", flat=True)) == {Channel.EMAIL}
