"""The second key: a reviewer approves, returns or disputes another's proposed status update.

The state changes are StatusUpdate.approve(), return_to_author() and disagree(); this
module shows the proposal beside the pledge's quote and turns their refusals into 403,
409 and 422 answers.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tracker.forms import ReviewForm, WithdrawForm
from tracker.i18n import shown
from tracker.models import Review, Speaker, StaleVersion, StatusUpdate, UpdateDecision

DONE = {
    UpdateDecision.APPROVE: gettext_lazy(
        "Approved: “%(pledge)s” is now %(status)s on the public site."
    ),
    UpdateDecision.RETURN: gettext_lazy(
        "Returned to its author with your comment: “%(pledge)s” is unchanged."
    ),
    UpdateDecision.DISAGREE: gettext_lazy(
        "Your disagreement is recorded; the update awaits another reviewer."
    ),
}


def _get_update(pk):
    return get_object_or_404(
        StatusUpdate.objects.select_related(
            "author",
            "pledge__statement__issuing_body",
            "pledge__latest_update__author",
            "pledge__latest_update__reviewed_by",
        ).prefetch_related(
            "evidence",
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
            Prefetch(
                "pledge__statement__speaker_set",
                queryset=Speaker.objects.select_related("person"),
            ),
        ),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
@permission_required("tracker.review_statusupdate", raise_exception=True)
def review_update(request, pk):
    update = _get_update(pk)
    if request.method == "GET":
        form = ReviewForm(initial={"version": update.pledge.version})
        return _review_page(request, update, form)

    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _review_page(request, update, form, status=422)
    decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
    try:
        if decision == UpdateDecision.APPROVE:
            update.approve(
                request.user, comment=comment, expected_version=form.cleaned_data["version"]
            )
        elif decision == UpdateDecision.RETURN:
            update.return_to_author(request.user, comment=comment)
        else:
            update.disagree(request.user, comment=comment)
    except StaleVersion:
        # Show the newer state the proposal was not written against.
        return _review_page(request, _get_update(pk), form, status=409, stale=True)
    except ValidationError as error:  # no longer awaiting review: someone decided first
        form.add_error(None, error.messages)
        return _review_page(request, _get_update(pk), form, status=409)
    pledge = update.pledge
    pledge.refresh_from_db(fields=["status"])
    messages.success(
        request,
        DONE[decision]
        % {"pledge": shown(pledge, "title").marked, "status": pledge.get_status_display()},
    )
    return redirect(f"{reverse('staff:worklist')}?awaiting_review=on")


def _review_page(request, update, form, status=200, **context):
    pledge = update.pledge
    statement = pledge.statement
    speakers = [f"{s.person.name}, {s.office}" for s in statement.speaker_set.all()]
    context.update(
        update=update,
        pledge=pledge,
        speakers=", ".join(speakers)
        or (statement.issuing_body.name if statement.issuing_body else _("Speaker not stated")),
        form=form,
        own=update.author_id == request.user.pk,
        current=pledge.latest_update,
    )
    return render(request, "staff/review.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
@permission_required("tracker.change_pledge", raise_exception=True)
def withdraw_update(request, pk):
    """A curator takes a published update back, with a public reason: a correction."""
    update = _get_update(pk)
    form = WithdrawForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                update.withdraw(request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error(None, error.messages)
                status = 409
            else:
                notice = _("Withdrawn from “%(pledge)s”, with your reason published.") % {
                    "pledge": shown(update.pledge, "title").marked
                }
                messages.success(request, notice)
                return redirect("staff:pledge_detail", pk=update.pledge_id)
        else:
            status = 422
    context = {"update": update, "pledge": update.pledge, "form": form}
    return render(request, "staff/withdraw.html", context, status=status)
