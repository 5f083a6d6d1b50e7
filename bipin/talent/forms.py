"""Forms of the talent pages, and how a talent's employer and introducing unit are found
from what a person (or a script) gives. Each form validates what was typed; the action
checks the rules of the record (actions.py) and says what is wrong."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bipin.core.choices import Action
from bipin.core.excel import tidy
from bipin.core.forms import ReasonFormMixin, StyledFormMixin
from bipin.core.uscc import normalize_uscc
from bipin.enterprises.models import Enterprise
from bipin.org.forms import UnitChoiceField
from bipin.org.models import Unit
from bipin.talent.actions import TALENT_FIELDS
from bipin.talent.choices import Employment
from bipin.talent.models import Talent
from bipin.talent.querysets import TalentQuerySet

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def talent_units(user: Any, action: str) -> QuerySet[Unit]:
    """The units whose talents `user` may `action`: the introducing units a form offers.

    The same reach as `Talent.objects.restrict(user, action)`, read for units.
    """
    return Unit.objects.reached_by(user, TalentQuerySet, action)


def find_employer(text: str) -> Enterprise:
    """The enterprise a talent works for, by its unified social credit code or its exact
    name; a ValueError says why none (or more than one) is meant.

    Any enterprise of the district's register may employ a talent, also one of another
    town (the talent office introduces talents for the whole district): the user names
    it exactly, so nothing is listed that they may not see.
    """
    text = tidy(text or "")
    if not text:
        raise ValueError(employer_required())
    code = normalize_uscc(text)
    found = list(Enterprise.objects.filter(uscc=code)[:1]) if len(code) == 18 else []
    if not found:
        found = list(Enterprise.objects.filter(name=text)[:2])
    if len(found) > 1:
        raise ValueError(_("有多家企业名为“%(name)s”：请填写其统一社会信用代码。") % {"name": text})
    if not found:
        raise ValueError(
            _(
                "找不到工作单位“%(name)s”：请填写企业的统一社会信用代码或企业全称；企业尚未登记的，请先录入企业。"
            )
            % {"name": text}
        )
    return found[0]


def employer_required() -> str:
    return _("请填写工作单位：人才须有在本区登记的工作单位（企业）；企业尚未登记的，请先录入企业。")


class EmployerInput(forms.TextInput):
    """A text input with the enterprises the user may see as suggestions (a datalist of
    their codes, labelled with their names); any registered enterprise may be typed."""

    template_name = "talent/widgets/employer.html"
    #: Suggestions at most: a province's supervisor sees tens of thousands of enterprises.
    LIMIT = 2000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suggestions: QuerySet[Enterprise] = Enterprise.objects.none()

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        attrs = {**(attrs or {}), "list": f"{(attrs or {}).get('id', name)}-options"}
        context = super().get_context(name, value, attrs)
        context["widget"]["options"] = list(
            self.suggestions.order_by("name").values_list("uscc", "name")[: self.LIMIT]
        )
        return context


class EmployerField(forms.CharField):
    """The employer typed by its USCC or exact name, resolved to the Enterprise."""

    widget = EmployerInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.error_messages["required"] = employer_required()

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):  # the instance's employer_id, for an edit form
            enterprise = Enterprise.objects.filter(pk=value).first()
            return enterprise.uscc if enterprise else ""
        if isinstance(value, Enterprise):
            return value.uscc
        return value

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        try:
            return find_employer(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class TalentForm(StyledFormMixin, ReasonFormMixin, forms.ModelForm):
    """A talent's particulars, personal data included: only those who may change the
    talent open this form, and they see it in full."""

    employer = EmployerField(
        label=gettext_lazy("工作单位"),
        help_text=gettext_lazy("企业的统一社会信用代码或企业全称（须已在企业库登记）"),
    )
    introducing_unit = UnitChoiceField(queryset=Unit.objects.none(), label=gettext_lazy("引进单位"))

    class Meta:
        model = Talent
        fields = list(TALENT_FIELDS)
        widgets = {
            "note": forms.Textarea(attrs={"rows": 3}),
            "introduced_on": _DATE,
            "settled_on": _DATE,
        }
        help_texts = {
            "code": gettext_lazy("留空则自动生成，如 RC2026-0001"),
            "project_funding": gettext_lazy("单位：万元"),
            "phone": gettext_lazy("个人信息：仅本单位及督查室可见完整号码"),
            "id_number": gettext_lazy("18 位，末位为校验码；个人信息，不记入修改历史"),
            "settled_on": gettext_lazy("已落户的必填，不能晚于今天"),
            "introduced_on": gettext_lazy("不能晚于今天"),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        units = talent_units(user, Action.ADD if creating else Action.CHANGE)
        self.fields["introducing_unit"].queryset = units.with_tree_fields().order_siblings_by(  # type: ignore[attr-defined]
            "order", "code"
        )
        employer = self.fields["employer"]
        employer.widget.suggestions = Enterprise.objects.restrict(user)
        employer.widget.attrs.update({"autocomplete": "off"})
        if self.instance.employer_id:
            employer.help_text = _("当前：%(name)s。填写企业的统一社会信用代码或企业全称") % {
                "name": self.instance.employer.name
            }
        self.fields["code"].required = False
        self.fields["project_funding"].error_messages["min_value"] = _("项目资助金额不能为负数。")
        self.fields["phone"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "maxlength": 18})
        if creating:
            del self.fields["reason"]
            self.fields["introduced_on"].initial = timezone.localdate()
            self.fields["employment"].initial = Employment.FULL_TIME
            if user.unit_id and units.filter(pk=user.unit_id).exists():
                self.fields["introducing_unit"].initial = user.unit_id
        else:
            self.fields["code"].required = True

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip()

    def changes(self) -> dict[str, Any]:
        """The particulars to hand to the action."""
        return {
            name: self.cleaned_data[name] for name in TALENT_FIELDS if name in self.cleaned_data
        }
