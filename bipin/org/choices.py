from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    """What kind of unit a node of the tree is. A district instance has one district at the
    root; a city or province instance has the city or province above its districts."""

    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    DEPARTMENT = "department", _("部门")
    SUBDISTRICT = "subdistrict", _("街道")
    TOWN = "town", _("乡镇")
    PLATFORM = "platform", _("平台")
