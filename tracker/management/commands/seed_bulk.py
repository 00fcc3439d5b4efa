"""Generate realistic synthetic volume for performance work, with bulk inserts.

The synthetic records are clearly marked: every slug starts with "bulk-" and every
title says "(synthetic)", so they can never be mistaken for the curated record and
`--reset` removes exactly them. Every other statement is in Korean (its pledges' quotes and
notes too), so Korean search is measured at scale; their PledgeSearch rows are written with
them, not in a second pass.
"""

import datetime
import random
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from tracker import search
from tracker.models import (
    Counterpart,
    CounterpartKind,
    DatePrecision,
    Evidence,
    Pledge,
    PledgeSearch,
    Revision,
    Specificity,
    Statement,
    StatementKind,
    Status,
    StatusUpdate,
    Topic,
    end_of_period,
)

SCALES = {
    # statements, pledges per statement, updates per pledge
    "S": (20, 10, 10),
    "M": (200, 10, 10),
    "L": (2000, 10, 10),
}
BATCH = 2000
PREFIX = "bulk-"

VERBS = ["expand", "strengthen", "launch", "deepen", "establish", "modernise", "host", "support"]
OBJECTS = [
    "supply-chain dialogue",
    "critical minerals partnership",
    "AI governance initiative",
    "defence industry cooperation",
    "development programme",
    "energy transition fund",
    "people-to-people exchange",
    "cyber defence exercise",
    "maritime security dialogue",
    "climate finance facility",
]
# The same, in Korean: the object with its particle, and the verb's noun for "…할 것이다".
VERBS_KO = ["확대", "강화", "출범", "심화", "구축", "현대화", "개최", "지원"]
OBJECTS_KO = [
    "공급망 대화",
    "핵심광물 파트너십",
    "인공지능 거버넌스 이니셔티브",
    "방산 협력",
    "개발 프로그램",
    "에너지 전환 기금",
    "인적 교류",
    "사이버방어 훈련",
    "해양안보 대화",
    "기후재원 기구",
]
# A plausible path through the statuses, weighted towards the open ones.
PATHS = [
    [Status.NOT_STARTED, Status.IN_PROGRESS, Status.ACHIEVED],
    [Status.NOT_STARTED, Status.IN_PROGRESS, Status.STALLED],
    [Status.IN_PROGRESS, Status.PARTIALLY_ACHIEVED],
    [Status.NOT_STARTED, Status.BROKEN],
    [Status.IN_PROGRESS],
    [Status.NOT_STARTED],
]


def object_particle(noun):
    """을 after a final consonant, 를 after a vowel."""
    return "을" if (ord(noun[-1]) - 0xAC00) % 28 else "를"


def sentence(rng, s, p, korean):
    if korean:
        noun = rng.choice(OBJECTS_KO)
        return (
            f"우리는 파트너 {s}-{p}와 함께 {noun}{object_particle(noun)} "
            f"{rng.choice(VERBS_KO)}할 것이다. (성명 {s})"
        )
    return (
        f"We {rng.choice(VERBS)} the {rng.choice(OBJECTS)} with partner {s}-{p}, "
        f"as announced in statement {s}."
    )


def note(rng, i, slug, korean):
    if korean:
        return f"합성 진행 메모 {i}: {rng.choice(OBJECTS_KO)} 관련 후속 협의를 가졌다 ({slug})."
    return f"Synthetic progress note {i} on {slug}."


def updates_for(n, per_pledge):
    """How many updates pledge n gets: one in ten stays unrated, the average is per_pledge."""
    position = n % 10
    if position == 0:
        return 0
    return per_pledge + per_pledge // 9 + (1 if position <= per_pledge % 9 else 0)


class Command(BaseCommand):
    help = (
        "Insert synthetic statements, pledges and status updates for benchmarks "
        "(scale L: 2,000 statements, 20,000 pledges, 200,000 updates)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="L")
        parser.add_argument(
            "--reset", action="store_true", help="Delete earlier synthetic records first."
        )
        parser.add_argument("--seed", type=int, default=2025, help="Random seed (repeatable).")

    def handle(self, *args, scale, reset, seed, **options):
        started = time.perf_counter()
        existing = Statement.objects.filter(slug__startswith=PREFIX).count()
        if existing and not reset:
            self.stdout.write(
                f"{existing} synthetic statements exist already; use --reset to rebuild."
            )
            return
        n_statements, per_statement, per_pledge = SCALES[scale]
        rng = random.Random(seed)
        with transaction.atomic():
            if reset:
                self.delete_synthetic()
            counts = self.generate(rng, n_statements, per_statement, per_pledge)
            # Pledges loaded raw (loaddata, as bench does first) were never indexed.
            Pledge.objects.filter(search_index__isnull=True).refresh_search()
            Revision.bump()
        if connection.vendor == "postgresql":
            # Fresh statistics and visibility map for the planner and index-only scans, even
            # where autovacuum is off (as on the machine the README's figures come from).
            # VACUUM cannot run inside a transaction (a caller's atomic block, or a test's):
            # there, ANALYZE alone still gives the planner its statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Inserted {counts[0]:,} statements, {counts[1]:,} pledges, {counts[2]:,} updates "
            f"and {counts[3]:,} evidence links in {elapsed:.1f} s."
        )

    def delete_synthetic(self):
        pledges = Pledge.objects.filter(slug__startswith=PREFIX)
        pledges.update(latest_update=None)
        updates = StatusUpdate.objects.filter(pledge__in=pledges)
        Evidence.objects.filter(update__in=updates)._raw_delete("default")
        updates._raw_delete("default")
        Pledge.counterparts.through.objects.filter(pledge__in=pledges).delete()
        Pledge.topics.through.objects.filter(pledge__in=pledges).delete()
        PledgeSearch.objects.filter(pledge__in=pledges)._raw_delete("default")
        pledges._raw_delete("default")
        Statement.objects.filter(slug__startswith=PREFIX)._raw_delete("default")

    def generate(self, rng, n_statements, per_statement, per_pledge):
        authors = self.authors()
        counterparts = self.reference(
            Counterpart, "Synthetic partner", extra={"kind": CounterpartKind.COUNTRY}
        )
        topics = self.reference(Topic, "Synthetic topic")
        first_day = datetime.date(2023, 1, 1)
        today = timezone.localdate()

        statements = []
        sentences = {}
        for s in range(n_statements):
            day = first_day + datetime.timedelta(days=rng.randrange((today - first_day).days))
            korean = s % 2 == 1
            lines = [sentence(rng, s, p, korean) for p in range(per_statement)]
            sentences[s] = lines
            statements.append(
                Statement(
                    title=f"Synthetic statement {s} (synthetic)",
                    slug=f"{PREFIX}statement-{s}",
                    kind=rng.choice(StatementKind.values),
                    date=day,
                    date_precision=DatePrecision.DAY,
                    text="Opening remarks.\n\n" + "\n\n".join(lines) + "\n\nThank you.",
                    publisher="Synthetic volume for benchmarks",
                    language="ko" if korean else "en",
                    is_published=rng.random() > 0.02,
                )
            )
        statements = Statement.objects.bulk_create(statements, batch_size=BATCH)

        pledges, steps_for, notes_for, indexed = [], [], [], []
        for s, statement in enumerate(statements):
            for p in range(per_statement):
                path = rng.choice(PATHS)
                count = updates_for(len(pledges), per_pledge)
                steps = [path[i * len(path) // count] for i in range(count)]
                slug = f"{PREFIX}pledge-{s}-{p}"
                notes = [note(rng, i, slug, statement.language == "ko") for i in range(count)]
                title = f"Synthetic pledge {s}-{p} (synthetic)"
                indexed.append(search.search_columns([title, sentences[s][p], *notes]))
                precision = rng.choice(
                    [
                        DatePrecision.DAY,
                        DatePrecision.MONTH,
                        DatePrecision.YEAR,
                        DatePrecision.UNKNOWN,
                    ]
                )
                target = None
                if precision != DatePrecision.UNKNOWN:
                    target = end_of_period(
                        statement.date + datetime.timedelta(days=rng.randrange(60, 1200)),
                        precision,
                    )
                pledges.append(
                    Pledge(
                        statement=statement,
                        quote=sentences[s][p],
                        title=title,
                        slug=slug,
                        target_date=target,
                        target_precision=precision,
                        target_deadline=target,
                        specificity=rng.choice(Specificity.values),
                        status=steps[-1] if steps else Status.NOT_YET_RATED,
                        version=len(steps),
                        is_published=rng.random() > 0.03,
                    )
                )
                steps_for.append(steps)
                notes_for.append(notes)
        pledges = Pledge.objects.bulk_create(pledges, batch_size=BATCH)
        PledgeSearch.objects.bulk_create(
            [
                PledgeSearch(pledge=pledge, text=text, tokens=tokens)
                for pledge, (text, tokens) in zip(pledges, indexed, strict=True)
            ],
            batch_size=BATCH,
        )
        PledgeSearch.objects.filter(pledge__slug__startswith=PREFIX).parse()

        links = []
        for pledge in pledges:
            for counterpart in rng.sample(counterparts, rng.randint(1, 3)):
                links.append(Pledge.counterparts.through(pledge=pledge, counterpart=counterpart))
        Pledge.counterparts.through.objects.bulk_create(links, batch_size=BATCH * 5)
        Pledge.topics.through.objects.bulk_create(
            [Pledge.topics.through(pledge=pledge, topic=rng.choice(topics)) for pledge in pledges],
            batch_size=BATCH * 5,
        )

        # 200,000 rows: plain executemany, since bulk_create's per-value compilation
        # took three quarters of the run. Values go through the backend's own adapters.
        ops = connection.ops
        rows = []
        for pledge, steps, notes in zip(pledges, steps_for, notes_for, strict=True):
            previous = Status.NOT_YET_RATED
            as_of = pledge.statement.date
            for i, status in enumerate(steps):
                as_of = min(as_of + datetime.timedelta(days=rng.randrange(1, 40)), today)
                created_at = datetime.datetime.combine(as_of, datetime.time(9, i), datetime.UTC)
                rows.append(
                    (
                        pledge.pk,
                        status,
                        previous,
                        ops.adapt_datefield_value(as_of),
                        notes[i],
                        "Synthetic internal note." if i % 4 == 0 else "",
                        rng.choice(authors).pk,
                        ops.adapt_datetimefield_value(created_at),
                    )
                )
                previous = status
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO tracker_statusupdate (pledge_id, status, previous_status, as_of, "
                "public_note, internal_note, author_id, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
            # Three updates in ten cite a (synthetic) source.
            cursor.execute(
                'INSERT INTO tracker_evidence (update_id, url, title, "order") '
                "SELECT u.id, 'https://example.org/synthetic/' || u.id, 'Synthetic source', 0 "
                "FROM tracker_statusupdate u JOIN tracker_pledge p ON p.id = u.pledge_id "
                "WHERE p.slug LIKE %s AND u.id %% 10 < 3",
                [PREFIX + "%"],
            )
            n_evidence = cursor.rowcount
        n_updates = len(rows)

        Pledge.objects.filter(slug__startswith=PREFIX).update(
            latest_update=Subquery(
                StatusUpdate.objects.filter(pledge=OuterRef("pk"))
                .order_by("-created_at", "-pk")
                .values("pk")[:1]
            )
        )
        return len(statements), len(pledges), n_updates, n_evidence

    def authors(self):
        User = get_user_model()
        users = []
        for n in range(5):
            user, created = User.objects.get_or_create(username=f"{PREFIX}editor-{n}")
            if created:
                user.set_unusable_password()
                user.save()
            users.append(user)
        return users

    def reference(self, model, label, extra=None):
        objects = []
        for n in range(30):
            obj, _ = model.objects.get_or_create(
                slug=f"{PREFIX}{model._meta.model_name}-{n}",
                defaults={"name": f"{label} {n}", **(extra or {})},
            )
            objects.append(obj)
        return objects
