"""Template helpers for the public pages: quotes highlighted in their source, dates, badges."""

from urllib.parse import urlsplit

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from tracker.models import DatePrecision, Status

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
    """
    spans = quote_spans(text, [quote for quote, *_ in marks])
    first = {}
    for start, end, i in sorted(spans):
        first.setdefault(i, (start, end))
    paragraphs = paragraph_spans(text)
    if only_marked_paragraphs:
        paragraphs = [
            (p_start, p_end)
            for p_start, p_end in paragraphs
            if any(start < p_end and end > p_start for start, end, _ in spans)
        ]
    html = []
    for p_start, p_end in paragraphs:
        cuts = {p_start, p_end}
        for start, end, _ in spans:
            cuts.update(c for c in (start, end) if p_start < c < p_end)
        cuts = sorted(cuts)
        parts = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            covering = sorted((s, i) for s, e, i in spans if s <= a and e >= b)
            piece = _escape_lines(text[a:b])
            if not covering:
                parts.append(piece)
                continue
            ids = [
                marks[i][2] for i, span in first.items() if anchors and span[0] == a and marks[i][2]
            ]
            index = covering[0][1]
            href = marks[index][1]
            inner = format_html('<a href="{}">{}</a>', href, mark_safe(piece)) if href else piece  # noqa: S308
            extra_ids = "".join(format_html('<span id="{}"></span>', i) for i in ids[1:])
            id_attr = format_html(' id="{}"', ids[0]) if ids else ""
            classes = "pledge-mark pledge-mark--overlap" if len(covering) > 1 else "pledge-mark"
            parts.append(f'{extra_ids}<mark{id_attr} class="{classes}">{inner}</mark>')
            for i, (_, end) in first.items():
                if end == b and marks[i][3]:
                    parts.append(str(marks[i][3]))
        html.append("<p>" + "".join(parts) + "</p>")
    return mark_safe("\n".join(html))  # noqa: S308 - every piece of text is escaped above


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
    status = Status(status)
    size = " badge--small" if small else " badge--large" if large else ""
    return format_html(
        '<span class="badge badge--{}{}">{}</span>', status.value, size, status.label
    )


@register.simple_tag
def overdue_badge(small=False):
    size = " badge--small" if small else ""
    return format_html('<span class="badge badge--overdue{}">Overdue</span>', size)


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
        shown = format_html('{} <span class="date-note">({})</span>', shown, note)
    return shown


@register.simple_tag
def statement_date(statement, note="always"):
    """The statement's date only as precisely as the source gives it, with the source's words.

    `note` is "always", "unknown" (only when the source gives no date at all) or "never".
    """
    return _partial_date(
        statement.date,
        statement.date_precision,
        statement.display_date,
        statement.date_note,
        note,
    )


@register.simple_tag
def target_date(pledge, note="always"):
    return _partial_date(
        pledge.target_date,
        pledge.target_precision,
        pledge.display_target,
        pledge.target_note,
        note,
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
        tally.summary_text,
        rects,
    )


@register.filter
def domain(url):
    """The host of a link, so a reader sees where evidence lives before following it."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
