"""`bipin demo`: loads the deterministic demo data, or says it is already there.

Safe to run again: with the demo loaded it changes nothing and prints the demo accounts.
`--reset` empties the database first.
"""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from bipin.core.demo import DEMO_PASSWORD, SCALES, demo_accounts, demo_is_loaded, load_demo


class Command(BaseCommand):
    help = "Loads the demo data (Lin'an by default; city and province scales for benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=SCALES,
            default="district",
            help="district (Lin'an), city or province",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2019,
            help="the random seed; the same seed gives the same data",
        )
        parser.add_argument(
            "--reset", action="store_true", help="empty the database before loading"
        )

    def handle(self, *args: Any, scale: str, seed: int, reset: bool, **options: Any) -> None:
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        if demo_is_loaded():
            self.stdout.write("Demo data is already loaded (bipin demo --reset to load it anew).")
        else:
            self.stdout.write(f"Loading the {scale} demo (seed {seed}) …")
            load_demo(scale=scale, seed=seed, out=self.stdout)
        accounts = demo_accounts()
        if accounts:
            self.stdout.write(f"\nDemo accounts (password: {DEMO_PASSWORD}):")
            width = max(len(account.username) for account in accounts)
            for account in accounts:
                self.stdout.write(
                    f"  {account.username.ljust(width)}  {account.role_label}  {account.unit_name}"
                )
