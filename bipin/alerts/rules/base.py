"""What a rule kind is: a small base class and a registry (STYLE.md, "Pluggable kinds").

A kind finds, in one pass, every subject whose condition holds today, and says it as
`Finding`s; the engine (`alerts.engine`) compares them with the standing alerts and opens,
keeps, raises, lowers and resolves. A kind selects in SQL what it looks at: a pass at the
province's scale must not loop in Python over every milestone or value, only over what is
behind.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bipin.alerts.choices import Severity
from bipin.core.periods import Period
from bipin.core.registry import Registry

if TYPE_CHECKING:
    from bipin.alerts.models import Alert, Rule


@dataclass(frozen=True)
class Param:
    """One number a rule of the kind is configured with."""

    name: str
    label: str | Promise
    default: int | Decimal
    minimum: int | Decimal = 0
    maximum: int | Decimal | None = None
    help_text: str | Promise = ""

    @property
    def is_integer(self) -> bool:
        return isinstance(self.default, int)

    def read(self, raw: Any) -> int | Decimal:
        """The parameter from a rule's stored params; the default when it is not set.
        Raises ValueError with the parameter's label for a value out of range."""
        if raw is None or raw == "":
            return self.default
        try:
            value: int | Decimal = int(raw) if self.is_integer else Decimal(str(raw))
        except (ValueError, InvalidOperation):
            raise ValueError(
                _("%(label)s：“%(value)s”不是数字") % {"label": self.label, "value": raw}
            ) from None
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            raise ValueError(
                _("%(label)s：%(value)s 超出允许范围（%(minimum)s 至 %(maximum)s）")
                % {
                    "label": self.label,
                    "value": value,
                    "minimum": self.minimum,
                    "maximum": "∞" if self.maximum is None else self.maximum,
                }
            )
        return value


@dataclass
class Finding:
    """A subject whose condition holds: what an alert is made of.

    `made_up` is the kind's word that a shortfall which made an alert red has been made
    up; without it the engine keeps a red alert red even when today's finding is yellow
    (DESIGN.md: "a red turns yellow only when the shortfall is made up, not on a good
    month").
    """

    subject_type_id: int
    subject_id: int
    subject_label: str
    unit_id: int
    severity: str
    period: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    made_up: bool = True

    @property
    def key(self) -> tuple[int, int, int, str]:
        return (self.subject_type_id, self.subject_id, self.unit_id, self.period)


@dataclass
class PassContext:
    """What one pass of the rules knows: the day it runs for, and the month whose data
    is due (the latest reporting period whose deadline has passed)."""

    today: date
    data_period: Period | None

    def content_type_id(self, model: type[models.Model]) -> int:
        return ContentType.objects.get_for_model(model).pk


class RuleKind:
    """A kind of warning rule. Subclasses set the class attributes and `find`."""

    key: ClassVar[str]
    label: ClassVar[str | Promise]
    #: What it warns of, for the rules page.
    explanation: ClassVar[str | Promise]
    #: The model its alerts are about.
    subject_model: ClassVar[type[models.Model]]
    default_severity: ClassVar[str] = Severity.YELLOW
    #: Kinds whose severity comes from bands (red or yellow by the gap) ignore the rule's.
    graded: ClassVar[bool] = False
    params: ClassVar[Sequence[Param]] = ()

    def find(self, rule: "Rule", context: PassContext) -> Iterable[Finding]:
        raise NotImplementedError

    def undecided(self, rule: "Rule", context: PassContext, alerts: list["Alert"]) -> set[int]:
        """Ids among `alerts` (standing, not found today) whose condition could not be
        judged today — a value not yet reported — and which must therefore stay."""
        return set()

    def describe(self, alert: "Alert") -> str:
        """The finding in words, from `alert.facts`."""
        raise NotImplementedError

    @staticmethod
    def days_between(alert: "Alert", iso_day: str) -> int:
        """Days from a date in the facts to the day the alert was last checked (or
        resolved). Counted when shown rather than kept in the facts, so that a standing
        alert's facts do not change every day and a pass does not rewrite every alert."""
        checked = alert.resolved_on or alert.last_seen_on
        return abs((checked - date.fromisoformat(iso_day)).days)

    def linked_objects(self, alert: "Alert") -> list[tuple[type[models.Model], int]]:
        """The objects a leader may be linked to (领导挂联) for this alert, nearest first:
        the subject itself; a kind adds what the subject belongs to (a milestone's
        project, a request's enterprise). The unit's own link comes after these."""
        return [(self.subject_model, alert.subject_id)]

    def check(self, settings: dict[str, int | Decimal]) -> dict[str, str]:
        """Broken rules between a rule's parameters (each already within its own limits),
        by field ("params.yellow_from"); none by default."""
        return {}

    def settings(self, rule: "Rule") -> dict[str, int | Decimal]:
        """The rule's parameters, defaults filled in; ValueError names a bad one."""
        return {param.name: param.read(rule.params.get(param.name)) for param in self.params}


#: The rule kinds, by key ("milestone_overdue" …), in the order the rules page lists them.
rule_kinds: Registry[RuleKind] = Registry("alert rule kind")


def register(kind: type[RuleKind]) -> type[RuleKind]:
    rule_kinds.add(kind.key, kind())
    return kind
