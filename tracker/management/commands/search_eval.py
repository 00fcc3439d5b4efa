"""manage.py search_eval: how well each way of reading Korean finds what a reader wants.

The set is tests/data/search_ko_eval.json (pledges written for it, queries with the pledges
they should find, judged by meaning), plus each fixture pledge's Korean title when the
fixture has one (found by its own title, and by each word of it). Four readers:

- `substring`: today's SQLite search, each query word a substring of the text;
- `words`: today's PostgreSQL search, each query word a whole word of the text (the
  `english` configuration leaves Hangul words as they are, particles and all);
- `ngrams`: tracker.search's syllable bigrams and trigrams, as both databases now search;
- `database`: PledgeQuerySet.search() itself on the database this runs on (SQLite's FTS5
  index or PostgreSQL's GIN), the set written as pledges (title, quote, each note a
  published status update) in a transaction that is rolled back;
- `kiwi`: morphemes from kiwipiepy, the Korean analyser: nouns, verb and adjective stems,
  roots, foreign words and numbers, every query morpheme required. Only when kiwipiepy is
  installed: `uv run --with kiwipiepy manage.py search_eval`.

It prints recall and precision per reader, averaged over queries, in all and by kind of
query. `--scale` also times each reader over the pledges in the database (as seed_bulk
leaves them) and, on PostgreSQL, builds each one's GIN index in a scratch table for its size
and EXPLAIN ANALYZE of Korean queries. `--cost` measures each reader's import time and memory
in a fresh Python process.
"""

import contextlib
import json
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from tracker import search
from tracker.models import Pledge, Statement, Status, StatusUpdate

EVAL_SET = Path(settings.BASE_DIR) / "tests" / "data" / "search_ko_eval.json"
FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "tracker.json"
# Queries for the timings at scale: words of seed_bulk's Korean sentences and notes, with
# particles and spacing as a reader would type them.
SCALE_QUERIES = [
    "공급망",
    "핵심광물을",
    "인공지능 거버넌스",
    "해양 안보",
    "사이버방어",
    "기후재원",
    "방산 협력을",
    "후속 협의",
    "강화",
    "에너지 전환 기금",
]
KIWI_TAGS = {"NNG", "NNP", "NR", "VV", "VA", "XR", "SL", "SH", "SN"}


class Substring:
    name = "substring"

    def index(self, texts):
        return "\n".join(texts).lower()

    def matches(self, query, document):
        return all(word.lower() in document for word in query.split())


class Words:
    name = "words"

    def index(self, texts):
        return set(re.findall(r"\w+", "\n".join(texts).lower()))

    def matches(self, query, document):
        return all(word in document for word in re.findall(r"\w+", query.lower()))


class Ngrams:
    name = "ngrams"

    def index(self, texts):
        return search.search_columns(texts)

    def matches(self, query, document):
        """As PledgeQuerySet.search() on SQLite; the tests check PostgreSQL agrees."""
        text, tokens = document
        parsed = search.parse(query)
        terms = [(t.text.lower() in text.lower(), t.negated) for t in parsed.english_terms]
        terms += [
            (all(piece in tokens for piece in t.substrings()), t.negated)
            for t in parsed.korean_terms
        ]
        return bool(terms) and all(found != negated for found, negated in terms)

    def tokens(self, texts):
        return search.search_columns(texts)[1]


class Database:
    """What the site finds: search() on this database, over the set written as pledges."""

    def __init__(self):
        self.name = f"database ({connection.vendor})"

    @contextlib.contextmanager
    def loaded(self, documents):
        """The documents as pledges (the first text their title, the second their quote, the
        rest published notes) for the block's length, then rolled back."""
        with transaction.atomic():
            statement = Statement.objects.create(
                title="search_eval", slug="search-eval", kind="readout", date="2026-01-01"
            )
            self.keys = {}
            for n, (key, texts) in enumerate(documents.items()):
                title, quote, *notes = [*texts, ""][:2] + texts[2:]
                pledge = Pledge.objects.create(
                    statement=statement, slug=f"search-eval-{n}", title=title, quote=quote
                )
                StatusUpdate.objects.bulk_create(
                    StatusUpdate(
                        pledge=pledge,
                        status=Status.IN_PROGRESS,
                        as_of="2026-01-02",
                        public_note=note,
                    )
                    for note in notes
                )
                self.keys[pledge.pk] = key
            Pledge.objects.filter(pk__in=self.keys).refresh_search()
            try:
                yield
            finally:
                transaction.set_rollback(True)

    def find(self, query):
        found = Pledge.objects.filter(pk__in=self.keys).search(query).values_list("pk", flat=True)
        return {self.keys[pk] for pk in found}


class Kiwi:
    name = "kiwi"

    def __init__(self):
        from kiwipiepy import Kiwi as Analyser

        self.kiwi = Analyser()

    def morphemes(self, text):
        return [t.form.lower() for t in self.kiwi.tokenize(text) if t.tag in KIWI_TAGS]

    def index(self, texts):
        return {m for text in texts for m in self.morphemes(text)}

    def matches(self, query, document):
        wanted = self.morphemes(query)
        return bool(wanted) and all(m in document for m in wanted)

    def tokens(self, texts):
        return " ".join(m for text in texts for m in self.morphemes(text))


def readers():
    found = [Substring(), Words(), Ngrams(), Database()]
    with contextlib.suppress(ImportError):  # kiwipiepy is not a dependency of the app
        found.append(Kiwi())
    return found


class Command(BaseCommand):
    help = "Score the ways of reading Korean on the evaluation set; --scale and --cost time them."

    def add_arguments(self, parser):
        parser.add_argument("--set", type=Path, default=EVAL_SET)
        parser.add_argument("--fixture", type=Path, default=FIXTURE)
        parser.add_argument("--misses", action="store_true", help="List each reader's errors.")
        parser.add_argument(
            "--scale", action="store_true", help="Time on the pledges in the database."
        )
        parser.add_argument("--cost", action="store_true", help="Import time and memory.")

    def handle(self, *args, **options):
        documents, queries = self.load(options["set"], options["fixture"])
        self.stdout.write(f"{len(documents)} documents, {len(queries)} queries")
        all_readers = readers()
        for reader in all_readers:
            self.score(reader, documents, queries, options["misses"])
        if options["cost"]:
            self.cost()
        if options["scale"]:
            for reader in all_readers:
                if hasattr(reader, "tokens"):
                    self.scale(reader)

    def load(self, path, fixture):
        data = json.loads(path.read_text())
        documents = {
            d["id"]: [d[k] for k in ("title", "quote", "note") if d.get(k)]
            for d in data["documents"]
        }
        # Each query with the documents its relevance was judged among: the set's queries
        # were judged on the set's pledges only, so a fixture pledge they also find (often
        # rightly: "반도체" finds the fixture's semiconductor pledge) is not counted against
        # them.
        judged = set(documents)
        queries = [(q["q"], q["kind"], set(q["relevant"]), judged) for q in data["queries"]]
        # The fixture's Korean titles (title_ko, once translated): each pledge should be
        # found by its whole title, and by no other document.
        for row in json.loads(fixture.read_text()):
            fields = row["fields"]
            if row["model"] == "tracker.pledge" and fields.get("title_ko"):
                key = f"fixture-{row['pk']}"
                documents[key] = [fields["title_ko"], fields.get("title", "")]
                queries.append((fields["title_ko"], "fixture title", {key}, None))
        return documents, queries

    def score(self, reader, documents, queries, misses):
        """Recall averaged over queries; precision over all results pooled (a query that
        finds nothing adds nothing to it, and counts under "none found")."""
        if isinstance(reader, Database):
            with reader.loaded(documents):
                results = [reader.find(query) for query, *_ in queries]
        else:
            index = {key: reader.index(texts) for key, texts in documents.items()}
            results = [
                {key for key, document in index.items() if reader.matches(query, document)}
                for query, *_ in queries
            ]
        by_kind = defaultdict(list)
        for (query, kind, relevant, judged), got in zip(queries, results, strict=True):
            got = got if judged is None else got & judged
            for group in ("all", kind):
                by_kind[group].append((len(got & relevant), len(got), len(relevant)))
            if misses and got != relevant:
                self.stdout.write(
                    f"  {reader.name}: {query!r} missed {sorted(relevant - got)} "
                    f"extra {sorted(got - relevant)}"
                )
        self.stdout.write(f"\n{reader.name}")
        self.stdout.write(f"  {'kind':15} {'queries':>7} {'recall':>7} {'precision':>9} none found")
        for kind, rows in sorted(by_kind.items(), key=lambda kv: (kv[0] != "all", kv[0])):
            recall = statistics.mean(hit / wanted for hit, _, wanted in rows)
            returned = sum(got for _, got, _ in rows)
            precision = sum(hit for hit, _, _ in rows) / returned if returned else 0.0
            none = sum(1 for _, got, _ in rows if not got)
            self.stdout.write(f"  {kind:15} {len(rows):7} {recall:7.2f} {precision:9.2f} {none:10}")

    def cost(self):
        """Import, first analysis and memory, each reader in a fresh interpreter."""
        probe = (
            "import re, time; t = time.perf_counter(); {setup}; "
            "loaded = time.perf_counter(); {call}; "
            "status = open('/proc/self/status').read(); "
            "print(loaded - t, time.perf_counter() - loaded, "
            "re.search(r'VmHWM:\\s+(\\d+)', status).group(1))"
        )
        baseline = "import django"
        cases = {
            "python + django": (baseline, "None"),
            "ngrams": (
                f"{baseline}; from tracker import search",
                "search.search_columns(['반도체 공급망 협력을 강화해 나가기로 하였다'])",
            ),
            "kiwi": (
                f"{baseline}; from kiwipiepy import Kiwi; kiwi = Kiwi()",
                "kiwi.tokenize('반도체 공급망 협력을 강화해 나가기로 하였다')",
            ),
        }
        self.stdout.write("\nreader            import+load s  first call s  peak RSS MB")
        for name, (setup, call) in cases.items():
            result = subprocess.run(  # noqa: S603 (our own probe, no outside input)
                [sys.executable, "-c", probe.format(setup=setup, call=call)],
                capture_output=True,
                text=True,
                cwd=settings.BASE_DIR,
            )
            if result.returncode:
                self.stdout.write(f"{name:17} not installed")
                continue
            load, first, rss_kb = result.stdout.split()
            self.stdout.write(
                f"{name:17} {float(load):13.2f} {float(first):13.3f} {int(rss_kb) / 1024:11.0f}"
            )

    def scale(self, reader):
        started = time.perf_counter()
        rows = search.texts_by_pledge(Pledge.objects.order_by(), StatusUpdate.objects.published())
        read = time.perf_counter() - started
        started = time.perf_counter()
        tokens = [(pk, reader.tokens(texts)) for pk, texts in rows]
        spent = time.perf_counter() - started
        size = sum(len(t.encode()) for _, t in tokens)
        self.stdout.write(
            f"\n{reader.name} at scale: {len(rows):,} pledges read in {read:.1f} s, "
            f"tokenised in {spent:.1f} s; {size / 1e6:.1f} MB of tokens"
        )
        if connection.vendor == "postgresql":
            self.postgres_index(reader, tokens)

    def postgres_index(self, reader, tokens):
        """A scratch table with the tokens and a GIN index like search()'s, for its size
        and query plans; dropped at the end."""
        table = f"search_eval_{reader.name}"
        simple = "to_tsvector('simple', tokens)"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE {table} (id integer, tokens text)")
            with cursor.copy(f"COPY {table} (id, tokens) FROM STDIN") as copy:
                for row in tokens:
                    copy.write_row(row)
            started = time.perf_counter()
            cursor.execute(f"CREATE INDEX {table}_gin ON {table} USING gin (({simple}))")
            built = time.perf_counter() - started
            cursor.execute(f"ANALYZE {table}")
            cursor.execute(f"SELECT pg_relation_size('{table}_gin')")
            size = cursor.fetchone()[0]
            self.stdout.write(f"  GIN index built in {built:.1f} s, {size / 1e6:.1f} MB")
            for query in SCALE_QUERIES:
                tsquery = self.tsquery(reader, query)
                timings = []
                for _ in range(3):
                    cursor.execute(  # the table's name is ours; the query is a parameter
                        f"EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM {table} "  # noqa: S608
                        f"WHERE {simple} @@ to_tsquery('simple', %s)",
                        [tsquery],
                    )
                    plan = cursor.fetchone()[0][0]
                    timings.append(plan["Execution Time"])
                count_plan = plan["Plan"]
                rows = count_plan["Plans"][0].get("Actual Rows", "?")
                self.stdout.write(
                    f"  {query:18} {rows:>7} rows  median {statistics.median(timings):7.2f} ms"
                    f"  ({tsquery})"
                )
            cursor.execute(f"DROP TABLE {table}")

    def tsquery(self, reader, query):
        if isinstance(reader, Ngrams):
            return " & ".join(t.tsquery() for t in search.parse(query).korean_terms)
        return " & ".join(f"'{m}'" for m in reader.morphemes(query))
