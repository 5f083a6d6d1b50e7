"""A person's messages (站内消息) and how they want to be told: the inbox with its unread
count, one message (reading it marks it read and follows its link), "mark all read", and
the channels (mail, 浙政钉/钉钉 webhook, the daily digest).

Everything here is the signed-in person's own: `Notification.objects.restrict(user)` is the
recipient's messages, so somebody else's message is 404 like any object one may not see.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bipin.alerts.actions import (
    do_read_all_notifications,
    do_read_notification,
    do_save_preference,
)
from bipin.alerts.models import Notification, NotificationPreference
from bipin.core.forms import StyledFormMixin
from bipin.core.views import add_action_errors
from bipin.org.views import AuthedRequest

PAGE_SIZE = 50


# The inbox ---------------------------------------------------------------------------------


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    """The person's messages, unread first and newest first within each; `?show=unread`
    lists the unread only. Digests are not listed: they carried these same messages by
    mail."""
    mine = Notification.objects.restrict(request.user).inbox()
    show_unread = request.GET.get("show") == "unread"
    listed = mine.unread() if show_unread else mine
    listed = listed.annotate(
        unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    ).order_by("-unread", "-created_at", "-pk")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show_unread": show_unread,
        "active": "inbox",
    }
    return render(request, "alerts/inbox.html", context)


def _is_local(link: str, request: AuthedRequest) -> bool:
    return url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
def notification(request: AuthedRequest, pk: int) -> HttpResponse:
    """Opens a message: marks it read and goes where it points (the alert's page); a
    message that points nowhere (or off the site) is shown here."""
    message = get_object_or_404(Notification.objects.restrict(request.user), pk=pk)
    do_read_notification(message, actor=request.user)
    if message.link and _is_local(message.link, request):
        return redirect(message.link)
    return render(request, "alerts/notification.html", {"message": message, "active": "inbox"})


@login_required
@require_POST
def read_all(request: AuthedRequest) -> HttpResponse:
    count = do_read_all_notifications(actor=request.user)
    if count:
        messages.success(request, _("已将 %(count)s 条消息标为已读。") % {"count": count})
    return redirect("alerts:inbox")


# Preferences -------------------------------------------------------------------------------


class PreferenceForm(StyledFormMixin, forms.Form):
    email = forms.BooleanField(label=gettext_lazy("邮件通知"), required=False)
    webhook = forms.BooleanField(label=gettext_lazy("浙政钉/钉钉通知"), required=False)
    webhook_url = forms.URLField(
        label=gettext_lazy("我的钉钉机器人地址"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("可不填：不填时发往系统配置的地址"),
    )
    daily_digest = forms.BooleanField(
        label=gettext_lazy("每日摘要"),
        required=False,
        help_text=gettext_lazy("勾选后，邮件和钉钉消息每天汇总发送一次；站内消息仍即时送达"),
    )

    def __init__(self, *args: Any, has_address: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_address:
            # Mail needs an address on the account (the page says so); a ticked box
            # would only earn an error.
            # A disabled field keeps its initial value: unticked, so that saving turns
            # off mail chosen before the address was removed.
            self.fields["email"].disabled = True
            self.initial["email"] = False


@login_required
def preferences(request: AuthedRequest) -> HttpResponse:
    """The person's own channels. The inbox always gets every message; mail and the
    webhook are by choice, each message at once or one digest a day."""
    user = request.user
    current = NotificationPreference.objects.filter(user=user).first()
    initial = {
        "email": current.email if current else False,
        "webhook": current.webhook if current else False,
        "webhook_url": current.webhook_url if current else "",
        "daily_digest": current.daily_digest if current else False,
    }
    form = PreferenceForm(request.POST or None, initial=initial, has_address=bool(user.email))
    if request.method == "POST" and form.is_valid():
        try:
            do_save_preference(**form.cleaned_data, actor=user)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, _("通知设置已保存。"))
            return redirect("alerts:preferences")
    context = {
        "form": form,
        "address": user.email,
        "instance_webhook": bool(settings.BIPIN_WEBHOOK_URL),
        "active": "preferences",
    }
    return render(request, "alerts/preferences.html", context)


urlpatterns: list[URLPattern] = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/read-all/", read_all, name="read_all"),
    path("inbox/<int:pk>/", notification, name="notification"),
    path("preferences/", preferences, name="preferences"),
]
