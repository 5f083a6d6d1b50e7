"""The organisation's part of the API: units and competition groups, scoped like the pages."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from bipin.core.choices import Action
from bipin.core.views import AuthedRequest, get_restricted_or_404
from bipin.org import actions
from bipin.org.choices import UnitKind
from bipin.org.filters import GroupFilter, UnitFilter
from bipin.org.models import Group, Unit

router = Router(tags=["org"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: UnitKind
    kind_label: str = Field(alias="get_kind_display")
    parent_id: int | None
    order: int
    active: bool


class UnitIn(Schema):
    code: str = Field(max_length=32, description="代码，如 330112001")
    name: str = Field(max_length=100)
    short_name: str = Field("", max_length=30)
    kind: UnitKind
    parent_id: int | None = None
    order: int = Field(0, ge=0)
    active: bool = True


class UnitPatch(Schema):
    code: str | None = Field(None, max_length=32)
    name: str | None = Field(None, max_length=100)
    short_name: str | None = Field(None, max_length=30)
    kind: UnitKind | None = None
    parent_id: int | None = None
    order: int | None = Field(None, ge=0)
    active: bool | None = None
    reason: str = Field("", max_length=200, description="修改原因，记入历史")


class UnitQuery(FilterSchema):
    q: str | None = Field(None, description="名称、简称或代码包含")
    kind: UnitKind | None = None
    active: bool | None = None
    parent: int | None = Field(None, description="上级单位编号")


def _filtered(filter_class: Any, params: Schema, queryset: Any, request: AuthedRequest) -> Any:
    """Runs the page's filter class over the API's query parameters."""
    data = {name: value for name, value in params.dict().items() if value is not None}
    return filter_class(data, queryset=queryset, request=request).qs


@router.get("/units", response=list[UnitOut], summary="单位列表")
@paginate(PageNumberPagination)
def list_units(request: AuthedRequest, filters: Query[UnitQuery]) -> Any:
    visible = Unit.objects.restrict(request.user, Action.VIEW)
    return _filtered(UnitFilter, filters, visible, request).order_by("order", "code")


@router.get("/units/{unit_id}", response=UnitOut, summary="单位详情")
def get_unit(request: AuthedRequest, unit_id: int) -> Any:
    return get_object_or_404(Unit.objects.restrict(request.user, Action.VIEW), pk=unit_id)


def _parent(request: AuthedRequest, parent_id: int | None) -> Unit | None:
    if parent_id is None:
        return None
    return get_restricted_or_404(Unit.objects.all(), request.user, pk=parent_id)


@router.post("/units", response={201: UnitOut}, summary="新建单位")
def create_unit(request: AuthedRequest, payload: UnitIn) -> Any:
    if Unit.objects.restrict(request.user, Action.ADD).query.is_empty():
        raise PermissionDenied(_("只有督查室可以新建单位。"))
    fields = payload.dict()
    fields["parent"] = _parent(request, fields.pop("parent_id"))
    return Status(201, actions.do_create_unit(actor=request.user, **fields))


@router.patch("/units/{unit_id}", response=UnitOut, summary="修改单位")
def update_unit(request: AuthedRequest, unit_id: int, payload: UnitPatch) -> Any:
    unit = get_restricted_or_404(Unit.objects.all(), request.user, Action.CHANGE, pk=unit_id)
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "")
    if "parent_id" in changes:
        changes["parent"] = _parent(request, changes.pop("parent_id"))
    return actions.do_update_unit(unit, actor=request.user, reason=reason, **changes)


class MemberOut(Schema):
    unit_id: int
    unit_name: str = Field(alias="unit.name")


class GroupOut(Schema):
    id: int
    year: int
    code: str
    name: str
    order: int
    members: list[MemberOut] = Field(alias="memberships")

    @staticmethod
    def resolve_members(group: Group) -> list[Any]:
        return list(group.memberships.all())


class GroupQuery(FilterSchema):
    year: int | None = None


@router.get("/groups", response=list[GroupOut], summary="比拼组列表")
@paginate(PageNumberPagination)
def list_groups(request: AuthedRequest, filters: Query[GroupQuery]) -> Any:
    visible = Group.objects.restrict(request.user).prefetch_related("memberships__unit")
    return _filtered(GroupFilter, filters, visible, request)


@router.get("/groups/{group_id}", response=GroupOut, summary="比拼组详情")
def get_group(request: AuthedRequest, group_id: int) -> Any:
    return get_object_or_404(
        Group.objects.restrict(request.user).prefetch_related("memberships__unit"), pk=group_id
    )
