"""The evidence vault: archiving on save through the task worker, re-checking link
health, the worklist filter, and what public pages show of the archived copy."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.tasks import TaskResultStatus, task
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import EvidenceFactory, PledgeFactory, StatusUpdateFactory
from tests.public_record import body
from tracker import tasks, vault
from tracker.models import Evidence, EvidenceHealth, Status

AS_OF = datetime.date(2025, 10, 1)


def record(pledge, *urls, status=Status.IN_PROGRESS):
    return pledge.record_update(
        status=status,
        as_of=AS_OF,
        public_note="Work has begun.",
        author=None,
        evidence=[(url, f"Source {i}") for i, url in enumerate(urls)],
    )


def run_worker():
    """What `manage.py db_worker --batch` does: run every queued task, then stop."""
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


@task
def explode():
    raise RuntimeError("This task always fails.")


# Archiving when an update is saved -------------------------------------------------------


@pytest.mark.django_db
def test_saving_an_update_with_evidence_queues_its_archiving_once_committed(
    django_capture_on_commit_callbacks,
):
    pledge = PledgeFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        update = record(pledge, "https://example.org/a", "https://example.org/b")
        assert not DBTaskResult.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    queued = DBTaskResult.objects.get(task_path="tracker.tasks.archive_evidence")
    evidence_ids = sorted(update.evidence.values_list("pk", flat=True))
    assert queued.args_kwargs == {"args": [evidence_ids], "kwargs": {}}


@pytest.mark.django_db
def test_an_update_without_evidence_or_change_queues_nothing(django_capture_on_commit_callbacks):
    pledge = PledgeFactory(status=Status.NOT_YET_RATED)
    with django_capture_on_commit_callbacks(execute=True):
        record(pledge, status=Status.NOT_YET_RATED)
    # Nothing to archive or announce (the export files' build is queued for any write).
    assert not DBTaskResult.objects.exclude(task_path=tasks.build_exports.module_path).exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_archives_each_evidence_link(web):
    pledge = PledgeFactory()
    update = record(pledge, web.url("/redirect?to=/page"))  # committed: the task is queued
    run_worker()

    evidence = update.evidence.select_related("archive").get()
    assert evidence.health == EvidenceHealth.LIVE
    archive = evidence.archive
    assert archive.http_status == 200
    assert archive.final_url == web.url("/page")
    assert archive.content_type == "text/html; charset=utf-8"
    assert archive.title == "Joint statement on the bridge"
    assert "The two ministers opened the bridge on 1 October." in archive.text
    assert archive.size == len(web.pages["/page"][1].encode())
    assert len(archive.sha256) == 64
    assert timezone.now() - archive.fetched_at < datetime.timedelta(minutes=1)
    assert evidence.checked_at == archive.fetched_at


@pytest.mark.django_db(transaction=True)
def test_the_worker_survives_a_task_that_raises(web):
    failing = explode.enqueue()
    pledge = PledgeFactory()
    update = record(pledge, web.url("/page"))  # queued after the failing task
    run_worker()

    failed = DBTaskResult.objects.get(id=failing.id)
    assert failed.status == TaskResultStatus.FAILED
    assert "This task always fails." in failed.task_result.errors[0].traceback
    archived = DBTaskResult.objects.get(task_path="tracker.tasks.archive_evidence")
    assert archived.status == TaskResultStatus.SUCCESSFUL
    assert update.evidence.get().health == EvidenceHealth.LIVE


# Re-checking -----------------------------------------------------------------------------


@pytest.fixture
def archived(db, web):
    """An evidence link already archived from the loopback server."""
    evidence = EvidenceFactory(url=web.url("/page"))
    vault.check(evidence)
    return Evidence.objects.select_related("archive").get(pk=evidence.pk)


def recheck():
    call_command("recheck_evidence", days=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_recheck_marks_an_unchanged_page_live_and_keeps_the_archive(archived):
    recheck()
    archived.refresh_from_db()
    assert archived.health == EvidenceHealth.LIVE
    assert archived.captures.count() == 2
    latest = archived.captures.latest()
    assert latest.sha256 == archived.archive.sha256
    assert latest.text == ""  # the archive already holds it
    assert archived.archive.text  # the archived copy keeps its text


def test_recheck_marks_a_page_with_a_new_body_changed(archived, web):
    web.pages["/page"] = ("text/html", "<title>Moved on</title><p>Something else now.</p>")
    recheck()
    archived.refresh_from_db()
    assert archived.health == EvidenceHealth.CHANGED
    latest = archived.captures.latest()
    assert latest.sha256 != archived.archive.sha256
    assert latest.text == "Something else now."
    assert archived.archive.title == "Joint statement on the bridge"  # the archive stays


def test_recheck_marks_a_page_that_is_gone_dead(archived, web):
    del web.pages["/page"]
    recheck()
    archived.refresh_from_db()
    assert archived.health == EvidenceHealth.DEAD
    assert archived.captures.latest().http_status == 404
    assert archived.captures.latest().error == "The server answered HTTP 404."


def test_an_unreachable_host_is_dead_and_a_private_one_refused(db, web):
    unreachable = EvidenceFactory(url="http://no-such-host.invalid/report")
    private = EvidenceFactory(url="http://10.0.0.1/report")
    recheck()
    unreachable.refresh_from_db()
    private.refresh_from_db()
    assert unreachable.health == EvidenceHealth.DEAD
    assert private.health == EvidenceHealth.REFUSED
    assert "a private address" in private.captures.get().error
    assert private.archive is None


def test_recheck_leaves_recently_checked_links_alone(archived):
    call_command("recheck_evidence", days=7, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert archived.captures.count() == 1


def test_recheck_can_hand_the_work_to_the_task_worker(db):
    evidence = EvidenceFactory()
    call_command("recheck_evidence", enqueue=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    queued = DBTaskResult.objects.get(task_path=tasks.archive_evidence.module_path)
    assert queued.args_kwargs["args"] == [[evidence.pk]]


# The staff worklist ----------------------------------------------------------------------


def test_the_worklist_filters_pledges_with_dead_evidence(editor_client, web):
    dead, alive, unchecked = PledgeFactory(), PledgeFactory(), PledgeFactory()
    for pledge, path in ((dead, "/gone"), (dead, "/page"), (alive, "/page")):
        vault.check(EvidenceFactory(update=StatusUpdateFactory(pledge=pledge), url=web.url(path)))
    EvidenceFactory(update=StatusUpdateFactory(pledge=unchecked))

    response = editor_client.get("/en/staff/", {"dead_evidence": "on"})
    assert response.status_code == 200
    assert [p.pk for p in response.context["page_obj"]] == [dead.pk]
    assert 'name="dead_evidence"' in body(response)


# Public pages ----------------------------------------------------------------------------


def test_the_pledge_page_shows_the_archived_copy_beside_the_original_link(client, archived):
    pledge = archived.update.pledge
    page = body(client.get(pledge.get_absolute_url()))
    fetched = archived.archive.fetched_at
    assert f'href="{archived.url}"' in page
    local = timezone.localtime(fetched)
    assert f'Archived copy, fetched <time datetime="{local.isoformat()}">{local:%-d %B %Y}' in page
    memento = f"https://web.archive.org/web/{fetched.astimezone(datetime.UTC):%Y%m%d%H%M%S}/"
    assert f'href="{memento}{archived.url}"' in page
    assert "The two ministers opened the bridge on 1 October." in page
    assert "Page title: “Joint statement on the bridge”" in page


def test_the_pledge_page_says_when_a_link_died_before_it_was_archived(client, db, web):
    evidence = EvidenceFactory(url=web.url("/gone"))
    vault.check(evidence)
    page = body(client.get(evidence.update.pledge.get_absolute_url()))
    assert "this link is dead, and no copy was archived before it went" in page


def test_archived_copies_cost_no_extra_queries(client, db, web, django_assert_num_queries):
    pledge = PledgeFactory()
    update = StatusUpdateFactory(pledge=pledge)
    vault.check(EvidenceFactory(update=update, url=web.url("/page")))
    with CaptureQueriesContext(connection) as one:
        client.get(pledge.get_absolute_url())
    for _ in range(4):
        more = EvidenceFactory(update=StatusUpdateFactory(pledge=pledge), url=web.url("/page"))
        vault.check(more)
    with django_assert_num_queries(len(one)):
        client.get(pledge.get_absolute_url())
