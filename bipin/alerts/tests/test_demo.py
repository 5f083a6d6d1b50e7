"""督查预警 on the Lin'an demo: `bipin alerts run` keeps what the demo's own pass opened, a
clerk opens an alert from the inbox, acknowledges it, fixes its cause, and the next pass
resolves it.

The district demo is loaded once for the tests of the class (inside a transaction rolled
back at the end), as the other apps' demo tests do.
"""

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from bipin.alerts.choices import AlertStatus, Severity
from bipin.alerts.demo import RULES
from bipin.alerts.models import Alert, Notification, Rule
from bipin.org.models import User
from bipin.projects.actions import do_change_stage
from bipin.projects.models import Milestone


@pytest.fixture(scope="class")
def demo(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        out = StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.mark.usefixtures("db")
class TestTheDemosAlerts:
    def test_every_rule_kind_is_configured_and_the_first_pass_found_something(
        self, demo: str
    ) -> None:
        assert "督查预警：8 条规则" in demo
        assert sorted(Rule.objects.values_list("kind", flat=True)) == sorted(
            kind for kind, *_rest in RULES
        )
        severities = set(Alert.objects.values_list("severity", flat=True))
        assert severities == {Severity.RED, Severity.YELLOW, Severity.REMINDER}

    def test_bipin_alerts_run_again_opens_nothing_new(self, demo: str) -> None:
        standing = Alert.objects.standing().count()
        out = StringIO()
        call_command("alerts", "run", stdout=out)
        printed = out.getvalue()
        assert f"新触发 0，保持 {standing}，解除 0" in printed
        assert Alert.objects.standing().count() == standing

    def test_a_clerk_opens_an_alert_from_the_inbox_acknowledges_it_and_sees_it_resolved(
        self, demo: str
    ) -> None:
        clerk = User.objects.get(username="clerk_jincheng")
        # 锦城's overdue milestone whose stage is the project's next one, without evidence
        # required: the clerk can fix it by recording the step.
        milestone_alerts = Alert.objects.filter(
            rule__kind="milestone_overdue", responsible=clerk, status=AlertStatus.OPEN
        )
        fixable = None
        for alert in milestone_alerts:
            milestone = Milestone.objects.select_related("project").get(pk=alert.subject_id)
            if milestone.project.next_stage() == milestone.stage and not (
                milestone.requires_evidence
            ):
                fixable = alert
                break
        assert fixable is not None, "the demo has an overdue milestone 锦城 can fix"
        message = Notification.objects.get(recipient=clerk, alert=fixable)

        client = _client("clerk_jincheng")
        # The inbox lists it (on whichever page its date puts it).
        pages = []
        for page in range(1, 6):
            inbox = client.get(reverse("alerts:inbox"), {"page": page})
            assert inbox.status_code == 200
            pages.append(inbox.content.decode())
            if message.title in pages[-1]:
                break
        assert message.title in pages[-1]
        assert message.get_absolute_url() in pages[-1]
        opened = client.get(reverse("alerts:notification", args=[message.pk]), follow=True)
        assert opened.status_code == 200
        assert opened.redirect_chain[-1][0] == fixable.get_absolute_url()
        assert fixable.describe() in opened.content.decode()
        message.refresh_from_db()
        assert message.read_at is not None

        due = timezone.localdate() + timedelta(days=20)
        answer = client.post(
            reverse("alerts:acknowledge", args=[fixable.pk]),
            {"remedy": "已协调施工许可，本周内开工", "remedy_due": due.isoformat()},
        )
        assert answer.status_code in (200, 302)
        fixable.refresh_from_db()
        assert fixable.status == AlertStatus.ACKNOWLEDGED
        assert fixable.remedy_due == due

        do_change_stage(
            milestone.project,
            to=milestone.stage,
            on=timezone.localdate(),
            actor=clerk,
            reason="",
        )
        out = StringIO()
        call_command("alerts", "run", stdout=out)
        fixable.refresh_from_db()
        assert fixable.status == AlertStatus.RESOLVED
        assert fixable.resolved_by is None
        resolved = client.get(fixable.get_absolute_url())
        assert str(AlertStatus.RESOLVED.label) in resolved.content.decode()
