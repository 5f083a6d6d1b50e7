"""The user a management command acts as: its scope limits what the command may do."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from bipin.core.choices import Role
from bipin.org.models import User


def acting_user(username: str | None) -> User:
    """The named active user, or the first supervisor (by account age) when none is named."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("没有用户名为“%(name)s”的有效账号。") % {"name": username})
        return user
    user = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError(_("还没有督查室账号：请用 --user 指定操作人。"))
    return user
