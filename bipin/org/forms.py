"""Forms of the organisation pages. Each validates input for its action; the action
validates the whole object again."""

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bipin.core.choices import Role
from bipin.core.forms import ReasonFormMixin, StyledFormMixin
from bipin.org.models import Group, Link, Unit, User


class UnitChoiceField(forms.ModelChoiceField):
    """Units shown with their place in the tree."""

    def label_from_instance(self, obj: Unit) -> str:
        depth = getattr(obj, "tree_depth", 0)
        return f"{'　' * depth}{obj.name}"


class UnitForm(StyledFormMixin, ReasonFormMixin, forms.ModelForm):
    parent = UnitChoiceField(queryset=Unit.objects.none(), required=False, label=_("上级单位"))

    class Meta:
        model = Unit
        fields = ["kind", "code", "name", "short_name", "parent", "order", "active"]

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = units.with_tree_fields().order_siblings_by("order", "code")  # type: ignore[attr-defined]
        if self.instance.pk is None:
            del self.fields["reason"]


class GroupForm(StyledFormMixin, ReasonFormMixin, forms.ModelForm):
    members: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        label=_("成员单位"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("每个单位每年只能参加一个比拼组"),
    )

    class Meta:
        model = Group
        fields = ["year", "code", "name", "order"]

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = units.active().order_by("kind", "order", "code")  # type: ignore[attr-defined]
        if self.instance.pk is None:
            self.fields["year"].initial = timezone.localdate().year
            del self.fields["reason"]
        else:
            self.fields["members"].initial = list(
                self.instance.members.values_list("pk", flat=True)
            )


class PersonForm(StyledFormMixin, ReasonFormMixin, forms.ModelForm):
    unit = UnitChoiceField(queryset=Unit.objects.none(), label=_("所在单位"))

    class Meta:
        model = User
        fields = ["username", "name", "title", "phone", "email", "unit", "role", "is_active"]
        labels = {"username": _("用户名"), "email": _("电子邮箱"), "is_active": _("启用")}

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.with_tree_fields().order_siblings_by("order", "code")  # type: ignore[attr-defined]
        self.fields["name"].required = True
        if self.instance.pk is None:
            del self.fields["reason"]


class PasswordFieldsMixin(forms.Form):
    password1 = forms.CharField(
        label=_("密码"), widget=forms.PasswordInput(render_value=False), strip=False
    )
    password2 = forms.CharField(
        label=_("确认密码"), widget=forms.PasswordInput(render_value=False), strip=False
    )

    def clean_password2(self) -> str:
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data["password2"]
        if first and first != second:
            raise forms.ValidationError(_("两次输入的密码不一致。"))
        password_validation.validate_password(second, getattr(self, "instance", None))
        return second


class NewPersonForm(PasswordFieldsMixin, PersonForm):
    class Meta(PersonForm.Meta):
        pass


class SetPasswordForm(StyledFormMixin, PasswordFieldsMixin, forms.Form):
    def __init__(self, *args: Any, person: User, **kwargs: Any) -> None:
        self.instance = person
        super().__init__(*args, **kwargs)


class LinkForm(StyledFormMixin, forms.ModelForm):
    leader = forms.ModelChoiceField(
        queryset=User.objects.filter(role=Role.LEADER, is_active=True), label=_("挂联领导")
    )

    class Meta:
        model = Link
        fields = ["leader", "duty", "started_on", "note"]
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["started_on"].initial = timezone.localdate()


class EndLinkForm(StyledFormMixin, ReasonFormMixin, forms.Form):
    ended_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()
