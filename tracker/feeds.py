"""Atom feeds of status updates: every public pledge, one counterpart's, or one pledge's.

The URLconf wraps them in tracker.caching.public_view, like every public page."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join, linebreaks
from django.utils.safestring import mark_safe

from tracker.models import Counterpart, Pledge, StatusUpdate, absolute_url

ITEMS = 50


class StatusChangeFeed(Feed):
    feed_type = Atom1Feed
    title = "Korea Pledge Tracker: status updates"
    subtitle = "Every public update to a pledge's status, with the evidence behind it."
    author_name = "Korea Pledge Tracker"

    # Absolute links from the configured origin: Feed would otherwise take the Host header.
    def link(self):
        return absolute_url(reverse("home"))

    def feed_url(self):
        return absolute_url(reverse("feed"))

    def updates(self):
        return (
            StatusUpdate.objects.public()
            .select_related("pledge__maker__person", "pledge__statement__issuing_body")
            .prefetch_related("evidence")
            .order_by("-created_at", "-pk")
        )

    def items(self):
        return self.updates()[:ITEMS]

    def item_title(self, update):
        status = update.get_status_display()
        if update.status_changed and update.previous_status:
            return f"{update.pledge.title}: {update.get_previous_status_display()} → {status}"
        return f"{update.pledge.title}: {status} (update)"

    def item_link(self, update):
        return absolute_url(f"{update.pledge.get_absolute_url()}#update-{update.pk}")

    def item_description(self, update):
        """The public note and the evidence links: never the internal note."""
        evidence = format_html_join(
            "", '<li><a href="{}">{}</a></li>', ((e.url, e.title) for e in update.evidence.all())
        )
        return format_html(
            "<p>As of {}: {}.</p>{}{}",
            f"{update.as_of.day} {update.as_of:%B %Y}",
            update.get_status_display(),
            mark_safe(linebreaks(update.public_note, autoescape=True)),  # noqa: S308 - escaped
            format_html("<p>Evidence:</p><ul>{}</ul>", evidence) if evidence else "",
        )

    def item_author_name(self, update):
        """Who made the pledge (not who wrote the update: staff stay anonymous)."""
        maker = update.pledge.made_by
        return maker.label if maker else None

    def item_pubdate(self, update):
        return update.created_at

    def item_updateddate(self, update):
        return update.created_at


class CounterpartFeed(StatusChangeFeed):
    def get_object(self, request, slug):
        counterpart = get_object_or_404(Counterpart, slug=slug)
        if not Pledge.objects.public().concerning(slug).exists():
            raise Http404("No public pledges.")
        return counterpart

    def title(self, counterpart):
        return f"Korea Pledge Tracker: status updates on pledges concerning {counterpart.name}"

    def link(self, counterpart):
        return absolute_url(counterpart.get_absolute_url())

    def feed_url(self, counterpart):
        return absolute_url(reverse("counterpart_feed", args=[counterpart.slug]))

    def items(self, counterpart):
        # With the pledges of the groupings it belongs to, as its page lists them.
        return self.updates().filter(pledge__in=Pledge.objects.concerning(counterpart.slug))[:ITEMS]


class PledgeFeed(StatusChangeFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Pledge.objects.public(), slug=slug)

    def title(self, pledge):
        return f"Korea Pledge Tracker: {pledge.title}"

    def subtitle(self, pledge):
        return f"Every public status update on the pledge “{pledge.title}”."

    def link(self, pledge):
        return absolute_url(pledge.get_absolute_url())

    def feed_url(self, pledge):
        return absolute_url(reverse("pledge_feed", args=[pledge.slug]))

    def items(self, pledge):
        return self.updates().filter(pledge=pledge)[:ITEMS]
