"""Fail if `makemessages` would add a message that the Korean catalogue does not translate.

Runs makemessages, with the flags the README gives, on a copy of the code in a temporary
directory, so the working tree is never touched, and compares the result with the committed
catalogue: every message it finds must be there, translated and not fuzzy. Needs GNU gettext
(xgettext, msgmerge) and polib, a development dependency: for CI and translators, not for
production.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# The one way the catalogue is extracted: the README's "Translating" section gives the same.
MAKEMESSAGES_ARGS = [
    "makemessages",
    "--locale=ko",
    "--add-location=file",
    "--no-obsolete",
    "--ignore=.venv",
    "--ignore=staticfiles",
    "--ignore=tests",
]
CATALOGUE = Path("ko") / "LC_MESSAGES" / "django.po"


def untranslated(po):
    """The messages of a catalogue that have no usable translation, as readable lines."""
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        name = f"{entry.msgctxt} | {entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.fuzzy:
            problems.append(f"fuzzy: {name!r}")
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                problems.append(f"not translated: {name!r}")
        elif not entry.msgstr.strip():
            problems.append(f"not translated: {name!r}")
    return problems


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        if shutil.which("xgettext") is None:
            raise CommandError("GNU gettext is not installed (apt-get install -y gettext).")
        base = Path(settings.BASE_DIR)
        locale = Path(settings.LOCALE_PATHS[0]).relative_to(base)
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp)
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            for name in ["tracker", "templates"]:
                shutil.copytree(base / name, copy / name, ignore=ignore)
            shutil.copy2(base / "manage.py", copy / "manage.py")
            run = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
                [sys.executable, "manage.py", *MAKEMESSAGES_ARGS],
                cwd=copy,
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode:
                raise CommandError(f"makemessages failed:\n{run.stderr}")
            extracted = polib.pofile(str(copy / locale / CATALOGUE))
        committed = polib.pofile(str(base / locale / CATALOGUE))
        known = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
        problems = [
            f"not in the catalogue: {e.msgid!r}"
            for e in extracted
            if (e.msgctxt, e.msgid) not in known and not e.obsolete
        ]
        problems += untranslated(extracted)
        if problems:
            lines = "\n  ".join(dict.fromkeys(problems))
            raise CommandError(
                f"{len(problems)} message(s) need a Korean translation before landing "
                f'(README, "Translating"):\n  {lines}'
            )
        stale = len(known) - len({(e.msgctxt, e.msgid) for e in extracted})
        note = f" ({stale} no longer used: run makemessages to drop them)" if stale > 0 else ""
        self.stdout.write(f"All {len(extracted)} messages are translated{note}.")
