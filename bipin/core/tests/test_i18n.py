"""Every user-visible string is translatable; Chinese is the source, English is complete."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest
from django.conf import settings

CATALOGUE = Path(settings.PACKAGE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_the_english_catalogue_is_complete():
    catalogue = polib.pofile(str(CATALOGUE))
    assert len(catalogue) > 100
    untranslated = [entry.msgid for entry in catalogue if not entry.translated()]
    assert untranslated == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext's xgettext is not installed")
def test_the_catalogue_holds_every_string_of_the_code_and_templates(tmp_path):
    """makemessages over a copy of the sources finds no string the catalogue lacks."""
    copy = tmp_path / "bipin"
    shutil.copytree(
        settings.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo")
    )
    bipin = str(Path(sys.executable).with_name("bipin"))
    environment = {
        "PATH": "/usr/bin:/bin",
        "BIPIN_SECRET_KEY": "x" * 40,
        "BIPIN_VAR_DIR": str(tmp_path / "var"),
    }
    subprocess.run(
        [bipin, "makemessages", "-l", "en", "--no-location", "-v", "0"],
        cwd=copy,
        env=environment,
        check=True,
        timeout=300,
    )
    fresh = {
        (entry.msgctxt, entry.msgid)
        for entry in polib.pofile(str(copy / "locale/en/LC_MESSAGES/django.po"))
        if not entry.obsolete
    }
    ours = {
        (entry.msgctxt, entry.msgid) for entry in polib.pofile(str(CATALOGUE)) if not entry.obsolete
    }
    assert fresh - ours == set(), "run `make makemessages` and translate the new strings"
