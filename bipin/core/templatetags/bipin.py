"""Template filters for bipin's pages."""

from decimal import Decimal
from typing import Any

from django import template
from django.db import models

from bipin.core.history import history_entries
from bipin.core.money import format_wan

register = template.Library()


@register.filter
def wan(amount: Decimal | None) -> str:
    """An amount in 万元 as people read it: 5,000万元, 1.25亿元."""
    return format_wan(amount)


@register.filter
def wan_usd(amount: Decimal | None) -> str:
    return format_wan(amount, currency="USD")


@register.inclusion_tag("core/_history.html")
def history_panel(obj: models.Model, limit: int = 30) -> dict[str, Any]:
    """The history of an object: who changed what, when and why."""
    return {"entries": history_entries(obj, limit=limit)}
