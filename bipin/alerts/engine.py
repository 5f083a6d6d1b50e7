"""One pass of the rules: every active rule's findings against its standing alerts.

For each rule, in one transaction that holds the rule's row (so a second worker's pass of
the same rule waits, then finds everything already done):

- a finding with no alert opens one (or reopens the resolved alert of the same key: the key
  (rule, subject, unit, period) is unique, DESIGN.md's dedup);
- a finding with a standing alert keeps it, with today's facts; a worse severity raises
  it; a red is lowered to yellow only when the finding says the shortfall is made up;
- a standing alert with no finding resolves itself — unless the kind cannot judge it today
  (its value is not in yet);
- an open alert nobody has acknowledged goes up after the rule's days: to the unit's
  managers, then to the leader linked to the subject or its unit.

Each step is an `AlertEvent`; the people it concerns get a `Notification` (notifications.py).
Writes are in bulk: a pass costs a few queries per rule plus one per thousand rows written.
"""

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bipin.alerts.choices import (
    SEVERITY_RANK,
    STANDING,
    AlertStatus,
    Escalation,
    EventKind,
    Severity,
)
from bipin.alerts.models import Alert, AlertEvent, Rule
from bipin.alerts.notifications import Recipients, notify
from bipin.alerts.rules import Finding, PassContext, rule_kinds
from bipin.core import bulk
from bipin.core.periods import Period
from bipin.indicators.models import ReportingPeriod
from bipin.org.models import Unit

logger = logging.getLogger(__name__)

_BATCH = 2000
#: What a pass reads of a standing alert (and may write back); the rest stays on disk.
_STANDING_FIELDS = (
    "id",
    "rule_id",
    "subject_type_id",
    "subject_id",
    "unit_id",
    "period",
    "severity",
    "status",
    "facts",
    "subject_label",
    "responsible_id",
    "opened_on",
    "last_seen_on",
    "resolved_on",
    "resolved_by_id",
    "escalation",
    "escalated_on",
)
#: What a pass changes on a standing alert.
_KEPT_CHANGES = [
    "status",
    "severity",
    "facts",
    "subject_label",
    "resolved_on",
    "resolved_by",
    "escalation",
    "escalated_on",
]


@dataclass
class PassResult:
    """What a pass did, by rule and in all."""

    opened: int = 0
    kept: int = 0
    resolved: int = 0
    raised: int = 0
    lowered: int = 0
    escalated: int = 0
    by_rule: dict[str, Counter[str]] = field(default_factory=dict)
    #: Rules whose pass failed (logged with the error); the others ran.
    failed: list[str] = field(default_factory=list)

    def add(self, rule: Rule, counts: Counter[str]) -> None:
        self.by_rule[rule.name] = counts
        for name in ("opened", "kept", "resolved", "raised", "lowered", "escalated"):
            setattr(self, name, getattr(self, name) + counts[name])


def data_period(today: date) -> Period | None:
    """The month whose data is due by `today`: the latest reporting period whose deadline
    has passed."""
    latest = (
        ReportingPeriod.objects.filter(deadline__lt=today)
        .order_by("-year", "-month")
        .values_list("year", "month")
        .first()
    )
    return None if latest is None else Period(*latest)


def run_rules(today: date | None = None, rules: Iterable[Rule] | None = None) -> PassResult:
    """One pass of `rules` (every active rule) for `today`; safe to run again, by any
    number of workers at once."""
    today = today or timezone.localdate()
    context = PassContext(today=today, data_period=data_period(today))
    result = PassResult()
    for rule in rules if rules is not None else Rule.objects.active():
        try:
            result.add(rule, run_rule(rule, context))
        except Exception:
            # One broken rule (its transaction rolled back) must not stop the others.
            logger.exception("alert rule %s (%s) failed on %s", rule.name, rule.kind, today)
            result.failed.append(rule.name)
    return result


def run_rule(rule: Rule, context: PassContext) -> Counter[str]:
    kind = rule_kinds.get(rule.kind)
    with transaction.atomic():
        # Holding the rule's row makes a concurrent pass of it wait for this one
        # (PostgreSQL; SQLite's IMMEDIATE transactions already let one writer in at a time).
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        findings = {finding.key: finding for finding in kind.find(rule, context)}
        return _Reconcile(rule, context, findings).run(kind)


def _key(alert: Alert) -> tuple[int, int, int, str]:
    return (alert.subject_type_id, alert.subject_id, alert.unit_id, alert.period)


class _Reconcile:
    def __init__(self, rule: Rule, context: PassContext, findings: dict[Any, Finding]) -> None:
        self.rule = rule
        self.today = context.today
        self.context = context
        self.findings = findings
        self.counts: Counter[str] = Counter()
        self.events: list[AlertEvent] = []
        #: (event, who is told) for the notifications, once the events have ids.
        self.told: list[tuple[AlertEvent, Recipients]] = []
        self.changed: list[Alert] = []
        #: Resolved alerts that came back: every field of theirs may change.
        self.reopened: list[Alert] = []

    def run(self, kind: Any) -> Counter[str]:
        # Standing alerts are read as plain rows: on a quiet day almost all of them are
        # kept as they are, and only those that change become model instances.
        standing: dict[tuple[int, int, int, str], dict[str, Any]] = {}
        for row in (
            Alert.objects.filter(rule=self.rule, status__in=STANDING)
            .values_list(*_STANDING_FIELDS)
            .iterator(chunk_size=_BATCH)
        ):
            record = dict(zip(_STANDING_FIELDS, row, strict=True))
            key = (
                record["subject_type_id"],
                record["subject_id"],
                record["unit_id"],
                record["period"],
            )
            standing[key] = record
        new_keys = [key for key in self.findings if key not in standing]
        self._open(new_keys)
        kept: list[Alert] = []
        gone: list[Alert] = []
        for key, record in standing.items():
            finding = self.findings.get(key)
            if finding is None:
                gone.append(self._instance(record))
            elif self._unchanged(record, finding):
                self.counts["kept"] += 1
            else:
                alert = self._instance(record)
                self._keep(alert, finding)
                kept.append(alert)
        stay = kind.undecided(self.rule, self.context, gone) if gone else set()
        for alert in gone:
            if alert.pk in stay:
                kept.append(alert)
                self.counts["kept"] += 1
            else:
                self._resolve(alert)
        self._escalate(kept, kind)
        self._write()
        return self.counts

    def _instance(self, record: dict[str, Any]) -> Alert:
        alert = Alert(**record)
        alert.rule = self.rule  # held already; describe() and escalation read it
        alert.last_seen_on = self.today  # checked today: the day counts in messages
        alert._state.adding = False
        return alert

    def _unchanged(self, record: dict[str, Any], finding: Finding) -> bool:
        """A standing alert that today's finding leaves exactly as it is, and that is not
        due to go up: kept without being touched (but for its check date)."""
        return (
            record["severity"] == finding.severity
            and record["facts"] == finding.facts
            and record["subject_label"] == finding.subject_label[:300]
            and not _escalates(
                self.rule,
                self.today,
                status=record["status"],
                escalation=record["escalation"],
                severity=record["severity"],
                opened_on=record["opened_on"],
            )
        )

    # --- the steps -----------------------------------------------------------------

    def _open(self, keys: list[tuple[int, int, int, str]]) -> None:
        if not keys:
            return
        reopened = self._resolved_alerts(keys)
        fresh = []
        for key in keys:
            finding = self.findings[key]
            alert = reopened.get(key)
            if alert is not None:
                alert.status = AlertStatus.OPEN
                alert.resolved_on = None
                alert.resolved_by = None
                alert.acknowledged_at = None
                alert.acknowledged_by = None
                alert.escalation = Escalation.RESPONSIBLE
                alert.escalated_on = None
                alert.opened_on = self.today
                # A new round: last round's answer no longer stands, and the unit's
                # responsible person may have changed.
                alert.remedy = ""
                alert.remedy_due = None
                alert.response = ""
                self._apply(alert, finding)
                alert.severity = finding.severity
                alert.rule = self.rule
                self.reopened.append(alert)
                self._event(alert, EventKind.REOPENED, to_severity=finding.severity)
            else:
                alert = Alert(
                    rule=self.rule,
                    subject_type_id=finding.subject_type_id,
                    subject_id=finding.subject_id,
                    unit_id=finding.unit_id,
                    period=finding.period,
                    severity=finding.severity,
                    opened_on=self.today,
                    last_seen_on=self.today,
                    subject_label=finding.subject_label[:300],
                    facts=finding.facts,
                )
                fresh.append(alert)
            self.counts["opened"] += 1
        responsible = _responsible_people({alert.unit_id for alert in [*fresh, *self.reopened]})
        for alert in [*fresh, *self.reopened]:
            alert.responsible_id = responsible.get(alert.unit_id)
        bulk.insert(fresh)
        for alert in fresh:
            self._event(alert, EventKind.OPENED, to_severity=alert.severity)

    def _resolved_alerts(self, keys: list[tuple[int, int, int, str]]) -> dict[Any, Alert]:
        """Resolved alerts of this rule with the same keys: a condition that comes back
        reopens its alert rather than making a second one."""
        wanted = set(keys)
        subject_ids = sorted({key[1] for key in keys})
        found: dict[Any, Alert] = {}
        for start in range(0, len(subject_ids), _BATCH):
            for alert in Alert.objects.filter(
                rule=self.rule,
                status=AlertStatus.RESOLVED,
                subject_id__in=subject_ids[start : start + _BATCH],
            ):
                if _key(alert) in wanted:
                    found[_key(alert)] = alert
        return found

    def _apply(self, alert: Alert, finding: Finding) -> None:
        alert.facts = finding.facts
        alert.subject_label = finding.subject_label[:300]
        alert.last_seen_on = self.today

    def _keep(self, alert: Alert, finding: Finding) -> None:
        self.counts["kept"] += 1
        before = alert.severity
        after = finding.severity
        if SEVERITY_RANK[Severity(after)] > SEVERITY_RANK[Severity(before)]:
            self.counts["raised"] += 1
            alert.severity = after
            self._event(alert, EventKind.RAISED, from_severity=before, to_severity=after)
        elif SEVERITY_RANK[Severity(after)] < SEVERITY_RANK[Severity(before)] and (
            before != Severity.RED or finding.made_up
        ):
            # A red is lowered only on the kind's word that the shortfall is made up.
            self.counts["lowered"] += 1
            alert.severity = after
            self._event(alert, EventKind.LOWERED, from_severity=before, to_severity=after)
        if alert.facts != finding.facts or alert.severity != before:
            alert.facts = finding.facts
            alert.subject_label = finding.subject_label[:300]
            self.changed.append(alert)

    def _resolve(self, alert: Alert) -> None:
        self.counts["resolved"] += 1
        alert.status = AlertStatus.RESOLVED
        alert.resolved_on = self.today
        alert.resolved_by = None
        self.changed.append(alert)
        self._event(alert, EventKind.RESOLVED, from_severity=alert.severity)

    def _escalate(self, alerts: list[Alert], kind: Any) -> None:
        due = [
            alert
            for alert in alerts
            if _escalates(
                self.rule,
                self.today,
                status=alert.status,
                escalation=alert.escalation,
                severity=alert.severity,
                opened_on=alert.opened_on,
            )
        ]
        if not due:
            return
        changed = {alert.pk for alert in self.changed}
        managers = _managers({alert.unit_id for alert in due})
        leaders = _linked_leaders(due, kind)
        fallback: list[int] | None = None
        for alert in due:
            level = Escalation(alert.escalation + 1)
            people = (
                managers.get(alert.unit_id, [])
                if level == Escalation.MANAGER
                else leaders.get(alert.pk, [])
            )
            if not people:  # a unit with no manager, an object with no leader
                fallback = supervisors() if fallback is None else fallback
                people = fallback
            alert.escalation = level
            alert.escalated_on = self.today
            if alert.pk not in changed:
                self.changed.append(alert)
            self.counts["escalated"] += 1
            self._event(alert, EventKind.ESCALATED, note=str(level.label), told=people)

    def _event(
        self,
        alert: Alert,
        kind: str,
        *,
        from_severity: str = "",
        to_severity: str = "",
        note: str = "",
        told: Recipients | None = None,
    ) -> None:
        event = AlertEvent(
            alert=alert,
            kind=kind,
            on=self.today,
            from_severity=from_severity,
            to_severity=to_severity,
            note=note,
        )
        self.events.append(event)
        if told is None and kind in (EventKind.OPENED, EventKind.REOPENED, EventKind.RAISED):
            told = [alert.responsible_id] if alert.responsible_id else []
        if told:
            self.told.append((event, told))

    def _write(self) -> None:
        Alert.objects.bulk_update(self.changed, _KEPT_CHANGES, batch_size=500)
        Alert.objects.bulk_update(
            self.reopened,
            [
                *_KEPT_CHANGES,
                "opened_on",
                "last_seen_on",
                "acknowledged_at",
                "acknowledged_by",
                "remedy",
                "remedy_due",
                "response",
                "responsible",
            ],
            batch_size=500,
        )
        # Everything still standing was checked today (one statement, not one per alert).
        Alert.objects.filter(rule=self.rule, status__in=STANDING).exclude(
            last_seen_on=self.today
        ).update(last_seen_on=self.today)
        for event in self.events:
            event.alert_id = event.alert.pk
        bulk.insert(self.events)
        told_alerts = [event.alert for event, _people in self.told]
        units = Unit.objects.in_bulk({alert.unit_id for alert in told_alerts})
        for alert in told_alerts:
            alert.unit = units[alert.unit_id]
            alert.rule = self.rule
        notify(self.told)


def _escalates(
    rule: Rule, today: date, *, status: str, escalation: int, severity: str, opened_on: date
) -> bool:
    """Whether an alert goes one step up today: open (nobody has acknowledged it), a
    warning rather than a reminder, not yet at the leader, and unanswered for the rule's
    days once more for each step already taken."""
    return (
        status == AlertStatus.OPEN
        and escalation < Escalation.LEADER
        and severity != Severity.REMINDER
        and opened_on + timedelta(days=rule.escalate_after_days * (escalation + 1)) <= today
    )


# --- who is told ---------------------------------------------------------------------


def _responsible_people(unit_ids: set[int]) -> dict[int, int]:
    """Each unit's responsible person for its alerts: its first data clerk, else its first
    manager, else its data provider's first person (a bureau that reports for others)."""
    from bipin.core.choices import Role
    from bipin.org.models import User

    order = {Role.UNIT_CLERK: 0, Role.UNIT_MANAGER: 1, Role.DATA_PROVIDER: 2}
    found: dict[int, tuple[int, int]] = {}
    for user_id, unit_id, role in User.objects.filter(
        unit_id__in=unit_ids, is_active=True, role__in=list(order)
    ).values_list("pk", "unit_id", "role"):
        rank = (order[Role(role)], user_id)
        if unit_id not in found or rank < found[unit_id]:
            found[unit_id] = rank
    return {unit_id: rank[1] for unit_id, rank in found.items()}


def supervisors() -> list[int]:
    """The supervision office's people: told when an escalation has no one else to go to."""
    from bipin.core.choices import Role
    from bipin.org.models import User

    return list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True).values_list("pk", flat=True)
    )


def _managers(unit_ids: set[int]) -> dict[int, list[int]]:
    from bipin.core.choices import Role
    from bipin.org.models import User

    managers: dict[int, list[int]] = {}
    for user_id, unit_id in User.objects.filter(
        unit_id__in=unit_ids, is_active=True, role=Role.UNIT_MANAGER
    ).values_list("pk", "unit_id"):
        managers.setdefault(unit_id, []).append(user_id)
    return managers


def _linked_leaders(alerts: list[Alert], kind: Any) -> dict[int, list[int]]:
    """The leaders linked (领导挂联) to what each alert is about — its subject, what the
    subject belongs to (the kind says) — else to its unit."""
    from django.contrib.contenttypes.models import ContentType

    from bipin.org.models import Link, Unit

    def type_id(model: type) -> int:
        return ContentType.objects.get_for_model(model).pk

    nearest = {
        alert.pk: [(type_id(model), pk) for model, pk in kind.linked_objects(alert)]
        + [(type_id(Unit), alert.unit_id)]
        for alert in alerts
    }
    wanted = Q()
    for objects in nearest.values():
        for content_type_id, object_id in objects:
            wanted |= Q(content_type_id=content_type_id, object_id=object_id)
    links: dict[tuple[int, int], list[int]] = {}
    for content_type_id, object_id, leader_id in Link.objects.filter(
        wanted, ended_on__isnull=True, leader__is_active=True
    ).values_list("content_type_id", "object_id", "leader_id"):
        links.setdefault((content_type_id, object_id), []).append(leader_id)
    return {
        alert_id: next((links[key] for key in objects if key in links), [])
        for alert_id, objects in nearest.items()
    }
