"""The upload form of the import page, shared by every Excel kind."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bipin.core.excel.reading import BookError, check_upload
from bipin.core.forms import StyledFormMixin

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(StyledFormMixin, forms.Form):
    """An .xlsx file to import; the checks here are the cheap ones (its kind and size),
    before the import reads a single row."""

    upload = forms.FileField(
        label=_("Excel 文件"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX}"}),
    )

    def __init__(self, *args: Any, reason_help: Any = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = gettext(
            "按导入模板填写的 .xlsx 文件，不超过 %(limit)s MB"
        ) % {"limit": settings.BIPIN_UPLOAD_MAX_MB}
        if reason_help:
            # Only for a kind that asks (ExcelKind.reason_help): the import gets it.
            self.fields["reason"] = forms.CharField(
                label=_("修改原因"),
                required=False,
                max_length=200,
                help_text=reason_help,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    def clean_upload(self) -> Any:
        upload = self.cleaned_data["upload"]
        try:
            check_upload(upload)
        except BookError as error:
            raise forms.ValidationError(str(error)) from None
        return upload
