"""Public pages for following a pledge or a counterpart by email (see tracker.follow).

Never cached: each carries a CSRF token or answers one reader's link. Confirming and
unsubscribing take a POST, so a mail scanner that opens every link changes nothing;
the unsubscribe POST needs no CSRF token, as one-click unsubscribe (RFC 8058) requires.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tracker import follow
from tracker.models import Counterpart, Pledge
from tracker.security import client_address


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_pledge(request, slug):
    return _follow(request, get_object_or_404(Pledge.objects.public(), slug=slug))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_counterpart(request, slug):
    counterpart = get_object_or_404(Counterpart, slug=slug)
    if not Pledge.objects.public().concerning(slug).exists():
        raise Http404("No public pledges concern this counterpart.")
    return _follow(request, counterpart)


def _follow(request, target):
    form = follow.FollowForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "target": target, "is_pledge": isinstance(target, Pledge)}
    if not form.is_valid():
        return render(request, "public/follow.html", context, status=400 if form.is_bound else 200)
    try:
        follow.request_follow(form.cleaned_data["email"], target, client_address(request))
    except follow.RateLimited:
        form.add_error(None, _("Too many requests to follow from here: please try again later."))
        return render(request, "public/follow.html", context, status=429)
    context["email"] = form.cleaned_data["email"]
    return render(request, "public/follow_sent.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    try:
        if request.method == "POST":
            confirmed = follow.confirm(token)
            context = {"follow": confirmed, "done": True}
            return render(request, "public/follow_confirm.html", context)
        pending = follow.follow_for_token(token, follow.CONFIRM_SALT, follow.CONFIRM_WITHIN)
    except follow.BadToken:
        return _bad_link(request)
    return render(request, "public/follow_confirm.html", {"follow": pending})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    try:
        if request.method == "POST":
            target = follow.unsubscribe(token)
            return render(request, "public/unsubscribe.html", {"target": target})
        current = follow.follow_for_token(token, follow.UNSUBSCRIBE_SALT)
    except follow.BadToken:
        return _bad_link(request)
    return render(request, "public/unsubscribe.html", {"follow": current})


def _bad_link(request):
    return render(request, "public/follow_bad_link.html", status=400)
