"""The export files, built in the background and served from disk: the full CSV
(/pledges.csv) and the data package (/data/<file>).

A build writes every export from one consistent view of the record (a read-only snapshot:
the files and the revision they name can never mix two states of the record) into a
temporary folder of TRACKER_EXPORT_DIR, renames it into place, then records it as an
ExportBuild row: a row means a complete build, so no reader ever sees part of one.

Builds happen in the background: every committed write queues one (tracker.tasks
.queue_export_build), coalesced, since a queued build not yet started reads the record
as it stands when it starts. Readers are served the newest complete build, with its own
revision's ETag and Last-Modified, so what they get lags the record by at most the time a
build takes (plus the worker's polling interval) while staff write.

Withdrawals are not allowed to lag: a write that takes something out of the public record
(Revision.bump(withdraws=True): an unpublish, a withdrawn update, a deletion) makes every
build from before it unservable at once, in the same transaction. Until the next build is
complete, a reader's request builds it (as on a fresh install, when no build exists):
one at a time, under a file lock, so the others wait for it and serve it.

Only the newest KEEP builds are kept; a reader still streaming a pruned file keeps it open.
"""

import contextlib
import datetime
import fcntl
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from tracker import datapackage, exports
from tracker.i18n import OUTPUT_LANGUAGE
from tracker.models import ExportBuild, Revision

KEEP = 3  # complete builds kept: the newest serves, the others finish their downloads
CSV_NAME = "pledges.csv"
# /pledges.csv?lang=ko: the same columns, the texts in Korean where translated (README
# "Content in both languages"); the English file is the default, as before.
CSV_NAMES = {"en": CSV_NAME, "ko": "pledges-ko.csv"}
PACKAGE = "data"  # the package's files, in a folder of each build
BUILDING = ".building-"
LEFTOVERS_SECONDS = 3600  # a temporary folder this old is a crashed build's


def build_key(revision):
    """What a build is for: the record's revision (its number and time, since a reloaded
    database counts from 0 again), the day (the CSV's `overdue` column depends on it)
    and the release (a new one may write the files differently)."""
    moved = f"{revision.number}.{int(revision.changed_at.timestamp() * 1e6):x}"
    return ":".join([moved, f"{timezone.localdate():%Y%m%d}", settings.TRACKER_RELEASE])


def root():
    return Path(settings.TRACKER_EXPORT_DIR)


def folder(build):
    return root() / build.folder


def newest_build():
    """The newest complete build that may be served: built from the record as it stood
    after the last withdrawal, with its folder on this disk; with the record's current
    revision (`current`), to tell whether it is behind. One query."""
    revision = Revision.objects.filter(pk=1)
    servable = ExportBuild.objects.filter(
        revision__gte=Coalesce(Subquery(revision.values("withdrawn")[:1]), 0)
    ).annotate(
        current_number=Subquery(revision.values("number")[:1]),
        current_at=Subquery(revision.values("changed_at")[:1]),
    )
    for build in servable.order_by("-revision", "-pk")[:KEEP]:
        if folder(build).is_dir():
            build.current = Revision(number=build.current_number, changed_at=build.current_at)
            return build
    return None


def is_behind(build):
    """Whether the record (or the day, or the release) has moved on since the build."""
    current = getattr(build, "current", None)
    return current is not None and build.key != build_key(current)


def current_build():
    """The build a reader is served: the newest complete one, or, where there is none
    (a fresh install, or a withdrawal since the last build), one built now."""
    return newest_build() or build(only_if_missing=True)


def build(*, only_if_missing=False):
    """Build the exports for the record as it stands now, unless the newest servable
    build is of it already (or, `only_if_missing`, unless there is any); the build.

    One build at a time per TRACKER_EXPORT_DIR (a file lock): a second one waits, then
    finds the first's work and returns it if it will do."""
    here = root()
    here.mkdir(parents=True, exist_ok=True)
    Revision.objects.get_or_create(pk=1)  # not inside the read-only snapshot
    with _lock(here):
        started = time.monotonic()
        with _snapshot(), translation.override(OUTPUT_LANGUAGE):
            revision = Revision.current()
            key = build_key(revision)
            newest = newest_build()
            if newest is not None and (only_if_missing or newest.key == key):
                return newest
            work = Path(tempfile.mkdtemp(dir=here, prefix=BUILDING))
            try:
                exports.write_csv(work / CSV_NAME)
                with translation.override("ko"):
                    exports.write_csv(work / CSV_NAMES["ko"])
                (work / PACKAGE).mkdir()
                datapackage.write_package(work / PACKAGE)
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
        name = f"build-{revision.number:012d}-{uuid.uuid4().hex[:8]}"
        os.rename(work, here / name)  # atomic: the folder appears whole
        made = ExportBuild.objects.create(
            folder=name,
            revision=revision.number,
            revision_at=revision.changed_at,
            key=key,
            seconds=time.monotonic() - started,
        )
        prune()
    return made


def prune():
    """Keep the newest KEEP servable builds; remove the rest (older ones, and any built
    before a withdrawal), with their folders, and leftovers of crashed builds."""
    here = root()
    withdrawn = Subquery(Revision.objects.filter(pk=1).values("withdrawn")[:1])
    servable = ExportBuild.objects.filter(revision__gte=Coalesce(withdrawn, 0))
    kept = list(servable.order_by("-revision", "-pk").values_list("pk", flat=True)[:KEEP])
    gone = ExportBuild.objects.exclude(pk__in=kept)
    for name in gone.values_list("folder", flat=True):
        shutil.rmtree(here / name, ignore_errors=True)
    gone.delete()
    known = set(ExportBuild.objects.values_list("folder", flat=True))
    old = time.time() - LEFTOVERS_SECONDS
    for path in here.iterdir():
        leftover = path.name.startswith(BUILDING) or (
            path.name.startswith("build-") and path.name not in known
        )
        if leftover and path.stat().st_mtime < old:
            shutil.rmtree(path, ignore_errors=True)


def last_modified(build):
    """When what the build shows last changed: its revision's time, or the start of the
    day it was built for, if later (the day moves the `overdue` column)."""
    day = datetime.datetime.strptime(build.key.split(":")[1], "%Y%m%d").date()
    midnight = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return max(build.revision_at, midnight)


@contextlib.contextmanager
def _lock(here):
    with open(here / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def _snapshot():
    """Every query inside reads one state of the record, whatever commits meanwhile.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction. SQLite (in WAL mode): a
    deferred transaction, whose first read fixes what it sees without blocking writers
    (Django's own would BEGIN IMMEDIATE, holding the write lock for the whole build).
    Inside a transaction already (a test's), that transaction is the view."""
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    else:
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")  # it only read
