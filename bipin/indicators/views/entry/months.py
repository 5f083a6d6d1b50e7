"""Who has not submitted what (报送进度, with its Excel export), and the months of the
collection: deadlines, counts by status, closing a month after a confirmation, and
recomputing the derived values of an open month."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from bipin.core.choices import Action
from bipin.core.excel import Column, WorkbookWriter
from bipin.core.excel.forms import XLSX
from bipin.core.periods import Period
from bipin.core.views import form_page, require_action
from bipin.indicators import actions
from bipin.indicators.choices import EDITABLE, Source, ValueStatus
from bipin.indicators.forms import OWNER_UNITS, DeadlineForm, ProgressFilterForm
from bipin.indicators.models import Indicator, ReportingPeriod, Value
from bipin.indicators.views.entry.cells import (
    VALUE_RELATED,
    deadline_context,
    latest_open_period,
    month_choices,
    month_label,
    period_or_404,
    picked_period,
    reporting_row,
    sees_values,
)
from bipin.org.models import Unit, User
from bipin.org.views import AuthedRequest

# Who has not submitted what -------------------------------------------------------------------


@dataclass
class Pending:
    """A pair with no value or only a draft, and whose it is to report: a data provider's,
    or the unit's own (`own`)."""

    indicator: Indicator
    status: str
    owner: str
    own: bool

    @property
    def status_label(self) -> str:
        return str(ValueStatus(self.status).label) if self.status else _("未填报")


@dataclass
class UnitPending:
    unit: Unit
    pending: list[Pending] = field(default_factory=list)

    @property
    def by_owner(self) -> list[tuple[Pending, list[Pending]]]:
        """The pending pairs by whose they are (the first of each names the owner)."""
        owners: dict[str, list[Pending]] = {}
        for item in self.pending:
            owners.setdefault(item.owner, []).append(item)
        return [(items[0], items) for items in owners.values()]


def _providers(indicators: list[Indicator]) -> list[Unit]:
    found = {
        indicator.provider.pk: indicator.provider for indicator in indicators if indicator.provider
    }
    return sorted(found.values(), key=lambda unit: (unit.order, unit.code))


def submission_progress(user: User, period: Period, owner: str = "") -> dict[str, Any]:
    """For every active manual indicator and every active unit it applies to that the
    user may see: the status of its value this month, the pairs still to report (no value,
    or a draft) by unit, and the counts. Three queries whatever the number of units."""
    units = list(Unit.objects.restrict(user).active())
    indicators = list(Indicator.objects.restrict(user).active().manual().select_related("provider"))
    providers = _providers(indicators)
    if owner == OWNER_UNITS:
        indicators = [indicator for indicator in indicators if indicator.provider_id is None]
    elif owner.isdigit():
        indicators = [indicator for indicator in indicators if indicator.provider_id == int(owner)]
    statuses = {
        (indicator_id, unit_id): status
        for indicator_id, unit_id, status in Value.objects.restrict(user)
        .for_period(period.year, period.month)
        .filter(indicator__source=Source.MANUAL)
        .values_list("indicator_id", "unit_id", "status")
    }
    counts: Counter[str] = Counter()
    groups = []
    for unit in units:
        group = UnitPending(unit)
        for indicator in indicators:
            if not indicator.applies_to(unit) or not sees_values(user, indicator, unit):
                continue
            status = statuses.get((indicator.pk, unit.pk), "")
            counts[status or "blank"] += 1
            if status in ("", ValueStatus.DRAFT):
                whose = indicator.provider.name if indicator.provider else unit.name
                group.pending.append(Pending(indicator, status, whose, indicator.provider is None))
        if group.pending:
            groups.append(group)
    return {
        "groups": groups,
        "counts": counts,
        "expected": sum(counts.values()),
        "pending_count": counts["blank"] + counts[ValueStatus.DRAFT],
        "providers": providers,
    }


def _progress_period(request: AuthedRequest, year: int | None, month: int | None) -> Period:
    if year is None or month is None:
        return latest_open_period(request.user)
    return period_or_404(year, month)


@login_required
def progress(
    request: AuthedRequest, year: int | None = None, month: int | None = None
) -> HttpResponse:
    """Who has not submitted what: the pairs with no value or a draft, by unit, with whose
    it is to report, the deadline and how many days overdue."""
    user = request.user
    require_action(Value.objects.all(), user, Action.VIEW)
    picked = picked_period(request.GET.get("period"))
    if picked is not None:
        url = reverse("indicators:progress", args=[picked.year, picked.month])
        owner = request.GET.get("owner", "")
        return redirect(f"{url}?{urlencode({'owner': owner})}" if owner else url)
    period = _progress_period(request, year, month)
    owner = request.GET.get("owner", "")
    report = submission_progress(user, period, owner)
    today = timezone.localdate()
    form = ProgressFilterForm(request.GET or None, providers=report["providers"])
    statuses = [
        {"key": "blank", "label": _("未填报"), "count": report["counts"]["blank"]},
        *(
            {"key": status.value, "label": status.label, "count": report["counts"][status.value]}
            for status in ValueStatus
        ),
    ]
    context = {
        **report,
        **deadline_context(reporting_row(user, period), today),
        "period": period,
        "period_key": str(period),
        "month_label": month_label(period),
        "months": month_choices(today),
        "form": form,
        "owner": owner,
        "statuses": statuses,
        "export_url": reverse("indicators:progress_export", args=[period.year, period.month]),
    }
    return render(request, "indicators/progress.html", context)


PROGRESS_COLUMNS = (
    Column("unit", gettext_noop("单位"), width=18),
    Column("indicator", gettext_noop("指标"), width=24),
    Column("unit_of_measure", gettext_noop("计量单位"), width=10),
    Column("owner", gettext_noop("报送责任"), width=18),
    Column("status", gettext_noop("状态"), width=10),
    Column("deadline", gettext_noop("截止日期"), width=12),
    Column("overdue", gettext_noop("逾期天数"), width=10),
)


@login_required
def progress_export(request: AuthedRequest, year: int, month: int) -> HttpResponse:
    """The progress page's list as a formatted .xlsx, with the same owner filter."""
    user = request.user
    require_action(Value.objects.all(), user, Action.VIEW)
    period = period_or_404(year, month)
    report = submission_progress(user, period, request.GET.get("owner", ""))
    deadline = deadline_context(reporting_row(user, period), timezone.localdate())
    writer = WorkbookWriter()
    table = writer.table(
        _("未报送"),
        PROGRESS_COLUMNS,
        heading=_("%(month)s 未报送数据清单") % {"month": month_label(period)},
    )
    for group in report["groups"]:
        for pending in group.pending:
            table.append(
                {
                    "unit": group.unit.name,
                    "indicator": pending.indicator.name,
                    "unit_of_measure": pending.indicator.unit_of_measure,
                    "owner": pending.owner,
                    "status": pending.status_label,
                    "deadline": deadline["reporting"].deadline,
                    "overdue": deadline["overdue_days"] or None,
                }
            )
    table.totals({"indicator": _("%(count)s 项") % {"count": report["pending_count"]}})
    response = HttpResponse(writer.to_bytes(), content_type=XLSX)
    filename = _("未报送清单_%(period)s.xlsx") % {"period": period}
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


# The months -----------------------------------------------------------------------------------


@dataclass
class MonthRow:
    period: Period
    reporting: ReportingPeriod
    counts: dict[str, int]
    current: bool
    overdue: bool

    @property
    def label(self) -> str:
        return month_label(self.period)

    @property
    def key(self) -> str:
        return str(self.period)

    @property
    def may_close(self) -> bool:
        return not self.reporting.is_closed and not self.current

    @property
    def summary(self) -> str:
        """The counts of the statuses that have values, in a line: "草稿 25 · 已提交 33"."""
        return " · ".join(f"{label} {count}" for _key, label, count in self.statuses if count)

    @property
    def statuses(self) -> list[tuple[str, str, int]]:
        return [
            (status.value, str(status.label), self.counts.get(status, 0)) for status in ValueStatus
        ]


def _require_supervisor(user: User) -> None:
    require_action(ReportingPeriod.objects.all(), user, Action.CHANGE)


@login_required
def periods(request: AuthedRequest) -> HttpResponse:
    """The months of this year and last: deadline, values by status, closed or not; the
    supervisor sets deadlines, closes months and recomputes the derived values."""
    user = request.user
    require_action(ReportingPeriod.objects.all(), user, Action.VIEW)
    today = timezone.localdate()
    current = Period.of(today)
    years = (current.year - 1, current.year)
    rows = {
        (row.year, row.month): row
        for row in ReportingPeriod.objects.restrict(user)
        .filter(year__in=years)
        .select_related("closed_by")
    }
    counts: dict[tuple[int, int], dict[str, int]] = {}
    by_status = (
        Value.objects.restrict(user)
        .filter(year__in=years)
        .order_by()
        .values_list("year", "month", "status")
        .annotate(count=Count("pk"))
    )
    for year, month, status, count in by_status:
        counts.setdefault((year, month), {})[status] = count
    months = []
    for choice in month_choices(today):
        period = Period.parse(choice["key"])
        key = (period.year, period.month)
        reporting = rows.get(key) or ReportingPeriod(
            year=period.year, month=period.month, deadline=actions.default_deadline(period)
        )
        months.append(
            MonthRow(
                period=period,
                reporting=reporting,
                counts=counts.get(key, {}),
                current=period == current,
                overdue=reporting.is_overdue(today),
            )
        )
    context = {
        "months": months,
        "statuses": list(ValueStatus),
        "is_supervisor": not ReportingPeriod.objects.restrict(user, Action.CHANGE).query.is_empty(),
        "latest_open": latest_open_period(user, today),
    }
    return render(request, "indicators/period_list.html", context)


@login_required
def period_deadline(request: AuthedRequest, year: int, month: int) -> HttpResponse:
    period = period_or_404(year, month)
    _require_supervisor(request.user)
    reporting = reporting_row(request.user, period)
    form = DeadlineForm(request.POST or None, initial={"deadline": reporting.deadline})
    label = month_label(period)
    return form_page(
        request,
        form,
        lambda: actions.do_set_deadline(period, form.cleaned_data["deadline"], actor=request.user),
        title=_("设置报送截止日期：%(month)s") % {"month": label},
        done=(_("%(month)s 的报送截止日期已设置。") % {"month": label}).replace("%", "%%"),
        cancel_url=reverse("indicators:periods"),
        next_url=lambda saved: reverse("indicators:periods"),
    )


@login_required
def period_close(request: AuthedRequest, year: int, month: int) -> HttpResponse:
    """Closing a month locks its values: first a page that lists what is not approved yet
    (drafts, submitted values, and how many are missing), then the close."""
    period = period_or_404(year, month)
    user = request.user
    _require_supervisor(user)
    label = month_label(period)
    if request.method == "POST":
        try:
            count = actions.do_close_period(period, actor=user)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(
                request,
                _("%(month)s 已锁定，%(count)s 项数据已锁定。") % {"month": label, "count": count},
            )
        return redirect("indicators:periods")
    reporting = reporting_row(user, period)
    unapproved = (
        Value.objects.restrict(user)
        .for_period(year, month)
        .filter(status__in=EDITABLE)
        .select_related(*VALUE_RELATED)
        .order_by("unit__order", "unit__code", "indicator__order", "indicator__code")
    )
    report = submission_progress(user, period)
    context = {
        "period": period,
        "month_label": label,
        "reporting": reporting,
        "unapproved": unapproved,
        "blank": report["counts"]["blank"],
        "too_early": period >= Period.of(timezone.localdate()),
        "progress_url": reverse("indicators:progress", args=[year, month]),
    }
    return render(request, "indicators/period_close.html", context)


@login_required
@require_POST
def period_compute(request: AuthedRequest, year: int, month: int) -> HttpResponse:
    """重新计算系统指标: every derived value of an open month, counted again."""
    period = period_or_404(year, month)
    _require_supervisor(request.user)
    try:
        result = actions.do_compute_derived(period, actor=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "%(month)s 系统指标已重新计算：新增 %(created)s 项，更新 %(updated)s 项，"
                "未变 %(unchanged)s 项，删除 %(removed)s 项。"
            )
            % {
                "month": month_label(period),
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "removed": result.removed,
            },
        )
    return redirect("indicators:periods")
