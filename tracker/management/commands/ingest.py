"""manage.py ingest FILE…: clean each document and print its suggested pledges."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker.ingest import clean, metadata
from tracker.ingest.save import save_reviewed
from tracker.ingest.suggest import suggest_from_record
from tracker.models import DatePrecision, Person, Statement


class Command(BaseCommand):
    help = (
        "Clean HTML, PDF or text files (plain-text copies of web pages included) and print "
        "the suggested pledges. Nothing is saved unless --save is given; then the statement "
        "and its suggested pledges are saved unpublished, for a curator to review."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print a JSON list."
        )
        parser.add_argument("--save", action="store_true", help="Save, unpublished.")
        parser.add_argument(
            "--date", help="The statement's date, when the document does not give it."
        )

    def handle(self, *args, files, as_json, save, date, **options):
        results = []
        for path in files:
            document = self.read(path, date)
            results.append(document)
            if save:
                self.save(document)
        if as_json:
            rows = [
                {"file": str(doc["path"]), **s.to_dict()}
                for doc in results
                for s in doc["suggestions"]
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for document in results:
                self.print_table(document)

    def read(self, path, date):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        try:
            cleaned = clean.from_upload(path.name, data)
        except clean.SourceError as error:
            raise CommandError(f"{path}: {error}") from error
        people = list(Person.objects.values_list("pk", "name"))
        meta = metadata.guess(data.decode("utf-8", "replace"), cleaned, people)
        if date:
            try:
                meta.date = metadata.dates.parse_date(date)
            except metadata.dates.UnreadableDate as error:
                raise CommandError(f"--date: {error}") from error
        base = meta.date.date if meta.date and meta.date.precision == "day" else None
        suggestions = suggest_from_record(
            cleaned.text, statement_date=base, speakers=[name for _, name in meta.speakers]
        )
        return {"path": path, "cleaned": cleaned, "meta": meta, "suggestions": suggestions}

    def print_table(self, document):
        meta = document["meta"]
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"{document['path']}: {meta.title or '(no title)'}")
        )
        self.stdout.write(
            f"  date {meta.date or 'not found'} · outlet {meta.outlet or 'not found'} · "
            f"language {meta.language} · {len(document['cleaned'].text.split())} words · "
            f"{len(document['suggestions'])} suggestions"
        )
        self.stdout.write(f"  {'#':>2}  {'conf':>4}  {'spec':<5}  {'target':<14}  quote")
        for number, s in enumerate(document["suggestions"], 1):
            target = str(s.target) if s.target else "-"
            names = ", ".join(e.name for e in s.counterparts)
            quote = s.quote if len(s.quote) <= 110 else s.quote[:107] + "…"
            self.stdout.write(
                f"  {number:>2}  {s.confidence:>4.2f}  {s.specificity[:5]:<5}  {target:<14}  "
                f"{quote}  [{s.start}:{s.end}]"
            )
            self.stdout.write(f"{'':>34}title: {s.title}" + (f" · with: {names}" if names else ""))
            for match in s.restates:
                self.stdout.write(
                    f"{'':>34}restates? #{match.candidate.pk} {match.candidate.title} "
                    f"({match.similarity:.2f})"
                )

    def save(self, document):
        cleaned, meta = document["cleaned"], document["meta"]
        duplicate = Statement.objects.with_text(cleaned.text).first()
        if duplicate is not None:
            raise CommandError(
                f"{document['path']}: already in the tracker as statement {duplicate.pk} "
                f"“{duplicate}” (/admin/tracker/statement/{duplicate.pk}/change/). "
                "Nothing saved."
            )
        statement = Statement(
            title=(meta.title or document["path"].stem)[:300],
            kind=meta.kind,
            date=meta.date.date if meta.date else None,
            date_precision=meta.date.precision if meta.date else DatePrecision.UNKNOWN,
            publisher=meta.outlet[:200],
            language=meta.language,
            source_url=meta.source_url[:500],
            source_file=document["path"].name[:200],
            text=cleaned.text,
        )
        drafts = [
            (
                {
                    "decision": "accept",
                    "title": s.title or s.quote[:60],
                    "start": s.start,
                    "end": s.end,
                    "counterparts": [c.pk for c in s.counterparts],
                    "topics": [t.pk for t in s.topics],
                    "target": s.target,
                    "specificity": s.specificity,
                },
                s,
            )
            for s in document["suggestions"]
        ]
        speakers = Person.objects.filter(pk__in=[pk for pk, _ in meta.speakers])
        try:
            statement = save_reviewed(statement, speakers, drafts, [], None, record=False)
        except ValidationError as error:
            raise CommandError(f"{document['path']}: nothing saved: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Saved statement {statement.pk} “{statement}” with {len(drafts)} pledges, "
                "unpublished: review them in the admin."
            )
        )
