"""The Korean catalogue is complete: every message translated, none fuzzy, every placeholder
kept, the compiled catalogue the one the .po says, and nothing marked in the code that the
catalogue lacks."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tracker.management.commands.checkmessages import CATALOGUE, untranslated

PO = Path(settings.LOCALE_PATHS[0]) / CATALOGUE
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
needs_gettext = pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="GNU gettext is not installed"
)


def entries(catalogue):
    """{(context, message): translation} of every message in a .po or .mo file."""
    return {
        (e.msgctxt, e.msgid): (
            tuple(e.msgstr_plural[k] for k in sorted(e.msgstr_plural))
            if e.msgid_plural
            else e.msgstr
        )
        for e in catalogue
        if not e.obsolete and e.msgid
    }


def test_every_message_in_the_korean_catalogue_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(PO))
    assert len(po) > 0
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "ko"
    assert po.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert untranslated(po) == []


def test_each_translation_keeps_the_placeholders_of_its_message():
    wrong = []
    for entry in polib.pofile(str(PO)):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_the_compiled_catalogue_is_the_one_the_po_file_says():
    """The .mo is committed, so a fresh clone runs in Korean with nothing to build: it must
    be compiled again whenever the .po changes (README, "Translating")."""
    assert entries(polib.mofile(str(MO))) == entries(polib.pofile(str(PO)))


@needs_gettext
def test_makemessages_finds_nothing_the_catalogue_does_not_translate():
    call_command("checkmessages", stdout=open("/dev/null", "w"))  # noqa: SIM115


@needs_gettext
def test_a_marked_message_without_a_translation_fails_the_check(settings, tmp_path):
    base = Path(settings.BASE_DIR)
    for name in ["tracker", "templates"]:
        shutil.copytree(base / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(base / "manage.py", tmp_path / "manage.py")
    (tmp_path / "templates" / "new.html").write_text(
        '{% load i18n %}<p>{% translate "A sentence nobody has translated" %}</p>'
    )
    settings.BASE_DIR = tmp_path
    settings.LOCALE_PATHS = [tmp_path / "tracker" / "locale"]
    with pytest.raises(CommandError, match="A sentence nobody has translated"):
        call_command("checkmessages")
