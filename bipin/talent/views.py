"""Pages of talent (招才引智): the list with its filters and totals, the talent's page with
its history, the forms, and the section of a unit's page with the talents it introduced.
Every write goes through talent.actions; personal data shows as the queryset's
`with_personal_access` says (in full, or masked)."""

import copy
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from bipin.core.choices import Action
from bipin.core.views import form_page, get_restricted_or_404, require_action
from bipin.enterprises.models import Enterprise
from bipin.org.models import Unit
from bipin.org.views import AuthedRequest
from bipin.talent import actions
from bipin.talent.choices import HIGH_LEVEL, TIER_SHORT
from bipin.talent.filters import TalentFilter
from bipin.talent.forms import TalentForm
from bipin.talent.models import PERSONAL_FIELDS, Talent

PAGE_SIZE = 50
#: The Excel kind of talents (apps.py): the generic import and export pages serve it.
EXCEL_KIND = "talents"
#: What a row of the list shows besides the talent itself.
_LIST_RELATED = ("employer", "introducing_unit")


#: Django's error reports (the 500 mail and log) leave these POST values out: a form
#: that fails carries a talent's phone and ID number.
_PERSONAL_POST = sensitive_post_parameters(*PERSONAL_FIELDS)


def tier_bands(totals: dict[str, Any]) -> list[dict[str, Any]]:
    """The totals by tier, A to E, for the list and a unit's section."""
    return [
        {
            "tier": tier,
            "short": TIER_SHORT[tier],
            "count": totals[f"tier_{tier}"],
        }
        for tier in HIGH_LEVEL
    ]


def _filtered(request: AuthedRequest) -> TalentFilter:
    visible = Talent.objects.restrict(request.user, Action.VIEW)
    return TalentFilter(request.GET, queryset=visible, request=request)


@login_required
def talent_list(request: AuthedRequest) -> HttpResponse:
    """The talents the user may see, filtered and sorted, with the totals of what is
    filtered; htmx swaps in the results only."""
    filterset = _filtered(request)
    talents = filterset.qs
    totals = talents.totals()
    rows = talents.select_related(*_LIST_RELATED).with_personal_access(request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_add = not Talent.objects.restrict(request.user, Action.ADD).query.is_empty()
    context = {
        "filter": filterset,
        "page": page,
        "totals": totals,
        "bands": tier_bands(totals),
        "sort": filterset.sort_key,
        "can_add": can_add,
        "excel_kind": EXCEL_KIND,
    }
    template = "talent/_talent_rows.html" if request.htmx else "talent/talent_list.html"
    return render(request, template, context)


@login_required
def talent_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    talent = get_restricted_or_404(
        Talent.objects.select_related(*_LIST_RELATED).with_personal_access(request.user),
        request.user,
        pk=pk,
    )
    employer_visible = (
        Enterprise.objects.restrict(request.user).filter(pk=talent.employer_id).exists()
    )
    context = {
        "talent": talent,
        "can_change": talent.personal_access,  # the same rule: who may change sees in full
        "employer_visible": employer_visible,
    }
    return render(request, "talent/talent_detail.html", context)


@login_required
@_PERSONAL_POST
def talent_create(request: AuthedRequest) -> HttpResponse:
    require_action(Talent.objects.all(), request.user, Action.ADD)
    form = TalentForm(request.POST or None, user=request.user)
    return form_page(
        request,
        form,
        lambda: actions.do_create_talent(actor=request.user, **form.changes()),
        title=_("登记人才"),
        done=_("人才“%(name)s”已登记。"),
        cancel_url=reverse("talent:list"),
    )


@login_required
@_PERSONAL_POST
def talent_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    talent = get_restricted_or_404(Talent.objects.all(), request.user, Action.CHANGE, pk=pk)
    # The form validates on a copy: the action compares the stored talent with the changes.
    form = TalentForm(request.POST or None, instance=copy.copy(talent), user=request.user)
    return form_page(
        request,
        form,
        lambda: actions.do_update_talent(
            talent, actor=request.user, reason=form.cleaned_data["reason"], **form.changes()
        ),
        title=_("修改人才信息：%(name)s") % {"name": talent.name},
        done=_("人才“%(name)s”的信息已保存。"),
        cancel_url=talent.get_absolute_url(),
    )


def unit_section(request: AuthedRequest, unit: Unit) -> str:
    """The talents a unit (and the units below it) introduced, as far as the user may see
    them: how many of each tier, how many graduates and settled, and a link to the list
    filtered by the unit. Registered on the unit's page (apps.py)."""
    talents = Talent.objects.restrict(request.user).filter(
        introducing_unit_id__in=Unit.objects.subtree_ids(unit.pk)
    )
    totals = talents.totals()
    context = {
        "unit": unit,
        "totals": totals,
        "bands": tier_bands(totals),
        "list_url": f"{reverse('talent:list')}?introducing_unit={unit.pk}",
        "can_add": not Talent.objects.restrict(request.user, Action.ADD).query.is_empty(),
    }
    return render_to_string("talent/_unit_section.html", context, request=request)
