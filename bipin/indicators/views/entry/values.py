"""A value's page: its particulars and figures, every version, the steps the user may
take (提交, 审核通过, 退回 with a reason), and the supervisor's correction after the lock."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bipin.core.views import form_page, get_restricted_or_404
from bipin.indicators import actions, computations
from bipin.indicators.choices import Source, ValueStatus
from bipin.indicators.derived import derivations
from bipin.indicators.forms import CorrectValueForm, ReturnValueForm
from bipin.indicators.models import Value
from bipin.indicators.views.entry.cells import (
    VALUE_RELATED,
    deadline_context,
    is_supervisor,
    month_label,
    plain_amount,
    read_cells,
    reporting_row,
)
from bipin.org.views import AuthedRequest

#: A bureau's printed growth that differs from bipin's own by more than this is flagged.
GROWTH_TOLERANCE = Decimal("0.1")

# A value's page -------------------------------------------------------------------------------


@login_required
def value_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A value's particulars, its figures, every version (who, when, why), the steps the
    user may take, and the supervisor's correction after the lock."""
    user = request.user
    value = get_restricted_or_404(
        Value.objects.select_related(
            *VALUE_RELATED, "indicator__base", "entered_by", "submitted_by", "approved_by"
        ),
        user,
        pk=pk,
    )
    period = value.period
    today = timezone.localdate()
    reporting = reporting_row(user, period)
    scope = Q(indicator=value.indicator_id, unit=value.unit_id)
    cell = read_cells(user, [(value.indicator, value.unit)], period, scope, reporting, today)[0]
    growth = cell.growth
    reported = value.reported_growth
    differs = (
        growth is not None
        and growth.percent is not None
        and reported is not None
        and abs(growth.percent - reported) > GROWTH_TOLERANCE
    )
    locked = value.status == ValueStatus.LOCKED or reporting.is_closed
    may_correct = is_supervisor(user) and locked and value.indicator.source == Source.MANUAL
    context = {
        "value": value,
        "cell": cell,
        "month_label": month_label(period),
        "reported_growth": computations.format_percent(reported) if reported is not None else "",
        "growth_differs": differs,
        "steps": actions.allowed_steps(value, user),
        "return_form": ReturnValueForm(),
        "correct_form": (
            CorrectValueForm(initial={"amount": plain_amount(value.amount)})
            if may_correct
            else None
        ),
        "records_url": (
            reverse(
                "indicators:derived_records",
                args=[value.indicator_id, value.unit_id, period.year, period.month],
            )
            if value.indicator.derivation in derivations
            else ""
        ),
        "unit_grid_url": reverse(
            "indicators:unit_grid", args=[value.unit_id, period.year, period.month]
        ),
        "indicator_grid_url": reverse(
            "indicators:indicator_grid", args=[value.indicator_id, period.year, period.month]
        ),
        **deadline_context(reporting, today),
    }
    return render(request, "indicators/value_detail.html", context)


def _back(request: AuthedRequest, default: str) -> str:
    """The page a step came from (`next`), if it is one of ours."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else default


@login_required
@require_POST
def value_step(request: AuthedRequest, pk: int) -> HttpResponse:
    """提交, 审核通过 or 退回 (with a reason) of one value; 403 for a user who may see the
    value but not take the step, a message for a step its state does not allow."""
    user = request.user
    value = get_restricted_or_404(Value.objects.select_related(*VALUE_RELATED), user, pk=pk)
    step = request.POST.get("step", "")
    if step not in actions.STEP_LABELS:
        raise Http404
    may = (
        actions.may_write(user, value.indicator, value.unit)
        if step == "submit"
        else actions.may_approve(user, value)
    )
    if not may:
        raise PermissionDenied(_("您不能%(step)s该数据。") % {"step": actions.STEP_LABELS[step]})
    back = _back(request, value.get_absolute_url())
    try:
        if step == "submit":
            actions.do_submit_values([value], actor=user)
            messages.success(request, _("“%(value)s”已提交。") % {"value": value})
        elif step == "approve":
            actions.do_approve_values([value], actor=user)
            messages.success(request, _("“%(value)s”已审核通过。") % {"value": value})
        else:
            form = ReturnValueForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("退回须说明原因。"))
                return redirect(back)
            actions.do_return_value(value, actor=user, reason=form.cleaned_data["reason"])
            messages.success(request, _("“%(value)s”已退回。") % {"value": value})
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    return redirect(back)


@login_required
def value_correct(request: AuthedRequest, pk: int) -> HttpResponse:
    """The supervisor's correction of a locked value, with the reason."""
    user = request.user
    value = get_restricted_or_404(Value.objects.select_related(*VALUE_RELATED), user, pk=pk)
    if not is_supervisor(user):
        raise PermissionDenied(_("数据锁定后只有督查室可以更正。"))
    form = CorrectValueForm(request.POST or None, initial={"amount": plain_amount(value.amount)})

    def save() -> Value:
        try:
            amount = actions.read_amount(value.indicator, form.cleaned_data["amount"])
        except ValidationError as error:
            raise ValidationError({"amount": error.messages}) from None
        return actions.do_correct_value(
            value, amount=amount, actor=user, reason=form.cleaned_data["reason"]
        )

    return form_page(
        request,
        form,
        save,
        title=_("更正数据：%(value)s") % {"value": value},
        done=_("“%(name)s”已更正。"),
        cancel_url=value.get_absolute_url(),
    )
