"""Public, read-only pages. Everything here goes through the .public() querysets.

Every view runs a fixed number of queries whatever the size of the record, and answers
conditional GETs from the record's Revision, so a write shows at once and an unchanged
page costs one query. tracker.caching keeps rendered pages under the same ETag, so a
page already rendered for this revision costs that one query too.
"""

from django import forms
from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from tracker import exports
from tracker.caching import per_revision, public_view
from tracker.exports import API_FIELDS, CSV_HEADER, HTMLSafeJSONEncoder
from tracker.htmx import is_fragment
from tracker.models import (
    Counterpart,
    Evidence,
    Pledge,
    Restatement,
    Speaker,
    Statement,
    Status,
    StatusUpdate,
    Topic,
    absolute_url,
)

PER_PAGE = 25
API_PER_PAGE = 100


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
            "tally": per_revision("tally", public.tally),
            "recent": recent,
            "overdue": overdue,
            "by_counterpart": per_revision(
                "tallies-by-counterparts", lambda: public.tallies_by("counterparts")
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
                # The pledge is public, so all its updates are: no second pass over the
                # public pledges (an IN subquery that cost 25 ms a page on SQLite).
                queryset=StatusUpdate.objects.timeline().prefetch_related(
                    Prefetch("evidence", queryset=Evidence.objects.select_related("archive")),
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
    public = Pledge.objects.public()
    groups = per_revision("tallies-by-counterparts", lambda: public.tallies_by("counterparts"))
    return render(request, "public/counterpart_list.html", {"groups": groups})


@public_view
def topic_list(request):
    public = Pledge.objects.public()
    groups = per_revision("tallies-by-topics", lambda: public.tallies_by("topics"))
    return render(request, "public/topic_list.html", {"groups": groups})


def _group_page(request, obj, narrow, context, rows=None):
    """A counterpart's or topic's page: how its pledges stand, then the pledges.

    `narrow` keeps the pledges the page is about; `rows`, if given, is the queryset the
    list is drawn from (a counterpart's marks pledges that concern it via a grouping)."""
    tally = per_revision(
        f"tally-{type(obj).__name__}-{obj.pk}", lambda: narrow(Pledge.objects.public()).tally()
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
            "results": [p.to_dict() for p in page],
        }
    )


@public_view
def pledges_csv(request):
    """Every public pledge, one row each (tracker.exports has the columns).

    Served from a file built once per revision (and day), so a download costs a file
    read, not 20,000 rows through the ORM; a write makes the next download build anew.
    """
    path = per_revision("pledges-csv", exports.csv_file)
    if not path.exists():  # another host or a cleaned temp directory: build it here
        path = exports.csv_file()
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename="pledges.csv",
        content_type="text/csv; charset=utf-8",
    )
