from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from bipin.org.models import Group, GroupMember, Link, Unit, User


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "short_name", "kind", "parent", "order", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "short_name"]


class GroupMemberInline(admin.TabularInline):
    model = GroupMember
    extra = 0
    readonly_fields = ["year"]


@admin.register(Group)
class GroupAdmin(SimpleHistoryAdmin):
    list_display = ["year", "code", "name", "order"]
    list_filter = ["year"]
    inlines = [GroupMemberInline]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "name", "unit", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "name", "phone"]
    ordering = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("bipin", {"fields": ("name", "title", "phone", "email", "unit", "role")}),
        (
            "Django",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                    "last_login",
                    "date_joined",
                )
            },
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "unit", "role", "password1", "password2"),
            },
        ),
    )


@admin.register(Link)
class LinkAdmin(SimpleHistoryAdmin):
    list_display = ["leader", "content_type", "object_id", "unit", "duty", "started_on", "ended_on"]
    list_filter = ["leader", "content_type"]
