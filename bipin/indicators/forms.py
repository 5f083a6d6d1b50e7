"""Forms of the indicator pages. Each section belongs to the pages named in its heading."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bipin.core.forms import ReasonFormMixin, StyledFormMixin
from bipin.indicators.actions import INDICATOR_FIELDS
from bipin.indicators.choices import IndicatorKind
from bipin.indicators.derived import derivations
from bipin.indicators.models import Indicator
from bipin.org.choices import UnitKind
from bipin.org.models import Unit

# Catalogue and targets ---------------------------------------------------------------------


def derivation_choices() -> list[tuple[str, str]]:
    """The registered derivations, by their label (the registry fills at start-up)."""
    return [("", "—")] + [(key, str(derivation.label)) for key, derivation in derivations.items()]


class IndicatorForm(StyledFormMixin, ReasonFormMixin, forms.ModelForm):
    """An indicator of the catalogue (the supervisor's). The form checks what was typed;
    do_save_indicator checks the rules between the fields (a derived indicator names its
    derivation or its base, a base is a cumulative indicator …) and names the field."""

    derivation = forms.ChoiceField(
        label=gettext_lazy("计算方法"),
        required=False,
        help_text=gettext_lazy("系统计算指标所用的计算方法（统计哪些记录）；填报指标留空"),
    )
    unit_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("适用单位类型"),
        choices=UnitKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一种报送本指标的单位类型。")},
    )

    class Meta:
        model = Indicator
        fields = list(INDICATOR_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["derivation"]).choices = derivation_choices()
        provider = self.fields["provider"]
        provider.queryset = Unit.objects.filter(kind=UnitKind.DEPARTMENT).order_by(  # type: ignore[attr-defined]
            "order", "code"
        )
        provider.empty_label = _("（各单位自行填报）")  # type: ignore[attr-defined]
        base = self.fields["base"]
        bases = Indicator.objects.filter(kind=IndicatorKind.CUMULATIVE)
        if self.instance.pk is not None:
            bases = bases.exclude(pk=self.instance.pk)
        base.queryset = bases  # type: ignore[attr-defined]
        base.empty_label = _("（无）")  # type: ignore[attr-defined]
        self.fields["decimals"].widget.attrs.update({"min": 0, "max": 4})
        self.fields["code"].widget.attrs.update({"autocomplete": "off"})
        self.fields["kind"].help_text = _(
            "累计值：1–N 月累计数；期末值：月末时点数；比率、增速以百分数（%）填报"
        )
        # Stored as a comma list ("subdistrict,town"); the boxes take a list.
        self.initial["unit_kinds"] = self.instance.applies_to_kinds()
        if self.instance.pk is None:
            del self.fields["reason"]
        else:
            reason = self.fields["reason"]
            reason.required = True
            reason.error_messages["required"] = _("修改指标须说明原因（将记入修改历史）。")
            reason.help_text = _("指标口径的变化会影响评分，请说明原因；将记入修改历史")

    def clean_unit_kinds(self) -> str:
        return ",".join(self.cleaned_data["unit_kinds"])

    def changes(self) -> dict[str, Any]:
        """The fields to hand to do_save_indicator."""
        return {name: self.cleaned_data[name] for name in INDICATOR_FIELDS}


# Entry -------------------------------------------------------------------------------------


class ReturnValueForm(StyledFormMixin, forms.Form):
    """退回: the approver sends a value back to its owner, saying why."""

    reason = forms.CharField(label=gettext_lazy("退回原因"), max_length=200)


class CorrectValueForm(StyledFormMixin, forms.Form):
    """The supervisor's correction of a locked value; the reason goes into its history."""

    amount = forms.CharField(
        label=gettext_lazy("更正后的数值"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("更正原因"),
        max_length=200,
        help_text=gettext_lazy("将记入修改历史"),
    )


class DeadlineForm(StyledFormMixin, forms.Form):
    deadline = forms.DateField(
        label=gettext_lazy("报送截止日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


#: The owner filter of the progress page: every owner, the units themselves, or one data
#: provider (by its id).
OWNER_UNITS = "units"


class ProgressFilterForm(forms.Form):
    """Who has not submitted what, for one owner: the units themselves or a department."""

    owner = forms.ChoiceField(label=gettext_lazy("报送责任"), required=False)

    def __init__(self, *args: Any, providers: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = [
            ("", gettext_lazy("全部报送责任")),
            (OWNER_UNITS, gettext_lazy("各单位自行填报")),
            *((str(unit.pk), unit.name) for unit in providers),
        ]
        owner.widget.attrs["class"] = "form-select form-select-sm"
