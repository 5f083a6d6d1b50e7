"""The organisation: units as a tree, competition groups, people with their roles, and
leaders' links (挂联) to the objects they are responsible for."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from tree_queries.fields import TreeNodeForeignKey
from tree_queries.models import TreeNode

from bipin.core.choices import Role
from bipin.core.history import History
from bipin.core.registry import Registry
from bipin.org.choices import UnitKind
from bipin.org.querysets import GroupQuerySet, LinkQuerySet, PersonQuerySet, UnitQuerySet

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]*$", _("代码只能由字母、数字、下划线和短横线组成")
)


class Unit(TreeNode):
    """A department, town, subdistrict, platform or the district itself (单位).

    Units form a tree: the district at the root, its units below, and a city or province
    instance has districts under a city. Every record of every app belongs to a unit, and
    a unit's people see their unit and its sub-units.
    """

    parent = TreeNodeForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级单位"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    code = models.CharField(_("代码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    order = models.PositiveIntegerField(
        _("排序"), default=0, help_text=_("同级单位按此数字从小到大排列")
    )
    active = models.BooleanField(_("启用"), default=True)

    objects = UnitQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:unit", args=[self.pk])

    @property
    def label(self) -> str:
        """The short name where there is one, for tables and charts."""
        return self.short_name or self.name

    @property
    def link_unit_id(self) -> int:
        """A unit linked to a leader (领导联系乡镇) belongs to itself."""
        return self.pk


class Group(models.Model):
    """A competition group (比拼组) of one year: units scored against each other.

    A unit competes in at most one group a year (towns against towns, departments against
    departments), so its rank has one meaning.
    """

    year = models.PositiveIntegerField(_("年度"))
    code = models.CharField(_("代码"), max_length=32, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveIntegerField(_("排序"), default=0)
    members = models.ManyToManyField(
        Unit, through="GroupMember", related_name="competition_groups", verbose_name=_("成员单位")
    )

    objects = GroupQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("比拼组")
        verbose_name_plural = _("比拼组")
        ordering = ["-year", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["year", "code"], name="group_code_unique_per_year"),
            models.UniqueConstraint(fields=["year", "name"], name="group_name_unique_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("org:group", args=[self.pk])


class GroupMember(models.Model):
    """A unit's membership of a group; kept as a row of its own so that joining and
    leaving a group is in the history."""

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("比拼组")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("单位")
    )
    year = models.PositiveIntegerField(_("年度"), editable=False)

    history = History()

    class Meta:
        verbose_name = _("比拼组成员")
        verbose_name_plural = _("比拼组成员")
        ordering = ["unit__order", "unit__code"]
        constraints = [
            # The year is copied from the group so that the database itself keeps a unit
            # in one group a year.
            models.UniqueConstraint(fields=["year", "unit"], name="one_group_per_unit_and_year"),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.unit}"


class UserManager(DjangoUserManager.from_queryset(PersonQuerySet)):  # type: ignore[misc]
    """Django's user manager with the scoping of people."""

    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> "User":
        # A superuser made with `bipin createsuperuser` is the supervision office's.
        extra_fields.setdefault("role", Role.SUPERVISOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: a member of one unit with one role (DESIGN.md)."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("所在单位"),
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.UNIT_CLERK)

    objects: ClassVar[UserManager] = UserManager()
    history = History(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["unit__order", "username"]

    def __str__(self) -> str:
        return self.name or self.username

    def get_absolute_url(self) -> str:
        return reverse("org:person", args=[self.pk])

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name or self.username

    def scope_unit_ids(self) -> list[int]:
        """The ids of the user's unit and all units below it; computed once per request."""
        cached: list[int] | None = getattr(self, "_scope_unit_ids", None)
        if cached is None:
            cached = [] if self.unit_id is None else Unit.objects.subtree_ids(self.unit_id)
            self._scope_unit_ids = cached
        return cached

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role in (Role.SUPERVISOR, Role.LEADER)


#: Models whose objects a leader can be linked to, by model label ("org.unit",
#: "projects.project" …). Each provides `link_unit_id`, the unit the object belongs to.
linkable_models: Registry[type[models.Model]] = Registry("linkable model")


@dataclass(frozen=True)
class UnitSection:
    """A section of a unit's page that a higher app adds (a town's enterprises, its
    talents): `render(request, unit)` returns its HTML (render_to_string's, so safe), of
    what the user may see."""

    order: int
    render: Callable[[Any, "Unit"], str]


#: The sections of a unit's page, by app ("enterprises", "talent" …), shown by `order`.
unit_sections: Registry[UnitSection] = Registry("unit page section")


class Link(models.Model):
    """A leader's responsibility for an object (领导挂联): a town, a project, an enterprise.

    The object is generic so that every app can make its objects linkable; the unit it
    belongs to is kept on the link, so that a unit's people see who is linked to their
    objects and the scoping stays one filter.
    """

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="links",
        limit_choices_to={"role": Role.LEADER},
        verbose_name=_("挂联领导"),
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("对象类型")
    )
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    target = GenericForeignKey("content_type", "object_id")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="links", verbose_name=_("所属单位")
    )
    duty = models.CharField(
        _("职责"), max_length=50, blank=True, help_text=_("如：联系乡镇、项目推进、企业服务")
    )
    note = models.TextField(_("备注"), blank=True)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    objects = LinkQuerySet.as_manager()
    history = History()

    class Meta:
        verbose_name = _("领导挂联")
        verbose_name_plural = _("领导挂联")
        ordering = ["leader__username", "-started_on"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["leader", "content_type", "object_id"],
                condition=models.Q(ended_on__isnull=True),
                name="one_current_link_per_leader_and_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.leader} → {self.target}"

    def get_absolute_url(self) -> str:
        return reverse("org:link", args=[self.pk])

    @property
    def is_current(self) -> bool:
        return self.ended_on is None
