"""Form rendering in the page shell's style, and forms of core objects."""

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from bipin.core.models import ApiToken


class BootstrapFormRenderer(TemplatesSetting):
    """Renders every form and field with the project's templates (Bootstrap 5 markup)."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


_CLASS_BY_WIDGET: dict[type[forms.Widget], str] = {
    forms.CheckboxInput: "form-check-input",
    forms.Select: "form-select",
    forms.SelectMultiple: "form-select",
    forms.RadioSelect: "form-check-input",
    forms.CheckboxSelectMultiple: "form-check-input",
}


class StyledFormMixin:
    """Gives every widget its Bootstrap class, and marks invalid fields after validation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            css = _CLASS_BY_WIDGET.get(type(field.widget), "form-control")
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class ReasonFormMixin(forms.Form):
    """A change of a domain object says why; the reason goes into its history."""

    reason = forms.CharField(
        label=_("修改原因"),
        max_length=200,
        required=False,
        help_text=_("将记入修改历史"),
    )


class ApiTokenForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
        labels = {"name": _("用途")}
        help_texts = {"name": _("例如：统计局数据对接脚本")}
