from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "bipin.enterprises"
    label = "enterprises"
    verbose_name = _("企业服务")

    def ready(self) -> None:
        from bipin.core.demo import demo_steps
        from bipin.core.excel import excel_kinds
        from bipin.enterprises.demo.enterprises import EnterprisesDemo
        from bipin.enterprises.imports.enterprises import ENTERPRISES_EXCEL
        from bipin.enterprises.models import Enterprise
        from bipin.enterprises.views.enterprises import unit_section
        from bipin.org.models import UnitSection, linkable_models, unit_sections

        linkable_models.add("enterprises.enterprise", Enterprise)
        # Enterprises: registered first, since the requests' demo step needs them.
        demo_steps.add("enterprises", EnterprisesDemo())
        excel_kinds.add("enterprises", ENTERPRISES_EXCEL)
        unit_sections.add("enterprises", UnitSection(order=10, render=unit_section))
        # Service requests.
        from bipin.enterprises.demo.requests import RequestsDemo
        from bipin.enterprises.imports.requests import REQUESTS_EXCEL

        demo_steps.add("requests", RequestsDemo())
        excel_kinds.add("requests", REQUESTS_EXCEL)
