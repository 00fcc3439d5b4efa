"""Error pages: the site's look, no tracebacks, and a 503 when the database is unreachable.

The tests run with DEBUG off (pytest-django's default), as production does. This module is
also the URLconf for the tests marked `urls`: the site's URLs plus views that fail on purpose.
"""

import re
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import IntegrityError, InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import path

from tracker import errors
from tracker import urls as site_urls


def _raise(exc):
    def view(request):
        raise exc

    return view


urlpatterns = [
    *site_urls.urlpatterns,
    path("boom/", _raise(RuntimeError("secret detail: SECRET_KEY=hunter2"))),
    path("db-down/", _raise(OperationalError("connection to server at 10.0.0.5 refused"))),
    path("db-closed/", _raise(InterfaceError("connection already closed"))),
    path("db-integrity/", _raise(IntegrityError("duplicate key value violates unique"))),
    path("forbidden/", _raise(PermissionDenied("internal reason"))),
    path("bad/", _raise(BadRequest("internal reason"))),
    path("missing/", _raise(Http404("No Pledge matches the given query."))),
]
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

LEAKS = [
    "Traceback",
    "secret detail",
    "hunter2",
    "10.0.0.5",
    "internal reason",
    "SECRET_KEY",
    "OperationalError",
    "InterfaceError",
    "IntegrityError",
    "DATABASES",
    "settings",
]


@pytest.fixture
def client(client):
    """A client that returns the error response instead of re-raising the view's exception,
    from a reader of English: the failing views here have no language prefix, so the error
    pages speak the language the browser asks for."""
    client.raise_request_exception = False
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def assert_site_page_without_leaks(response, heading, csp=True):
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert "Korea Pledge Tracker" in html  # the site's header and title, from base.html
    for leak in LEAKS:
        assert leak not in html, leak
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script under CSP"
    assert " style=" not in html and "<style" not in html, "inline style under CSP"
    if csp:
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_unknown_url_gets_the_custom_404(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]
    assert_site_page_without_leaks(response, "Page not found")


@pytest.mark.urls("tests.test_errors")
def test_http404_from_a_view_does_not_show_its_message(client, db):
    response = client.get("/missing/")

    assert response.status_code == 404
    assert "No Pledge matches" not in response.content.decode()
    assert_site_page_without_leaks(response, "Page not found")


@pytest.mark.urls("tests.test_errors")
def test_permission_denied_gets_the_custom_403(client, db):
    response = client.get("/forbidden/")

    assert response.status_code == 403
    assert_site_page_without_leaks(response, "Not allowed")


@pytest.mark.urls("tests.test_errors")
def test_bad_request_gets_the_custom_400(client, db):
    response = client.get("/bad/")

    assert response.status_code == 400
    assert_site_page_without_leaks(response, "Bad request")


def test_unknown_host_gets_the_custom_400(client, db):
    response = client.get("/healthz", headers={"host": "attacker.example"})

    assert response.status_code == 400
    assert "attacker.example" not in response.content.decode()
    # CommonMiddleware rejects the host before the CSP middleware (further in) is reached.
    assert_site_page_without_leaks(response, "Bad request", csp=False)


@pytest.mark.urls("tests.test_errors")
def test_view_that_raises_gets_a_500_without_traceback(client, db):
    response = client.get("/boom/")

    assert response.status_code == 500
    assert response.templates[0].name == "500.html"
    assert "Retry-After" not in response
    assert "no-store" in response["Cache-Control"]
    assert_site_page_without_leaks(response, "Something went wrong")


@pytest.mark.urls("tests.test_errors")
def test_500_is_logged_with_the_traceback(client, db, caplog):
    client.get("/boom/")

    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelname == "ERROR"
    assert "secret detail" in str(record.exc_info[1])


@pytest.mark.urls("tests.test_errors")
@pytest.mark.parametrize("url", ["/db-down/", "/db-closed/"])
def test_database_unreachable_gets_a_503_with_retry_after(client, db, url):
    response = client.get(url)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert response.templates[0].name == "503.html"
    assert_site_page_without_leaks(response, "Temporarily unavailable")


@pytest.mark.urls("tests.test_errors")
def test_other_database_errors_are_a_plain_500(client, db):
    response = client.get("/db-integrity/")

    assert response.status_code == 500
    assert "Retry-After" not in response


def test_database_down_while_loading_the_session_gets_a_503(client, db, reader):
    """The error comes from middleware (the session), not from a view."""
    client.force_login(reader)
    with mock.patch.object(SessionStore, "load", side_effect=OperationalError("server closed")):
        response = client.get("/en/admin/login/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert_site_page_without_leaks(response, "Temporarily unavailable")


@pytest.mark.parametrize("template_name", ["500.html", "503.html"])
def test_server_error_pages_render_without_database_or_request(template_name):
    """No `db` fixture: pytest-django fails any query. No request: no context processors."""
    html = render_to_string(template_name)

    assert "Korea Pledge Tracker" in html
    assert "<h1>" in html


@pytest.mark.urls("tests.test_errors")
def test_500_falls_back_to_plain_html_if_the_template_fails(client, db):
    with mock.patch("tracker.errors.loader.get_template", side_effect=ValueError("no manifest")):
        response = client.get("/db-down/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "<h1>Temporarily unavailable</h1>" in response.content.decode()
    assert "no manifest" not in response.content.decode()


def test_healthz_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_does_not_answer(rf, db):
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=OperationalError("refused")):
        response = errors.healthz(rf.get("/healthz"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.content == b"database unavailable\n"


def test_healthz_through_the_middleware_is_503_when_the_database_does_not_answer(client, db):
    """Through the whole middleware stack, a database that does not answer is a 503."""
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=OperationalError("refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"refused" not in response.content


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405
