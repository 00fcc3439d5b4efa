"""Re-check evidence links: live, changed since archived, or dead. Run it from cron, daily."""

import datetime

from django.core.management.base import BaseCommand

from tracker import tasks, vault


class Command(BaseCommand):
    help = (
        "Fetch every evidence link not checked for --days days (and any never checked), "
        "archive it if it has no archived copy yet, and mark it live, changed or dead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=7, help="Re-check links last checked this long ago."
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the checks for the task worker instead of running them here.",
        )

    def handle(self, *args, days, enqueue, **options):
        due = list(vault.due_for_check(datetime.timedelta(days=days)).values_list("pk", flat=True))
        if enqueue:
            if due:
                tasks.archive_evidence.enqueue(due)
            self.stdout.write(f"Queued {len(due)} evidence link(s) for the task worker.")
            return
        counts = vault.check_many(due)
        summary = ", ".join(f"{n} {health}" for health, n in counts.items() if n)
        self.stdout.write(f"Checked {len(due)} evidence link(s){': ' + summary if due else ''}.")
