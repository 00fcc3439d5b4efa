"""Error pages (staff ones in the staff layout), the database-unavailable page, and a
health check for load balancers.

No page here shows a traceback or a setting: the details go to the log (django.request),
the reader gets a short page in the site's look. The 500 and 503 pages render without
the request's context processors (no session, no user, no messages), so they render
even when the database is down.
"""

import logging
import sys

from django.core.exceptions import BadRequest, RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30

# An error page is no version of the page asked for: it names no canonical address or
# language twins, and its language switcher leads to the other language's home page, so a
# missing page and an unpublished one read the same (tracker_tags.language_links).
ERROR_PAGE = {"error_page": True}

# The last resort, if even the templates fail (a missing static manifest entry, say).
_FALLBACK = (
    '<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
    "<title>{title} · {site}</title></head>"
    "<body><h1>{title}</h1><p>{message}</p></body></html>"
)


def reject_nul_bytes(get_response):
    """A NUL byte in the query string is a 400 before any view or filter sees it.

    No real link carries one, and PostgreSQL refuses NUL in text, so a filter, a search or
    an admin list filter that passed it on would fail with a 500 (issue 16).
    """

    def middleware(request):
        if any("\x00" in key or "\x00" in value for key, value in _query_items(request)):
            raise BadRequest("NUL byte in the query string.")
        return get_response(request)

    return middleware


def _query_items(request):
    for key, values in request.GET.lists():
        for value in values:
            yield key, value


def bad_request(request, exception):
    """handler400: a form larger than DATA_UPLOAD_MAX_MEMORY_SIZE (a pasted book) gets a 413
    that says so; anything else Django's own 400 page."""
    if isinstance(exception, RequestDataTooBig):
        return render(request, "413.html", ERROR_PAGE, status=413)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return render(request, _for_audience(request, "403.html"), ERROR_PAGE, status=403)


def page_not_found(request, exception):
    return render(request, _for_audience(request, "404.html"), ERROR_PAGE, status=404)


def _for_audience(request, template_name):
    """Staff errors in the staff layout: its navigation, log-out and a way back to the worklist."""
    match = getattr(request, "resolver_match", None)
    if match and match.namespace == "staff":
        return f"staff/{template_name}"
    return template_name


def server_error(request):
    """handler500: a 503 if the database is unreachable, otherwise a plain 500.

    Django calls this while it is still handling the exception, so sys.exception()
    is the error a view, a middleware or the session raised.
    """
    if database_unavailable(sys.exception()):
        response = _render_without_request(
            "503.html",
            503,
            _("Temporarily unavailable"),
            _("The site is briefly unavailable. Please try again in a minute."),
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        response = _render_without_request(
            "500.html",
            500,
            _("Something went wrong"),
            _("An error on our side stopped this page. It has been logged."),
        )
    add_never_cache_headers(response)
    return response


def database_unavailable(exc):
    """True if exc (or an error it was raised from) means the database cannot be reached.

    OperationalError is what the drivers raise for a refused or dropped connection, a
    server shutting down, too many connections, a deadlock or SQLite's "database is
    locked": conditions outside the code, nearly always passing. InterfaceError is a
    connection that was already closed under us. Errors in our own queries (IntegrityError,
    ProgrammingError) stay 500s.
    """
    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__
    return False


def _render_without_request(template_name, status, title, message):
    try:
        body = loader.get_template(template_name).render()
    except Exception:
        logger.exception("Could not render %s; sending the plain fallback.", template_name)
        body = _FALLBACK.format(
            lang=get_language() or "en",
            title=title,
            site=_("Korea Pledge Tracker"),
            message=message,
        )
    return HttpResponse(body, status=status)


@require_safe
def healthz(request):
    """For load balancers and uptime checks: 200 "ok" if the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("Health check: the database is unavailable.", exc_info=True)
        response = HttpResponse("database unavailable\n", status=503, content_type="text/plain")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        response = HttpResponse("ok\n", content_type="text/plain")
    add_never_cache_headers(response)
    return response
