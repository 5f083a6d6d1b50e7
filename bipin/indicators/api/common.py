"""What the catalogue's and the values' endpoints share: how an amount is sent, how an
action's refusal is answered, and the indicator and unit a PUT names."""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from pydantic import StrictFloat, StrictInt, StrictStr

from bipin.core.periods import Period
from bipin.core.views import AuthedRequest
from bipin.indicators.choices import Source
from bipin.indicators.derived import derivations
from bipin.indicators.models import Indicator
from bipin.org.models import Unit

#: An amount as a client sends it: a JSON number, or a string as people write numbers.
#: Strict, so that true or null is refused rather than read as 1 or 0.
RawAmount = StrictStr | StrictInt | StrictFloat

AMOUNT_IN = (
    '数值：数字或字符串，如 12.5、"12.5%"、"１２．５"、"1,234.5"；百分比以百分数计（12.5 即 12.5%）；'
    "最多 4 位小数；超过 15 位有效数字请用字符串"
)
PERIOD_IN = "月份：年-月，如 2026-10（也可写 2026/10、2026年10月）"
#: The codes of read_amount's refusals: they are about the amount field.
_AMOUNT_CODES = frozenset({"blank", "not_a_number", "negative", "precision", "too_large"})


def plain(amount: Decimal) -> Decimal:
    """The amount without the storage's trailing zeros: 12.5000 → 12.5, 1200.0000 → 1200."""
    if amount == amount.to_integral_value():
        return amount.quantize(Decimal(1))
    return amount.normalize()


def derivation_of(indicator: Indicator) -> tuple[str | None, str | None]:
    """The label and formula of a derived indicator's computation; none for a manual one."""
    if indicator.source != Source.DERIVED:
        return None, None
    if indicator.base_id is not None:
        return _("同比增速"), _(
            "（本期累计 ÷ 上年同期累计 − 1）× 100，按“%(base)s”的数值计算（1-N月累计对比上年同期）"
        ) % {"base": indicator.base}
    if indicator.derivation in derivations:
        derivation = derivations.get(indicator.derivation)
        return str(derivation.label), str(derivation.formula)
    return None, None


@contextmanager
def refusals(fields: dict[str, str] | None = None) -> Iterator[None]:
    """An action's refusal as the API answers it: "not allowed" is 403 with the message;
    a refused amount is a 400 naming the amount field; fields named as the model names
    them (`provider`) are renamed as the request names them (`provider_id`)."""
    try:
        yield
    except ValidationError as error:
        if getattr(error, "code", None) == "not_allowed":
            raise PermissionDenied("；".join(error.messages)) from None
        if getattr(error, "code", None) in _AMOUNT_CODES:
            raise ValidationError({"amount": error.messages}) from None
        if fields and hasattr(error, "error_dict"):
            raise ValidationError(
                {fields.get(name, name): messages for name, messages in error.message_dict.items()}
            ) from None
        raise


def read_period(text: str, field: str = "period") -> Period:
    try:
        return Period.parse(text)
    except ValueError as error:
        raise ValidationError({field: str(error)}) from None


def path_period(year: int, month: int) -> Period:
    try:
        return Period(year, month)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def cell(request: AuthedRequest, indicator_id: int, unit_id: int) -> tuple[Indicator, Unit]:
    """The indicator and unit a PUT names: 404 (naming which) when the user may not see
    them, as when they do not exist."""
    indicator = (
        Indicator.objects.restrict(request.user)
        .select_related("provider", "base")
        .filter(pk=indicator_id)
        .first()
    )
    if indicator is None:
        raise HttpError(404, _("没有编号为 %(id)s 的指标，或您无权访问。") % {"id": indicator_id})
    unit = Unit.objects.restrict(request.user).filter(pk=unit_id).first()
    if unit is None:
        raise HttpError(404, _("没有编号为 %(id)s 的单位，或您无权访问。") % {"id": unit_id})
    return indicator, unit
