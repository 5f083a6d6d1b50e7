"""Writes of core objects: personal API tokens."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.core.models import ApiToken

TOKEN_PREFIX = "bpn_"


@transaction.atomic
def do_create_api_token(*, user, name: str, actor) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its secret, which is never shown again."""
    if actor.pk != user.pk:
        # A token acts as its owner: nobody mints one for somebody else.
        raise PermissionError("a token is created by its owner")
    if not name.strip():
        raise ValidationError({"name": _("请填写令牌的用途。")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=secret[:10], digest=ApiToken.digest_of(secret)
    )
    return token, secret


@transaction.atomic
def do_revoke_api_token(*, token: ApiToken, actor) -> None:
    """Revokes a token at once; revoking twice keeps the first time."""
    if actor.pk != token.user_id and not actor.is_superuser:
        raise PermissionError("a token is revoked by its owner")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
