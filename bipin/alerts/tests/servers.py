"""Real servers on loopback for the delivery tests: an SMTP server (aiosmtpd) that keeps
what it receives or refuses it, an HTTP server that records webhook calls and answers as
told, and a port where nothing listens.

Import the fixtures into a test module (`from bipin.alerts.tests.servers import
smtp_server, webhook_server`); each points the settings (EMAIL_HOST/PORT,
BIPIN_WEBHOOK_URL) at its server.
"""

import email
import email.policy
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port nothing listens on (the OS's pick, released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SMTPSink:
    """An aiosmtpd handler keeping every message, or refusing them with `refusal`
    (an SMTP reply such as "451 4.3.0 try again later") while it is set."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self.refusal = ""
        self.refused = 0
        #: Refuses each recipient with this reply while set (an unknown mailbox).
        self.recipient_refusal = ""
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.recipient_refusal:
            return self.recipient_refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.refusal:
                self.refused += 1
                return self.refusal
            self.envelopes.append(envelope)
            self.messages.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
        return "250 OK"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SMTPSink]:
    """A real SMTP server on 127.0.0.1; the settings send mail to it."""
    sink = SMTPSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield sink
    finally:
        controller.stop()


@dataclass
class WebhookCall:
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    content_type: str


@dataclass
class WebhookSink:
    """What the webhook server received, and how it answers: `status` and `reply` (a
    JSON object) for every call while set."""

    url: str = ""
    calls: list[WebhookCall] = field(default_factory=list)
    status: int = 200
    reply: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(sink: WebhookSink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            parts = urllib.parse.urlsplit(self.path)
            with sink.lock:
                sink.calls.append(
                    WebhookCall(
                        path=parts.path,
                        query=dict(urllib.parse.parse_qsl(parts.query)),
                        body=json.loads(raw.decode("utf-8")),
                        content_type=self.headers.get("Content-Type", ""),
                    )
                )
                status, reply = sink.status, sink.reply
            answer = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # Quiet test output.

    return Handler


@pytest.fixture
def webhook_server(settings: Any) -> Iterator[WebhookSink]:
    """A real HTTP server on 127.0.0.1 in a thread, standing in for DingTalk's robot API;
    BIPIN_WEBHOOK_URL points at it (with an access_token, like a robot's URL)."""
    sink = WebhookSink()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(sink))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sink.url = f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=test-token"
    settings.BIPIN_WEBHOOK_URL = sink.url
    settings.BIPIN_WEBHOOK_SECRET = ""
    settings.BIPIN_WEBHOOK_FORMAT = "robot"
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def alert_told(
    district: Any,
    recipients: list[Any],
    *,
    severity: str = "red",
    project: str = "临安数字经济产业园",
    on: Any = None,
) -> list[Any]:
    """An overdue-milestone alert on town A, its opening told to `recipients` through
    `notifications.notify` (the way a pass of the rules tells people): their
    notifications, with deliveries for the channels each chose."""
    from datetime import date

    from django.contrib.contenttypes.models import ContentType

    from bipin.alerts.actions import do_save_rule
    from bipin.alerts.choices import EventKind
    from bipin.alerts.models import Alert, AlertEvent, Rule
    from bipin.alerts.notifications import notify
    from bipin.org.models import Unit

    on = on or date(2026, 11, 29)
    rule = Rule.objects.filter(kind="milestone_overdue").first() or do_save_rule(
        None,
        kind="milestone_overdue",
        name="节点逾期",
        severity="red",
        params={},
        escalate_after_days=3,
        active=True,
        actor=district.supervisor,
    )
    alert = Alert.objects.create(
        rule=rule,
        subject_type=ContentType.objects.get_for_model(Unit),
        subject_id=district.town_a.pk + Alert.objects.count(),
        subject_label=f"{project} · 开工",
        unit=district.town_a,
        responsible=district.clerk_a,
        severity=severity,
        facts={"project": project, "stage": "started", "planned_on": "2026-10-31", "days": 29},
        opened_on=on,
        last_seen_on=on,
    )
    event = AlertEvent.objects.create(alert=alert, kind=EventKind.OPENED, on=on)
    return notify([(event, [user.pk for user in recipients])])


def wait_when_locked(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    """A connection's execute wrapper for tests with threads on SQLite: retries a statement
    refused with "database table is locked".

    The test database is SQLite in memory with a shared cache, where a statement that
    meets another connection's lock fails at once (SQLITE_LOCKED) instead of waiting as
    busy_timeout makes it wait on the file database bipin runs on. This puts the waiting
    back, so the threads race as workers do. A refused statement changed nothing (SQLite
    undoes the statement, not the transaction around it), so it can be run again."""
    import time

    from django.db import OperationalError

    deadline = time.monotonic() + 20
    while True:
        try:
            return execute(sql, params, many, context)
        except OperationalError as error:
            if "is locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)
