"""manage.py suggest_eval: how well the pledge suggester finds the curated pledges.

The dev set is the curated fixture: each statement's text and the quotes of its pledges
and restatements. Matching is by span overlap (tracker.ingest.evaluate). Also prints the
time to suggest pledges for a 5,000-word statement, and with --reviews the precision
curators' decisions give in real use.
"""

import datetime
import json
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker.ingest import clean
from tracker.ingest.evaluate import Score
from tracker.ingest.gazetteer import Gazetteer
from tracker.ingest.restatements import Candidate, RestatementIndex
from tracker.ingest.suggest import suggest
from tracker.models import ReviewDecision, SuggestionReview

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SPEED_WORDS = 5000


class Command(BaseCommand):
    help = "Score the pledge suggester on the curated seed statements; time it on 5,000 words."

    def add_arguments(self, parser):
        parser.add_argument("--fixture", type=Path, default=FIXTURES / "tracker.json")
        parser.add_argument("--gazetteer", type=Path, default=FIXTURES / "gazetteer.json")
        parser.add_argument(
            "--seeds",
            type=Path,
            help="Also run the raw seed files in this folder through the cleaner first.",
        )
        parser.add_argument(
            "--verbose-errors", action="store_true", help="List false positives too."
        )
        parser.add_argument("--reviews", action="store_true", help="Precision in real use.")
        parser.add_argument(
            "--candidates",
            type=int,
            default=20000,
            help="Existing pledges to compare against in the speed run.",
        )

    def handle(self, *args, **options):
        records = self.load(options["fixture"], options["gazetteer"])
        self.evaluate("curated texts", records, lambda s: s["text"], options)
        if options["seeds"]:
            self.evaluate("raw seed files, cleaned", records, self.seed_text(options), options)
        self.speed(records, options["candidates"])
        if options["reviews"]:
            self.reviews()

    def load(self, fixture, gazetteer_file):
        try:
            objects = json.loads(fixture.read_text()) + json.loads(gazetteer_file.read_text())
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the fixtures: {error}") from error
        by_model = {}
        for obj in objects:
            by_model.setdefault(obj["model"], []).append(obj)
        statements = {
            o["pk"]: {**o["fields"], "pk": o["pk"]} for o in by_model["tracker.statement"]
        }
        for statement in statements.values():
            statement["gold"] = []
        pledges = by_model.get("tracker.pledge", [])
        for obj in pledges + by_model.get("tracker.restatement", []):
            statements[obj["fields"]["statement"]]["gold"].append(obj["fields"]["quote"])
        aliases, keywords = {}, {}
        for obj in by_model.get("tracker.counterpartalias", []):
            aliases.setdefault(obj["fields"]["counterpart"], []).append(obj["fields"]["alias"])
        for obj in by_model.get("tracker.topickeyword", []):
            keywords.setdefault(obj["fields"]["topic"], []).append(obj["fields"]["keyword"])
        gazetteer = Gazetteer.build(
            [
                (o["pk"], o["fields"]["name"], aliases.get(o["pk"], []))
                for o in by_model.get("tracker.counterpart", [])
            ],
            [
                (o["pk"], o["fields"]["name"], keywords.get(o["pk"], []))
                for o in by_model.get("tracker.topic", [])
            ],
        )
        people = {o["pk"]: o["fields"]["name"] for o in by_model.get("tracker.person", [])}
        speakers = {}
        for obj in by_model.get("tracker.speaker", []):
            fields = obj["fields"]
            speakers.setdefault(fields["statement"], []).append(people[fields["person"]])
        candidates = [
            (
                o["fields"]["statement"],
                Candidate(o["pk"], o["fields"]["title"], o["fields"]["quote"], ""),
            )
            for o in pledges
        ]
        restated = {
            (o["fields"]["statement"], o["fields"]["quote"]): o["fields"]["pledge"]
            for o in by_model.get("tracker.restatement", [])
        }
        return {
            "statements": list(statements.values()),
            "gazetteer": gazetteer,
            "speakers": speakers,
            "candidates": candidates,
            "restated": restated,
        }

    def seed_text(self, options):
        folder = options["seeds"]

        def text(statement):
            path = folder / statement.get("source_file", "")
            if not path.is_file():
                raise CommandError(f"No seed file {path}")
            return clean.from_upload(path.name, path.read_bytes()).text

        return text

    def evaluate(self, label, records, text_of, options):
        score = Score()
        restatements_found = restatements_total = 0
        lines = []
        for statement in records["statements"]:
            text = text_of(statement)
            gold = []
            for quote in statement["gold"]:
                start = text.find(quote)
                if start < 0:
                    score.gold += 1
                    score.misses.append((statement["title"], f"(not in the text) {quote}"))
                    continue
                gold.append((start, start + len(quote)))
            # The statement's own pledges do not exist yet when it is ingested.
            index = RestatementIndex(c for pk, c in records["candidates"] if pk != statement["pk"])
            suggestions = suggest(
                text,
                statement_date=_date(statement),
                gazetteer=records["gazetteer"],
                speakers=records["speakers"].get(statement["pk"], []),
                restatements=index,
            )
            before = (score.found, score.gold, score.correct, score.suggested)
            score.add(statement["title"], text, gold, suggestions)
            found, total = score.found - before[0], score.gold - before[1]
            correct, suggested = score.correct - before[2], score.suggested - before[3]
            lines.append(
                f"  {statement['title'][:60]:<60}  found {found:>2}/{total:<2}  "
                f"correct {correct:>2}/{suggested:<2}"
            )
            for (pk, quote), pledge in records["restated"].items():
                if pk != statement["pk"] or (start := text.find(quote)) < 0:
                    continue
                restatements_total += 1
                if any(
                    s.start < start + len(quote)
                    and start < s.end
                    and pledge in [m.candidate.pk for m in s.restates]
                    for s in suggestions
                ):
                    restatements_found += 1

        self.stdout.write(self.style.MIGRATE_HEADING(f"Suggester on the {label}"))
        self.stdout.write("\n".join(lines))
        self.stdout.write(
            f"  recall    {score.recall:.2f}  ({score.found} of {score.gold} curated quotes)\n"
            f"  precision {score.precision:.2f}  "
            f"({score.correct} of {score.suggested} suggestions)"
        )
        if restatements_total:
            self.stdout.write(
                f"  restatements linked to the right pledge: {restatements_found} of "
                f"{restatements_total}"
            )
        for document, quote in score.misses:
            self.stdout.write(f"  MISS [{document[:30]}] {quote}")
        if options["verbose_errors"]:
            for document, quote, confidence in score.false_positives:
                self.stdout.write(f"  EXTRA {confidence:.2f} [{document[:30]}] {quote}")
        return score

    def speed(self, records, candidates):
        paragraphs = [p for s in records["statements"] for p in s["text"].split("\n\n")]
        chosen, words, i = [], 0, 0
        while words < SPEED_WORDS:
            paragraph = paragraphs[i % len(paragraphs)]
            chosen.append(paragraph)
            words += len(paragraph.split())
            i += 1
        text = "\n\n".join(chosen)
        pledges = [c for _, c in records["candidates"]]
        many = [
            Candidate(
                n, pledges[n % len(pledges)].title, f"{pledges[n % len(pledges)].quote} {n}", ""
            )
            for n in range(candidates)
        ]
        started = time.perf_counter()
        index = RestatementIndex(many)
        indexing = time.perf_counter() - started
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            found = suggest(
                text,
                statement_date=datetime.date(2025, 9, 1),
                gazetteer=records["gazetteer"],
                restatements=index,
            )
            runs.append(time.perf_counter() - started)
        self.stdout.write(self.style.MIGRATE_HEADING("Speed"))
        self.stdout.write(
            f"  {words:,} words, {len(found)} suggestions, compared with {candidates:,} existing "
            f"pledges: median {statistics.median(runs):.2f} s, slowest {max(runs):.2f} s "
            f"(5 runs; target 1 s)\n"
            f"  indexing the {candidates:,} pledges once: {indexing:.2f} s "
            "(the screen keeps the index until the record changes)"
        )

    def reviews(self):
        counts = {d: SuggestionReview.objects.filter(decision=d).count() for d in ReviewDecision}
        kept = counts["accepted"] + counts["edited"] + counts["restatement"]
        judged = kept + counts["rejected"]
        found = kept + counts["added"]
        self.stdout.write(self.style.MIGRATE_HEADING("In real use (curators' decisions)"))
        if not judged:
            self.stdout.write("  No reviewed suggestions yet.")
            return
        self.stdout.write(
            f"  precision {kept / judged:.2f} ({kept} of {judged} suggestions kept)\n"
            f"  recall    {kept / found:.2f} ({counts['added']} pledges added by hand)"
            if found
            else ""
        )


def _date(statement):
    if statement.get("date") and statement.get("date_precision") == "day":
        return datetime.date.fromisoformat(statement["date"])
    return None
