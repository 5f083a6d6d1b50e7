"""The daily digest: one message a day for a person who chose it, listing the day's alert
messages by severity, mailed to a real SMTP server; made once however often and by however
many workers it runs."""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from bipin.alerts.actions import do_save_preference
from bipin.alerts.choices import Channel, NotificationKind
from bipin.alerts.deliveries import send_due
from bipin.alerts.digests import LISTED, digest_body, digest_time, send_digests
from bipin.alerts.models import Delivery, Notification
from bipin.alerts.tests.servers import SMTPSink, alert_told, smtp_server, wait_when_locked
from bipin.org.models import User

__all__ = ["smtp_server"]  # the fixture, imported for pytest


def takes_digest(user: User, *, email: bool = True) -> None:
    User.objects.filter(pk=user.pk).update(email=f"{user.username}@linan.example.gov.cn")
    user.refresh_from_db()
    do_save_preference(email=email, webhook=False, webhook_url="", daily_digest=True, actor=user)


@pytest.fixture
def tomorrow() -> Any:
    """A digest day whose digest time is still to come: every message made now is in it."""
    return timezone.localdate() + timedelta(days=1)


@pytest.fixture
def three_messages(district: Any) -> list[Notification]:
    """Manager A reads a daily digest; two red alerts and a yellow one are told to them."""
    takes_digest(district.manager_a)
    told = []
    for project, severity in (("甲项目", "red"), ("乙项目", "yellow"), ("丙项目", "red")):
        told += alert_told(district, [district.manager_a], severity=severity, project=project)
    return told


@pytest.mark.django_db
def test_a_digest_reader_gets_the_days_messages_in_one_mail_grouped_by_severity(
    district: Any,
    three_messages: list[Notification],
    tomorrow: Any,
    smtp_server: SMTPSink,
    settings: Any,
) -> None:
    settings.BIPIN_BASE_URL = "https://bipin.example.gov.cn"
    # In the inbox at once, but nothing by mail until the digest.
    assert not Delivery.objects.exists()

    assert send_digests(tomorrow, "worker-1") == 1

    digest = Notification.objects.get(kind=NotificationKind.DIGEST)
    assert digest.recipient == district.manager_a
    assert digest.digest_on == tomorrow
    assert digest.title == "督查预警每日摘要（3 条）"
    assert digest.link == "/alerts/inbox/"
    body = digest.body
    assert "您有 3 条新的督查预警消息（红色预警 2 条、黄色预警 1 条）" in body
    assert body.index("红色预警（2 条）") < body.index("黄色预警（1 条）")
    red, yellow = body.split("黄色预警（1 条）")
    assert "甲项目" in red and "丙项目" in red and "乙项目" in yellow
    assert set(Notification.objects.filter(digest=digest)) == set(three_messages)
    (delivery,) = digest.deliveries.all()
    assert delivery.channel == Channel.EMAIL
    assert delivery.address == "manager_a@linan.example.gov.cn"

    assert send_due("worker-1")["sent"] == 1
    (message,) = smtp_server.messages
    assert message["Subject"].strip() == "督查预警每日摘要（3 条）"
    assert message["To"] == "manager_a@linan.example.gov.cn"
    assert "【红色预警】节点逾期：甲项目 · 开工" in message.get_content()
    assert "https://bipin.example.gov.cn/alerts/inbox/" in message.get_content()


@pytest.mark.django_db
def test_the_digest_is_not_listed_in_the_inbox(
    district: Any, three_messages: list[Notification], tomorrow: Any
) -> None:
    send_digests(tomorrow, "worker-1")

    inbox = Notification.objects.restrict(district.manager_a).inbox()
    assert set(inbox) == set(three_messages)


@pytest.mark.django_db
def test_a_second_run_makes_no_second_digest_and_the_next_day_lists_only_new_messages(
    district: Any, three_messages: list[Notification], tomorrow: Any
) -> None:
    send_digests(tomorrow, "worker-1")

    assert send_digests(tomorrow, "worker-2") == 0
    assert Notification.objects.filter(kind=NotificationKind.DIGEST).count() == 1

    (later,) = alert_told(district, [district.manager_a], project="丁项目")
    next_day = tomorrow + timedelta(days=1)
    assert send_digests(next_day, "worker-1") == 1
    digest = Notification.objects.get(digest_on=next_day)
    assert digest.title == "督查预警每日摘要（1 条）"
    assert list(Notification.objects.filter(digest=digest)) == [later]


@pytest.mark.django_db
def test_messages_after_the_digest_time_wait_for_the_next_days_digest(
    three_messages: list[Notification], settings: Any
) -> None:
    settings.BIPIN_DIGEST_AT = "08:00"
    yesterday = timezone.localdate() - timedelta(days=1)
    assert digest_time(yesterday).hour == 8

    assert send_digests(yesterday, "worker-1") == 0
    assert not Notification.objects.filter(kind=NotificationKind.DIGEST).exists()


@pytest.mark.django_db
def test_people_who_take_their_messages_one_by_one_get_no_digest(
    district: Any, tomorrow: Any
) -> None:
    User.objects.filter(pk=district.clerk_a.pk).update(email="clerk_a@linan.example.gov.cn")
    district.clerk_a.refresh_from_db()
    do_save_preference(
        email=True, webhook=False, webhook_url="", daily_digest=False, actor=district.clerk_a
    )
    alert_told(district, [district.clerk_a])

    assert send_digests(tomorrow, "worker-1") == 0
    assert Delivery.objects.count() == 1  # the message itself, at once


@pytest.mark.django_db
def test_a_digest_reader_with_no_channel_gets_no_digest(district: Any, tomorrow: Any) -> None:
    takes_digest(district.manager_a, email=False)
    alert_told(district, [district.manager_a])

    assert send_digests(tomorrow, "worker-1") == 0
    assert not Notification.objects.filter(kind=NotificationKind.DIGEST).exists()


# The workers commit, each on its own connection: the test runs outside a transaction, and
# the serialized rollback puts the shipped reference data back for the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_make_one_digest(
    district: Any, three_messages: list[Notification], tomorrow: Any
) -> None:
    start = threading.Barrier(2)
    made: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(worker: str) -> None:
        try:
            start.wait(timeout=10)
            with connection.execute_wrapper(wait_when_locked):
                made[worker] = send_digests(tomorrow, worker)
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
    assert sorted(made.values()) == [0, 1]
    digest = Notification.objects.get(kind=NotificationKind.DIGEST)
    assert Notification.objects.filter(digest=digest).count() == 3
    assert Delivery.objects.filter(notification=digest).count() == 1


def test_a_long_digest_lists_the_first_messages_and_counts_the_rest() -> None:
    listed = [Notification(title=f"消息{number}") for number in range(LISTED + 7)]

    body = digest_body(timezone.now(), listed)

    assert f"其他消息（{LISTED + 7} 条）" in body
    assert f"· 消息{LISTED - 1}" in body
    assert f"· 消息{LISTED}" not in body
    assert body.endswith("另有 7 条未列出，请登录系统查看。")


@pytest.mark.django_db
def test_messages_already_sent_on_their_own_are_not_in_the_digest(
    district: Any, tomorrow: Any
) -> None:
    User.objects.filter(pk=district.manager_a.pk).update(email="manager_a@linan.example.gov.cn")
    district.manager_a.refresh_from_db()
    do_save_preference(
        email=True, webhook=False, webhook_url="", daily_digest=False, actor=district.manager_a
    )
    (sent_alone,) = alert_told(district, [district.manager_a], project="甲项目")
    assert sent_alone.deliveries.count() == 1
    takes_digest(district.manager_a)  # switches to the digest afterwards
    (waiting,) = alert_told(district, [district.manager_a], project="乙项目")

    assert send_digests(tomorrow, "worker-1") == 1

    digest = Notification.objects.get(kind=NotificationKind.DIGEST)
    assert list(Notification.objects.filter(digest=digest)) == [waiting]
    assert "甲项目" not in digest.body
