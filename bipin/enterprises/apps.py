from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "bipin.enterprises"
    label = "enterprises"
    verbose_name = _("企业服务")

    def ready(self) -> None:
        from bipin.enterprises.models import Enterprise
        from bipin.org.models import linkable_models

        linkable_models.add("enterprises.enterprise", Enterprise)
