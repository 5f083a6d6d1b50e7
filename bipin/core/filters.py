"""The base of every list's filter class."""

from typing import Any

import django_filters

from bipin.core.forms import StyledFormMixin


class FilterSet(django_filters.FilterSet):
    """A django-filter FilterSet whose form has the page shell's styling."""

    def get_form_class(self) -> Any:
        return type(f"{type(self).__name__}Form", (StyledFormMixin, super().get_form_class()), {})
