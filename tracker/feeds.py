"""Feeds of status updates: every public pledge, one counterpart's, one topic's or one
pledge's, each as Atom and as JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).
Also a feed of corrections, in both formats.

A JSON feed is its Atom feed's class with another feed_type and url_name: the same items,
so the two can never disagree on what is public. The URLconf wraps them in
tracker.caching.public_view, like every public page."""

import json

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, SyndicationFeed, rfc3339_date
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.exports import HTMLSafeJSONEncoder
from tracker.i18n import shown
from tracker.models import Correction, Counterpart, Pledge, StatusUpdate, Topic, absolute_url
from tracker.templatetags.tracker_tags import corrected_fields

ITEMS = 50


class JSONFeed(SyndicationFeed):
    """JSON Feed 1.1, from what Django's Feed gives any feed generator."""

    content_type = "application/feed+json; charset=utf-8"

    def write(self, outfile, encoding):
        feed = self.feed
        document = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": feed["title"],
            "home_page_url": feed["link"],
            "feed_url": feed["feed_url"],
            "description": feed["subtitle"] or feed["description"],
            "language": feed["language"],
            "authors": [{"name": feed["author_name"]}] if feed["author_name"] else [],
            "items": [self.item(item) for item in self.items],
        }
        # Escaped as json_script escapes: safe even if a browser sniffs it as HTML.
        outfile.write(json.dumps(document, cls=HTMLSafeJSONEncoder, ensure_ascii=False))

    def item(self, item):
        entry = {
            "id": item["unique_id"] or item["link"],
            "url": item["link"],
            "title": item["title"],
            "content_html": item["description"],
            "date_published": rfc3339_date(item["pubdate"]),
        }
        if item["updateddate"]:
            entry["date_modified"] = rfc3339_date(item["updateddate"])
        if item["author_name"]:
            entry["authors"] = [{"name": item["author_name"]}]
        return entry


class StatusChangeFeed(Feed):
    """Every feed speaks the language of its address (/ko/feed/, /en/feed/): its titles and
    words come from the catalogue, its links lead to pages in the same language."""

    feed_type = Atom1Feed
    url_name = "feed"
    # No fixed language: Django's Feed names the active one, the address's (/ko/feed/: ko).

    def title(self):
        return _("Korea Pledge Tracker: status updates")

    def subtitle(self):
        return _("Every public update to a pledge's status, with the evidence behind it.")

    def author_name(self):
        return _("Korea Pledge Tracker")

    # Absolute links from the configured origin: Feed would otherwise take the Host header.
    def link(self):
        return absolute_url(reverse("home"))

    def feed_url(self, obj):
        return absolute_url(reverse(self.url_name, args=[obj.slug] if obj else []))

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
            title = shown(update.pledge, "title").marked
            return f"{title}: {update.get_previous_status_display()} → {status}"
        return _("%(pledge)s: %(status)s (update)") % {
            "pledge": shown(update.pledge, "title").marked,
            "status": status,
        }

    def item_link(self, update):
        return absolute_url(f"{update.pledge.get_absolute_url()}#update-{update.pk}")

    def item_description(self, update):
        """The public note and the evidence links: never the internal note."""
        evidence = format_html_join(
            "", '<li><a href="{}">{}</a></li>', ((e.url, e.title) for e in update.evidence.all())
        )
        as_of = _("As of %(date)s: %(status)s.") % {
            "date": date_format(update.as_of, "DATE_FORMAT"),
            "status": update.get_status_display(),
        }
        note = shown(update, "public_note")
        if note.missing:
            note_html = format_html(
                '<div lang="{}">{}</div><p>{}</p>',
                note.lang,
                mark_safe(linebreaks(note.text, autoescape=True)),  # noqa: S308 - escaped
                f"({_('not yet translated')})",
            )
        else:
            note_html = mark_safe(linebreaks(note.text, autoescape=True))  # noqa: S308 - escaped
        return format_html(
            "<p>{}</p>{}{}",
            as_of,
            note_html,
            format_html("<p>{}</p><ul>{}</ul>", _("Evidence:"), evidence) if evidence else "",
        )

    def item_author_name(self, update):
        """Who made the pledge (not who wrote the update: staff stay anonymous)."""
        maker = update.pledge.made_by
        return maker.label if maker else None

    def item_pubdate(self, update):
        return update.created_at

    def item_updateddate(self, update):
        return update.created_at


class GroupFeed(StatusChangeFeed):
    """Status updates on a counterpart's or a topic's pledges: the pledges its page lists
    (PledgeGroup.pledges_here), so a counterpart's feed has its groupings' pledges too."""

    model = None  # Counterpart or Topic
    title_text = ""  # the feed's title, with the group's name as %(name)s

    def get_object(self, request, slug):
        group = get_object_or_404(self.model, slug=slug)
        if not group.pledges_here(Pledge.objects.public()).exists():
            raise Http404("No public pledges.")
        return group

    def title(self, group):
        return self.title_text % {"name": shown(group, "name").marked}

    def link(self, group):
        return absolute_url(group.get_absolute_url())

    def items(self, group):
        return self.updates().filter(pledge__in=group.pledges_here(Pledge.objects.all()))[:ITEMS]


class CounterpartFeed(GroupFeed):
    model = Counterpart
    title_text = gettext_lazy("Korea Pledge Tracker: status updates on pledges concerning %(name)s")
    url_name = "counterpart_feed"


class TopicFeed(GroupFeed):
    model = Topic
    title_text = gettext_lazy("Korea Pledge Tracker: status updates on pledges about %(name)s")
    url_name = "topic_feed"


class PledgeFeed(StatusChangeFeed):
    url_name = "pledge_feed"

    def get_object(self, request, slug):
        return get_object_or_404(Pledge.objects.public(), slug=slug)

    def title(self, pledge):
        return _("Korea Pledge Tracker: %(pledge)s") % {"pledge": shown(pledge, "title").marked}

    def subtitle(self, pledge):
        return _("Every public status update on the pledge “%(pledge)s”.") % {
            "pledge": shown(pledge, "title").marked
        }

    def link(self, pledge):
        return absolute_url(pledge.get_absolute_url())

    def items(self, pledge):
        return self.updates().filter(pledge=pledge)[:ITEMS]


class StatusChangeJSONFeed(StatusChangeFeed):
    feed_type = JSONFeed
    url_name = "feed_json"


class CounterpartJSONFeed(CounterpartFeed):
    feed_type = JSONFeed
    url_name = "counterpart_feed_json"


class TopicJSONFeed(TopicFeed):
    feed_type = JSONFeed
    url_name = "topic_feed_json"


class PledgeJSONFeed(PledgeFeed):
    feed_type = JSONFeed
    url_name = "pledge_feed_json"


class CorrectionFeed(StatusChangeFeed):
    """Every public correction to the record: what changed and why."""

    url_name = "correction_feed"

    def title(self):
        return _("Korea Pledge Tracker: corrections")

    def subtitle(self):
        return _("Each change to a published quote, title, date, attribution or status history.")

    def link(self):
        return absolute_url(reverse("correction_list"))

    def items(self):
        return Correction.objects.public()[:ITEMS]

    def item_title(self, correction):
        return _("Correction to “%(subject)s”: %(fields)s") % {
            "subject": shown(correction.subject, "title").marked,
            "fields": corrected_fields(correction)["names"].lower(),
        }

    def item_link(self, correction):
        return absolute_url(correction.get_absolute_url())

    def item_author_name(self, correction):
        """The tracker corrects its own record: no maker to name (a statement's correction
        has no pledge to take one from)."""
        return None

    def item_description(self, correction):
        changes = format_html_join(
            "",
            "<li>{}</li>",
            (
                (
                    _("%(field)s: previously “%(before)s”, now “%(after)s”")
                    % {"field": row["label"], "before": row["before"], "after": row["after"]},
                )
                for row in corrected_fields(correction)["rows"]
            ),
        )
        return format_html(
            "{}<ul>{}</ul>",
            mark_safe(linebreaks(correction.reason, autoescape=True)),  # noqa: S308 - escaped
            changes,
        )

    def item_pubdate(self, correction):
        return correction.created_at

    def item_updateddate(self, correction):
        return correction.created_at


class CorrectionJSONFeed(CorrectionFeed):
    feed_type = JSONFeed
    url_name = "correction_feed_json"
