"""What htmx needs from every view: whether to answer with a fragment, and a login redirect
that takes the whole window rather than being swapped into the page."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


def is_fragment(request):
    """True when htmx asks for a fragment; a history restore wants the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


class HtmxLoginRedirectMiddleware:
    """Turn login_required's redirect on an htmx request into HX-Redirect.

    The XHR would follow a plain redirect and htmx would swap the login page into the
    table; HX-Redirect sends the whole window to the login page instead, coming back to
    the page the browser shows (not the fragment's URL) after logging in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.htmx
            and response.status_code == 302
            and urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)
        ):
            back = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(back).url)
        return response
