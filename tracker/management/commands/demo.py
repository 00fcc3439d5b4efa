"""Set up the embedded database with the curated fixtures and demo accounts, then serve."""

import os
import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands.runserver import Command as RunserverCommand
from django.db import transaction
from django_tasks_db.management.commands.db_worker import Worker

from tracker.models import Body, Counterpart, Person, Pledge, Speaker, Statement, Topic

HISTORY_MODELS = [Statement, Speaker, Pledge, Person, Counterpart, Topic, Body]

DEMO_PASSWORD = "demo"  # noqa: S105 - demo accounts exist only with DEBUG on
# The statements and pledges from the seed documents, then the follow-up on them.
FIXTURES = ["tracker", "followup", "gazetteer"]

DEMO_ACCOUNTS = [
    # username, group, may use the admin
    ("editor", "Editors", False),
    ("curator", "Curators", True),
    ("reader", "Readers", False),
]


class Command(RunserverCommand):
    help = (
        "Migrate the database, load the fixtures if it is empty, create the demo accounts "
        "(DEBUG only) and serve like runserver, with a background task worker in the same "
        "process. Safe to run again."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-serve", action="store_true", help="Set up, then exit without serving."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo creates accounts with a known password: run it with DEBUG on.")
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        if Statement.objects.exists():
            self.stdout.write("The database already has statements: fixtures not loaded again.")
        else:
            self.load_fixtures(verbosity)
        self.create_demo_accounts()
        if options["no_serve"]:
            return
        options["use_reloader"] = options.get("use_reloader", True)
        super().handle(*args, **options)

    def inner_run(self, *args, **options):
        # The process that serves (the reloader's child) also runs the queued tasks, so the
        # demo needs no `db_worker` beside it. Email goes to this console.
        self.start_task_worker()
        if "TRACKER_ORIGIN" not in os.environ:  # links (in email too) lead back to this server
            host = f"[{self.addr}]" if self._raw_ipv6 else self.addr
            settings.TRACKER_ORIGIN = f"http://{host}:{self.port}"
        super().inner_run(*args, **options)

    def start_task_worker(self):
        worker = Worker(
            queue_names=["default", "exports"],
            excluded_queue_names=[],
            interval=1,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"demo-{threading.get_native_id()}",
        )
        threading.Thread(target=worker.run, name="task-worker", daemon=True).start()
        self.stdout.write("Background tasks run in this process; email is printed here.")

    @transaction.atomic
    def load_fixtures(self, verbosity):
        """The documents' record, then the follow-up researched for it, in one transaction."""
        call_command("loaddata", *FIXTURES, verbosity=verbosity)
        # Fixtures write status updates row by row, bypassing record_update(): bring each
        # pledge's current status, latest update and version into line with its history,
        # and what search finds it by (its texts and published notes) too.
        Pledge.objects.refresh_status()
        Pledge.objects.refresh_search()
        # loaddata writes no edit history of its own: record each loaded row without one
        # as its first version, so the admin's history diffs the first correction with it.
        for model in HISTORY_MODELS:
            missing = model.objects.exclude(pk__in=model.history.values("id"))
            model.history.bulk_history_create(
                list(missing), default_change_reason="Loaded from the fixtures"
            )

    @transaction.atomic
    def create_demo_accounts(self):
        User = get_user_model()
        self.stdout.write("Demo accounts (password “demo”, for local use only):")
        for username, group_name, is_staff in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(DEMO_PASSWORD)
            user.is_staff = is_staff
            user.save()
            user.groups.add(Group.objects.get(name=group_name))
            where = "/ko/staff/ and /ko/admin/" if is_staff else "/ko/staff/"
            self.stdout.write(f"  {username:8} {group_name:9} {where}")
