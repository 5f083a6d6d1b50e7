"""A person's messages: the inbox, the unread count in the top bar, opening a message,
"mark all read", and the choice of channels.

Messages are a person's own: somebody else's message is 404 like any object one may not
see. The count in the bell is one query, and the inbox's queries do not grow with the
number of messages.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bipin.alerts.choices import NotificationKind
from bipin.alerts.models import Notification, NotificationPreference
from bipin.conftest import District
from bipin.org.models import User

Login = Callable[[User], Client]


def _content(response: Any) -> str:
    return response.content.decode()


def message(
    recipient: User,
    title: str,
    *,
    link: str = "/alerts/rules/",
    read: bool = False,
    minutes_ago: int = 0,
    kind: str = NotificationKind.ALERT,
) -> Notification:
    now = timezone.now()
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title=title,
        body=f"{title}的内容",
        link=link,
        created_at=now - timedelta(minutes=minutes_ago),
        read_at=now if read else None,
    )


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Who may open the pages ----------------------------------------------------------------


@pytest.mark.parametrize("url", ["/alerts/inbox/", "/alerts/preferences/", "/alerts/inbox/1/"])
def test_anonymous_visitor_is_sent_to_login(db: None, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_inbox_lists_only_the_persons_own_messages(district: District, login: Login) -> None:
    message(district.clerk_a, "锦城的预警消息")
    message(district.clerk_b, "於潜的预警消息")
    page = _content(login(district.clerk_a).get("/alerts/inbox/"))
    assert "锦城的预警消息" in page
    assert "於潜的预警消息" not in page


def test_opening_another_persons_message_is_not_found(district: District, login: Login) -> None:
    theirs = message(district.clerk_b, "於潜的预警消息")
    response = login(district.clerk_a).get(f"/alerts/inbox/{theirs.pk}/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_inbox_does_not_list_digests(district: District, login: Login) -> None:
    digest = message(district.clerk_a, "督查预警每日摘要（3 条）", kind=NotificationKind.DIGEST)
    Notification.objects.filter(pk=digest.pk).update(digest_on=timezone.localdate())
    page = _content(login(district.clerk_a).get("/alerts/inbox/"))
    assert "每日摘要" not in page


# The inbox -------------------------------------------------------------------------------


def test_unread_messages_come_first_and_bold(district: District, login: Login) -> None:
    message(district.clerk_a, "较新的已读消息", read=True, minutes_ago=1)
    message(district.clerk_a, "较早的未读消息", minutes_ago=60)
    page = _content(login(district.clerk_a).get("/alerts/inbox/"))
    assert page.index("较早的未读消息") < page.index("较新的已读消息")
    unread_row = page[page.index("较早的未读消息") - 200 : page.index("较早的未读消息")]
    assert "fw-bold" in unread_row
    read_row = page[page.index("较新的已读消息") - 200 : page.index("较新的已读消息")]
    assert "fw-bold" not in read_row


def test_the_unread_filter_hides_read_messages(district: District, login: Login) -> None:
    message(district.clerk_a, "已读的消息", read=True)
    message(district.clerk_a, "未读的消息")
    page = _content(login(district.clerk_a).get("/alerts/inbox/?show=unread"))
    assert "未读的消息" in page
    assert "已读的消息" not in page


def test_the_inbox_is_paginated(district: District, login: Login) -> None:
    for number in range(55):
        message(district.clerk_a, f"第{number:02d}条消息", minutes_ago=number)
    client = login(district.clerk_a)
    first = _content(client.get("/alerts/inbox/"))
    second = _content(client.get("/alerts/inbox/?page=2"))
    assert "第00条消息" in first and "第54条消息" not in first
    assert "第54条消息" in second and "第00条消息" not in second


def test_the_inbox_queries_do_not_grow_with_the_messages(district: District, login: Login) -> None:
    client = login(district.clerk_a)
    for number in range(3):
        message(district.clerk_a, f"消息{number}")
    few = _count_queries(client, "/alerts/inbox/")
    for number in range(3, 28):
        message(district.clerk_a, f"消息{number}", read=number % 2 == 0)
    assert _count_queries(client, "/alerts/inbox/") == few


# The unread count ------------------------------------------------------------------------


def test_the_top_bar_shows_the_unread_count_on_every_page(district: District, login: Login) -> None:
    for number in range(3):
        message(district.clerk_a, f"消息{number}")
    message(district.clerk_a, "已读", read=True)
    page = _content(login(district.clerk_a).get("/account/"))
    assert 'id="inbox-bell"' in page
    assert 'id="unread-count">3<' in page


def test_no_count_is_shown_when_everything_is_read(district: District, login: Login) -> None:
    message(district.clerk_a, "已读", read=True)
    page = _content(login(district.clerk_a).get("/account/"))
    assert 'id="inbox-bell"' in page
    assert 'id="unread-count"' not in page


def test_the_count_costs_one_query(district: District, login: Login) -> None:
    client = login(district.clerk_a)
    message(district.clerk_a, "未读")
    with CaptureQueriesContext(connection) as queries:
        page = _content(client.get("/account/"))
    counts = [q["sql"] for q in queries if "alerts_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT(" in counts[0].upper()
    assert 'id="unread-count">1<' in page


def test_an_anonymous_page_has_no_bell(db: None) -> None:
    with CaptureQueriesContext(connection) as queries:
        page = _content(Client().get("/login/"))
    assert 'id="inbox-bell"' not in page
    assert not [q for q in queries if "alerts_notification" in q["sql"]]


def test_reading_a_message_lowers_the_count_and_follows_its_link(
    district: District, login: Login
) -> None:
    first = message(district.clerk_a, "第一条", link="/alerts/rules/")
    message(district.clerk_a, "第二条")
    client = login(district.clerk_a)
    assert 'id="unread-count">2<' in _content(client.get("/account/"))
    response = client.get(f"/alerts/inbox/{first.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/alerts/rules/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'id="unread-count">1<' in _content(client.get("/account/"))


def test_a_message_without_a_link_is_shown_and_marked_read(
    district: District, login: Login
) -> None:
    plain = message(district.clerk_a, "没有链接的消息", link="")
    response = login(district.clerk_a).get(f"/alerts/inbox/{plain.pk}/")
    assert response.status_code == 200
    assert "没有链接的消息的内容" in _content(response)
    plain.refresh_from_db()
    assert plain.read_at is not None


def test_a_link_off_the_site_is_not_followed(district: District, login: Login) -> None:
    outside = message(district.clerk_a, "外部链接", link="https://example.com/phish")
    response = login(district.clerk_a).get(f"/alerts/inbox/{outside.pk}/")
    assert response.status_code == 200
    assert "外部链接的内容" in _content(response)


def test_mark_all_read_reads_only_the_persons_messages(district: District, login: Login) -> None:
    for number in range(3):
        message(district.clerk_a, f"消息{number}")
    theirs = message(district.clerk_b, "於潜的消息")
    client = login(district.clerk_a)
    response = client.post("/alerts/inbox/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=district.clerk_a, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    page = _content(client.get(response["Location"]))
    assert "已将 3 条消息标为已读" in page
    assert 'id="unread-count"' not in page


def test_mark_all_read_must_be_posted(district: District, login: Login) -> None:
    message(district.clerk_a, "未读")
    assert login(district.clerk_a).get("/alerts/inbox/read-all/").status_code == 405
    assert Notification.objects.filter(read_at=None).count() == 1


# Preferences -----------------------------------------------------------------------------


def _with_address(user: User, address: str) -> User:
    User.objects.filter(pk=user.pk).update(email=address)
    user.refresh_from_db()
    return user


def test_preferences_show_the_address_mail_goes_to(district: District, login: Login) -> None:
    clerk = _with_address(district.clerk_a, "jincheng@example.gov.cn")
    page = _content(login(clerk).get("/alerts/preferences/"))
    assert "jincheng@example.gov.cn" in page


def test_preferences_say_mail_needs_an_address(district: District, login: Login) -> None:
    page = _content(login(district.clerk_a).get("/alerts/preferences/"))
    assert "没有填写邮箱地址" in page
    assert 'name="email"' in page and "disabled" in page


def test_a_person_chooses_mail_and_the_digest(district: District, login: Login) -> None:
    clerk = _with_address(district.clerk_a, "jincheng@example.gov.cn")
    response = login(clerk).post(
        "/alerts/preferences/",
        {"email": "on", "webhook": "on", "webhook_url": "", "daily_digest": "on"},
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=clerk)
    assert (preference.email, preference.webhook, preference.daily_digest) == (True, True, True)


def test_without_an_address_mail_cannot_be_chosen(district: District, login: Login) -> None:
    # Chosen earlier, when the account still had an address.
    NotificationPreference.objects.create(user=district.clerk_a, email=True)
    response = login(district.clerk_a).post(
        "/alerts/preferences/", {"email": "on", "webhook": "", "webhook_url": ""}
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=district.clerk_a).email is False


def test_a_bad_webhook_address_is_refused_at_its_field(district: District, login: Login) -> None:
    response = login(district.clerk_a).post(
        "/alerts/preferences/", {"webhook": "on", "webhook_url": "not a url"}
    )
    assert response.status_code == 200
    page = _content(response)
    assert "我的钉钉机器人地址：" in page
    assert not NotificationPreference.objects.filter(user=district.clerk_a).exists()


def test_a_person_sets_an_own_robot(district: District, login: Login) -> None:
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    login(district.clerk_a).post("/alerts/preferences/", {"webhook": "on", "webhook_url": url})
    preference = NotificationPreference.objects.get(user=district.clerk_a)
    assert preference.webhook and preference.webhook_url == url
