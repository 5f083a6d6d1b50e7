"""The scoping queryset: who sees and changes which units, groups, people and links."""

import pytest
from django.contrib.auth.models import AnonymousUser

from bipin.core.choices import Action
from bipin.org.models import Group, Link, Unit, User


def visible(model, user, action=Action.VIEW):
    return set(model.objects.restrict(user, action).values_list("pk", flat=True))


def test_a_units_people_see_their_unit_and_its_sub_units_only(district):
    d = district
    assert visible(Unit, d.clerk_a) == {d.town_a.pk, d.village_a.pk}
    assert visible(Unit, d.manager_a) == {d.town_a.pk, d.village_a.pk}
    assert visible(Unit, d.clerk_b) == {d.town_b.pk}


def test_supervisors_leaders_and_data_providers_see_every_unit(district):
    everything = set(Unit.objects.values_list("pk", flat=True))
    for user in (district.supervisor, district.leader, district.provider):
        assert visible(Unit, user) == everything


def test_viewers_see_published_results_only_so_no_units(district):
    assert visible(Unit, district.viewer) == set()
    assert visible(User, district.viewer) == set()


def test_anonymous_and_deactivated_users_see_nothing(district):
    assert visible(Unit, AnonymousUser()) == set()
    district.supervisor.is_active = False
    assert visible(Unit, district.supervisor) == set()


def test_only_the_supervisor_changes_the_tree(district):
    everything = set(Unit.objects.values_list("pk", flat=True))
    assert visible(Unit, district.supervisor, Action.CHANGE) == everything
    for user in (
        district.leader,
        district.manager_a,
        district.clerk_a,
        district.provider,
        district.viewer,
    ):
        assert visible(Unit, user, Action.CHANGE) == set()


def test_groups_are_known_to_everyone_and_set_by_the_supervisor(district):
    for user in (district.clerk_b, district.viewer, district.leader):
        assert visible(Group, user) == {district.group.pk}
        assert visible(Group, user, Action.CHANGE) == set()
    assert visible(Group, district.supervisor, Action.CHANGE) == {district.group.pk}


def test_links_are_seen_by_the_linked_objects_unit(district):
    assert visible(Link, district.clerk_a) == {district.link_a.pk}
    assert visible(Link, district.clerk_b) == {district.link_b.pk}
    assert visible(Link, district.leader) == {district.link_a.pk, district.link_b.pk}


def test_colleagues_are_visible_within_the_unit(district):
    assert visible(User, district.clerk_a) == {district.clerk_a.pk, district.manager_a.pk}


def test_an_unknown_action_is_a_programming_error(district):
    with pytest.raises(ValueError, match="unknown action 'approve'"):
        Unit.objects.restrict(district.clerk_a, "approve")


def test_the_scope_of_a_user_is_computed_once_per_user_object(district, django_assert_num_queries):
    clerk = User.objects.get(pk=district.clerk_a.pk)
    with django_assert_num_queries(3):  # the sub-tree once, then one per list
        list(Unit.objects.restrict(clerk))
        list(Unit.objects.restrict(clerk))
