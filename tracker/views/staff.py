"""The staff workspace: editors log progress on pledges.

One URL renders both the full page and its partial: htmx requests get the fragment
(`template#partial`), everything else (including htmx history restores) the whole page.

Access: log in (an htmx request is sent to the login page whole, see tracker.htmx), then the
view's permission, else 403. Pages are per-user and change with every update, so they are
never cached, and since one URL answers htmx with a fragment and browsers with a page, they
vary on HX-Request.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from tracker.caching import per_revision
from tracker.filters import WorklistFilter
from tracker.forms import BulkUpdateForm, EvidenceFormSet, StatusUpdateForm, TranslateNoteForm
from tracker.htmx import is_fragment
from tracker.i18n import shown
from tracker.models import (
    Pledge,
    Review,
    SavedFilters,
    StaleVersion,
    Status,
    StatusUpdate,
    start_of_week,
)

PER_PAGE = 50
HISTORY_PER_PAGE = 10


def _worklist_pledges():
    """The one queryset behind every worklist row: a fixed number of queries per page."""
    awaiting = StatusUpdate.objects.awaiting_review().filter(pledge=OuterRef("pk"))
    return (
        Pledge.objects.with_overdue()
        .select_related("statement__issuing_body", "latest_update__author", "maker__person")
        .prefetch_related("counterparts")
        .annotate(pending_review=Subquery(awaiting.order_by("created_at", "pk").values("pk")[:1]))
    )


# Long texts a row never shows: leaving them out keeps sorting 20,000 rows cheap.
ROW_DEFERRED = [
    "quote",
    "description",
    "statement__text",
    "statement__notes",
    "description_ko",
    "latest_update__public_note",
    "latest_update__public_note_ko",
    "latest_update__internal_note",
]


def _get_pledge_for_staff(pk):
    return get_object_or_404(_worklist_pledges(), pk=pk)


def _return_url(request):
    """Where the browser is: the worklist view (with its filters) that a fragment lives in."""
    return request.htmx.current_url_abs_path or reverse("staff:worklist")


def _safe_next(request, default):
    """A path on this site to go back to; anything else (a view name, another host) gives
    the default. Only paths: redirect() would take "overview" for a view name."""
    url = request.POST.get("next") or request.GET.get("next")
    if (
        url
        and url.startswith("/")
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return default


@require_GET
@never_cache
@login_required
@permission_required("tracker.view_pledge", raise_exception=True)
@vary_on_headers("HX-Request")
def worklist(request):
    pledges = WorklistFilter(request.GET, _worklist_pledges().defer(*ROW_DEFERRED), request=request)
    filters = pledges.form
    saved = SavedFilters.objects.filter(user=request.user).first()
    saved = saved or SavedFilters(user=request.user)
    if "reset" in request.GET:  # "Clear filters": back to the default, remembered too
        if saved.query:
            saved.query = ""
            saved.save()
        return redirect("staff:worklist")
    query = _filter_query(request.GET, filters)
    # Any htmx request (a history restore too) shows what it asks for: the back button
    # to the unfiltered worklist must not land on the saved filters.
    if not request.GET and not request.htmx:
        if saved.query:  # the worklist opens where the editor left it
            return redirect(f"{reverse('staff:worklist')}?{saved.query}")
    elif query != saved.query:
        saved.query = query
        saved.save()
    page = Paginator(pledges.qs, PER_PAGE).get_page(request.GET.get("page"))
    template = "staff/worklist.html"
    context = {"filters": filters, "page_obj": page, "return_url": request.get_full_path()}
    if is_fragment(request):
        template += "#results"
    else:
        context["my_day"] = _my_day(request.user)
    return render(request, template, context)


def _filter_query(params, filters):
    """The filters set in `params`, as a query string: no page, no empty values."""
    return urlencode(
        [(key, value) for key in filters.fields for value in params.getlist(key) if value]
    )


def _my_day(user):
    """The counts at the top of the worklist, each with the filter that lists them."""
    today = timezone.localdate()
    # The pledge counts are everyone's and change only with a write (or the day): at
    # scale L the quiet count alone is a 60 ms pass over the open pledges on SQLite.
    counts = per_revision(
        "my-day",
        lambda: Pledge.objects.aggregate(
            due_this_month=Count("pk", filter=Q(pk__in=Pledge.objects.due_this_month(today))),
            overdue=Count("pk", filter=Q(pk__in=Pledge.objects.overdue(today))),
            quiet=Count("pk", filter=Q(pk__in=Pledge.objects.quiet())),
        ),
    )
    mine = StatusUpdate.objects.filter(author=user, created_at__gte=start_of_week()).count()
    quiet_days = settings.TRACKER_QUIET_DAYS
    return [
        ("due_this_month", counts["due_this_month"], _("due this month")),
        ("overdue", counts["overdue"], _("overdue")),
        (
            "quiet",
            counts["quiet"],
            ngettext(
                "with no update in %(days)d day", "with no update in %(days)d days", quiet_days
            )
            % {"days": quiet_days},
        ),
        (
            "mine",
            mine,
            ngettext("update I recorded this week", "updates I recorded this week", mine),
        ),
    ]


@require_GET
@never_cache
@login_required
@permission_required("tracker.view_pledge", raise_exception=True)
@vary_on_headers("HX-Request")
def pledge_row(request, pk):
    """One worklist row: what Cancel (or Esc) puts back in place of the inline form."""
    if not is_fragment(request):
        return redirect("staff:pledge_detail", pk=pk)
    context = {
        "pledge": _get_pledge_for_staff(pk),
        "focus_update": True,
        "return_url": _return_url(request),
    }
    return render(request, "staff/worklist.html#pledge-row", context)


@require_GET
@never_cache
@login_required
@permission_required("tracker.view_pledge", raise_exception=True)
@vary_on_headers("HX-Request")
def pledge_detail(request, pk):
    return _pledge_page(request, _get_pledge_for_staff(pk))


@require_GET
@never_cache
@login_required
@permission_required("tracker.view_pledge", raise_exception=True)
@vary_on_headers("HX-Request")
def pledge_by_slug(request, slug):
    pledge = get_object_or_404(Pledge, slug=slug)
    return redirect("staff:pledge_detail", pk=pledge.pk)


@require_GET
@never_cache
@login_required
@permission_required("tracker.view_pledge", raise_exception=True)
@vary_on_headers("HX-Request")
def history(request, pk):
    """A page of a pledge's history: "load more" appends it; without htmx, the whole page."""
    pledge = _get_pledge_for_staff(pk)
    if is_fragment(request):
        context = {"pledge": pledge, "updates": _history_page(request, pledge)}
        return render(request, "staff/pledge_detail.html#history-page", context)
    return _pledge_page(request, pledge)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
@permission_required("tracker.add_statusupdate", raise_exception=True)
@vary_on_headers("HX-Request")
def record_update(request, pk):
    pledge = _get_pledge_for_staff(pk)
    prefix = f"p{pledge.pk}"
    if request.method == "GET":
        form = StatusUpdateForm(pledge=pledge, prefix=prefix)
        evidence = EvidenceFormSet(prefix=f"{prefix}-evidence")
        return _update_response(request, pledge, form, evidence)

    if "add_link" in request.POST:
        form, evidence = _with_another_link(
            request.POST, StatusUpdateForm, f"{prefix}-evidence", pledge=pledge, prefix=prefix
        )
        return _update_response(request, pledge, form, evidence)
    form = StatusUpdateForm(request.POST, pledge=pledge, prefix=prefix)
    evidence = EvidenceFormSet(request.POST, prefix=f"{prefix}-evidence")
    if not (form.is_valid() and evidence.is_valid()):
        return _update_response(request, pledge, form, evidence, status=422)
    try:
        update = pledge.record_update(
            **form.written(),
            evidence=evidence.links(),
            author=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except StaleVersion as stale:
        return _conflict_response(request, stale.pledge, prefix, form.cleaned_data["version"])
    except ValidationError as error:
        form.add_error(None, error.messages)
        return _update_response(request, pledge, form, evidence, status=422)

    said = {
        "pledge": shown(pledge, "title").marked,
        "status": update.get_status_display(),
        "date": date_format(update.as_of, "SHORT_DATE_FORMAT"),
    }
    if update.is_proposed:
        notice = (
            _(
                "Proposed: “%(pledge)s” as %(status)s as of %(date)s. "
                "It goes public once another editor or curator approves it."
            )
            % said
        )
    else:
        notice = _("Saved: “%(pledge)s” is now %(status)s as of %(date)s.") % said
    if not is_fragment(request):
        messages.success(request, notice)
        return redirect(_safe_next(request, reverse("staff:pledge_detail", args=[pledge.pk])))
    context = {
        "pledge": _get_pledge_for_staff(pk),
        "notice": notice,
        "just_updated": True,
        "return_url": _return_url(request),
    }
    return render(request, "staff/worklist.html#pledge-row", context)


def _with_another_link(post, form_class, evidence_prefix, **form_kwargs):
    """ "Add another link" without JavaScript: the posted form again, everything typed kept,
    one more evidence row with the focus in it. Nothing is saved, so nothing is marked as
    an error. Returns the form and the evidence formset."""
    evidence = EvidenceFormSet(post, prefix=evidence_prefix)
    data = post.copy()
    data[f"{evidence_prefix}-TOTAL_FORMS"] = min(evidence.total_form_count() + 1, evidence.max_num)
    form = form_class(data, **form_kwargs)
    evidence = EvidenceFormSet(data, prefix=evidence_prefix)
    for unchecked in [form, *evidence.forms]:
        unchecked.errors.clear()
    evidence.non_form_errors().clear()
    if evidence.forms:  # none if the management form was tampered with
        evidence.forms[-1].fields["url"].widget.attrs["autofocus"] = ""
    return form, evidence


def _conflict_response(request, pledge, prefix, form_version):
    """Another update landed: refuse, show it, and keep the editor's text for a deliberate retry."""
    pledge = _get_pledge_for_staff(pledge.pk)
    data = request.POST.copy()
    data[f"{prefix}-version"] = pledge.version
    form = StatusUpdateForm(data, pledge=pledge, prefix=prefix)
    evidence = EvidenceFormSet(data, prefix=f"{prefix}-evidence")
    newer = pledge.latest_update
    return _update_response(
        request,
        pledge,
        form,
        evidence,
        status=409,
        conflict=newer,
        missed=pledge.version - form_version,
    )


NOTICES = {
    409: (
        "warning",
        gettext_lazy("Not saved: someone else updated “%(pledge)s” first. Your text is kept."),
    ),
    422: (
        "error",
        gettext_lazy("Not saved: please fix the marked fields in “%(pledge)s”. Your text is kept."),
    ),
}


def _update_response(request, pledge, form, evidence, status=200, **extra):
    """The update form: inline in its worklist row for htmx, on the pledge page otherwise."""
    context = {"form": form, "evidence": evidence, "next": _safe_next(request, ""), **extra}
    if status in NOTICES:
        level, text = NOTICES[status]
        context.update(notice_level=level, notice=text % {"pledge": shown(pledge, "title").marked})
    if not is_fragment(request):
        if status in NOTICES:  # at the top of the page, where a reader without htmx lands
            messages.add_message(request, getattr(messages, level.upper()), context["notice"])
        return _pledge_page(request, pledge, status=status, **context)
    context["pledge"] = pledge
    if status not in NOTICES:
        form.fields["status"].widget.attrs["data-focus"] = ""
    context["return_url"] = _return_url(request)
    return render(request, "staff/worklist.html#pledge-row", context, status=status)


def _history_page(request, pledge):
    updates = (
        pledge.updates.timeline()
        .select_related("author", "reviewed_by", "source_statement")
        .prefetch_related(
            "evidence", Prefetch("reviews", queryset=Review.objects.select_related("reviewer"))
        )
    )
    page = Paginator(updates, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    # Each note's later translations, from the updates' edit history: one query a page.
    translations = {}
    versions = StatusUpdate.history.filter(
        id__in=[update.pk for update in page], history_change_reason="translation"
    ).select_related("history_user")
    for version in versions.order_by("history_date"):
        translations.setdefault(version.id, []).append(version)
    for update in page:
        update.translations = translations.get(update.pk, [])
    return page


def _pledge_page(request, pledge, status=200, **context):
    """The staff pledge page: everything about the pledge, the update form, the full history."""
    if "form" not in context and request.user.has_perm("tracker.add_statusupdate"):
        prefix = f"p{pledge.pk}"
        context["form"] = StatusUpdateForm(pledge=pledge, prefix=prefix)
        context["evidence"] = EvidenceFormSet(prefix=f"{prefix}-evidence")
        context["next"] = _safe_next(request, "")
    context.update(
        pledge=pledge,
        updates=_history_page(request, pledge),
        topics=pledge.topics.all(),
    )
    return render(request, "staff/pledge_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
@permission_required("tracker.add_statusupdate", raise_exception=True)
@vary_on_headers("HX-Request")
def bulk_update(request):
    """One evidenced update for the pledges selected in the worklist.

    Each pledge gets its own history row and is checked against the version the editor
    saw, in its own transaction: a conflict on one pledge saves the others, then shows the
    newer update and keeps the text for a deliberate retry on that one.
    """
    if request.method == "GET":
        pks = [pk for pk in request.GET.getlist("pledge") if pk.isdigit()]
        pledges = list(_worklist_pledges().filter(pk__in=pks).order_by("title", "pk"))
        form = BulkUpdateForm(pledges=pledges)
        rows = [(pledge, pledge.version) for pledge in pledges]
        status = 200 if pledges else 400
        return _bulk_page(request, form, EvidenceFormSet(prefix="evidence"), rows, status=status)

    if "add_link" in request.POST:
        form, evidence = _with_another_link(request.POST, BulkUpdateForm, "evidence")
        form.is_valid()  # only to read the selection back
        return _bulk_page(request, form, evidence, _posted_rows(form))
    form = BulkUpdateForm(request.POST)
    evidence = EvidenceFormSet(request.POST, prefix="evidence")
    if not (form.is_valid() and evidence.is_valid()):
        return _bulk_page(request, form, evidence, _posted_rows(form), status=422)

    saved, proposed, conflicts = [], [], []
    for pledge, version in form.versions.items():
        try:
            update = pledge.record_update(
                **form.written(),
                evidence=evidence.links(),
                author=request.user,
                expected_version=version,
            )
        except StaleVersion as stale:
            conflicts.append(stale.pledge)
        except ValidationError:  # the form checks the same rules; a pledge changed under it
            conflicts.append(Pledge.objects.get(pk=pledge.pk))
        else:
            (proposed if update.is_proposed else saved).append(pledge)

    status_name = Status(form.cleaned_data["status"]).label
    done = ngettext(
        "Saved: %(count)d pledge now %(status)s.",
        "Saved: %(count)d pledges now %(status)s.",
        len(saved),
    ) % {"count": len(saved), "status": status_name}
    if proposed:
        done_proposed = ngettext(
            "Proposed: %(count)d pledge as %(status)s; it goes public once another editor "
            "or curator approves it.",
            "Proposed: %(count)d pledges as %(status)s; each goes public once another editor "
            "or curator approves it.",
            len(proposed),
        ) % {"count": len(proposed), "status": status_name}
        done = f"{done_proposed} {done}" if saved else done_proposed
        saved += proposed
    if not conflicts:
        messages.success(request, done)
        return redirect(_safe_next(request, reverse("staff:worklist")))
    # Retry only the conflicting pledges, at their new versions, with the same text.
    data = request.POST.copy()
    data.setlist("pledge", [str(pledge.pk) for pledge in conflicts])
    form = BulkUpdateForm(data)
    form.is_valid()
    rows = [(pledge, pledge.version) for pledge in conflicts]
    not_done = ngettext(
        "Not saved for %(count)d: someone else updated it first. Your text is kept.",
        "Not saved for %(count)d: someone else updated them first. Your text is kept.",
        len(conflicts),
    ) % {"count": len(conflicts)}
    messages.warning(request, f"{done} {not_done}" if saved else not_done)
    return _bulk_page(request, form, evidence, rows, status=409, saved=saved, conflicts=conflicts)


def _posted_rows(form):
    """The selected pledges with the versions the editor's form was based on."""
    pledges = form.cleaned_data.get("pledge") or ()
    return [(pledge, form.versions.get(pledge)) for pledge in pledges]


def _bulk_page(request, form, evidence, rows, status=200, **context):
    context.update(
        form=form,
        evidence=evidence,
        rows=rows,
        next=_safe_next(request, reverse("staff:worklist")),
    )
    return render(request, "staff/bulk_update.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
@permission_required("tracker.add_statusupdate", raise_exception=True)
def translate_note(request, pk):
    """Add or correct the translation of an update's public note: the update keeps its
    status and its review (StatusUpdate.translate_note), and the edit history keeps the
    change."""
    update = get_object_or_404(StatusUpdate.objects.select_related("pledge", "author"), pk=pk)
    posted = request.POST if request.method == "POST" else None
    form = TranslateNoteForm(posted, update=update)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = update.translate_note(
                    form.cleaned_data["translation"], author=request.user
                )
            except ValidationError as error:
                form.add_error("translation", error.messages)
            else:
                notice = (
                    _("Translation saved: the update’s status and review are unchanged.")
                    if changed
                    else _("Nothing changed: the translation was already this text.")
                )
                messages.success(request, notice)
                url = reverse("staff:pledge_detail", args=[update.pledge_id])
                return redirect(f"{url}#update-{update.pk}")
        status = 422
    context = {"update": update, "pledge": update.pledge, "form": form}
    return render(request, "staff/translate.html", context, status=status)
