"""Public, read-only pages. Everything here goes through the .public() querysets.

Every view runs a fixed number of queries whatever the size of the record, and answers
conditional GETs from the record's Revision, so a write shows at once and an unchanged
page costs one query. tracker.caching keeps rendered pages under the same ETag, so a
page already rendered for this revision costs that one query too.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override

from tracker import api
from tracker.caching import one_pledge, per_revision, public_view, rendered
from tracker.exports import API_FIELDS, CSV_HEADER
from tracker.filters import PLEDGE_LIST_PARAMS, CachedRowsPaginator, PledgeFilter
from tracker.htmx import is_fragment
from tracker.i18n import OUTPUT_LANGUAGE, shown
from tracker.models import (
    Correction,
    Counterpart,
    Pledge,
    Restatement,
    Speaker,
    Statement,
    Status,
    absolute_url,
)
from tracker.verdicts import badge, claim_review, crosswalk_rows

PER_PAGE = 25


PLEDGE_ROW = "public/_pledge_items.html#pledge-row"
pledge_row = rendered(PLEDGE_ROW)


def _pledge_page(request, rows, via=None):
    """The requested page of list rows, each row's HTML kept per pledge.

    `via`: the counterpart whose list marks the pledges counted via a grouping (its page,
    or the counterpart filter): the mark names the grouping, so those rows differ."""
    variant = f"via:{via}" if via else ""
    paginator = CachedRowsPaginator(rows, PER_PAGE, PLEDGE_ROW, pledge_row, variant=variant)
    return paginator.get_page(request.GET.get("page"))


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
    pledges = PledgeFilter(request.GET, Pledge.objects.public().for_list())
    page = _pledge_page(request, pledges.qs, via=pledges.form.filters.get("counterpart"))
    template = "public/pledge_list.html"
    if is_fragment(request):
        template += "#results"
    return render(request, template, {"form": pledges.form, "page": page, "htmx_pages": True})


@public_view(scope=one_pledge)
def pledge_detail(request, slug):
    pledge = get_object_or_404(api.pledge_with_history(), slug=slug)
    # The badge's address has no language prefix: it names the page's language instead,
    # unless that is the badge's default.
    badge_url = reverse("pledge_badge", args=[pledge.slug])
    if get_language() != OUTPUT_LANGUAGE:
        badge_url += f"?lang={get_language()}"
    context = {
        "pledge": pledge,
        "page_url": absolute_url(pledge.get_absolute_url()),
        "corrections": Correction.objects.public().filter(
            Q(pledge=pledge) | Q(statement_id=pledge.statement_id)
        ),
        "claim_review": claim_review(pledge, list(pledge.updates.all())),
        "badge_url": badge_url,
        "embed_snippet": format_html(
            '<a href="{}"><img src="{}" alt="{}" height="20"></a>',
            absolute_url(pledge.get_absolute_url()),
            absolute_url(badge_url),
            _("%(title)s: %(status)s (Korea Pledge Tracker)")
            % {"title": shown(pledge, "title").marked, "status": pledge.get_status_display()},
        ),
    }
    return render(request, "public/pledge_detail.html", context)


# An image that other sites embed: nothing in it may load or run, wherever it is opened.
BADGE_CSP = {"default-src": [CSP.NONE], "frame-ancestors": [CSP.NONE]}


@csp_override(BADGE_CSP)
@public_view(params=["lang"], scope=one_pledge)
def pledge_badge(request, slug):
    """A small SVG of the pledge's status for other sites to embed with <img>.

    Its address has no language prefix, so ?lang=ko or ?lang=en says which language it
    speaks (English by default: tracker.i18n.output_language); the language is part of its
    ETag and cache key, as for every page. Cached and revalidated by revision like every
    public page; served cross-origin as an image (Cross-Origin-Resource-Policy), never
    sniffed, under a CSP that allows nothing."""
    pledge = get_object_or_404(Pledge.objects.public().with_overdue(), slug=slug)
    response = render(request, "public/badge.svg", badge(pledge), content_type="image/svg+xml")
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


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
        .select_related("issuing_body", "translation_of")
        .prefetch_related(
            Prefetch("speaker_set", queryset=Speaker.objects.select_related("person")),
            Prefetch(
                "translations", queryset=Statement.objects.public(), to_attr="public_translations"
            ),
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
    context = {"statement": statement, "marks": marks}
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


@public_view(params=["page"])
def group_detail(request, slug, model, about, list_url, filter_param, feed, follow=None):
    """A counterpart's or a topic's page: how its pledges stand, then the pledges.

    The URL conf says which (`model`) and names what the page links to: the list it belongs
    to, the pledge filter that narrows to it, its feeds and, if it has one, its follow form.
    The group itself says which pledges are its own (PledgeGroup.pledges_here)."""
    group = get_object_or_404(model, slug=slug)
    tally = per_revision(
        f"tally-{model.__name__}-{group.pk}",
        lambda: group.pledges_here(Pledge.objects.public()).tally(),
    )
    if not tally.total:
        raise Http404("No public pledges.")  # nothing public about it: as if it did not exist
    pledges = group.pledges_here(Pledge.objects.public().for_list())
    context = {
        "object": group,
        "tally": tally,
        "page": _pledge_page(request, pledges, via=slug if model is Counterpart else None),
        "about": about,
        "list_url": reverse(list_url),
        "list_label": capfirst(model._meta.verbose_name_plural),
        "filter_param": f"{filter_param}={slug}",
        "feed_url": reverse(feed, args=[slug]),
        "json_feed_url": reverse(f"{feed}_json", args=[slug]),
        "follow_url": reverse(follow, args=[slug]) if follow else None,
    }
    return render(request, "public/group_detail.html", context)


@public_view
def about(request):
    statuses = [
        {"status": s, "open": s.is_open, "score": s.score, "description": s.description}
        for s in Status
    ]
    context = {
        "statuses": statuses,
        "status_values": Status.values,
        "crosswalk": crosswalk_rows(),
        "fields": [
            (name, api.type_in_words(kind), _(meaning)) for name, kind, meaning in API_FIELDS
        ],
        "csv_columns": CSV_HEADER,
        "contact_email": settings.TRACKER_CONTACT_EMAIL,
    }
    return render(request, "public/about.html", context)


# Corrections ----------------------------------------------------------------------------


@public_view(params=["page"])
def correction_list(request):
    page = Paginator(Correction.objects.public(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "public/corrections.html", {"page": page})
