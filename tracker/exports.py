"""The record as data: the JSON API's fields, the CSV export's columns.

Pledge.to_dict() (on the model, as healthchecks' Check.to_dict()) is one pledge in the JSON
API; API_FIELDS documents each of its fields, in English for the OpenAPI document, and /about/
translates each meaning as it shows it. CSV_COLUMNS names each column of /pledges.csv with
how it is read from a pledge, so the header and the rows cannot drift.
"""

import csv

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Exists, F, OuterRef, StringAgg, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language, gettext_noop

from tracker.i18n import shown
from tracker.models import Pledge, absolute_url, iso_date

API_FIELDS = [
    ("slug", "string", gettext_noop("Permanent identifier; the pledge page is /pledges/<slug>/.")),
    ("url", "string", gettext_noop("The pledge's public page.")),
    ("title", "string", gettext_noop("A short title in plain words (ours, not the speaker's).")),
    (
        "title_ko",
        "string or null",
        gettext_noop("The title in Korean: the tracker's own translation; null until written."),
    ),
    ("status", "string", gettext_noop("Current status code: one of the status filter's values.")),
    ("status_label", "string", gettext_noop("The status in words.")),
    ("overdue", "boolean", gettext_noop("Open status and the target period has ended.")),
    (
        "score",
        "number or null",
        gettext_noop("G7 compliance score of the status: 1, 0, −1; null if not rated."),
    ),
    ("quote", "string", gettext_noop("The pledge, verbatim, as it appears in the statement.")),
    ("description", "string", gettext_noop("Our plain-words summary, may be empty.")),
    (
        "description_ko",
        "string or null",
        gettext_noop("The summary in Korean, our own translation; null until written."),
    ),
    ("specificity", "string", gettext_noop("concrete (checkable) or aspirational.")),
    (
        "target",
        "object",
        gettext_noop(
            "date (ISO, or null), precision (day, month, year, unknown), deadline (last day of "
            "the target period, or null), display (as shown on the site), note, basis (stated "
            "or inferred; null without a target)."
        ),
    ),
    (
        "statement",
        "object",
        gettext_noop(
            "The statement it was first made in: slug, title, title_ko, language (of its "
            "text and quotes: ko or en), url, date, date_precision, display_date, date_note, "
            "date_basis (basis: stated, inferred or other_source; note: the reasoning; source: "
            "url and title; doubt: why we doubt it)."
        ),
    ),
    (
        "made_by",
        "object or null",
        gettext_noop(
            "Who made it: key (the speaker filter's value), kind (person or body), name, "
            "name_ko, office, attribution (basis, note, source, doubt, as for dates; null for "
            "a body)."
        ),
    ),
    (
        "counterparts",
        "array",
        gettext_noop("Countries and organisations it concerns: slug, name, name_ko."),
    ),
    ("topics", "array", gettext_noop("Topics: slug, name, name_ko.")),
    (
        "responsible_body",
        "string or null",
        gettext_noop("The government body responsible for it."),
    ),
    (
        "responsible_body_ko",
        "string or null",
        gettext_noop("Its Korean name; null until written."),
    ),
    (
        "last_update",
        "object or null",
        gettext_noop("The latest public status update: status, as_of (ISO date), note, note_ko."),
    ),
]


class HTMLSafeJSONEncoder(DjangoJSONEncoder):
    """JSON whose strings can never be read as markup, even when echoed input is sniffed
    or the document is embedded in a page (as Django's json_script does)."""

    ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}

    def encode(self, o):
        return super().encode(o).translate(self.ESCAPES)


def _url(obj):
    return absolute_url(obj.get_absolute_url())


def _shown(pledge, column, obj, name):
    """A text column in the file's language (?lang=); where it is not yet translated, the
    other language's text, and the column is named in the row's `untranslated` cell."""
    if obj is None:
        return ""
    text = shown(obj, name)
    if text.missing:
        pledge.untranslated = [*getattr(pledge, "untranslated", []), column]
    return text.text


def _names(pledge, column):
    """'; '-joined counterpart or topic names in the file's language, English where a
    name has no Korean yet (and the column named in `untranslated`)."""
    english = getattr(pledge, f"{column[:-1]}_names") or ""
    if get_language() != "ko":
        return english
    korean = getattr(pledge, f"{column[:-1]}_names_ko") or ""
    if getattr(pledge, f"{column[:-1]}_untranslated"):
        pledge.untranslated = [*getattr(pledge, "untranslated", []), column]
    return korean


def _maker(pledge):
    maker = pledge.made_by
    if maker is None:
        return ""
    label = _shown(pledge, "made_by", maker, "name")
    if maker.is_body:
        return label
    label = f"{label}, {maker.office}"
    return f"{label} (doubtful)" if maker.grounds and maker.grounds.is_doubtful else label


CSV_COLUMNS = {
    "slug": lambda p: p.slug,
    "title": lambda p: _shown(p, "title", p, "title"),
    "status": lambda p: p.status,
    "status_label": lambda p: p.get_status_display(),
    "overdue": lambda p: "yes" if p.is_overdue else "no",
    "target_date": lambda p: iso_date(p.target_date),
    "target_precision": lambda p: p.target_precision,
    "target_display": lambda p: p.display_target,
    "statement_title": lambda p: _shown(p, "statement_title", p.statement, "title"),
    "statement_date": lambda p: iso_date(p.statement.date),
    "statement_date_precision": lambda p: p.statement.date_precision,
    "statement_url": lambda p: _url(p.statement),
    "counterparts": lambda p: _names(p, "counterparts"),
    "topics": lambda p: _names(p, "topics"),
    "responsible_body": lambda p: _shown(p, "responsible_body", p.responsible_body, "name"),
    "made_by": _maker,
    "made_by_doubt": lambda p: p.made_by.grounds.doubt if p.made_by and p.made_by.grounds else "",
    "statement_date_basis": lambda p: p.statement.date_basis,
    "specificity": lambda p: p.specificity,
    "quote": lambda p: p.quote,
    "last_update": lambda p: iso_date(p.latest_update.as_of) if p.latest_update else "",
    "url": _url,
    # Last, after every text column: those of this row shown in the other language.
    "untranslated": lambda p: "; ".join(getattr(p, "untranslated", [])),
}
CSV_HEADER = list(CSV_COLUMNS)


def csv_pledges():
    """Every public pledge with what its row shows, in one query."""
    return (
        Pledge.objects.public()
        .with_overdue()
        .select_related(
            "statement__issuing_body", "responsible_body", "latest_update", "maker__person"
        )
        .annotate(
            counterpart_names=_joined_names("counterparts"),
            topic_names=_joined_names("topics"),
            counterpart_names_ko=_joined_names("counterparts", korean=True),
            topic_names_ko=_joined_names("topics", korean=True),
            counterpart_untranslated=_any_untranslated("counterparts"),
            topic_untranslated=_any_untranslated("topics"),
        )
        .order_by("pk")
    )


def csv_lines(pledges):
    """The CSV text, line by line: a BOM (so spreadsheets read UTF-8), the header, a row
    for each pledge, read through a cursor so memory stays flat however many pledges."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for pledge in pledges.iterator(chunk_size=2000):
        yield writer.writerow(_spreadsheet_safe(read(pledge)) for read in CSV_COLUMNS.values())


def write_csv(path):
    """The whole CSV into the file at `path` (tracker.export_files builds it with the
    data package, from one view of the record, and serves it as /pledges.csv)."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.writelines(csv_lines(csv_pledges()))


def _spreadsheet_safe(value):
    """Defuse CSV formula injection: a cell starting with = + - @ (or a control) is text."""
    value = "" if value is None else str(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _joined_names(relation, korean=False):
    """'; '-joined names of a pledge's counterparts or topics, as a subquery; `korean`:
    each one's Korean name, or its English one where it has none yet."""
    through = getattr(Pledge, relation).through
    target = {"counterparts": "counterpart", "topics": "topic"}[relation]
    order = {}
    if connection.features.supports_aggregate_order_by_clause:
        order = {"order_by": f"{target}__name"}
    name = F(f"{target}__name")
    if korean:
        name = Coalesce(NullIf(F(f"{target}__name_ko"), Value("")), name)
    names = StringAgg(name, Value("; "), **order)
    return Subquery(
        through.objects.filter(pledge=OuterRef("pk"))
        .order_by()
        .values("pledge")
        .annotate(names=names)
        .values("names")
    )


def _any_untranslated(relation):
    """Whether any of a pledge's counterparts or topics has no Korean name yet."""
    target = {"counterparts": "counterpart", "topics": "topic"}[relation]
    through = getattr(Pledge, relation).through
    return Exists(through.objects.filter(pledge=OuterRef("pk"), **{f"{target}__name_ko": ""}))


class _Echo:
    def write(self, value):
        return value
