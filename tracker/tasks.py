"""Background work, through Django's tasks framework (settings.TASKS).

The database backend (django-tasks-db) keeps the queue; `manage.py db_worker` runs it,
and `manage.py demo` runs a worker in a thread of its own. Tasks take primary keys, not
objects, and each looks its rows up again: by the time it runs they may have changed.
"""

import datetime

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tracker import export_files, follow, vault
from tracker.models import ExportBuild, StatusUpdate


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
    per write. It starts no sooner than TRACKER_EXPORT_INTERVAL after the last build
    ended, so steady writes do not keep a core building for good."""
    queued = DBTaskResult.objects.filter(
        task_path=build_exports.module_path,
        queue_name=build_exports.queue_name,  # one left on another queue may never run
        status=TaskResultStatus.READY,
    )
    if queued.exists():
        return
    last = ExportBuild.objects.order_by("-built_at").values_list("built_at", flat=True).first()
    start = last and last + datetime.timedelta(seconds=settings.TRACKER_EXPORT_INTERVAL)
    if start and start > timezone.now():
        build_exports.using(run_after=start).enqueue()
    else:
        build_exports.enqueue()
