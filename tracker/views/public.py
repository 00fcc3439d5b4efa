"""Public, read-only pages. Everything here goes through the .public() querysets.

Every view runs a fixed number of queries whatever the size of the record, and answers
conditional GETs from the record's Revision, so a write shows at once and an unchanged
page costs one query. tracker.caching keeps rendered pages under the same ETag, so a
page already rendered for this revision costs that one query too.
"""

import csv
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, StringAgg, Subquery, Value
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import cached_property

from tracker.caching import per_revision, public_view
from tracker.exports import absolute_url
from tracker.htmx import is_fragment
from tracker.models import (
    Counterpart,
    Pledge,
    Restatement,
    Speaker,
    Statement,
    Status,
    StatusUpdate,
    Topic,
)

PER_PAGE = 25
API_PER_PAGE = 100


# Tallies and the compliance score --------------------------------------------------------


@dataclass
class TallyRow:
    status: Status
    count: int
    share: float  # percent of all pledges in the tally
    offset: float  # where its segment starts in the stacked bar, in percent

    @property
    def percent(self):
        return round(self.share)


class Tally:
    """How many pledges stand at each status, how many are overdue, and their G7 score."""

    def __init__(self, counts, overdue=0):
        self.counts = {status: counts.get(status.value, 0) for status in Status}
        self.total = sum(self.counts.values())
        self.overdue = overdue

    @classmethod
    def of(cls, pledges):
        """The tally of a public pledge queryset, in one grouped query."""
        rows = (
            pledges.with_overdue()
            .order_by()
            .values("status")
            .annotate(n=Count("pk"), late=Count("pk", filter=Q(is_overdue=True)))
        )
        counts, overdue = {}, 0
        for row in rows:
            counts[row["status"]] = row["n"]
            overdue += row["late"]
        return cls(counts, overdue)

    @cached_property
    def rows(self):
        rows, offset = [], 0.0
        for status, count in self.counts.items():
            share = 100 * count / self.total if self.total else 0.0
            rows.append(TallyRow(status, count, share, offset))
            offset += share
        return rows

    @cached_property
    def percent(self):
        """Whole percentages by status value, for templates: tally.percent.achieved."""
        return {row.status.value: row.percent for row in self.rows}

    @property
    def achieved(self):
        return self.counts[Status.ACHIEVED]

    @property
    def broken(self):
        return self.counts[Status.BROKEN]

    @property
    def rated(self):
        return self.total - self.counts[Status.NOT_YET_RATED]

    @property
    def score(self):
        """Achieved +1; partial, in progress or stalled 0; not started or broken -1;
        averaged over the rated pledges (not yet rated ones are left out)."""
        if not self.rated:
            return None
        points = sum(
            n * status.score for status, n in self.counts.items() if status.score is not None
        )
        return points / self.rated

    @property
    def summary_text(self):
        if not self.total:
            return "no pledges"
        return ", ".join(
            f"{row.count} {row.status.label.lower()} ({row.percent}%)"
            for row in self.rows
            if row.count
        )


@dataclass
class GroupTally:
    slug: str
    name: str
    tally: Tally


def tallies_by(relation, pledges):
    """One grouped query: a Tally for each counterpart (or topic) of the given pledges."""
    per_status = {f"n_{s.value}": Count("pk", filter=Q(status=s)) for s in Status}
    rows = (
        pledges.with_overdue()
        .filter(**{f"{relation}__isnull": False})
        .order_by()
        .values(f"{relation}__slug", f"{relation}__name")
        .annotate(total=Count("pk"), late=Count("pk", filter=Q(is_overdue=True)), **per_status)
        .order_by("-total", f"{relation}__name")
    )
    return [
        GroupTally(
            row[f"{relation}__slug"],
            row[f"{relation}__name"],
            Tally({s.value: row[f"n_{s.value}"] for s in Status}, row["late"]),
        )
        for row in rows
    ]


def counterpart_tallies(pledges):
    """tallies_by("counterparts") with each grouping's pledges also counted for its members,
    as the members' own pages count them, each pledge once: three queries."""
    groups = {g.slug: g for g in tallies_by("counterparts", pledges)}
    through_groupings = pledges.filter(counterparts__members__isnull=False)
    named = set(  # every counterpart they name, not only the grouping: a second join
        Pledge.objects.filter(pk__in=through_groupings.values("pk")).values_list(
            "pk", "counterparts__slug"
        )
    )
    via = (
        through_groupings.with_overdue()
        .values_list(
            "pk",
            "status",
            "is_overdue",
            "counterparts__members__slug",
            "counterparts__members__name",
        )
        .order_by()
        .distinct()
    )
    for pk, status, late, slug, name in via:
        if (pk, slug) in named:
            continue  # named directly as well: already counted
        named.add((pk, slug))
        group = groups.setdefault(slug, GroupTally(slug, name, Tally({})))
        group.tally = Tally(
            {s.value: n + (s == status) for s, n in group.tally.counts.items()},
            group.tally.overdue + late,
        )
    return sorted(groups.values(), key=lambda g: (-g.tally.total, g.name))


# Filters shared by /pledges/ and /api/pledges.json ----------------------------------------


class PledgeFilterForm(forms.Form):
    """The query-string filters. Invalid values are dropped (and named), never a 500."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Status.choices])
    counterpart = forms.ChoiceField(required=False)
    topic = forms.ChoiceField(required=False)
    speaker = forms.ChoiceField(label="Made by", required=False)
    year = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    statement = forms.SlugField(required=False, max_length=200, widget=forms.HiddenInput)
    overdue = forms.BooleanField(required=False, label="Overdue only")

    def __init__(self, data):
        super().__init__(data)
        # Four passes over every public pledge, whose answers only a write can change.
        for name, choices in per_revision("pledge-filter-choices", self.choices).items():
            self.fields[name].choices = choices
        self.statement_obj = None

    @staticmethod
    def choices():
        public = Pledge.objects.public()
        with_pledges = Statement.objects.filter(pk__in=public.values("statement"))
        return {
            "counterpart": [("", "Any counterpart")]
            + [
                (slug, f"{name} ({n})")
                for slug, name, n in Counterpart.objects.with_pledge_counts(public)
                .order_by("name")
                .values_list("slug", "name", "n")
            ],
            "topic": [("", "Any topic")]
            + [
                (slug, f"{name} ({n})")
                for slug, name, n in Topic.objects.filter(pledges__in=public)
                .annotate(n=Count("pledges"))
                .order_by("name")
                .values_list("slug", "name", "n")
            ],
            "speaker": [("", "Anyone")] + public.maker_choices(),
            "year": [("", "Any year")]
            + [(d.year, d.year) for d in with_pledges.dates("date", "year", "DESC")],
        }

    def clean_statement(self):
        slug = self.cleaned_data["statement"]
        if slug:
            self.statement_obj = Statement.objects.public().filter(slug=slug).first()
            if self.statement_obj is None:
                raise forms.ValidationError(f"There is no published statement “{slug}”.")
        return slug

    @property
    def filters(self):
        """The valid filters only: a bad value in one field leaves the others working."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None, False)}

    @property
    def ignored(self):
        """A plain-words list of the parameters we had to ignore."""
        self.is_valid()
        return [
            f"{self.fields[name].label or name.capitalize()}: {' '.join(errors)}"
            for name, errors in self.errors.items()
        ]

    def apply(self, pledges):
        f = self.filters
        if "q" in f:
            pledges = pledges.search(f["q"])
        if "status" in f:
            pledges = pledges.filter(status=f["status"])
        if "counterpart" in f:
            pledges = pledges.concerning(f["counterpart"]).with_via_grouping(f["counterpart"])
        if "topic" in f:
            pledges = pledges.filter(topics__slug=f["topic"])
        if "speaker" in f:
            pledges = pledges.made_by(f["speaker"])
        if "year" in f:
            pledges = pledges.filter(statement__date__year=f["year"])
        if "statement" in f:
            restated = Restatement.objects.filter(
                statement__in=Statement.objects.public().filter(slug=f["statement"])
            ).values("pledge")
            pledges = pledges.filter(Q(statement__slug=f["statement"]) | Q(pk__in=restated))
        if "overdue" in f:
            pledges = pledges.overdue()
        return pledges


class RowsPaginator(Paginator):
    """Sorts and counts narrow rows (ids), then loads only the page's rows in full.

    Sorting 20,000 pledges with their statements' full text (about 1.5 KB a row) spilled
    to disk; sorting the ids alone stays in memory, and the page's 25 or 100 rows are
    then one lookup by primary key, with everything the page shows.
    """

    def __init__(self, rows, per_page):
        self.rows = rows
        super().__init__(rows.values_list("pk", flat=True), per_page)

    def _get_page(self, ids, number, paginator):
        ids = list(ids)
        loaded = self.rows.order_by().in_bulk(ids)
        return super()._get_page([loaded[pk] for pk in ids], number, paginator)


PLEDGE_LIST_PARAMS = [*PledgeFilterForm.base_fields, "page"]


def _pledge_rows():
    """Public pledges with what a list row shows, in a fixed number of queries."""
    return (
        Pledge.objects.public()
        .with_overdue()
        .select_related("statement__issuing_body", "latest_update", "maker__person")
        .prefetch_related("counterparts", "topics")
    )


# Pages ----------------------------------------------------------------------------------


@public_view
def home(request):
    public = Pledge.objects.public()
    recent = (
        public.with_overdue()
        .filter(latest_update__isnull=False)
        .select_related("latest_update", "statement")
        .order_by("-latest_update__created_at", "-pk")[:8]
    )
    overdue = public.overdue().select_related("statement").order_by("target_deadline", "pk")[:5]
    return render(
        request,
        "public/home.html",
        {
            "tally": per_revision("tally", lambda: Tally.of(public)),
            "recent": recent,
            "overdue": overdue,
            "by_counterpart": per_revision(
                "tallies-by-counterparts", lambda: counterpart_tallies(public)
            )[:12],
        },
    )


@public_view(params=PLEDGE_LIST_PARAMS)
def pledge_list(request):
    form = PledgeFilterForm(request.GET)
    pledges = form.apply(_pledge_rows())
    page = RowsPaginator(pledges, PER_PAGE).get_page(request.GET.get("page"))
    template = "public/pledge_list.html"
    if is_fragment(request):
        template += "#results"
    return render(request, template, {"form": form, "page": page, "htmx_pages": True})


@public_view
def pledge_detail(request, slug):
    pledge = get_object_or_404(
        Pledge.objects.public()
        .with_overdue()
        .select_related("statement__issuing_body", "responsible_body", "maker__person")
        .prefetch_related(
            "counterparts",
            "topics",
            Prefetch("statement__speaker_set", queryset=Speaker.objects.select_related("person")),
            Prefetch(
                "updates",
                queryset=StatusUpdate.objects.public()
                .timeline()
                .prefetch_related(
                    "evidence",
                    Prefetch("source_statement", queryset=Statement.objects.public()),
                ),
            ),
            Prefetch(
                "restatements",
                queryset=Restatement.objects.filter(
                    statement__in=Statement.objects.public()
                ).select_related("statement"),
            ),
        ),
        slug=slug,
    )
    return render(
        request,
        "public/pledge_detail.html",
        {"pledge": pledge, "page_url": absolute_url(pledge.get_absolute_url())},
    )


@public_view(params=["page"])
def statement_list(request):
    statements = (
        Statement.objects.public()
        .select_related("issuing_body")
        .prefetch_related(
            Prefetch("speaker_set", queryset=Speaker.objects.select_related("person"))
        )
        .annotate(n_pledges=Count("pledges", filter=Q(pledges__in=Pledge.objects.public())))
        .order_by(*Statement._meta.ordering, "pk")  # grouped queries drop Meta.ordering
    )
    page = Paginator(statements, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "public/statement_list.html", {"page": page})


@public_view
def statement_detail(request, slug):
    statement = get_object_or_404(
        Statement.objects.public()
        .select_related("issuing_body")
        .prefetch_related(
            Prefetch("speaker_set", queryset=Speaker.objects.select_related("person")),
            Prefetch(
                "pledges",
                queryset=Pledge.objects.public().with_overdue().select_related("maker__person"),
                to_attr="public_pledges",
            ),
            Prefetch(
                "restatements",
                queryset=Restatement.objects.filter(
                    pledge__in=Pledge.objects.public()
                ).select_related("pledge__statement__issuing_body", "pledge__maker__person"),
                to_attr="public_restatements",
            ),
        ),
        slug=slug,
    )
    for restatement in statement.public_restatements:
        restatement.pledge.is_overdue = restatement.pledge.is_overdue_on()
    marks = [(p, p.quote) for p in statement.public_pledges] + [
        (r.pledge, r.quote) for r in statement.public_restatements
    ]
    context = {
        "statement": statement,
        "marks": marks,
        "page_url": absolute_url(statement.get_absolute_url()),
    }
    return render(request, "public/statement_detail.html", context)


@public_view
def counterpart_list(request):
    groups = per_revision(
        "tallies-by-counterparts", lambda: counterpart_tallies(Pledge.objects.public())
    )
    return render(request, "public/counterpart_list.html", {"groups": groups})


@public_view
def topic_list(request):
    groups = per_revision(
        "tallies-by-topics", lambda: tallies_by("topics", Pledge.objects.public())
    )
    return render(request, "public/topic_list.html", {"groups": groups})


def _group_page(request, obj, narrow, context, rows=None):
    """A counterpart's or topic's page: how its pledges stand, then the pledges.

    `narrow` keeps the pledges the page is about; `rows`, if given, is the queryset the
    list is drawn from (a counterpart's marks pledges that concern it via a grouping)."""
    tally = per_revision(
        f"tally-{type(obj).__name__}-{obj.pk}", lambda: Tally.of(narrow(Pledge.objects.public()))
    )
    if not tally.total:
        raise Http404("No public pledges.")  # nothing public about it: as if it did not exist
    pledges = narrow(rows if rows is not None else _pledge_rows())
    page = RowsPaginator(pledges, PER_PAGE).get_page(request.GET.get("page"))
    context = {"object": obj, "tally": tally, "page": page, **context}
    return render(request, "public/group_detail.html", context)


@public_view(params=["page"])
def counterpart_detail(request, slug):
    counterpart = get_object_or_404(Counterpart, slug=slug)
    return _group_page(
        request,
        counterpart,
        lambda pledges: pledges.concerning(slug),
        {
            "kind": "counterpart",
            "list_url": reverse("counterpart_list"),
            "list_label": "Counterparts",
            "filter_param": f"counterpart={slug}",
            "feed_url": reverse("counterpart_feed", args=[slug]),
            "members": counterpart.members.all(),
            "groupings": counterpart.groupings.filter(
                pledges__in=Pledge.objects.public()
            ).distinct(),
        },
        rows=_pledge_rows().with_via_grouping(slug),
    )


@public_view(params=["page"])
def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    return _group_page(
        request,
        topic,
        lambda pledges: pledges.filter(topics=topic),
        {
            "kind": "topic",
            "list_url": reverse("topic_list"),
            "list_label": "Topics",
            "filter_param": f"topic={slug}",
        },
    )


@public_view
def about(request):
    statuses = [
        {"status": s, "open": s.is_open, "score": s.score, "description": s.description}
        for s in Status
    ]
    context = {
        "statuses": statuses,
        "fields": API_FIELDS,
        "csv_columns": CSV_HEADER,
        "contact_email": settings.TRACKER_CONTACT_EMAIL,
    }
    return render(request, "public/about.html", context)


# Data out -------------------------------------------------------------------------------

API_FIELDS = [
    ("slug", "string", "Permanent identifier; the pledge page is /pledges/<slug>/."),
    ("url", "string", "The pledge's public page."),
    ("title", "string", "A short title in plain words (ours, not the speaker's)."),
    ("status", "string", "Current status code: " + ", ".join(Status.values) + "."),
    ("status_label", "string", "The status in words."),
    ("overdue", "boolean", "Open status and the target period has ended."),
    ("score", "number or null", "G7 compliance score of the status: 1, 0, −1; null if not rated."),
    ("quote", "string", "The pledge, verbatim, as it appears in the statement."),
    ("description", "string", "Our plain-words summary, may be empty."),
    ("specificity", "string", "concrete (checkable) or aspirational."),
    (
        "target",
        "object",
        "date (ISO, or null), precision (day, month, year, unknown), deadline "
        "(last day of the target period, or null), display (as shown on the site), note, "
        "basis (stated or inferred; null without a target).",
    ),
    (
        "statement",
        "object",
        "The statement it was first made in: slug, title, url, date, "
        "date_precision, display_date, date_note, date_basis (basis: stated, inferred or "
        "other_source; note: the reasoning; source: url and title; doubt: why we doubt it).",
    ),
    (
        "made_by",
        "object or null",
        "Who made it: key (the speaker filter's value), kind (person or body), name, office, "
        "attribution (basis, note, source, doubt, as for dates; null for a body).",
    ),
    ("counterparts", "array", "Countries and organisations it concerns: slug, name."),
    ("topics", "array", "Topics: slug, name."),
    ("responsible_body", "string or null", "The government body responsible for it."),
    (
        "last_update",
        "object or null",
        "The latest public status update: status, as_of (ISO date), note.",
    ),
]


def _iso(date):
    return date.isoformat() if date else None


def pledge_as_json(pledge, request):
    statement = pledge.statement
    update = pledge.latest_update
    return {
        "slug": pledge.slug,
        "url": absolute_url(pledge.get_absolute_url()),
        "title": pledge.title,
        "status": pledge.status,
        "status_label": pledge.get_status_display(),
        "overdue": pledge.is_overdue,
        "score": pledge.status_enum.score,
        "quote": pledge.quote,
        "description": pledge.description,
        "specificity": pledge.specificity,
        "target": {
            "date": _iso(pledge.target_date),
            "precision": pledge.target_precision,
            "deadline": _iso(pledge.target_deadline),
            "display": pledge.display_target,
            "basis": pledge.target_basis if pledge.target_grounds else None,
            "note": pledge.target_note,
        },
        "statement": {
            "slug": statement.slug,
            "title": statement.title,
            "url": absolute_url(statement.get_absolute_url()),
            "date": _iso(statement.date),
            "date_precision": statement.date_precision,
            "display_date": statement.display_date,
            "date_note": statement.date_note,
            "date_basis": statement.date_grounds.as_dict(),
        },
        "made_by": maker.as_dict() if (maker := pledge.made_by) else None,
        "counterparts": [{"slug": c.slug, "name": c.name} for c in pledge.counterparts.all()],
        "topics": [{"slug": t.slug, "name": t.name} for t in pledge.topics.all()],
        "responsible_body": pledge.responsible_body.name if pledge.responsible_body else None,
        "last_update": update
        and {"status": update.status, "as_of": _iso(update.as_of), "note": update.public_note},
    }


class HTMLSafeJSONEncoder(DjangoJSONEncoder):
    """JSON whose strings can never be read as markup, even when echoed input is sniffed
    or the document is embedded in a page (as Django's json_script does)."""

    ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}

    def encode(self, o):
        return super().encode(o).translate(self.ESCAPES)


def _json(data, status=200):
    return JsonResponse(
        data, status=status, encoder=HTMLSafeJSONEncoder, json_dumps_params={"ensure_ascii": False}
    )


@public_view(params=PLEDGE_LIST_PARAMS)
def pledges_json(request):
    form = PledgeFilterForm(request.GET)
    if form.ignored:
        return _json({"errors": form.errors.get_json_data()}, status=400)
    pledges = form.apply(_pledge_rows().select_related("responsible_body"))
    paginator = RowsPaginator(pledges, API_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage) as error:
        return _json({"errors": {"page": [{"message": str(error)}]}}, status=400)

    def link(number):
        params = request.GET.copy()
        params["page"] = number
        return absolute_url(f"{request.path}?{params.urlencode()}")

    return _json(
        {
            "count": paginator.count,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [pledge_as_json(p, request) for p in page],
        }
    )


CSV_HEADER = [
    "slug",
    "title",
    "status",
    "status_label",
    "overdue",
    "target_date",
    "target_precision",
    "target_display",
    "statement_title",
    "statement_date",
    "statement_date_precision",
    "statement_url",
    "counterparts",
    "topics",
    "responsible_body",
    "made_by",
    "made_by_doubt",
    "statement_date_basis",
    "specificity",
    "quote",
    "last_update",
    "url",
]


def _spreadsheet_safe(value):
    """Defuse CSV formula injection: a cell starting with = + - @ (or a control) is text."""
    value = "" if value is None else str(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _joined_names(relation):
    """'; '-joined names of a pledge's counterparts or topics, as a subquery."""
    through = getattr(Pledge, relation).through
    target = {"counterparts": "counterpart", "topics": "topic"}[relation]
    order = {}
    if connection.features.supports_aggregate_order_by_clause:
        order = {"order_by": f"{target}__name"}
    names = StringAgg(f"{target}__name", Value("; "), **order)
    return Subquery(
        through.objects.filter(pledge=OuterRef("pk"))
        .order_by()
        .values("pledge")
        .annotate(names=names)
        .values("names")
    )


class _Echo:
    def write(self, value):
        return value


@public_view
def pledges_csv(request):
    """Every public pledge, one row each: UTF-8 with a BOM so spreadsheets read it right.

    One query, streamed through a cursor, so memory stays flat however many pledges.
    """
    pledges = (
        Pledge.objects.public()
        .with_overdue()
        .select_related(
            "statement__issuing_body", "responsible_body", "latest_update", "maker__person"
        )
        .annotate(
            counterpart_names=_joined_names("counterparts"), topic_names=_joined_names("topics")
        )
        .order_by("pk")
    )
    base = settings.TRACKER_ORIGIN

    def rows():
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(CSV_HEADER)
        for p in pledges.iterator(chunk_size=2000):
            s = p.statement
            maker = p.made_by
            yield writer.writerow(
                _spreadsheet_safe(v)
                for v in [
                    p.slug,
                    p.title,
                    p.status,
                    p.get_status_display(),
                    "yes" if p.is_overdue else "no",
                    _iso(p.target_date),
                    p.target_precision,
                    p.display_target,
                    s.title,
                    _iso(s.date),
                    s.date_precision,
                    base + s.get_absolute_url(),
                    p.counterpart_names,
                    p.topic_names,
                    p.responsible_body.name if p.responsible_body else "",
                    maker.label if maker else "",
                    maker.grounds.doubt if maker and maker.grounds else "",
                    s.date_basis,
                    p.specificity,
                    p.quote,
                    _iso(p.latest_update.as_of) if p.latest_update else "",
                    base + p.get_absolute_url(),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pledges.csv"'
    return response
