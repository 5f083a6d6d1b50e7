"""A person's messages (消息) in the API: their own inbox, never anyone else's (another
person's message is 404, as one that does not exist), the unread count, and marking read.
"""

from datetime import datetime
from typing import Any

from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from bipin.alerts import actions
from bipin.alerts.choices import NotificationKind
from bipin.alerts.models import Notification
from bipin.core.views import AuthedRequest, get_restricted_or_404

router = Router(tags=["alerts"])


class NotificationOut(Schema):
    id: int
    kind: NotificationKind = Field(description="alert 预警、escalation 预警上报、digest 每日摘要")
    kind_label: str = Field(alias="get_kind_display")
    alert_id: int | None = Field(description="所涉预警的编号（/api/alerts/{id}）")
    title: str
    body: str
    link: str = Field(description="页面地址（需登录）")
    created_at: datetime
    read_at: datetime | None = Field(description="阅读时间；未读为空")
    read: bool = Field(description="已读")

    @staticmethod
    def resolve_read(notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationQuery(Schema):
    unread: bool | None = Field(None, description="true 仅未读，false 仅已读")


class UnreadCountOut(Schema):
    unread: int = Field(description="未读消息条数")


class ReadAllOut(Schema):
    marked: int = Field(description="本次标为已读的条数")


def _inbox(request: AuthedRequest) -> Any:
    return Notification.objects.restrict(request.user).inbox()


@router.get(
    "/notifications",
    response=list[NotificationOut],
    summary="我的消息",
    description="站内消息（不含邮件、钉钉的每日摘要本身），最新的在前。",
)
@paginate(PageNumberPagination)
def list_notifications(request: AuthedRequest, filters: Query[NotificationQuery]) -> Any:
    found = _inbox(request)
    if filters.unread is not None:
        found = found.filter(read_at__isnull=filters.unread)
    return found


@router.get("/notifications/unread-count", response=UnreadCountOut, summary="未读消息数")
def unread_count(request: AuthedRequest) -> Any:
    return {"unread": _inbox(request).unread().count()}


@router.post("/notifications/read-all", response=ReadAllOut, summary="全部标为已读")
def read_all(request: AuthedRequest) -> Any:
    return {"marked": actions.do_read_all_notifications(actor=request.user)}


@router.post(
    "/notifications/{notification_id}/read",
    response=NotificationOut,
    summary="标为已读",
    description="再次标记保留第一次的阅读时间。",
)
def read_notification(request: AuthedRequest, notification_id: int) -> Any:
    notification = get_restricted_or_404(
        Notification.objects.all(), request.user, pk=notification_id
    )
    return actions.do_read_notification(notification, actor=request.user)
