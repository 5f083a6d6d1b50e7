"""Pages of the organisation: the unit tree and unit pages, competition groups, people,
and leaders' links. Supervisors manage all four here, not only in Django admin."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

from bipin.core.choices import Action
from bipin.core.views import form_page, get_restricted_or_404, require_action
from bipin.org import actions
from bipin.org.filters import GroupFilter, LinkFilter, PersonFilter, UnitFilter
from bipin.org.forms import (
    EndLinkForm,
    GroupForm,
    LinkForm,
    NewPersonForm,
    PersonForm,
    SetPasswordForm,
    UnitForm,
)
from bipin.org.models import (
    Group,
    GroupMember,
    Link,
    Unit,
    User,
    linkable_models,
    unit_sections,
)


class AuthedRequest(HttpRequest):
    """A request behind login_required: its user is signed in."""

    user: User
    htmx: HtmxDetails


def _changes(form: Any) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.Meta.fields if name in form.cleaned_data}


# Units -----------------------------------------------------------------------------------


@login_required
def unit_list(request: AuthedRequest) -> HttpResponse:
    """The unit tree the user may see, filterable; htmx swaps in the results only."""
    visible = Unit.objects.restrict(request.user, Action.VIEW)
    filterset = UnitFilter(request.GET or None, queryset=visible, request=request)
    units = (
        filterset.qs.with_tree_fields()
        .order_siblings_by("order", "code")
        .annotate(people_count=Count("people", filter=Q(people__is_active=True)))
    )
    units = list(units)
    # Indent below the shallowest unit shown (a town's people see their town at the left);
    # a filtered list is flat.
    filtered = filterset.is_bound and any(filterset.data.get(name) for name in filterset.filters)
    top = min((unit.tree_depth for unit in units), default=0)
    for unit in units:
        unit.indent = 0 if filtered else unit.tree_depth - top
    context = {
        "filter": filterset,
        "units": units,
        "can_add": not Unit.objects.restrict(request.user, Action.ADD).query.is_empty(),
    }
    template = "org/_unit_rows.html" if request.htmx else "org/unit_list.html"
    return render(request, template, context)


@login_required
def unit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = get_restricted_or_404(Unit.objects.select_related("parent"), request.user, pk=pk)
    visible = Unit.objects.restrict(request.user, Action.VIEW)
    # The breadcrumb shows only the ancestors the user may open.
    ancestors = (
        list(visible.filter(pk__in=unit.ancestors().values("pk")).with_tree_fields())
        if unit.parent_id
        else []
    )
    context = {
        "unit": unit,
        "ancestors": ancestors,
        "children": visible.filter(parent=unit).order_by("order", "code"),
        "people": User.objects.restrict(request.user)
        .filter(unit=unit)
        .order_by("role", "username"),
        "memberships": GroupMember.objects.filter(unit=unit)
        .select_related("group")
        .order_by("-year"),
        "links": Link.objects.restrict(request.user)
        .current()
        .filter(content_type=ContentType.objects.get_for_model(Unit), object_id=unit.pk)
        .select_related("leader"),
        "can_change": Unit.objects.can(request.user, Action.CHANGE, unit),
        "can_link": not Link.objects.restrict(request.user, Action.ADD).query.is_empty(),
        "can_add_person": not User.objects.restrict(request.user, Action.ADD).query.is_empty(),
        "content_type": "org.unit",
        # Each section is render_to_string's output: safe HTML, escaped by its template.
        "sections": [
            section.render(request, unit)
            for _key, section in sorted(unit_sections.items(), key=lambda item: item[1].order)
        ],
    }
    return render(request, "org/unit_detail.html", context)


@login_required
def unit_create(request: AuthedRequest) -> HttpResponse:
    require_action(Unit.objects.all(), request.user, Action.ADD)
    initial = {"parent": request.GET.get("parent")} if request.GET.get("parent") else None
    form = UnitForm(
        request.POST or None, units=Unit.objects.restrict(request.user), initial=initial
    )
    return form_page(
        request,
        form,
        lambda: actions.do_create_unit(actor=request.user, **_changes(form)),
        title=_("新建单位"),
        done=_("单位“%(name)s”已创建。"),
        cancel_url=reverse("org:units"),
    )


@login_required
def unit_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = get_restricted_or_404(Unit.objects.all(), request.user, Action.CHANGE, pk=pk)
    form = UnitForm(request.POST or None, instance=unit, units=Unit.objects.restrict(request.user))
    return form_page(
        request,
        form,
        lambda: actions.do_update_unit(
            unit, actor=request.user, reason=form.cleaned_data["reason"], **_changes(form)
        ),
        title=_("修改单位：%(name)s") % {"name": unit.name},
        done=_("单位“%(name)s”已保存。"),
        cancel_url=unit.get_absolute_url(),
    )


# Groups ----------------------------------------------------------------------------------


@login_required
def group_list(request: AuthedRequest) -> HttpResponse:
    visible = Group.objects.restrict(request.user)
    years = list(visible.order_by("-year").values_list("year", flat=True).distinct())
    data = request.GET.copy()
    if not data.get("year") and years:
        data["year"] = str(
            timezone.localdate().year if timezone.localdate().year in years else years[0]
        )
    filterset = GroupFilter(data, queryset=visible)
    groups = filterset.qs.prefetch_related(
        Prefetch("memberships", queryset=GroupMember.objects.select_related("unit"))
    )
    context = {
        "filter": filterset,
        "groups": groups,
        "years": years,
        "year": data.get("year"),
        "can_add": not Group.objects.restrict(request.user, Action.ADD).query.is_empty(),
    }
    return render(request, "org/group_list.html", context)


@login_required
def group_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    group = get_restricted_or_404(Group.objects.all(), request.user, pk=pk)
    visible_ids = set(Unit.objects.restrict(request.user).values_list("pk", flat=True))
    memberships = group.memberships.select_related("unit")
    context = {
        "group": group,
        "memberships": memberships,
        "visible_ids": visible_ids,
        "can_change": Group.objects.can(request.user, Action.CHANGE, group),
    }
    return render(request, "org/group_detail.html", context)


@login_required
def group_create(request: AuthedRequest) -> HttpResponse:
    require_action(Group.objects.all(), request.user, Action.ADD)
    form = GroupForm(request.POST or None, units=Unit.objects.restrict(request.user))
    return form_page(
        request,
        form,
        lambda: actions.do_create_group(
            actor=request.user, members=form.cleaned_data["members"], **_changes(form)
        ),
        title=_("新建比拼组"),
        done=_("比拼组“%(name)s”已创建。"),
        cancel_url=reverse("org:groups"),
    )


@login_required
def group_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    group = get_restricted_or_404(Group.objects.all(), request.user, Action.CHANGE, pk=pk)
    form = GroupForm(
        request.POST or None, instance=group, units=Unit.objects.restrict(request.user)
    )
    return form_page(
        request,
        form,
        lambda: actions.do_update_group(
            group,
            actor=request.user,
            members=form.cleaned_data["members"],
            reason=form.cleaned_data["reason"],
            **_changes(form),
        ),
        title=_("修改比拼组：%(name)s") % {"name": group.name},
        done=_("比拼组“%(name)s”已保存。"),
        cancel_url=group.get_absolute_url(),
    )


# People ----------------------------------------------------------------------------------


@login_required
def person_list(request: AuthedRequest) -> HttpResponse:
    visible = User.objects.restrict(request.user)
    if visible.query.is_empty():
        raise Http404
    filterset = PersonFilter(
        request.GET or None, queryset=visible.select_related("unit"), request=request
    )
    page = Paginator(
        filterset.qs.order_by("unit__order", "unit__code", "role", "username"), 50
    ).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "can_add": not User.objects.restrict(request.user, Action.ADD).query.is_empty(),
    }
    template = "org/_person_rows.html" if request.htmx else "org/person_list.html"
    return render(request, template, context)


@login_required
def person_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_restricted_or_404(User.objects.select_related("unit"), request.user, pk=pk)
    links = (
        Link.objects.restrict(request.user)
        .filter(leader=person)
        .select_related("unit", "content_type")
    )
    context = {
        "person": person,
        "links": links,
        "can_change": User.objects.can(request.user, Action.CHANGE, person),
    }
    return render(request, "org/person_detail.html", context)


@login_required
def person_create(request: AuthedRequest) -> HttpResponse:
    require_action(User.objects.all(), request.user, Action.ADD)
    initial = {"unit": request.GET.get("unit")} if request.GET.get("unit") else None
    form = NewPersonForm(
        request.POST or None, units=Unit.objects.restrict(request.user), initial=initial
    )
    return form_page(
        request,
        form,
        lambda: actions.do_create_person(
            actor=request.user, password=form.cleaned_data["password2"], **_changes(form)
        ),
        title=_("新建用户"),
        done=_("用户“%(name)s”已创建。"),
        cancel_url=reverse("org:people"),
    )


@login_required
def person_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_restricted_or_404(User.objects.all(), request.user, Action.CHANGE, pk=pk)
    form = PersonForm(
        request.POST or None, instance=person, units=Unit.objects.restrict(request.user)
    )
    return form_page(
        request,
        form,
        lambda: actions.do_update_person(
            person, actor=request.user, reason=form.cleaned_data["reason"], **_changes(form)
        ),
        title=_("修改用户：%(name)s") % {"name": person},
        done=_("用户“%(name)s”已保存。"),
        cancel_url=person.get_absolute_url(),
    )


@login_required
def person_password(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_restricted_or_404(User.objects.all(), request.user, Action.CHANGE, pk=pk)
    form = SetPasswordForm(request.POST or None, person=person)

    def save() -> User:
        actions.do_set_password(person, actor=request.user, password=form.cleaned_data["password2"])
        return person

    return form_page(
        request,
        form,
        save,
        title=_("重置密码：%(name)s") % {"name": person},
        done=_("已为“%(name)s”设置新密码。"),
        cancel_url=person.get_absolute_url(),
    )


# Links -----------------------------------------------------------------------------------


@login_required
def link_list(request: AuthedRequest) -> HttpResponse:
    visible = Link.objects.restrict(request.user)
    if visible.query.is_empty():
        raise Http404
    data = request.GET.copy()
    data.setdefault("current", "true")
    filterset = LinkFilter(data, queryset=visible.select_related("leader", "unit", "content_type"))
    links = list(filterset.qs)
    _attach_targets(links)
    return render(request, "org/link_list.html", {"filter": filterset, "links": links})


def _attach_targets(links: list[Link]) -> None:
    """Loads the linked objects with one query per model, not one per link."""
    by_type: dict[int, list[Link]] = {}
    for link in links:
        by_type.setdefault(link.content_type_id, []).append(link)
    for type_links in by_type.values():
        model = type_links[0].content_type.model_class()
        if model is None:
            continue
        found = model._default_manager.in_bulk([link.object_id for link in type_links])
        for link in type_links:
            # The object itself, for the list to show and link to.
            link.target_object = found.get(link.object_id)  # type: ignore[attr-defined]


@login_required
def link_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    link = get_restricted_or_404(
        Link.objects.select_related("leader", "unit", "content_type"), request.user, pk=pk
    )
    _attach_targets([link])
    context = {"link": link, "can_change": Link.objects.can(request.user, Action.CHANGE, link)}
    return render(request, "org/link_detail.html", context)


@login_required
def link_create(request: AuthedRequest, label: str, object_id: int) -> HttpResponse:
    """Links a leader to one object, from that object's page."""
    require_action(Link.objects.all(), request.user, Action.ADD)
    if label not in linkable_models:
        raise Http404
    model = linkable_models.get(label)
    target = get_restricted_or_404(model._default_manager.all(), request.user, pk=object_id)
    form = LinkForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda: actions.do_create_link(actor=request.user, target=target, **form.cleaned_data),
        title=_("为“%(target)s”设置挂联领导") % {"target": target},
        done=_("已设置挂联领导。"),
        cancel_url=target.get_absolute_url(),
        next_url=lambda link: target.get_absolute_url(),
    )


@login_required
def link_end(request: AuthedRequest, pk: int) -> HttpResponse:
    link = get_restricted_or_404(Link.objects.all(), request.user, Action.CHANGE, pk=pk)
    form = EndLinkForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda: actions.do_end_link(
            link,
            actor=request.user,
            ended_on=form.cleaned_data["ended_on"],
            reason=form.cleaned_data["reason"],
        ),
        title=_("结束挂联：%(link)s") % {"link": link},
        done=_("挂联已结束。"),
        cancel_url=link.get_absolute_url(),
    )
