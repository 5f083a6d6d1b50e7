"""How a delivery leaves bipin: one channel per way out (mail, the DingTalk-style webhook), a
small base class and a registry (STYLE.md, "Pluggable kinds"; healthchecks' `Transport`).

A channel sends one `Delivery` and either returns or raises `DeliveryError` with a message
for the deliveries page; `alerts.deliveries` claims, records and retries. A channel never
writes to the database, so a failed send leaves nothing half done.

Messages are written in the instance's language (BIPIN_LANGUAGE), like the notifications
they carry: a mail or a robot message is read outside the page.
"""

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, ClassVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from bipin.alerts.choices import Channel
from bipin.alerts.models import Delivery, Notification
from bipin.core.registry import Registry

#: Seconds a webhook call may take before it counts as failed (and is retried).
WEBHOOK_TIMEOUT = 10


class DeliveryError(Exception):
    """A send that did not go through; the message becomes the delivery's last error."""


class NotificationChannel:
    """One way a notification reaches a person outside bipin."""

    key: ClassVar[str]

    def send(self, delivery: Delivery) -> None:
        """Sends the delivery's notification to its address; DeliveryError if it did not
        go."""
        raise NotImplementedError


#: The channels by key (`Channel.EMAIL`, `Channel.WEBHOOK`); the inbox needs none.
channels: Registry[NotificationChannel] = Registry("notification channel")


def register(channel: type[NotificationChannel]) -> type[NotificationChannel]:
    channels.add(channel.key, channel())
    return channel


def absolute_link(notification: Notification) -> str:
    """The notification's link as a full URL (BIPIN_BASE_URL + the page's path)."""
    if not notification.link:
        return ""
    if notification.link.startswith(("http://", "https://")):
        return notification.link
    return settings.BIPIN_BASE_URL + notification.link


@register
class EmailChannel(NotificationChannel):
    """A plain-text mail over SMTP with Django's EMAIL_* settings.

    The Message-ID is made from the delivery's id, not at random: in the one case where a
    delivery can go twice (a worker that died after the server took the mail, see
    `alerts.deliveries`), the second copy carries the same id and a receiving server or
    mail reader that drops duplicates drops it."""

    key = Channel.EMAIL

    def send(self, delivery: Delivery) -> None:
        notification = delivery.notification
        with translation.override(settings.LANGUAGE_CODE):
            message = EmailMessage(
                subject=notification.title,
                body=self.body(notification),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[delivery.address],
                headers={"Message-ID": message_id(delivery)},
            )
        try:
            sent = message.send(fail_silently=False)
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(
                _("邮件服务器拒绝：%(code)s %(reply)s")
                % {"code": error.smtp_code, "reply": _reply_text(error.smtp_error)}
            ) from error
        except smtplib.SMTPRecipientsRefused as error:
            replies = "; ".join(
                f"{address} {code} {_reply_text(reply)}"
                for address, (code, reply) in error.recipients.items()
            )
            raise DeliveryError(
                _("邮件服务器拒绝收件人：%(replies)s") % {"replies": replies}
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            # OSError: the server could not be reached (refused, timed out, no such host).
            raise DeliveryError(
                _("无法连接邮件服务器 %(host)s:%(port)s：%(error)s")
                % {"host": settings.EMAIL_HOST, "port": settings.EMAIL_PORT, "error": error}
            ) from error
        if sent != 1:
            raise DeliveryError(_("邮件未发出"))

    @staticmethod
    def body(notification: Notification) -> str:
        lines = [notification.body]
        link = absolute_link(notification)
        if link:
            lines += ["", _("查看详情：%(link)s") % {"link": link}]
        lines += ["", "—", _("本邮件由督查预警系统自动发送，请勿直接回复。")]
        return "\n".join(lines)


def message_id(delivery: Delivery) -> str:
    """A Message-ID that is the same every time this delivery is sent."""
    host = urllib.parse.urlsplit(settings.BIPIN_BASE_URL).hostname or "localhost"
    return f"<bipin.delivery.{delivery.pk}@{host}>"


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


@register
class WebhookChannel(NotificationChannel):
    """A JSON POST to a DingTalk (钉钉 / 浙政钉) endpoint.

    BIPIN_WEBHOOK_FORMAT "robot" is a group's custom robot (自定义机器人): a markdown
    message that @-mentions the recipient by mobile number, signed (加签) when
    BIPIN_WEBHOOK_SECRET is set. "work_notice" is the work-notice shape (工作通知) for a
    gateway that sends to one person by user id; the recipient's username is the id.
    DingTalk answers 200 with {"errcode": 0} on success and a non-zero errcode otherwise
    (310000: the signature or keyword check failed), so the errcode is what decides."""

    key = Channel.WEBHOOK

    def send(self, delivery: Delivery) -> None:
        url = delivery.address
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            # urllib would open file:// and ftp:// too; a webhook is HTTP only.
            raise DeliveryError(
                _("钉钉地址必须以 http:// 或 https:// 开头：%(url)s") % {"url": url}
            )
        robot = settings.BIPIN_WEBHOOK_FORMAT == "robot"
        if robot and settings.BIPIN_WEBHOOK_SECRET:
            url = signed_url(url, settings.BIPIN_WEBHOOK_SECRET, int(time.time() * 1000))
        with translation.override(settings.LANGUAGE_CODE):
            payload = self.robot_payload(delivery) if robot else self.work_notice_payload(delivery)
        request = urllib.request.Request(
            url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
                reply = response.read()
        except urllib.error.HTTPError as error:
            raise DeliveryError(
                _("钉钉接口返回 HTTP %(status)s：%(reason)s")
                % {"status": error.code, "reason": error.reason}
            ) from error
        except (urllib.error.URLError, OSError) as error:
            # Refused, unreachable, timed out (TimeoutError is an OSError).
            reason = getattr(error, "reason", error)
            raise DeliveryError(_("无法连接钉钉接口：%(reason)s") % {"reason": reason}) from error
        try:
            answer = json.loads(reply)
        except ValueError:
            # A plain endpoint (a test sink, a gateway) may answer 200 with no JSON: the
            # HTTP status said it was taken.
            return
        if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
            raise DeliveryError(
                _("钉钉接口返回错误 %(code)s：%(message)s")
                % {"code": answer.get("errcode"), "message": answer.get("errmsg", "")}
            )

    @staticmethod
    def markdown(delivery: Delivery) -> dict[str, str]:
        notification = delivery.notification
        lines = [f"#### {notification.title}", ""]
        lines += [f"{line}  " for line in notification.body.splitlines()]
        link = absolute_link(notification)
        if link:
            lines += ["", f"[{_('查看详情')}]({link})"]
        return {"title": notification.title, "text": "\n".join(lines)}

    def robot_payload(self, delivery: Delivery) -> dict[str, Any]:
        markdown = self.markdown(delivery)
        phone = delivery.notification.recipient.phone
        if phone:
            # A robot's markdown only mentions a person whose number is also in the text.
            markdown["text"] += f"\n\n@{phone}"
        return {
            "msgtype": "markdown",
            "markdown": markdown,
            "at": {"atMobiles": [phone] if phone else [], "isAtAll": False},
        }

    def work_notice_payload(self, delivery: Delivery) -> dict[str, Any]:
        return {
            "userid_list": delivery.notification.recipient.username,
            "msg": {"msgtype": "markdown", "markdown": self.markdown(delivery)},
        }


def signed_url(url: str, secret: str, timestamp: int) -> str:
    """The robot URL with DingTalk's signature (加签): timestamp in milliseconds and
    sign = Base64(HMAC-SHA256(key=secret, message=f"{timestamp}\\n{secret}")), URL-encoded,
    as query parameters. DingTalk refuses a timestamp more than an hour off."""
    message = f"{timestamp}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    query = urllib.parse.urlencode({"timestamp": timestamp, "sign": base64.b64encode(digest)})
    return f"{url}{'&' if '?' in url else '?'}{query}"
