import pytest

from bipin.core.registry import Registry


def test_entries_register_once_and_keep_their_order():
    rules: Registry[str] = Registry("alert rule")
    rules.register("overdue")("red")
    rules.add("stalled", "yellow")
    assert list(rules) == ["overdue", "stalled"]
    assert rules.get("stalled") == "yellow"
    assert "overdue" in rules
    with pytest.raises(KeyError, match="already registered"):
        rules.add("overdue", "again")


def test_an_unknown_key_lists_the_known_ones():
    rules: Registry[str] = Registry("alert rule")
    rules.add("overdue", "red")
    with pytest.raises(KeyError, match="unknown alert rule 'late'; known: overdue"):
        rules.get("late")
