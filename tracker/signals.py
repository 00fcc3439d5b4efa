"""Every write to the record moves the Revision, which public caches and ETags key on; a
recorded or published status update queues its background work (tracker.tasks), and every
committed write queues a build of the export files (tracker.export_files).

A status update or an evidence link changes only its pledge's page and what lists it:
the Revision is moved as a write scoped to that pledge (Revision.bump), so the pages of
other pledges stay cached. Any other write moves it for every page."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from tracker import models, tasks

TRACKED = [
    models.Statement,
    models.Speaker,
    models.Pledge,
    models.Restatement,
    models.Counterpart,
    models.Topic,
    models.Body,
    models.Person,
    models.Correction,
]


def _bump(sender, instance=None, **kwargs):
    models.Revision.bump(withdraws=getattr(instance, "_withdraws", False))


def _bump_deleted(sender, **kwargs):
    # A deleted row may have been public: exports built before it are served no more.
    models.Revision.bump(withdraws=True)


def _bump_update(sender, instance, signal, raw=False, **kwargs):
    # A load (loaddata) writes the rows as they were, its pledges' updated_at included.
    pledge = None if raw else instance.pledge_id
    models.Revision.bump(pledge=pledge, withdraws=signal is post_delete)


def _bump_evidence(sender, instance, signal, raw=False, **kwargs):
    pledge = models.StatusUpdate.objects.filter(pk=instance.update_id).values("pledge")
    models.Revision.bump(pledge=None if raw else pledge[:1], withdraws=signal is post_delete)


# What a saved row was, for the fields that decide whether it is public.
PUBLICATION_FIELDS = {
    models.Statement: ["is_published"],
    models.Pledge: ["is_published", "statement"],
}


def _note_withdrawal(sender, instance, raw=False, update_fields=None, **kwargs):
    """Mark a save that takes a published statement or pledge out of the public record
    (unpublished, or moved to another statement), for _bump."""
    fields = PUBLICATION_FIELDS[sender]
    instance._withdraws = False
    if (
        raw
        or instance.pk is None
        or (update_fields is not None and not set(fields) & set(update_fields))
    ):
        return
    columns = [sender._meta.get_field(name).attname for name in fields]
    stored = sender.objects.filter(pk=instance.pk).values_list(*columns).first()
    if stored is None or not stored[0]:
        return  # new, or not published before: nothing leaves the record
    instance._withdraws = [getattr(instance, c) for c in columns] != list(stored)


def _queue_export_build(sender, **kwargs):
    transaction.on_commit(tasks.queue_export_build, robust=True)


def _no_history_for_loaded_rows(sender, instance, raw, **kwargs):
    """loaddata saves a row raw, then sets its many-to-many fields, which would write edit
    history (django-simple-history's m2m tracking does not know the load is raw): a
    restored backup would grow new history rows. The loaded history is the history."""
    if raw:
        instance.skip_history_when_saving = True


def _archive_evidence(sender, update, **kwargs):
    """Fetch and archive a new update's evidence, published or proposed."""
    if evidence_ids := list(update.evidence.values_list("pk", flat=True)):
        tasks.archive_evidence.enqueue(evidence_ids)


def _notify_followers(sender, update, **kwargs):
    """Email the pledge's followers when a published update changes its status."""
    if update.status_changed:
        tasks.notify_followers.enqueue(update.pk)


def connect():
    models.update_recorded.connect(_archive_evidence, dispatch_uid="archive-evidence")
    models.update_published.connect(_notify_followers, dispatch_uid="notify-followers")
    pre_save.connect(
        _no_history_for_loaded_rows, sender=models.Pledge, dispatch_uid="history-raw-pledge"
    )
    for model in TRACKED:
        post_save.connect(_bump, sender=model, dispatch_uid=f"revision-save-{model.__name__}")
        post_delete.connect(
            _bump_deleted, sender=model, dispatch_uid=f"revision-delete-{model.__name__}"
        )
    for model in PUBLICATION_FIELDS:
        pre_save.connect(
            _note_withdrawal, sender=model, dispatch_uid=f"withdrawal-{model.__name__}"
        )
    for model, bump in ((models.StatusUpdate, _bump_update), (models.Evidence, _bump_evidence)):
        post_save.connect(bump, sender=model, dispatch_uid=f"revision-save-{model.__name__}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"revision-delete-{model.__name__}")
    models.revision_moved.connect(_queue_export_build, dispatch_uid="export-build")
    for field in (models.Pledge.counterparts, models.Pledge.topics):
        m2m_changed.connect(_bump, sender=field.through, dispatch_uid=f"revision-m2m-{field}")
