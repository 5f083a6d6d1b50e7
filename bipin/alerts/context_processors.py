"""The bell of the page shell: how many unread messages the signed-in person has."""

from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from bipin.alerts.models import Notification


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications` (a number, counted with one COUNT query the first time a
    template reads it, so a fragment that shows no bell costs nothing) and `inbox_url`.
    Nothing for an anonymous visitor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    try:
        inbox_url = reverse("alerts:inbox")
    except NoReverseMatch:  # the inbox's pages are not mounted (yet)
        return {}

    @cache
    def count() -> int:
        return Notification.objects.restrict(user).inbox().unread().count()

    # A template calls a callable variable; `cache` makes the second use free.
    return {"unread_notifications": count, "inbox_url": inbox_url}
