"""Scoping of talents."""

from bipin.core.querysets import RestrictedQuerySet


class TalentQuerySet(RestrictedQuerySet):
    """A talent belongs to the unit that introduced them: its people see and edit the
    record (and its personal data in full), supervisors and leaders see all."""

    unit_lookup = "introducing_unit"
