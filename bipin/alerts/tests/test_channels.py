"""The webhook channel against a real HTTP server on loopback standing in for DingTalk: the
robot's markdown message and its signature, the work-notice shape, and the answers that
count as failures (HTTP errors, a non-zero errcode, nobody listening)."""

import base64
import hashlib
import hmac
import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bipin.alerts.actions import do_save_preference
from bipin.alerts.channels import EmailChannel, channels
from bipin.alerts.choices import Channel, DeliveryStatus
from bipin.alerts.deliveries import send_due
from bipin.alerts.models import Delivery
from bipin.alerts.tests.servers import WebhookSink, alert_told, free_port, webhook_server
from bipin.org.models import User

__all__ = ["webhook_server"]  # the fixture, imported for pytest

SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


def takes_webhook(user: User, url: str = "") -> None:
    do_save_preference(email=False, webhook=True, webhook_url=url, daily_digest=False, actor=user)


@pytest.fixture
def posted(district: Any, settings: Any, webhook_server: WebhookSink) -> Delivery:
    """Clerk A (mobile 13800000001) takes the webhook; an overdue milestone is told to
    them: one webhook delivery to the server."""
    settings.BIPIN_BASE_URL = "https://bipin.example.gov.cn"
    User.objects.filter(pk=district.clerk_a.pk).update(phone="13800000001")
    takes_webhook(district.clerk_a)
    (notification,) = alert_told(district, [district.clerk_a])
    return notification.deliveries.get()


def test_both_channels_are_registered() -> None:
    assert list(channels) == [Channel.EMAIL, Channel.WEBHOOK]


@pytest.mark.django_db
def test_the_robot_gets_a_markdown_message_mentioning_the_responsible_person(
    posted: Delivery, webhook_server: WebhookSink
) -> None:
    assert posted.channel == Channel.WEBHOOK
    assert posted.address == webhook_server.url

    assert send_due("worker-1")["sent"] == 1

    (call,) = webhook_server.calls
    assert call.path == "/robot/send"
    assert call.query == {"access_token": "test-token"}  # no secret, no signature
    assert call.content_type.startswith("application/json")
    notification = posted.notification
    assert call.body["msgtype"] == "markdown"
    assert call.body["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    assert call.body["markdown"]["title"] == notification.title
    text = call.body["markdown"]["text"]
    assert text.startswith(f"#### {notification.title}")
    assert "已逾期 29 天" in text
    assert f"(https://bipin.example.gov.cn/alerts/{notification.alert_id}/)" in text
    # The robot only mentions a number that also appears in the text.
    assert text.endswith("@13800000001")
    posted.refresh_from_db()
    assert posted.status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_a_person_without_a_mobile_number_is_not_mentioned(
    district: Any, posted: Delivery, webhook_server: WebhookSink
) -> None:
    User.objects.filter(pk=district.clerk_a.pk).update(phone="")

    send_due("worker-1")

    (call,) = webhook_server.calls
    assert call.body["at"] == {"atMobiles": [], "isAtAll": False}
    assert "@" not in call.body["markdown"]["text"]


@pytest.mark.django_db
def test_with_a_secret_the_robot_call_is_signed_as_dingtalk_checks_it(
    posted: Delivery, settings: Any, webhook_server: WebhookSink
) -> None:
    settings.BIPIN_WEBHOOK_SECRET = SECRET
    before = int(time.time() * 1000)

    send_due("worker-1")

    (call,) = webhook_server.calls
    assert call.query["access_token"] == "test-token"
    timestamp = int(call.query["timestamp"])
    assert before <= timestamp <= int(time.time() * 1000)
    # What DingTalk computes on its side: Base64(HMAC-SHA256(secret, "timestamp\nsecret")).
    expected = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    assert base64.b64decode(call.query["sign"]) == expected


@pytest.mark.django_db
def test_the_work_notice_shape_names_the_person_by_user_id(
    posted: Delivery, settings: Any, webhook_server: WebhookSink
) -> None:
    settings.BIPIN_WEBHOOK_FORMAT = "work_notice"
    settings.BIPIN_WEBHOOK_SECRET = SECRET  # signing is the robot's; a work notice is not

    assert send_due("worker-1")["sent"] == 1

    (call,) = webhook_server.calls
    assert "sign" not in call.query
    assert set(call.body) == {"userid_list", "msg"}
    assert call.body["userid_list"] == "clerk_a"
    assert call.body["msg"]["msgtype"] == "markdown"
    assert call.body["msg"]["markdown"]["title"] == posted.notification.title
    assert "已逾期 29 天" in call.body["msg"]["markdown"]["text"]


@pytest.mark.django_db
def test_a_persons_own_robot_url_is_used(
    district: Any, settings: Any, webhook_server: WebhookSink
) -> None:
    own = webhook_server.url.replace("test-token", "own-token")
    takes_webhook(district.manager_a, own)
    alert_told(district, [district.manager_a])

    send_due("worker-1")

    (call,) = webhook_server.calls
    assert call.query == {"access_token": "own-token"}


@pytest.mark.django_db
def test_a_server_error_is_retried_and_the_next_try_goes(
    posted: Delivery, webhook_server: WebhookSink
) -> None:
    webhook_server.status = 500
    start = timezone.now()

    assert send_due("worker-1", now=start)["retrying"] == 1

    posted.refresh_from_db()
    assert posted.status == DeliveryStatus.RETRYING
    assert posted.attempts == 1
    assert "HTTP 500" in posted.last_error
    assert posted.next_attempt_at == start + timedelta(minutes=1)

    webhook_server.status = 200
    assert send_due("worker-1", now=start + timedelta(minutes=1))["sent"] == 1
    assert len(webhook_server.calls) == 2
    posted.refresh_from_db()
    assert posted.status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_a_dingtalk_error_code_is_a_failure(posted: Delivery, webhook_server: WebhookSink) -> None:
    webhook_server.reply = {"errcode": 310000, "errmsg": "sign not match"}

    assert send_due("worker-1")["retrying"] == 1

    posted.refresh_from_db()
    assert posted.status == DeliveryStatus.RETRYING
    assert "310000" in posted.last_error
    assert "sign not match" in posted.last_error


@pytest.mark.django_db
def test_nobody_listening_is_a_failure(posted: Delivery) -> None:
    Delivery.objects.filter(pk=posted.pk).update(
        address=f"http://127.0.0.1:{free_port()}/robot/send?access_token=test-token"
    )

    assert send_due("worker-1")["retrying"] == 1

    posted.refresh_from_db()
    assert "无法连接钉钉接口" in posted.last_error


@pytest.mark.django_db
def test_a_webhook_address_that_is_not_http_is_refused(posted: Delivery) -> None:
    Delivery.objects.filter(pk=posted.pk).update(address="file:///etc/passwd")

    assert send_due("worker-1")["retrying"] == 1

    posted.refresh_from_db()
    assert "file:///etc/passwd" in posted.last_error


@pytest.mark.django_db
def test_the_mail_body_ends_with_the_absolute_link(district: Any, settings: Any) -> None:
    settings.BIPIN_BASE_URL = "https://bipin.example.gov.cn"
    (notification,) = alert_told(district, [district.clerk_a])

    body = EmailChannel.body(notification)

    assert body.startswith(notification.body)
    assert f"查看详情：https://bipin.example.gov.cn{notification.link}" in body
