from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Pledge tracker"

    def ready(self):
        # Every write moves the revision; tracker.caching forgets it when it moves.
        from tracker import caching, signals  # noqa: F401

        signals.connect()
