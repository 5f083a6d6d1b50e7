"""Pages of the investment pipeline: the project list with its totals and funnel, the
project page with its roadmap, the forms and stage actions, and a leader's linked projects.
Every write goes through projects.actions. The Excel import and export of projects are the
pages every Excel kind has (core/excel/views.py)."""

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bipin.core.choices import Action
from bipin.core.views import form_page, get_restricted_or_404, require_action
from bipin.org.models import Link
from bipin.org.views import AuthedRequest
from bipin.projects import actions
from bipin.projects.choices import PIPELINE, ROADMAP_STAGES, DuplicateStatus, NegativeKind, Stage
from bipin.projects.filters import ProjectFilter, leader_links, with_overdue
from bipin.projects.forms import (
    DecideDuplicateForm,
    EvidenceForm,
    MilestoneNoteForm,
    ProjectForm,
    ReplanForm,
    StageForm,
    TerminateForm,
)
from bipin.projects.models import (
    STAGE_DATE_FIELDS,
    DuplicateCheck,
    Evidence,
    Milestone,
    Project,
)

PAGE_SIZE = 50
#: What a row of the list shows besides the project itself.
_LIST_RELATED = ("responsible_unit", "platform", "industry", "leading_industry")


# The list ----------------------------------------------------------------------------------


@dataclass
class FunnelBar:
    stage: Stage
    reached: int
    amount: Decimal
    current: int
    width: int


def stage_funnel(queryset: QuerySet) -> tuple[list[FunnelBar], dict[str, Any]]:
    """How many projects reached each stage of the pipeline, and their amount (one query).

    A project has reached every stage up to its current one; a terminated project the
    stages it had dates for. Also how many are terminated.
    """
    aggregates: dict[str, Any] = {}
    for index, stage in enumerate(PIPELINE):
        reached = Q(stage__in=PIPELINE[index:]) | Q(
            stage=Stage.TERMINATED, **{f"{STAGE_DATE_FIELDS[stage]}__isnull": False}
        )
        aggregates[f"reached_{index}"] = Count("pk", filter=reached)
        aggregates[f"amount_{index}"] = Sum("contracted_investment", filter=reached)
        aggregates[f"current_{index}"] = Count("pk", filter=Q(stage=stage))
    aggregates["terminated"] = Count("pk", filter=Q(stage=Stage.TERMINATED))
    aggregates["terminated_amount"] = Sum("contracted_investment", filter=Q(stage=Stage.TERMINATED))
    result = queryset.order_by().aggregate(**aggregates)
    widest = max(result["reached_0"], 1)
    bars = [
        FunnelBar(
            stage=stage,
            reached=result[f"reached_{index}"],
            amount=result[f"amount_{index}"] or Decimal(0),
            current=result[f"current_{index}"],
            width=round(result[f"reached_{index}"] * 100 / widest),
        )
        for index, stage in enumerate(PIPELINE)
    ]
    terminated = {
        "count": result["terminated"],
        "amount": result["terminated_amount"] or Decimal(0),
    }
    return bars, terminated


def _filtered(request: AuthedRequest) -> ProjectFilter:
    visible = Project.objects.restrict(request.user, Action.VIEW)
    return ProjectFilter(request.GET, queryset=visible, request=request)


@login_required
def project_list(request: AuthedRequest) -> HttpResponse:
    """The projects the user may see, filtered and sorted, with the totals and the funnel of
    what is filtered; htmx swaps in the results only."""
    filterset = _filtered(request)
    projects = filterset.qs
    if filterset.form.cleaned_data.get("stage"):
        # The funnel is the breakdown by stage: every other filter applies to it.
        without_stage = request.GET.copy()
        without_stage.pop("stage", None)
        funnel_projects = ProjectFilter(
            without_stage, queryset=filterset.queryset, request=request
        ).qs
    else:
        funnel_projects = projects
    funnel, terminated = stage_funnel(funnel_projects)
    page = Paginator(with_overdue(projects.select_related(*_LIST_RELATED)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "filter": filterset,
        "page": page,
        "totals": projects.totals(),
        "funnel": funnel,
        "terminated": terminated,
        "year": filterset.form.cleaned_data.get("year"),
        "sort": filterset.sort_key,
        "can_add": not Project.objects.restrict(request.user, Action.ADD).query.is_empty(),
    }
    template = "projects/_project_rows.html" if request.htmx else "projects/project_list.html"
    return render(request, template, context)


@login_required
def my_projects(request: AuthedRequest) -> HttpResponse:
    """A leader's linked projects (我的挂联项目): the overdue first, then by the date of the
    next milestone due, so that what needs a push is at the top."""
    linked_ids = leader_links(request.user).values("object_id")
    projects = list(
        with_overdue(
            Project.objects.restrict(request.user)
            .current()
            .filter(pk__in=linked_ids)
            .select_related(*_LIST_RELATED)
            .prefetch_related("milestones")
        )
    )
    for project in projects:
        pending = [m for m in project.milestones.all() if not m.is_reached]
        project.next_milestone = min(pending, key=lambda m: m.planned_on, default=None)
    projects.sort(
        key=lambda p: (
            not p.late,
            p.next_milestone.planned_on if p.next_milestone else date.max,
            p.code,
        )
    )
    context = {
        "projects": projects,
        "late_count": sum(1 for p in projects if p.late),
        "today": timezone.localdate(),
    }
    return render(request, "projects/my_projects.html", context)


# The project page --------------------------------------------------------------------------


@login_required
def project_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    project = get_restricted_or_404(
        Project.objects.select_related(
            *_LIST_RELATED, "industry__section", "counting_unit", "merged_into"
        ),
        request.user,
        pk=pk,
    )
    can_change = Project.objects.can(request.user, Action.CHANGE, project)
    order = {stage: index for index, stage in enumerate(ROADMAP_STAGES)}
    milestones = sorted(
        project.milestones.prefetch_related("evidence"), key=lambda m: order.get(m.stage, 99)
    )
    today = timezone.localdate()
    for milestone in milestones:
        late = milestone.is_overdue(today)
        milestone.days_late = (today - milestone.planned_on).days if late else 0
    checks = list(
        project.duplicate_checks.select_related(
            "candidate", "candidate__responsible_unit", "decided_by"
        )
    )
    incoming = list(
        DuplicateCheck.objects.filter(candidate=project).select_related(
            "project", "project__responsible_unit", "decided_by"
        )
    )
    others = [check.candidate_id for check in checks] + [check.project_id for check in incoming]
    visible_ids = set(
        Project.objects.restrict(request.user).filter(pk__in=others).values_list("pk", flat=True)
    )
    items = actions.negative_items(project.industry)
    links = (
        Link.objects.restrict(request.user)
        .current()
        .filter(content_type=ContentType.objects.get_for_model(Project), object_id=project.pk)
        .select_related("leader")
    )
    steps = [
        {"stage": stage, "date": project.stage_date(stage), "reached": project.has_reached(stage)}
        for stage in PIPELINE
    ]
    context = {
        "project": project,
        "steps": steps,
        "milestones": milestones,
        "late": any(getattr(m, "days_late", 0) for m in milestones),
        "events": project.stage_events.select_related("actor"),
        "checks": checks,
        "incoming": incoming,
        "visible_ids": visible_ids,
        "licences": [item for item in items if item.kind == NegativeKind.LICENSED],
        "prohibited": [item for item in items if item.kind == NegativeKind.PROHIBITED],
        "links": links,
        "can_change": can_change,
        "can_link": not Link.objects.restrict(request.user, Action.ADD).query.is_empty(),
        "stage_form": StageForm(project=project) if can_change else None,
        "today": today,
    }
    return render(request, "projects/project_detail.html", context)


# Forms -------------------------------------------------------------------------------------


@login_required
def project_create(request: AuthedRequest) -> HttpResponse:
    require_action(Project.objects.all(), request.user, Action.ADD)
    form = ProjectForm(request.POST or None, user=request.user)

    return form_page(
        request,
        form,
        lambda: actions.do_create_project(
            actor=request.user,
            stage=form.cleaned_data["stage"],
            stage_on=form.cleaned_data["stage_on"],
            **form.changes(),
        ),
        title=_("新建招商项目"),
        done=_("项目“%(name)s”已录入。"),
        cancel_url=reverse("projects:list"),
        next_url=lambda project: _warn_of_duplicates(request, project),
    )


def _warn_of_duplicates(request: AuthedRequest, project: Project) -> str:
    """The counting rule's screening, said at once (after the project is saved): the project
    waits until it is decided. Returns the project's page to go to."""
    open_checks = project.duplicate_checks.filter(status=DuplicateStatus.OPEN).select_related(
        "candidate", "candidate__responsible_unit"
    )
    if not open_checks:
        return project.get_absolute_url()
    names = "；".join(
        _("%(code)s %(name)s（%(unit)s，%(reason)s）")
        % {
            "code": check.candidate.code,
            "name": check.candidate.name,
            "unit": check.candidate.responsible_unit.name,
            "reason": check.get_reason_display(),
        }
        for check in open_checks
    )
    messages.warning(
        request,
        _("发现疑似重复项目：%(names)s。请在项目页面甄别，甄别前本项目不计数。") % {"names": names},
    )
    return f"{project.get_absolute_url()}#duplicates"


@login_required
def project_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    project = get_restricted_or_404(Project.objects.all(), request.user, Action.CHANGE, pk=pk)
    # The form validates on a copy: the action compares the stored project with the changes.
    form = ProjectForm(request.POST or None, instance=copy.copy(project), user=request.user)

    return form_page(
        request,
        form,
        lambda: actions.do_update_project(
            project, actor=request.user, reason=form.cleaned_data["reason"], **form.changes()
        ),
        title=_("修改项目：%(name)s") % {"name": project.name},
        done=_("项目“%(name)s”已保存。"),
        cancel_url=project.get_absolute_url(),
        next_url=lambda saved: _warn_of_duplicates(request, saved),
    )


@login_required
def project_stage(request: AuthedRequest, pk: int) -> HttpResponse:
    project = get_restricted_or_404(Project.objects.all(), request.user, Action.CHANGE, pk=pk)
    form = StageForm(request.POST or None, project=project)
    return form_page(
        request,
        form,
        lambda: actions.do_change_stage(
            project,
            to=form.cleaned_data["to"],
            on=form.cleaned_data["on"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        ),
        title=_("阶段变更：%(name)s（当前：%(stage)s）")
        % {"name": project.name, "stage": project.get_stage_display()},
        done=_("项目“%(name)s”的阶段已变更。"),
        cancel_url=project.get_absolute_url(),
    )


@login_required
def project_terminate(request: AuthedRequest, pk: int) -> HttpResponse:
    project = get_restricted_or_404(Project.objects.all(), request.user, Action.CHANGE, pk=pk)
    if project.stage == Stage.TERMINATED:
        messages.info(request, _("项目已终止。"))
        return redirect(project)
    form = TerminateForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda: actions.do_change_stage(
            project,
            to=Stage.TERMINATED,
            on=form.cleaned_data["on"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        ),
        title=_("终止项目：%(name)s") % {"name": project.name},
        done=_("项目“%(name)s”已终止。"),
        cancel_url=project.get_absolute_url(),
    )


def _milestone(request: AuthedRequest, pk: int) -> Milestone:
    return get_restricted_or_404(
        Milestone.objects.select_related("project"), request.user, Action.CHANGE, pk=pk
    )


@login_required
def milestone_replan(request: AuthedRequest, pk: int) -> HttpResponse:
    milestone = _milestone(request, pk)
    form = ReplanForm(request.POST or None, initial={"planned_on": milestone.planned_on})
    return form_page(
        request,
        form,
        lambda: actions.do_replan_milestone(
            milestone,
            planned_on=form.cleaned_data["planned_on"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        ),
        title=_("调整计划日期：%(name)s") % {"name": milestone},
        done=_("“%(name)s”的计划日期已调整。"),
        cancel_url=milestone.project.get_absolute_url(),
        next_url=lambda saved: f"{milestone.project.get_absolute_url()}#roadmap",
    )


@login_required
def milestone_note(request: AuthedRequest, pk: int) -> HttpResponse:
    milestone = _milestone(request, pk)
    form = MilestoneNoteForm(request.POST or None, initial={"note": milestone.note})
    return form_page(
        request,
        form,
        lambda: actions.do_note_milestone(
            milestone, note=form.cleaned_data["note"], actor=request.user
        ),
        title=_("节点备注：%(name)s") % {"name": milestone},
        done=_("“%(name)s”的备注已保存。"),
        cancel_url=milestone.project.get_absolute_url(),
        next_url=lambda saved: f"{milestone.project.get_absolute_url()}#roadmap",
    )


@login_required
def milestone_evidence(request: AuthedRequest, pk: int) -> HttpResponse:
    """Uploads a file proving a milestone."""
    milestone = _milestone(request, pk)
    form = EvidenceForm(request.POST or None, request.FILES or None)
    return form_page(
        request,
        form,
        lambda: actions.do_add_evidence(
            milestone,
            upload=form.cleaned_data["upload"],
            name=form.cleaned_data["name"],
            actor=request.user,
        ),
        title=_("上传佐证材料：%(name)s") % {"name": milestone},
        done=_("已上传佐证材料“%(name)s”。"),
        cancel_url=milestone.project.get_absolute_url(),
        next_url=lambda saved: f"{milestone.project.get_absolute_url()}#roadmap",
    )


@login_required
def evidence_file(request: AuthedRequest, pk: int) -> FileResponse:
    """An evidence file, to those who may see its project (media files are not public)."""
    evidence = get_object_or_404(Evidence.objects.restrict(request.user, Action.VIEW), pk=pk)
    try:
        opened = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(opened, filename=Path(evidence.file.name).name)


@login_required
@require_POST
def duplicate_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    """Screens a possible duplicate from the project page: distinct, or merged."""
    check = get_restricted_or_404(
        DuplicateCheck.objects.select_related("project", "candidate"),
        request.user,
        Action.CHANGE,
        pk=pk,
    )
    form = DecideDuplicateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择甄别结果。"))
        return redirect(check.project)
    try:
        decided = actions.do_decide_duplicate(
            check,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        if decided.status == DuplicateStatus.MERGED:
            messages.success(
                request,
                _("已将本项目合并到 %(code)s，本项目不再计数。") % {"code": check.candidate.code},
            )
        else:
            messages.success(
                request, _("已确认与 %(code)s 不重复。") % {"code": check.candidate.code}
            )
    return redirect(f"{check.project.get_absolute_url()}#duplicates")
