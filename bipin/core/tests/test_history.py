"""Every change of a domain model records who, when, what and why, and shows on its page."""

from bipin.core.history import history_entries
from bipin.org import actions


def test_changing_a_unit_records_who_what_when_and_why(district):
    actions.do_update_unit(
        district.town_a,
        actor=district.supervisor,
        reason="更名",
        name="锦城新区街道",
        parent=district.office,
    )
    latest = history_entries(district.town_a)[0]
    assert latest.who == "督查员"
    assert latest.reason == "更名"
    changes = {change.label: (change.old, change.new) for change in latest.changes}
    assert changes["名称"] == ("锦城街道", "锦城新区街道")
    assert changes["上级单位"] == ("临安区", "区发展和改革局")  # names, not ids
    assert latest.when is not None


def test_the_change_is_visible_on_the_units_page(district, login):
    actions.do_update_unit(
        district.town_a, actor=district.supervisor, reason="区划调整", short_name="锦城区"
    )
    page = login(district.clerk_a).get(district.town_a.get_absolute_url()).content.decode()
    assert "修改历史" in page
    assert "区划调整" in page
    assert "督查员" in page
    assert "<del>锦城</del>" in page and "<ins>锦城区</ins>" in page


def test_a_password_reset_is_in_the_history_without_the_password(district):
    actions.do_set_password(
        district.clerk_a, actor=district.supervisor, password="another-pass-123"
    )
    latest = history_entries(district.clerk_a)[0]
    assert latest.reason == "重置密码"
    assert all(change.label != "password" for change in latest.changes)
    assert not hasattr(district.clerk_a.history.first(), "password")


def test_history_reads_take_a_fixed_number_of_queries(district, django_assert_max_num_queries):
    for number in range(20):
        actions.do_update_unit(
            district.town_a, actor=district.supervisor, reason=f"第{number}次", order=number
        )
    with django_assert_max_num_queries(2):
        entries = history_entries(district.town_a)
    assert len(entries) == 21
