"""Template helpers for the public pages: quotes highlighted in their source, dates, badges."""

import datetime
import heapq
import itertools
import json
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy

from tracker import datapackage
from tracker.api import type_in_words
from tracker.exports import HTMLSafeJSONEncoder
from tracker.i18n import as_written, other_languages, page_addresses, shown, written_language
from tracker.models import (
    Basis,
    DatePrecision,
    Pledge,
    Statement,
    Status,
    StatusUpdate,
    absolute_url,
)

register = template.Library()


def paragraph_spans(text):
    """(start, end) of each paragraph in `text`, matching Statement.paragraphs."""
    spans, pos = [], 0
    for part in text.split("\n\n"):
        start = pos + len(part) - len(part.lstrip())
        end = pos + len(part.rstrip())
        if end > start:
            spans.append((start, end))
        pos += len(part) + 2
    return spans


def quote_spans(text, quotes):
    """Every occurrence of each quote in `text`: a list of (start, end, index into quotes)."""
    spans = []
    for i, quote in enumerate(quotes):
        if not quote:
            continue
        start = text.find(quote)
        while start != -1:
            spans.append((start, start + len(quote), i))
            start = text.find(quote, start + len(quote))
    return spans


def _escape_lines(text):
    return "<br>".join(escape(line) for line in text.split("\n"))


def highlight(text, marks, *, anchors=True, only_marked_paragraphs=False):
    """The text as escaped HTML paragraphs with each mark's quote highlighted.

    `marks` is a list of (quote, href, anchor_id, suffix_html). The text is cut at every
    quote and paragraph boundary, and each piece is escaped on its own, so quotes that
    overlap each other or cross a paragraph break still come out as valid, escaped HTML:
    an overlapped piece links to the earliest quote covering it. A quote's first occurrence
    carries its anchor id (when `anchors`), and `suffix_html` follows its end.

    One sweep from left to right, so the time grows with the text and the number of
    occurrences, never their product (a short quote can occur thousands of times).
    """
    spans = sorted(quote_spans(text, [quote for quote, *_ in marks]))
    first = {}
    for start, end, i in spans:
        first.setdefault(i, (start, end))
    ids_at, suffixes_at = defaultdict(list), defaultdict(list)
    for i, (start, end) in first.items():
        if anchors and marks[i][2]:
            ids_at[start].append(marks[i][2])
        if marks[i][3]:
            suffixes_at[end].append(str(marks[i][3]))
    starts = [start for start, _, _ in spans]
    ends = sorted(end for _, end, _ in spans)
    reach = list(itertools.accumulate((end for _, end, _ in spans), max, initial=0))

    # The spans covering the piece being written: `covering` in order of (start, index),
    # ended ones dropped lazily from its front; `open_ends` counts those still open.
    by_start = sorted(spans, key=lambda span: (span[0], span[2]))
    covering, open_ends, next_span = deque(), [], 0
    html = []
    for p_start, p_end in paragraph_spans(text):
        if only_marked_paragraphs and reach[bisect_left(starts, p_end)] <= p_start:
            continue  # no quote starts before the paragraph ends and reaches into it
        cuts = {p_start, p_end}
        cuts.update(starts[bisect_right(starts, p_start) : bisect_left(starts, p_end)])
        cuts.update(ends[bisect_right(ends, p_start) : bisect_left(ends, p_end)])
        cuts = sorted(cuts)
        parts = []
        for a, b in itertools.pairwise(cuts):
            while next_span < len(by_start) and by_start[next_span][0] <= a:
                span = by_start[next_span]
                covering.append(span)
                heapq.heappush(open_ends, span[1])
                next_span += 1
            while open_ends and open_ends[0] <= a:
                heapq.heappop(open_ends)
            while covering and covering[0][1] <= a:
                covering.popleft()
            piece = _escape_lines(text[a:b])
            if not covering:
                parts.append(piece)
                continue
            href = marks[covering[0][2]][1]
            inner = format_html('<a href="{}">{}</a>', href, mark_safe(piece)) if href else piece  # noqa: S308
            ids = ids_at.get(a, [])
            extra_ids = "".join(format_html('<span id="{}"></span>', i) for i in ids[1:])
            id_attr = format_html(' id="{}"', ids[0]) if ids else ""
            classes = "pledge-mark pledge-mark--overlap" if len(open_ends) > 1 else "pledge-mark"
            parts.append(f'{extra_ids}<mark{id_attr} class="{classes}">{inner}</mark>')
            parts.extend(suffixes_at.get(b, []))
        html.append("<p>" + "".join(parts) + "</p>")
    return mark_safe("\n".join(html))  # noqa: S308 - every piece of text is escaped above


@register.simple_tag
def tr(obj, name):
    """`obj`'s field `name` in the page's language, as HTML: where it is not yet
    translated, the other language's text in a `lang` span with the visible marker.
    `{% tr pledge "description" as d %}` gives the tracker.i18n.Shown instead, for markup
    of one's own (`d.text`, `d.lang_attr`, `d.marker`, `d.marked`)."""
    return shown(obj, name).html()


@register.simple_tag(name="shown")
def shown_tag(obj, name):
    return shown(obj, name)


@register.filter(name="tr")
def tr_filter(obj, name):
    """The `{% tr %}` tag's HTML as a filter, for a sentence's placeholder:
    `{% blocktranslate with title=statement|tr:"title" %}`."""
    return shown(obj, name).html()


@register.filter
def tr_text(obj, name):
    """`obj`'s field `name` in the page's language as plain text, for a title, an
    attribute or a sentence: the other language's text marked in brackets if need be."""
    return shown(obj, name).marked


@register.filter
def staff_name(user):
    """Who recorded or reviewed something, for staff pages. Updates loaded from the
    follow-up research fixture (and synthetic ones) have no staff account behind them."""
    return user.get_username() if user else gettext("no staff account (loaded research)")


@register.simple_tag
def statement_text(statement, pledge_quotes):
    """A statement's full text with every pledge quote highlighted, linked and anchored.

    `pledge_quotes` is a list of (pledge, quote): the statement's own public pledges and the
    public pledges it restates.
    """
    marks = [
        (
            quote,
            reverse("pledge_detail", args=[pledge.slug]),
            pledge.slug,
            status_badge(pledge.status, small=True),
        )
        for pledge, quote in pledge_quotes
    ]
    return highlight(statement.text, marks)


@register.simple_tag
def quote_in_context(statement, quote):
    """Only the paragraph(s) holding the quote, with the quote highlighted."""
    marks = [(quote, "", "", "")]
    return highlight(statement.text, marks, anchors=False, only_marked_paragraphs=True)


@register.simple_tag
def status_badge(status, small=False, large=False):
    if not status:  # a history row without a previous status
        return ""
    status = Status(status)
    size = " badge--small" if small else " badge--large" if large else ""
    return format_html(
        '<span class="badge badge--{}{}">{}</span>', status.value, size, status.label
    )


@register.simple_tag
def overdue_badge(small=False, large=False):
    size = " badge--small" if small else " badge--large" if large else ""
    return format_html('<span class="badge badge--overdue{}">{}</span>', size, gettext("Overdue"))


@register.simple_tag
def pledge_status(pledge, small=False):
    """A pledge's status badge, with the overdue badge beside it when it is overdue."""
    badge = status_badge(pledge.status, small=small)
    if not pledge.is_overdue:
        return badge
    return format_html("{} {}", badge, overdue_badge(small=small))


def _partial_date(date, precision, text, note, show_note):
    machine = {
        DatePrecision.DAY: "%Y-%m-%d",
        DatePrecision.MONTH: "%Y-%m",
        DatePrecision.YEAR: "%Y",
    }.get(precision)
    if date and machine:
        shown = format_html('<time datetime="{}">{}</time>', date.strftime(machine), text)
    else:
        shown = format_html('<span class="date-unknown">{}</span>', text)
    if note and (show_note == "always" or (show_note == "unknown" and not machine)):
        shown = format_html('{} <span class="date-note">({})</span>', shown, as_written(note))
    return shown


SHORT_BASIS = {
    Basis.STATED: gettext_lazy("stated in the source"),
    Basis.INFERRED: gettext_lazy("inferred"),
    Basis.OTHER_SOURCE: gettext_lazy("from another source"),
}


@register.simple_tag
def basis_mark(grounds, full=False):
    """Where a date or name comes from, and a visible mark if we doubt it.

    Short form (lists, captions, the timeline): a label whose title holds the reasoning.
    Full form (detail rows): the reasoning and the citation in words, and why we doubt it.
    """
    if grounds is None:
        return ""
    basis = Basis(grounds.basis)
    if full:
        citation = ""
        if grounds.source_url:
            citation = format_html(
                ' <a href="{}" rel="external noopener">{}</a>',
                grounds.source_url,
                grounds.source_title,
            )
        note = format_html(" {}", as_written(grounds.note)) if grounds.note else ""
        mark = format_html(
            '<span class="basis-full"><span class="basis basis--{}">{}</span>{}{}</span>',
            basis.value,
            gettext("%(basis)s:") % {"basis": basis.label} if note or citation else basis.label,
            citation,
            note,
        )
        if grounds.doubt:
            mark = format_html(
                '{} <span class="doubt-full"><strong class="doubt">{}</strong> {}</span>',
                mark,
                gettext("Doubtful"),
                as_written(grounds.doubt),
            )
        return mark
    mark = format_html(
        '<span class="basis basis--{}"{}>{}</span>',
        basis.value,
        format_html(' title="{}"', grounds.note) if grounds.note else "",
        SHORT_BASIS[basis],
    )
    if grounds.doubt:
        mark = format_html(
            '{} <span class="doubt" title="{}">{}<span class="visually-hidden">: {}</span></span>',
            mark,
            grounds.doubt,
            gettext("doubtful"),
            grounds.doubt,
        )
    return mark


@register.simple_tag
def statement_date(statement, note="always", basis=True):
    """The statement's date only as precisely as the source gives it, with the source's words
    and where the date comes from.

    `note` is "always", "unknown" (only when the source gives no date at all) or "never".
    """
    shown = _partial_date(
        statement.date,
        statement.date_precision,
        statement.display_date,
        statement.date_note,
        note,
    )
    if basis and statement.date_precision != DatePrecision.UNKNOWN:
        shown = format_html("{} {}", shown, basis_mark(statement.date_grounds))
    return shown


@register.simple_tag
def target_date(pledge, note="always"):
    shown = _partial_date(
        pledge.target_date,
        pledge.target_precision,
        pledge.display_target,
        pledge.target_note,
        note,
    )
    if pledge.target_grounds:
        shown = format_html("{} {}", shown, basis_mark(pledge.target_grounds))
    return shown


@register.simple_tag
def speaker_name(speaker, full=False):
    """A speaker as the source names them, with the basis and any doubt."""
    role = format_html(" ({})", as_written(speaker.role)) if full and speaker.role else ""
    return format_html(
        "<strong>{}</strong>, {}{} {}",
        shown(speaker.person, "name").html(),
        as_written(speaker.office),
        role,
        basis_mark(speaker.grounds, full=full),
    )


@register.simple_tag
def made_by(pledge, full=False):
    """Who made the pledge: one speaker of its statement, or the issuing body."""
    if pledge.maker_id:
        return speaker_name(pledge.maker, full=full)
    maker = pledge.made_by
    if maker is None:
        return format_html('<span class="muted">{}</span>', gettext("Not stated in the source"))
    return format_html(
        '<strong>{}</strong> <span class="muted">({})</span>',
        shown(pledge.statement.issuing_body, "name").html(),
        gettext("the issuing body: the source names no person"),
    )


@register.filter
def score(value, digits=2):
    """A compliance score signed, with a true minus sign (+0.25, 0.00, −1), or a dash."""
    if value is None:
        return "–"
    text = f"{abs(value):.{int(digits)}f}"
    if round(value, int(digits)) == 0:
        return text
    return ("+" if value > 0 else "−") + text


@register.simple_tag
def status_bar(tally, label):
    """A stacked bar of a tally's status mix as inline SVG (attributes and classes only)."""
    rects = format_html_join(
        "",
        '<rect class="fill--{}" x="{}" width="{}" y="0" height="10"></rect>',
        (
            (row.status.value, f"{row.offset:.3f}", f"{row.share:.3f}")
            for row in tally.rows
            if row.count
        ),
    )
    return format_html(
        '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        'aria-label="{}: {}">{}</svg>',
        label,
        tally_summary(tally),
        rects,
    )


def tally_summary(tally):
    """How a tally's pledges stand, in words: "1 achieved (20%), 4 in progress (80%)"."""
    if not tally.total:
        return gettext("no pledges")
    return ", ".join(
        gettext("%(count)s %(status)s (%(percent)s%%)")
        % {"count": row.count, "status": row.status.label.lower(), "percent": row.percent}
        for row in tally.rows
        if row.count
    )


@register.filter
def domain(url):
    """The host of a link, so a reader sees where evidence lives before following it."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


@register.filter
def ld_json(data):
    """A JSON-LD block, escaped as json_script escapes: no string in it can close the
    <script> element or open a comment. A data block runs nothing, so the CSP allows it."""
    encoded = json.dumps(data, cls=HTMLSafeJSONEncoder, ensure_ascii=False)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(encoded))  # noqa: S308


@register.simple_tag
def awaiting_review_count():
    """Status updates proposed and not yet reviewed: one count query, on staff pages only."""
    return StatusUpdate.objects.awaiting_review().count()


def _page_addresses(context):
    if context.get("error_page"):
        return None
    return page_addresses(context.get("request"))


@register.simple_tag(takes_context=True)
def language_links(context):
    """The page's canonical address in its language and its hreflang alternates: one per
    language, and x-default, the address without a prefix that picks the reader's."""
    pages = _page_addresses(context)
    if pages is None:
        return ""
    alternates = format_html_join(
        "\n",
        '<link rel="alternate" hreflang="{}" href="{}">',
        ((code, absolute_url(url)) for code, url in pages.by_language.items()),
    )
    return format_html(
        '<link rel="canonical" href="{}">\n{}\n'
        '<link rel="alternate" hreflang="x-default" href="{}">',
        absolute_url(pages.by_language[translation.get_language()]),
        alternates,
        absolute_url(pages.chooser),
    )


@register.simple_tag(takes_context=True)
def language_switcher(context):
    """A plain link to this page (query string kept) in each other language, named in
    that language; on a page with no language versions, to the home page."""
    pages = _page_addresses(context)
    links = []
    for code, name in other_languages():
        if pages is not None:
            href = pages.by_language[code]
        else:
            with translation.override(code):
                href = reverse("home")
        links.append((href, code, code, code, name))
    return format_html_join(
        " ",
        '<a class="language-switch" href="{}" hreflang="{}" lang="{}" '
        'data-language-switch="{}">{}</a>',
        links,
    )


# Words around the record, in the page's language ----------------------------------------


@register.filter
def code_list(values):
    """Machine values as code, separated by commas: `a`, `b`, `c` (for "One of …")."""
    return format_html_join(", ", "<code>{}</code>", ((value,) for value in values))


@register.filter
def time_tag(value, format_name="DATE_FORMAT"):
    """A date or time as the page's language writes it (a named format), inside a <time>
    that gives machines the ISO form."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', value.isoformat(), date_format(value, format_name)
    )


@register.simple_tag
def name_links(items, none=""):
    """Counterparts or topics as links, separated by commas (public/_name_links.html), for a
    sentence to take as one placeholder."""
    return get_template("public/_name_links.html").render({"items": items, "none": none})


@register.simple_tag
def scale_name(name):
    """A rating on another organisation's scale (tracker.verdicts.CROSSWALK) in the page's
    language, with the scale's own English name beside it where they differ, so a reader
    can find it on that organisation's site."""
    shown = str(name)
    with translation.override("en"):
        original = str(name)
    if shown == original:
        return shown
    return format_html('{} <span lang="en">({})</span>', shown, original)


def _correction_label(key):
    """A corrected field's name in the page's language. A correction stores its fields under
    the names they had when it was recorded, in the recorder's language (models.
    corrected_fields); a name we cannot place (a withdrawn update) is shown as stored."""
    for model in (Pledge, Statement):
        for field in model._meta.get_fields():
            if not hasattr(field, "verbose_name"):
                continue
            for code, _ in settings.LANGUAGES:
                with translation.override(code):
                    known = str(field.verbose_name).capitalize()
                if known == key:
                    return str(field.verbose_name).capitalize()
    return key


@register.simple_tag
def corrected_fields(correction):
    """What a correction changed: `names` in words ("Quote, title"), and `rows`, each with
    the field's `label` and its `before` and `after`."""
    rows = [
        {"label": _correction_label(key), "before": before, "after": after}
        for key, (before, after) in correction.changes.items()
    ]
    names = capfirst(", ".join(row["label"] for row in rows).lower())
    return {"names": names, "rows": rows}


@register.inclusion_tag("public/_licence.html")
def licence():
    """The licence of the record as data (tracker.datapackage.LICENSE), what it covers and
    how to credit it, in the page's language: the one paragraph /data/ and /about/ show."""
    return {
        "licence": datapackage.LICENSE,
        "title": gettext(datapackage.LICENSE["title"]),
        "scope": gettext(datapackage.LICENSE_SCOPE),
        "attribution": gettext(datapackage.ATTRIBUTION),
    }


@register.filter
def type_name(kind):
    """A data type ("string", "string or null", "date") in the page's language."""
    return type_in_words(kind)


@register.filter(name="as_written")
def as_written_filter(text):
    """tracker.i18n.as_written: one-language curator text, with its `lang` where it
    differs from the page's."""
    return as_written(text)


register.filter("written_language", written_language)
