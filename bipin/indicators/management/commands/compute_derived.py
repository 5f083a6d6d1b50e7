"""`bipin compute_derived YEAR-MONTH [--user USERNAME]`: counts every derived indicator of
the month from the records (projects signed, talents introduced, requests finished on
time …) and writes the values; safe to run again (the worker runs it daily)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bipin.core.management.users import acting_user
from bipin.core.periods import Period
from bipin.indicators.actions import do_compute_derived


class Command(BaseCommand):
    help = "Computes the derived indicators of a month (e.g. 2026-10) from the records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("period", help="the month, e.g. 2026-10")
        parser.add_argument("--user", help="record the values as computed by this user")

    def handle(self, *args: Any, period: str, user: str | None, **options: Any) -> None:
        try:
            month = Period.parse(period)
        except ValueError as error:
            raise CommandError(str(error)) from None
        actor = acting_user(user)
        try:
            result = do_compute_derived(month, actor=actor)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            _(
                "%(period)s：新增 %(created)s 个，更新 %(updated)s 个，未变 %(unchanged)s 个，移除 %(removed)s 个。"
            )
            % {
                "period": month.label,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "removed": result.removed,
            }
        )
