"""The indicators section of a unit's page: how the unit stands against its annual
targets in the latest month it has numbers for."""

from decimal import Decimal

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bipin.core.periods import Period
from bipin.indicators.models import Indicator, Target, Value
from bipin.indicators.views.entry.cells import Figures
from bipin.org.models import Unit
from bipin.org.views import AuthedRequest


def unit_section(request: AuthedRequest, unit: Unit) -> str:
    """Every indicator the unit reports, for the latest month before this one with a value
    of the unit the user may see: the amount, its growth, the target, completion and the
    gap's colour; nothing for a unit without numbers or a user who sees none of them.
    Four queries."""
    user = request.user
    values = Value.objects.restrict(user).filter(unit=unit)
    this_month = Period.of(timezone.localdate())
    latest = (
        values.filter(year__lte=this_month.year)
        .exclude(year=this_month.year, month__gte=this_month.month)
        .order_by("-year", "-month")
        .values_list("year", "month")
        .first()
    )
    if latest is None:
        return ""
    period = Period(*latest)
    last = period.same_period_last_year()
    current: dict[int, Decimal] = {}
    previous: dict[int, Decimal] = {}
    for indicator_id, year, amount in values.filter(
        month=period.month, year__in=(period.year, last.year)
    ).values_list("indicator_id", "year", "amount"):
        (current if year == period.year else previous)[indicator_id] = amount
    targets = {
        target.indicator_id: target
        for target in Target.objects.restrict(user).filter(unit=unit, year=period.year)
    }
    rows = [
        Figures(
            indicator=indicator,
            period=period,
            amount=current.get(indicator.pk),
            last_year=previous.get(indicator.pk),
            target=targets[indicator.pk].amount if indicator.pk in targets else None,
            phasing=targets[indicator.pk].phased_amounts() if indicator.pk in targets else None,
        )
        for indicator in Indicator.objects.restrict(user).active()
        if indicator.applies_to(unit)
    ]
    counts = {
        colour: sum(1 for row in rows if row.colour == colour)
        for colour in ("success", "warning", "danger")
    }
    context = {
        "unit": unit,
        "period": period,
        "rows": rows,
        "counts": counts,
        "grid_url": reverse("indicators:unit_grid", args=[unit.pk, period.year, period.month]),
    }
    return render_to_string("indicators/_unit_section.html", context, request=request)
