from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Pledge tracker"

    def ready(self):
        from tracker import signals

        signals.connect()
