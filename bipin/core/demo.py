"""The deterministic demo generator that every app extends.

Each app registers a `DemoStep` in its AppConfig.ready(); `bipin demo` runs them in
registration order (the order of INSTALLED_APPS, lower apps first) inside one transaction.
The same scale and seed always give the same data. `district` is the Lin'an demo; `city`
and `province` are larger generated regions for the benchmarks (~1,500 units).
"""

import random
from dataclasses import dataclass, field
from io import TextIOBase
from typing import Any

from django.db import transaction

from bipin.core.registry import Registry

SCALES = ("district", "city", "province")
DEMO_PASSWORD = "bipin-demo"
#: The demo's current year: the samples keep October 2026 open for submission.
DEMO_YEAR = 2026


@dataclass
class DemoAccount:
    username: str
    role_label: str
    unit_name: str


@dataclass
class DemoContext:
    """What the steps share: the scale, one seeded random source, and what earlier steps made."""

    scale: str
    seed: int
    out: TextIOBase
    year: int = DEMO_YEAR
    rng: random.Random = field(init=False)
    made: dict[str, Any] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.scale}:{self.seed}")


class DemoStep:
    """One app's part of the demo."""

    name = ""

    def is_loaded(self) -> bool:
        """Whether this step's data is already in the database."""
        raise NotImplementedError

    def generate(self, context: DemoContext) -> None:
        raise NotImplementedError

    def accounts(self) -> list[DemoAccount]:
        """The demo accounts this step made, read back from the database."""
        return []


demo_steps: Registry[DemoStep] = Registry("demo step")


def demo_is_loaded() -> bool:
    return any(step.is_loaded() for _key, step in demo_steps.items())


def demo_accounts() -> list[DemoAccount]:
    return [account for _key, step in demo_steps.items() for account in step.accounts()]


@transaction.atomic
def load_demo(*, scale: str, seed: int, out: TextIOBase) -> DemoContext:
    """Generates the whole demo; all or nothing."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; one of {', '.join(SCALES)}")
    context = DemoContext(scale=scale, seed=seed, out=out)
    for _key, step in demo_steps.items():
        step.generate(context)
    return context
