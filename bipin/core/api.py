"""The shared pieces of the API: authentication, errors, and the core endpoints (the
signed-in user, personal tokens). `bipin/api/` mounts this router with every app's."""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from bipin.core.actions import do_create_api_token, do_revoke_api_token
from bipin.core.models import ApiToken
from bipin.core.views import AuthedRequest

#: How stale `last_used_at` may get before a request writes it again (one write a minute,
#: not one per request).
_LAST_USED_PRECISION = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer bpn_…` with a personal token; the request acts as its owner."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.objects.for_secret(token).select_related("user", "user__unit").first()
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > _LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


#: Every endpoint takes a personal token or the browser's session (with its CSRF check).
API_AUTH = [TokenAuth(), SessionAuth()]


def _field_name(location: Any) -> str:
    """The field an error is about, named as the client sent it: ("body", "payload",
    "name") and ("query", "kind") become "name" and "kind"."""
    parts = [str(part) for part in location]
    skip = 2 if parts[:1] == ["body"] else 1
    return ".".join(parts[skip:])


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error is JSON with a `detail` that says what went wrong, in the user's language."""

    def respond(
        request: HttpRequest, status: int, detail: str, errors: list | None = None
    ) -> HttpResponse:
        body: dict[str, Any] = {"detail": detail}
        if errors is not None:
            body["errors"] = errors
        return api.create_response(request, body, status=status)

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        # The same answer for an unknown and a forbidden object: existence does not leak.
        return respond(request, 404, _("未找到该对象，或您无权访问。"))

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 401, _("请先登录，或在 Authorization 头中提供有效的 API 令牌。"))

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 403, str(exc) if str(exc) else _("您没有权限执行此操作。"))

    def invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [
            {
                "field": _field_name(error.get("loc", ())),
                "message": error.get("msg", ""),
            }
            for error in exc.errors
        ]
        return respond(request, 422, _("请求内容不符合要求。"), errors)

    def rejected(request: HttpRequest, exc: Any) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": field, "message": " ".join(messages)}
                for field, messages in exc.message_dict.items()
            ]
        else:
            errors = [{"field": "", "message": message} for message in exc.messages]
        return respond(request, 400, "；".join(error["message"] for error in errors), errors)

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if exc.status_code == 403 and "CSRF" in str(exc):
            return respond(
                request, 403, _("CSRF 校验失败：请刷新页面后重试，脚本请改用 API 令牌。")
            )
        return respond(request, exc.status_code, str(exc))

    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(AuthorizationError, forbidden)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(ValidationError, invalid)
    api.add_exception_handler(DjangoValidationError, rejected)
    api.add_exception_handler(HttpError, http_error)


router = Router(tags=["account"])


def filtered(filter_class: Any, params: Schema, queryset: Any, request: HttpRequest) -> Any:
    """Runs a list page's filter class over an API's query parameters (one filter class
    serves the page, the API and the export), as the page's GET would hand them over; a
    value the filter cannot use (a unit the user may not see answers like an unknown one)
    is a 400 naming it."""
    data: dict[str, str] = {}
    for name, value in params.dict().items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        data[name] = str(value)
    filterset = filter_class(data, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise DjangoValidationError(
            {
                name: [str(message) for message in messages]
                for name, messages in filterset.errors.items()
            }
        )
    return filterset.qs


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str
    role_label: str
    unit_id: int | None
    unit_name: str | None


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: AuthedRequest) -> dict[str, Any]:
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "role_label": user.get_role_display(),
        "unit_id": user.unit_id,
        "unit_name": user.unit.name if user.unit else None,
    }


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100, pattern=r"\S", description="用途，不能为空")


class NewTokenOut(TokenOut):
    secret: str = Field(description="令牌本身：只显示这一次")


@router.get("/tokens", response=list[TokenOut], summary="我的 API 令牌")
def list_tokens(request: AuthedRequest) -> Any:
    return ApiToken.objects.filter(user=request.user)


@router.post("/tokens", response={201: NewTokenOut}, summary="创建 API 令牌")
def create_token(request: AuthedRequest, payload: TokenIn) -> Any:
    token, secret = do_create_api_token(user=request.user, name=payload.name, actor=request.user)
    return Status(201, {**TokenOut.from_orm(token).dict(), "secret": secret})


@router.delete("/tokens/{token_id}", response={204: None}, summary="撤销 API 令牌")
def revoke_token(request: AuthedRequest, token_id: int) -> Any:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    do_revoke_api_token(token=token, actor=request.user)
    return Status(204, None)
