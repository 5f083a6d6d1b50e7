"""Forms of the scoring pages. Each section belongs to the pages named in its heading."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from bipin.core.forms import ReasonFormMixin, StyledFormMixin
from bipin.indicators.models import Indicator
from bipin.scoring.actions import ADJUSTMENT_FIELDS, ITEM_FIELDS, SCHEME_FIELDS
from bipin.scoring.models import Adjustment, Scheme, SchemeItem

# Schemes (views/schemes.py) ----------------------------------------------------------------
#
# A scheme is edited as one form (its own fields) and two formsets (its items; its bonuses
# and deductions). The forms check what was typed, field by field; the rules between the
# fields and the rows (a completion item needs an amount indicator, a threshold its two
# values, one item per indicator …) are actions.check_scheme's, and the page puts each of
# its messages next to the row it names.


class SchemeForm(StyledFormMixin, ReasonFormMixin, forms.ModelForm):
    """The scheme's own fields; a change of a saved scheme says why (its history keeps it)."""

    class Meta:
        model = Scheme
        fields = list(SCHEME_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["reason"]
        else:
            reason = self.fields["reason"]
            reason.required = True
            reason.error_messages["required"] = _("修改评分方案须说明原因（将记入修改历史）。")
            reason.help_text = _("评分规则的变化会影响各单位的得分，请说明原因；将记入修改历史")


def _model_field(model: type[models.Model], name: str, **overrides: Any) -> forms.Field:
    """The form field of a model field: its label, choices and precision, as the model says.

    The row forms are plain forms, not model forms: a model form checks each row's
    foreign keys with a query of its own, and a scheme's rows are many."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    field = model_field.formfield(**overrides)
    assert field is not None
    return field


class IndicatorRowMixin(forms.Form):
    """A row that names an indicator, chosen among `indicators` (read once per page, so
    that rendering and checking the rows takes no query per row)."""

    indicator = forms.TypedChoiceField(label=_("指标"), coerce=int, choices=())

    def __init__(self, *args: Any, indicators: Mapping[int, Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        field = self.fields["indicator"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("—— 请选择指标 ——"))] + [
            (pk, f"{indicator.name}（{indicator.get_kind_display()}）")
            for pk, indicator in indicators.items()
        ]
        field.error_messages["invalid_choice"] = _(
            "请选择本比拼组适用的启用指标（所选指标已停用或不适用于本组单位）。"
        )

    def clean_indicator(self) -> Indicator:
        return self.indicators[self.cleaned_data["indicator"]]


class SchemeItemForm(StyledFormMixin, IndicatorRowMixin):
    """One scored item. The fields a basis does not use stay as they are (the page hides
    them); the engine reads only the ones its basis needs."""

    weight = _model_field(SchemeItem, "weight")
    basis = _model_field(SchemeItem, "basis")
    # The cap bounds a threshold efficacy as well as a completion: named for both.
    cap = _model_field(SchemeItem, "cap", label=_("封顶倍数"))
    efficacy_form = _model_field(SchemeItem, "efficacy_form")
    satisfactory = _model_field(SchemeItem, "satisfactory")
    not_allowed = _model_field(SchemeItem, "not_allowed")
    rank_step = _model_field(SchemeItem, "rank_step", min_value=0, max_value=1)

    def spec_fields(self) -> dict[str, Any]:
        """The fields of actions.ItemSpec."""
        return {name: self.cleaned_data[name] for name in ITEM_FIELDS}


class AdjustmentForm(StyledFormMixin, IndicatorRowMixin):
    """One bonus or deduction."""

    kind = _model_field(Adjustment, "kind")
    name = _model_field(Adjustment, "name")
    counting = _model_field(Adjustment, "counting")
    per_unit = _model_field(Adjustment, "per_unit")
    cap = _model_field(Adjustment, "cap")

    field_order = ["kind", "name", "indicator", "counting", "per_unit", "cap"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].label = _("计数指标")

    def spec_fields(self) -> dict[str, Any]:
        """The fields of actions.AdjustmentSpec."""
        return {name: self.cleaned_data[name] for name in ADJUSTMENT_FIELDS}


#: Rows are added and removed on the page (a removed row is marked DELETE and hidden); a
#: new scheme starts with one blank item, which is skipped if left untouched.
ItemFormSet = forms.formset_factory(SchemeItemForm, extra=0, can_delete=True)
NewItemFormSet = forms.formset_factory(SchemeItemForm, extra=1, can_delete=True)
AdjustmentFormSet = forms.formset_factory(AdjustmentForm, extra=0, can_delete=True)


# 亩均 (views/evaluations.py) ---------------------------------------------------------------
#
# A year's 评价办法 is edited as one form (its year, name, class shares and minimum years
# in production) and one formset (its criteria: size, measure, weight, benchmark, cap). The
# rules between the rows (each size's measures, each once, at least one per size) are
# actions.evaluations.check_evaluation_scheme's; the page lists its messages above the rows.
# Imports of this part are here, so that it stands alone.

from bipin.enterprises.choices import Size  # noqa: E402
from bipin.scoring.actions.evaluations import (  # noqa: E402
    SCHEME_FIELDS as EVALUATION_SCHEME_FIELDS,
)
from bipin.scoring.actions.evaluations import CriterionSpec  # noqa: E402
from bipin.scoring.choices import Measure  # noqa: E402
from bipin.scoring.models import Criterion, EvaluationScheme  # noqa: E402


class EvaluationSchemeForm(StyledFormMixin, ReasonFormMixin, forms.ModelForm):
    """The scheme's own fields; a change of a saved scheme may say why (its history keeps
    it)."""

    class Meta:
        model = EvaluationScheme
        fields = list(EVALUATION_SCHEME_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["reason"]
        self.fields["share_a"].help_text = _("按得分从高到低的累计比例，如 20、60、95")
        for name in ("share_b", "share_c"):
            self.fields[name].help_text = ""


class CriterionForm(StyledFormMixin, forms.Form):
    """One criterion: a measure of one size of enterprise with its weight, benchmark and
    cap. A plain form (the scheme is set by the action)."""

    # A blank first choice, so that a blank row left as it is stays blank (is not saved).
    size = forms.ChoiceField(label=_("企业类别"), choices=[("", "—"), *Size.choices])
    measure = forms.ChoiceField(label=_("评价指标"), choices=[("", "—"), *Measure.choices])
    weight = _model_field(Criterion, "weight")
    benchmark = _model_field(Criterion, "benchmark")
    cap = _model_field(Criterion, "cap", help_text="")

    def spec(self) -> CriterionSpec:
        data = self.cleaned_data
        return CriterionSpec(
            size=data["size"],
            measure=data["measure"],
            weight=data["weight"],
            benchmark=data["benchmark"],
            cap=data["cap"],
        )


#: The criteria of a scheme; two blank rows to add measures, a row marked DELETE removed.
CriterionFormSet = forms.formset_factory(CriterionForm, extra=2, can_delete=True)
