from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentConfig(AppConfig):
    name = "bipin.talent"
    label = "talent"
    verbose_name = _("招才引智")

    def ready(self) -> None:
        from bipin.core.demo import demo_steps
        from bipin.core.excel import excel_kinds
        from bipin.org.models import UnitSection, unit_sections
        from bipin.talent.demo import TalentDemo
        from bipin.talent.imports import TALENTS_EXCEL
        from bipin.talent.views import unit_section

        demo_steps.add("talent", TalentDemo())
        excel_kinds.add("talents", TALENTS_EXCEL)
        # After the enterprises' section of a town's page (theirs is at 10).
        unit_sections.add("talent", UnitSection(order=20, render=unit_section))
