from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "bipin.indicators"
    label = "indicators"
    verbose_name = _("指标数据")

    def ready(self) -> None:
        from bipin.core.demo import demo_steps
        from bipin.indicators.demo import IndicatorsDemo

        demo_steps.add("indicators", IndicatorsDemo())

        # The statistics bureau's monthly report and the supervision office's target sheet.
        from bipin.core.excel import excel_kinds
        from bipin.indicators.imports.targets import TARGETS_EXCEL
        from bipin.indicators.imports.values import VALUES_EXCEL

        excel_kinds.add("values", VALUES_EXCEL)
        excel_kinds.add("targets", TARGETS_EXCEL)

        # A unit's page shows how it stands against its targets.
        from bipin.indicators.views.units import unit_section
        from bipin.org.models import UnitSection, unit_sections

        unit_sections.add("indicators", UnitSection(order=5, render=unit_section))
