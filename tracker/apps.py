from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Pledge tracker")

    def ready(self):
        # Every write moves the revision; tracker.caching forgets it when it moves.
        from tracker import caching, signals  # noqa: F401

        signals.connect()
