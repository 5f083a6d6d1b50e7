"""The main navigation: the modules of bipin in the order of the work (DESIGN.md).

A module appears in the menu from the start; it links to its page once its app provides
the named URL, and is shown as not yet available until then.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Module:
    key: str
    label: str | Promise
    icon: str
    url_name: str


MODULES = [
    Module("projects", _("招商引资"), "bi-briefcase", "projects:list"),
    Module("talent", _("招才引智"), "bi-mortarboard", "talent:list"),
    Module("enterprises", _("企业服务"), "bi-buildings", "enterprises:list"),
    Module("indicators", _("指标数据"), "bi-table", "indicators:list"),
    Module("scoring", _("比拼"), "bi-trophy", "scoring:list"),
    Module("alerts", _("督查预警"), "bi-bell", "alerts:list"),
    Module("bulletins", _("通报"), "bi-file-earmark-text", "bulletins:list"),
    Module("cockpit", _("驾驶舱"), "bi-speedometer2", "cockpit:home"),
]


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str | Promise
    icon: str
    url: str | None


def main_menu() -> list[MenuItem]:
    items = []
    for module in MODULES:
        try:
            url: str | None = reverse(module.url_name)
        except NoReverseMatch:
            url = None
        items.append(MenuItem(module.key, module.label, module.icon, url))
    return items
