"""Every write to the record moves the Revision, which public caches and ETags key on."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from tracker import models

TRACKED = [
    models.Statement,
    models.Speaker,
    models.Pledge,
    models.Restatement,
    models.StatusUpdate,
    models.Evidence,
    models.Counterpart,
    models.Topic,
    models.Body,
    models.Person,
    models.Correction,
]


def _bump(sender, **kwargs):
    models.Revision.bump()


def connect():
    for model in TRACKED:
        post_save.connect(_bump, sender=model, dispatch_uid=f"revision-save-{model.__name__}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"revision-delete-{model.__name__}")
    for field in (models.Pledge.counterparts, models.Pledge.topics):
        m2m_changed.connect(_bump, sender=field.through, dispatch_uid=f"revision-m2m-{field}")
