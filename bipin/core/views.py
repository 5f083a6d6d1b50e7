"""Views of the page shell: home, the user's own account and API tokens, error pages."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bipin.core.actions import do_create_api_token, do_revoke_api_token
from bipin.core.choices import Action
from bipin.core.forms import ApiTokenForm, StyledFormMixin
from bipin.core.models import ApiToken


class AuthedRequest(HttpRequest):
    """A request of a signed-in user (behind login_required or the API's auth).

    Core does not know the user model of org, so the user is untyped here; org's views
    narrow it to `org.User`.
    """

    user: Any


def get_restricted_or_404(
    queryset: models.QuerySet, user: Any, action: str = Action.VIEW, **lookup: Any
) -> Any:
    """The object `user` may `action`, found by `lookup`.

    404 when the user may not see it (its existence does not leak); 403 when they may see
    it but not do this to it.
    """
    obj = get_object_or_404(queryset.restrict(user, Action.VIEW), **lookup)  # type: ignore[attr-defined]
    if action != Action.VIEW and not queryset.restrict(user, action).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied(_("您没有权限执行此操作。"))
    return obj


def form_page(
    request: HttpRequest,
    form: Any,
    save: Callable[[], Any],
    *,
    title: str,
    done: str,
    cancel_url: str,
    next_url: Callable[[Any], str] | None = None,
) -> HttpResponse:
    """The one flow of every form page.

    On a valid POST the action runs (`save`); a ValidationError it raises goes onto the
    form, by field where it names one, and nothing is saved; on success the user sees
    `done` (formatted with the saved object as `name`) on the saved object's page.
    """
    if request.method == "POST" and form.is_valid():
        try:
            saved = save()
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, done % {"name": saved})
            return redirect(next_url(saved) if next_url else saved)
    return render(request, "form.html", {"form": form, "title": title, "cancel_url": cancel_url})


def add_action_errors(form: Any, error: ValidationError) -> None:
    """Puts an action's validation error on the form, by field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def require_action(queryset: models.QuerySet, user: Any, action: str) -> None:
    """403 unless `user` may `action` objects of this kind at all (e.g. add a unit)."""
    if queryset.restrict(user, action).query.is_empty():  # type: ignore[attr-defined]
        raise PermissionDenied(_("您没有权限执行此操作。"))


class StyledAuthenticationForm(StyledFormMixin, AuthenticationForm):
    pass


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    pass


class LoginView(auth_views.LoginView):
    form_class = StyledAuthenticationForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = StyledPasswordChangeForm

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("密码已修改。"))
        return super().form_valid(form)


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """The user's start page: who they are, what they look after, where to go next."""
    context: dict[str, Any] = {"unit": request.user.unit}
    return render(request, "core/home.html", context)


@login_required
def account(request: AuthedRequest) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "core/account.html", {"tokens": tokens, "form": ApiTokenForm()})


@login_required
@require_POST
def token_create(request: AuthedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        tokens = ApiToken.objects.filter(user=request.user)
        return render(request, "core/account.html", {"tokens": tokens, "form": form}, status=400)
    token, secret = do_create_api_token(
        user=request.user, name=form.cleaned_data["name"], actor=request.user
    )
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "core/account.html",
        {"tokens": tokens, "form": ApiTokenForm(), "new_secret": secret, "new_token": token},
    )


@login_required
@require_POST
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    # Somebody else's token is not found, like any object one may not see.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    do_revoke_api_token(token=token, actor=request.user)
    messages.success(request, _("令牌“%(name)s”已撤销。") % {"name": token.name})
    return redirect("account")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(
        request, "403.html", {"message": str(exception) if str(exception) else ""}, status=403
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
