"""Pages of the alerts themselves (督查预警): the supervisor's overview (red and yellow by
unit and rule, then the standing alerts oldest first), a unit's alerts, a person's own, an
alert's page with its history and messages, and the acknowledge, respond and close forms.
Every write goes through alerts.actions; every read through `Alert.objects.restrict`.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bipin.alerts import actions
from bipin.alerts.choices import AlertStatus, Escalation, Severity
from bipin.alerts.exports import XLSX, alerts_workbook
from bipin.alerts.filters import AlertFilter, alert_units, period_label
from bipin.alerts.forms import AcknowledgeForm, CloseForm, RespondForm
from bipin.alerts.models import Alert, Notification, Rule
from bipin.alerts.rules import rule_kinds
from bipin.alerts.rules.base import RuleKind
from bipin.core.choices import Action, Role
from bipin.core.periods import Period
from bipin.core.views import form_page, get_restricted_or_404
from bipin.org.models import Unit
from bipin.org.views import AuthedRequest

PAGE_SIZE = 50
#: What a row of a list shows besides the alert itself.
_ROW_RELATED = ("rule", "unit", "responsible")
#: How many days ahead the acknowledge form proposes as the remedy's date.
_REMEDY_DAYS = 14


def _is_supervisor(user: Any) -> bool:
    return bool(user.is_superuser or user.role == Role.SUPERVISOR)


# The matrix of the overview ---------------------------------------------------------------


@dataclass
class Cell:
    """Standing alerts of one unit and one rule (or a total), by severity."""

    red: int = 0
    yellow: int = 0
    reminder: int = 0

    def add(self, other: "Cell") -> None:
        self.red += other.red
        self.yellow += other.yellow
        self.reminder += other.reminder

    @property
    def total(self) -> int:
        return self.red + self.yellow + self.reminder


@dataclass
class MatrixRow:
    unit: Unit
    #: By rule, in the order of the columns; None where the unit has none of the rule's.
    cells: list[tuple[Rule, Cell | None]]
    total: Cell = field(default_factory=Cell)


@dataclass
class Matrix:
    """Standing alerts by unit (rows) and rule (columns), with the totals of each."""

    rules: list[Rule]
    rows: list[MatrixRow]
    totals: list[tuple[Rule, Cell]]
    total: Cell


def severity_matrix(alerts: QuerySet[Alert], user: Any) -> Matrix:
    """The counts of the standing `alerts` by unit and rule, red, yellow and reminders
    apart. Three queries, whatever the number of alerts: the counts, the units, the
    rules."""
    counts = (
        alerts.standing()  # type: ignore[attr-defined]
        .order_by()
        .values("unit_id", "rule_id")
        .annotate(
            red=Count("pk", filter=Q(severity=Severity.RED)),
            yellow=Count("pk", filter=Q(severity=Severity.YELLOW)),
            reminder=Count("pk", filter=Q(severity=Severity.REMINDER)),
        )
    )
    by_key = {
        (row["unit_id"], row["rule_id"]): Cell(row["red"], row["yellow"], row["reminder"])
        for row in counts
    }
    units = list(
        alert_units(user)
        .filter(pk__in={unit_id for unit_id, _rule in by_key})
        .order_by("order", "code")
    )
    rules = list(Rule.objects.restrict(user).filter(pk__in={rule for _unit, rule in by_key}))
    totals = [(rule, Cell()) for rule in rules]
    total = Cell()
    rows = []
    for unit in units:
        row = MatrixRow(unit=unit, cells=[(rule, by_key.get((unit.pk, rule.pk))) for rule in rules])
        for (_rule, cell), (_same, column_total) in zip(row.cells, totals, strict=True):
            if cell is not None:
                row.total.add(cell)
                column_total.add(cell)
        total.add(row.total)
        rows.append(row)
    return Matrix(rules=rules, rows=rows, totals=totals, total=total)


# Lists ------------------------------------------------------------------------------------


def _page(request: AuthedRequest, alerts: QuerySet[Alert]) -> Page:
    """A page of alerts for a list, each with its days open (`days`)."""
    page = Paginator(alerts.select_related(*_ROW_RELATED), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    for alert in page:
        alert.days = alert.days_open(today)  # type: ignore[attr-defined]
        alert.period_label = period_label(alert.period)  # type: ignore[attr-defined]
    return page


def _list_page(
    request: AuthedRequest,
    alerts: QuerySet[Alert],
    *,
    template: str,
    context: dict[str, Any],
    unit: Unit | None = None,
) -> HttpResponse:
    filterset = AlertFilter(request.GET, queryset=alerts, request=request)
    context = {
        **context,
        "filter": filterset,
        "page": _page(request, filterset.qs),
        "unit": unit,
        "active": "list",
    }
    if request.htmx:
        return render(request, "alerts/_alert_rows.html", context)
    return render(request, template, context)


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    """预警总览. The supervisor and leaders see every unit's standing red and yellow by rule,
    then the list; a unit's people see their unit's alerts (its page)."""
    user = request.user
    if not user.sees_everything and user.unit_id and alert_units(user).exists():
        url = reverse("alerts:unit", args=[user.unit_id])
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    alerts = Alert.objects.restrict(user)
    return _list_page(
        request,
        alerts,
        template="alerts/overview.html",
        context={"matrix": severity_matrix(alerts, user), "can_export": user.sees_everything},
    )


@login_required
def unit_alerts(request: AuthedRequest, pk: int) -> HttpResponse:
    """A unit's alerts and its sub-units' (a town's platforms); another unit is not found."""
    unit = get_object_or_404(alert_units(request.user), pk=pk)
    alerts = Alert.objects.restrict(request.user).filter(
        unit_id__in=Unit.objects.subtree_ids(unit.pk)
    )
    return _list_page(
        request,
        alerts,
        template="alerts/unit.html",
        context={"matrix": severity_matrix(alerts, request.user)},
        unit=unit,
    )


@login_required
def my_alerts(request: AuthedRequest) -> HttpResponse:
    """我的预警: the alerts a person answers for (responsible, or escalated to them),
    standing first, then the oldest first."""
    user = request.user
    alerts = (
        Alert.objects.restrict(user)
        .for_person(user)
        .annotate(
            settled=Case(
                When(status=AlertStatus.RESOLVED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("settled", "opened_on", "pk")
    )
    counts = alerts.order_by().aggregate(
        red=Count("pk", filter=Q(severity=Severity.RED, settled=0)),
        yellow=Count("pk", filter=Q(severity=Severity.YELLOW, settled=0)),
        reminder=Count("pk", filter=Q(severity=Severity.REMINDER, settled=0)),
    )
    context = {"page": _page(request, alerts), "counts": counts, "active": "mine"}
    return render(request, "alerts/mine.html", context)


@login_required
def export(request: AuthedRequest) -> HttpResponse:
    """The overview's filtered list as an Excel workbook (what the page shows, all pages)."""
    filterset = AlertFilter(
        request.GET, queryset=Alert.objects.restrict(request.user), request=request
    )
    alerts = filterset.qs.select_related(*_ROW_RELATED)
    today = timezone.localdate()
    response = HttpResponse(alerts_workbook(alerts, today), content_type=XLSX)
    filename = _("督查预警-%(day)s.xlsx") % {"day": today.isoformat()}
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


# The alert's page -------------------------------------------------------------------------


#: Subjects whose page is their parent's: a milestone is shown on its project, a target on
#: its indicator. The fact that names the parent's id.
_SUBJECT_PAGES = {
    "projects.milestone": ("projects.project", "project_id"),
    "indicators.target": ("indicators.indicator", "indicator_id"),
}


def subject_url(alert: Alert, user: Any) -> str:
    """The page of the alert's subject (or of what holds it), if it has one and the user
    may see it; "" otherwise. One query."""
    label = f"{alert.subject_type.app_label}.{alert.subject_type.model}"
    model_label, pk = label, alert.subject_id
    if label in _SUBJECT_PAGES:
        model_label, fact = _SUBJECT_PAGES[label]
        pk = alert.facts.get(fact)
    try:
        model = apps.get_model(model_label)
    except LookupError:
        return ""
    queryset = model._default_manager.all()
    if pk is None or not hasattr(model, "get_absolute_url") or not hasattr(queryset, "restrict"):
        return ""
    subject = queryset.restrict(user).filter(pk=pk).first()
    return subject.get_absolute_url() if subject is not None else ""


def _percent(text: Any, scale: int = 1) -> str:
    try:
        return f"{(Decimal(str(text)) * scale).quantize(Decimal('0.01'))}%"
    except (InvalidOperation, ValueError):
        return "—"


def _points(text: Any) -> str:
    try:
        return _("%(gap)s 个百分点") % {"gap": Decimal(str(text)).quantize(Decimal("0.01"))}
    except (InvalidOperation, ValueError):
        return "—"


def _days(days: int) -> str:
    return ngettext("%(days)s 天", "%(days)s 天", days) % {"days": days}


def _days_since(alert: Alert, key: str) -> str:
    """Days from the date in facts[key] to the alert's last check (kinds count them when
    shown, not in the facts)."""
    day = alert.facts.get(key)
    return _days(RuleKind.days_between(alert, day)) if day else "—"


def _month(text: Any) -> str:
    try:
        return Period.parse(str(text)).label
    except ValueError:
        return str(text)


def _measured(facts: dict[str, Any], key: str) -> str:
    return f"{facts.get(key, '—')} {facts.get('measure', '')}".strip()


def _stage(code: Any) -> str:
    from bipin.projects.choices import Stage

    try:
        return str(Stage(code).label)
    except ValueError:
        return str(code)


def fact_lines(alert: Alert) -> list[tuple[str, str]]:
    """The numbers the finding was made with, labelled for the alert's page, by kind."""
    facts = alert.facts
    kind = alert.rule.kind
    if kind in ("milestone_overdue", "milestone_due_soon"):
        return [
            (_("项目"), facts.get("project", "")),
            (_("节点"), _stage(facts.get("stage"))),
            (_("计划日期"), facts.get("planned_on", "")),
            (
                _("已逾期") if kind == "milestone_overdue" else _("距到期"),
                _days_since(alert, "planned_on"),
            ),
        ]
    if kind == "project_stalled":
        return [
            (_("项目"), facts.get("project", "")),
            (_("当前阶段"), _stage(facts.get("stage"))),
            (_("最近一次阶段变化"), facts.get("moved_on", "")),
            (_("无进展"), _days_since(alert, "moved_on")),
        ]
    if kind == "completion_behind":
        lines = [
            (_("指标"), facts.get("indicator", "")),
            (_("单位"), facts.get("unit_name", "")),
            (_("数据月份"), _month(facts.get("month"))),
            (_("完成值"), _measured(facts, "actual")),
            (_("年度目标"), _measured(facts, "target")),
        ]
        if facts.get("percent") is not None:
            lines += [
                (_("完成率"), _percent(facts["percent"])),
                (_("序时进度"), _percent(facts.get("time_progress"))),
            ]
        return [*lines, (_("差距"), _points(facts.get("gap")))]
    if kind == "forecast_miss":
        years = facts.get("profile_years") or 0
        return [
            (_("指标"), facts.get("indicator", "")),
            (_("单位"), facts.get("unit_name", "")),
            (_("数据月份"), _month(facts.get("month"))),
            (_("本年累计"), _measured(facts, "actual")),
            (_("同期完成占全年比重"), _percent(facts.get("share"), 100)),
            (
                _("推算依据"),
                _("近 %(years)s 年同期进度") % {"years": years}
                if years
                else _("序时进度（无往年数据）"),
            ),
            (_("全年预计"), _measured(facts, "projection")),
            (_("年度目标"), _measured(facts, "target")),
            (_("预计缺口"), _percent(facts.get("shortfall"))),
        ]
    if kind == "value_not_submitted":
        return [
            (_("数据月份"), _month(facts.get("month"))),
            (_("报送截止日期"), facts.get("deadline", "")),
            (_("已逾期"), _days_since(alert, "deadline")),
            (_("未提交"), _("%(count)s 项") % {"count": facts.get("missing", 0)}),
            (_("涉及单位"), _("%(count)s 个") % {"count": facts.get("for_units", 0)}),
            (_("未提交的指标"), "、".join(facts.get("indicators", []))),
        ]
    if kind == "request_overdue":
        return [
            (_("企业"), facts.get("enterprise", "")),
            (_("诉求编号"), facts.get("code", "")),
            (_("办理期限"), facts.get("deadline", "")),
            (_("已超期"), _days_since(alert, "deadline")),
        ]
    if kind == "bottom_of_group":
        ranks = "；".join(
            _("%(period)s 第 %(rank)s/%(count)s 名")
            % {"period": period, "rank": rank, "count": count}
            for period, rank, count in facts.get("ranks", [])
        )
        return [
            (_("比拼组"), facts.get("group", "")),
            (_("排名范围"), _("倒数 %(places)s 位以内") % {"places": facts.get("places")}),
            (_("连续期数"), _("%(runs)s 期") % {"runs": facts.get("runs")}),
            (_("各期名次"), ranks),
        ]
    return [(str(key), str(value)) for key, value in facts.items()]


def _describe(alert: Alert) -> str:
    try:
        return alert.describe()
    except (KeyError, TypeError, ValueError):
        # Facts written by an older version of the kind: say at least what it is about.
        return alert.subject_label


@login_required
def alert_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """An alert's page: the finding in words and its numbers, who answers for it and how
    far it has gone up, its history and the messages sent about it, and the forms the
    user may use on it."""
    user = request.user
    alert = get_restricted_or_404(
        Alert.objects.select_related(
            "rule", "unit", "responsible", "subject_type", "acknowledged_by", "resolved_by"
        ),
        user,
        pk=pk,
    )
    can_change = Alert.objects.can(user, Action.CHANGE, alert)
    standing = alert.is_standing
    # The messages about the alert: the supervisor and leaders see who was told and
    # whether it reached them; anyone else their own messages only.
    notifications = (
        Notification.objects.filter(alert=alert)
        if user.sees_everything
        else Notification.objects.restrict(user).filter(alert=alert)
    )
    kind = rule_kinds.get(alert.rule.kind) if alert.rule.kind in rule_kinds else None
    today = timezone.localdate()
    context = {
        "alert": alert,
        "description": _describe(alert),
        "facts": fact_lines(alert),
        "kind": kind,
        "period_label": period_label(alert.period),
        "days": alert.days_open(today),
        "subject_url": subject_url(alert, user),
        "events": alert.events.select_related("actor"),
        "notifications": notifications.select_related("recipient")
        .prefetch_related("deliveries")
        .order_by("created_at", "pk"),
        "sees_all_messages": user.sees_everything,
        "escalation_due": alert.escalation_due()
        if alert.status == AlertStatus.OPEN and alert.escalation < Escalation.LEADER
        else None,
        "acknowledge_form": AcknowledgeForm(
            initial={"remedy_due": today + timedelta(days=_REMEDY_DAYS)}
        )
        if can_change and alert.status == AlertStatus.OPEN
        else None,
        "respond_form": RespondForm(initial={"response": alert.response})
        if can_change and standing
        else None,
        "close_form": CloseForm() if _is_supervisor(user) and standing else None,
        "active": "list",
    }
    return render(request, "alerts/alert.html", context)


# Forms ------------------------------------------------------------------------------------


def _alert_to_change(request: AuthedRequest, pk: int) -> Alert:
    return get_restricted_or_404(
        Alert.objects.select_related("rule"), request.user, Action.CHANGE, pk=pk
    )


@login_required
def acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = _alert_to_change(request, pk)
    form = AcknowledgeForm(
        request.POST or None,
        initial={"remedy_due": timezone.localdate() + timedelta(days=_REMEDY_DAYS)},
    )
    return form_page(
        request,
        form,
        lambda: actions.do_acknowledge_alert(
            alert,
            remedy=form.cleaned_data["remedy"],
            remedy_due=form.cleaned_data["remedy_due"],
            actor=request.user,
        ),
        title=_("认领预警：%(name)s") % {"name": alert.subject_label},
        done=_("已认领预警“%(name)s”。"),
        cancel_url=alert.get_absolute_url(),
    )


@login_required
def respond(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = _alert_to_change(request, pk)
    form = RespondForm(request.POST or None, initial={"response": alert.response})
    return form_page(
        request,
        form,
        lambda: actions.do_respond_alert(
            alert, response=form.cleaned_data["response"], actor=request.user
        ),
        title=_("回复预警：%(name)s") % {"name": alert.subject_label},
        done=_("已回复预警“%(name)s”。"),
        cancel_url=alert.get_absolute_url(),
    )


@login_required
def close(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = _alert_to_change(request, pk)
    if not _is_supervisor(request.user):
        raise PermissionDenied(_("只有督查室可以人工解除预警"))
    form = CloseForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda: actions.do_close_alert(
            alert, reason=form.cleaned_data["reason"], actor=request.user
        ),
        title=_("解除预警：%(name)s") % {"name": alert.subject_label},
        done=_("已解除预警“%(name)s”。"),
        cancel_url=alert.get_absolute_url(),
    )


# A unit's page ----------------------------------------------------------------------------


def unit_section(request: AuthedRequest, unit: Unit) -> str:
    """The unit's standing alerts by severity on its page, with a link to the list;
    nothing for a user who may not see the unit's alerts. Two queries."""
    if not alert_units(request.user).filter(pk=unit.pk).exists():
        return ""
    counts = (
        Alert.objects.restrict(request.user)
        .standing()
        .filter(unit_id__in=Unit.objects.subtree_ids(unit.pk))
        .aggregate(
            red=Count("pk", filter=Q(severity=Severity.RED)),
            yellow=Count("pk", filter=Q(severity=Severity.YELLOW)),
            reminder=Count("pk", filter=Q(severity=Severity.REMINDER)),
        )
    )
    return render_to_string(
        "alerts/_unit_section.html", {"unit": unit, "counts": counts}, request=request
    )


urlpatterns = [
    path("", overview, name="list"),
    path("units/<int:pk>/", unit_alerts, name="unit"),
    path("mine/", my_alerts, name="mine"),
    path("export/", export, name="export"),
    path("<int:pk>/", alert_detail, name="alert"),
    path("<int:pk>/acknowledge/", acknowledge, name="acknowledge"),
    path("<int:pk>/respond/", respond, name="respond"),
    path("<int:pk>/close/", close, name="close"),
]
