"""Reliability: the database going away and coming back, concurrent writers, backup and restore.

The outage test starts a PostgreSQL cluster of its own (never the machine's main server,
which other test runs share) and a real gunicorn serving the app with production settings.
"""

import http.client
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from glob import glob
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_save
from django.utils import timezone

from tests.factories import PledgeFactory, UserFactory
from tests.test_deploy import manage, production_environ
from tracker.models import Evidence, Pledge, StaleVersion, Status, StatusUpdate

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="PostgreSQL behaviour: runs in the DATABASE_URL=postgres://... pass"
)


# The database goes away and comes back ----------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster in a temporary folder, owned by the postgres user."""

    bin: Path
    folder: Path
    port: int

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *args):
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)  # noqa: S603
        if result.returncode:
            log = self.folder / "postgres.log"
            pytest.fail(
                f"{args[0]} failed: {result.stdout}{result.stderr}"
                + (log.read_text() if log.exists() else "")
            )

    def initdb(self):
        self.run(
            "initdb",
            "-D",
            str(self.folder / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )

    def start(self):
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            "pg_ctl", "-D", str(self.folder / "data"), "-o", options,
            "-l", str(self.folder / "postgres.log"), "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode="fast"):
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")

    def is_running(self):
        return (self.folder / "data" / "postmaster.pid").exists()


def postgres_bin():
    found = sorted(
        Path(p).parent for p in glob("/usr/lib/postgresql/*/bin/initdb") if os.access(p, os.X_OK)
    )
    if not found:
        pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
    return found[-1]


@pytest.fixture
def cluster():
    pg_bin = postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    if os.geteuid() == 0:
        try:
            postgres = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            pytest.skip("running as root and there is no postgres user to run the cluster")
        os.chown(folder, postgres.pw_uid, postgres.pw_gid)
    cluster = Cluster(pg_bin, folder, free_port())
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        if cluster.is_running():
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app_server(cluster, tmp_path):
    """gunicorn, one worker, production settings, on the throwaway cluster."""
    env = production_environ(
        tmp_path,
        DATABASE_URL=cluster.url,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        CONN_MAX_AGE="600",
    )
    result = manage("migrate", "--noinput", "-v0", env=env)
    assert result.returncode == 0, result.stderr
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "tracker.wsgi", "-b", f"127.0.0.1:{port}",
             "-w", "1", "--timeout", "30", "--graceful-timeout", "5"],
            cwd=settings.BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    process.port, process.log = port, log
    try:
        for _ in range(300):
            try:
                get(port, "/healthz")
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer within 30 s:\n" + log.read_text())
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def get(port, path, session=None):
    """(status, headers, body) of GET path. A session cookie makes the session load from the DB."""
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        conn.close()


def requests_until_ok(port, path, tries=10):
    """How many GETs it takes for path to answer 200 again, half a second apart."""
    for attempt in range(1, tries + 1):
        if get(port, path)[0] == 200:
            return attempt
        time.sleep(0.5)
    pytest.fail(f"{path} still failing after {tries} tries")


SESSION = "0123456789abcdefghijklmnopqrstuv"  # well-formed, unknown: one SELECT on the session


@pytest.mark.postgres
@needs_postgres
def test_postgres_outage_gives_503_and_the_app_recovers_without_restart(
    cluster, app_server, record_property
):
    port = app_server.port
    started = time.monotonic()

    status, _, body = get(port, "/healthz")
    assert (status, body) == (200, "ok\n")
    status, _, body = get(port, "/en/admin/login/", session=SESSION)
    assert status == 200, body

    # A restart while the app is idle: the worker's kept connection is dead; the health check
    # (conn_health_checks) notices and reconnects, so not even the first request fails.
    cluster.stop()
    cluster.start()
    assert get(port, "/en/admin/login/", session=SESSION)[0] == 200
    assert get(port, "/healthz")[0] == 200

    cluster.stop()
    outage_started = time.monotonic()
    for _ in range(3):
        status, headers, body = get(port, "/en/admin/login/", session=SESSION)
        assert status == 503, body
        assert headers["Retry-After"] == "30"
        assert "no-store" in headers["Cache-Control"]
        assert "<h1>Temporarily unavailable</h1>" in body
        assert "Korea Pledge Tracker" in body
        for leak in ["Traceback", "OperationalError", "psycopg", "SECRET_KEY", str(cluster.port)]:
            assert leak not in body, leak
        # A public page fails first at reading the revision (tracker.caching): the 503
        # comes from the error handler.
        status, headers, body = get(port, "/healthz")
        assert (status, headers["Retry-After"]) == (503, "30")
        status, headers, body = get(port, "/en/")  # the public home page
        assert status == 503, body
        assert "<h1>Temporarily unavailable</h1>" in body

    cluster.start()
    attempts = requests_until_ok(port, "/healthz")
    record_property("requests_until_recovered", attempts)
    assert attempts == 1
    assert get(port, "/en/admin/login/", session=SESSION)[0] == 200

    assert app_server.poll() is None, "gunicorn exited"
    log = app_server.log.read_text()
    assert log.count("Booting worker") == 1, "the worker was restarted:\n" + log
    assert "OperationalError" in log  # the details went to the log instead
    record_property("outage_seconds", round(time.monotonic() - outage_started, 2))
    record_property("scenario_seconds", round(time.monotonic() - started, 2))


# Concurrent writers -------------------------------------------------------------------------

THREADS = 8
UPDATES_PER_THREAD = 10
STATUSES = [Status.IN_PROGRESS, Status.STALLED, Status.PARTIALLY_ACHIEVED, Status.ACHIEVED]


@pytest.fixture
def concurrent_db(transactional_db, settings):
    """A database that writer threads share, each on its own connection.

    Every update goes straight out here: these tests are about writers racing for the
    pledge's version, which only a published update moves (a proposal waits for review;
    tests/test_review.py covers approving a stale one)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "SQLite's test database is in memory with a shared cache, where concurrent writers "
            "fail with 'database table is locked' instead of waiting as they do on a file; "
            "set TEST_DATABASE_NAME=/tmp/test.sqlite3 to run this on SQLite"
        )
    settings.TRACKER_REVIEW_STATUSES = []


@pytest.fixture
def previous_versions():
    """{update pk: the pledge version its writer saw}, read inside the writer's transaction.

    post_save runs after the pledge row is locked and before the version moves, so this is
    exactly the version the update was appended to.
    """
    seen = {}

    def note(sender, instance, created, raw, **kwargs):
        if created and not raw:
            seen[instance.pk] = Pledge.objects.values_list("version", flat=True).get(
                pk=instance.pledge_id
            )

    post_save.connect(note, sender=StatusUpdate, dispatch_uid="test-previous-versions")
    yield seen
    post_save.disconnect(sender=StatusUpdate, dispatch_uid="test-previous-versions")


def run_threads(target, barriers):
    """Run target(i) in THREADS threads, each with its own connection; re-raise any failure.

    A failing writer breaks the barriers, so the others stop waiting for it.
    """
    errors = []

    def run(i):
        try:
            target(i)
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)
            for barrier in barriers:
                barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    if errors:
        raise next(
            (e for e in errors if not isinstance(e, threading.BrokenBarrierError)), errors[0]
        )


def assert_history_consistent(pledge, accepted, previous_versions):
    pledge.refresh_from_db()
    history = list(StatusUpdate.objects.filter(pledge=pledge).order_by("pk"))
    assert len(history) == len(accepted)
    assert sorted(u.pk for u in history) == sorted(accepted)
    # Each update was appended to a different version, 0, 1, 2, ... in the order written.
    assert [previous_versions[u.pk] for u in history] == list(range(len(history)))
    assert pledge.version == len(history)
    # Each update's previous status is the status the one before it set.
    assert history[0].previous_status == Status.NOT_YET_RATED
    for before, after in zip(history, history[1:], strict=False):
        assert after.previous_status == before.status
        assert after.created_at >= before.created_at
    newest = StatusUpdate.objects.filter(pledge=pledge).latest()
    assert newest == history[-1]
    assert pledge.latest_update == newest
    assert pledge.status == newest.status


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_updates_are_all_kept(concurrent_db, previous_versions):
    pledge = PledgeFactory()
    author = UserFactory()
    start = threading.Barrier(THREADS)
    accepted = []
    today = timezone.localdate()

    def write(i):
        mine = Pledge.objects.get(pk=pledge.pk)
        start.wait()
        for n in range(UPDATES_PER_THREAD):
            update = mine.record_update(
                status=STATUSES[(i + n) % len(STATUSES)],
                as_of=today,
                public_note=f"Writer {i}, update {n}.",
                author=author,
                evidence=[(f"https://example.org/{i}/{n}", f"Source {i}.{n}")],
            )
            accepted.append(update.pk)

    run_threads(write, [start])

    assert len(accepted) == THREADS * UPDATES_PER_THREAD
    assert_history_consistent(pledge, accepted, previous_versions)
    assert Evidence.objects.filter(update__pledge=pledge).count() == len(accepted)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_updates_with_expected_version_refuse_stale_ones(
    concurrent_db, previous_versions
):
    """Each round every writer reads the version, then all write: one wins, the rest are told."""
    pledge = PledgeFactory()
    author = UserFactory()
    read, written = threading.Barrier(THREADS), threading.Barrier(THREADS)
    accepted, refused = [], []
    today = timezone.localdate()

    def write(i):
        for n in range(UPDATES_PER_THREAD):
            mine = Pledge.objects.get(pk=pledge.pk)
            read.wait()
            try:
                update = mine.record_update(
                    status=STATUSES[(i + n) % len(STATUSES)],
                    as_of=today,
                    public_note=f"Writer {i}, round {n}.",
                    author=author,
                    expected_version=mine.version,
                )
            except StaleVersion as stale:
                assert stale.pledge.version > mine.version  # the editor is shown the newer state
                refused.append(i)
            else:
                accepted.append(update.pk)
            written.wait()

    run_threads(write, [read, written])

    assert len(accepted) == UPDATES_PER_THREAD  # one winner per round
    assert len(refused) == UPDATES_PER_THREAD * (THREADS - 1)
    assert_history_consistent(pledge, accepted, previous_versions)


# Backup and restore ---------------------------------------------------------------------------


def dump(path):
    call_command(
        "dumpdata",
        "tracker",
        "auth.user",
        "auth.group",
        exclude=["tracker.revision"],  # moves on every write, restored or not
        natural_foreign=True,  # users, groups and permissions by name, not by row number
        natural_primary=True,
        indent=1,
        output=str(path),
        verbosity=0,
    )
    return json.loads(path.read_text())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dumpdata_then_loaddata_restores_the_same_record(tmp_path, editor, curator):
    call_command("loaddata", "tracker", verbosity=0)
    today = timezone.localdate()
    for n, pledge in enumerate(Pledge.objects.all()[:3]):
        pledge.record_update(
            status=Status.IN_PROGRESS,
            as_of=today,
            public_note=f"Work has begun ({n}).",
            internal_note="Checked by phone.",
            author=editor,
            evidence=[
                (f"https://example.org/{n}/a", "Press release"),
                ("https://example.org/b", "Report"),
            ],
        )
    backup = dump(tmp_path / "backup.json")
    counts = {model: model.objects.count() for model in (Pledge, StatusUpdate, Evidence)}
    assert counts[StatusUpdate] >= 3 and counts[Evidence] >= 6

    call_command("flush", "--noinput", verbosity=0)
    assert not Pledge.objects.exists() and not get_user_model().objects.exists()
    call_command("loaddata", str(tmp_path / "backup.json"), verbosity=0)

    assert dump(tmp_path / "restored.json") == backup
    assert {model: model.objects.count() for model in counts} == counts
    restored = get_user_model().objects.get(username="editor")
    assert restored.check_password("correct horse battery staple")
    assert list(restored.groups.values_list("name", flat=True)) == ["Editors"]
    assert StatusUpdate.objects.filter(author=restored).count() == 3
