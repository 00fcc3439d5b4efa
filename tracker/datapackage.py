"""The whole public record as a Frictionless Tabular Data Package, served at /data/.

TABLES names each CSV file of the package with its Table Schema: every field with its type,
its description (the data dictionary /data/ shows) and how it is read from a row, so the
header, the rows and the dictionary cannot drift. Keys between files are slugs for what has
a page (statements, pledges, counterparts, topics) and numbers for the rest.

Only what the site publishes goes in: published statements, pledges published in a published
statement, their public status updates (StatusUpdate.objects.public()) and evidence, and the
counterparts and topics those pledges name. Internal notes have no field here at all.

write_package() writes the files, with a zip of the lot; tracker.export_files builds them in
the background once per revision of the record, so a download is a file read.

LICENSE is the licence of the record as data, wherever it is published: this package, the
JSON API (its OpenAPI document), /data/ and /about/ ({% licence %} in tracker_tags).
"""

import csv
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_noop

from tracker.models import (
    Counterpart,
    CounterpartKind,
    DatePrecision,
    Evidence,
    Language,
    Pledge,
    Restatement,
    Specificity,
    Statement,
    StatementKind,
    Status,
    StatusUpdate,
    Topic,
    absolute_url,
    iso_date,
)

PACKAGE_NAME = "korea-pledge-tracker"
ZIP_NAME = f"{PACKAGE_NAME}.zip"
DESCRIPTOR = "datapackage.json"
LICENSE = {
    "name": "CC-BY-4.0",  # the SPDX identifier
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": gettext_noop("Creative Commons Attribution 4.0 International"),
}
ATTRIBUTION = gettext_noop("Korea Pledge Tracker")
# What the licence covers, in the package and on /data/ and /about/: our work, not the
# words we quote. Statements' texts and pledges' quotes are reproduced from their
# publishers so that each verdict can be checked, and stay theirs.
LICENSE_SCOPE = gettext_noop(
    "The licence covers our work: the structure of the record, titles, descriptions, "
    "statuses, dates, notes and the links between them. The texts of statements and the "
    "quotes taken from them are reproduced from their publishers, named with each "
    "statement, so that every verdict can be checked against the words; they remain "
    "theirs and are not ours to licence."
)


@dataclass
class Column:
    name: str
    type: str
    description: str
    read: object
    required: bool = False
    enum: list | None = None

    def schema(self):
        spec = {"name": self.name, "type": self.type, "description": self.description}
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = self.enum
        if constraints:
            spec["constraints"] = constraints
        return spec


@dataclass
class Table:
    name: str
    title: str
    description: str
    rows: object  # a function returning the queryset (or list) of its rows
    columns: list
    primary_key: str
    foreign_keys: list = field(default_factory=list)  # (field, table, table's field)

    @property
    def path(self):
        return f"{self.name}.csv"

    def resource(self):
        return {
            "name": self.name,
            "path": self.path,
            "profile": "tabular-data-resource",
            "title": self.title,
            "description": self.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": [c.schema() for c in self.columns],
                "primaryKey": self.primary_key,
                "foreignKeys": [
                    {"fields": f, "reference": {"resource": table, "fields": key}}
                    for f, table, key in self.foreign_keys
                ],
                "missingValues": [""],
            },
        }


def _page(obj):
    return absolute_url(obj.get_absolute_url())


def _public_statements():
    return (
        Statement.objects.public().select_related("issuing_body", "translation_of").order_by("pk")
    )


# Every translated text has a `_ko` column beside it: the tracker's own Korean translation.
KOREAN_NOTE = gettext_noop("In Korean: the tracker's own translation; empty until written.")


def _korean(name, description, read):
    """The Korean twin of column `name`, described."""
    return Column(f"{name}_ko", "string", description, read)


def _original(statement):
    original = statement.translation_of
    return original.slug if original and original.is_published else ""


def _public_pledges():
    return (
        Pledge.objects.public()
        .select_related("statement", "responsible_body", "maker__person")
        .order_by("pk")
    )


def _public_updates():
    # Not .select_related("source_statement"): an unpublished one is left out by its slug.
    published = Statement.objects.public()
    return (
        StatusUpdate.objects.public()
        .select_related("pledge")
        .annotate(source_is_public=Exists(published.filter(pk=OuterRef("source_statement_id"))))
        .order_by("pk")
    )


def _public_evidence():
    return (
        Evidence.objects.filter(update__in=StatusUpdate.objects.public())
        .select_related("archive")
        .order_by("update_id", "order", "pk")
    )


def _public_restatements():
    return (
        # Pledge.objects.public() spelt as joins: as an IN subquery SQLite took 4 s at scale L.
        Restatement.objects.filter(
            pledge__is_published=True,
            pledge__statement__is_published=True,
            statement__is_published=True,
        )
        .select_related("pledge", "statement")
        .order_by("pk")
    )


def _named(model, relation):
    """Counterparts or topics named by a public pledge."""
    on_public = Q(**{f"{relation}__in": Pledge.objects.public()})
    return model.objects.filter(pk__in=model.objects.filter(on_public).values("pk")).order_by(
        "name"
    )


def _links(relation):
    through = getattr(Pledge, relation).through
    target = {"counterparts": "counterpart", "topics": "topic"}[relation]
    return (
        through.objects.filter(pledge__in=Pledge.objects.public())
        .values_list("pledge__slug", f"{target}__slug")
        .order_by("pledge__slug", f"{target}__slug")
    )


def _memberships():
    named = _named(Counterpart, "pledges")
    through = Counterpart.members.through
    return (
        through.objects.filter(from_counterpart__in=named, to_counterpart__in=named)
        .values_list("from_counterpart__slug", "to_counterpart__slug")
        .order_by("from_counterpart__slug", "to_counterpart__slug")
    )


PRECISIONS = list(DatePrecision.values)

TABLES = [
    Table(
        "statements",
        gettext_noop("Statements"),
        gettext_noop(
            "Speeches, press releases, remarks, readouts and news reports the pledges come from."
        ),
        _public_statements,
        [
            Column(
                "slug",
                "string",
                gettext_noop("Permanent identifier; the page is /statements/<slug>/."),
                lambda s: s.slug,
                required=True,
            ),
            Column(
                "title",
                "string",
                gettext_noop("The statement's title, as the source gives it, in its language."),
                lambda s: s.title,
                required=True,
            ),
            _korean(
                "title",
                gettext_noop(
                    "The title in Korean where the source gives it in another language: the "
                    "tracker's own translation; empty until written."
                ),
                lambda s: s.title_ko,
            ),
            Column(
                "translation_of",
                "string",
                gettext_noop(
                    "If it is a version in another language of a statement in this package "
                    "(the ministry's English version of a Korean original): that original's "
                    "slug."
                ),
                _original,
            ),
            Column(
                "kind",
                "string",
                gettext_noop("What it is."),
                lambda s: s.kind,
                enum=StatementKind.values,
            ),
            Column(
                "date",
                "date",
                gettext_noop(
                    "When it was made (ISO); empty if unknown. A month or year "
                    "date is the first day of the period: read date_precision."
                ),
                lambda s: iso_date(s.date),
            ),
            Column(
                "date_precision",
                "string",
                gettext_noop("How precise the date is."),
                lambda s: s.date_precision,
                enum=PRECISIONS,
            ),
            Column(
                "date_note",
                "string",
                gettext_noop("What the source says about the date, if unclear."),
                lambda s: s.date_note,
            ),
            Column(
                "date_basis",
                "string",
                gettext_noop(
                    "Where the date comes from: stated in the document, "
                    "inferred, or from another source."
                ),
                lambda s: s.date_basis,
            ),
            Column(
                "issuing_body",
                "string",
                gettext_noop("The government body that issued it."),
                lambda s: s.issuing_body.name if s.issuing_body else "",
            ),
            _korean(
                "issuing_body",
                KOREAN_NOTE,
                lambda s: s.issuing_body.name_ko if s.issuing_body else "",
            ),
            Column("event", "string", gettext_noop("The event it was made at."), lambda s: s.event),
            Column("venue", "string", gettext_noop("Where."), lambda s: s.venue),
            Column(
                "publisher",
                "string",
                gettext_noop("Publisher or outlet of the source."),
                lambda s: s.publisher,
            ),
            Column(
                "source_url",
                "string",
                gettext_noop("The source document's address."),
                lambda s: s.source_url,
            ),
            Column(
                "language",
                "string",
                gettext_noop("Language of the text (code)."),
                lambda s: s.language,
                enum=Language.values,
            ),
            Column(
                "notes",
                "string",
                gettext_noop("Public curator's notes on the source."),
                lambda s: s.notes,
            ),
            Column(
                "text",
                "string",
                gettext_noop(
                    "The cleaned full text; paragraphs separated by a blank "
                    "line. Every pledge's quote occurs in it verbatim. The publisher's words, "
                    "not covered by our licence."
                ),
                lambda s: s.text,
            ),
            Column("url", "string", gettext_noop("The statement's page on this site."), _page),
        ],
        "slug",
    ),
    Table(
        "pledges",
        gettext_noop("Pledges"),
        gettext_noop(
            "Each commitment made in a statement, as a verbatim quote with a plain-words title."
        ),
        _public_pledges,
        [
            Column(
                "slug",
                "string",
                gettext_noop("Permanent identifier; the page is /pledges/<slug>/."),
                lambda p: p.slug,
                required=True,
            ),
            Column(
                "statement",
                "string",
                gettext_noop("The statement it was first made in (its slug)."),
                lambda p: p.statement.slug,
                required=True,
            ),
            Column(
                "title",
                "string",
                gettext_noop("A short title in plain words (ours, not the speaker's)."),
                lambda p: p.title,
                required=True,
            ),
            _korean("title", KOREAN_NOTE, lambda p: p.title_ko),
            Column(
                "quote",
                "string",
                gettext_noop("The pledge, verbatim, as it appears in the statement."),
                lambda p: p.quote,
                required=True,
            ),
            Column(
                "description",
                "string",
                gettext_noop("Our plain-words summary; may be empty."),
                lambda p: p.description,
            ),
            _korean("description", KOREAN_NOTE, lambda p: p.description_ko),
            Column(
                "specificity",
                "string",
                gettext_noop("concrete (checkable) or aspirational."),
                lambda p: p.specificity,
                enum=Specificity.values,
            ),
            Column(
                "status",
                "string",
                gettext_noop("Current status: the latest public status update's."),
                lambda p: p.status,
                required=True,
                enum=Status.values,
            ),
            Column(
                "target_date",
                "date",
                gettext_noop(
                    "The target date (ISO); a month or year target is "
                    "the first day of the period: read target_precision."
                ),
                lambda p: iso_date(p.target_date),
            ),
            Column(
                "target_precision",
                "string",
                gettext_noop("How precise the target is; unknown if none."),
                lambda p: p.target_precision,
                enum=PRECISIONS,
            ),
            Column(
                "target_deadline",
                "date",
                gettext_noop("The last day of the target period."),
                lambda p: iso_date(p.target_deadline),
            ),
            Column(
                "target_basis",
                "string",
                gettext_noop("Where the target comes from: stated or inferred."),
                lambda p: p.target_basis if p.target_grounds else "",
            ),
            Column(
                "target_note",
                "string",
                gettext_noop("Our reasoning about the target."),
                lambda p: p.target_note,
            ),
            Column(
                "made_by",
                "string",
                gettext_noop("Who made it: a person and office, or the issuing body."),
                lambda p: p.made_by.label if p.made_by else "",
            ),
            Column(
                "responsible_body",
                "string",
                gettext_noop(
                    "The government body responsible for it; empty for the government as a whole."
                ),
                lambda p: p.responsible_body.name if p.responsible_body else "",
            ),
            _korean(
                "responsible_body",
                KOREAN_NOTE,
                lambda p: p.responsible_body.name_ko if p.responsible_body else "",
            ),
            Column("url", "string", gettext_noop("The pledge's page on this site."), _page),
        ],
        "slug",
        [("statement", "statements", "slug")],
    ),
    Table(
        "status_updates",
        gettext_noop("Status updates"),
        gettext_noop(
            "The dated history of each pledge's status, oldest first. Updates are never edited: "
            "a correction is a new update."
        ),
        _public_updates,
        [
            Column(
                "id",
                "integer",
                gettext_noop("Number of the update."),
                lambda u: u.pk,
                required=True,
            ),
            Column(
                "pledge",
                "string",
                gettext_noop("The pledge (its slug)."),
                lambda u: u.pledge.slug,
                required=True,
            ),
            Column(
                "status",
                "string",
                gettext_noop("The status it records."),
                lambda u: u.status,
                required=True,
                enum=Status.values,
            ),
            Column(
                "previous_status",
                "string",
                gettext_noop("The status before it; empty for the first."),
                lambda u: u.previous_status,
            ),
            Column(
                "as_of",
                "date",
                gettext_noop("When the reported event happened (ISO)."),
                lambda u: iso_date(u.as_of),
                required=True,
            ),
            Column(
                "note",
                "string",
                gettext_noop("Why: our public explanation."),
                lambda u: u.public_note,
            ),
            _korean("note", KOREAN_NOTE, lambda u: u.public_note_ko),
            Column(
                "note_language",
                "string",
                gettext_noop(
                    "The language the note was written in; the other is the tracker's translation."
                ),
                lambda u: u.note_language,
                required=True,
                enum=Language.values,
            ),
            Column(
                "source_statement",
                "string",
                gettext_noop(
                    "A statement on this site that reports the progress (its slug), if any."
                ),
                lambda u: u.source_statement.slug if u.source_is_public else "",
            ),
            Column(
                "recorded_at",
                "datetime",
                gettext_noop("When we recorded it (UTC)."),
                lambda u: u.created_at.isoformat(),
            ),
        ],
        "id",
        [("pledge", "pledges", "slug"), ("source_statement", "statements", "slug")],
    ),
    Table(
        "evidence",
        gettext_noop("Evidence"),
        gettext_noop("The links each status update relies on."),
        _public_evidence,
        [
            Column(
                "id", "integer", gettext_noop("Number of the link."), lambda e: e.pk, required=True
            ),
            Column(
                "status_update",
                "integer",
                gettext_noop("The status update (its id)."),
                lambda e: e.update_id,
                required=True,
            ),
            Column("title", "string", gettext_noop("The linked page's title."), lambda e: e.title),
            Column("url", "string", gettext_noop("The address."), lambda e: e.url, required=True),
            Column(
                "health",
                "string",
                gettext_noop("What our last check of the address found."),
                lambda e: e.health,
            ),
            Column(
                "archived_at",
                "datetime",
                gettext_noop("When the archived copy was taken, if any."),
                lambda e: e.archive.fetched_at.isoformat() if e.archive else "",
            ),
        ],
        "id",
        [("status_update", "status_updates", "id")],
    ),
    Table(
        "counterparts",
        gettext_noop("Counterparts"),
        gettext_noop("Countries, organisations, regions and groupings the pledges concern."),
        lambda: _named(Counterpart, "pledges"),
        [
            Column(
                "slug",
                "string",
                gettext_noop("Permanent identifier; the page is /counterparts/<slug>/."),
                lambda c: c.slug,
                required=True,
            ),
            Column("name", "string", gettext_noop("The name."), lambda c: c.name, required=True),
            _korean("name", KOREAN_NOTE, lambda c: c.name_ko),
            Column(
                "kind",
                "string",
                gettext_noop("What it is."),
                lambda c: c.kind,
                enum=CounterpartKind.values,
            ),
            Column("url", "string", gettext_noop("Its page on this site."), _page),
        ],
        "slug",
    ),
    Table(
        "topics",
        gettext_noop("Topics"),
        gettext_noop("The subjects pledges are filed under."),
        lambda: _named(Topic, "pledges"),
        [
            Column(
                "slug",
                "string",
                gettext_noop("Permanent identifier; the page is /topics/<slug>/."),
                lambda t: t.slug,
                required=True,
            ),
            Column("name", "string", gettext_noop("The name."), lambda t: t.name, required=True),
            _korean("name", KOREAN_NOTE, lambda t: t.name_ko),
            Column("url", "string", gettext_noop("Its page on this site."), _page),
        ],
        "slug",
    ),
    Table(
        "restatements",
        gettext_noop("Restatements"),
        gettext_noop(
            "The same commitment made again in a later statement: tracked once, cited each time."
        ),
        _public_restatements,
        [
            Column(
                "id",
                "integer",
                gettext_noop("Number of the restatement."),
                lambda r: r.pk,
                required=True,
            ),
            Column(
                "pledge",
                "string",
                gettext_noop("The pledge restated (its slug)."),
                lambda r: r.pledge.slug,
                required=True,
            ),
            Column(
                "statement",
                "string",
                gettext_noop("The statement it was restated in (its slug)."),
                lambda r: r.statement.slug,
                required=True,
            ),
            Column(
                "quote",
                "string",
                gettext_noop("The words, verbatim, in that statement."),
                lambda r: r.quote,
                required=True,
            ),
            Column("note", "string", gettext_noop("Our note."), lambda r: r.note),
        ],
        "id",
        [("pledge", "pledges", "slug"), ("statement", "statements", "slug")],
    ),
    Table(
        "pledge_counterparts",
        gettext_noop("Pledges and counterparts"),
        gettext_noop("Which counterparts each pledge concerns: one row per pair."),
        lambda: _links("counterparts"),
        [
            Column(
                "pledge",
                "string",
                gettext_noop("The pledge (its slug)."),
                lambda r: r[0],
                required=True,
            ),
            Column(
                "counterpart",
                "string",
                gettext_noop("The counterpart (its slug)."),
                lambda r: r[1],
                required=True,
            ),
        ],
        ["pledge", "counterpart"],
        [("pledge", "pledges", "slug"), ("counterpart", "counterparts", "slug")],
    ),
    Table(
        "pledge_topics",
        gettext_noop("Pledges and topics"),
        gettext_noop("Which topics each pledge is filed under: one row per pair."),
        lambda: _links("topics"),
        [
            Column(
                "pledge",
                "string",
                gettext_noop("The pledge (its slug)."),
                lambda r: r[0],
                required=True,
            ),
            Column(
                "topic",
                "string",
                gettext_noop("The topic (its slug)."),
                lambda r: r[1],
                required=True,
            ),
        ],
        ["pledge", "topic"],
        [("pledge", "pledges", "slug"), ("topic", "topics", "slug")],
    ),
    Table(
        "counterpart_members",
        gettext_noop("Members of groupings"),
        gettext_noop(
            "The countries in a grouping, where a source names them: a grouping's pledges count "
            "for each member too."
        ),
        _memberships,
        [
            Column(
                "grouping",
                "string",
                gettext_noop("The grouping (its slug)."),
                lambda r: r[0],
                required=True,
            ),
            Column(
                "member",
                "string",
                gettext_noop("A member (its slug)."),
                lambda r: r[1],
                required=True,
            ),
        ],
        ["grouping", "member"],
        [("grouping", "counterparts", "slug"), ("member", "counterparts", "slug")],
    ),
]
TABLES_BY_PATH = {t.path: t for t in TABLES}
FILES = [DESCRIPTOR, *TABLES_BY_PATH, ZIP_NAME]


def descriptor():
    """datapackage.json, as a dict (in English, for the tools that read it): one query, for
    the sources."""
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "Korea Pledge Tracker: the public record",
        "description": "Korea's diplomatic pledges: the statements they were made in, each "
        "pledge as a verbatim quote, and the dated, evidenced history of its status. Only "
        f"what the site publishes. Licence: {LICENSE['title']}, attribution "
        f"“{ATTRIBUTION}”. {LICENSE_SCOPE}",
        "homepage": absolute_url(reverse("data")),
        "licenses": [LICENSE],
        "contributors": [{"title": ATTRIBUTION, "path": absolute_url(reverse("about"))}],
        "sources": [
            *statement_sources(),
            {"title": "Follow-up evidence: the pages linked in evidence.csv, each by its url"},
        ],
        "resources": [t.resource() for t in TABLES],
    }


def statement_sources():
    """Each published statement as a source: its publisher and title, with its address
    where the record has one (none is made up: a statement without one has no path)."""
    sources = []
    for title, publisher, url, slug in _public_statements().values_list(
        "title", "publisher", "source_url", "slug"
    ):
        source = {
            "title": f"{publisher or 'Publisher not named in the source'}: {title}",
            "statement": slug,
        }
        if url:
            source["path"] = url
        sources.append(source)
    return sources


def _cell(value):
    return "" if value is None else str(value)


def write_package(folder):
    """Every file of the package into `folder`: the CSVs, datapackage.json and the zip."""
    folder = Path(folder)
    for table in TABLES:
        with (folder / table.path).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(c.name for c in table.columns)
            rows = table.rows()
            if hasattr(rows, "iterator"):
                rows = rows.iterator(chunk_size=2000)
            for row in rows:
                writer.writerow(_cell(c.read(row)) for c in table.columns)
    text = json.dumps(descriptor(), ensure_ascii=False, indent=2)
    (folder / DESCRIPTOR).write_text(text + "\n", encoding="utf-8")
    with zipfile.ZipFile(folder / ZIP_NAME, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in [DESCRIPTOR, *TABLES_BY_PATH]:
            archive.write(folder / name, f"{PACKAGE_NAME}/{name}")
