"""The export files (/pledges.csv, /data/<file>): built in the background once per
revision, served from the newest complete build, never with a withdrawn record."""

import csv
import datetime
import io
import threading
import zipfile

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.tasks import TaskResultStatus
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date
from django_tasks_db.models import DBTaskResult

from tests.factories import UserFactory, published_update
from tests.public_record import body, build_record
from tracker import datapackage, export_files, tasks
from tracker.admin import unpublish
from tracker.datapackage import ZIP_NAME
from tracker.models import ExportBuild, Pledge, Revision, Statement, Status

EXPORTS = ["/pledges.csv", "/data/pledges.csv", "/data/statements.csv", f"/data/{ZIP_NAME}"]
NAMING_PLEDGES = ["/pledges.csv", "/data/pledges.csv", f"/data/{ZIP_NAME}"]


def csv_rows(text):
    return {row["slug"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}


def zipped_text(response):
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist())


def text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return zipped_text(response) if url.endswith(".zip") else body(response)


def change_status(pledge, status=None, note="Moved on."):
    """A published status update that needs no second key."""
    if status is None:
        moved = pledge.status != Status.IN_PROGRESS
        status = Status.IN_PROGRESS if moved else Status.NOT_STARTED
    return published_update(
        pledge, status=status, as_of=timezone.localdate(), public_note=note, author=None
    )


def builds_queued():
    return DBTaskResult.objects.filter(task_path=tasks.build_exports.module_path)


def run_worker():
    """What `manage.py db_worker --batch` does: run every queued task, then stop."""
    call_command(
        "db_worker", queue_name="*", batch=True, reload=False, startup_delay=False, verbosity=0
    )


def needs_concurrent_connections():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs real concurrent connections: PostgreSQL or an SQLite file")


# Built in the background -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_burst_of_writes_queues_one_build(record, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        change_status(record.aid)
        change_status(record.trees)
        record.aid.title = "Double aid to ASEAN by 2028"
        record.aid.save()
    assert builds_queued().count() == 1
    assert builds_queued().get().queue_name == "exports"  # never behind evidence fetches
    with django_capture_on_commit_callbacks(execute=True):
        change_status(record.aid)  # the queued build will read this too
    assert builds_queued().count() == 1

    builds_queued().update(status=TaskResultStatus.RUNNING)  # a worker has started it
    with django_capture_on_commit_callbacks(execute=True):
        change_status(record.trees)  # after its snapshot, perhaps: the next build's
    assert builds_queued().filter(status=TaskResultStatus.READY).count() == 1
    assert builds_queued().count() == 2


@pytest.mark.django_db(transaction=True)
def test_builds_start_no_sooner_than_the_interval_after_the_last(record, settings):
    """Steady writes make a build at most every TRACKER_EXPORT_INTERVAL, not back to back;
    the first write after a quiet spell builds at once."""
    settings.TRACKER_EXPORT_INTERVAL = 60
    change_status(record.aid)  # no build yet: this one may start at once
    assert builds_queued().get().task.run_after is None
    run_worker()
    built = ExportBuild.objects.count()
    last = ExportBuild.objects.latest("built_at").built_at

    change_status(record.trees)  # a write 60 s after that build would be built at once
    waiting = builds_queued().get(status=TaskResultStatus.READY)
    assert waiting.task.run_after == last + datetime.timedelta(seconds=60)
    run_worker()  # the worker leaves it for later
    assert ExportBuild.objects.count() == built
    assert builds_queued().get(pk=waiting.pk).status == TaskResultStatus.READY

    with time_machine.travel(last + datetime.timedelta(seconds=61)):
        run_worker()
    assert ExportBuild.objects.count() == built + 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_the_record_as_it_stands_when_it_runs(client, record):
    change_status(record.aid, Status.IN_PROGRESS)  # committed: a build is queued
    assert not ExportBuild.objects.exists()
    run_worker()  # the evidence tasks may write and queue another build: it runs too
    assert {r.status for r in builds_queued()} == {TaskResultStatus.SUCCESSFUL}
    build = export_files.newest_build()
    assert build.revision == Revision.current().number
    response = client.get("/pledges.csv")
    assert response["Record-Revision"] == str(build.revision)
    assert csv_rows(body(response))[record.aid.slug]["status"] == Status.IN_PROGRESS
    built = ExportBuild.objects.count()
    assert ExportBuild.objects.count() == built  # served, not built again

    tasks.build_exports.call()  # nothing changed since: nothing to build
    assert ExportBuild.objects.count() == built


@pytest.mark.django_db
def test_a_fresh_install_builds_on_the_first_request(client, record):
    assert not ExportBuild.objects.exists()
    response = client.get("/pledges.csv")
    assert response.status_code == 200
    assert record.aid.slug in body(response)
    build = ExportBuild.objects.get()
    assert response["Record-Revision"] == str(build.revision) == str(Revision.current().number)
    assert client.get("/data/pledges.csv")["Record-Revision"] == str(build.revision)


# Served from the newest complete build ---------------------------------------------------


@pytest.mark.django_db
def test_the_served_file_is_the_revision_it_claims(client, record):
    before = export_files.build()
    assert record.aid.status != Status.NOT_STARTED
    change_status(record.aid, Status.NOT_STARTED)
    after = Revision.current()
    assert after.number > before.revision

    # Until the background build: the files of the revision before, saying so.
    for url in EXPORTS:
        response = client.get(url)
        assert response["Record-Revision"] == str(before.revision), url
        assert response["Last-Modified"] == http_date(before.revision_at.timestamp()), url
    served = csv_rows(text(client, "/pledges.csv"))[record.aid.slug]
    assert served["status"] != Status.NOT_STARTED

    tasks.build_exports.call()
    for url in EXPORTS:
        response = client.get(url)
        assert response["Record-Revision"] == str(after.number), url
        assert response["Last-Modified"] == http_date(after.changed_at.timestamp()), url
    served = csv_rows(text(client, "/pledges.csv"))[record.aid.slug]
    assert served["status"] == Status.NOT_STARTED
    data = csv_rows(text(client, "/data/pledges.csv"))[record.aid.slug]
    assert data["status"] == Status.NOT_STARTED


@pytest.mark.django_db(transaction=True)
def test_a_reader_of_an_old_build_gets_a_304_and_one_is_queued(client, record):
    export_files.build()
    builds_queued().delete()  # the record's, queued as it was written
    first = client.get("/pledges.csv")
    etag = first["ETag"]
    assert etag
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/pledges.csv", headers={"if-none-match": etag}).status_code == 304
    assert len(queries) <= 2  # the build and the revision: no row of the record
    assert not builds_queued().exists()

    change_status(record.trees)
    builds_queued().delete()  # its build was queued on commit: say it was lost
    assert client.get("/pledges.csv", headers={"if-none-match": etag}).status_code == 304
    assert builds_queued().count() == 1  # the reader saw the file behind, and asked
    run_worker()
    fresh = client.get("/pledges.csv", headers={"if-none-match": etag})
    assert fresh.status_code == 200 and fresh["ETag"] != etag


@pytest.mark.django_db(transaction=True)
def test_readers_during_a_build_get_the_previous_complete_file(monkeypatch):
    needs_concurrent_connections()
    record = build_record()
    first = export_files.build()
    old = {url: text(Client(), url) for url in EXPORTS}
    change_status(record.aid, Status.NOT_STARTED)

    started, release = threading.Event(), threading.Event()
    write_package = datapackage.write_package

    def slow_package(folder):
        started.set()  # the new CSV is written; the package is not yet
        assert release.wait(30)
        write_package(folder)

    monkeypatch.setattr(datapackage, "write_package", slow_package)
    builder = threading.Thread(target=export_files.build)
    builder.start()
    try:
        assert started.wait(30)
        building = [p for p in export_files.root().iterdir() if p.name.startswith(".building-")]
        assert building and (building[0] / export_files.CSV_NAME).stat().st_size > 0
        for url in EXPORTS:
            response = Client().get(url)
            assert response["Record-Revision"] == str(first.revision), url
            got = zipped_text(response) if url.endswith(".zip") else body(response)
            assert got == old[url], url
    finally:
        release.set()
        builder.join(30)
    newest = export_files.newest_build()
    assert newest.revision == Revision.current().number
    served = csv_rows(text(Client(), "/pledges.csv"))[record.aid.slug]
    assert served["status"] == Status.NOT_STARTED


@pytest.mark.django_db(transaction=True)
def test_a_build_never_mixes_two_states_of_the_record(monkeypatch):
    """A write committed while a build runs is in none of its files: the CSV, written
    first, and the package, written after, read the same snapshot."""
    needs_concurrent_connections()
    record = build_record()
    before = Revision.current().number
    write_package = datapackage.write_package

    def unpublish_meanwhile(folder):
        def unpublish_elsewhere():
            pledge = Pledge.objects.get(pk=record.aid.pk)
            pledge.is_published = False
            pledge.save()
            connection.close()

        writer = threading.Thread(target=unpublish_elsewhere)
        writer.start()
        writer.join(30)
        # Committed, but not in the view the build reads.
        assert Pledge.objects.filter(pk=record.aid.pk, is_published=True).exists()
        write_package(folder)
        written.extend([(folder.parent / export_files.CSV_NAME).read_text()])
        written.extend([(folder / "pledges.csv").read_text()])

    written = []
    monkeypatch.setattr(datapackage, "write_package", unpublish_meanwhile)
    build = export_files.build()
    assert build.revision == before
    assert len(written) == 2
    assert all(record.aid.slug in text for text in written)
    # Built from before the unpublish: never served, and pruned at once.
    assert export_files.newest_build() is None
    assert not ExportBuild.objects.exists()
    monkeypatch.setattr(datapackage, "write_package", write_package)
    assert record.aid.slug not in text(Client(), "/pledges.csv")


# Withdrawn records -------------------------------------------------------------------------


def unpublish_pledge(record):
    record.aid.is_published = False
    record.aid.save()


def unpublish_statement(record):
    statement = record.aid.statement
    statement.is_published = False
    statement.save()


def unpublish_in_the_admin(record):
    unpublish(_Admin(), None, Pledge.objects.filter(pk=record.aid.pk))


def delete_pledge(record):
    Pledge.objects.filter(pk=record.aid.pk).delete()


class _Admin:
    def message_user(self, *args):
        pass


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "withdraw", [unpublish_pledge, unpublish_statement, unpublish_in_the_admin, delete_pledge]
)
def test_a_withdrawn_pledge_leaves_every_export_at_once(client, record, withdraw):
    export_files.build()
    for url in NAMING_PLEDGES:
        assert record.aid.slug in text(client, url), url
    builds_queued().delete()
    withdraw(record)  # committed: a build is queued
    # Before the background build: no file from before is served; the request builds.
    for url in NAMING_PLEDGES:
        assert record.aid.slug not in text(client, url), url
    assert builds_queued().count() == 1
    run_worker()  # the queued build: nothing to do, or the same without the pledge
    for url in NAMING_PLEDGES:
        assert record.aid.slug not in text(client, url), url
    assert all(record.aid.slug not in p.read_text() for p in _csv_files())


@pytest.mark.django_db
def test_a_withdrawn_update_leaves_every_export_at_once(client, record):
    update = change_status(record.trees, Status.NOT_STARTED, note="A NOTE TO WITHDRAW")
    export_files.build()
    assert "A NOTE TO WITHDRAW" in text(client, "/data/status_updates.csv")
    update.withdraw(UserFactory(username="curator", groups=["Curators"]), reason="Wrong.")
    assert "A NOTE TO WITHDRAW" not in text(client, "/data/status_updates.csv")
    assert csv_rows(text(client, "/pledges.csv"))[record.trees.slug]["status"] != "not_started"


@pytest.mark.django_db
def test_an_edit_that_withdraws_nothing_keeps_the_build_served(client, record):
    build = export_files.build()
    record.aid.title = "Double aid to ASEAN by 2027 (edited)"
    record.aid.save()
    Statement.objects.filter(pk=record.aid.statement_id).get().save()  # still published
    assert client.get("/pledges.csv")["Record-Revision"] == str(build.revision)
    assert ExportBuild.objects.count() == 1


# Pruning -----------------------------------------------------------------------------------


def _csv_files():
    return list(export_files.root().glob("build-*/pledges.csv"))


@pytest.mark.django_db
def test_only_the_newest_builds_are_kept(client, record):
    made = []
    for _ in range(export_files.KEEP + 2):
        change_status(record.aid)
        made.append(export_files.build())
    kept = made[-export_files.KEEP :]
    assert set(ExportBuild.objects.all()) == set(kept)
    folders = {p.name for p in export_files.root().iterdir() if p.name.startswith("build")}
    assert folders == {b.folder for b in kept}
    assert client.get("/pledges.csv")["Record-Revision"] == str(made[-1].revision)

    unpublish_pledge(record)  # the kept builds are all from before it
    newest = export_files.build()
    assert list(ExportBuild.objects.all()) == [newest]
    assert [p.name for p in export_files.root().glob("build-*")] == [newest.folder]


@pytest.mark.django_db
def test_the_build_runs_a_fixed_number_of_queries(record):
    with CaptureQueriesContext(connection) as small:
        export_files.build()
    call_command("seed_bulk", scale="S", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with CaptureQueriesContext(connection) as large:
        export_files.build()
    assert len(large) == len(small)
