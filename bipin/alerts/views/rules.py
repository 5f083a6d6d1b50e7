"""The warning rules (预警规则) and the queue of messages going out.

Everyone signed in reads the rules — a unit should know what it is warned about and with
which numbers — and every kind there is, with what it warns of. Only the supervisor writes
them (RuleQuerySet): for anyone else a rule's page is read-only and its forms are 403. The
form is built from the kind's parameters, and the action (actions.do_save_rule) is the one
judge of them, so its message, naming the parameter, is what the field shows.

The deliveries page is the supervisor's view of mail and webhook messages that did not
go: retrying, failed (with a button to send again) and what was sent lately.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bipin.alerts.actions import do_save_rule
from bipin.alerts.choices import STANDING, Channel, DeliveryStatus, Severity
from bipin.alerts.deliveries import do_resend_delivery
from bipin.alerts.models import Delivery, Rule
from bipin.alerts.rules import rule_kinds
from bipin.alerts.rules.base import Param, RuleKind
from bipin.core.choices import Action, Role
from bipin.core.forms import StyledFormMixin
from bipin.core.views import add_action_errors, get_restricted_or_404, require_action
from bipin.org.views import AuthedRequest

# The rules ---------------------------------------------------------------------------------


@dataclass
class Setting:
    """One parameter of a rule as the list shows it: its label and the value in force."""

    label: str | Promise
    value: Any


def rule_settings(kind: RuleKind | None, rule: Rule) -> list[Setting]:
    """The rule's parameters with their labels, defaults filled in; a stored value the
    kind cannot read (a rule saved before a range changed) is shown as stored."""
    if kind is None:
        return [Setting(name, value) for name, value in rule.params.items()]
    shown = []
    for param in kind.params:
        raw = rule.params.get(param.name)
        try:
            value: Any = param.read(raw)
        except ValueError:
            value = raw
        shown.append(Setting(param.label, value))
    return shown


def _may_edit(user: Any) -> bool:
    return not Rule.objects.restrict(user, Action.CHANGE).query.is_empty()


@login_required
def rule_list(request: AuthedRequest) -> HttpResponse:
    """Every rule with what it is set to and how many alerts of it stand; then every kind
    of rule there is, with what it warns of (the supervisor starts a new rule from it)."""
    rules = list(
        Rule.objects.restrict(request.user)
        .annotate(standing=Count("alerts", filter=Q(alerts__status__in=STANDING)))
        # A grouped query ignores Meta.ordering: the office's order, said again.
        .order_by("order", "pk")
    )
    for rule in rules:
        rule.kind_entry = rule_kinds.get(rule.kind) if rule.kind in rule_kinds else None
        rule.settings = rule_settings(rule.kind_entry, rule)
    used = {rule.kind for rule in rules}
    kinds = [
        {
            "key": key,
            "kind": kind,
            "used": key in used,
            "params": kind.params,
            "severity_label": Severity(kind.default_severity).label,
        }
        for key, kind in rule_kinds.items()
    ]
    context = {
        "rules": rules,
        "kinds": kinds,
        "can_edit": _may_edit(request.user),
        "active": "rules",
    }
    return render(request, "alerts/rules.html", context)


def _param_field(param: Param) -> forms.Field:
    """A text field with a number keypad: the range is checked by the action, whose
    message names the parameter (Param.read)."""
    step = "1" if param.is_integer else "any"
    attrs = {
        "class": "form-control",
        "inputmode": "numeric" if param.is_integer else "decimal",
        "step": step,
    }
    attrs["min"] = str(param.minimum)
    if param.maximum is not None:
        attrs["max"] = str(param.maximum)
    limits = _("范围 %(minimum)s 至 %(maximum)s，默认 %(default)s") % {
        "minimum": param.minimum,
        "maximum": "∞" if param.maximum is None else param.maximum,
        "default": param.default,
    }
    help_text = (
        _("%(help)s；%(limits)s") % {"help": param.help_text, "limits": limits}
        if param.help_text
        else limits
    )
    return forms.CharField(
        label=str(param.label),  # the form is built per request, in its language
        required=False,
        widget=forms.NumberInput(attrs=attrs),
        help_text=help_text,
    )


class RuleForm(StyledFormMixin, forms.Form):
    """A rule's settings. The parameters' fields are named `params.<name>`, the keys the
    action's errors use, so each error lands on its field."""

    name = forms.CharField(label=gettext_lazy("规则名称"), max_length=60)
    severity = forms.ChoiceField(label=gettext_lazy("预警级别"), choices=Severity.choices)
    escalate_after_days = forms.IntegerField(
        label=gettext_lazy("未回应几天后上报"),
        min_value=1,
        max_value=365,
        help_text=gettext_lazy(
            "预警触发后这么多天仍未认领，通知单位负责人；再过同样天数，通知挂联领导"
        ),
    )
    active = forms.BooleanField(label=gettext_lazy("启用"), required=False)
    note = forms.CharField(
        label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label=gettext_lazy("修改原因"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("将记入修改历史"),
    )

    def __init__(self, *args: Any, kind: RuleKind, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        self.fields.clear()
        self.fields["name"] = fields.pop("name")
        self.fields["severity"] = fields.pop("severity")
        if kind.graded:
            # The bands decide red or yellow; the stored severity is only the default.
            self.fields["severity"].widget = forms.HiddenInput()
        for param in kind.params:
            self.fields[f"params.{param.name}"] = _param_field(param)
        self.fields.update(fields)

    def params(self) -> dict[str, Any]:
        return {
            param.name: self.cleaned_data.get(f"params.{param.name}", "").strip()
            for param in self.kind.params
        }


def _initial(rule: Rule | None, kind: RuleKind) -> dict[str, Any]:
    if rule is None:
        initial: dict[str, Any] = {
            "name": kind.label,
            "severity": kind.default_severity,
            "escalate_after_days": 3,
            "active": True,
        }
        initial.update({f"params.{p.name}": p.default for p in kind.params})
        return initial
    initial = {
        "name": rule.name,
        "severity": rule.severity,
        "escalate_after_days": rule.escalate_after_days,
        "active": rule.active,
        "note": rule.note,
    }
    for param in kind.params:
        stored = rule.params.get(param.name)
        initial[f"params.{param.name}"] = param.default if stored in (None, "") else stored
    return initial


def _without_labels(error: ValidationError, form: RuleForm) -> ValidationError:
    """The action's errors with the leading "label：" taken off the parameters' messages:
    on the form they stand under their field, which names itself."""
    if not hasattr(error, "error_dict"):
        return error
    trimmed: dict[str, list[str]] = {}
    for name, errors in error.message_dict.items():
        field = form.fields.get(name)
        prefix = f"{field.label}：" if field is not None else ""
        trimmed[name] = [message.removeprefix(prefix) if prefix else message for message in errors]
    return ValidationError(trimmed)


def _rule_form_page(
    request: AuthedRequest, rule: Rule | None, kind_key: str, kind: RuleKind
) -> HttpResponse:
    form = RuleForm(request.POST or None, initial=_initial(rule, kind), kind=kind)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = do_save_rule(
                rule,
                kind=kind_key,
                name=data["name"],
                severity=data["severity"],
                params=form.params(),
                escalate_after_days=data["escalate_after_days"],
                active=data["active"],
                note=data["note"],
                actor=request.user,
                reason=data["reason"],
            )
        except ValidationError as error:
            add_action_errors(form, _without_labels(error, form))
            for name in form.errors:
                if name in form.fields:
                    widget = form.fields[name].widget
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid"
                    widget.attrs["aria-invalid"] = "true"
        else:
            messages.success(request, _("预警规则“%(name)s”已保存。") % {"name": saved})
            return redirect("alerts:rules")
    context = {
        "form": form,
        "rule": rule,
        "kind": kind,
        "severity_label": Severity(kind.default_severity).label,
        "active": "rules",
    }
    return render(request, "alerts/rule_form.html", context)


@login_required
def rule_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A rule: its form for the supervisor, its settings for everyone else (who may read
    every rule but change none: their POST is 403)."""
    rule = get_restricted_or_404(
        Rule.objects.annotate(standing=Count("alerts", filter=Q(alerts__status__in=STANDING))),
        request.user,
        pk=pk,
    )
    if rule.kind not in rule_kinds:
        raise Http404(_("未知的规则类型：%(kind)s") % {"kind": rule.kind})
    kind = rule_kinds.get(rule.kind)
    if _may_edit(request.user):
        return _rule_form_page(request, rule, rule.kind, kind)
    if request.method == "POST":
        raise PermissionDenied(_("只有督查室可以配置预警规则"))
    context = {
        "rule": rule,
        "kind": kind,
        "settings": rule_settings(kind, rule),
        "active": "rules",
    }
    return render(request, "alerts/rule_detail.html", context)


@login_required
def rule_new(request: AuthedRequest, kind: str) -> HttpResponse:
    require_action(Rule.objects.all(), request.user, Action.ADD)
    if kind not in rule_kinds:
        raise Http404(_("未知的规则类型：%(kind)s") % {"kind": kind})
    return _rule_form_page(request, None, kind, rule_kinds.get(kind))


# Deliveries --------------------------------------------------------------------------------

#: The deliveries page's tabs: which statuses each lists.
DELIVERY_TABS: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "attention": (gettext_lazy("失败与重试"), (DeliveryStatus.FAILED, DeliveryStatus.RETRYING)),
    "queued": (gettext_lazy("待发送"), (DeliveryStatus.PENDING, DeliveryStatus.SENDING)),
    "sent": (gettext_lazy("近 7 天已发送"), (DeliveryStatus.SENT,)),
}
#: How far back the sent tab looks.
RECENT = timedelta(days=7)


def _require_supervisor(user: Any) -> None:
    """Deliveries carry everybody's messages: the supervision office's page only."""
    if user.role != Role.SUPERVISOR and not user.is_superuser:
        raise PermissionDenied(_("只有督查室可以查看消息发送记录"))


def shown_address(delivery: Delivery) -> str:
    """A webhook URL without its query: the robot's access token is a secret, and the
    host and path are enough to tell which robot it is."""
    if delivery.channel != Channel.WEBHOOK:
        return delivery.address
    parts = urlsplit(delivery.address)
    hidden = "?…" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}{hidden}"


def _deliveries(tab: str) -> Any:
    statuses = DELIVERY_TABS[tab][1]
    listed = Delivery.objects.filter(status__in=statuses)
    if tab == "sent":
        return listed.filter(sent_at__gte=timezone.now() - RECENT).order_by("-sent_at", "-pk")
    if tab == "queued":
        return listed.order_by("next_attempt_at", "pk")
    # Failed first (they wait for a person), then what retries soonest.
    return listed.order_by("status", "next_attempt_at", "pk")


@login_required
def delivery_list(request: AuthedRequest) -> HttpResponse:
    """Mail and webhook messages: the failed and retrying (with attempts, the next try and
    the last error), the queue, and what went out in the last days."""
    _require_supervisor(request.user)
    tab = request.GET.get("tab", "attention")
    if tab not in DELIVERY_TABS:
        tab = "attention"
    counts = Delivery.objects.aggregate(
        attention=Count("pk", filter=Q(status__in=DELIVERY_TABS["attention"][1])),
        queued=Count("pk", filter=Q(status__in=DELIVERY_TABS["queued"][1])),
        sent=Count(
            "pk",
            filter=Q(status=DeliveryStatus.SENT, sent_at__gte=timezone.now() - RECENT),
        ),
    )
    listed = _deliveries(tab).select_related("notification", "notification__recipient")
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    for delivery in page:
        delivery.shown_address = shown_address(delivery)
    context = {
        "tabs": [(key, label, counts[key]) for key, (label, _statuses) in DELIVERY_TABS.items()],
        "tab": tab,
        "page": page,
        "active": "deliveries",
    }
    return render(request, "alerts/deliveries.html", context)


@login_required
@require_POST
def delivery_resend(request: AuthedRequest, pk: int) -> HttpResponse:
    """Puts a failed delivery back in the queue (the worker sends it on its next round)."""
    _require_supervisor(request.user)
    delivery = get_object_or_404(Delivery.objects.select_related("notification"), pk=pk)
    try:
        do_resend_delivery(delivery, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("已重新排队发送：%(title)s → %(address)s")
            % {"title": delivery.notification.title, "address": delivery.address},
        )
    return redirect("alerts:deliveries")


urlpatterns: list[URLPattern] = [
    path("rules/", rule_list, name="rules"),
    path("rules/<int:pk>/", rule_detail, name="rule"),
    path("rules/new/<str:kind>/", rule_new, name="rule_new"),
    path("deliveries/", delivery_list, name="deliveries"),
    path("deliveries/<int:pk>/resend/", delivery_resend, name="resend_delivery"),
]
