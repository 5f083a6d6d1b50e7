"""Forms of the enterprises' pages. Each validates what a person typed; the action checks
the whole record again and says what is wrong."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bipin.core.choices import Action
from bipin.core.forms import ReasonFormMixin, StyledFormMixin
from bipin.core.uscc import normalize_uscc, validate_uscc
from bipin.enterprises.actions import CATEGORY_FIELDS, ENTERPRISE_FIELDS, REQUEST_FIELDS
from bipin.enterprises.choices import Satisfaction
from bipin.enterprises.models import (
    LOCAL_UNIT_KINDS,
    Enterprise,
    ServiceCategory,
    ServiceRequest,
)
from bipin.enterprises.querysets import EnterpriseQuerySet
from bipin.org.choices import UnitKind
from bipin.org.models import Unit
from bipin.projects.forms import IndustryChoiceField
from bipin.projects.models import Industry

# Enterprises -------------------------------------------------------------------------------


def enterprise_units(user: Any, action: str) -> QuerySet[Unit]:
    """The towns and subdistricts whose enterprises `user` may `action`: the units a form
    offers, and the API accepts. The same reach as `Enterprise.objects.restrict(user,
    action)`, read for units."""
    return Unit.objects.filter(kind__in=LOCAL_UNIT_KINDS).reached_by(
        user, EnterpriseQuerySet, action
    )


class EnterpriseForm(StyledFormMixin, ReasonFormMixin, forms.ModelForm):
    """The particulars of an enterprise; a change says why, for the history."""

    industry = IndustryChoiceField(
        queryset=Industry.objects.filter(section__isnull=False).order_by("code"),
        label=_("所属行业"),
        help_text=_("国民经济行业分类（GB/T 4754-2017）大类"),
    )
    unit: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Unit.objects.none(), label=_("所属镇街")
    )

    class Meta:
        model = Enterprise
        fields = list(ENTERPRISE_FIELDS)
        help_texts = {
            "uscc": _("18 位，数字或除 I、O、Z、S、V 外的大写字母，最后一位为校验码"),
            "land_area": _("单位：亩；没有自有用地可留空"),
            "is_key": _("区级重点企业：可设置挂联领导"),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        units = enterprise_units(user, Action.ADD if creating else Action.CHANGE)
        self.fields["unit"].queryset = units.order_by("order", "code")  # type: ignore[attr-defined]
        self.fields["uscc"].widget.attrs.update(
            {"maxlength": 18, "autocomplete": "off", "spellcheck": "false"}
        )
        self.fields["land_area"].widget.attrs.update({"min": 0, "step": "0.01"})
        self.fields["employees"].widget.attrs["min"] = 0
        if creating:
            del self.fields["reason"]
            if user.unit_id and units.filter(pk=user.unit_id).exists():
                self.fields["unit"].initial = user.unit_id

    def clean_uscc(self) -> str:
        """Folded to upper case without spaces, then checked: the message says which
        position is wrong."""
        code = normalize_uscc(self.cleaned_data.get("uscc") or "")
        try:
            validate_uscc(code)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return code

    def changes(self) -> dict[str, Any]:
        """The particulars to hand to the action."""
        return {
            name: self.cleaned_data[name] for name in ENTERPRISE_FIELDS if name in self.cleaned_data
        }


# Service requests --------------------------------------------------------------------------


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _until_today(field: forms.Field) -> None:
    """A date picker that offers no day after today (what it asks has happened), today
    first."""
    field.widget.attrs["max"] = timezone.localdate().isoformat()
    field.initial = timezone.localdate()


def request_enterprises(user: Any) -> QuerySet[Enterprise]:
    """The enterprises whose requests `user` may take in: those of their town (the
    supervisor: all), the same reach as the actions' town check."""
    return Enterprise.objects.restrict(user, Action.CHANGE).select_related("unit")


class EnterpriseChoiceField(forms.ModelChoiceField):
    """An enterprise shown with its town, so that two of the same name can be told apart."""

    def label_from_instance(self, obj: Enterprise) -> str:
        return f"{obj.name}（{obj.unit.name}）"


class CategoryChoiceField(forms.ModelChoiceField):
    """A category shown with its time limit."""

    def label_from_instance(self, obj: ServiceCategory) -> str:
        return _("%(name)s（%(days)s 天）") % {"name": obj.name, "days": obj.time_limit_days}


class RequestForm(StyledFormMixin, ReasonFormMixin, forms.ModelForm):
    """A request's particulars: a new one also says the day it came in; a change says why."""

    enterprise = EnterpriseChoiceField(queryset=Enterprise.objects.none(), label=_("企业"))
    category = CategoryChoiceField(queryset=ServiceCategory.objects.none(), label=_("诉求类别"))
    submitted_on = forms.DateField(
        label=_("提交日期"),
        help_text=_("办理期限自这一天按类别的时限算起"),
        widget=_date_input(),
    )

    class Meta:
        model = ServiceRequest
        fields = list(REQUEST_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    field_order = ["enterprise", "category", "intake", "submitted_on", "description", "reason"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        self.fields["enterprise"].queryset = request_enterprises(user).order_by("name", "uscc")  # type: ignore[attr-defined]
        categories = ServiceCategory.objects.active()
        if not creating:
            # A category switched off later stays on the requests that carry it.
            categories = categories | ServiceCategory.objects.filter(pk=self.instance.category_id)
        self.fields["category"].queryset = categories.order_by("order", "name")  # type: ignore[attr-defined]
        if creating:
            del self.fields["reason"]
            _until_today(self.fields["submitted_on"])
        else:
            del self.fields["submitted_on"]

    def changes(self) -> dict[str, Any]:
        """The particulars to hand to the action."""
        return {name: self.cleaned_data[name] for name in REQUEST_FIELDS}


class AssignForm(StyledFormMixin, forms.Form):
    departments: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.filter(kind=UnitKind.DEPARTMENT, active=True).order_by(
            "order", "code"
        ),
        label=_("承办部门"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("可选多个部门；再次分派将替换原承办部门"),
    )
    note = forms.CharField(
        label=_("分派说明"), required=False, max_length=500, help_text=_("留空则记为“分派至：部门”")
    )


class StartForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("受理说明"), required=False, max_length=500)


class FinishForm(StyledFormMixin, forms.Form):
    reply = forms.CharField(
        label=_("答复意见"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    visits = forms.IntegerField(
        label=_("跑动次数"),
        min_value=0,
        max_value=99,
        help_text=_("企业为此事到部门现场的次数，未跑动填 0；承诺最多一次"),
    )
    done_on = forms.DateField(label=_("办结日期"), widget=_date_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _until_today(self.fields["done_on"])


class CloseForm(StyledFormMixin, forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("企业满意度"),
        choices=[("", _("请选择企业的评价")), *Satisfaction.choices],
        help_text=_("企业不满意且仍可办理的，请“重新打开”退回承办部门"),
    )
    closed_on = forms.DateField(label=_("关闭日期"), widget=_date_input())
    note = forms.CharField(label=_("说明"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _until_today(self.fields["closed_on"])


class ReopenForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("企业不满意的原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("诉求将退回承办部门重新办理，原办结日期和满意度作废"),
    )


class CategoryForm(StyledFormMixin, ReasonFormMixin, forms.ModelForm):
    """A category of requests and its time limit (the supervisor's configurable list)."""

    class Meta:
        model = ServiceCategory
        fields = list(CATEGORY_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_limit_days"].widget.attrs.update({"min": 1, "max": 365})
        if self.instance.pk is None:
            del self.fields["reason"]
        else:
            self.fields["time_limit_days"].help_text = _(
                "新的时限只用于此后提交的诉求，已提交诉求的办理期限不变"
            )

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CATEGORY_FIELDS}
