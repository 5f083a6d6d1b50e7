"""Forms of the alert pages. Each checks what a person typed; the action checks the
alert's state (open, standing) and the dates, and says what is wrong at the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bipin.core.forms import StyledFormMixin

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AcknowledgeForm(StyledFormMixin, forms.Form):
    """认领: what the unit will do about the finding, and by when."""

    remedy = forms.CharField(
        label=_("整改措施"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("写明将采取的措施，例如：约谈项目业主，督促完成供地手续"),
    )
    remedy_due = forms.DateField(label=_("计划完成日期"), widget=_DATE)


class RespondForm(StyledFormMixin, forms.Form):
    """书面回复: the unit's written answer to the finding."""

    response = forms.CharField(
        label=_("回复内容"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("新的回复替换页面上显示的回复，每次回复都记入处理记录"),
    )


class CloseForm(StyledFormMixin, forms.Form):
    """人工解除 (the supervisor): why the alert no longer stands."""

    reason = forms.CharField(
        label=_("解除原因"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=_("若预警条件仍然成立，下次核查时会再次触发"),
    )
