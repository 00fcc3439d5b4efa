"""The ingest screen: a new statement becomes reviewed, unpublished pledges.

One URL, four steps, each a POST that answers with the next step (the whole page, or for
htmx the step alone): source → statement (metadata and cleaned text) → review (the text
with suggested pledges) → saved (with a button to publish). Nothing is kept on the server
between steps, and nothing is saved before the last one.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from tracker.htmx import is_fragment
from tracker.ingest import metadata
from tracker.ingest.forms import AddedFormSet, SourceForm, StatementForm, SuggestionFormSet
from tracker.ingest.save import save_reviewed
from tracker.ingest.suggest import suggest_from_record
from tracker.models import Counterpart, Person, Pledge, Revision, Statement, Topic

TEMPLATE = "staff/ingest/new.html"
STEPS = [
    ("source", pgettext_lazy("ingest step", "Source")),
    ("statement", pgettext_lazy("ingest step", "Statement")),
    ("review", pgettext_lazy("ingest step", "Pledges")),
    ("saved", pgettext_lazy("ingest step", "Saved")),
]


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
@permission_required("tracker.add_statement", raise_exception=True)
@vary_on_headers("HX-Request")
def new_statement(request):
    if request.method == "GET":
        return _render(request, "source", {"form": SourceForm()})
    # A paste over DATA_UPLOAD_MAX_MEMORY_SIZE never gets here: tracker.errors answers 413.
    step = request.POST.get("step", "source")
    handler = {
        "source": _source,
        "statement": _statement,
        "review": _review,
        "publish": _publish,
    }.get(step)
    if handler is None:
        return _render(request, "source", {"form": SourceForm()}, status=400)
    return handler(request)


def _render(request, step, context, status=200):
    template = TEMPLATE + "#step" if is_fragment(request) else TEMPLATE
    context = {"step": step, "steps": STEPS, **context}
    return render(request, template, context, status=status)


def _source(request):
    form = SourceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, "source", {"form": form}, status=422)
    cleaned = form.cleaned_data["cleaned"]
    people = Person.objects.values_list("pk", "name")
    meta = metadata.guess(form.cleaned_data["raw"], cleaned, people)
    initial = {
        "title": meta.title,
        "kind": meta.kind,
        "date": str(meta.date) if meta.date else "",
        "publisher": meta.outlet,
        "language": meta.language,
        "speakers": [pk for pk, _ in meta.speakers],
        "source_url": form.cleaned_data["source_url"] or meta.source_url,
        "text": cleaned.text,
    }
    statement_form = StatementForm(initial=initial)
    duplicate = Statement.objects.with_text(cleaned.text).first()
    context = {"form": statement_form, "meta": meta, "cleaned": cleaned, "duplicate": duplicate}
    return _render(request, "statement", context, status=422 if duplicate else 200)


def _statement(request):
    form = StatementForm(request.POST)
    if not form.is_valid():
        return _render(request, "statement", {"form": form, "duplicate": form.duplicate}, 422)
    return _review_page(request, form)


def _suggestions(form):
    data = form.cleaned_data
    date = data["date"]
    statement_date = date.date if date and date.precision == "day" else None
    if date and date.precision != "day":
        statement_date = None
    names = [person.name for person in data["speakers"]]
    return suggest_from_record(data["text"], statement_date=statement_date, speakers=names)


def _review_page(
    request, form, suggestions=None, suggestion_forms=None, added_forms=None, status=200
):
    text = form.cleaned_data["text"]
    if suggestions is None:
        suggestions = _suggestions(form)
    if suggestion_forms is None:
        kwargs = _form_kwargs(text)
        suggestion_forms = SuggestionFormSet(
            prefix="s", initial=[_initial(s) for s in suggestions], form_kwargs=kwargs
        )
        added_forms = AddedFormSet(prefix="a", form_kwargs=kwargs)
    _limit_restates(suggestion_forms, suggestions)
    context = {
        "form": form,
        "rows": list(zip(suggestion_forms, suggestions, strict=True)),
        "suggestion_forms": suggestion_forms,
        "added_forms": added_forms,
        "highlighted": highlight(text, suggestions),
    }
    return _render(request, "review", context, status=status)


def _form_kwargs(text):
    """What every pledge form on the page shares: the text, and the counterparts and
    topics read once for all of them rather than once per form."""
    choices = {
        "counterparts": list(Counterpart.objects.values_list("pk", "name")),
        "topics": list(Topic.objects.values_list("pk", "name")),
    }
    return {"text": text, "choices": choices}


def _limit_restates(suggestion_forms, suggestions):
    """A suggestion may be marked as restating one of its own candidates only (so the
    page never lists every pledge in the tracker)."""
    for form, suggestion in zip(suggestion_forms, suggestions, strict=False):
        candidates = [match.candidate for match in suggestion.restates]
        field = form.fields["restates"]
        field.queryset = Pledge.objects.filter(pk__in=[c.pk for c in candidates])
        field.choices = [("", "---------"), *((c.pk, c.title) for c in candidates)]


def _initial(suggestion):
    return {
        "title": suggestion.title,
        "start": suggestion.start,
        "end": suggestion.end,
        "counterparts": [entry.pk for entry in suggestion.counterparts],
        "topics": [entry.pk for entry in suggestion.topics],
        "target": str(suggestion.target) if suggestion.target else "",
        "specificity": suggestion.specificity,
        "restates": suggestion.restates[0].candidate.pk if suggestion.restates else None,
    }


def _review(request):
    form = StatementForm(request.POST)
    if not form.is_valid():
        return _render(request, "statement", {"form": form, "duplicate": form.duplicate}, 422)
    text = form.cleaned_data["text"]
    suggestions = _suggestions(form)
    kwargs = _form_kwargs(text)
    suggestion_forms = SuggestionFormSet(request.POST, prefix="s", form_kwargs=kwargs)
    added_forms = AddedFormSet(request.POST, prefix="a", form_kwargs=kwargs)
    _limit_restates(suggestion_forms, suggestions)
    if suggestion_forms.total_form_count() != len(suggestions):
        form.add_error(
            None,
            _(
                "The suggestions changed since this page was made (the names "
                "or pledges in the tracker changed): please review them again."
            ),
        )
        return _review_page(request, form, status=422)
    if not (suggestion_forms.is_valid() & added_forms.is_valid()):
        return _review_page(request, form, suggestions, suggestion_forms, added_forms, 422)
    reviewed = [(f.cleaned_data, s) for f, s in zip(suggestion_forms, suggestions, strict=True)]
    added = [f.cleaned_data for f in added_forms if (f.cleaned_data.get("quote") or "").strip()]
    try:
        statement = save_reviewed(
            form.statement(), form.cleaned_data["speakers"], reviewed, added, request.user
        )
    except ValidationError as error:
        form.add_error(None, error.messages)
        return _review_page(request, form, suggestions, suggestion_forms, added_forms, 422)
    return _saved(request, statement, status=201)


def _saved(request, statement, status=200):
    pledges = statement.pledges.order_by("pk")
    context = {
        "statement": statement,
        "pledges": pledges,
        "restatements": statement.restatements.select_related("pledge"),
    }
    return _render(request, "saved", context, status=status)


def _publish(request):
    if not (
        request.user.has_perm("tracker.change_statement")
        and request.user.has_perm("tracker.change_pledge")
    ):
        raise PermissionDenied
    pk = request.POST.get("statement", "")
    statement = get_object_or_404(Statement, pk=int(pk) if pk.isdigit() else None)
    with transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(is_published=True)
        Pledge.objects.filter(statement=statement).update(is_published=True)
        Revision.bump()
    statement.refresh_from_db()
    return _saved(request, statement)


def highlight(text, suggestions):
    """The text, escaped, with each suggestion in a <mark>; offsets stay exact, so a
    selection in the browser maps back to the text (white-space: pre-wrap)."""
    pieces, at = [], 0
    for number, suggestion in enumerate(suggestions):
        if suggestion.start < at:
            continue  # overlapping spans: the first one is marked
        pieces.append(escape(text[at : suggestion.start]))
        pieces.append(
            format_html(
                '<mark id="mark-{}" class="suggested" data-form="{}">{}</mark>',
                number,
                number,
                text[suggestion.start : suggestion.end],
            )
        )
        at = suggestion.end
    pieces.append(escape(text[at:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped above
