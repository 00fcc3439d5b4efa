"""Background work, through Django's tasks framework (settings.TASKS).

The database backend (django-tasks-db) keeps the queue; `manage.py db_worker` runs it,
and `manage.py demo` runs a worker in a thread of its own. Tasks take primary keys, not
objects, and each looks its rows up again: by the time it runs they may have changed.
"""

from django.tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from tracker import export_files, follow, vault
from tracker.models import StatusUpdate


@task
def archive_evidence(evidence_ids):
    """Fetch and archive evidence links (a new update's, or a re-check's)."""
    return vault.check_many(evidence_ids)


@task
def notify_followers(update_id):
    """Email each follower of the pledge (or of its counterparts) about a status change."""
    # Published only: a proposal awaiting its second key, or a withdrawn one, is news to no one.
    update = StatusUpdate.objects.published().filter(pk=update_id).first()
    if update is None:
        return 0
    return follow.notify_status_change(update)


@task(queue_name="exports")
def build_exports():
    """Build the export files for the record as it stands when this runs (nothing to do
    if they are built already); the revision they show."""
    return export_files.build().revision


def queue_export_build():
    """Queue a build of the export files, unless one is queued and not started yet: that
    one reads the record when it starts, so a burst of writes makes one build, not one
    per write."""
    queued = DBTaskResult.objects.filter(
        task_path=build_exports.module_path,
        queue_name=build_exports.queue_name,  # one left on another queue may never run
        status=TaskResultStatus.READY,
    )
    if not queued.exists():
        build_exports.enqueue()
