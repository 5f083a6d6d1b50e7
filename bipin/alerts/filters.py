"""The one filter of the alert lists: the overview, a unit's alerts and the Excel export
use it alike (STYLE.md), so that what a supervisor exports is what the page shows."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bipin.alerts.choices import STANDING, AlertStatus, Escalation, Severity
from bipin.alerts.models import Alert, Rule
from bipin.alerts.querysets import AlertQuerySet
from bipin.core.choices import Action
from bipin.core.filters import FilterSet
from bipin.core.periods import Period
from bipin.org.models import Unit

#: The status filter's own choice for what still stands (open or acknowledged): the
#: lists show it unless asked otherwise.
STANDING_CHOICE = "standing"
ALL_CHOICE = "all"


def alert_units(user: Any, action: str = Action.VIEW) -> QuerySet[Unit]:
    """The units whose alerts `user` may `action`: the same reach as
    `Alert.objects.restrict(user, action)`, read for units (the unit filter's choices, and
    which unit pages are found)."""
    return Unit.objects.reached_by(user, AlertQuerySet, action)


def period_label(period: str) -> str:
    """ "2026-10" as 2026年1-10月, "2026" as 2026年; "" (a subject that is its own period)
    as nothing."""
    if not period:
        return ""
    if "-" in period:
        try:
            return Period.parse(period).label
        except ValueError:
            return period
    return _("%(year)s年") % {"year": period}


def _search(queryset: QuerySet, name: str, value: str) -> QuerySet:
    text = value.strip()
    if not text:
        return queryset
    return queryset.filter(Q(subject_label__icontains=text) | Q(unit__name__icontains=text))


class AlertFilter(FilterSet):
    """Filters of an alert list. Without a status it shows the standing alerts; the order
    is the oldest first (opened_on), what has waited longest at the top."""

    q = django_filters.CharFilter(label=_("搜索"), method=_search)
    severity = django_filters.ChoiceFilter(
        label=_("预警级别"), choices=Severity.choices, empty_label=_("全部级别")
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=[
            (STANDING_CHOICE, _("未解除")),
            *AlertStatus.choices,
            (ALL_CHOICE, _("全部状态")),
        ],
        empty_label=None,
        method="filter_status",
    )
    rule = django_filters.ModelChoiceFilter(
        label=_("预警规则"),
        queryset=lambda request: Rule.objects.restrict(request.user),
        empty_label=_("全部规则"),
    )
    # Only units whose alerts the user may see are choices; a unit takes its sub-units'.
    unit = django_filters.ModelChoiceFilter(
        label=_("责任单位"),
        queryset=lambda request: alert_units(request.user).order_by("order", "code"),
        empty_label=_("全部单位"),
        method="filter_unit",
    )
    escalation = django_filters.ChoiceFilter(
        label=_("上报层级"), choices=Escalation.choices, empty_label=_("全部层级")
    )
    period = django_filters.ChoiceFilter(label=_("期间"), empty_label=_("全部期间"))

    class Meta:
        model = Alert
        fields = ["q", "severity", "status", "rule", "unit", "escalation", "period"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The periods the alerts of this list have (one query), latest first; "" is the
        # alerts whose subject is its own period (a milestone, a request).
        periods = sorted(
            {
                period
                for period in self.queryset.order_by()
                .values_list("period", flat=True)
                .distinct()
                .iterator()
                if period
            },
            reverse=True,
        )
        self.filters["period"].extra["choices"] = [(p, period_label(p)) for p in periods]
        self.form.fields["q"].widget.attrs["placeholder"] = _("按预警对象或单位搜索")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=STANDING)
        return queryset.order_by("opened_on", "pk")

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == STANDING_CHOICE:
            return queryset.filter(status__in=STANDING)
        if value == ALL_CHOICE:
            return queryset
        return queryset.filter(status=value)

    def filter_unit(self, queryset: QuerySet, name: str, value: Unit) -> QuerySet:
        return queryset.filter(unit_id__in=Unit.objects.subtree_ids(value.pk))

    @property
    def is_filtered(self) -> bool:
        cleaned = getattr(self.form, "cleaned_data", {})
        return any(cleaned.get(name) not in (None, "", STANDING_CHOICE) for name in self.filters)
