"""The pledge lists: one FilterSet for /pledges/ and /api/pledges.json, extended by the
staff worklist with what only editors need, and the paginator for long lists.

Every filter is optional, and a bad value in one never stops the others: the form drops it
from cleaned_data, django-filter applies the rest, and the page (or the API's 400) names it.
"""

import django_filters
from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

from tracker.caching import cached_rows, per_revision
from tracker.i18n import Label
from tracker.models import (
    Counterpart,
    Pledge,
    Restatement,
    Statement,
    Status,
    Topic,
    start_of_week,
)


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


class CachedRowsPaginator(RowsPaginator):
    """A RowsPaginator whose pages hold produce(row) for each row (its HTML, its JSON),
    produced only when no earlier page has since the row changed (caching.cached_rows)."""

    def __init__(self, rows, per_page, name, produce, variant=""):
        super().__init__(rows, per_page)
        self.name, self.produce, self.variant = name, produce, variant

    def _get_page(self, ids, number, paginator):
        produced = cached_rows(self.rows, list(ids), self.name, self.produce, variant=self.variant)
        return Paginator._get_page(self, produced, number, paginator)


class QuickSelect(forms.Select):
    """A <select> written out in Python, the same HTML as Django's.

    Django's form renderer renders a template for the select and another for each option:
    the public filters' 110 options cost a list page 15 ms of CPU; this costs 1 ms."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) in chosen else ""}>'
            f"{escape(label)}</option>"
            for v, label in self.choices
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe(options),  # noqa: S308 - every value and label is escaped above
        )


class FilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.statement_obj = None

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


class PublicFilterForm(FilterForm):
    def clean_statement(self):
        slug = self.cleaned_data["statement"]
        if slug:
            self.statement_obj = Statement.objects.public().filter(slug=slug).first()
            if self.statement_obj is None:
                raise forms.ValidationError(
                    _("There is no published statement “%(slug)s”.") % {"slug": slug}
                )
        return slug


class SlugFilter(django_filters.CharFilter):
    field_class = forms.SlugField


class Checkbox(django_filters.Filter):
    """A checkbox: on filters, off (absent from the query string) does not."""

    field_class = forms.BooleanField


class PledgeFilter(django_filters.FilterSet):
    """The public filters, over Pledge.objects.public() (the choices count public pledges)."""

    q = django_filters.CharFilter(
        label=gettext_lazy("Search"),
        method="filter_search",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *Status.choices],
        empty_label=None,
        widget=QuickSelect,
    )
    counterpart = django_filters.ChoiceFilter(
        label=gettext_lazy("Counterpart"),
        method="filter_counterpart",
        empty_label=None,
        widget=QuickSelect,
    )
    topic = django_filters.ChoiceFilter(
        label=gettext_lazy("Topic"), field_name="topics__slug", empty_label=None, widget=QuickSelect
    )
    speaker = django_filters.ChoiceFilter(
        label=gettext_lazy("Made by"), method="filter_maker", empty_label=None, widget=QuickSelect
    )
    year = django_filters.TypedChoiceFilter(
        label=gettext_lazy("Year"),
        field_name="statement__date__year",
        coerce=int,
        empty_value=None,
        widget=QuickSelect,
    )
    statement = SlugFilter(
        label=gettext_lazy("Statement"),
        method="filter_statement",
        max_length=200,
        widget=forms.HiddenInput,
    )
    overdue = Checkbox(label=gettext_lazy("Overdue only"), method="filter_overdue")

    class Meta:
        form = PublicFilterForm

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        for name, choices in self.choices().items():
            self.filters[name].extra["choices"] = choices

    def choices(self):
        # Four passes over every public pledge, whose answers only a write can change.
        # Status updates change none of them.
        return per_revision("pledge-filter-choices", public_choices, broad=True)

    def filter_search(self, pledges, name, terms):
        return pledges.search(terms)

    def filter_counterpart(self, pledges, name, slug):
        # A country's filter includes the pledges of the groupings it belongs to.
        return pledges.concerning(slug).with_via_grouping(slug)

    def filter_maker(self, pledges, name, key):
        return pledges.made_by(key)

    def filter_statement(self, pledges, name, slug):
        """Pledges made in the statement, or restated in it."""
        restated = Restatement.objects.filter(
            statement__in=Statement.objects.public().filter(slug=slug)
        ).values("pledge")
        return pledges.filter(Q(statement__slug=slug) | Q(pk__in=restated))

    def filter_overdue(self, pledges, name, on):
        return pledges.overdue() if on else pledges


def public_choices():
    public = Pledge.objects.public()
    with_pledges = Statement.objects.filter(pk__in=public.values("statement"))
    return {
        "counterpart": [("", gettext_lazy("Any counterpart"))]
        + [
            (slug, Label(name, name_ko, suffix=f" ({n})"))
            for slug, name, name_ko, n in Counterpart.objects.with_pledge_counts(public)
            .order_by("name")
            .values_list("slug", "name", "name_ko", "n")
        ],
        "topic": [("", gettext_lazy("Any topic"))]
        + [
            (slug, Label(name, name_ko, suffix=f" ({n})"))
            for slug, name, name_ko, n in Topic.objects.filter(pledges__in=public)
            .annotate(n=Count("pledges"))
            .order_by("name")
            .values_list("slug", "name", "name_ko", "n")
        ],
        "speaker": [("", gettext_lazy("Anyone"))] + public.maker_choices(),
        "year": [("", gettext_lazy("Any year"))]
        + [(d.year, d.year) for d in with_pledges.dates("date", "year", "DESC")],
    }


SORTS = {
    "statement": (gettext_lazy("Newest statement"), [F("statement__date").desc(nulls_last=True)]),
    "target": (gettext_lazy("Soonest target"), [F("target_deadline").asc(nulls_last=True)]),
    "updated": (
        gettext_lazy("Longest without update"),
        [F("latest_update__created_at").asc(nulls_first=True)],
    ),
    "-updated": (
        gettext_lazy("Most recently updated"),
        [F("latest_update__created_at").desc(nulls_last=True)],
    ),
    "status": (
        pgettext_lazy("sort by", "Status"),
        [
            Case(
                *(When(status=value, then=Value(i)) for i, value in enumerate(Status.values)),
                output_field=IntegerField(),
            )
        ],
    ),
    "title": (pgettext_lazy("sort by", "Title"), ["title"]),
}
DEFAULT_SORT = "statement"
RECENT_STATEMENTS = 50


# What /pledges/ and /api/pledges.json take: the filters and the page (tracker.caching
# sends anything else to the URL without it).
PLEDGE_LIST_PARAMS = [*PledgeFilter.base_filters, "page"]


class WorklistFilter(PledgeFilter):
    """The staff worklist: every pledge, published or not, and the editors' own filters.

    Pass request= (the "updated by me" filter needs the user).
    """

    q = django_filters.CharFilter(
        label=gettext_lazy("Search"),
        method="filter_search",
        widget=forms.SearchInput(
            attrs={"placeholder": gettext_lazy("Title, quote or description")}
        ),
    )
    speaker = None
    year = None
    statement = django_filters.ChoiceFilter(
        label=gettext_lazy("Statement"),
        field_name="statement__slug",
        empty_label=None,
        help_text=format_lazy(
            gettext_lazy(
                "The {count} most recent, or any other by its link from a staff pledge page."
            ),
            count=RECENT_STATEMENTS,
        ),
    )
    due_this_month = Checkbox(label=gettext_lazy("Due this month"), method="filter_due_this_month")
    overdue = Checkbox(label=gettext_lazy("Overdue"), method="filter_overdue")
    quiet = Checkbox(
        label=format_lazy(
            ngettext_lazy(
                "No update in {days} day", "No update in {days} days", settings.TRACKER_QUIET_DAYS
            ),
            days=settings.TRACKER_QUIET_DAYS,
        ),
        method="filter_quiet",
        help_text=gettext_lazy(
            "open pledges only; if never updated, counted from when it was added"
        ),
    )
    unrated = Checkbox(label=gettext_lazy("Not yet rated"), method="filter_unrated")
    mine = Checkbox(label=gettext_lazy("Updated by me this week"), method="filter_mine")
    awaiting_review = Checkbox(
        label=gettext_lazy("Awaiting review"), method="filter_awaiting_review"
    )
    dead_evidence = Checkbox(
        label=gettext_lazy("Dead evidence"),
        method="filter_dead_evidence",
        help_text=gettext_lazy("a link that no longer answers"),
    )
    sort = django_filters.ChoiceFilter(
        label=gettext_lazy("Sort by"),
        # The default sort has the empty value, so it stays out of the URL.
        choices=[("" if key == DEFAULT_SORT else key, label) for key, (label, _) in SORTS.items()],
        empty_label=None,
        method="keep",  # applied in filter_queryset, after every filter, default included
    )

    class Meta:
        form = FilterForm

    ORDER = [
        "q",
        "status",
        "counterpart",
        "topic",
        "statement",
        "due_this_month",
        "overdue",
        "quiet",
        "unrated",
        "mine",
        "awaiting_review",
        "dead_evidence",
        "sort",
    ]

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters = {name: self.filters[name] for name in self.ORDER}

    def choices(self):
        # 2,000 statements make a heavy <select>: offer the most recent, plus the chosen one.
        fields = ("slug", "title", "title_ko", "language")
        recent = list(Statement.objects.values_list(*fields)[:RECENT_STATEMENTS])
        chosen = self.data.get("statement") if self.is_bound else None
        if chosen and chosen not in {slug for slug, *_ in recent}:
            recent += list(Statement.objects.filter(slug=chosen).values_list(*fields))
        named = ("slug", "name", "name_ko")
        return {
            "counterpart": [
                ("", gettext_lazy("Any counterpart")),
                *(
                    (slug, Label(name, ko))
                    for slug, name, ko in Counterpart.objects.values_list(*named)
                ),
            ],
            "topic": [
                ("", gettext_lazy("Any topic")),
                *((slug, Label(name, ko)) for slug, name, ko in Topic.objects.values_list(*named)),
            ],
            "statement": [
                ("", gettext_lazy("Any statement")),
                *((slug, Label(title, ko, language)) for slug, title, ko, language in recent),
            ],
        }

    def filter_counterpart(self, pledges, name, slug):
        return pledges.filter(counterparts__slug=slug)

    def filter_due_this_month(self, pledges, name, on):
        return pledges.due_this_month(timezone.localdate()) if on else pledges

    def filter_quiet(self, pledges, name, on):
        return pledges.quiet() if on else pledges

    def filter_unrated(self, pledges, name, on):
        return pledges.filter(status=Status.NOT_YET_RATED) if on else pledges

    def filter_mine(self, pledges, name, on):
        return pledges.updated_by(self.request.user, start_of_week()) if on else pledges

    def filter_awaiting_review(self, pledges, name, on):
        return pledges.awaiting_review() if on else pledges

    def filter_dead_evidence(self, pledges, name, on):
        return pledges.with_dead_evidence() if on else pledges

    def keep(self, pledges, name, value):
        return pledges

    def filter_queryset(self, pledges):
        pledges = super().filter_queryset(pledges)
        order = SORTS[self.form.cleaned_data.get("sort") or DEFAULT_SORT][1]
        return pledges.order_by(*order, "pk")
