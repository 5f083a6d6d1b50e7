"""Alerts (预警) in the API: the list (the overview's filters, oldest first), an alert with
its finding in words, facts and history, the standing counts by unit and by rule, and the
unit's answers — acknowledge, respond — and the supervisor's close.

Scoped like the pages: an alert the user may not see is 404; one they see but may not
change (a leader's, or closing by anyone but the supervisor) is 403 with the reason.
"""

from datetime import date, datetime
from typing import Any

from django.db.models import Count, Prefetch, Q
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from bipin.alerts import actions
from bipin.alerts.choices import STANDING, AlertStatus, Escalation, EventKind, Severity
from bipin.alerts.filters import ALL_CHOICE, AlertFilter
from bipin.alerts.models import Alert, AlertEvent
from bipin.core.api import filtered
from bipin.core.choices import Action
from bipin.core.views import AuthedRequest, get_restricted_or_404

router = Router(tags=["alerts"])


# Schemas -----------------------------------------------------------------------------------


class AlertOut(Schema):
    id: int
    rule_id: int
    rule_name: str = Field(alias="rule.name")
    rule_kind: str = Field(alias="rule.kind", description="规则类型（见 /api/rule-kinds）")
    subject_type: str = Field(description="预警对象的类型，如 projects.milestone")
    subject_id: int = Field(description="预警对象的编号")
    subject_label: str = Field(description="预警对象（触发时的名称）")
    unit_id: int = Field(description="责任单位编号")
    unit_name: str = Field(alias="unit.name")
    responsible_id: int | None = Field(description="责任人的用户编号")
    responsible_name: str | None = Field(description="责任人姓名")
    period: str = Field(description="期间：2026-10 为月，2026 为年；节点、诉求等为空")
    severity: Severity = Field(description="red 红色预警、yellow 黄色预警、reminder 提醒")
    severity_label: str = Field(alias="get_severity_display")
    status: AlertStatus = Field(description="open 待处理、acknowledged 已认领、resolved 已解除")
    status_label: str = Field(alias="get_status_display")
    opened_on: date = Field(description="触发日期")
    last_seen_on: date = Field(description="最近一次核查日期")
    days_open: int = Field(description="已持续天数（解除的到解除日期为止）")
    escalation: Escalation = Field(description="上报层级：0 责任人、1 单位负责人、2 挂联领导")
    escalation_label: str = Field(alias="get_escalation_display")
    escalated_on: date | None = Field(description="最近一次上报日期")
    acknowledged_at: datetime | None = Field(description="认领时间")
    remedy: str = Field(description="整改措施")
    remedy_due: date | None = Field(description="整改计划完成日期")
    response: str = Field(description="书面回复（最近一次）")
    resolved_on: date | None = Field(description="解除日期")
    resolved_by_id: int | None = Field(description="人工解除的用户编号；自动解除为空")

    @staticmethod
    def resolve_subject_type(alert: Alert) -> str:
        return f"{alert.subject_type.app_label}.{alert.subject_type.model}"

    @staticmethod
    def resolve_responsible_name(alert: Alert) -> str | None:
        return alert.responsible.name if alert.responsible else None

    @staticmethod
    def resolve_days_open(alert: Alert) -> int:
        return alert.days_open()


class AlertEventOut(Schema):
    id: int
    kind: EventKind
    kind_label: str = Field(alias="get_kind_display")
    on: date
    at: datetime
    actor_id: int | None = Field(description="操作人；规则自动执行的为空")
    actor_name: str | None
    from_severity: Severity | None = Field(description="级别变化前（升级、降级）")
    to_severity: Severity | None = Field(description="级别变化后（升级、降级）")
    note: str

    @staticmethod
    def resolve_actor_name(event: AlertEvent) -> str | None:
        return event.actor.name if event.actor else None

    @staticmethod
    def resolve_from_severity(event: AlertEvent) -> str | None:
        return event.from_severity or None

    @staticmethod
    def resolve_to_severity(event: AlertEvent) -> str | None:
        return event.to_severity or None


class AlertDetailOut(AlertOut):
    description: str = Field(description="预警内容：规则的发现，用文字表述")
    facts: dict[str, Any] = Field(
        description="预警依据：规则据以判断的数（逾期天数、序时差距、预测值等），随规则类型而不同"
    )
    acknowledged_by_id: int | None = Field(description="认领人")
    acknowledged_by_name: str | None
    events: list[AlertEventOut] = Field(description="处理记录，按时间先后")

    @staticmethod
    def resolve_description(alert: Alert) -> str:
        return alert.describe()

    @staticmethod
    def resolve_acknowledged_by_name(alert: Alert) -> str | None:
        return alert.acknowledged_by.name if alert.acknowledged_by else None

    @staticmethod
    def resolve_events(alert: Alert) -> list[Any]:
        return list(alert.events.all())


class AlertQuery(Schema):
    q: str | None = Field(None, max_length=100, description="预警对象或责任单位名称包含")
    severity: Severity | None = Field(None, description="red、yellow 或 reminder")
    status: AlertStatus | None = Field(
        None, description="open、acknowledged 或 resolved；不填为全部状态"
    )
    standing: bool | None = Field(
        None, description="true 仅未解除的（待处理和已认领），false 仅已解除的"
    )
    rule: int | None = Field(None, description="预警规则编号")
    unit: int | None = Field(None, description="责任单位编号（含其下级单位）")
    period: str | None = Field(
        None, max_length=10, description="期间，如 2026-10（月）或 2026（年），须为已有预警的期间"
    )
    escalation: Escalation | None = Field(None, description="上报层级：0、1、2")


class _FilterParams(Schema):
    """The query as the overview's filter reads it (its status also says "all")."""

    q: str | None
    severity: str | None
    status: str
    rule: int | None
    unit: int | None
    period: str | None
    escalation: int | None


class AcknowledgeIn(Schema):
    remedy: str = Field(max_length=2000, description="整改措施，不能为空")
    remedy_due: date = Field(description="计划完成日期，不能早于今天")


class RespondIn(Schema):
    response: str = Field(max_length=4000, description="书面回复，不能为空")


class CloseIn(Schema):
    reason: str = Field(max_length=500, description="解除原因，不能为空，记入处理记录")


class SeverityCounts(Schema):
    red: int = Field(description="红色预警")
    yellow: int = Field(description="黄色预警")
    reminder: int = Field(description="提醒")
    total: int


class UnitCountsOut(SeverityCounts):
    unit_id: int
    unit_name: str


class RuleCountsOut(SeverityCounts):
    rule_id: int
    rule_name: str


class SummaryOut(Schema):
    totals: SeverityCounts = Field(description="您权限范围内未解除的预警")
    by_unit: list[UnitCountsOut] = Field(description="按责任单位，红色预警多者在前")
    by_rule: list[RuleCountsOut] = Field(description="按预警规则，按规则顺序")


# Helpers -----------------------------------------------------------------------------------


def _alerts() -> Any:
    return Alert.objects.select_related("rule", "unit", "responsible", "subject_type")


def _detail(alert: Alert) -> Alert:
    """An alert with its history: two queries."""
    return (
        _alerts()
        .select_related("acknowledged_by")
        .prefetch_related(
            Prefetch("events", queryset=AlertEvent.objects.select_related("actor")),
        )
        .get(pk=alert.pk)
    )


def _changeable(request: AuthedRequest, alert_id: int) -> Alert:
    return get_restricted_or_404(Alert.objects.all(), request.user, Action.CHANGE, pk=alert_id)


_COUNTS = {
    "red": Count("pk", filter=Q(severity=Severity.RED)),
    "yellow": Count("pk", filter=Q(severity=Severity.YELLOW)),
    "reminder": Count("pk", filter=Q(severity=Severity.REMINDER)),
    "total": Count("pk"),
}


# Endpoints ---------------------------------------------------------------------------------


@router.get(
    "/alerts",
    response=list[AlertOut],
    summary="预警列表",
    description="您权限范围内的预警，最早触发的在前；与预警总览页面使用同一套筛选条件"
    "（但不填状态时列出全部状态，standing=true 只列未解除的）。",
)
@paginate(PageNumberPagination)
def list_alerts(request: AuthedRequest, filters: Query[AlertQuery]) -> Any:
    visible = Alert.objects.restrict(request.user, Action.VIEW)
    wanted = filters.dict()
    standing = wanted.pop("standing")
    if standing is not None:
        visible = visible.standing() if standing else visible.exclude(status__in=STANDING)
    # The overview shows what stands unless asked; the API lists every status unless asked.
    wanted["status"] = wanted["status"] or ALL_CHOICE
    found = filtered(AlertFilter, _FilterParams(**wanted), visible, request)
    return found.select_related("rule", "unit", "responsible", "subject_type")


@router.get(
    "/alerts/summary",
    response=SummaryOut,
    summary="预警统计",
    description="未解除的红色、黄色预警和提醒的条数：合计、按责任单位、按预警规则（您权限范围内）。",
)
def alert_summary(request: AuthedRequest) -> Any:
    standing = Alert.objects.restrict(request.user, Action.VIEW).standing()
    totals = standing.aggregate(**_COUNTS)
    by_unit = (
        standing.values("unit_id", "unit__name")
        .annotate(**_COUNTS)
        .order_by("-red", "-yellow", "-reminder", "unit__order", "unit__code")
    )
    by_rule = (
        standing.values("rule_id", "rule__name")
        .annotate(**_COUNTS)
        .order_by("rule__order", "rule_id")
    )
    return {
        "totals": totals,
        "by_unit": [{**row, "unit_name": row["unit__name"]} for row in by_unit],
        "by_rule": [{**row, "rule_name": row["rule__name"]} for row in by_rule],
    }


@router.get(
    "/alerts/{alert_id}",
    response=AlertDetailOut,
    summary="预警详情",
    description="预警内容（文字）、预警依据、整改与回复、上报层级和处理记录。",
)
def get_alert(request: AuthedRequest, alert_id: int) -> Any:
    alert = get_restricted_or_404(Alert.objects.all(), request.user, pk=alert_id)
    return _detail(alert)


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response=AlertDetailOut,
    summary="认领预警",
    description="责任单位认领待处理的预警，提出整改措施和计划完成日期（不早于今天）。",
)
def acknowledge_alert(request: AuthedRequest, alert_id: int, payload: AcknowledgeIn) -> Any:
    alert = _changeable(request, alert_id)
    actions.do_acknowledge_alert(
        alert, remedy=payload.remedy, remedy_due=payload.remedy_due, actor=request.user
    )
    return _detail(alert)


@router.post(
    "/alerts/{alert_id}/respond",
    response=AlertDetailOut,
    summary="书面回复",
    description="责任单位对未解除的预警作书面回复；再次回复替换显示的回复，每次回复都记入处理记录。",
)
def respond_alert(request: AuthedRequest, alert_id: int, payload: RespondIn) -> Any:
    alert = _changeable(request, alert_id)
    actions.do_respond_alert(alert, response=payload.response, actor=request.user)
    return _detail(alert)


@router.post(
    "/alerts/{alert_id}/close",
    response=AlertDetailOut,
    summary="人工解除预警",
    description="督查室说明原因后解除未解除的预警；若条件仍然成立，下一次核查会再次触发。",
)
def close_alert(request: AuthedRequest, alert_id: int, payload: CloseIn) -> Any:
    alert = _changeable(request, alert_id)
    actions.do_close_alert(alert, reason=payload.reason, actor=request.user)
    return _detail(alert)
