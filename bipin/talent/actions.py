"""Writes of talents (招才引智). One transaction each, validated as a whole, with who did it
and why in the talent's history; pages, the API, the Excel import and the demo call these.

The rules a talent's record keeps, however it was written:

- the employer of record (an Enterprise of the district) is required: a talent is counted
  for the enterprise they work for;
- the day introduced and the day settled (落户) have happened, so neither lies after today,
  and a talent settles after being introduced, not before;
- settled has its date and a date means settled;
- a start-up project's funding (万元) is not negative, and funding or a stage belongs to a
  named project.

Phone and ID number are personal data (personal.py): they are not in the history, and a
mask (138****5678) handed back by an export or a form never replaces the number it hides.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bipin.core.history import save_with_history
from bipin.org.models import User
from bipin.talent.models import Talent
from bipin.talent.personal import kept_or_refused, normalize_phone

TALENT_FIELDS: tuple[str, ...] = (
    "code", "name", "tier", "field", "employer", "introducing_unit", "introduced_on",
    "employment", "settled", "settled_on", "project_name", "project_funding", "project_stage",
    "status", "phone", "id_number", "note",
)  # fmt: skip
#: The attributes that hold TALENT_FIELDS (a foreign key's id, not its object).
_ATTNAMES = tuple(
    f"{name}_id" if name in ("employer", "introducing_unit") else name for name in TALENT_FIELDS
)
#: Names and titles: stray spaces (full-width ones too) trimmed and collapsed.
_TITLES = ("code", "name", "field", "project_name")


def next_talent_code(year: int) -> str:
    """RC2026-0001, RC2026-0002 …: the next free number of the year."""
    prefix = f"RC{year}-"
    taken = Talent.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _apply(talent: Talent, changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(TALENT_FIELDS)
    if unknown:
        raise ValueError(f"cannot set {', '.join(sorted(unknown))} of a talent")
    for name, value in changes.items():
        if name in _TITLES and isinstance(value, str):
            value = " ".join(value.split())
        elif name == "phone":
            value = kept_or_refused(
                name, normalize_phone(value or ""), talent.phone, exists=talent.pk is not None
            )
        elif name == "id_number":
            value = kept_or_refused(
                name, (value or "").strip().upper(), talent.id_number, exists=talent.pk is not None
            )
        elif name in ("field", "note", "project_stage") and value is None:
            value = ""
        setattr(talent, name, value)


def check_talent(talent: Talent, today: date | None = None) -> dict[str, str]:
    """The rules above that Django's field validation does not know: each broken one as
    a message by field (empty when the record keeps them all)."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if talent.employer_id is None:
        errors["employer"] = _(
            "请填写工作单位：人才须有在本区登记的工作单位（企业）；企业尚未登记的，请先录入企业。"
        )
    if talent.introduced_on is not None and talent.introduced_on > today:
        errors["introduced_on"] = _("引进日期（%(date)s）不能晚于今天：只登记已经引进的人才。") % {
            "date": talent.introduced_on.isoformat()
        }
    if talent.settled_on is not None:
        if talent.settled_on > today:
            errors["settled_on"] = _("落户日期（%(date)s）不能晚于今天。") % {
                "date": talent.settled_on.isoformat()
            }
        elif talent.introduced_on is not None and talent.settled_on < talent.introduced_on:
            errors["settled_on"] = _("落户日期不能早于引进日期（%(date)s）。") % {
                "date": talent.introduced_on.isoformat()
            }
        if not talent.settled:
            errors["settled"] = _("填写了落户日期，请勾选“已落户”；未落户的请清空落户日期。")
    elif talent.settled:
        errors["settled_on"] = _("已落户的人才须填写落户日期。")
    if talent.project_funding is not None and talent.project_funding < 0:
        errors["project_funding"] = _("项目资助金额不能为负数。")
    if not talent.project_name and (talent.project_funding is not None or talent.project_stage):
        errors["project_name"] = _("填写了项目资助或项目阶段，须填写创业创新项目名称。")
    return errors


def _validate(talent: Talent) -> None:
    """The rules, then Django's validation of every field; one ValidationError naming every
    field that fails (the rules' messages where both speak of a field)."""
    errors: dict[str, list[str]] = {
        field: [message] for field, message in check_talent(talent).items()
    }
    try:
        talent.full_clean(exclude=list(errors))
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_create_talent(*, actor: User, reason: str = "", **fields: Any) -> Talent:
    """A new talent; without a code, the next one of the year introduced (RC2026-0001)."""
    talent = Talent()
    _apply(talent, fields)
    if not talent.code and talent.introduced_on is not None:
        talent.code = next_talent_code(talent.introduced_on.year)
    _validate(talent)
    save_with_history(talent, actor=actor, reason=reason or _("录入人才"))
    return talent


def particulars(talent: Talent) -> tuple[Any, ...]:
    """What the actions may change of a talent, to tell whether a change changed anything."""
    return tuple(getattr(talent, name) for name in _ATTNAMES)


@transaction.atomic
def do_update_talent(talent: Talent, *, actor: User, reason: str = "", **changes: Any) -> Talent:
    """Changes a talent's particulars; a change that changes nothing writes nothing (no
    version in the history), so importing an export back leaves every talent as it was."""
    before = particulars(talent)
    _apply(talent, changes)
    if particulars(talent) == before:
        return talent
    _validate(talent)
    save_with_history(talent, actor=actor, reason=reason or _("修改人才信息"))
    return talent
