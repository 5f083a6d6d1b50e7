"""Settings read from the environment fail loudly, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from bipin.core.env import Env

BIPIN = str(Path(sys.executable).with_name("bipin"))


def test_bool_accepts_the_usual_spellings():
    env = Env({"A": "yes", "B": "0", "C": " On "})
    assert env.bool("A", False) is True
    assert env.bool("B", True) is False
    assert env.bool("C", False) is True
    assert env.bool("MISSING", True) is True


def test_bad_bool_names_the_variable_and_the_value():
    with pytest.raises(ImproperlyConfigured, match=r"BIPIN_DEBUG .*'maybe'"):
        Env({"BIPIN_DEBUG": "maybe"}).bool("BIPIN_DEBUG", False)


def test_int_checks_type_and_range():
    env = Env({"PORT": "70000", "N": "ten"})
    with pytest.raises(ImproperlyConfigured, match="PORT must be at most 65535"):
        env.int("PORT", 25, maximum=65535)
    with pytest.raises(ImproperlyConfigured, match="N must be a whole number"):
        env.int("N", 1)


def test_choice_lists_what_is_allowed():
    with pytest.raises(
        ImproperlyConfigured, match="BIPIN_LANGUAGE must be one of zh-hans, en; got 'fr'"
    ):
        Env({"BIPIN_LANGUAGE": "fr"}).choice("BIPIN_LANGUAGE", "zh-hans", ["zh-hans", "en"])


def test_list_splits_on_commas():
    assert Env({"HOSTS": "a.gov.cn, b.gov.cn,,"}).list("HOSTS", []) == ["a.gov.cn", "b.gov.cn"]


def _start(**variables: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("BIPIN_")}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.update(variables)
    return subprocess.run(
        [BIPIN, "check"], env=environment, capture_output=True, text=True, timeout=120
    )


def test_start_up_without_a_secret_key_stops_and_names_it(tmp_path):
    result = _start(BIPIN_VAR_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "BIPIN_SECRET_KEY is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_start_up_with_a_wrong_value_stops_and_names_the_variable(tmp_path):
    result = _start(BIPIN_VAR_DIR=str(tmp_path), BIPIN_DEMO="1", BIPIN_SESSION_HOURS="forever")
    assert result.returncode == 2
    assert "BIPIN_SESSION_HOURS must be a whole number" in result.stderr


def test_start_up_refuses_an_unknown_database(tmp_path):
    result = _start(BIPIN_VAR_DIR=str(tmp_path), BIPIN_DEMO="1", BIPIN_DATABASE_URL="mysql://x@y/z")
    assert result.returncode == 2
    assert "BIPIN_DATABASE_URL must start with sqlite:// or postgres://" in result.stderr


def test_demo_mode_makes_its_own_key_once(tmp_path):
    assert _start(BIPIN_VAR_DIR=str(tmp_path), BIPIN_DEMO="1").returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert _start(BIPIN_VAR_DIR=str(tmp_path), BIPIN_DEMO="1").returncode == 0
    assert (tmp_path / "secret_key").read_text() == key
